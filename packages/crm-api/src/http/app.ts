import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { AppContext } from '../context.js';
import { authenticate } from './authenticate.js';
import { errorHandler, miniprogramErrorHandler, notFoundHandler } from './error-middleware.js';
import { requireJsonBody } from './request-guards.js';
import { createRouteRegistry } from './route-registry.js';
import { assignmentRoutes } from './routes/assignment-routes.js';
import { customersRoutes } from './routes/customers-routes.js';
import { docsRoutes } from './routes/docs-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { httpMetrics, metricsRoutes } from './routes/metrics-routes.js';
import { miniprogramRoutes } from './routes/miniprogram-routes.js';
import { notificationsRoutes } from './routes/notifications-routes.js';
import { usersRoutes } from './routes/users-routes.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
    }),
  );
  if (ctx.metrics) app.use(httpMetrics(ctx.metrics), metricsRoutes(ctx.metrics));
  app.use(requireJsonBody, express.json({ limit: ctx.config.BODY_LIMIT, strict: true }));

  const registry = createRouteRegistry();
  app.use(healthRoutes(ctx, registry));
  app.use('/api', authenticate(ctx.db.kysely));
  app.use(miniprogramRoutes(ctx, registry));
  // Errors on mini-program routes (including auth and body parsing) answer in the mini-program envelope.
  app.use('/api/miniprogram', notFoundHandler, miniprogramErrorHandler);
  app.use(usersRoutes(ctx, registry), customersRoutes(ctx, registry), assignmentRoutes(ctx, registry), notificationsRoutes(ctx, registry));
  app.use(docsRoutes(registry.specs));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

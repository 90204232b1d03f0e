import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { assignmentRoutes } from './assignments/assignment-routes.js';
import { miniprogramErrorHandler, miniprogramRoutes } from './assignments/miniprogram-routes.js';
import { authenticate } from './auth/authenticate.js';
import type { AppContext } from './context.js';
import { customersRoutes } from './customers/customers-routes.js';
import { docsRoutes } from './http/docs-routes.js';
import { errorHandler, notFoundHandler } from './http/error-middleware.js';
import { healthRoutes } from './http/health-routes.js';
import { httpMetrics, metricsRoutes } from './metrics/metrics-routes.js';
import { createRouteRegistry } from './http/route-registry.js';
import { notificationsRoutes } from './notifications/notifications-routes.js';
import { usersRoutes } from './users/users-routes.js';

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
  app.use(express.json({ limit: ctx.config.BODY_LIMIT, strict: true }));

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

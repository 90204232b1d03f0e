import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { AppContext } from '../context.js';
import { authenticate } from './authenticate.js';
import { errorHandler, miniprogramErrorHandler, notFoundHandler } from './error-middleware.js';
import { requireJsonBody } from './request-guards.js';
import { requestLog } from './request-log.js';
import { createRouteRegistry } from './route-registry.js';
import { assignmentRoutes } from './routes/assignment-routes.js';
import { customersRoutes } from './routes/customers-routes.js';
import { docsRoutes } from './routes/docs-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { httpMetrics, metricsRoutes } from './routes/metrics-routes.js';
import { miniprogramRoutes } from './routes/miniprogram-routes.js';
import { notificationsRoutes } from './routes/notifications-routes.js';
import { messagePushRoutes } from './routes/message-push-routes.js';
import { tokensRoutes } from './routes/tokens-routes.js';
import { usersRoutes } from './routes/users-routes.js';
import { bindingSceneRoutes, wechatBindingRoutes } from './routes/wechat-binding-routes.js';

const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  // helmet's defaults (nosniff, frame and referrer policies, HSTS, a same-origin CSP). The CSP allows what the
  // swagger-ui page at /docs needs and nothing more: its own scripts and styles, inline styles, data: images.
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: { 'script-src': ["'self'"], 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] },
      },
    }),
  );
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');

  app.use(requestLog(ctx.logger));

  if (ctx.metrics) app.use(httpMetrics(ctx.metrics), metricsRoutes(ctx.metrics));
  // WeChat's push is read as text, whatever Content-Type WeChat sends: before the API's JSON-only guard.
  app.use(messagePushRoutes(ctx));
  // requireJsonBody has refused any body that is not application/json: the parser need not check the type again.
  app.use(requireJsonBody, express.json({ limit: ctx.config.BODY_LIMIT, strict: true, type: () => true }));

  const registry = createRouteRegistry();
  app.use(healthRoutes(ctx, registry), bindingSceneRoutes(ctx, registry));
  // Authenticated JSON is per user: no cache (browser or proxy) may keep it.
  app.use('/api', noStore, authenticate(ctx));
  app.use(miniprogramRoutes(ctx, registry));
  // Errors on mini-program routes (including auth and body parsing) answer in the mini-program envelope.
  app.use('/api/miniprogram', notFoundHandler, miniprogramErrorHandler);
  app.use(
    usersRoutes(ctx, registry),
    wechatBindingRoutes(ctx, registry),
    customersRoutes(ctx, registry),
    assignmentRoutes(ctx, registry),
    notificationsRoutes(ctx, registry),
    tokensRoutes(ctx, registry),
  );
  app.use(docsRoutes(registry.specs));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

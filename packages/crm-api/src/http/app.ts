import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { AppContext } from '../context.js';
import { authenticate } from './authenticate.js';
import { errorHandler, miniprogramErrorHandler, notFoundHandler } from './error-middleware.js';
import { requireJsonBody } from './request-guards.js';
import { requestLog } from './request-log.js';
import { createRouteRegistry } from './route-registry.js';
import { assignmentRoutes } from './routes/assignment-routes.js';
import { consolePageRoutes } from './routes/console-page-routes.js';
import { consoleRoutes, consoleSignInRoutes } from './routes/console-routes.js';
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
import { wechatSessionEndRoutes, wechatSessionRoutes } from './routes/wechat-session-routes.js';

const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag: API answers are no-store, so no client can ever send one back; hashing every body was for nothing.
  // (The swagger-ui assets under /docs get theirs from express.static.)
  app.set('etag', false);
  // helmet's defaults (nosniff, frame and referrer policies, HSTS, a same-origin CSP). The CSP allows what the
  // swagger-ui page at /docs needs and nothing more: its own scripts and styles, inline styles, data: images.
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: { 'script-src': ["'self'"], 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] },
      },
    }),
  );
  app.set('trust proxy', ctx.config.TRUST_PROXY);
  app.set('query parser', 'simple');

  app.use(requestLog(ctx.logger));

  // Every route module registers on the app's own router, in this order: a request walks one list of layers
  // instead of entering (and dispatching through) a nested router per module on its way to its route.
  if (ctx.metrics) {
    app.use(httpMetrics(ctx.metrics));
    metricsRoutes(app, ctx.metrics);
  }
  // WeChat's push is read as text, whatever Content-Type WeChat sends: before the API's JSON-only guard.
  messagePushRoutes(app, ctx);
  // requireJsonBody has refused any body that is not application/json: the parser need not check the type again.
  // Not strict: `null`, `"x"` or `42` is valid JSON, and the route's schema says it must be an object (as it does for
  // an array) instead of the parser calling it "not valid JSON".
  app.use(requireJsonBody, express.json({ limit: ctx.config.BODY_LIMIT, strict: false, type: () => true }));

  const registry = createRouteRegistry();
  healthRoutes(app, ctx, registry);
  consolePageRoutes(app);
  bindingSceneRoutes(app, ctx, registry);
  wechatSessionRoutes(app, ctx, registry);
  // The console's sign-in link opens before any session exists, and before the console's own pages under /console/.
  consoleSignInRoutes(app, ctx, registry);
  // Authenticated JSON is per user: no cache (browser or proxy) may keep it.
  app.use('/api', noStore, authenticate(ctx));
  miniprogramRoutes(app, ctx, registry);
  // Errors on mini-program routes (including auth and body parsing) answer in the mini-program envelope.
  app.use('/api/miniprogram', notFoundHandler, miniprogramErrorHandler);
  usersRoutes(app, ctx, registry);
  wechatBindingRoutes(app, ctx, registry);
  wechatSessionEndRoutes(app, ctx, registry);
  customersRoutes(app, ctx, registry);
  assignmentRoutes(app, ctx, registry);
  notificationsRoutes(app, ctx, registry);
  tokensRoutes(app, ctx, registry);
  consoleRoutes(app, ctx, registry);
  docsRoutes(app, registry.specs);

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

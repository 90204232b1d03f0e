import type { IRouter, RequestHandler } from 'express';
import type { Metrics } from '../../metrics/metrics.js';

/** Times every request by its route pattern (not the raw URL, which would explode the label set). */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // Every route registers on the app itself, so its path is whole. req.baseUrl is not the route's: it is the mount
      // path of the last middleware the request went through (the mini-program error handler's, after an error).
      const route = req.route?.path ? String(req.route.path) : 'unmatched';
      metrics.observeHttp(req.method, route, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

/** GET /metrics in Prometheus text format. */
export function metricsRoutes(router: IRouter, metrics: Metrics): void {
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

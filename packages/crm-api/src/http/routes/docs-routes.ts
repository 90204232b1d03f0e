import { static as serveStatic, type IRouter } from 'express';
import swaggerUiDist from 'swagger-ui-dist';
import { buildOpenApiDocument } from '../openapi.js';
import type { AnyRouteSpec } from '../route-registry.js';

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>leadnotify API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="api-reference"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;

const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#api-reference', deepLinking: true });`;

/** /openapi.json and a browsable reference at /docs, served from the swagger-ui-dist package (no CDN). */
export function docsRoutes(router: IRouter, specs: AnyRouteSpec[]): void {
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  router.get('/openapi.json', (_req, res) => {
    document ??= buildOpenApiDocument(specs, {
      title: 'leadnotify CRM API',
      version: '0.1.0',
      description: 'Customers, users, the lead pool and the four assignment operations; every assignment queues a WeChat subscribe-message notification.',
    });
    res.json(document);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(INIT_SCRIPT);
  });
  router.use('/docs/assets', serveStatic(swaggerUiDist.getAbsoluteFSPath(), { index: false }));
}

import type { Request, RequestHandler } from 'express';
import { ApiError } from './api-error.js';

/**
 * The API accepts JSON bodies only, uncompressed. A body with another media type (JSON sent as text/plain) or a
 * Content-Encoding (gzip/br over a plain body, or a real one) is refused with 415 before anything parses it;
 * without this, express.json ignores the first and the inflater fails on the second with a 500.
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    throw new ApiError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: `Content-Encoding ${encoding} is not accepted; send the JSON body uncompressed` });
  }
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json')) {
    throw new ApiError({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: `Send the body as JSON with "Content-Type: application/json" (got ${req.headers['content-type'] ?? 'no Content-Type'})`,
    });
  }
  next();
};

/**
 * A request that signs a browser in must say it is JSON, even with an empty body: a form on another site cannot (it
 * would need a CORS preflight, which this API never grants), so no page elsewhere can post it and sign the browser in
 * as someone else (login CSRF).
 */
export function requireJsonContentType(req: Pick<Request, 'get'>): void {
  const mediaType = req.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new ApiError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send "Content-Type: application/json" (the console does): a sign-in is never completed by a form' });
  }
}

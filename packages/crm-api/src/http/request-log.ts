import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

declare global {
  namespace Express {
    interface Request {
      /** From a well-formed X-Request-Id header, or generated; echoed in the response. */
      id: string;
      /** The logger for this request (bound to its id), made when first used. */
      log: Logger;
    }
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * A console sign-in scan's id is a secret in its path (it completes a sign-in): the line names the route with `:id`
 * instead (any case: Express matches paths ignoring it). `confirm` is the route's own word, not an id.
 */
const SECRET_IN_PATH = /^(\/api\/console\/sign-in\/scans\/)(?!confirm(?:\/|$))[^/]+/i;

/** The path of a request as a log line may hold it: no query string, no secret. */
export function loggedPath(originalUrl: string): string {
  return (originalUrl.split('?', 1)[0] ?? '').replace(SECRET_IN_PATH, '$1:id');
}

/**
 * One line per request when it ends (`request completed`, or `request aborted` at warn if the client went away
 * first) with its id, method, path, status, time and the authenticated user. The path only: a query string can
 * carry what a log line must not. Nothing is serialised unless the line is written, and the per-request child
 * logger exists only for a request that logs something itself (a 5xx) — per-request logging was a tenth of an
 * assignment's cost when every request built one.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', id);
    req.id = id;
    Object.defineProperty(req, 'log', {
      configurable: true,
      get() {
        const child = logger.child({ reqId: id });
        Object.defineProperty(req, 'log', { value: child });
        return child;
      },
    });
    if (logger.isLevelEnabled('info')) {
      res.once('close', () => {
        const line = {
          reqId: id,
          req: { method: req.method, path: loggedPath(req.originalUrl), remoteAddress: req.ip },
          res: { statusCode: res.statusCode },
          userId: req.actor?.id,
          responseTime: Math.round((performance.now() - started) * 10) / 10,
        };
        if (res.writableFinished) logger.info(line, 'request completed');
        else logger.warn(line, 'request aborted');
      });
    }
    next();
  };
}

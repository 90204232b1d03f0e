import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, errorBody } from './api-error.js';

/** The part of a server socket Node's own clientError answer looks at (lib/_http_server.js, socketOnError). */
type ClientSocket = Duplex & { _httpMessage?: { headersSent?: boolean } | null };

/**
 * Node answers some requests itself, before Express sees them: headers over its limit (431), a request that did not
 * arrive within requestTimeout / headersTimeout (408) and bytes its parser cannot read (400) — by default with a bare
 * status line and no body. Installed as the server's 'clientError' listener, this answers them in the API's error
 * envelope instead, under the same condition Node uses: the socket is writable and no response on it has started.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: ClientSocket): void {
  const inFlight = socket._httpMessage;
  if (error.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
    const apiError = clientApiError(error);
    const body = JSON.stringify(errorBody(apiError));
    socket.write(
      [
        `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status]}`,
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Cache-Control: no-store',
        'X-Content-Type-Options: nosniff',
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  }
  // As Node does after its own answer: the connection cannot carry another request.
  socket.destroy(error);
}

function clientApiError(error: NodeJS.ErrnoException): ApiError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError({
        code: 'HEADERS_TOO_LARGE',
        message: `The request line and headers are over ${maxHeaderSize} bytes: send a shorter URL or fewer headers`,
      });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError({
        code: 'REQUEST_TIMEOUT',
        message: 'The request did not arrive in full in time (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS): send it without pausing',
      });
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new ApiError({ code: 'PAYLOAD_TOO_LARGE', message: 'The chunk extensions of the request body are too large' });
    default:
      return new ApiError({ code: 'MALFORMED_REQUEST', message: `The request is not valid HTTP/1.1 (${error.code ?? error.message})` });
  }
}

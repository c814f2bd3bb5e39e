import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorPage } from '../functions/core/gateway/gateway-pages';
import {
  type GatewayDeps,
  type GatewayResponse,
  handleGatewayRequest,
} from '../functions/core/gateway/handle-gateway-request';
import { page, securityHeaders } from '../functions/core/gateway/html';

export interface GatewayServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (links are `${url}/d/<token>`). */
  url: string;
  stop(): Promise<void>;
}

/** The gateway needs no request body (the form posts none); anything bigger is refused unread. */
const MAX_BODY_BYTES = 16 * 1024;

/**
 * The download gateway on loopback, wrapping the same core function as the Lambda, so local runs
 * and tests exercise exactly what runs behind the HTTP API. clientId is the remote address, as the
 * HTTP API's sourceIp is on AWS.
 */
export async function startGatewayServer(
  deps: GatewayDeps,
  options: { port?: number } = {},
): Promise<GatewayServer> {
  const server = createServer((req, res) => {
    void answer(deps, req).then(
      (response) => {
        res.writeHead(response.status, response.headers);
        res.end(req.method === 'HEAD' ? undefined : response.body);
      },
      () => {
        // handleGatewayRequest answers its own failures; this only catches the transport's.
        res.writeHead(500, securityHeaders());
        res.end(errorPage());
      },
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function answer(deps: GatewayDeps, req: IncomingMessage): Promise<GatewayResponse> {
  if (!(await drainBody(req))) {
    return {
      status: 413,
      headers: securityHeaders(),
      body: page('en', 'Too large', '<h1>Request too large</h1>'),
    };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return handleGatewayRequest(deps, {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers,
    clientId: req.socket.remoteAddress ?? 'unknown',
  });
}

/**
 * Reads and discards the body; false once it passes MAX_BODY_BYTES (nothing is kept, so memory
 * stays flat; the rest is discarded as it arrives and the server's requestTimeout bounds it).
 */
function drainBody(req: IncomingMessage): Promise<boolean> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    req.resume();
    return Promise.resolve(false);
  }
  return new Promise((resolve, reject) => {
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > MAX_BODY_BYTES) resolve(false);
    });
    req.once('end', () => resolve(true));
    req.once('error', reject);
  });
}

import { request } from 'node:http';

/**
 * An HTTP request sent from a chosen loopback address (127.0.0.2, 127.0.0.3 …): the local HTTP API
 * passes the connection's address to the gateway as `requestContext.http.sourceIp`, so a test can
 * be a client of its own, as far as the gateway's failed-lookup limiter is concerned. Redirects are
 * not followed. The answer is a fetch `Response`, like the other requests of the tests.
 */
export function requestFrom(localAddress: string, url: string, method = 'GET'): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value === undefined) continue;
          for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
        }
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers }));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

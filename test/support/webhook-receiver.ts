/**
 * @module A local webhook receiver for tests: an HTTP server on loopback that records every
 * request (path, headers, parsed JSON body) and answers with the status the test chooses,
 * request by request. Nothing leaves the machine.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  /** The answer it was given. */
  readonly status: number;
}

/** A running receiver. */
export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:40123 (append any path). */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Chooses the status of request `index` (0-based); default 200. */
  respond: (index: number, request: { path: string; body: unknown }) => number;
  /** Resolves once `count` requests arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** Starts a receiver on an ephemeral loopback port. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: Array<() => void> = [];
  const receiver: Partial<WebhookReceiver> & { respond: WebhookReceiver['respond'] } = {
    requests,
    respond: () => 200,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: keep the text.
      }
      const path = req.url ?? '/';
      const status = receiver.respond(requests.length, { path, body });
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    async waitFor(count: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`webhook receiver got ${requests.length} of ${count} requests`);
        }
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return requests.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as WebhookReceiver;
}

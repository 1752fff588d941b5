import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch, ToolRegistry, type ToolScopes } from '../../../../src/daemon/tools/index.js';
import { toolContext } from './tool-context.js';

let server: Server;
let port: number;
let seen: Array<{ url: string; method: string; headers: IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers, body });
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/hello') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('hello world');
      } else if (url.pathname === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('y'.repeat(200_000));
      } else if (url.pathname === '/redirect-inside') {
        res.writeHead(302, { location: '/hello' }).end();
      } else if (url.pathname === '/redirect-post') {
        res.writeHead(303, { location: '/hello' }).end();
      } else if (url.pathname === '/redirect-away') {
        res.writeHead(302, { location: `http://localhost:${port}/hello` }).end();
      } else if (url.pathname === '/redirect-loop') {
        res.writeHead(302, { location: '/redirect-loop' }).end();
      } else if (url.pathname === '/hang') {
        // Never answers.
      } else {
        res.writeHead(404).end('nope');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const registry = new ToolRegistry().register(httpFetch);
function scopes(over: Partial<NonNullable<ToolScopes['http']>> = {}): ToolScopes {
  return { http: { hosts: [`127.0.0.1:${port}`], maxBytes: 1000, timeoutMs: 2000, ...over } };
}
function fetchTool(args: Record<string, unknown>, s: ToolScopes = scopes()) {
  return registry.run('http.fetch', toolContext(s), args);
}

describe('http.fetch', () => {
  it('fetches from an allowed host', async () => {
    const result = await fetchTool({ url: `http://127.0.0.1:${port}/hello` });
    expect(result.content).toBe('HTTP 200 (text/plain)\n\nhello world');
    expect(result.data).toMatchObject({ status: 200, body: 'hello world' });
    expect(result.truncated).toBe(false);
  });

  it('sends the idempotency key on unsafe methods', async () => {
    seen = [];
    await fetchTool({ url: `http://127.0.0.1:${port}/hello`, method: 'POST', body: 'payload' });
    expect(seen[0]).toMatchObject({ method: 'POST', body: 'payload' });
    expect(seen[0]!.headers['idempotency-key']).toBe('call-key-1');
  });

  it('refuses a host that is not on the allowlist, and the wrong port', async () => {
    await expect(fetchTool({ url: `http://localhost:${port}/hello` })).rejects.toMatchObject({
      code: 'POLICY_DENIED',
      message: expect.stringContaining(`localhost:${port} is not on the host allowlist`),
    });
    await expect(fetchTool({ url: `http://127.0.0.1:${port + 1}/hello` })).rejects.toMatchObject({
      code: 'POLICY_DENIED',
    });
    await expect(fetchTool({ url: 'file:///etc/passwd' })).rejects.toMatchObject({
      code: 'POLICY_DENIED',
    });
  });

  it('follows redirects on allowed hosts, turning a 303 into a GET', async () => {
    seen = [];
    const result = await fetchTool({
      url: `http://127.0.0.1:${port}/redirect-post`,
      method: 'POST',
      body: 'b',
    });
    expect(result.data).toMatchObject({ status: 200, body: 'hello world' });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /redirect-post', 'GET /hello']);
    expect(
      (await fetchTool({ url: `http://127.0.0.1:${port}/redirect-inside` })).data,
    ).toMatchObject({
      status: 200,
    });
  });

  it('refuses a redirect to a host off the allowlist without following it', async () => {
    seen = [];
    await expect(
      fetchTool({ url: `http://127.0.0.1:${port}/redirect-away` }),
    ).rejects.toMatchObject({
      code: 'POLICY_DENIED',
      message: expect.stringContaining('redirect to host'),
    });
    expect(seen.map((s) => s.url)).toEqual(['/redirect-away']);
  });

  it('gives up after five redirects', async () => {
    await expect(
      fetchTool({ url: `http://127.0.0.1:${port}/redirect-loop` }),
    ).rejects.toMatchObject({
      code: 'TOOL_FAILED',
      message: expect.stringContaining('more than 5 redirects'),
    });
  });

  it('stops reading at the size cap and marks the result truncated', async () => {
    const result = await fetchTool({ url: `http://127.0.0.1:${port}/big` });
    expect(result.truncated).toBe(true);
    expect((result.data as { body: string }).body).toHaveLength(1000);
  });

  it('times out on a server that never answers, without echoing headers', async () => {
    const started = Date.now();
    const error = await fetchTool(
      {
        url: `http://127.0.0.1:${port}/hang?token=q-secret`,
        headers: { authorization: 'Bearer h-secret' },
      },
      scopes({ timeoutMs: 300 }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'TIMEOUT',
      message: 'http.fetch did not finish within 300 ms',
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(JSON.stringify(error)).not.toMatch(/secret/);
  });

  it('reports a refused connection as TOOL_FAILED without query or headers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await fetchTool(
      {
        url: `http://127.0.0.1:${deadPort}/x?token=q-secret`,
        headers: { 'x-api-key': 'h-secret' },
      },
      scopes({ hosts: [`127.0.0.1:${deadPort}`] }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'TOOL_FAILED',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    expect((error as Error).message).not.toMatch(/secret/);
  });

  it('refuses client-managed headers', async () => {
    await expect(
      fetchTool({ url: `http://127.0.0.1:${port}/hello`, headers: { Host: 'evil.test' } }),
    ).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('headers.Host'),
    });
  });
});

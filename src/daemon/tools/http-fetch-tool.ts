/**
 * @module The `http.fetch` built-in: HTTP(S) requests to allowlisted hosts only, redirects
 * followed by hand so that every hop is checked against the allowlist, a response size cap that
 * stops reading, and one deadline for the whole exchange. Errors name the method and the URL
 * without its query string, and never the request headers (they may carry credentials).
 */
import { request } from 'undici';
import { z } from 'zod';
import { AgentvisorError } from '../../core/index.js';
import { abortError } from './abort-reason.js';
import { builtinTool } from './builtin-tool.js';
import { hostAllowed } from './host-allowlist.js';
import { requireScope } from './require-scope.js';
import type { ToolContext, ToolDefinition, ToolScopes } from './tool-types.js';

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const FORBIDDEN_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
]);
// Credentials are for the origin they were given to; a redirect elsewhere drops them.
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
const TEXTUAL =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

const fetchArgs = z.strictObject({
  url: z.string().describe('Absolute http:// or https:// URL on an allowed host'),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional().describe('Request body (text)'),
});

type FetchArgs = z.output<typeof fetchArgs>;
type HttpScope = NonNullable<ToolScopes['http']>;

function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function checkUrl(raw: string, scope: HttpScope, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `http.fetch: url: ${JSON.stringify(raw)} is not an absolute URL`,
      {
        details: { path: 'url' },
      },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AgentvisorError(
      'POLICY_DENIED',
      `http.fetch: ${what} uses ${url.protocol}; only http and https are allowed`,
      {
        details: { protocol: url.protocol },
      },
    );
  if (!hostAllowed(url, scope.hosts))
    throw new AgentvisorError(
      'POLICY_DENIED',
      `http.fetch: ${what} ${url.host} is not on the host allowlist (${scope.hosts.join(', ') || 'empty'})`,
      { details: { host: url.host, allowed: [...scope.hosts] } },
    );
  return url;
}

function requestHeaders(ctx: ToolContext, args: FetchArgs): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(args.headers ?? {})) {
    if (FORBIDDEN_HEADERS.has(name.toLowerCase()))
      throw new AgentvisorError(
        'INPUT_INVALID',
        `http.fetch: headers.${name}: set by the client, not allowed`,
        {
          details: { path: `headers.${name}` },
        },
      );
    headers[name.toLowerCase()] = value;
  }
  if (args.method !== 'GET' && args.method !== 'HEAD' && headers['idempotency-key'] === undefined)
    headers['idempotency-key'] = ctx.idempotencyKey;
  return headers;
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, max: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > max) {
      chunks.push(chunk.subarray(0, max - size));
      size = max;
      body.destroy();
      return { bytes: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { bytes: Buffer.concat(chunks), truncated: false };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `http.fetch`: one HTTP exchange with an allowlisted host, capped in size and time. */
export const httpFetch: ToolDefinition<FetchArgs> = builtinTool({
  name: 'http.fetch',
  description:
    'Make an HTTP request to an allowed host. Redirects are followed only to allowed hosts; large bodies are cut.',
  args: fetchArgs,
  effect: 'write',
  async run(ctx, args) {
    const scope = requireScope(ctx, 'http', 'http.fetch');
    let url = checkUrl(args.url, scope, 'host');
    let method: FetchArgs['method'] = args.method;
    let body = args.body;
    const headers = requestHeaders(ctx, args);
    const deadline = AbortSignal.timeout(scope.timeoutMs);
    const signal = AbortSignal.any([ctx.signal, deadline]);
    try {
      for (let hop = 0; ; hop++) {
        const response = await request(url, { method, headers, body, signal });
        const location = headerText(response.headers['location']);
        if (REDIRECTS.has(response.statusCode) && location !== undefined) {
          await response.body.dump();
          if (hop >= MAX_REDIRECTS)
            throw new AgentvisorError(
              'TOOL_FAILED',
              `http.fetch: more than ${MAX_REDIRECTS} redirects from ${shownUrl(url)}`,
            );
          const next = checkUrl(new URL(location, url).href, scope, 'redirect to host');
          if (next.origin !== url.origin)
            for (const name of CREDENTIAL_HEADERS) delete headers[name];
          // 303 always, and 301/302 after a POST, become a GET without a body, as browsers do.
          if (response.statusCode === 303 || (response.statusCode < 303 && method === 'POST')) {
            if (method !== 'HEAD') method = 'GET';
            body = undefined;
            delete headers['content-type'];
          }
          url = next;
          continue;
        }
        const type = headerText(response.headers['content-type']) ?? '';
        const { bytes, truncated } = await readCapped(response.body, scope.maxBytes);
        const textual = type === '' || TEXTUAL.test(type);
        const text = bytes.toString(textual ? 'utf8' : 'base64');
        const responseHeaders = Object.fromEntries(
          Object.entries(response.headers).filter(([name]) => name !== 'set-cookie'),
        );
        return {
          content: `HTTP ${response.statusCode}${type ? ` (${type})` : ''}${textual ? '' : ', body in base64'}\n\n${text}`,
          data: {
            status: response.statusCode,
            url: url.href,
            headers: responseHeaders,
            body: text,
            encoding: textual ? 'utf8' : 'base64',
          },
          truncated,
        };
      }
    } catch (error) {
      if (error instanceof AgentvisorError) throw error;
      if (signal.aborted) throw abortError('http.fetch', ctx.signal, deadline, scope.timeoutMs);
      const code = (error as { code?: string }).code;
      throw new AgentvisorError(
        'TOOL_FAILED',
        `http.fetch: ${method} ${shownUrl(url)} failed${code ? ` (${code})` : ''}`,
        { details: { url: shownUrl(url), code }, cause: error },
      );
    }
  },
});

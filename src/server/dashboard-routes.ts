/**
 * @module Serves the built dashboard (`dist/web`, from `npm run build`) at `/`: hashed assets
 * with a year's cache, `index.html` never cached (so an upgrade is picked up on the next load),
 * and the single-page app's fallback, so a browser that opens `/tasks/42` directly gets the app
 * rather than a 404. API, health, gateway and metrics paths are never answered with the page:
 * their unknown routes stay JSON 404s. When the build is missing, `/` says how to make it.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Options for {@link registerDashboardRoutes}. */
export interface DashboardRoutesOptions {
  /** The directory of the built dashboard (the one holding `index.html`). */
  readonly root: string;
}

/** Paths that belong to the server, never to the dashboard. */
const SERVER_PREFIXES = ['/api/', '/health/', '/v1/'];
const SERVER_PATHS = new Set(['/api', '/health', '/v1', '/metrics']);

/** Vite names built files `name-<hash>.ext` under `assets/`: their content never changes. */
const YEAR_SECONDS = 365 * 24 * 3600;

function belongsToServer(path: string): boolean {
  return SERVER_PATHS.has(path) || SERVER_PREFIXES.some((prefix) => path.startsWith(prefix));
}

function acceptsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

/** The file under `root` that `path` names, or undefined (outside root, missing, a directory). */
function fileUnder(root: string, path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const file = resolve(root, `.${decoded}`);
  if (!file.startsWith(root + sep)) return undefined;
  try {
    return statSync(file).isFile() ? file.slice(root.length + 1) : undefined;
  } catch {
    return undefined;
  }
}

/** Hashed assets for a year, `index.html` never without asking, anything else for an hour. */
function cacheControlOf(root: string, file: string): string {
  const served = file.replace(/\.(br|gz)$/, '');
  if (served === resolve(root, 'index.html')) return 'no-cache';
  if (served.startsWith(resolve(root, 'assets') + sep)) {
    return `public, max-age=${YEAR_SECONDS}, immutable`;
  }
  return 'public, max-age=3600';
}

/**
 * Mounts the dashboard on `app`. Register it after every other route: it answers the GETs no
 * other route claims.
 *
 * @example
 * // from dist/src/server/http-server.js, the build is dist/web:
 * await registerDashboardRoutes(app, { root: fileURLToPath(new URL('../../web', import.meta.url)) });
 */
export async function registerDashboardRoutes(
  app: FastifyInstance,
  options: DashboardRoutesOptions,
): Promise<void> {
  const root = resolve(options.root);
  if (!existsSync(resolve(root, 'index.html'))) {
    const missing = (_request: FastifyRequest, reply: FastifyReply) =>
      reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(
          `The Agentvisor dashboard is not built (no ${resolve(root, 'index.html')}). Run \`npm run build\` and restart. The API at /api/v1 works without it.\n`,
        );
    app.get('/', missing);
    // A page URL opened directly says the same; other paths stay 404s.
    app.get('/*', (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      if (belongsToServer(path) || !acceptsHtml(request)) return reply.callNotFound();
      return missing(request, reply);
    });
    return;
  }

  // Only the reply decorator: the routes below decide what is served. The build writes `.br`
  // and `.gz` beside each file (web/vite.config.ts); browsers that accept them get those.
  await app.register(fastifyStatic, {
    root,
    serve: false,
    preCompressed: true,
    cacheControl: false,
    setHeaders: (res, file) => {
      res.setHeader('cache-control', cacheControlOf(root, file));
      res.setHeader('vary', 'accept-encoding');
    },
  });

  app.get('/', (_request, reply) => reply.sendFile('index.html'));
  app.get('/*', (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (belongsToServer(path)) return reply.callNotFound();
    const file = fileUnder(root, path);
    if (file !== undefined) return reply.sendFile(file);
    // A missing file (a stale hashed asset, a typo) is a 404; a page URL gets the app, which
    // routes it in the browser.
    const last = path.slice(path.lastIndexOf('/') + 1);
    if (last.includes('.') || !acceptsHtml(request)) return reply.callNotFound();
    return reply.sendFile('index.html');
  });
}

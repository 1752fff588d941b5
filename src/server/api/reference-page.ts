/**
 * @module The interactive API reference at `/api/v1/reference`: Swagger UI (from the
 * `swagger-ui-dist` package, served locally: no CDN, works offline) reading `/api/v1/openapi.json`.
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { API_PREFIX } from './api-router.js';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Agentvisor API reference</title>
<link rel="stylesheet" href="${API_PREFIX}/reference/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="${API_PREFIX}/reference/swagger-ui-bundle.js"></script>
<script src="${API_PREFIX}/reference/init.js"></script>
</body>
</html>
`;

// A separate file, not an inline script: the server's Content-Security-Policy allows scripts
// from 'self' only.
const INIT = `window.ui = SwaggerUIBundle({
  url: '${API_PREFIX}/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  withCredentials: true,
  requestInterceptor: (req) => {
    const token = sessionStorage.getItem('agentvisor.csrf');
    if (token) req.headers['x-csrf-token'] = token;
    return req;
  },
});
`;

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

/** Serves the reference page and its assets (no auth: it holds no data; the document does). */
export function registerReferencePage(app: FastifyInstance): void {
  const root = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  app.get(`${API_PREFIX}/reference`, (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(PAGE),
  );
  app.get(`${API_PREFIX}/reference/init.js`, (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(INIT),
  );
  for (const [file, type] of Object.entries(ASSETS)) {
    app.get(`${API_PREFIX}/reference/${file}`, (_request, reply) =>
      reply
        .type(type)
        .header('cache-control', 'public, max-age=86400')
        .send(createReadStream(join(root, file))),
    );
  }
}

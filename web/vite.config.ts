/**
 * @module Vite build of the dashboard: `web/` is the root, the output goes to `dist/web`, which
 * the server serves (`src/server/dashboard-routes.ts`). `npm run build` runs it after `tsc`. In
 * development, `npx vite --config web/vite.config.ts` proxies the API and the stream to a node
 * started with `npm start` on 127.0.0.1:7070.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = decodeURIComponent(new URL('.', import.meta.url).pathname);
const outDir = `${root}../dist/web`;
const api = process.env['AGENTVISOR_URL'] ?? 'http://127.0.0.1:7070';
const COMPRESSIBLE = /\.(js|css|html|svg|json)$/;

/**
 * Writes `.br` and `.gz` beside every text file of the build, which the server sends to browsers
 * that accept them (`@fastify/static` with `preCompressed`): the dashboard's JavaScript crosses
 * the wire at a third of its size without the server compressing on every request.
 */
function precompress(): Plugin {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return {
    name: 'agentvisor-precompress',
    apply: 'build',
    closeBundle() {
      for (const file of walk(outDir).filter((f) => COMPRESSIBLE.test(f))) {
        const body = readFileSync(file);
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [react(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    // The page's CSP allows scripts from 'self' only; Vite's output needs no inline script.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      '/api': { target: api, ws: true },
      '/health': { target: api },
    },
  },
});

/**
 * @module Part 3 of `npm run bench -- server`: the dashboard's first load in headless Chromium
 * (`playwright-core`, Debian's `/usr/bin/chromium`). The built dashboard (`dist/web`, from
 * `npm run build` or `npx vite build --config web/vite.config.ts`; the bench never builds it) is
 * served by the real server's own dashboard route (`dashboardRoot`). A user exists, so `/` leads
 * to the login page.
 *
 * Each load uses a fresh browser context (empty cache, no cookies) and opens `/`:
 * - JS bytes: every script response of the load, up to the login form being usable and the
 *   network going quiet: decoded (raw), gzipped here (zlib level 6, the figure the target is
 *   about: <= 300 KB gzipped), and as sent (the body size on the wire and its content-encoding;
 *   the server sends the build's precompressed `.br`/`.gz` files when it has them).
 * - time to interactive: navigation start → the first moment the login button
 *   (`[data-testid="login-submit"]`) is visible and enabled, recorded in the page by a
 *   MutationObserver (page clock, `performance.now()`, whose origin is navigation start); the
 *   bench waits for it with `waitForSelector`. Also DOMContentLoaded, load and first
 *   contentful paint from the page's own timing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';
import { onCleanup, percentile, progress } from '../lib.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The package root: this file runs from `dist/bench/server/`. */
const ROOT = path.resolve(HERE, '..', '..', '..');

/** Issue 8's target for the initial JS, gzipped. */
export const INITIAL_JS_TARGET_KB = 300;

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const SUBMIT = '[data-testid="login-submit"]';

/** Where the built dashboard is: `--web=DIR`, else `dist/web` of the package (the server's default). */
export function webDir(args: readonly string[]): string {
  const flag = args.find((a) => a.startsWith('--web='));
  return flag === undefined ? path.join(ROOT, 'dist', 'web') : path.resolve(flag.slice(6));
}

/** Why the dashboard part cannot run, or undefined when it can. */
export function dashboardUnavailable(dir: string): string | undefined {
  if (!existsSync(path.join(dir, 'index.html'))) {
    return `${dir}/index.html not found: build the dashboard first (npx vite build --config web/vite.config.ts)`;
  }
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found (apt-get install chromium)`;
  return undefined;
}

/** One load. */
export interface DashboardLoad {
  readonly ttiMs: number;
  readonly domContentLoadedMs: number;
  readonly loadMs: number;
  readonly fcpMs: number;
  readonly scripts: readonly {
    url: string;
    raw: number;
    gzip: number;
    /** Bytes on the wire (the response body as sent) and its content-encoding. */
    wire: number;
    encoding: string;
  }[];
  readonly cssRaw: number;
  readonly cssGzip: number;
  readonly requests: number;
}

/** The part's figures. */
export interface DashboardFigures {
  readonly chromium: string;
  readonly loads: readonly DashboardLoad[];
  readonly jsFiles: number;
  readonly jsRaw: number;
  readonly jsGzip: number;
  /** JS bytes as the server sent them, and the encodings it used. */
  readonly jsWire: number;
  readonly jsEncodings: string;
  readonly cssRaw: number;
  readonly cssGzip: number;
  readonly ttiMedianMs: number;
  readonly ttiMinMs: number;
  readonly ttiMaxMs: number;
  readonly fcpMedianMs: number;
  readonly loadMedianMs: number;
  /** Every JS file in the build and the gzipped total, for scale (the login page loads a part). */
  readonly buildJsFiles: number;
  readonly buildJsGzip: number;
}

const gz = (b: Buffer) => gzipSync(b, { level: 6 }).length;

function buildJs(dir: string): { files: number; gzip: number } {
  let files = 0;
  let gzip = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.js')) {
        files++;
        gzip += gz(readFileSync(p));
      }
    }
  };
  walk(dir);
  return { files, gzip };
}

/**
 * In-page: records `window.__avReady = performance.now()` the first time the login button is
 * in the DOM, laid out, visible and enabled (Mantine's loading state sets `data-loading`).
 */
function readyProbe(selector: string): string {
  return `(() => {
  const check = () => {
    if (window.__avReady !== undefined) return;
    const el = document.querySelector(${JSON.stringify(selector)});
    if (el === null || el.disabled || el.hasAttribute('data-loading')) return;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return;
    if (getComputedStyle(el).visibility === 'hidden') return;
    window.__avReady = performance.now();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
})();`;
}

/** In-page: the probe's time and the page's own navigation and paint timing (ms since navigation start). */
const PAGE_TIMING = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {
    ready: window.__avReady ?? null,
    dcl: nav ? nav.domContentLoadedEventEnd : null,
    load: nav ? nav.loadEventEnd : null,
    fcp: fcp ? fcp.startTime : null,
    path: location.pathname,
  };
})()`;

async function oneLoad(browser: Browser, url: string): Promise<DashboardLoad> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    // Runs in the page before its own scripts (a string: this package compiles without the DOM lib).
    await page.addInitScript({ content: readyProbe(SUBMIT) });
    const bodies: Promise<
      { url: string; type: string; body: Buffer; wire: number; encoding: string } | undefined
    >[] = [];
    let requests = 0;
    page.on('response', (response) => {
      requests++;
      const type = response.request().resourceType();
      if (type !== 'script' && type !== 'stylesheet') return;
      const encoding = response.headers()['content-encoding'] ?? 'identity';
      bodies.push(
        Promise.all([response.body(), response.request().sizes()]).then(
          ([body, sizes]) => ({
            url: response.url(),
            type,
            body,
            wire: sizes.responseBodySize,
            encoding,
          }),
          () => undefined,
        ),
      );
    });
    await page.goto(`${url}/`, { waitUntil: 'commit' });
    await page.waitForSelector(`${SUBMIT}:enabled`, { state: 'visible', timeout: 30_000 });
    await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => {});
    const timing = (await page.evaluate(PAGE_TIMING)) as {
      ready: number | null;
      dcl: number | null;
      load: number | null;
      fcp: number | null;
      path: string;
    };
    if (timing.path !== '/login') {
      throw new Error(`the dashboard showed ${timing.path}, not the login page`);
    }
    const got = (await Promise.all(bodies)).filter((b) => b !== undefined);
    const scripts = got
      .filter((b) => b.type === 'script')
      .map((b) => ({
        url: new URL(b.url).pathname,
        raw: b.body.length,
        gzip: gz(b.body),
        wire: b.wire,
        encoding: b.encoding,
      }));
    const css = got.filter((b) => b.type === 'stylesheet');
    return {
      ttiMs: timing.ready ?? Number.NaN,
      domContentLoadedMs: timing.dcl ?? Number.NaN,
      loadMs: timing.load ?? Number.NaN,
      fcpMs: timing.fcp ?? Number.NaN,
      scripts,
      cssRaw: css.reduce((n, b) => n + b.body.length, 0),
      cssGzip: css.reduce((n, b) => n + gz(b.body), 0),
      requests,
    };
  } finally {
    await context.close();
  }
}

/** `runs` first loads of `url` (the real server's origin). */
export async function measureDashboard(
  url: string,
  dir: string,
  runs: number,
): Promise<DashboardFigures> {
  const probe = await fetch(`${url}/`, { headers: { accept: 'text/html' } });
  const page = await probe.text();
  if (probe.status !== 200 || !page.includes('<div id="root">')) {
    throw new Error(
      `the server answered / with ${probe.status}, not the dashboard: ${page.slice(0, 200)}`,
    );
  }
  progress('dashboard: starting Chromium');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const closeBrowser = onCleanup(() => browser.close());
  const version = browser.version();
  const loads: DashboardLoad[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      progress(`dashboard: first load ${i + 1}/${runs}`);
      loads.push(await oneLoad(browser, url));
    }
  } finally {
    await closeBrowser();
  }
  progress('dashboard done', true);
  // Bytes from the first load (every load is a fresh context and fetches the same files).
  const first = loads[0]!;
  const tti = Float64Array.from(loads.map((l) => l.ttiMs));
  const med = (xs: number[]) => percentile(Float64Array.from(xs), 50);
  const build = buildJs(dir);
  return {
    chromium: version,
    loads,
    jsFiles: first.scripts.length,
    jsRaw: first.scripts.reduce((n, s) => n + s.raw, 0),
    jsGzip: first.scripts.reduce((n, s) => n + s.gzip, 0),
    jsWire: first.scripts.reduce((n, s) => n + s.wire, 0),
    jsEncodings: [...new Set(first.scripts.map((s) => s.encoding))].join(', '),
    cssRaw: first.cssRaw,
    cssGzip: first.cssGzip,
    ttiMedianMs: percentile(tti, 50),
    ttiMinMs: Math.min(...tti),
    ttiMaxMs: Math.max(...tti),
    fcpMedianMs: med(loads.map((l) => l.fcpMs)),
    loadMedianMs: med(loads.map((l) => l.loadMs)),
    buildJsFiles: build.files,
    buildJsGzip: build.gzip,
  };
}

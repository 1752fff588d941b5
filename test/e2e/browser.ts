/**
 * @module Debian's Chromium driven by Playwright for the dashboard's end-to-end suite: whether
 * the browser is there (a missing one skips with a visible reason, except under
 * `AGENTVISOR_REQUIRE_SERVICES=1`, where it fails), launching it headless with a fresh profile,
 * collecting a page's uncaught errors, and full-page screenshots saved as test artifacts.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** The browser the suite drives: Debian's `chromium` package. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Where screenshots go (`test-artifacts/` is ignored by git). */
export const SCREENSHOT_DIR = path.join(root, 'test-artifacts/screenshots');

/**
 * True when Chromium can be launched. Logs why the suite is skipped when it cannot; throws
 * under `AGENTVISOR_REQUIRE_SERVICES=1` (CI), where a missing browser is a failure.
 *
 * @example
 * const hasChromium = chromiumAvailable();
 * describe.skipIf(!hasChromium)('the dashboard', () => { ... });
 */
export function chromiumAvailable(): boolean {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return true;
  } catch (error) {
    const reason = `Chromium not executable at ${CHROMIUM_PATH}: ${(error as Error).message}`;
    if (process.env['AGENTVISOR_REQUIRE_SERVICES'] === '1') {
      throw new Error(`AGENTVISOR_REQUIRE_SERVICES=1 but ${reason}`);
    }
    console.warn(`[skip] dashboard browser tests skipped: ${reason}`);
    return false;
  }
}

/** Launches headless Chromium with a fresh temporary profile and no background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Collects the uncaught errors a page throws, from now on. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  return errors;
}

/** Saves a full-page screenshot as `test-artifacts/screenshots/<name>.png` and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  // Scrolled, a full-page capture paints the fixed header and navigation mid-page.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

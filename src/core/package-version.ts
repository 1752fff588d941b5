/** @module The installed package's version, for `--version` and the OpenAPI document. */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The version in package.json (`0.0.0` if it cannot be read). */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  // Run from src/core (tests) or dist/src/core (the built package): the root is 2 or 3 levels up.
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'agentvisor') {
        cached = pkg.version ?? '0.0.0';
        return cached;
      }
    } catch {
      // Not there: try the next level up.
    }
  }
  cached = '0.0.0';
  return cached;
}

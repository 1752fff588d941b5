/**
 * The module rules of docs/architecture.md, checked on the source: a module imports another only
 * through its `index.ts`; `core/` imports no other module; nothing imports `cli/` or `server/`
 * except the CLI itself (which starts the server).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g;

function crossModuleImports(): Array<{ file: string; from: string; to: string; target: string }> {
  const out: Array<{ file: string; from: string; to: string; target: string }> = [];
  for (const file of files(src)) {
    const from = path.relative(src, file).split(path.sep)[0]!;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      const target = path.relative(src, path.resolve(path.dirname(file), spec));
      const to = target.split(path.sep)[0]!;
      if (to !== from && !target.startsWith('..'))
        out.push({ file: path.relative(src, file), from, to, target });
    }
  }
  return out;
}

describe('module boundaries', () => {
  const imports = crossModuleImports();

  it('finds the cross-module imports it checks', () => {
    expect(imports.length).toBeGreaterThan(10);
  });

  it('imports other modules only through their index', () => {
    const deep = imports.filter(
      (i) => !/^[a-z]+\/index\.js$/.test(i.target) && i.to !== 'index.ts',
    );
    expect(deep).toEqual([]);
  });

  it('keeps core free of other modules', () => {
    expect(imports.filter((i) => i.from === 'core')).toEqual([]);
  });

  it('lets nothing but the CLI depend on cli/ or server/', () => {
    const bad = imports.filter((i) => (i.to === 'cli' || i.to === 'server') && i.from !== 'cli');
    expect(bad).toEqual([]);
  });
});

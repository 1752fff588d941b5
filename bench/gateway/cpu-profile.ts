/**
 * @module Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and ranks where the time went:
 * self time per function (mapped back to `src/*.ts:line` through the build's source maps),
 * inclusive time of the project's own functions, and self time per package / area.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly hitCount?: number;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
}

/** One ranked function. */
export interface Hotspot {
  readonly fn: string;
  /** `src/gateway/x.ts:123` when a source map knows it, else the script URL and line. */
  readonly where: string;
  readonly ms: number;
  readonly pct: number;
}

/** The ranking of one profile. */
export interface ProfileSummary {
  readonly totalMs: number;
  /** Time not idle (all samples minus `(idle)`). */
  readonly busyMs: number;
  readonly self: readonly Hotspot[];
  /** Inclusive time of functions under `dist/src/` (callers count their callees). */
  readonly inclusive: readonly Hotspot[];
  /** Self time by area: a package under node_modules, `node:` internals, a `src/` folder, GC. */
  readonly areas: readonly { area: string; ms: number; pct: number }[];
}

const maps = new Map<string, SourceMap | null>();

function sourceMapFor(file: string): SourceMap | null {
  let m = maps.get(file);
  if (m !== undefined) return m;
  m = null;
  try {
    if (existsSync(`${file}.map`))
      m = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
  } catch {
    m = null;
  }
  maps.set(file, m);
  return m;
}

/** `file:line` for a frame, through the source map for the project's own compiled files. */
function locate(frame: CallFrame, root: string): string {
  if (frame.url === '') return '';
  let file = frame.url;
  if (file.startsWith('file://')) file = fileURLToPath(file);
  if (file.includes('/dist/')) {
    const map = sourceMapFor(file);
    const e = map?.findEntry(frame.lineNumber, frame.columnNumber) as
      | { originalSource?: string; originalLine?: number }
      | undefined;
    if (e?.originalSource !== undefined && e.originalLine !== undefined) {
      const src = e.originalSource.startsWith('file://')
        ? fileURLToPath(e.originalSource)
        : path.resolve(path.dirname(file), e.originalSource);
      return `${path.relative(root, src)}:${e.originalLine + 1}`;
    }
  }
  const rel = file.startsWith(root) ? path.relative(root, file) : file;
  return `${rel}:${frame.lineNumber + 1}`;
}

function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const src = url.indexOf('/dist/src/');
  if (src >= 0) return `src/${url.slice(src + 10).split('/')[0]}`;
  const test = url.indexOf('/dist/');
  if (test >= 0)
    return url
      .slice(test + 6)
      .split('/')
      .slice(0, 2)
      .join('/');
  return url;
}

/** Ranks a profile; `root` is the repository root used to shorten paths. */
export function summarizeProfile(file: string, root: string, top = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const perSample = profile.samples.length === 0 ? 0 : totalMs / profile.samples.length;
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, { fn: string; where: string; ms: number }>();
  const incl = new Map<string, { fn: string; where: string; ms: number }>();
  const areas = new Map<string, number>();
  const keyOf = new Map<number, { key: string; fn: string; where: string; own: boolean }>();
  const info = (n: ProfileNode) => {
    let k = keyOf.get(n.id);
    if (k === undefined) {
      const where = locate(n.callFrame, root);
      const fn = n.callFrame.functionName || '(anonymous)';
      k = { key: `${fn} ${where}`, fn, where, own: n.callFrame.url.includes('/dist/src/') };
      keyOf.set(n.id, k);
    }
    return k;
  };
  let idleMs = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    const ms = hits * perSample;
    if (n.callFrame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const k = info(n);
    const s = self.get(k.key) ?? { fn: k.fn, where: k.where, ms: 0 };
    s.ms += ms;
    self.set(k.key, s);
    const area = areaOf(n.callFrame);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    // Inclusive: credit each distinct own function on the stack once.
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const p = byId.get(id);
      if (p === undefined) break;
      const pk = info(p);
      if (!pk.own || seen.has(pk.key)) continue;
      seen.add(pk.key);
      const e = incl.get(pk.key) ?? { fn: pk.fn, where: pk.where, ms: 0 };
      e.ms += ms;
      incl.set(pk.key, e);
    }
  }
  const busyMs = totalMs - idleMs;
  const rank = (m: Map<string, { fn: string; where: string; ms: number }>) =>
    [...m.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((h) => ({ ...h, pct: (100 * h.ms) / busyMs }));
  return {
    totalMs,
    busyMs,
    self: rank(self),
    inclusive: rank(incl),
    areas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([area, ms]) => ({ area, ms, pct: (100 * ms) / busyMs })),
  };
}

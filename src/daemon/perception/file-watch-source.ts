/**
 * @module File-watch perception over `fs.watch`. Events are coalesced per path between polls,
 * because editors and copy tools emit bursts of events for one change.
 */
import { type FSWatcher, watch } from 'node:fs';
import path from 'node:path';
import { type Clock, isoTime, newId, systemClock } from '../../core/index.js';
import type { Observation } from './observation.js';
import type { PerceptionSource } from './perception-source.js';

/** Watches directories (recursively where the platform allows) and reports changed paths. */
export class FileWatchSource implements PerceptionSource {
  readonly id: string;
  readonly #watchers: FSWatcher[] = [];
  readonly #changed = new Map<string, string>();
  readonly #clock: Clock;
  readonly #salience: number;

  constructor(options: { paths: readonly string[]; clock?: Clock; salience?: number }) {
    this.id = `files:${options.paths.join(',')}`;
    this.#clock = options.clock ?? systemClock;
    this.#salience = options.salience ?? 0.5;
    for (const root of options.paths) {
      const watcher = watch(root, { recursive: true }, (event, name) => {
        const file = name === null ? root : path.join(root, name.toString());
        this.#changed.set(file, event);
      });
      // A watched directory that disappears must not crash the agent; it simply goes quiet.
      watcher.on('error', () => undefined);
      this.#watchers.push(watcher);
    }
  }

  async poll(): Promise<Observation[]> {
    if (this.#changed.size === 0) return [];
    const out: Observation[] = [];
    for (const [file, event] of this.#changed) {
      out.push({
        id: newId(this.#clock),
        source: this.id,
        kind: 'file',
        at: isoTime(this.#clock),
        salience: this.#salience,
        summary: `${event === 'rename' ? 'created, moved or deleted' : 'changed'}: ${file}`,
        data: { path: file, event },
      });
    }
    this.#changed.clear();
    return out;
  }

  close(): void {
    for (const w of this.#watchers) w.close();
  }
}

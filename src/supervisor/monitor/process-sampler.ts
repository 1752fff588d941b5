/**
 * @module How the {@link ResourceMonitor} reads CPU and memory of OS processes: a
 * {@link ProcessSampler} seam with one implementation over `pidusage`, called once per tick
 * with every pid at once, so the cost is one batched read of `/proc` rather than one call
 * per agent.
 */
import pidusage from 'pidusage';

/** One process reading: cumulative CPU time since the process started and resident memory. */
export interface ProcessReading {
  /** User + system CPU time since the process started, in milliseconds. */
  readonly cpuMs: number;
  readonly rssBytes: number;
}

/** Reads many processes in one call. Pids that are gone are simply absent from the result. */
export interface ProcessSampler {
  sample(pids: readonly number[]): Promise<ReadonlyMap<number, ProcessReading>>;
  /** Releases whatever the sampler keeps between calls (file descriptors, timers). */
  close(): void;
}

/**
 * The `pidusage` sampler. With several pids, `pidusage` reports the live ones and leaves out
 * the dead (it is called in graceful mode); with one dead pid it rejects, which here means an
 * empty result, because a process that exited between ticks is not an error of the monitor.
 *
 * @example
 * const sampler = new PidusageSampler();
 * const readings = await sampler.sample([process.pid]);
 * readings.get(process.pid)?.rssBytes;
 */
export class PidusageSampler implements ProcessSampler {
  async sample(pids: readonly number[]): Promise<ReadonlyMap<number, ProcessReading>> {
    const out = new Map<number, ProcessReading>();
    if (pids.length === 0) return out;
    let stats: Record<string, pidusage.Status | undefined>;
    try {
      stats = await pidusage([...pids]);
    } catch (err) {
      if (pids.length === 1 && isGone(err)) return out;
      throw err;
    }
    for (const pid of pids) {
      const s = stats[String(pid)];
      if (s !== undefined && s !== null) out.set(pid, { cpuMs: s.ctime, rssBytes: s.memory });
    }
    return out;
  }

  close(): void {
    // pidusage keeps per-pid history (and open /proc fds) behind an interval; drop them.
    pidusage.clear();
  }
}

function isGone(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === 'ENOENT' || e?.code === 'ESRCH' || /No matching pid/i.test(String(e?.message));
}

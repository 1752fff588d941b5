/**
 * @module The peer for restart latency: PM2 restarting a script that crashes. The script
 * stamps its start and its crash (wall clock with sub-millisecond precision) into a file; the
 * latency of each restart is the gap between one run's crash stamp and the next run's start
 * stamp, so PM2's own bookkeeping, fork and Node boot are all inside it, as they are for ours.
 * PM2 runs with `restart_delay: 0` and its daemon in a temporary PM2_HOME, killed at the end.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CRASHER = `
const { appendFileSync } = require('node:fs');
const now = () => performance.timeOrigin + performance.now();
appendFileSync(process.env.STAMPS, 'start ' + now() + '\\n');
setTimeout(() => {
  appendFileSync(process.env.STAMPS, 'crash ' + now() + '\\n');
  process.exit(1);
}, 200);
`;

interface Pm2 {
  connect(cb: (err: Error | null) => void): void;
  start(options: Record<string, unknown>, cb: (err: Error | null) => void): void;
  delete(name: string, cb: (err: Error | null) => void): void;
  killDaemon(cb: (err: Error | null) => void): void;
  disconnect(): void;
}

function call(fn: (cb: (err: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

/** Restart latencies (ms) of PM2 over `restarts` crashes of the same script. */
export async function measurePm2Restart(restarts: number): Promise<number[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentvisor-pm2-'));
  const script = path.join(dir, 'crasher.cjs');
  const stamps = path.join(dir, 'stamps.log');
  writeFileSync(script, CRASHER);
  writeFileSync(stamps, '');
  // PM2 reads PM2_HOME when it is first imported; a private home keeps the user's PM2 untouched.
  process.env['PM2_HOME'] = path.join(dir, 'home');
  const pm2 = ((await import('pm2')) as unknown as { default: Pm2 }).default;
  await call((cb) => pm2.connect(cb));
  try {
    await call((cb) =>
      pm2.start(
        {
          name: 'crasher',
          script,
          env: { STAMPS: stamps },
          autorestart: true,
          restart_delay: 0,
          max_restarts: restarts + 10,
          min_uptime: 0,
        },
        cb,
      ),
    );
    const deadline = Date.now() + 60_000 + restarts * 2000;
    for (;;) {
      const lines = readFileSync(stamps, 'utf8').split('\n').filter(Boolean);
      if (lines.filter((l) => l.startsWith('start')).length > restarts) break;
      if (Date.now() > deadline) throw new Error('PM2 did not restart the script in time');
      await new Promise((r) => setTimeout(r, 50));
    }
    await call((cb) => pm2.delete('crasher', cb));
    const lines = readFileSync(stamps, 'utf8').split('\n').filter(Boolean);
    const latencies: number[] = [];
    for (let i = 1; i < lines.length; i++) {
      const [kind, at] = lines[i]!.split(' ');
      const [prevKind, prevAt] = lines[i - 1]!.split(' ');
      if (kind === 'start' && prevKind === 'crash') latencies.push(Number(at) - Number(prevAt));
    }
    return latencies.slice(0, restarts);
  } finally {
    await call((cb) => pm2.killDaemon(cb)).catch(() => {});
    pm2.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

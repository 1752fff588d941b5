/**
 * The disk reserve (issue 9): on a real, small filesystem (a 64 MiB tmpfs), once free space falls
 * under `disk.reserve_mb` a change is refused with STORAGE_FULL saying what to do, reads go on,
 * and under a quarter of the reserve nothing is written at all; freeing space lets writes resume;
 * nothing acknowledged before is lost and the ledger still verifies. Mounting needs root: where
 * the mount is not allowed the tmpfs test is skipped with the reason, and the same behaviour is
 * checked with an injected free-space reading.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../../src/ledger/index.js';
import type { DiskSpace } from '../../../src/system/index.js';
import { tempDir } from '../../support/services.js';
import { type AgentHarness, startAgents } from '../daemon/runtime/harness.js';

let h: AgentHarness | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const c of cleanups.splice(0).reverse()) c();
});

function mountTmpfs(): string | undefined {
  const dir = tempDir('agentvisor-tmpfs-').dir;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    console.warn(`skipped: cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]})`);
    return undefined;
  }
  cleanups.push(() => {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

async function submit(title: string) {
  return h!.system.kernel.call<{ id: string }>(h!.operator, 'task.submit', {
    agent: 'worker',
    title,
  });
}

const fs = mountTmpfs();

describe('the disk reserve', () => {
  it.skipIf(fs === undefined)(
    'refuses changes on a nearly full filesystem and loses nothing',
    async () => {
      mkdirSync(path.join(fs!, 'app'), { recursive: true });
      h = await startAgents(
        () => ({
          agents: [{ name: 'worker', model: 'smart' }],
          disk: { reserve_mb: 24, check_seconds: 1 },
        }),
        { dir: path.join(fs!, 'app') },
      );
      const kept = await submit('written before the disk filled');
      const filler = path.join(fs!, 'filler');
      const fill = async (leaveMb: number) => {
        const { freeBytes } = await h!.system.disk.measure();
        writeFileSync(filler, Buffer.alloc(Math.max(0, freeBytes - leaveMb * 1024 * 1024)), {
          flag: 'a',
        });
        await h!.system.disk.measure();
      };
      await fill(16);
      expect(h.system.disk.low).toBe(true);
      const refused = submit('one too many');
      await expect(refused).rejects.toMatchObject({ code: 'STORAGE_FULL' });
      await expect(refused).rejects.toThrow(
        /below the 24 MiB reserve \(disk\.reserve_mb\); free some space/,
      );
      // Reads still answer.
      const read = await h.system.kernel.call<{ task: { title: string } }>(h.operator, 'task.get', {
        id: kept.result.id,
      });
      expect(read.result.task.title).toBe('written before the disk filled');
      await fill(4);
      expect(h.system.disk.critical).toBe(true);
      await expect(
        h.system.kernel.call(h.operator, 'task.get', { id: kept.result.id }),
      ).rejects.toMatchObject({
        code: 'STORAGE_FULL',
      });

      rmSync(filler);
      await h.system.disk.measure();
      expect(h.system.disk.low).toBe(false);
      await submit('after space was freed');
      await h.system.ledger.flush();
      const report = await verifyLedger({
        store: h.system.store,
        origin: h.system.config.ledger.origin,
      });
      expect(report.ok).toBe(true);
    },
  );

  it('refuses writes with an injected reading just the same', async () => {
    let space: DiskSpace = { freeBytes: 10 * 1024 ** 3, totalBytes: 20 * 1024 ** 3 };
    const dir = tempDir('agentvisor-disk-');
    cleanups.push(() => dir.remove());
    h = await startAgents(
      () => ({ agents: [{ name: 'worker', model: 'smart' }], disk: { reserve_mb: 100 } }),
      {
        dir: dir.dir,
        diskSpace: async () => space,
      },
    );
    await submit('fine');
    space = { freeBytes: 50 * 1024 ** 2, totalBytes: space.totalBytes };
    await h.system.disk.measure();
    await expect(submit('refused')).rejects.toMatchObject({ code: 'STORAGE_FULL' });
  });
});

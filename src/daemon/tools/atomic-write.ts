/**
 * @module Atomic file replacement: write a temporary file beside the target, fsync it, rename it
 * over the target, fsync the directory. A reader sees the old content or the new, never a torn
 * file, and a crash leaves at most a stray temporary file.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Replaces `target` with `data` atomically. `rename` replaces a symlink at `target` rather than
 * writing through it, which keeps a swapped-in link from redirecting the write.
 *
 * @example
 * await writeFileAtomic('/srv/agent/notes.md', Buffer.from('hello'));
 */
export async function writeFileAtomic(target: string, data: Uint8Array): Promise<void> {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temp, 'wx', 0o644);
  try {
    await file.writeFile(data);
    await file.sync();
    await file.close();
    await rename(temp, target);
  } catch (error) {
    await file.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

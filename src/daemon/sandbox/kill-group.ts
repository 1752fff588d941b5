/**
 * @module Ending a child that was spawned `detached`, so it leads its own process group: the
 * signal goes to the group (a negative pid), so whatever the child spawned ends with it. Used by
 * the process runner and by `shell.exec`.
 */

/** SIGKILLs the process group led by `pid`; nothing when it never started or is already gone. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * @module Confirmation before destructive operations (seed 002, Permission Model, level 3): an
 * agent at permission level 3 may hold broad grants, but overwriting a file or running a command
 * on the configured list first files a `confirmation` approval item and is refused until a person
 * approves that exact call (same tool, same arguments). An approval lets the call through once,
 * within an hour.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { AgentvisorError, actorOf, type Principal } from '../core/index.js';
import { canonicalJson } from '../ledger/index.js';
import type { ApprovalQueue } from '../policy/index.js';

/** Commands that need a confirmation at level 3 unless the agent's config lists others. */
export const DEFAULT_CONFIRM_COMMANDS = [
  'rm',
  'rmdir',
  'mv',
  'dd',
  'mkfs',
  'shred',
  'truncate',
  'kill',
  'pkill',
  'shutdown',
  'reboot',
] as const;

const APPROVAL_VALID_MS = 3_600_000;

/** What a destructive call would do, in words, or undefined when it is not destructive. */
export function destructiveEffect(
  call: { readonly tool: string; readonly args: Record<string, unknown> },
  resolvedPath: string | undefined,
  commands: readonly string[],
): string | undefined {
  if (call.tool === 'fs.write' && resolvedPath !== undefined && existsSync(resolvedPath)) {
    return `overwrite ${resolvedPath}`;
  }
  if (call.tool === 'shell.exec') {
    const command = typeof call.args['command'] === 'string' ? call.args['command'] : '';
    const program = command.trim().split(/\s+/)[0]?.split('/').at(-1) ?? '';
    if (commands.includes(program)) return `run \`${command.slice(0, 200)}\``;
  }
  return undefined;
}

/** Tracks which approved confirmations have been used. */
export class DestructiveConfirmations {
  readonly #approvals: ApprovalQueue;
  readonly #now: () => number;
  // Used approvals; an approval lets one call through.
  readonly #used = new Set<string>();

  constructor(approvals: ApprovalQueue, now: () => number) {
    this.#approvals = approvals;
    this.#now = now;
  }

  /**
   * Lets the call through when a person approved this exact call within the hour; otherwise
   * files (or finds) the pending item and throws POLICY_DENIED naming it.
   */
  async require(
    principal: Principal,
    agent: { readonly id: string; readonly name: string },
    call: { readonly tool: string; readonly args: Record<string, unknown> },
    effect: string,
  ): Promise<void> {
    const digest = createHash('sha256')
      .update(canonicalJson({ tool: call.tool, args: call.args }))
      .digest('hex');
    const items = await this.#approvals.list({
      agentId: agent.id,
      kind: 'confirmation',
      limit: 200,
    });
    const now = this.#now();
    const approved = items.find(
      (i) =>
        i.status === 'approved' &&
        i.request['digest'] === digest &&
        !this.#used.has(i.id) &&
        i.decidedAt !== null &&
        now - Date.parse(i.decidedAt) < APPROVAL_VALID_MS,
    );
    if (approved !== undefined) {
      this.#used.add(approved.id);
      return;
    }
    const item =
      items.find((i) => i.status === 'pending' && i.request['digest'] === digest) ??
      (await this.#approvals.request({
        kind: 'confirmation',
        agentId: agent.id,
        agent: agent.name,
        summary: `${agent.name} wants to ${effect}`,
        request: { tool: call.tool, digest, effect },
        requestedBy: actorOf(principal),
        ttlSeconds: 86_400,
      }));
    throw new AgentvisorError(
      'POLICY_DENIED',
      `tool.call ${call.tool}: to ${effect} needs a person's confirmation first (approval ${item.id}); try the same call again once it is approved`,
      { details: { tool: call.tool, approval: item.id } },
    );
  }
}

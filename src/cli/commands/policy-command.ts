/**
 * @module The policy verbs, asked of the running node: `policy AGENT` (the policy in force),
 * `policy list`, `policy patch AGENT --add/--remove/--scope/--unscope/--auto-restart --reason`,
 * and `approvals [list]`, `approvals approve ID`, `approvals deny ID`. All take `--json`.
 */
import type { Command } from 'commander';
import { AgentvisorError } from '../../core/index.js';
import type { ApprovalItem, PolicyChange, PolicyView } from '../../policy/index.js';
import { positiveInt, requiredReason } from '../arguments.js';
import { parseGrantSpec } from '../grant-spec.js';
import { nodeOfCommand } from '../node-client.js';
import { type CliIo, colours, printFacts, printJson, printTable } from '../output.js';

const collect = (value: string, previous: string[]) => [...previous, value];

function printPolicy(io: CliIo, policy: PolicyView): void {
  printFacts(io, [
    ['agent', `${policy.agent} (${policy.agentId})`],
    ['version', policy.version],
    ['level', policy.level],
    ['ceiling', policy.ceilingText],
    ['auto_restart', policy.autoRestart],
  ]);
  printTable(
    io,
    ['grant'],
    policy.grantsText.map((g) => [g]),
  );
}

interface PatchOptions {
  add: string[];
  remove: string[];
  scope: string[];
  unscope: string[];
  autoRestart?: string;
  changes?: string;
  reason?: string;
}

/** The changes a `policy patch` command line asks for, in flag order: add, scope, remove, limit. */
export function changesFromFlags(opts: PatchOptions): PolicyChange[] {
  const changes: PolicyChange[] = [];
  if (opts.changes !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(opts.changes);
    } catch {
      throw new AgentvisorError(
        'INPUT_INVALID',
        '--changes: expected a JSON array such as [{"op":"remove","capability":"net.http"}]',
      );
    }
    if (!Array.isArray(parsed)) {
      throw new AgentvisorError('INPUT_INVALID', '--changes: expected a JSON array of changes');
    }
    changes.push(...(parsed as PolicyChange[]));
  }
  for (const spec of opts.add) changes.push({ op: 'add', ...parseGrantSpec('--add', spec) });
  for (const spec of opts.scope) {
    const grant = parseGrantSpec('--scope', spec);
    if (grant.scope === undefined) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `--scope ${JSON.stringify(spec)}: name the new scope, e.g. fs.write:paths=/workspace (use --unscope to lift it)`,
      );
    }
    changes.push({ op: 'scope', capability: grant.capability, scope: grant.scope });
  }
  for (const capability of opts.unscope) changes.push({ op: 'scope', capability, scope: null });
  for (const capability of opts.remove) changes.push({ op: 'remove', capability });
  if (opts.autoRestart !== undefined) {
    if (!/^[0-9]{1,4}$/.test(opts.autoRestart)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `--auto-restart: expected a whole number from 0 to 1000, got "${opts.autoRestart}"`,
      );
    }
    changes.push({ op: 'auto_restart', value: Number(opts.autoRestart) });
  }
  if (changes.length === 0) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      'policy patch: nothing to change; give --add, --remove, --scope, --unscope, --auto-restart or --changes',
    );
  }
  return changes;
}

function approvalTable(io: CliIo, items: readonly ApprovalItem[]): void {
  const c = colours(io);
  const paint = (status: string) =>
    status === 'pending'
      ? c.warn(status)
      : status === 'approved'
        ? c.ok(status)
        : status === 'denied'
          ? c.bad(status)
          : status;
  printTable(
    io,
    ['id', 'kind', 'agent', 'status', 'expires', 'summary'],
    items.map((i) => [i.id, i.kind, i.agent, paint(i.status), i.expiresAt, i.summary]),
  );
}

/** Registers `policy` and `approvals`. */
export function registerPolicyCommands(program: Command, io: CliIo): void {
  const policy = program
    .command('policy')
    .description("an agent's policy: show it (policy AGENT), list all, or hot-patch it");
  policy
    .command('show <agent>', { isDefault: true })
    .description('the policy in force for AGENT: grants, ceiling, auto-restart limit, version')
    .action(async (agent: string, _opts: unknown, cmd: Command) => {
      const { node, json } = nodeOfCommand(cmd);
      const view = await node.get<PolicyView>(`/v1/policy/${encodeURIComponent(agent)}`);
      if (json) printJson(io, view);
      else printPolicy(io, view);
    });
  policy
    .command('list')
    .description('every agent policy in force')
    .action(async (_opts: unknown, cmd: Command) => {
      const { node, json } = nodeOfCommand(cmd);
      const { policies } = await node.get<{ policies: PolicyView[] }>('/v1/policy');
      if (json) return printJson(io, policies);
      printTable(
        io,
        ['agent', 'version', 'level', 'auto_restart', 'grants'],
        policies.map((p) => [p.agent, p.version, p.level, p.autoRestart, p.grantsText.join('\n')]),
      );
    });
  policy
    .command('patch <agent>')
    .description(
      'hot-patch a running agent (in force on its next operation); widening beyond its ceiling needs the admin role',
    )
    .option('--add <grant>', 'grant CAPABILITY[:KIND=PATTERN,...] (repeatable)', collect, [])
    .option('--remove <capability>', 'remove every grant of CAPABILITY (repeatable)', collect, [])
    .option('--scope <grant>', 'replace the scope of a held CAPABILITY (repeatable)', collect, [])
    .option(
      '--unscope <capability>',
      'lift the scope of a held CAPABILITY (repeatable)',
      collect,
      [],
    )
    .option('--auto-restart <n>', 'restarts allowed before the agent ends failed')
    .option('--changes <json>', 'the changes as a JSON array (for scopes the flags cannot spell)')
    .option('--reason <text>', 'why (required; recorded in the ledger)')
    .action(async (agent: string, opts: PatchOptions, cmd: Command) => {
      const reason = requiredReason('policy patch', opts.reason);
      const changes = changesFromFlags(opts);
      const { node, json } = nodeOfCommand(cmd);
      const result = await node.send<{ policy: PolicyView; changed: boolean }>(
        'POST',
        `/v1/policy/${encodeURIComponent(agent)}/patch`,
        { changes, reason },
      );
      if (json) return printJson(io, result);
      io.out(
        result.changed
          ? `${agent}: policy version ${result.policy.version} in force`
          : `${agent}: nothing changed (version ${result.policy.version} recorded)`,
      );
      printPolicy(io, result.policy);
    });

  const approvals = program
    .command('approvals')
    .description('items waiting for a human (escalations, questions): list, approve, deny');
  approvals
    .command('list', { isDefault: true })
    .description('pending items (or --status/--all), newest first')
    .option('--status <status>', 'pending, approved, denied or expired')
    .option('--all', 'every status')
    .option('--agent <name>', 'only this agent')
    .option('--limit <n>', 'at most N items (default 100)')
    .action(
      async (
        opts: { status?: string; all?: boolean; agent?: string; limit?: string },
        cmd: Command,
      ) => {
        const { node, json } = nodeOfCommand(cmd);
        const query = new URLSearchParams();
        if (opts.all !== true) query.set('status', opts.status ?? 'pending');
        if (opts.agent !== undefined) query.set('agent', opts.agent);
        const limit = positiveInt('--limit', opts.limit);
        if (limit !== undefined) query.set('limit', String(limit));
        const { approvals: items } = await node.get<{ approvals: ApprovalItem[] }>(
          `/v1/approvals?${query.toString()}`,
        );
        if (json) return printJson(io, items);
        if (items.length === 0) {
          io.out(opts.all === true ? 'no approval items' : `no ${opts.status ?? 'pending'} items`);
          return;
        }
        approvalTable(io, items);
      },
    );
  for (const decision of ['approve', 'deny'] as const) {
    const verb = approvals
      .command(`${decision} <id>`)
      .description(
        decision === 'approve'
          ? 'approve an item (an escalation becomes a grant at once)'
          : 'deny an item',
      )
      .option('--reason <text>', 'why (required; recorded in the ledger)');
    if (decision === 'approve') {
      verb
        .option('--for <seconds>', 'an approved grant lapses after this many seconds')
        .option('--answer <text>', "the answer to an agent's question");
    }
    verb.action(
      async (
        id: string,
        opts: { reason?: string; for?: string; answer?: string },
        cmd: Command,
      ) => {
        const reason = requiredReason(`approvals ${decision}`, opts.reason);
        const grantSeconds = positiveInt('--for', opts.for);
        const { node, json } = nodeOfCommand(cmd);
        const item = await node.send<ApprovalItem>(
          'POST',
          `/v1/approvals/${encodeURIComponent(id)}/${decision}`,
          {
            reason,
            ...(grantSeconds === undefined ? {} : { grantSeconds }),
            ...(opts.answer === undefined ? {} : { answer: opts.answer }),
          },
        );
        if (json) return printJson(io, item);
        io.out(`${item.id}: ${item.status} (${item.summary})`);
      },
    );
  }
}

/**
 * @module `agentvisor team run "task"` (hands a task to the running node's team and streams
 * the plan, the hand-offs, the verdicts and the result), `task list` and `task cancel`.
 */
import type { Command } from 'commander';
import { AgentvisorError } from '../../core/index.js';
import { positiveInt, requiredReason } from '../arguments.js';
import { nodeOfCommand } from '../node-client.js';
import { type CliIo, colours, printJson, printTable } from '../output.js';

interface RunView {
  run: { taskId: string; status: string; phase: string; round: number; approvalId: string | null };
  task: { status: string; result: string | null } | null;
  steps: { seq: number; phase: string; round: number; status: string; summary: string }[];
  subtasks: {
    taskId: string;
    agent: string;
    role: string;
    title: string;
    round: number;
    position: number;
    status: string;
    result: string | null;
  }[];
}

const ENDED = new Set(['completed', 'failed', 'cancelled']);

/** Registers `team run`, `task list` and `task cancel`. */
export function registerTeamCommands(program: Command, io: CliIo): void {
  const team = program.command('team').description("the running node's team of role agents");
  team
    .command('run <text>')
    .description('hand a task to the team and follow it: plan, hand-offs, verification, result')
    .option('--title <title>', 'a short title (default: the first line of the text)')
    .option('--priority <n>', 'task priority 1-10 (default 5)')
    .option('--approval', 'wait for a human approval before the team executes')
    .option('--detach', 'print the run id and return at once')
    .action(
      async (
        text: string,
        opts: { title?: string; priority?: string; approval?: boolean; detach?: boolean },
        cmd: Command,
      ) => {
        const { node, json } = nodeOfCommand(cmd);
        const priority = positiveInt('--priority', opts.priority);
        const { id } = await node.send<{ id: string }>('POST', '/v1/team/runs', {
          text,
          ...(opts.title === undefined ? {} : { title: opts.title }),
          ...(priority === undefined ? {} : { priority }),
          ...(opts.approval === true ? { requireApproval: true } : {}),
        });
        if (opts.detach === true) {
          if (json) printJson(io, { id });
          else io.out(id);
          return;
        }
        if (!json) io.err(`run ${id}`);
        const c = colours(io);
        let steps = 0;
        const seen = new Map<string, string>();
        let askedApproval = false;
        for (;;) {
          const view = await node.get<RunView>(`/v1/team/runs/${id}`);
          if (!json) {
            for (const step of view.steps.slice(steps)) {
              const mark = step.status === 'ok' ? c.ok('✓') : c.bad('✗');
              io.out(`${mark} ${step.phase.padEnd(14)} ${c.dim(`r${step.round}`)} ${step.summary}`);
            }
            for (const sub of view.subtasks) {
              const before = seen.get(sub.taskId);
              if (before === undefined) {
                io.out(`  → ${sub.agent} (${sub.role}): ${sub.title}`);
              }
              if (before !== sub.status && ENDED.has(sub.status)) {
                const paint = sub.status === 'completed' ? c.ok : c.bad;
                io.out(`  ${paint('←')} ${sub.agent} ${sub.status}: ${firstLine(sub.result)}`);
              }
              seen.set(sub.taskId, sub.status);
            }
            if (view.run.status === 'waiting_approval' && !askedApproval) {
              askedApproval = true;
              io.out(
                c.warn(
                  `waiting for approval: agentvisor approvals approve ${view.run.approvalId} --reason "..."`,
                ),
              );
            }
          }
          steps = view.steps.length;
          if (ENDED.has(view.run.status)) {
            if (json) printJson(io, view);
            else io.out(`\n${c.bold(view.run.status)}\n${view.task?.result ?? ''}`);
            if (view.run.status !== 'completed') process.exitCode = 1;
            return;
          }
          await new Promise((r) => setTimeout(r, 300));
        }
      },
    );

  team
    .command('show <id>')
    .description('a team run: status, every phase step, the subtasks and the result')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { node, json } = nodeOfCommand(cmd);
      const view = await node.get<RunView>(`/v1/team/runs/${encodeURIComponent(id)}`);
      if (json) return printJson(io, view);
      const c = colours(io);
      io.out(`${c.bold(view.run.status)}  phase ${view.run.phase}, round ${view.run.round}`);
      printTable(
        io,
        ['#', 'phase', 'round', 'status', 'summary'],
        view.steps.map((s) => [s.seq, s.phase, s.round, s.status, s.summary]),
      );
      printTable(
        io,
        ['round', '#', 'agent', 'role', 'status', 'title'],
        view.subtasks.map((t) => [t.round, t.position, t.agent, t.role, t.status, t.title]),
      );
      if (view.task?.result) io.out(view.task.result);
    });

  const task = program.commands.find((c) => c.name() === 'task');
  if (task === undefined) throw new Error('the task command must be registered first');
  task
    .command('list')
    .description('tasks of the running node, newest first')
    .option('--status <status>', 'only tasks with this status')
    .option('--agent <name>', "only this agent's tasks")
    .option('--parent <id>', 'only the subtasks of this task (a team run)')
    .option('--limit <n>', 'at most N (default 50)')
    .option('--before <id>', 'the page after this task id (the `next` of the previous page)')
    .action(
      async (
        opts: { status?: string; agent?: string; parent?: string; limit?: string; before?: string },
        cmd: Command,
      ) => {
        const { node, json } = nodeOfCommand(cmd);
        const query = new URLSearchParams();
        for (const key of ['status', 'agent', 'parent', 'before'] as const) {
          const value = opts[key];
          if (value !== undefined) query.set(key, value);
        }
        const limit = positiveInt('--limit', opts.limit);
        if (limit !== undefined) query.set('limit', String(limit));
        const page = await node.get<{
          tasks: {
            id: string;
            agent: string | null;
            title: string;
            status: string;
            priority: number;
            createdAt: string;
          }[];
          next: string | null;
        }>(`/v1/tasks?${query.toString()}`);
        if (json) return printJson(io, page);
        printTable(
          io,
          ['id', 'agent', 'status', 'priority', 'created', 'title'],
          page.tasks.map((t) => [
            t.id,
            t.agent ?? '(team)',
            t.status,
            t.priority,
            t.createdAt,
            t.title,
          ]),
        );
        if (page.next !== null) io.err(`more: --before ${page.next}`);
      },
    );
  task
    .command('handoff <id>')
    .description('move an open task to another agent (recorded with who and why)')
    .requiredOption('--to <agent>', 'the agent that takes it over')
    .option('--reason <text>', 'why (required; recorded in the ledger)')
    .action(async (id: string, opts: { to: string; reason?: string }, cmd: Command) => {
      const reason = requiredReason('task handoff', opts.reason);
      const { node, json } = nodeOfCommand(cmd);
      const moved = await node.send<{ id: string; from: string | null; to: string }>(
        'POST',
        `/v1/tasks/${encodeURIComponent(id)}/handoff`,
        { to: opts.to, reason },
      );
      if (json) printJson(io, moved);
      else io.out(`${moved.id}: ${moved.from ?? '(nobody)'} → ${moved.to}`);
    });
  task
    .command('feedback <id>')
    .description('rate (1-5), accept, correct or retry a task; a learning signal for the team')
    .option('--rate <n>', 'a rating from 1 to 5')
    .option('--accept', 'the result is right')
    .option('--correct <text>', 'what the right result is')
    .option('--retry', 'run it again')
    .option('--note <text>', 'a note (with --retry: what to do differently)')
    .action(
      async (
        id: string,
        opts: { rate?: string; accept?: boolean; correct?: string; retry?: boolean; note?: string },
        cmd: Command,
      ) => {
        const chosen = [
          opts.rate === undefined ? undefined : 'rate',
          opts.accept === true ? 'accept' : undefined,
          opts.correct === undefined ? undefined : 'correct',
          opts.retry === true ? 'retry' : undefined,
        ].filter((k) => k !== undefined);
        if (chosen.length !== 1) {
          throw new AgentvisorError(
            'INPUT_INVALID',
            'task feedback: give exactly one of --rate N, --accept, --correct TEXT or --retry',
          );
        }
        const rating = opts.rate === undefined ? undefined : Number(opts.rate);
        if (rating !== undefined && !(Number.isInteger(rating) && rating >= 1 && rating <= 5)) {
          throw new AgentvisorError('INPUT_INVALID', `--rate: expected 1 to 5, got "${opts.rate}"`);
        }
        const { node, json } = nodeOfCommand(cmd);
        const note = opts.correct ?? opts.note;
        const result = await node.send<{ kind: string; signal: string; retry: string | null }>(
          'POST',
          `/api/v1/tasks/${encodeURIComponent(id)}/feedback`,
          {
            kind: chosen[0],
            ...(rating === undefined ? {} : { rating }),
            ...(note === undefined ? {} : { note }),
          },
        );
        if (json) printJson(io, result);
        else
          io.out(
            `${id}: ${result.kind} recorded (${result.signal})${result.retry === null ? '' : `; retry is ${result.retry}`}`,
          );
      },
    );
  task
    .command('cancel <id>')
    .description('cancel a task (a team run cancels its open subtasks too)')
    .option('--reason <text>', 'why (required; recorded in the ledger)')
    .action(async (id: string, opts: { reason?: string }, cmd: Command) => {
      const reason = requiredReason('task cancel', opts.reason);
      const { node, json } = nodeOfCommand(cmd);
      const result = await node.send<{ id: string; status: string }>(
        'POST',
        `/v1/tasks/${encodeURIComponent(id)}/cancel`,
        { reason },
      );
      if (json) printJson(io, result);
      else io.out(`${result.id}: ${result.status}`);
    });
}

function firstLine(text: string | null): string {
  const line = (text ?? '').trim().split('\n', 1)[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

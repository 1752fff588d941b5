/**
 * @module `agentvisor task submit --agent NAME "text"` and `agentvisor task show ID` (the task
 * with its goals, thoughts and tool calls, and its outcome).
 */
import type { Command } from 'commander';
import { AgentvisorError } from '../../core/index.js';
import { type GlobalOptions, withSystem } from '../context.js';
import { type CliIo, colours, printFacts, printJson, printTable } from '../output.js';

interface SubmitOptions {
  agent: string;
  description?: string;
  priority?: string;
}

interface TaskView {
  cost: { calls: number; inputTokens: number; outputTokens: number; costUsd: number };
  task: {
    id: string;
    title: string;
    status: string;
    priority: number;
    agentId: string | null;
    result: unknown;
    createdAt: string;
    updatedAt: string;
  };
  goals: {
    id: string;
    parentId: string | null;
    description: string;
    status: string;
    attempts: number;
  }[];
  thoughts: { id: string; status: string; content: string; createdAt: string }[];
  toolCalls: {
    key: string;
    tool: string;
    beat: number;
    status: string;
    attempts: number;
    error: string | null;
  }[];
}

/** Registers `task submit` and `task show`. */
export function registerTaskCommand(program: Command, io: CliIo): void {
  const c = colours(io);
  const task = program.command('task').description('tasks handed to agents');

  task
    .command('submit')
    .description('hand a task to an agent (it picks it up on its next beat)')
    .requiredOption('--agent <name>', 'the agent that should do it')
    .option('--description <text>', 'details beyond the title')
    .option('--priority <1-10>', 'higher is more urgent', '5')
    .argument('<text>', 'what to do (the task title)')
    .action(async (text: string, opts: SubmitOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const priority = Number(opts.priority);
      if (!Number.isInteger(priority) || priority < 1 || priority > 10) {
        throw new AgentvisorError(
          'INPUT_INVALID',
          `--priority: expected an integer from 1 to 10, got "${opts.priority}"`,
        );
      }
      const submitted = await withSystem(
        g,
        async (system, operator) => {
          const { result } = await system.kernel.call<{
            id: string;
            agent: string;
            status: string;
          }>(operator, 'task.submit', {
            agent: opts.agent,
            title: text,
            priority,
            ...(opts.description === undefined ? {} : { description: opts.description }),
          });
          return result;
        },
        { writes: true },
      );
      if (g.json === true) printJson(io, submitted);
      else io.out(`task ${c.bold(submitted.id)} handed to ${submitted.agent}`);
    });

  task
    .command('show')
    .description("a task's goals, thoughts, tool calls and outcome")
    .argument('<id>', 'the task id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const view = await withSystem(g, async (system, operator) => {
        const { result } = await system.kernel.call<TaskView>(operator, 'task.get', { id });
        return result;
      });
      if (g.json === true) {
        printJson(io, view);
        return;
      }
      const t = view.task;
      const status =
        t.status === 'completed'
          ? c.ok(t.status)
          : t.status === 'failed'
            ? c.bad(t.status)
            : t.status;
      printFacts(io, [
        ['task', t.id],
        ['title', t.title],
        ['status', status],
        ['priority', t.priority],
        ['agent', t.agentId ?? '-'],
        ['created', t.createdAt],
        ['updated', t.updatedAt],
        [
          'cost',
          `$${view.cost.costUsd.toFixed(4)} (${view.cost.calls} model calls, ${view.cost.inputTokens} in / ${view.cost.outputTokens} out tokens, with subtasks)`,
        ],
      ]);
      if (view.goals.length > 0) {
        io.out(c.bold('\ngoals'));
        printTable(
          io,
          ['goal', 'status', 'attempts', 'description'],
          view.goals.map((goal) => [
            `${goal.parentId === null ? '' : '  '}${goal.id}`,
            goal.status,
            goal.attempts,
            goal.description.split('\n', 1)[0] ?? '',
          ]),
        );
      }
      if (view.thoughts.length > 0) {
        io.out(c.bold('\nthoughts'));
        for (const th of view.thoughts) {
          io.out(`  [${th.status}] ${th.content.replaceAll('\n', ' ').slice(0, 300)}`);
        }
      }
      if (view.toolCalls.length > 0) {
        io.out(c.bold('\ntool calls'));
        printTable(
          io,
          ['beat', 'tool', 'status', 'attempts', 'error'],
          view.toolCalls.map((call) => [
            call.beat,
            call.tool,
            call.status,
            call.attempts,
            call.error ?? '',
          ]),
        );
      }
      if (t.result !== null) {
        io.out(c.bold('\noutcome'));
        io.out(`  ${typeof t.result === 'string' ? t.result : JSON.stringify(t.result)}`);
      }
    });
}

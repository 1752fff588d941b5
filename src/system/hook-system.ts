/**
 * @module The `hooks:` of agentvisor.yaml in a running system: one {@link HookRunner}, loaded
 * at open (a missing module or program fails the start, naming the hook), every hook run
 * recorded in the ledger (`hook.run`, without the payload), and the tool hooks the daemon's
 * `tool.call` runs around every tool. Hooks never crash an agent: the runner turns every hook
 * failure into a record.
 */
import type { LedgerStage } from '../core/index.js';
import type { DaemonOperationServices } from '../daemon/index.js';
import {
  type HookEvent,
  type HookPayloadInput,
  HookRunner,
  hookDenialError,
} from '../team/index.js';

/** Hooks of a running system. */
export interface HookSystem {
  readonly runner: HookRunner;
  /** PreToolUse / PostToolUse around `tool.call`; undefined when no tool hook is configured. */
  readonly toolHooks: DaemonOperationServices['toolHooks'];
  /** Runs an observing event's hooks in the background (their failures are records, not errors). */
  notify<E extends HookEvent>(event: E, payload: HookPayloadInput<E>): void;
}

/** Builds and loads the hooks of `config.hooks`; relative module paths resolve against `baseDir`. */
export async function openHookSystem(options: {
  hooks: readonly unknown[];
  baseDir: string;
  ledger: LedgerStage;
  onBackgroundError: (error: unknown, context: string) => void;
}): Promise<HookSystem> {
  const runner = new HookRunner({
    hooks: options.hooks as never,
    baseDir: options.baseDir,
    onRecord: (record) =>
      options.ledger
        .append({
          type: 'hook.run',
          actor: 'system:hooks',
          subject: record.event,
          payload: { ...record },
        })
        .then(() => undefined),
  });
  await runner.load();
  const notify = <E extends HookEvent>(event: E, payload: HookPayloadInput<E>) => {
    if (!runner.has(event)) return;
    runner.run(event, payload).catch((error) => options.onBackgroundError(error, `${event} hooks`));
  };
  const toolHooks: DaemonOperationServices['toolHooks'] =
    runner.has('PreToolUse') || runner.has('PostToolUse')
      ? {
          async before(agent, call) {
            if (!runner.has('PreToolUse')) return call.args;
            const outcome = await runner.run('PreToolUse', {
              agent: agent.name,
              agentId: agent.id,
              tool: call.tool,
              args: call.args,
              ...(call.taskId === null ? {} : { taskId: call.taskId }),
            });
            if (outcome.decision === 'deny') throw hookDenialError(outcome, call.tool);
            return outcome.args ?? call.args;
          },
          after(agent, call, result) {
            notify('PostToolUse', {
              agent: agent.name,
              agentId: agent.id,
              tool: call.tool,
              args: call.args,
              ...(call.taskId === null ? {} : { taskId: call.taskId }),
              ok: result.ok,
              output: result.output,
              durationMs: result.durationMs,
            });
          },
        }
      : undefined;
  return { runner, toolHooks, notify };
}

/**
 * @module The hook runner: runs the hooks configured for an event, in config order, each with
 * its time limit, and combines their answers. For `PreToolUse` a hook may deny (which ends the
 * chain) or amend the arguments (which the next hook sees); every other event is observed. A
 * hook's failure never escapes: it becomes a {@link HookRecord}, and for a `PreToolUse` hook
 * with `on_error: deny`, a deny. So a broken hook can slow an agent by its time limit at most,
 * and never crash it.
 */
import path from 'node:path';
import { AgentvisorError, type Clock, isAgentvisorError, systemClock } from '../../core/index.js';
import { checkCommandProgram, runCommandHook } from './command-hook.js';
import { readPreToolUseAnswer } from './hook-answer.js';
import { type HookConfig, type HookConfigInput, parseHooksConfig } from './hook-config-schema.js';
import { type HookEvent, isHookEvent } from './hook-events.js';
import type { HookAllow, HookDeny, HookOutcome } from './hook-outcome.js';
import { type HookPayloadInput, hookPayloadSchemas } from './hook-payloads.js';
import { type HookRecord, type HookRunOutcome, hookRecord } from './hook-record.js';
import { callModuleHook, type HookFunction, loadHookFunction } from './module-hook.js';
import { compileNameGlob } from './name-glob.js';

/** Options for {@link HookRunner}. */
export interface HookRunnerOptions {
  /** The `hooks:` list of `agentvisor.yaml`, validated again here. */
  readonly hooks: readonly HookConfigInput[];
  /** Directory that relative `module` and `command[0]` paths resolve against (the config's). */
  readonly baseDir: string;
  /** Source of "now" for `durationMs`; time limits use real timers. */
  readonly clock?: Clock;
  /**
   * Receives one record per hook run, as it happens (the ledger's entry point). A throw or a
   * rejection here is reported as a process warning and does not affect the run.
   */
  readonly onRecord?: (record: HookRecord) => void | Promise<void>;
}

/** One configured hook, compiled. */
interface HookEntry {
  readonly index: number;
  readonly config: HookConfig;
  readonly label: string;
  readonly matchesTool: ((name: string) => boolean) | undefined;
  readonly matchesAgent: ((name: string) => boolean) | undefined;
}

const NO_HOOKS: HookAllow = Object.freeze({ decision: 'allow', records: Object.freeze([]) });

/**
 * Runs the configured hooks of each event.
 *
 * @example
 * const hooks = new HookRunner({ hooks: config.hooks, baseDir, onRecord: (r) => ledger.append(r) });
 * await hooks.load(); // fail fast on a missing module, export or program
 * const outcome = await hooks.run('PreToolUse', { agent: 'code', agentId, tool: 'shell.exec', args });
 * if (outcome.decision === 'deny') throw hookDenialError(outcome, 'shell.exec');
 * const args = outcome.args ?? originalArgs; // amended args: validate them again
 */
export class HookRunner {
  /** The validated hooks, in config order. */
  readonly hooks: readonly HookConfig[];
  readonly #baseDir: string;
  readonly #clock: Clock;
  readonly #onRecord: HookRunnerOptions['onRecord'];
  readonly #byEvent = new Map<HookEvent, HookEntry[]>();
  /** Each module hook's function, imported once on first use. */
  readonly #functions = new Map<number, Promise<HookFunction>>();

  /** @throws {AgentvisorError} `CONFIG_INVALID` naming each bad hook (`hooks[2].command`) */
  constructor(options: HookRunnerOptions) {
    this.hooks = Object.freeze(parseHooksConfig(options.hooks));
    this.#baseDir = path.resolve(options.baseDir);
    this.#clock = options.clock ?? systemClock;
    this.#onRecord = options.onRecord;
    this.hooks.forEach((config, index) => {
      const entry: HookEntry = {
        index,
        config,
        label: `hooks[${index}]`,
        matchesTool:
          config.match?.tool === undefined ? undefined : compileNameGlob(config.match.tool),
        matchesAgent:
          config.match?.agent === undefined ? undefined : compileNameGlob(config.match.agent),
      };
      const list = this.#byEvent.get(config.event) ?? [];
      list.push(entry);
      this.#byEvent.set(config.event, list);
    });
  }

  /** True when at least one hook is configured for `event` (a caller may skip building a payload). */
  has(event: HookEvent): boolean {
    return this.#byEvent.has(event);
  }

  /**
   * Imports every module hook and checks every command hook's program, so `agentvisor start`
   * fails before any agent runs. Without it, a module is imported on its first run and a
   * failed load is recorded as that hook's error.
   *
   * @throws {AgentvisorError} `CONFIG_INVALID` listing every hook that cannot run
   */
  async load(): Promise<void> {
    const problems: string[] = [];
    for (const entries of this.#byEvent.values())
      for (const entry of entries) {
        try {
          if (entry.config.module !== undefined) await this.#function(entry);
          else
            await checkCommandProgram({
              argv: entry.config.command!,
              cwd: this.#baseDir,
              label: entry.label,
            });
        } catch (error) {
          problems.push(error instanceof Error ? error.message : String(error));
        }
      }
    if (problems.length === 1) throw new AgentvisorError('CONFIG_INVALID', problems[0]!);
    if (problems.length > 1)
      throw new AgentvisorError(
        'CONFIG_INVALID',
        `hooks cannot run:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
        { details: { problems } },
      );
  }

  /**
   * Runs the hooks of `event` whose `match` fits the payload, in config order, and combines
   * their answers. For `PreToolUse`: the first deny ends the chain; an amendment replaces the
   * arguments that later hooks see and is returned as `args`, which the caller must validate
   * against the tool's schema again. A hook that throws, exits non-zero, times out or answers
   * nonsense is recorded and skipped, or, for a `PreToolUse` hook with `on_error: deny`,
   * denies the call.
   *
   * @throws {AgentvisorError} `INPUT_INVALID` only for the caller's mistake: an unknown event or
   *   a payload that fails the event's schema. Never for a hook's failure.
   * @example
   * const outcome = await hooks.run('PostToolUse', {
   *   agent: 'code', tool: 'fs.read', args: { path: 'a.txt' }, ok: true, output: 'alpha', durationMs: 4,
   * });
   */
  async run<E extends HookEvent>(event: E, payload: HookPayloadInput<E>): Promise<HookOutcome> {
    let { data: current, json } = validatePayload(event, payload);
    const entries = this.#byEvent.get(event);
    if (entries === undefined) return NO_HOOKS;
    let amended: Record<string, unknown> | undefined;
    const records: HookRecord[] = [];
    for (const entry of entries) {
      if (!matches(entry, current)) continue;
      const started = this.#clock.now();
      const record = (
        outcome: HookRunOutcome,
        extra: Pick<HookRecord, 'error' | 'reason' | 'failedClosed'> = {},
      ) =>
        this.#emit(records, {
          hookIndex: entry.index,
          event,
          outcome,
          durationMs: Math.max(0, this.#clock.now() - started),
          ...extra,
        });
      try {
        const answer = await this.#invoke(entry, json);
        if (event !== 'PreToolUse') {
          record('ok');
          continue;
        }
        const decision = readPreToolUseAnswer(answer);
        if (decision.decision === 'deny') {
          record('denied', { reason: decision.reason });
          return deny(decision.reason, entry.index, records);
        }
        if (decision.args === undefined) {
          record('ok');
          continue;
        }
        // Through JSON, so the next hook, command or module, and the caller see the same thing.
        json = JSON.stringify({ ...current, args: decision.args });
        current = JSON.parse(json) as Record<string, unknown>;
        amended = current['args'] as Record<string, unknown>;
        record('amended');
      } catch (error) {
        const outcome = isAgentvisorError(error, 'TIMEOUT') ? 'timeout' : 'error';
        const message = error instanceof Error ? error.message : String(error);
        const failClosed = event === 'PreToolUse' && entry.config.on_error === 'deny';
        record(outcome, failClosed ? { error: message, failedClosed: true } : { error: message });
        if (failClosed)
          return deny(
            `hook ${entry.label} ${outcome === 'timeout' ? 'timed out' : 'failed'} and its on_error is deny: ${message}`,
            entry.index,
            records,
          );
      }
    }
    Object.freeze(records);
    const allow: HookAllow =
      amended === undefined
        ? { decision: 'allow', records }
        : { decision: 'allow', args: amended, records };
    return Object.freeze(allow);
  }

  #invoke(entry: HookEntry, payloadJson: string): Promise<unknown> {
    const call = {
      payloadJson,
      event: entry.config.event,
      hookIndex: entry.index,
      timeoutMs: entry.config.timeout_ms,
    };
    return entry.config.module !== undefined
      ? callModuleHook({ ...call, fn: this.#function(entry) })
      : runCommandHook({ ...call, argv: entry.config.command!, cwd: this.#baseDir });
  }

  #function(entry: HookEntry): Promise<HookFunction> {
    let fn = this.#functions.get(entry.index);
    if (fn === undefined) {
      fn = loadHookFunction({
        file: path.resolve(this.#baseDir, entry.config.module!),
        exportName: entry.config.export ?? 'default',
        label: entry.label,
      });
      // Kept, failed or not: the config does not change, so neither does the import's result.
      fn.catch(() => undefined);
      this.#functions.set(entry.index, fn);
    }
    return fn;
  }

  #emit(records: HookRecord[], fields: Omit<HookRecord, 'kind'>): void {
    const record = hookRecord(fields);
    records.push(record);
    if (this.#onRecord === undefined) return;
    try {
      const pending = this.#onRecord(record);
      if (pending !== undefined) pending.catch(warnRecordFailed);
    } catch (error) {
      warnRecordFailed(error);
    }
  }
}

function deny(reason: string, hookIndex: number, records: HookRecord[]): HookDeny {
  return Object.freeze({ decision: 'deny', reason, hookIndex, records: Object.freeze(records) });
}

/** A hook applies when each glob it names matches; a payload without the named field never does. */
function matches(entry: HookEntry, payload: Record<string, unknown>): boolean {
  if (entry.matchesTool !== undefined) {
    const tool = payload['tool'];
    if (typeof tool !== 'string' || !entry.matchesTool(tool)) return false;
  }
  if (entry.matchesAgent !== undefined) {
    const agent = payload['agent'];
    if (typeof agent !== 'string' || !entry.matchesAgent(agent)) return false;
  }
  return true;
}

/** Checks a payload against its event's schema; messages name fields, never values (secrets). */
function validatePayload(
  event: HookEvent,
  payload: unknown,
): { data: Record<string, unknown>; json: string } {
  if (!isHookEvent(event))
    throw new AgentvisorError('INPUT_INVALID', `unknown hook event ${JSON.stringify(event)}`, {
      details: { event },
    });
  const result = hookPayloadSchemas[event].safeParse(payload);
  if (!result.success) {
    const problems = result.error.issues.map(
      (i) => `${i.path.length === 0 ? 'payload' : i.path.join('.')}: ${i.message}`,
    );
    throw new AgentvisorError(
      'INPUT_INVALID',
      `${event} hook payload is invalid: ${problems.join('; ')}`,
      { details: { event, problems } },
    );
  }
  try {
    return { data: result.data as Record<string, unknown>, json: JSON.stringify(result.data) };
  } catch {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `${event} hook payload cannot be written as JSON (a BigInt or a cycle in args?)`,
      { details: { event } },
    );
  }
}

function warnRecordFailed(error: unknown): void {
  process.emitWarning(
    `a hook record could not be delivered: ${error instanceof Error ? error.message : String(error)}`,
    { code: 'AGENTVISOR_HOOK_RECORD' },
  );
}

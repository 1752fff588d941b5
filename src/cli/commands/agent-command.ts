/**
 * @module `agentvisor agent run FILE|NAME` (one daemon in the foreground, its beats streamed
 * readably, or as JSON lines with --json) and `agentvisor agent list`.
 */
import type { Command } from 'commander';
import { AgentvisorError } from '../../core/index.js';
import type { BeatReport } from '../../daemon/index.js';
import { createLogger, OPERATOR_CAPABILITIES, openSystem } from '../../system/index.js';
import {
  configDirOf,
  type GlobalOptions,
  loadCliConfig,
  operatorCaller,
  withSystem,
} from '../context.js';
import { type CliIo, colours, printJson, printTable } from '../output.js';
import { looksLikeAgentFile, withAgentFile } from './agent-file.js';

interface RunOptions extends GlobalOptions {
  once?: boolean;
  maxBeats?: string;
}

/** Registers `agent run` and `agent list`. */
export function registerAgentCommand(program: Command, io: CliIo): void {
  const c = colours(io);
  const agent = program.command('agent').description('agents: run one, list them');

  agent
    .command('run')
    .description('run one agent in the foreground (NAME from agentvisor.yaml, or a FILE)')
    .argument('<file-or-name>', 'an agent name, or a YAML file with one agent definition')
    .option('--once', 'run beats back to back until one is idle, then exit')
    .option('--max-beats <n>', 'with --once: stop after this many beats', '100')
    .action(async (target: string, opts: RunOptions, cmd: Command) => {
      const options = { ...cmd.optsWithGlobals<GlobalOptions>(), ...opts };
      const loaded = loadCliConfig(options);
      let config = loaded.config;
      let name = target;
      if (looksLikeAgentFile(target)) ({ config, name } = withAgentFile(config, target));
      const maxBeats = Number(options.maxBeats);
      if (!Number.isInteger(maxBeats) || maxBeats < 1) {
        throw new AgentvisorError(
          'INPUT_INVALID',
          `--max-beats: expected a positive integer, got "${options.maxBeats}"`,
        );
      }
      const logger = createLogger({
        level: config.log.level === 'info' ? 'warn' : config.log.level,
        format: config.log.format,
      });
      const operator = operatorCaller();
      const system = await openSystem({
        config,
        dataDir: loaded.dataDir,
        logger,
        timers: options.once !== true,
        configDir: configDirOf(loaded.source),
        createdBy: `human:${operator.id}`,
      });
      system.principals.register({
        kind: 'human',
        id: operator.id,
        capabilities: new Set(OPERATOR_CAPABILITIES),
      });
      const print = (report: BeatReport) => {
        if (options.json === true) {
          printJson(io, { type: 'beat', agent: name, ...report });
          return;
        }
        io.out(describeBeat(name, report, c));
      };
      try {
        const { daemon } = await system.agents.spawn(name, {
          onBeat: (report) => {
            if (!report.idle || options.once === true) print(report);
          },
          onError: (error, action) => {
            if (options.json === true) {
              printJson(io, {
                type: 'error',
                agent: name,
                kind: error.kind,
                action,
                message: error.message,
              });
            } else {
              io.err(
                `${c.bad(`${name} beat ${error.beat} failed`)} (${error.kind}, ${action}): ${error.message}`,
              );
            }
          },
          onStatus: (status, reason) => {
            if (status === 'running') return;
            if (options.json === true)
              printJson(io, { type: 'status', agent: name, status, reason });
            else io.err(`${name} is ${status}${reason === undefined ? '' : `: ${reason}`}`);
          },
        });
        if (options.once === true) {
          await daemon.runUntilIdle(maxBeats);
          return;
        }
        if (options.json !== true) {
          io.err(
            `${c.bold(name)} running (heartbeat ${config.agents.find((a) => a.name === name)?.heartbeat.base_ms ?? '?'} ms base); Ctrl-C to stop.`,
          );
        }
        await daemon.start();
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          void daemon.settled().then(stop);
        });
      } finally {
        await system.close({ checkpoint: true });
      }
    });

  agent
    .command('list')
    .description('the configured agents with their identities and beat cursors')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const rows = await withSystem(
        g,
        async (system) => {
          const identities = await system.agents.identities.list();
          const cursors = await system.store.db.selectFrom('agent_runtime').selectAll().execute();
          return system.agents.list().map((a) => {
            const identity = identities.find((i) => i.id === a.id);
            const cursor = cursors.find((r) => r.agent_name === a.name);
            const def = system.agents.definition(a.name);
            return {
              name: a.name,
              id: a.id,
              keyId: identity?.keyId ?? null,
              role: def.role,
              model: def.model ?? null,
              isolation: def.isolation,
              status: cursor?.status ?? 'never run',
              lastCompletedBeat: cursor === undefined ? 0 : Number(cursor.last_completed_beat),
            };
          });
        },
        { writes: true },
      );
      if (g.json === true) {
        printJson(io, rows);
        return;
      }
      if (rows.length === 0) {
        io.out('no agents configured (add them under "agents:" in agentvisor.yaml)');
        return;
      }
      printTable(
        io,
        ['name', 'role', 'model', 'isolation', 'status', 'beats', 'id'],
        rows.map((r) => [
          r.name,
          r.role,
          r.model ?? '-',
          r.isolation,
          r.status,
          r.lastCompletedBeat,
          r.id,
        ]),
      );
    });
}

function describeBeat(name: string, report: BeatReport, c: ReturnType<typeof colours>): string {
  const head = `${c.bold(name)} beat ${report.beat}${report.resumed ? ' (resumed)' : ''}`;
  if (report.idle) return `${head}: idle (${report.observations} observations)`;
  const lines = [`${head}: ${report.observations} observations`];
  const thought = report.decision?.thought.trim() ?? '';
  if (thought !== '')
    lines.push(`  thinks: ${thought.length > 200 ? `${thought.slice(0, 200)}…` : thought}`);
  let r = 0;
  for (const action of report.decision?.actions ?? []) {
    if (action.kind === 'finish') {
      lines.push(
        `  ${c.ok('finished')}: ${action.outcome.length > 200 ? `${action.outcome.slice(0, 200)}…` : action.outcome}`,
      );
      continue;
    }
    const result = report.results[r++];
    const status =
      result === undefined
        ? ''
        : result.ok
          ? c.ok(result.replayed ? 'ok (from journal)' : 'ok')
          : c.bad(`failed ${result.code ?? ''}`.trim());
    const output = result?.output.replaceAll('\n', ' ') ?? '';
    lines.push(
      `  ${action.tool} ${status}${output === '' ? '' : `: ${output.length > 120 ? `${output.slice(0, 120)}…` : output}`}`,
    );
  }
  const ms = Object.values(report.phases).reduce((a, b) => a + b, 0) / 1000;
  lines.push(`  (${ms.toFixed(1)} ms, ${report.tokens} tokens)`);
  return lines.join('\n');
}

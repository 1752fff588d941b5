/**
 * @module `agentvisor alerts [--state S] [--json]` (the running node's alerts: firing, pending
 * and recently resolved), `agentvisor alerts silence ID --minutes N --reason R`, and
 * `agentvisor alerts rules [--out FILE]` (the configured rules as a Prometheus alerting-rules
 * file, from the config alone: no node needed).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type AlertView, alertRulesFromConfig, prometheusRulesYaml } from '../../alerts/index.js';
import { AgentvisorError } from '../../core/index.js';
import { positiveInt, requiredReason } from '../arguments.js';
import { type GlobalOptions, loadCliConfig } from '../context.js';
import { nodeOfCommand } from '../node-client.js';
import { type CliIo, colours, printJson, printTable } from '../output.js';

interface AlertsAnswer {
  alerts: AlertView[];
  evaluatedAt: string | null;
}

const STATES = ['pending', 'firing', 'resolved', 'active'];

function since(iso: string | null): string {
  if (iso === null) return '-';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86_400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

function printAlerts(io: CliIo, answer: AlertsAnswer): void {
  const c = colours(io);
  if (answer.alerts.length === 0) {
    io.out(
      `no alerts${answer.evaluatedAt === null ? ' (not evaluated yet)' : ` (evaluated ${since(answer.evaluatedAt)} ago)`}`,
    );
    return;
  }
  const paint = (a: AlertView) =>
    a.state === 'firing'
      ? a.severity === 'critical'
        ? c.bad(a.state)
        : c.warn(a.state)
      : a.state === 'resolved'
        ? c.ok(a.state)
        : a.state;
  printTable(
    io,
    ['id', 'state', 'severity', 'rule', 'labels', 'value', 'for', 'summary'],
    answer.alerts.map((a) => [
      a.fingerprint.slice(0, 12),
      paint(a) + (a.silencedUntil === null ? '' : ' (silenced)'),
      a.severity,
      a.rule,
      Object.entries(a.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || '-',
      a.value === null ? '-' : String(Number(a.value.toPrecision(4))),
      a.state === 'resolved' ? `ended ${since(a.resolvedAt)} ago` : since(a.startedAt),
      a.summary,
    ]),
  );
}

/** Registers `alerts`, `alerts silence` and `alerts rules`. */
export function registerAlertsCommand(program: Command, io: CliIo): void {
  const alerts = program
    .command('alerts')
    .description("the running node's alerts: firing, pending and recently resolved")
    .option('--state <state>', `only this state: ${STATES.join(', ')}`)
    .action(async (opts: { state?: string }, cmd: Command) => {
      if (opts.state !== undefined && !STATES.includes(opts.state)) {
        throw new AgentvisorError(
          'INPUT_INVALID',
          `--state: expected one of ${STATES.join(', ')}, got "${opts.state}"`,
        );
      }
      const { node, json } = nodeOfCommand(cmd);
      const query = opts.state === undefined ? '' : `?state=${opts.state}`;
      const answer = await node.get<AlertsAnswer>(`/api/v1/alerts${query}`);
      if (json) printJson(io, answer);
      else printAlerts(io, answer);
    });

  alerts
    .command('silence <id>')
    .description("hold back an alert's notifications (ID: a fingerprint or its first characters)")
    .requiredOption('--minutes <n>', 'how long (0 lifts the silence)')
    .option('--reason <text>', 'why (recorded in the ledger)')
    .action(async (id: string, opts: { minutes: string; reason?: string }, cmd: Command) => {
      const minutes = opts.minutes === '0' ? 0 : positiveInt('--minutes', opts.minutes);
      const reason = requiredReason('alerts silence', opts.reason);
      const { node, json } = nodeOfCommand(cmd);
      if (!/^[0-9a-f]{4,64}$/.test(id)) {
        throw new AgentvisorError(
          'INPUT_INVALID',
          `ID: expected hex digits of a fingerprint, got "${id}"`,
        );
      }
      const { alerts: all } = await node.get<AlertsAnswer>('/api/v1/alerts?limit=1000');
      const matches = all.filter((a) => a.fingerprint.startsWith(id));
      if (matches.length !== 1) {
        throw new AgentvisorError(
          matches.length === 0 ? 'NOT_FOUND' : 'INPUT_INVALID',
          matches.length === 0
            ? `no alert whose id starts with ${id}`
            : `${matches.length} alerts start with ${id}; give more characters`,
        );
      }
      const fingerprint = (matches[0] as AlertView).fingerprint;
      const view = await node.send<AlertView>('POST', `/api/v1/alerts/${fingerprint}/silence`, {
        minutes,
        reason,
      });
      if (json) printJson(io, view);
      else
        io.out(
          view.silencedUntil === null
            ? `alert ${fingerprint.slice(0, 12)} (${view.rule}) is no longer silenced`
            : `alert ${fingerprint.slice(0, 12)} (${view.rule}) silenced until ${view.silencedUntil}`,
        );
    });

  alerts
    .command('rules')
    .description(
      'the configured rules as a Prometheus alerting-rules file (for promtool, Prometheus)',
    )
    .option('--out <file>', 'write the file here instead of printing it')
    .action((opts: { out?: string }, cmd: Command) => {
      const { config } = loadCliConfig(cmd.optsWithGlobals<GlobalOptions>());
      const text = prometheusRulesYaml(alertRulesFromConfig(config.alerts));
      if (opts.out === undefined) {
        io.out(text);
        return;
      }
      writeFileSync(opts.out, text);
      io.err(`wrote ${opts.out}`);
    });
}

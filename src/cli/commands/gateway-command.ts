/**
 * @module `agentvisor gateway status` (the seed's Cloud Gateway Metrics view) and
 * `agentvisor budget` (every budget and how close it is), from the shared database.
 */
import type { Command } from 'commander';
import { AgentvisorError } from '../../core/index.js';
import { gatewayStatus } from '../../gateway/index.js';
import { type GlobalOptions, withSystem } from '../context.js';
import { type CliIo, colours, printFacts, printJson, printTable } from '../output.js';

const WINDOW = /^(\d+)([mhd])$/;

function parseWindow(text: string): number {
  const m = WINDOW.exec(text);
  if (m === null)
    throw new AgentvisorError(
      'INPUT_INVALID',
      `--since: expected a duration such as 30m, 24h or 7d; got "${text}"`,
    );
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

/** Registers `gateway status` and `budget`. */
export function registerGatewayCommands(program: Command, io: CliIo): void {
  const c = colours(io);
  const gateway = program.command('gateway').description('the LLM gateway');
  gateway
    .command('status')
    .description('requests, outcomes, fallbacks, latency, tokens and cost, per provider')
    .option('--since <duration>', 'window: 30m, 24h, 7d', '24h')
    .action(async (opts: { since: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const windowMs = parseWindow(opts.since);
      const status = await withSystem(g, (system) =>
        gatewayStatus(system.store, Date.now() - windowMs),
      );
      if (g.json === true) {
        printJson(io, status);
        return;
      }
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      io.out(c.bold(`Cloud Gateway Metrics (since ${status.since})`));
      printFacts(io, [
        ['requests', status.requests],
        ['successes', status.successes],
        ['failures', status.failures],
        ['rate limited', status.rateLimited],
        ['fallbacks', status.fallbacks],
        ['latency p50/p95/p99', `${status.p50Ms} / ${status.p95Ms} / ${status.p99Ms} ms`],
        ['tokens in/out', `${status.inputTokens} / ${status.outputTokens}`],
        ['cost', `$${status.costUsd.toFixed(4)}`],
      ]);
      if (status.providers.length > 0) {
        printTable(
          io,
          ['provider', 'calls', 'success', 'p50 ms', 'p95 ms', 'p99 ms'],
          status.providers.map((p) => [
            p.provider,
            p.calls,
            pct(p.successRate),
            p.p50Ms,
            p.p95Ms,
            p.p99Ms,
          ]),
        );
      }
    });

  program
    .command('budget')
    .description('every budget: spent, reserved and limit per window')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const status = await withSystem(g, (system) => system.gatewaySystem.budgets.status());
      if (g.json === true) {
        printJson(io, status);
        return;
      }
      if (status.length === 0) {
        io.out('no budgets configured (gateway.budgets in agentvisor.yaml)');
        return;
      }
      const bar = (f: number) => {
        const text = `${(f * 100).toFixed(1)}%`;
        return f >= 1 ? c.bad(text) : f >= 0.8 ? c.bold(text) : c.ok(text);
      };
      printTable(
        io,
        ['budget', 'limit', 'spent', 'reserved', 'of', 'used', 'resets'],
        status.flatMap((b) =>
          b.limits.map((l) => [
            String(b.budget),
            `${l.metric} per ${l.window}`,
            l.metric === 'usd' ? `$${l.spent.toFixed(4)}` : l.spent,
            l.metric === 'usd' ? `$${l.reserved.toFixed(4)}` : l.reserved,
            l.metric === 'usd' ? `$${l.limitValue}` : l.limitValue,
            bar(l.fraction),
            new Date(l.resetsAt).toISOString(),
          ]),
        ),
      );
    });
}

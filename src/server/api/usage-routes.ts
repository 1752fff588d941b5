/**
 * @module Usage and cost: model calls, tokens and dollars per agent, API key, model or day over a
 * window of time, summed by the database from the gateway's `llm_usage` rows (the same query as
 * the budget and status views, through the usage recorder), and the budgets with their spend.
 */
import { z } from 'zod';
import { AgentvisorError } from '../../core/index.js';
import type { UsageTotals } from '../../gateway/index.js';
import { type ApiRoute, apiRoute } from './api-route.js';

const DAY_MS = 86_400_000;
/** The longest window one request may sum: a year, leap day included. */
const MAX_DAYS = 366;
/** The default window: this many UTC days, ending with the day of `to`. */
const DEFAULT_DAYS = 7;

const GROUPS = ['agent', 'key', 'model', 'day'] as const;

const DATE_OR_TIME = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO date (a whole UTC day) or an ISO date-time with a zone. */
const instant = z
  .string()
  .regex(DATE_OR_TIME, {
    message: 'expected an ISO date (2025-01-31) or date-time (2025-01-31T12:00:00Z)',
    // Text that is no date at all gets this one message, not "no such date" as well.
    abort: true,
  })
  .refine((text) => parseInstant(text, 'start') !== undefined, 'no such date');

/** Milliseconds since the epoch; a bare date means its first (`start`) or next day's first ms. */
function parseInstant(text: string, edge: 'start' | 'end'): number | undefined {
  const match = DATE_OR_TIME.exec(text);
  if (match === null) return undefined;
  const day = Date.parse(`${match[1]}T00:00:00Z`);
  // Date.parse rolls 2025-02-30 over to March; a real date prints back as itself.
  if (!Number.isFinite(day) || new Date(day).toISOString().slice(0, 10) !== match[1]) {
    return undefined;
  }
  if (match[2] === undefined) return edge === 'start' ? day : day + DAY_MS;
  const at = Date.parse(text);
  return Number.isFinite(at) ? at : undefined;
}

const totalsSchema = z.object({
  calls: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  costUsd: z.number(),
  failures: z.number().int().describe('Calls whose outcome was not ok'),
});

const usageRowSchema = totalsSchema.extend({
  key: z
    .string()
    .nullable()
    .describe(
      'Agent id, API key id, provider/model, or YYYY-MM-DD (UTC); null for calls without an agent or key',
    ),
});

const budgetSchema = z.object({
  budget: z.string().describe('global, agent:<id> or key:<api key name>'),
  limits: z.array(
    z.object({
      limit: z.enum(['tokens_per_hour', 'tokens_per_day', 'cost_per_day', 'cost_per_month']),
      window: z.enum(['hour', 'day', 'month']),
      metric: z.enum(['tokens', 'usd']),
      limitValue: z.number(),
      spent: z.number().describe('Recorded spend in the current window'),
      reserved: z.number().describe('Estimated spend of calls in flight'),
      fraction: z.number().describe('(spent + reserved) / limitValue'),
      resetsAt: z.number().describe('When the window ends, ms since the epoch'),
    }),
  ),
});

function refused(field: string, message: string): AgentvisorError {
  return new AgentvisorError('INPUT_INVALID', `GET /api/v1/usage: ${field}: ${message}`, {
    details: { issues: [{ path: [field], message }] },
  });
}

/** Resolves the window `[from, to)`: defaults, then order and length. */
function usageWindow(
  input: { from?: string | undefined; to?: string | undefined },
  now: number,
): { from: number; to: number } {
  const to = input.to === undefined ? now : parseInstant(input.to, 'end')!;
  // The default start is a day boundary, so grouping by day gives whole days.
  const from =
    input.from === undefined
      ? Math.floor((to - 1) / DAY_MS) * DAY_MS - (DEFAULT_DAYS - 1) * DAY_MS
      : parseInstant(input.from, 'start')!;
  if (from > to) {
    throw refused(
      'from',
      `${new Date(from).toISOString()} is after to (${new Date(to).toISOString()})`,
    );
  }
  if (to - from > MAX_DAYS * DAY_MS) {
    throw refused(
      'from',
      `the window is ${Math.ceil((to - from) / DAY_MS)} days; at most ${MAX_DAYS} days at once`,
    );
  }
  return { from, to };
}

function rowOf(t: UsageTotals): z.infer<typeof usageRowSchema> {
  return {
    key: t.group,
    calls: t.calls,
    inputTokens: t.inputTokens,
    outputTokens: t.outputTokens,
    costUsd: t.costUsd,
    failures: t.errors,
  };
}

/** By day, every day of the window is listed, with zeros where nothing was used (for charts). */
function everyDay(
  rows: z.infer<typeof usageRowSchema>[],
  from: number,
  to: number,
): z.infer<typeof usageRowSchema>[] {
  const byDay = new Map(rows.map((r) => [r.key, r]));
  const out: z.infer<typeof usageRowSchema>[] = [];
  for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < to; day += DAY_MS) {
    const key = new Date(day).toISOString().slice(0, 10);
    out.push(
      byDay.get(key) ?? { key, calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, failures: 0 },
    );
  }
  return out;
}

/** The usage and budget routes. */
export function usageRoutes(): ApiRoute[] {
  return [
    apiRoute({
      method: 'GET',
      path: '/usage',
      summary:
        'Model calls, tokens, cost and failures per agent, API key, model or UTC day over a window (default: the last 7 days; at most 366)',
      tag: 'Usage',
      role: 'viewer',
      input: z
        .object({
          by: z
            .enum(GROUPS, { error: `one of ${GROUPS.join(', ')}` })
            .default('day')
            .describe('How to group: agent, key (API key id), model (provider/model) or day'),
          from: instant
            .optional()
            .describe(
              'Start of the window (a date means its 00:00 UTC); default 7 UTC days back from to',
            ),
          to: instant
            .optional()
            .describe('End of the window, exclusive (a date includes that whole day); default now'),
        })
        .strict(),
      output: z.object({
        by: z.enum(GROUPS),
        from: z.string().describe('Start of the window, inclusive'),
        to: z.string().describe('End of the window, exclusive'),
        rows: z.array(usageRowSchema),
        total: totalsSchema,
      }),
      handle: async ({ system }, input) => {
        const { from, to } = usageWindow(input, Date.now());
        const totals = await system.gatewaySystem.usage.totals({
          since: from,
          until: to,
          groupBy: input.by,
        });
        const grouped = totals.map(rowOf);
        const rows = input.by === 'day' ? everyDay(grouped, from, to) : grouped;
        const total = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, failures: 0 };
        for (const r of grouped) {
          total.calls += r.calls;
          total.inputTokens += r.inputTokens;
          total.outputTokens += r.outputTokens;
          total.costUsd += r.costUsd;
          total.failures += r.failures;
        }
        return {
          by: input.by,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          rows,
          total,
        };
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/budgets',
      summary:
        'Every configured budget with its limits: spent, reserved, fraction and reset per window (as `agentvisor budget --json`)',
      tag: 'Usage',
      role: 'viewer',
      input: z.object({}).strict(),
      output: z.object({ budgets: z.array(budgetSchema) }),
      handle: async ({ system }) => ({ budgets: await system.gatewaySystem.budgets.status() }),
    }),
    apiRoute({
      method: 'GET',
      path: '/budgets/degradation',
      summary:
        'The degradation ladder: budget pressure, which steps (cheaper model, smaller context, pause, override) are taken',
      tag: 'Usage',
      role: 'viewer',
      input: z.object({}).strict(),
      handle: ({ system }) => system.degradation.status(),
    }),
  ];
}

/**
 * @module The alerts' kernel operations: `alerts.list` (viewers: capability `telemetry.read`)
 * and `alerts.silence` (operators: `agent.govern`, recorded with its reason). The REST routes
 * and the CLI go through them, so the ledger shows who silenced what and why.
 */
import { z } from 'zod';
import type { Kernel } from '../core/index.js';
import type { AlertEngine } from './alert-engine.js';

/** Arguments of `alerts.list`. */
export const alertsListArgs = z
  .object({
    /** One state, or `active` (pending and firing); all states when omitted. */
    state: z
      .enum(['pending', 'firing', 'resolved', 'active'], {
        error: 'expected pending, firing, resolved or active',
      })
      .optional(),
    rule: z.string().min(1).max(64).optional(),
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .strict();

/** Arguments of `alerts.silence`. */
export const alertsSilenceArgs = z
  .object({
    fingerprint: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'expected an alert fingerprint (64 hex digits)'),
    /** How long notifications are held back; 0 lifts a silence. */
    minutes: z
      .number()
      .int()
      .min(0)
      .max(30 * 24 * 60),
    reason: z.string().trim().min(1, 'say why (the ledger records it)').max(500),
  })
  .strict();

/**
 * Registers `alerts.list` and `alerts.silence` on a kernel.
 *
 * @example
 * registerAlertOperations(system.kernel, engine);
 * await kernel.call(caller, 'alerts.list', { state: 'firing' });
 */
export function registerAlertOperations(kernel: Kernel, engine: AlertEngine): void {
  kernel.register({
    name: 'alerts.list',
    description: 'Alerts: firing, pending and recently resolved, most urgent first.',
    effect: 'read',
    capability: 'telemetry.read',
    args: alertsListArgs,
    handler: async (_ctx, args) => {
      const last = engine.lastEvaluation;
      return {
        alerts: await engine.list(args),
        evaluatedAt: last === undefined ? null : new Date(last.at).toISOString(),
        rules: engine.rules.map((r) => ({
          name: r.name,
          severity: r.severity,
          signal: r.signal,
        })),
      };
    },
  });
  kernel.register({
    name: 'alerts.silence',
    description: "Holds back an alert's notifications for some minutes (0 lifts the silence).",
    effect: 'write',
    capability: 'agent.govern',
    args: alertsSilenceArgs,
    handler: (_ctx, args) => engine.silence(args.fingerprint, args.minutes * 60_000),
    ledgerFacts: (args) => ({
      fingerprint: args.fingerprint,
      minutes: args.minutes,
      reason: args.reason,
    }),
  });
}

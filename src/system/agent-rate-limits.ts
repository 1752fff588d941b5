/**
 * @module Per-agent rate limits at the kernel's gate (seed 002 "Rate Limiting", agents): tool
 * calls, escalation requests and messages to other agents, per agent per minute. Refusals are
 * RATE_LIMITED with when to retry, and land in the ledger like every other refusal. Shared across
 * nodes through Redis when it is configured.
 */
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { LimitStage, RateLimitsConfig } from '../core/index.js';

type Kind = 'tool_calls' | 'escalations' | 'messages';

const KIND_OF: Readonly<Record<string, Kind>> = {
  'tool.call': 'tool_calls',
  'policy.escalate': 'escalations',
  'message.send': 'messages',
  'bus.send': 'messages',
  'bus.broadcast': 'messages',
  'bus.request': 'messages',
};

const WHAT: Readonly<Record<Kind, string>> = {
  tool_calls: 'tool calls',
  escalations: 'escalation requests',
  messages: 'messages to other agents',
};

/** The limit stage. */
export function agentRateLimits(
  config: RateLimitsConfig['agents'],
  redis?: Redis,
  keyPrefix = 'agentvisor:',
): LimitStage {
  const make = (kind: Kind): RateLimiterAbstract => {
    const options = {
      points: config[kind],
      duration: 60,
      keyPrefix: `${keyPrefix}rl:agent:${kind}`,
    };
    return redis === undefined
      ? new RateLimiterMemory(options)
      : new RateLimiterRedis({ ...options, storeClient: redis });
  };
  const limiters: Record<Kind, RateLimiterAbstract> = {
    tool_calls: make('tool_calls'),
    escalations: make('escalations'),
    messages: make('messages'),
  };
  return {
    name: 'agent-rate-limits',
    async check(principal, op) {
      const kind = KIND_OF[op.name];
      if (kind === undefined || principal.kind !== 'agent') return { kind: 'allow' };
      try {
        await limiters[kind].consume(principal.id);
        return { kind: 'allow' };
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        return {
          kind: 'reject',
          code: 'RATE_LIMITED',
          reason: `more than ${config[kind]} ${WHAT[kind]} per minute for agent ${principal.name ?? principal.id}; try again in ${Math.max(1, Math.ceil(error.msBeforeNext / 1000))} s`,
          retryAfterMs: error.msBeforeNext,
        };
      }
    },
  };
}

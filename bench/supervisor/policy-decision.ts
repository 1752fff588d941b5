/**
 * @module Policy decision cost (issue 5 benchmark; target <= 5 µs p50): a level-1 agent with
 * about ten grants (path, host, command and model scopes) deciding a mix of allowed, denied and
 * ask requests. Three numbers: the fast path on cache misses (every request distinct, so each one
 * normalises and runs the matchers), the fast path on cache hits (a working set of 64 requests),
 * and the Cedar reference (`statefulIsAuthorized` over a preparsed policy set). The fast path is
 * timed in batches of 100 decisions (one decision is shorter than the timer's own cost), Cedar
 * per decision.
 */
import {
  type AgentPolicy,
  CedarPolicyReference,
  levelGrants,
  PolicyEngine,
  type PolicyRequest,
} from '../../src/policy/index.js';

const FAST_DECISIONS = 100_000;
const CEDAR_DECISIONS = 5_000;
const BATCH = 100;

/** Microseconds per decision. */
export interface PolicyDecisionCost {
  readonly fastP50Us: number;
  readonly fastP99Us: number;
  readonly cachedP50Us: number;
  readonly cedarP50Us: number;
  readonly cedarP99Us: number;
}

const AGENT_ID = '01900000-0000-7000-8000-000000000001';

function benchPolicy(): AgentPolicy {
  return {
    agentId: AGENT_ID,
    agent: 'coder',
    level: 1,
    grants: [
      ...levelGrants(1),
      { capability: 'fs.read', scope: { paths: ['/srv/agents/coder', '/srv/shared/docs'] } },
      { capability: 'llm.use', scope: { models: ['claude-*', 'gpt-4o'] } },
    ],
    ceiling: { kind: 'level', level: 2 },
    autoRestart: 5,
    version: 1,
  };
}

/** Request `i`: a rotating mix of allowed, denied and ask; `unique` makes every path distinct. */
function requestAt(i: number, unique: boolean): PolicyRequest {
  const n = unique ? i : i % 16;
  const principal = { kind: 'agent', id: AGENT_ID } as const;
  switch (i % 8) {
    case 0:
      return {
        principal,
        action: 'fs.read',
        resource: { kind: 'path', value: `/workspace/src/f${n}.ts` },
      };
    case 1:
      return {
        principal,
        action: 'fs.write',
        resource: { kind: 'path', value: `/workspace/out/r${n}.md` },
      };
    case 2:
      return {
        principal,
        action: 'fs.write',
        resource: { kind: 'path', value: `/etc/nginx/n${n}.conf` },
      };
    case 3:
      return {
        principal,
        action: 'net.http',
        resource: { kind: 'host', value: unique ? `h${n}.github.com` : 'github.com' },
      };
    case 4:
      return {
        principal,
        action: 'shell.exec',
        resource: { kind: 'command', value: n % 2 ? 'git status' : `rm${n} -rf /` },
      };
    case 5:
      return { principal, action: 'llm.use', resource: { kind: 'model', value: `claude-${n}` } };
    case 6:
      return { principal, action: 'memory.write' };
    default:
      return {
        principal,
        action: 'fs.read',
        resource: { kind: 'path', value: `/srv/shared/docs/d${n}/../x${n}` },
      };
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

function batchedPerDecisionUs(engine: PolicyEngine, requests: readonly PolicyRequest[]): number[] {
  const perDecision: number[] = [];
  for (let start = 0; start + BATCH <= requests.length; start += BATCH) {
    const t0 = process.hrtime.bigint();
    for (let i = start; i < start + BATCH; i++) engine.decide(requests[i] as PolicyRequest);
    perDecision.push(Number(process.hrtime.bigint() - t0) / 1000 / BATCH);
  }
  return perDecision.sort((a, b) => a - b);
}

/**
 * Measures the three decision paths and returns microseconds per decision.
 *
 * @example
 * const { fastP50Us, cedarP50Us } = await measurePolicyDecision();
 */
export async function measurePolicyDecision(): Promise<PolicyDecisionCost> {
  const policy = benchPolicy();
  const engine = new PolicyEngine();
  engine.set(policy);

  // Warm-up so the JIT has compiled the matchers before timing.
  for (let i = 0; i < 20_000; i++) engine.decide(requestAt(i + FAST_DECISIONS, true));
  // Every request distinct: the cache never answers (it fills and starts over).
  const unique = Array.from({ length: FAST_DECISIONS }, (_, i) => requestAt(i, true));
  engine.set(policy);
  const fast = batchedPerDecisionUs(engine, unique);

  const repeated = Array.from({ length: FAST_DECISIONS }, (_, i) => requestAt(i, false));
  const cached = batchedPerDecisionUs(engine, repeated);

  const cedar = new CedarPolicyReference();
  cedar.load([policy], Date.now());
  for (let i = 0; i < 500; i++) cedar.decide(requestAt(i, true));
  const cedarUs: number[] = [];
  for (let i = 0; i < CEDAR_DECISIONS; i++) {
    const request = requestAt(i, true);
    const t0 = process.hrtime.bigint();
    cedar.decide(request);
    cedarUs.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  cedarUs.sort((a, b) => a - b);

  return {
    fastP50Us: percentile(fast, 0.5),
    fastP99Us: percentile(fast, 0.99),
    cachedP50Us: percentile(cached, 0.5),
    cedarP50Us: percentile(cedarUs, 0.5),
    cedarP99Us: percentile(cedarUs, 0.99),
  };
}

/**
 * A ledger's worth of issue 5 entries with known counts, used by the unit tests (as entry
 * objects) and by the integration test (appended through a real ledger). Expected numbers are
 * worked out in the comments beside each agent.
 */
import type { DeclaredAgent, LedgerEntryLike } from '../../../../src/policy/compliance/index.js';

/** What a caller appends: the ledger adds seq, ts, hashes and signature. */
export interface FixtureInput {
  readonly type: string;
  readonly actor: string;
  readonly subject: string;
  readonly payload: Record<string, unknown>;
}

export const PLANNER = '11111111-1111-4111-8111-111111111111';
export const CODER = '22222222-2222-4222-8222-222222222222';
export const REVIEWER = '33333333-3333-4333-8333-333333333333';
export const EVIL = '44444444-4444-4444-8444-444444444444';

const state = (
  id: string,
  agent: string,
  from: string,
  to: string,
  reason: string,
  extra: Record<string, unknown> = {},
): FixtureInput => ({
  type: 'supervisor.state',
  actor: 'system:supervisor',
  subject: agent,
  payload: { agent_id: id, agent, from, to, reason, restart_count: 0, ...extra },
});

const ops = (id: string, n: number, type: string, op = 'fs.read'): FixtureInput[] =>
  Array.from({ length: n }, (_, i) => ({
    type,
    actor: `agent:${id}`,
    subject: op,
    payload:
      type === 'op.denied'
        ? { args_digest: `d${i}`, duration_us: 3, code: 'POLICY_DENIED', reason: 'no fs.write' }
        : { args_digest: `d${i}`, duration_us: 5 },
  }));

const fault = (id: string, agent: string, kind: string, action: string): FixtureInput => ({
  type: 'supervisor.fault',
  actor: 'system:supervisor',
  subject: agent,
  payload: { agent_id: id, agent, fault: kind, detail: 'seen', action },
});

/** The fixture's entries, in ledger order. */
export function fixtureInputs(): FixtureInput[] {
  return [
    // planner: limited; 100 ops of which 5 denied; 1 human patch; 1 approval expired; clean exit.
    // events 100 + 2 states + patch + request + decided + human's refused grant = 106.
    // score = 1 - 0.6*5/100 = 0.97 COMPLIANT
    state(PLANNER, 'planner', 'none', 'spawned', 'start', { risk: 'limited' }),
    ...ops(PLANNER, 95, 'op.call'),
    ...ops(PLANNER, 5, 'op.denied', 'fs.write'),
    {
      type: 'policy.patch',
      actor: 'human:alice',
      subject: 'planner',
      payload: {
        agent_id: PLANNER,
        agent: 'planner',
        changes: [{ op: 'add', capability: 'net.http' }],
        reason: 'needs docs',
        version: 2,
      },
    },
    {
      type: 'policy.escalation.requested',
      actor: `agent:${PLANNER}`,
      subject: 'planner',
      payload: {
        approval_id: 'ap-2',
        agent_id: PLANNER,
        agent: 'planner',
        capability: 'shell.exec',
        reason: 'build',
        expires_at: '2030-01-01T00:00:00.000Z',
      },
    },
    {
      type: 'policy.approval.decided',
      actor: 'system:supervisor',
      subject: 'planner',
      payload: {
        approval_id: 'ap-2',
        agent_id: PLANNER,
        agent: 'planner',
        decision: 'expired',
        reason: 'timeout',
      },
    },
    // A person without the admin role tried to grant admin: not the planner's violation.
    {
      type: 'policy.escalation.refused',
      actor: 'human:bob',
      subject: 'planner',
      payload: { agent_id: PLANNER, agent: 'planner', capability: 'admin', reason: 'not an admin' },
    },
    // A person's denied call: a non-agent violation.
    {
      type: 'op.denied',
      actor: 'human:bob',
      subject: 'keys.rotate',
      payload: { args_digest: 'x', duration_us: 2, code: 'POLICY_DENIED' },
    },
    state(PLANNER, 'planner', 'active', 'exited', 'stopped'),

    // coder: high in the ledger (declared minimal: the ledger wins); 10 ops, 1 denied;
    // crash (state + fault), restart, capability fault, pending escalation, refused escalation.
    // violations = 1 denied + 1 capability fault + 1 own refused escalation = 3
    // score = 1 - 0.6*3/10 - 0.2*1/2 - 0.1*1/1 - 0.1 (high, no oversight) = 0.52 NON_COMPLIANT
    state(CODER, 'coder', 'none', 'spawned', 'start', { risk: 'high' }),
    ...ops(CODER, 9, 'op.call', 'llm.complete'),
    ...ops(CODER, 1, 'op.denied', 'shell.exec'),
    state(CODER, 'coder', 'active', 'fault', 'crash: exit code 1', { exit_code: 1 }),
    fault(CODER, 'coder', 'crash', 'restart'),
    state(CODER, 'coder', 'fault', 'recovery', 'backoff 10s'),
    state(CODER, 'coder', 'recovery', 'restarted', 'restart 1', { restart_count: 1 }),
    fault(CODER, 'coder', 'capability_violation', 'log'),
    {
      type: 'policy.escalation.requested',
      actor: `agent:${CODER}`,
      subject: 'coder',
      payload: {
        approval_id: 'ap-1',
        agent_id: CODER,
        agent: 'coder',
        capability: 'net.http',
        reason: 'fetch',
        expires_at: '2030-01-01T00:00:00.000Z',
      },
    },
    {
      type: 'policy.escalation.refused',
      actor: `agent:${CODER}`,
      subject: 'coder',
      payload: { agent_id: CODER, agent: 'coder', capability: 'admin', reason: 'above ceiling' },
    },

    // reviewer: no risk in the ledger (declared high); 20 ops; crashes twice in 2 starts,
    // ends failed; a human approved its escalation (oversight 1).
    // score = 1 - 0.2*2/2 = 0.8 REVIEW_NEEDED
    state(REVIEWER, 'reviewer', 'none', 'spawned', 'start'),
    ...ops(REVIEWER, 20, 'op.call', 'memory.read'),
    {
      type: 'policy.escalation.requested',
      actor: `agent:${REVIEWER}`,
      subject: 'reviewer',
      payload: {
        approval_id: 'ap-3',
        agent_id: REVIEWER,
        agent: 'reviewer',
        capability: 'fs.write',
        scope: ['/tmp'],
        reason: 'notes',
        expires_at: '2030-01-01T00:00:00.000Z',
      },
    },
    {
      type: 'policy.approval.decided',
      actor: 'human:alice',
      subject: 'reviewer',
      payload: {
        approval_id: 'ap-3',
        agent_id: REVIEWER,
        agent: 'reviewer',
        decision: 'approved',
        reason: 'ok',
      },
    },
    state(REVIEWER, 'reviewer', 'active', 'fault', 'crash: signal SIGSEGV', { signal: 'SIGSEGV' }),
    fault(REVIEWER, 'reviewer', 'crash', 'restart'),
    state(REVIEWER, 'reviewer', 'recovery', 'restarted', 'restart 1', { restart_count: 1 }),
    state(REVIEWER, 'reviewer', 'active', 'fault', 'crash: exit code 2', { exit_code: 2 }),
    fault(REVIEWER, 'reviewer', 'crash', 'restart'),
    state(REVIEWER, 'reviewer', 'fault', 'failed', 'restart limit reached'),

    // evil: unacceptable risk, refused at start: score 0, left out of the system mean.
    state(EVIL, '<script>alert("x")</script>', 'none', 'spawned', 'start', {
      risk: 'unacceptable',
    }),
    state(EVIL, '<script>alert("x")</script>', 'spawned', 'failed', 'risk: unacceptable'),
  ];
}

/** The fixture as stored entries (seq from 1, one millisecond apart, canonical-ish payloads). */
export function fixtureEntries(): LedgerEntryLike[] {
  return fixtureInputs().map((input, i) => ({
    seq: i + 1,
    ts: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
    type: input.type,
    actor: input.actor,
    subject: input.subject,
    payload: JSON.stringify(input.payload),
  }));
}

/** Agents declared in the configuration. */
export const DECLARED: DeclaredAgent[] = [
  { agentId: PLANNER, name: 'planner', risk: 'minimal', capabilities: ['fs.read', 'llm.use'] },
  {
    agentId: CODER,
    name: 'coder',
    risk: 'minimal',
    capabilities: ['fs.read', 'fs.write', 'shell.exec'],
  },
  { agentId: REVIEWER, name: 'reviewer', risk: 'high', capabilities: ['memory.read'] },
  // Declared but never started: appears with no events.
  { agentId: '55555555-5555-4555-8555-555555555555', name: 'idle', risk: 'limited' },
];

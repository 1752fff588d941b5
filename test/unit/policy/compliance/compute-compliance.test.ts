/**
 * The compliance report from a fixture ledger with known counts: per-agent numbers, scores and
 * statuses, the system roll-up, and the EU AI Act sections.
 */
import { describe, expect, it } from 'vitest';
import { AgentvisorError } from '../../../../src/core/index.js';
import {
  type AgentCompliance,
  complianceJson,
  computeCompliance,
} from '../../../../src/policy/compliance/index.js';
import { CODER, DECLARED, EVIL, fixtureEntries, PLANNER, REVIEWER } from './compliance-fixture.js';

const GENERATED_AT = '2026-02-01T00:00:00.000Z';

describe('computeCompliance on the fixture ledger', () => {
  const report = computeCompliance(fixtureEntries(), DECLARED, {
    generatedAt: GENERATED_AT,
    verifiedSize: 156,
  });
  const agent = (id: string): AgentCompliance => {
    const a = report.agents.find((x) => x.agentId === id);
    if (a === undefined) throw new Error(`no agent ${id}`);
    return a;
  };

  it('counts the planner: limited, 5 denials in 100 ops, one human patch, a clean exit', () => {
    expect(agent(PLANNER)).toMatchObject({
      name: 'planner',
      risk: 'limited',
      riskSource: 'ledger',
      capabilities: ['fs.read', 'llm.use'],
      eventsLogged: 106,
      operations: 100,
      violations: 5,
      violationsBy: { opDenied: 5, capabilityFaults: 0, policyFaults: 0, escalationsRefused: 0 },
      humanOversight: 1,
      approvals: { requested: 1, approved: 0, denied: 0, expired: 1, pending: 0 },
      starts: 1,
      cleanExits: 1,
      crashes: 0,
      faults: 0,
      refused: false,
      score: 0.97,
      status: 'COMPLIANT',
    });
  });

  it('counts the coder: high risk from the ledger over the declared one, three violations, a crash', () => {
    expect(agent(CODER)).toMatchObject({
      risk: 'high',
      riskSource: 'ledger',
      eventsLogged: 18,
      operations: 10,
      violations: 3,
      violationsBy: { opDenied: 1, capabilityFaults: 1, policyFaults: 0, escalationsRefused: 1 },
      humanOversight: 0,
      approvals: { requested: 1, approved: 0, denied: 0, expired: 0, pending: 1 },
      starts: 2,
      crashes: 1,
      faults: 2,
      score: 0.52,
      status: 'NON_COMPLIANT',
    });
  });

  it('counts the reviewer: declared high risk, two crashes in two starts, human-approved escalation', () => {
    expect(agent(REVIEWER)).toMatchObject({
      risk: 'high',
      riskSource: 'declared',
      eventsLogged: 29,
      operations: 20,
      violations: 0,
      humanOversight: 1,
      approvals: { requested: 1, approved: 1, denied: 0, expired: 0, pending: 0 },
      starts: 2,
      crashes: 2,
      faults: 2,
      score: 0.8,
      status: 'REVIEW_NEEDED',
    });
  });

  it('scores an unacceptable agent 0 and marks it refused', () => {
    expect(agent(EVIL)).toMatchObject({
      risk: 'unacceptable',
      refused: true,
      score: 0,
      status: 'NON_COMPLIANT',
      eventsLogged: 2,
    });
  });

  it('lists a declared agent with no entries', () => {
    const idle = report.agents.find((a) => a.name === 'idle');
    expect(idle).toMatchObject({
      risk: 'limited',
      riskSource: 'declared',
      eventsLogged: 0,
      score: 1,
    });
  });

  it('rolls up the system: mean of scored agents, violations including non-agents', () => {
    expect(report.system).toEqual({
      agents: 5,
      eventsLogged: 156,
      violations: 10,
      nonAgentViolations: 2,
      humanOversight: 2,
      cleanExits: 1,
      crashes: 3,
      faults: 4,
      // (0.97 + 0.52 + 0.8) / 3, without the refused and the idle agent
      score: 0.763,
      status: 'REVIEW_NEEDED',
    });
  });

  it('maps the sections to Articles 12, 13 and 14', () => {
    const { recordKeeping, transparency, humanOversight } = report.sections;
    expect(recordKeeping).toMatchObject({
      article: 'Art. 12',
      entries: 156,
      firstSeq: 1,
      lastSeq: 156,
      verifiedSize: 156,
      firstTs: '2026-01-01T00:00:00.000Z',
    });
    expect(recordKeeping.entryTypes['op.call']).toBe(124);
    expect(recordKeeping.entryTypes['op.denied']).toBe(7);
    expect(transparency.article).toBe('Art. 13');
    expect(transparency.riskDistribution).toEqual({
      minimal: 0,
      limited: 2,
      high: 2,
      unacceptable: 1,
      unclassified: 0,
    });
    expect(transparency.agents.find((a) => a.agentId === CODER)?.capabilities).toEqual([
      'fs.read',
      'fs.write',
      'shell.exec',
    ]);
    expect(humanOversight).toEqual({
      article: 'Art. 14',
      title: expect.any(String),
      humanPatches: 1,
      humanDecisions: 1,
      approvals: { requested: 3, approved: 1, denied: 0, expired: 1, pending: 1 },
      overseers: ['human:alice'],
    });
  });

  it('gives the same report for parsed payload objects and for the JSON text', () => {
    const parsed = fixtureEntries().map((e) => ({
      ...e,
      payload: JSON.parse(e.payload as string) as Record<string, unknown>,
    }));
    expect(
      computeCompliance(parsed, DECLARED, { generatedAt: GENERATED_AT, verifiedSize: 156 }),
    ).toEqual(report);
  });

  it('exports JSON with every field present', () => {
    const json = JSON.parse(
      complianceJson(computeCompliance([], [], { generatedAt: GENERATED_AT })),
    );
    expect(json.sections.recordKeeping.firstSeq).toBeNull();
    expect(json.sections.recordKeeping.verifiedSize).toBeNull();
    expect(json.system).toMatchObject({ agents: 0, score: 1, status: 'COMPLIANT' });
    expect(json.formula).toMatch(/^score = 1 - 0\.6/);
  });

  it('refuses a payload that is not JSON, naming the entry', () => {
    const bad = [
      {
        seq: 9,
        ts: GENERATED_AT,
        type: 'op.call',
        actor: 'agent:x',
        subject: 'fs.read',
        payload: '{oops',
      },
    ];
    expect(() => computeCompliance(bad)).toThrow(AgentvisorError);
    expect(() => computeCompliance(bad)).toThrow(/ledger entry 9/);
  });
});

/**
 * @module Computes the compliance report from ledger entries alone (plus, for agents the
 * ledger has not met yet, their declared names and risks). Every number is a count of entries
 * of the issue 5 contract: `op.*` by `agent:<id>` actors, `supervisor.state`,
 * `supervisor.fault`, `policy.patch`, `policy.escalation.*` and `policy.approval.decided`, so an
 * auditor holding an export of the ledger recomputes the same report.
 */
import { AgentvisorError } from '../../core/index.js';
import {
  type AgentCompliance,
  type ApprovalCounts,
  type ComplianceReport,
  type DeclaredAgent,
  type LedgerEntryLike,
  RISK_LEVELS,
  type RiskLevel,
  type ViolationCounts,
} from './compliance-report.js';
import {
  complianceScore,
  complianceStatus,
  roundScore,
  SCORE_FORMULA,
} from './compliance-score.js';

/** Options for {@link computeCompliance}. */
export interface ComputeComplianceOptions {
  /** The report's timestamp (ISO-8601); defaults to now. Fix it to compare two reports. */
  generatedAt?: string;
  /** The ledger size a verification covered, for the Art. 12 section. */
  verifiedSize?: number;
}

/** Running counts for one agent while the entries are read. */
interface AgentTally {
  agentId: string;
  name: string | undefined;
  ledgerRisk: RiskLevel | undefined;
  eventsLogged: number;
  operations: number;
  violationsBy: ViolationCounts;
  humanOversight: number;
  approvals: ApprovalCounts;
  /** approval_id -> decided? */
  approvalIds: Map<string, boolean>;
  starts: number;
  cleanExits: number;
  crashes: number;
  faults: number;
  refusedForRisk: boolean;
}

const OP_TYPES = new Set(['op.call', 'op.denied', 'op.rejected', 'op.error']);
const AGENT_PREFIX = 'agent:';
const HUMAN_PREFIX = 'human:';

function isRisk(value: unknown): value is RiskLevel {
  return typeof value === 'string' && (RISK_LEVELS as readonly string[]).includes(value);
}

function payloadOf(entry: LedgerEntryLike): Readonly<Record<string, unknown>> {
  if (typeof entry.payload !== 'string') return entry.payload;
  try {
    const parsed: unknown = JSON.parse(entry.payload);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch (error) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `ledger entry ${entry.seq}: payload is not JSON; a compliance report reads canonical JSON payloads`,
      { details: { seq: entry.seq }, cause: error },
    );
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function newTally(agentId: string): AgentTally {
  return {
    agentId,
    name: undefined,
    ledgerRisk: undefined,
    eventsLogged: 0,
    operations: 0,
    violationsBy: { opDenied: 0, capabilityFaults: 0, policyFaults: 0, escalationsRefused: 0 },
    humanOversight: 0,
    approvals: { requested: 0, approved: 0, denied: 0, expired: 0, pending: 0 },
    approvalIds: new Map(),
    starts: 0,
    cleanExits: 0,
    crashes: 0,
    faults: 0,
    refusedForRisk: false,
  };
}

/**
 * Computes the compliance report.
 *
 * @example
 * const entries = await listEntries(store, { limit: 1_000_000 });
 * const report = computeCompliance(entries, [{ agentId, name: 'planner', risk: 'limited' }]);
 * report.system.status; // 'COMPLIANT'
 */
export function computeCompliance(
  entries: Iterable<LedgerEntryLike>,
  agents: readonly DeclaredAgent[] = [],
  options: ComputeComplianceOptions = {},
): ComplianceReport {
  const tallies = new Map<string, AgentTally>();
  const tally = (agentId: string): AgentTally => {
    let t = tallies.get(agentId);
    if (t === undefined) {
      t = newTally(agentId);
      tallies.set(agentId, t);
    }
    return t;
  };
  const entryTypes: Record<string, number> = {};
  const overseers = new Set<string>();
  let total = 0;
  let firstSeq: number | undefined;
  let lastSeq: number | undefined;
  let firstTs: string | undefined;
  let lastTs: string | undefined;
  let nonAgentViolations = 0;
  let humanPatches = 0;
  let humanDecisions = 0;

  let lastIntegrity:
    | { seq: number; at: string; ok: boolean; firstBadSeq: number | null }
    | undefined;
  for (const entry of entries) {
    total++;
    entryTypes[entry.type] = (entryTypes[entry.type] ?? 0) + 1;
    if (firstSeq === undefined || entry.seq < firstSeq) {
      firstSeq = entry.seq;
      firstTs = entry.ts;
    }
    if (lastSeq === undefined || entry.seq > lastSeq) {
      lastSeq = entry.seq;
      lastTs = entry.ts;
    }
    const payload = payloadOf(entry);
    if (
      entry.type === 'integrity.verified' &&
      (lastIntegrity === undefined || entry.seq > lastIntegrity.seq)
    ) {
      const bad = payload['first_bad'] as { seq?: unknown } | null | undefined;
      lastIntegrity = {
        seq: entry.seq,
        at: entry.ts,
        ok: payload['ok'] === true,
        firstBadSeq: typeof bad?.seq === 'number' ? bad.seq : null,
      };
    }
    const actorAgent = entry.actor.startsWith(AGENT_PREFIX)
      ? entry.actor.slice(AGENT_PREFIX.length)
      : undefined;
    const isHuman = entry.actor.startsWith(HUMAN_PREFIX);
    // The entry is about the agent its payload names, else about the agent that acted.
    const subjectId = text(payload['agent_id']) ?? actorAgent;
    const t = subjectId === undefined ? undefined : tally(subjectId);
    if (t !== undefined) {
      t.eventsLogged++;
      const name = text(payload['agent']);
      if (name !== undefined) t.name = name;
    }

    if (OP_TYPES.has(entry.type)) {
      // Op entries belong to their caller; `subject` is the operation name.
      if (actorAgent !== undefined && t !== undefined) {
        t.operations++;
        if (entry.type === 'op.denied') t.violationsBy.opDenied++;
      } else if (entry.type === 'op.denied') {
        nonAgentViolations++;
      }
      continue;
    }
    if (t === undefined) continue;
    switch (entry.type) {
      case 'supervisor.state': {
        const to = text(payload['to']);
        const reason = text(payload['reason']) ?? '';
        if (to === 'spawned') {
          t.starts++;
          if (isRisk(payload['risk'])) t.ledgerRisk = payload['risk'];
        } else if (to === 'restarted') t.starts++;
        else if (to === 'exited' && reason === 'stopped') t.cleanExits++;
        else if (to === 'fault' && reason.startsWith('crash')) t.crashes++;
        else if (to === 'failed' && reason.startsWith('risk: unacceptable')) {
          t.refusedForRisk = true;
          t.ledgerRisk = 'unacceptable';
        }
        break;
      }
      case 'supervisor.fault': {
        t.faults++;
        const fault = text(payload['fault']);
        if (fault === 'capability_violation') t.violationsBy.capabilityFaults++;
        else if (fault === 'policy_violation') t.violationsBy.policyFaults++;
        break;
      }
      case 'policy.escalation.refused':
        // A violation of the agent only when it tried; a person's refused grant is theirs.
        if (actorAgent === t.agentId) t.violationsBy.escalationsRefused++;
        else nonAgentViolations++;
        break;
      case 'policy.escalation.requested': {
        t.approvals.requested++;
        const id = text(payload['approval_id']);
        if (id !== undefined && !t.approvalIds.has(id)) t.approvalIds.set(id, false);
        break;
      }
      case 'policy.approval.decided': {
        const decision = text(payload['decision']);
        if (decision === 'approved') t.approvals.approved++;
        else if (decision === 'denied') t.approvals.denied++;
        else if (decision === 'expired') t.approvals.expired++;
        const id = text(payload['approval_id']);
        if (id !== undefined) t.approvalIds.set(id, true);
        if (isHuman && decision !== 'expired') {
          t.humanOversight++;
          humanDecisions++;
          overseers.add(entry.actor);
        }
        break;
      }
      case 'policy.patch':
        if (isHuman) {
          t.humanOversight++;
          humanPatches++;
          overseers.add(entry.actor);
        }
        break;
      default:
        break;
    }
  }

  const declared = new Map(agents.map((a) => [a.agentId, a]));
  for (const a of agents) tally(a.agentId);

  const agentReports: AgentCompliance[] = [...tallies.values()].map((t) => {
    const d = declared.get(t.agentId);
    const risk = t.ledgerRisk ?? d?.risk ?? 'unclassified';
    const riskSource =
      t.ledgerRisk !== undefined ? 'ledger' : d?.risk !== undefined ? 'declared' : 'none';
    let pending = 0;
    for (const decided of t.approvalIds.values()) if (!decided) pending++;
    const v = t.violationsBy;
    const violations = v.opDenied + v.capabilityFaults + v.policyFaults + v.escalationsRefused;
    const score = complianceScore({
      risk,
      operations: t.operations,
      violations,
      starts: t.starts,
      crashes: t.crashes,
      approvalsRequested: t.approvals.requested,
      approvalsPending: pending,
      humanOversight: t.humanOversight,
    });
    return {
      agentId: t.agentId,
      name: t.name ?? d?.name ?? t.agentId,
      risk,
      riskSource,
      capabilities: [...(d?.capabilities ?? [])],
      eventsLogged: t.eventsLogged,
      operations: t.operations,
      violations,
      violationsBy: { ...v },
      humanOversight: t.humanOversight,
      approvals: { ...t.approvals, pending },
      starts: t.starts,
      cleanExits: t.cleanExits,
      crashes: t.crashes,
      faults: t.faults,
      refused: t.refusedForRisk && t.operations === 0,
      score,
      status: complianceStatus(score),
    };
  });
  agentReports.sort((a, b) => a.name.localeCompare(b.name) || a.agentId.localeCompare(b.agentId));

  const sum = (pick: (a: AgentCompliance) => number) =>
    agentReports.reduce((acc, a) => acc + pick(a), 0);
  // An agent with no entries did nothing to score; a refused one is the system working.
  const scored = agentReports.filter((a) => !a.refused && a.eventsLogged > 0);
  const systemScore =
    scored.length === 0
      ? 1
      : roundScore(scored.reduce((acc, a) => acc + a.score, 0) / scored.length);
  const approvals: ApprovalCounts = {
    requested: sum((a) => a.approvals.requested),
    approved: sum((a) => a.approvals.approved),
    denied: sum((a) => a.approvals.denied),
    expired: sum((a) => a.approvals.expired),
    pending: sum((a) => a.approvals.pending),
  };
  const riskDistribution = { minimal: 0, limited: 0, high: 0, unacceptable: 0, unclassified: 0 };
  for (const a of agentReports) riskDistribution[a.risk]++;

  return {
    generatedAt: options.generatedAt ?? new Date().toISOString(),
    formula: SCORE_FORMULA,
    system: {
      agents: agentReports.length,
      eventsLogged: total,
      violations: sum((a) => a.violations) + nonAgentViolations,
      nonAgentViolations,
      humanOversight: humanPatches + humanDecisions,
      cleanExits: sum((a) => a.cleanExits),
      crashes: sum((a) => a.crashes),
      faults: sum((a) => a.faults),
      score: systemScore,
      // A failed integrity check of the record itself outranks any score.
      status: lastIntegrity?.ok === false ? 'NON_COMPLIANT' : complianceStatus(systemScore),
    },
    agents: agentReports,
    sections: {
      recordKeeping: {
        article: 'Art. 12',
        title: 'Record-keeping: the signed, hash-chained ledger',
        entries: total,
        firstSeq,
        lastSeq,
        firstTs,
        lastTs,
        verifiedSize: options.verifiedSize,
        lastIntegrityCheck:
          lastIntegrity === undefined
            ? null
            : {
                at: lastIntegrity.at,
                ok: lastIntegrity.ok,
                firstBadSeq: lastIntegrity.firstBadSeq,
              },
        entryTypes,
      },
      transparency: {
        article: 'Art. 13',
        title: 'Transparency: risk level and declared capabilities of every agent',
        riskDistribution,
        agents: agentReports.map((a) => ({
          agentId: a.agentId,
          name: a.name,
          risk: a.risk,
          capabilities: a.capabilities,
        })),
      },
      humanOversight: {
        article: 'Art. 14',
        title: 'Human oversight: policy changes and approval decisions by people',
        humanPatches,
        humanDecisions,
        approvals,
        overseers: [...overseers].sort(),
      },
    },
  };
}

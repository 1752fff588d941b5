/**
 * @module The shapes of the compliance report (seed 001 §14, EU AI Act): what is read from the
 * ledger, what is reported per agent and for the system, and the sections mapped to the
 * articles they serve. Plain data, so the JSON export is the report itself.
 */

/** EU AI Act risk levels (seed 001 §14). */
export type RiskLevel = 'minimal' | 'limited' | 'high' | 'unacceptable';

/** Every risk level, in ascending order. */
export const RISK_LEVELS: readonly RiskLevel[] = ['minimal', 'limited', 'high', 'unacceptable'];

/** Compliance status thresholds: COMPLIANT >= 0.9, REVIEW_NEEDED 0.7-0.89, NON_COMPLIANT < 0.7. */
export type ComplianceStatus = 'COMPLIANT' | 'REVIEW_NEEDED' | 'NON_COMPLIANT';

/** What the report reads of a ledger entry (a `LedgerEntry` from the ledger module fits). */
export interface LedgerEntryLike {
  readonly seq: number;
  readonly ts: string;
  readonly type: string;
  readonly actor: string;
  readonly subject: string;
  /** Canonical JSON text, as stored; an already-parsed object is accepted too. */
  readonly payload: string | Readonly<Record<string, unknown>>;
}

/** An agent known outside the ledger (from the config), for names and risks not yet logged. */
export interface DeclaredAgent {
  readonly agentId: string;
  readonly name: string;
  readonly risk?: RiskLevel;
  /** Capabilities the agent's policy declares (Art. 13 transparency). */
  readonly capabilities?: readonly string[];
}

/** Escalation approvals for one agent or the system. */
export interface ApprovalCounts {
  requested: number;
  approved: number;
  denied: number;
  expired: number;
  /** Requested and never decided. */
  pending: number;
}

/** Violations by where they were recorded. */
export interface ViolationCounts {
  /** `op.denied` entries (the policy said no). */
  opDenied: number;
  /** `supervisor.fault` entries of type `capability_violation`. */
  capabilityFaults: number;
  /** `supervisor.fault` entries of type `policy_violation`. */
  policyFaults: number;
  /** `policy.escalation.refused` entries the agent itself attempted. */
  escalationsRefused: number;
}

/** One agent's part of the report. */
export interface AgentCompliance {
  readonly agentId: string;
  readonly name: string;
  /** `unclassified` when neither the ledger nor the declared agents give a risk. */
  readonly risk: RiskLevel | 'unclassified';
  /** Where the risk came from: a `supervisor.state` spawned entry, the declared agents, or nowhere. */
  readonly riskSource: 'ledger' | 'declared' | 'none';
  readonly capabilities: readonly string[];
  /** Ledger entries about this agent (its op calls, lifecycle, faults, policy entries). */
  readonly eventsLogged: number;
  /** Operation calls attempted (`op.call`, `op.denied`, `op.rejected`, `op.error`). */
  readonly operations: number;
  readonly violations: number;
  readonly violationsBy: ViolationCounts;
  /** Human policy patches and human approval decisions about this agent. */
  readonly humanOversight: number;
  readonly approvals: ApprovalCounts;
  /** `supervisor.state` entries to spawned or restarted. */
  readonly starts: number;
  /** `supervisor.state` entries to exited with reason "stopped". */
  readonly cleanExits: number;
  /** `supervisor.state` entries to fault with a reason starting "crash". */
  readonly crashes: number;
  /** `supervisor.fault` entries of any type. */
  readonly faults: number;
  /** Refused to start because its risk is unacceptable (Art. 5), and never ran an operation. */
  readonly refused: boolean;
  readonly score: number;
  readonly status: ComplianceStatus;
}

/** Art. 12 record-keeping: the ledger the report was computed from. */
export interface RecordKeepingSection {
  readonly article: 'Art. 12';
  readonly title: string;
  readonly entries: number;
  readonly firstSeq: number | undefined;
  readonly lastSeq: number | undefined;
  readonly firstTs: string | undefined;
  readonly lastTs: string | undefined;
  /** The ledger size a verification covered, when the caller verified it. */
  readonly verifiedSize: number | undefined;
  /** The last scheduled verification recorded in the ledger (`integrity.verified`). */
  readonly lastIntegrityCheck: {
    readonly at: string;
    readonly ok: boolean;
    readonly firstBadSeq: number | null;
  } | null;
  readonly entryTypes: Readonly<Record<string, number>>;
}

/** Art. 13 transparency: every agent's risk and declared capabilities. */
export interface TransparencySection {
  readonly article: 'Art. 13';
  readonly title: string;
  readonly riskDistribution: Readonly<Record<RiskLevel | 'unclassified', number>>;
  readonly agents: ReadonlyArray<{
    readonly agentId: string;
    readonly name: string;
    readonly risk: RiskLevel | 'unclassified';
    readonly capabilities: readonly string[];
  }>;
}

/** Art. 14 human oversight: who changed policies and decided approvals. */
export interface HumanOversightSection {
  readonly article: 'Art. 14';
  readonly title: string;
  readonly humanPatches: number;
  readonly humanDecisions: number;
  readonly approvals: ApprovalCounts;
  /** Distinct human actors (`human:<id>`) with an oversight action. */
  readonly overseers: readonly string[];
}

/** The system's part of the report. */
export interface SystemCompliance {
  readonly agents: number;
  readonly eventsLogged: number;
  /** Agent violations plus those by non-agents (a human's refused grant, a denied API key). */
  readonly violations: number;
  readonly nonAgentViolations: number;
  readonly humanOversight: number;
  readonly cleanExits: number;
  readonly crashes: number;
  readonly faults: number;
  /** Mean of the scores of agents with ledger entries, refused agents excluded; 1 when none. */
  readonly score: number;
  readonly status: ComplianceStatus;
}

/** The compliance report. */
export interface ComplianceReport {
  readonly generatedAt: string;
  /** The scoring rule in words, so a reader can recompute every score. */
  readonly formula: string;
  readonly system: SystemCompliance;
  readonly agents: readonly AgentCompliance[];
  readonly sections: {
    readonly recordKeeping: RecordKeepingSection;
    readonly transparency: TransparencySection;
    readonly humanOversight: HumanOversightSection;
  };
}

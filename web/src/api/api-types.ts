/**
 * @module The shapes the dashboard reads from `/api/v1`, written from the server's code (the
 * routes in `src/server/api/` and the kernel operations they call). Only the fields the
 * dashboard shows are typed; anything else passes through untouched.
 */

/** A user's role; each includes the one before it. */
export type Role = 'viewer' | 'operator' | 'admin';

/** The signed-in user. */
export interface SessionUser {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
}

/** `POST /session`, `GET /session`, `POST /setup`. */
export interface SessionView {
  readonly user: SessionUser;
  readonly csrfToken?: string;
  readonly expiresAt?: string;
}

/** A supervised agent's lifecycle state (seed 001), or `pending` before its first start. */
export type AgentState =
  | 'pending'
  | 'spawned'
  | 'active'
  | 'fault'
  | 'recovery'
  | 'restarted'
  | 'exited'
  | 'failed';

/** `SupervisedAgentView`. */
export interface Agent {
  readonly id: string;
  readonly name: string;
  readonly state: AgentState;
  readonly pid?: number;
  readonly capabilities: readonly string[];
  readonly restartMode?: string;
  readonly autoRestart?: number | null;
  readonly restartCount: number;
  readonly crashRestartCount?: number;
  readonly lastActivityAt: number | null;
  readonly activeSince?: number | null;
  readonly risk?: string;
  readonly isolation?: string;
  readonly throttledUntil: number | null;
}

/** A kernel call as telemetry keeps it. */
export interface CallEvent {
  readonly kind: string;
  readonly callId?: string;
  readonly op?: string;
  readonly actor?: string;
  readonly outcome?: string;
  readonly code?: string;
  readonly durationUs?: number;
  readonly at: number;
  readonly ledgerSeq?: number;
}

/** `GET /status`. */
export interface SystemStatus {
  readonly agents: readonly Agent[];
  readonly system: {
    readonly activeAgents: number;
    readonly crashes: number;
    readonly faults: number;
    readonly restarts: number;
    readonly failures: number;
    readonly totalOps: number;
  };
  readonly totalCalls: number;
  readonly recent: readonly CallEvent[];
  readonly ledger: { readonly size: number; readonly entryHash?: string; readonly keyId?: string };
  readonly store?: string;
}

/** `GET /health/ready`. */
export interface Readiness {
  readonly status: 'ok' | 'unavailable';
  readonly checks: Readonly<Record<string, string>>;
}

/** `GET /agents/:name`. */
export interface AgentDetail {
  readonly agent: Agent;
  readonly usage: Readonly<Record<string, unknown>> | null;
  readonly rates: Readonly<Record<string, unknown>> | null;
}

/** One operation of `GET /agents/:name/profile` (durations in microseconds). */
export interface OperationProfile {
  readonly operation: string;
  readonly sampleCount: number;
  readonly totalCount?: number;
  readonly failureCount?: number;
  readonly successRate?: number;
  readonly medianUs: number;
  readonly p95Us: number;
  readonly p99Us: number;
  readonly maxUs?: number;
}

/** A goal row of `GET /agents/:name/goals`. */
export interface GoalRow {
  readonly id: string;
  readonly parent_id: string | null;
  readonly description: string;
  readonly priority?: number;
  readonly status: string;
  readonly status_reason?: string | null;
  readonly status_at?: string | null;
  readonly outcome?: string | null;
  readonly attempts?: number;
  readonly created_at: string;
}

/** A capability grant. */
export interface Grant {
  readonly capability: string;
  readonly scope?: Readonly<Record<string, readonly string[]>>;
  readonly expiresAt?: number;
}

/** `GET /agents/:name/policy` (policy.show). */
export interface PolicyView {
  readonly agentId: string;
  readonly agent: string;
  readonly level: number;
  readonly grants: readonly Grant[];
  readonly autoRestart: number;
  readonly version: number;
  readonly ceilingText?: string;
  readonly grantsText?: readonly string[];
}

/** A memory search hit. */
export interface MemoryHit {
  readonly id: string;
  readonly agentId?: string;
  readonly component?: string;
  readonly content: string;
  readonly tags?: readonly string[];
  readonly importance?: number;
  readonly score?: number;
  readonly createdAt?: string;
}

/** Task statuses (`task.list`). */
export const TASK_STATUSES = [
  'pending',
  'assigned',
  'in_progress',
  'waiting_approval',
  'completed',
  'failed',
  'cancelled',
] as const;

/** A task status. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A row of `GET /tasks`. */
export interface TaskRow {
  readonly id: string;
  readonly parentId: string | null;
  readonly agent: string | null;
  readonly title: string;
  readonly status: string;
  readonly priority: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** `GET /tasks`. */
export interface TaskPage {
  readonly tasks: readonly TaskRow[];
  readonly nextCursor: string | null;
}

/** `GET /tasks/:id`. */
export interface TaskDetail {
  /** True when the task is a team run (it has a plan, phases and subtasks). */
  readonly teamRun?: boolean;
  /** Model usage of the task and its subtasks. */
  readonly cost?: {
    readonly calls: number;
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly costUsd: number;
  };
  readonly task: {
    readonly id: string;
    readonly title: string;
    readonly description: string;
    readonly status: string;
    readonly priority: number;
    readonly agentId: string | null;
    readonly result: unknown;
    readonly createdAt: string;
    readonly updatedAt: string;
  };
  readonly goals: readonly {
    readonly id: string;
    readonly parentId: string | null;
    readonly description: string;
    readonly status: string;
    readonly attempts: number;
  }[];
  readonly thoughts: readonly {
    readonly id: string;
    readonly status: string;
    readonly content: string;
    readonly createdAt: string;
  }[];
  readonly toolCalls: readonly {
    readonly key: string;
    readonly tool: string;
    readonly beat?: number | string;
    readonly status: string;
    readonly attempts: number;
    readonly error: string | null;
    readonly startedAt: string | null;
    readonly finishedAt: string | null;
  }[];
  readonly subtasks: readonly TaskRow[];
  readonly messages: readonly {
    readonly id: string;
    readonly sender: string;
    readonly recipient: string;
    readonly subject: string | null;
    readonly created_at: string;
    readonly acked_at: string | null;
  }[];
}

/** A planned subtask of a team run. */
export interface PlannedSubtask {
  readonly title: string;
  readonly role: string;
  readonly description?: string;
  readonly criteria?: readonly string[];
}

/** `GET /team/runs/:id` (team.show). */
export interface TeamRunView {
  readonly run: {
    readonly taskId: string;
    readonly team: string;
    readonly status: string;
    readonly phase: string;
    readonly round: number;
    readonly maxRounds: number;
    readonly state: {
      readonly text?: string;
      readonly plan?: {
        readonly approach?: string;
        readonly pattern?: string;
        readonly subtasks: readonly PlannedSubtask[];
        readonly criteria?: readonly string[];
      };
      readonly verdict?: {
        readonly pass: boolean;
        readonly reason?: string;
        readonly failing_phase?: string;
        readonly failed_subtasks?: readonly number[];
      };
      readonly error?: string;
    };
    readonly createdAt: string;
    readonly updatedAt: string;
  };
  readonly task: { readonly status: string; readonly result: string | null } | null;
  readonly steps: readonly {
    readonly seq: number;
    readonly phase: string;
    readonly round: number;
    readonly status: 'ok' | 'failed';
    readonly summary: string;
    readonly createdAt: string;
  }[];
  readonly subtasks: readonly {
    readonly taskId: string;
    readonly round: number;
    readonly position: number;
    readonly role: string;
    readonly agent: string;
    readonly title: string;
    readonly status: string;
    readonly result: string | null;
  }[];
}

/** An approval item. */
export interface ApprovalItem {
  readonly id: string;
  readonly kind: 'escalation' | 'question' | 'task' | 'confirmation' | 'budget' | string;
  readonly agentId: string;
  readonly agent: string;
  readonly summary: string;
  readonly request?: Readonly<Record<string, unknown>>;
  readonly status: 'pending' | 'approved' | 'denied' | 'expired' | string;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionReason: string | null;
}

/** A ledger entry as listed (`audit show --json`): the payload as JSON. */
export interface LedgerEntry {
  readonly seq: number;
  readonly id: string;
  readonly ts: string;
  readonly type: string;
  readonly actor: string;
  readonly subject: string;
  readonly payload: unknown;
  readonly prev_hash: string;
  readonly entry_hash: string;
  readonly signature?: string;
  readonly key_id?: string;
}

/** `GET /ledger/entries`: pass `nextCursor` as `after` for the next page. */
export interface LedgerEntriesPage {
  readonly entries: readonly LedgerEntry[];
  readonly nextCursor: number | null;
}

/** A verification job (`POST /ledger/verify`, `GET /ledger/verify/:id`). */
export interface VerifyJob {
  readonly id: string;
  /** `failed`: the ledger is not intact; `error`: the verification itself could not run. */
  readonly state: 'running' | 'passed' | 'failed' | 'error';
  readonly mode?: 'full' | 'fast';
  readonly checked: number;
  readonly total: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly result?: {
    readonly ok: boolean;
    readonly entries: number;
    readonly checkpoints: number;
    readonly anchors: number;
    readonly records: number;
    readonly durationMs: number;
  };
  readonly firstBad?: {
    readonly seq: number;
    readonly kind: string;
    readonly where: string;
    readonly reason: string;
  };
  readonly error?: { readonly code: string; readonly message: string };
}

/** A row of `GET /usage`: `key` is an agent id, API key id, provider/model or YYYY-MM-DD. */
export interface UsageRow {
  readonly key: string | null;
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  readonly failures: number;
}

/** `GET /usage`. */
export interface UsageView {
  readonly by: 'agent' | 'key' | 'model' | 'day';
  readonly from: string;
  readonly to: string;
  readonly rows: readonly UsageRow[];
  readonly total: Omit<UsageRow, 'key'>;
}

/** One budget of `GET /budgets` with the spend of each of its limits. */
export interface BudgetView {
  readonly budget: string;
  readonly limits: readonly {
    readonly limit: string;
    readonly window: string;
    readonly metric: 'tokens' | 'usd';
    readonly limitValue: number;
    readonly spent: number;
    readonly reserved: number;
    readonly fraction: number;
    readonly resetsAt: number;
  }[];
}

/** A conversation with the orchestrator. */
export interface Conversation {
  readonly id: string;
  readonly title: string;
  readonly createdBy?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A pattern the server's input screening found in a message (recorded, never rewritten). */
export interface ChatFlag {
  readonly kind: string;
  readonly pattern: string;
  readonly where: string;
  readonly excerpt: string;
}

/** A chat message. */
export interface ChatMessage {
  readonly id: string;
  readonly conversationId?: string;
  readonly role: 'user' | 'assistant' | 'system';
  readonly author?: string;
  readonly content: string;
  readonly status: 'complete' | 'streaming' | 'failed' | string;
  readonly runId: string | null;
  readonly flags?: readonly ChatFlag[];
  /** Files sent with the message (names and sizes). */
  readonly attachments?: readonly { readonly name: string; readonly bytes: number }[];
  readonly createdAt: string;
  readonly updatedAt?: string;
}

/** An API key as listed (never its secret). */
export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly agent_id: string | null;
  readonly role: string | null;
  readonly created_at: string;
  readonly created_by: string;
  readonly revoked_at: string | null;
  readonly last_used_at: string | null;
}

/** A local user. */
export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly disabled: boolean;
  readonly lockedUntil: string | null;
  readonly lastLoginAt: string | null;
}

/** One provider's live health. */
export interface ProviderHealth {
  readonly provider: string;
  readonly circuit: 'closed' | 'half-open' | 'open';
  readonly calls: number;
  readonly successes: number;
  readonly failures: number;
  readonly successRate: number;
  readonly p50Ms?: number;
  readonly p95Ms?: number;
  readonly p99Ms?: number;
}

/** `GET /providers`. */
export interface ProvidersView {
  readonly live: {
    readonly requests: number;
    readonly successes: number;
    readonly failures: number;
    readonly rateLimited: number;
    readonly fallbacks: number;
    readonly costUsd: number;
    readonly providers: readonly ProviderHealth[];
  };
  readonly recent: {
    readonly since: string;
    readonly requests: number;
    readonly successes: number;
    readonly failures: number;
    readonly rateLimited: number;
    readonly costUsd: number;
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly p50Ms: number;
    readonly p95Ms: number;
    readonly p99Ms: number;
    readonly providers: readonly {
      readonly provider: string;
      readonly calls: number;
      readonly successRate: number;
      readonly p50Ms: number;
      readonly p95Ms: number;
      readonly p99Ms: number;
    }[];
  };
}

/** Compliance statuses. */
export type ComplianceStatus = 'COMPLIANT' | 'REVIEW_NEEDED' | 'NON_COMPLIANT';

/** `GET /compliance` (the parts the page lays out; the rest is shown as JSON). */
export interface ComplianceReport {
  readonly generatedAt: string;
  readonly formula: string;
  readonly system: {
    readonly agents: number;
    readonly eventsLogged: number;
    readonly violations: number;
    readonly humanOversight: number;
    readonly crashes: number;
    readonly faults: number;
    readonly score: number;
    readonly status: ComplianceStatus;
  };
  readonly agents: readonly {
    readonly agentId: string;
    readonly name: string;
    readonly risk: string;
    readonly eventsLogged: number;
    readonly violations: number;
    readonly humanOversight: number;
    readonly crashes: number;
    readonly score: number;
    readonly status: ComplianceStatus;
  }[];
  readonly sections: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** An alert (`GET /alerts`): firing, pending or recently resolved. */
export interface AlertView {
  readonly fingerprint: string;
  readonly rule: string;
  readonly severity: 'critical' | 'warning' | 'info' | string;
  readonly state: 'pending' | 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number | null;
  readonly summary: string;
  readonly startedAt: string;
  readonly firedAt: string | null;
  readonly resolvedAt: string | null;
  readonly silencedUntil: string | null;
}

/**
 * @module Goals as data (seed 003 `Goal`, `GoalStatus` and "Goal Lifecycle"): the status union,
 * which transitions the lifecycle allows, how a goal maps to its stored row, and the content
 * hash that makes an edited row detectable, as for tasks and thoughts.
 */
import { createHash } from 'node:crypto';
import { AgentvisorError } from '../../core/index.js';
import { canonicalJson } from '../../ledger/index.js';
import type { GoalHistoryTable, GoalTable } from '../../store/index.js';

/** Where a goal is in its lifecycle. */
export type GoalStatus =
  | { readonly kind: 'pending' }
  | { readonly kind: 'active' }
  | { readonly kind: 'blocked'; readonly reason: string; readonly since: string }
  | { readonly kind: 'suspended'; readonly reason: string }
  | { readonly kind: 'completed'; readonly at: string; readonly outcome: string }
  | { readonly kind: 'abandoned'; readonly at: string; readonly reason: string };

export type GoalStatusKind = GoalStatus['kind'];

export const GOAL_STATUSES: readonly GoalStatusKind[] = [
  'pending',
  'active',
  'blocked',
  'suspended',
  'completed',
  'abandoned',
];

/**
 * The lifecycle's edges. Blocked and suspended goals return to pending rather than to where
 * they were, so the next pick weighs them against whatever arrived meanwhile.
 */
export const GOAL_TRANSITIONS: Readonly<Record<GoalStatusKind, readonly GoalStatusKind[]>> = {
  pending: ['active', 'blocked', 'suspended', 'abandoned'],
  active: ['completed', 'blocked', 'suspended', 'abandoned'],
  blocked: ['pending', 'suspended', 'abandoned'],
  suspended: ['pending', 'abandoned'],
  completed: [],
  abandoned: [],
};

/** Completed or abandoned: no way out. */
export function isFinished(kind: GoalStatusKind): boolean {
  return kind === 'completed' || kind === 'abandoned';
}

/** One goal of an agent. */
export interface Goal {
  readonly id: string;
  readonly agentId: string;
  readonly parentId: string | null;
  readonly description: string;
  /** Higher first. */
  readonly priority: number;
  readonly status: GoalStatus;
  /** What must hold for the goal to count as achieved. */
  readonly successCriteria: readonly string[];
  /** ISO-8601 time by which it should be done. */
  readonly deadline: string | null;
  readonly attempts: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Hex SHA-256 of the row's canonical content; see {@link goalContentHash}. */
  readonly contentHash: string;
  /** The ledger entry the caller recorded for the last change, when it passed one. */
  readonly ledgerSeq: number | null;
}

/** One entry of a goal's append-only history. */
export interface GoalHistoryEntry {
  readonly goalId: string;
  /** 0 for creation, then +1 per event. */
  readonly step: number;
  readonly event: 'created' | 'status' | 'attempt';
  readonly from: GoalStatusKind | null;
  readonly to: GoalStatusKind;
  readonly reason: string | null;
  readonly at: string;
  readonly ledgerSeq: number | null;
}

/** The columns a goal's content hash covers: everything but the hash and the ledger seq. */
export const GOAL_SEALED_FIELDS = [
  'id',
  'agent_id',
  'parent_id',
  'description',
  'priority',
  'status',
  'status_reason',
  'status_at',
  'outcome',
  'success_criteria',
  'deadline',
  'attempts',
  'created_at',
  'updated_at',
] as const;

/** Hex SHA-256 of the canonical JSON of a goal row's sealed fields. */
export function goalContentHash(row: Omit<GoalTable, 'content_hash' | 'ledger_seq'>): string {
  const picked: Record<string, unknown> = {};
  for (const field of GOAL_SEALED_FIELDS) picked[field] = row[field] ?? null;
  return createHash('sha256').update(canonicalJson(picked)).digest('hex');
}

/** Turns a stored row into a {@link Goal}. */
export function goalFromRow(row: GoalTable): Goal {
  return {
    id: row.id,
    agentId: row.agent_id,
    parentId: row.parent_id,
    description: row.description,
    priority: row.priority,
    status: statusFromRow(row),
    successCriteria: JSON.parse(row.success_criteria) as string[],
    deadline: row.deadline,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    contentHash: row.content_hash,
    ledgerSeq: row.ledger_seq,
  };
}

/** The status columns of a row for a status. */
export function statusColumns(
  status: GoalStatus,
  at: string,
): Pick<GoalTable, 'status' | 'status_reason' | 'status_at' | 'outcome'> {
  switch (status.kind) {
    case 'blocked':
      return {
        status: 'blocked',
        status_reason: status.reason,
        status_at: status.since,
        outcome: null,
      };
    case 'suspended':
      return { status: 'suspended', status_reason: status.reason, status_at: at, outcome: null };
    case 'completed':
      return {
        status: 'completed',
        status_reason: null,
        status_at: status.at,
        outcome: status.outcome,
      };
    case 'abandoned':
      return {
        status: 'abandoned',
        status_reason: status.reason,
        status_at: status.at,
        outcome: null,
      };
    default:
      return { status: status.kind, status_reason: null, status_at: at, outcome: null };
  }
}

function statusFromRow(row: GoalTable): GoalStatus {
  const reason = row.status_reason ?? '';
  switch (row.status) {
    case 'pending':
    case 'active':
      return { kind: row.status };
    case 'blocked':
      return { kind: 'blocked', reason, since: row.status_at };
    case 'suspended':
      return { kind: 'suspended', reason };
    case 'completed':
      return { kind: 'completed', at: row.status_at, outcome: row.outcome ?? '' };
    case 'abandoned':
      return { kind: 'abandoned', at: row.status_at, reason };
    default:
      throw new AgentvisorError(
        'STORE_CORRUPT',
        `goal ${row.id} has the unknown status ${JSON.stringify(row.status)}; expected one of ${GOAL_STATUSES.join(', ')}`,
        { details: { goal: row.id } },
      );
  }
}

/** Turns a stored history row into a {@link GoalHistoryEntry}. */
export function historyFromRow(row: GoalHistoryTable): GoalHistoryEntry {
  return {
    goalId: row.goal_id,
    step: row.step,
    event: row.event as GoalHistoryEntry['event'],
    from: row.from_status as GoalStatusKind | null,
    to: row.to_status as GoalStatusKind,
    reason: row.reason,
    at: row.at,
    ledgerSeq: row.ledger_seq,
  };
}

/**
 * @module The typed shape of every table, for kysely. One definition serves SQLite and
 * PostgreSQL; migrations in `migrations.ts` create exactly these columns.
 */
import type { Generated } from 'kysely';

export interface MetaTable {
  key: string;
  value: string;
}

/**
 * A ledger row as stored. Hashes and signature are raw bytes (BLOB / bytea): 88 bytes per entry
 * less than hex and base64 text, which is what keeps the per-entry overhead under 400 bytes.
 */
export interface LedgerEntryTable {
  seq: number;
  id: string;
  ts: string;
  type: string;
  actor: string;
  subject: string;
  /** RFC 8785 canonical JSON text, stored verbatim: the bytes that were hashed. */
  payload: string;
  prev_hash: Uint8Array;
  entry_hash: Uint8Array;
  signature: Uint8Array;
  key_id: string;
}

/** A ledger row as code outside the store handles it: hashes in hex, the signature in base64. */
export interface LedgerEntryRow {
  seq: number;
  id: string;
  ts: string;
  type: string;
  actor: string;
  subject: string;
  payload: string;
  prev_hash: string;
  entry_hash: string;
  signature: string;
  key_id: string;
}

/** One row (id = 1): the tip of the chain and the Merkle frontier, the lock every writer takes. */
export interface LedgerHeadTable {
  id: number;
  seq: number;
  entry_hash: string;
  key_id: string;
  /** Compact range of the Merkle tree at `seq` (JSON array of hex hashes). */
  frontier: string;
}

export interface LedgerKeyTable {
  key_id: string;
  algorithm: string;
  /** Base64 public key: raw 32 bytes for Ed25519, SPKI DER for RSA-PSS. */
  public_key: string;
  /** AES-256-GCM encrypted private key, `v1:<iv>:<tag>:<ciphertext>` in base64 parts. */
  private_key_enc: string;
  created_at: string;
  retired_at: string | null;
}

export interface LedgerCheckpointTable {
  size: number;
  root_hash: string;
  time_ms: number;
  key_id: string;
  /** The signed C2SP checkpoint note, as published to anchors. */
  note: string;
}

export interface TaskTable {
  id: string;
  parent_id: string | null;
  agent_id: string | null;
  title: string;
  description: string;
  status: string;
  priority: number;
  result: string | null;
  created_at: string;
  updated_at: string;
  content_hash: string;
  ledger_seq: number;
}

export interface ThoughtTable {
  id: string;
  task_id: string;
  agent_id: string | null;
  content: string;
  status: string;
  created_at: string;
  updated_at: string;
  content_hash: string;
  ledger_seq: number;
}

export interface ApiKeyTable {
  id: string;
  name: string;
  key_hash: string;
  prefix: string;
  agent_id: string | null;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  last_used_at: string | null;
  /** NULL: an agent's key; otherwise the human role the key acts with. */
  role: string | null;
}

/** One model call (seed 002 api_usage): who, what, how much, how it went. */
export interface LlmUsageTable {
  id: string;
  ts: string;
  agent_id: string | null;
  api_key_id: string | null;
  task_id: string | null;
  alias: string;
  provider: string;
  model: string;
  /** `chat` or `embed`. */
  operation: string;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cost_usd: number;
  latency_ms: number;
  /** `ok`, `error`, `stream_error`. */
  outcome: string;
  /** 0 or 1 (portable boolean). */
  was_fallback: number;
  streamed: number;
}

/**
 * One memory item of one agent (episodic, semantic or procedural). On SQLite an FTS5 table,
 * on PostgreSQL a generated `search` tsvector column, index `content` for full-text search.
 */
export interface MemoryItemTable {
  /** Integer key of the full-text index; `id` is the public identity. */
  seq: Generated<number>;
  id: string;
  agent_id: string;
  component: string;
  content: string;
  /** Normalised content: items with equal keys are duplicates. */
  content_key: string;
  /** JSON array of strings. */
  tags: string;
  importance: number;
  created_at: string;
  last_accessed_at: string;
  access_count: number;
  /** 0 or 1 (portable boolean). */
  archived: number;
  /** Float32 little-endian vector, or null. */
  embedding: Uint8Array | null;
}

/** Outcome statistics of one action of one agent, described in words by `item_id`. */
export interface MemoryProcedureTable {
  agent_id: string;
  action: string;
  item_id: string;
  attempts: number;
  successes: number;
  failures: number;
  duration_total_ms: number;
  duration_count: number;
  /** 0 or 1. */
  last_success: number;
  last_duration_ms: number | null;
  last_note: string | null;
  last_at: string;
}

/** An agent's identity (seed 003 `Identity`): created at first start, kept across restarts. */
export interface AgentTable {
  /** UUIDv7, configured or assigned at first start. */
  id: string;
  name: string;
  /** Raw 32-byte Ed25519 public key, base64. */
  public_key: string;
  /** Hex of the first 16 bytes of SHA-256 of the raw public key. */
  key_id: string;
  /** The Ed25519 seed sealed by the keyring, `v1:<iv>:<tag>:<ciphertext>`. */
  private_key_enc: string;
  created_by: string;
  created_at: string;
  /** Hex SHA-256 of the canonical JSON of the agent's definition when last started. */
  definition_sha256: string;
  state: string;
  updated_at: string;
}

/** One goal of an agent's goal stack (seed 003 `Goal`), sealed like tasks and thoughts. */
export interface GoalTable {
  id: string;
  agent_id: string;
  parent_id: string | null;
  description: string;
  priority: number;
  /** pending, active, blocked, suspended, completed, abandoned. */
  status: string;
  /** Why it is blocked, suspended or abandoned. */
  status_reason: string | null;
  /** When the status last changed: `since` for blocked, `at` for completed and abandoned. */
  status_at: string;
  outcome: string | null;
  /** JSON array of strings. */
  success_criteria: string;
  deadline: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
  content_hash: string;
  ledger_seq: number | null;
}

/** Append-only history of a goal: its creation, every status change and every attempt. */
export interface GoalHistoryTable {
  goal_id: string;
  step: number;
  agent_id: string;
  /** created, status, attempt. */
  event: string;
  from_status: string | null;
  to_status: string;
  reason: string | null;
  at: string;
  ledger_seq: number | null;
}

/** One saved state of an agent; `checksum` is the hex SHA-256 of `data`. */
export interface AgentSnapshotTable {
  agent_name: string;
  version: number;
  created_at: string;
  checksum: string;
  data: string;
}

/** Kysely's view of the database. */
export interface Database {
  agents: AgentTable;
  goals: GoalTable;
  goal_history: GoalHistoryTable;
  agent_snapshots: AgentSnapshotTable;
  agentvisor_meta: MetaTable;
  ledger_entries: LedgerEntryTable;
  ledger_head: LedgerHeadTable;
  ledger_keys: LedgerKeyTable;
  ledger_checkpoints: LedgerCheckpointTable;
  tasks: TaskTable;
  thoughts: ThoughtTable;
  api_keys: ApiKeyTable;
  llm_usage: LlmUsageTable;
  memory_items: MemoryItemTable;
  memory_procedures: MemoryProcedureTable;
  messages: MessageTable;
  tool_calls: ToolCallTable;
  agent_runtime: AgentRuntimeTable;
  goal_tasks: GoalTaskTable;
  agent_policies: AgentPolicyTable;
  approvals: ApprovalTable;
  team_runs: TeamRunTable;
  team_steps: TeamStepTable;
  team_subtasks: TeamSubtaskTable;
  users: UserTable;
  sessions: SessionTable;
  conversations: ConversationTable;
  conversation_messages: ConversationMessageTable;
}

/** A local user who signs in to the dashboard or API. */
export interface UserTable {
  id: string;
  email: string;
  /** `scrypt$N$r$p$salt$hash` (base64). */
  password_hash: string;
  role: string;
  created_at: string;
  created_by: string;
  disabled_at: string | null;
  failed_logins: number;
  locked_until: string | null;
  last_login_at: string | null;
}

/** A browser session; the cookie's token is stored only as a hash. */
export interface SessionTable {
  token_hash: string;
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  ip: string | null;
}

/** A conversation with the orchestrator. */
export interface ConversationTable {
  id: string;
  title: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** One message of a conversation: the person's, or the orchestrator's answer. */
export interface ConversationMessageTable {
  id: string;
  conversation_id: string;
  role: string;
  author: string;
  content: string;
  /** `complete`, `streaming` (an answer being written) or `failed`. */
  status: string;
  run_id: string | null;
  /** JSON: input-sanitization flags (prompt-injection patterns found), never rewritten text. */
  flags: string;
  /** JSON array of `{name, bytes}`: the files sent with the message. */
  attachments: string;
  created_at: string;
  updated_at: string;
}

export type { Generated };

/** A message in an agent's inbox; `acked_at` is set once the agent has taken it in. */
export interface MessageTable {
  id: string;
  sender: string;
  recipient: string;
  subject: string;
  body: string;
  created_at: string;
  acked_at: string | null;
}

/** The tool-call journal: one row per idempotency key, written before the tool runs. */
export interface ToolCallTable {
  key: string;
  agent_id: string;
  task_id: string | null;
  goal_id: string | null;
  beat: number;
  position: number;
  tool: string;
  /** Canonical JSON of the validated arguments. */
  args: string;
  status: 'started' | 'done' | 'failed';
  /** JSON of the tool's result once done. */
  result: string | null;
  error_code: string | null;
  error: string | null;
  attempts: number;
  started_at: string;
  finished_at: string | null;
}

/** Which task a goal serves. */
export interface GoalTaskTable {
  goal_id: string;
  task_id: string;
  agent_id: string;
}

/** One agent's beat cursor and the plan of the beat in progress. */
export interface AgentRuntimeTable {
  agent_name: string;
  agent_id: string;
  beat: number;
  last_completed_beat: number;
  status: string;
  interval_ms: number;
  plan: string | null;
  metrics: string;
  updated_at: string;
}

/** One agent's policy as enforced; grants and ceiling as JSON. */
export interface AgentPolicyTable {
  agent_id: string;
  agent: string;
  level: number;
  grants: string;
  ceiling: string;
  auto_restart: number;
  version: number;
  config_digest: string;
  updated_at: string;
  updated_by: string;
  reason: string;
}

/** An item waiting for (or decided by) a human; `request` and `response` are JSON. */
export interface ApprovalTable {
  id: string;
  kind: string;
  agent_id: string;
  agent: string;
  summary: string;
  request: string;
  status: string;
  requested_by: string;
  requested_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
  response: string | null;
}

/** A task a team works on; `state` is the run's JSON (plan, criteria, results so far). */
export interface TeamRunTable {
  task_id: string;
  team: string;
  status: string;
  phase: string;
  round: number;
  max_rounds: number;
  require_approval: number;
  approval_id: string | null;
  state: string;
  deadline: string | null;
  created_at: string;
  updated_at: string;
}

/** One recorded phase step of a run. */
export interface TeamStepTable {
  id: string;
  task_id: string;
  seq: number;
  phase: string;
  round: number;
  status: string;
  summary: string;
  output: string;
  created_at: string;
}

/** A subtask of a run (its status and result live in `tasks`). */
export interface TeamSubtaskTable {
  task_id: string;
  run_id: string;
  round: number;
  position: number;
  role: string;
  agent: string;
  title: string;
  criteria: string;
  created_at: string;
}

/**
 * Team memory's tables (migration 0009), merged into {@link Database}: declared here, at the
 * end, so they stay together and apart from the tables other migrations add above.
 */
export interface Database {
  team_memory_items: TeamMemoryItemTable;
  team_memory_segments: TeamMemorySegmentTable;
  team_memory_cold: TeamMemoryColdTable;
  team_memory_signals: TeamMemorySignalTable;
}

/** The warm tier of team memory: one searchable item (a trace, a fact or a learning). */
export interface TeamMemoryItemTable {
  /** Integer key of the full-text index; `id` is the public identity. */
  seq: Generated<number>;
  id: string;
  /** `global`, `agent:<name>` or `team:<name>`. */
  scope: string;
  /** item or learning. */
  kind: string;
  author: string;
  content: string;
  context: string | null;
  /** Normalised content, for duplicate checks. */
  content_key: string;
  /** Algorithm phase (observe ... learn), or null. */
  phase: string | null;
  task_id: string | null;
  /** JSON array of strings. */
  tags: string;
  importance: number;
  /** 0..1, moved by learning signals. */
  utility: number;
  created_at: string;
  warm_at: string;
  last_accessed_at: string;
  access_count: number;
  /** Float32 little-endian vector, or null. */
  embedding: Uint8Array | null;
}

/** One cold segment file (gzip'd JSONL), relative to the cold directory. */
export interface TeamMemorySegmentTable {
  file: string;
  created_at: string;
  bytes: number;
  items: number;
}

/** Where an archived item is: its segment, the gzip member within it and its line there. */
export interface TeamMemoryColdTable {
  id: string;
  scope: string;
  kind: string;
  author: string;
  phase: string | null;
  task_id: string | null;
  created_at: string;
  archived_at: string;
  segment: string;
  byte_offset: number;
  byte_length: number;
  line: number;
}

/** A learning signal as recorded; id lists are JSON arrays. */
export interface TeamMemorySignalTable {
  id: string;
  type: string;
  weight: number;
  strength: number;
  delta: number;
  agent: string;
  task_id: string | null;
  phase: string | null;
  memory_ids: string;
  updated_ids: string;
  note: string | null;
  at: string;
}

/** The agent and task logs (migration 0011), merged into {@link Database}. */
export interface Database {
  task_logs: TaskLogTable;
}

/** One stored log line of an agent or a task. */
export interface TaskLogTable {
  /** UUIDv7; its millisecond part is `at`, so id order is time order. */
  id: string;
  /** ISO-8601 UTC with milliseconds. */
  at: string;
  /** trace, debug, info, warn, error or fatal. */
  level: string;
  agent_id: string | null;
  /** The agent's name when the line was written. */
  agent: string | null;
  task_id: string | null;
  message: string;
  /** JSON object of the line's other fields, secrets redacted. */
  fields: string;
  /** Size of the line as counted by the retention sweep. */
  bytes: number;
}

/** The alerts (migration 0012), merged into {@link Database}. */
export interface Database {
  alerts: AlertTable;
}

/** One alert: a rule and its labels (by fingerprint), its state and what was last notified. */
export interface AlertTable {
  /** SHA-256 (hex) of the rule name and its canonical labels. */
  fingerprint: string;
  rule: string;
  /** JSON object of the alert's labels. */
  labels: string;
  severity: string;
  /** `pending`, `firing` or `resolved`. */
  state: string;
  /** The signal's value at the last evaluation; `null` for event alerts. */
  value: number | null;
  summary: string;
  /** JSON object of annotations (summary details, an event's facts). */
  annotations: string;
  /** When the condition became true (ms since the epoch). */
  started_at: number;
  fired_at: number | null;
  resolved_at: number | null;
  updated_at: number;
  /** When the last notification was claimed, and for which state. */
  notified_at: number | null;
  notified_state: string | null;
  notifications: number;
  /** Notifications are held back until then. */
  silenced_until: number | null;
  /** Bumped at every change: updates are conditional on it (several nodes share the row). */
  version: number;
}

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

/** Kysely's view of the database. */
export interface Database {
  agentvisor_meta: MetaTable;
  ledger_entries: LedgerEntryTable;
  ledger_head: LedgerHeadTable;
  ledger_keys: LedgerKeyTable;
  ledger_checkpoints: LedgerCheckpointTable;
  tasks: TaskTable;
  thoughts: ThoughtTable;
  api_keys: ApiKeyTable;
  llm_usage: LlmUsageTable;
}

export type { Generated };

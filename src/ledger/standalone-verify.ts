/**
 * @module Verification for third parties: checks an exported ledger (JSONL from
 * `agentvisor audit export`) against exported public keys (`agentvisor keys export`) and,
 * optionally, checkpoints (an anchor file), with no database and no Agentvisor process.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { verifyExport } from 'agentvisor/verify';
 * const report = await verifyExport({
 *   entries: readFileSync('ledger.jsonl', 'utf8'),
 *   keys: JSON.parse(readFileSync('keys.json', 'utf8')),
 *   checkpoints: readFileSync('checkpoints.jsonl', 'utf8'),
 * });
 * if (!report.ok) console.error(report.firstBad);
 */
import { AgentvisorError } from '../core/index.js';
import { canonicalJson } from './canonical-json.js';
import type { LedgerEntry } from './entry.js';
import { parseAlgorithm } from './signature-scheme.js';
import {
  arrayEntrySource,
  type SizeClaim,
  type TrustedKey,
  type VerifyReport,
  verifyEntries,
} from './verifier.js';

/** The document `agentvisor keys export` writes. */
export interface ExportedKeys {
  readonly format: 'agentvisor-keys/1';
  readonly origin: string;
  readonly keys: ReadonlyArray<{
    readonly key_id: string;
    readonly algorithm: string;
    /** Base64: raw 32 bytes (Ed25519) or SPKI DER (RSA-PSS). */
    readonly public_key: string;
    readonly created_at?: string;
    readonly retired_at?: string | null;
    /** The C2SP note verifier key, for checkpoint tooling. */
    readonly note_verifier_key?: string;
  }>;
}

/** Input to {@link verifyExport}. */
export interface VerifyExportInput {
  /** JSONL text, or already-parsed exported entries. */
  entries: string | ReadonlyArray<Record<string, unknown>>;
  /** Trusted keys; when given, the genesis key must be one of them. */
  keys?: ExportedKeys;
  /** Anchor file text (JSONL of `{size, note}`) or parsed records. */
  checkpoints?: string | ReadonlyArray<{ size: number; note: string }>;
  mode?: 'full' | 'fast';
}

/** Verifies an exported ledger. Malformed input is `INPUT_INVALID` naming the line. */
export async function verifyExport(input: VerifyExportInput): Promise<VerifyReport> {
  const rows =
    typeof input.entries === 'string' ? parseJsonl(input.entries, 'entries') : input.entries;
  const entries: LedgerEntry[] = rows.map((r, i) => toLedgerEntry(r, i + 1));
  const claims: SizeClaim[] = [];
  const cps =
    input.checkpoints === undefined
      ? []
      : typeof input.checkpoints === 'string'
        ? parseJsonl(input.checkpoints, 'checkpoints')
        : input.checkpoints;
  for (const [i, c] of cps.entries()) {
    if (typeof c['size'] !== 'number' || typeof c['note'] !== 'string') {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `checkpoints line ${i + 1}: expected {"size": number, "note": string}`,
      );
    }
    claims.push({
      size: c['size'],
      note: c['note'],
      where: 'anchor',
      label: `checkpoint line ${i + 1}`,
    });
  }
  let trustedKeys: TrustedKey[] | undefined;
  if (input.keys !== undefined) {
    if (input.keys.format !== 'agentvisor-keys/1' || !Array.isArray(input.keys.keys)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        'keys: expected the document written by "agentvisor keys export" (format agentvisor-keys/1)',
      );
    }
    trustedKeys = input.keys.keys.map((k) => ({
      keyId: k.key_id,
      algorithm: parseAlgorithm(k.algorithm),
      publicKey: Buffer.from(k.public_key, 'base64'),
    }));
  }
  return verifyEntries(arrayEntrySource(entries), {
    claims,
    ...(input.keys === undefined ? {} : { origin: input.keys.origin }),
    ...(trustedKeys === undefined ? {} : { trustedKeys }),
    mode: input.mode ?? 'full',
  });
}

function parseJsonl(text: string, what: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      out.push(v as Record<string, unknown>);
    } catch (error) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `${what} line ${i + 1}: not a JSON object (${(error as Error).message})`,
      );
    }
  }
  return out;
}

const STRING_FIELDS = [
  'id',
  'ts',
  'type',
  'actor',
  'subject',
  'prev_hash',
  'entry_hash',
  'signature',
  'key_id',
] as const;

function toLedgerEntry(r: Record<string, unknown>, line: number): LedgerEntry {
  for (const f of STRING_FIELDS) {
    if (typeof r[f] !== 'string')
      throw new AgentvisorError(
        'INPUT_INVALID',
        `entries line ${line}: field "${f}" must be a string`,
      );
  }
  if (typeof r['seq'] !== 'number')
    throw new AgentvisorError(
      'INPUT_INVALID',
      `entries line ${line}: field "seq" must be a number`,
    );
  let payload: string;
  try {
    payload = canonicalJson(r['payload'] ?? null);
  } catch {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `entries line ${line}: payload is not representable as JSON`,
    );
  }
  return {
    seq: r['seq'],
    id: r['id'] as string,
    ts: r['ts'] as string,
    type: r['type'] as string,
    actor: r['actor'] as string,
    subject: r['subject'] as string,
    payload,
    prev_hash: r['prev_hash'] as string,
    entry_hash: r['entry_hash'] as string,
    signature: r['signature'] as string,
    key_id: r['key_id'] as string,
  };
}

export type { TamperFinding, TamperKind } from './tamper.js';
export type { VerifyReport } from './verifier.js';

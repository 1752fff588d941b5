/**
 * @module The ledger for people and auditors: entries with filters and a seq cursor,
 * verification as a background job with progress, RFC 6962 inclusion and consistency proofs,
 * signed checkpoints, and an NDJSON export. Every answer reuses the functions behind
 * `agentvisor audit ...`, in the shapes its `--json` forms print, so what the API serves can be
 * checked offline exactly like what the CLI writes.
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { AgentvisorError } from '../../core/index.js';
import {
  type CheckpointRecord,
  type ExportedEntry,
  type LedgerEntry,
  listEntries,
  proveConsistency,
  proveInclusion,
  verifyLedger,
} from '../../ledger/index.js';
import type { Store } from '../../store/index.js';
import type { AgentvisorSystem } from '../../system/index.js';
import { type ApiRoute, apiRoute } from './api-route.js';
import { VerifyJobs, verifyJobSchema } from './verify-jobs.js';

/** Entries per page of an export: one chunk of the response per page. */
const EXPORT_PAGE = 1000;

/** A whole number in a range, with one message for every way of missing it. */
function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  const message =
    max === Number.MAX_SAFE_INTEGER
      ? `expected a whole number, at least ${min}`
      : `expected a whole number from ${min} to ${max}`;
  return z.number({ error: message }).int(message).min(min, message).max(max, message);
}

/** A cross-field check's options: judged only when every field on its own is valid. */
function crossCheck(field: string, message: string) {
  return {
    path: [field],
    message,
    when: (p: { issues: readonly unknown[] }) => p.issues.length === 0,
  };
}

const entryType = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/, 'lower-case dotted words such as "task.submit"');

/** An entry as `audit show --json` and `audit export` print it: the payload as JSON. */
const entrySchema = z.object({
  seq: z.number().int(),
  id: z.string(),
  ts: z.string().describe('ISO-8601 UTC with milliseconds'),
  type: z.string(),
  actor: z.string(),
  subject: z.string(),
  payload: z.unknown(),
  prev_hash: z.string().describe('Hex SHA-256 of the previous entry'),
  entry_hash: z.string().describe('Hex SHA-256 of the canonical entry'),
  signature: z.string().describe('Base64 signature over the entry hash'),
  key_id: z.string(),
});

/** A stored checkpoint as `audit checkpoint --list --json` prints it. */
const checkpointSchema = z.object({
  size: z.number().int(),
  root_hash: z.string(),
  time: z.string(),
  key_id: z.string(),
  note: z.string().describe('The signed C2SP checkpoint note, as published to anchors'),
});

const inclusionSchema = z.object({
  seq: z.number().int(),
  leafIndex: z.number().int(),
  treeSize: z.number().int(),
  leafHash: z.string(),
  rootHash: z.string(),
  proof: z.array(z.string()),
});

const consistencySchema = z.object({
  oldSize: z.number().int(),
  newSize: z.number().int(),
  oldRoot: z.string(),
  newRoot: z.string(),
  proof: z.array(z.string()),
});

function exported(e: LedgerEntry): ExportedEntry {
  return { ...e, payload: JSON.parse(e.payload) as unknown };
}

function checkpointView(r: {
  size: number;
  root_hash: string;
  time_ms: number;
  key_id: string;
  note: string;
}): z.infer<typeof checkpointSchema> {
  return {
    size: Number(r.size),
    root_hash: r.root_hash,
    time: new Date(Number(r.time_ms)).toISOString(),
    key_id: r.key_id,
    note: r.note,
  };
}

function recordView(cp: CheckpointRecord): z.infer<typeof checkpointSchema> {
  return checkpointView({
    size: cp.size,
    root_hash: cp.rootHash,
    time_ms: cp.timeMs,
    key_id: cp.keyId,
    note: cp.note,
  });
}

async function countEntries(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The committed size; a tree larger than it does not exist (yet). */
async function treeSize(system: AgentvisorSystem, size: number | undefined, what: string) {
  const head = (await system.ledger.head()).size;
  if (size !== undefined && size > head) {
    throw new AgentvisorError(
      'NOT_FOUND',
      `${what}: there is no tree of size ${size}; the ledger has ${head} entries`,
      { details: { [what]: size, size: head } },
    );
  }
  return { head, size: size ?? head };
}

/** The export's lines, a page per chunk, in the exact form `audit export` writes them. */
async function* exportLines(store: Store, after: number, limit: number | undefined) {
  let last = after;
  let left = limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const page = await store.readLedgerPage(last, Math.min(EXPORT_PAGE, left));
    if (page.length === 0) return;
    yield page.map((e) => `${JSON.stringify(exported(e))}\n`).join('');
    last = page.at(-1)!.seq;
    left -= page.length;
  }
}

/** The ledger routes; the verification jobs they start live as long as the routes. */
export function ledgerRoutes(): ApiRoute[] {
  const jobs = new VerifyJobs();
  return [
    apiRoute({
      method: 'GET',
      path: '/ledger/entries',
      summary:
        "Ledger entries in seq order, filtered by type, actor and subject; pass the answer's `nextCursor` as `after` for the next page",
      tag: 'Ledger',
      role: 'viewer',
      input: z
        .object({
          after: wholeNumber(0).default(0).describe('Entries after this seq'),
          limit: wholeNumber(1, 1000).default(100),
          type: entryType.optional().describe('Only entries of this type, e.g. op.call'),
          actor: z.string().min(1).max(256).optional().describe('e.g. human:ada@example.com'),
          subject: z.string().max(512).optional(),
        })
        .strict(),
      output: z.object({
        entries: z.array(entrySchema),
        nextCursor: z
          .number()
          .int()
          .nullable()
          .describe('The `after` of the next page; null on the last page'),
      }),
      handle: async ({ system }, input) => {
        // One row more than asked says whether another page exists, so the last page is never
        // followed by an empty one.
        const rows = await listEntries(system.store, {
          fromSeq: input.after + 1,
          limit: input.limit + 1,
          ...(input.type === undefined ? {} : { type: input.type }),
          ...(input.actor === undefined ? {} : { actor: input.actor }),
          ...(input.subject === undefined ? {} : { subject: input.subject }),
        });
        const page = rows.slice(0, input.limit);
        return {
          entries: page.map(exported),
          nextCursor: rows.length > input.limit ? page.at(-1)!.seq : null,
        };
      },
    }),
    apiRoute({
      method: 'POST',
      path: '/ledger/verify',
      summary:
        'Start verifying the ledger (hashes, links, signatures, Merkle tree, checkpoints, anchors, sealed records) in the background; poll the job',
      tag: 'Ledger',
      role: 'operator',
      status: 202,
      input: z
        .object({
          mode: z
            .enum(['full', 'fast'], { error: 'one of full, fast' })
            .default('full')
            .describe('fast skips entry signatures'),
          from: wholeNumber(1).optional().describe('First seq to check'),
          to: wholeNumber(1).optional().describe('Last seq to check'),
        })
        .strict()
        .refine(
          (i) => i.from === undefined || i.to === undefined || i.from <= i.to,
          crossCheck('from', 'must not be after to'),
        ),
      output: z.object({ job: verifyJobSchema }),
      // Starting a verification changes nothing in the system: the verifier only reads the
      // database and the anchors, and the job lives in this process's memory. So it is not a
      // kernel operation and appends nothing to the ledger (a verification that wrote to the
      // log it checks would also move the head it is checking). Only operators may start one,
      // because a full verification is expensive; the concurrency bound keeps it from
      // starving the node.
      handle: async ({ system }, input) => {
        const total = await countEntries(system.store);
        const job = jobs.start({
          mode: input.mode,
          total,
          verify: (onProgress) =>
            verifyLedger({
              store: system.store,
              anchors: system.anchors,
              origin: system.config.ledger.origin,
              mode: input.mode,
              ...(input.from === undefined ? {} : { from: input.from }),
              ...(input.to === undefined ? {} : { to: input.to }),
              onProgress,
            }),
        });
        return { job };
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/ledger/verify',
      summary: "This node's recent verification jobs, newest first",
      tag: 'Ledger',
      role: 'viewer',
      input: z.object({}).strict(),
      output: z.object({ jobs: z.array(verifyJobSchema) }),
      handle: () => ({ jobs: jobs.list() }),
    }),
    apiRoute({
      method: 'GET',
      path: '/ledger/verify/:id',
      summary: "A verification job: progress, then the verifier's result and the first bad entry",
      tag: 'Ledger',
      role: 'viewer',
      input: z.object({ id: z.string().min(1).max(64) }).strict(),
      output: z.object({ job: verifyJobSchema }),
      handle: (_ctx, input) => ({ job: jobs.get(input.id) }),
    }),
    apiRoute({
      method: 'GET',
      path: '/ledger/proofs/inclusion',
      summary:
        'RFC 6962 inclusion proof of entry `seq` in the tree of the first `size` entries (default: the current size), as `audit proof --json` prints it',
      tag: 'Ledger',
      role: 'viewer',
      input: z
        .object({
          seq: wholeNumber(1),
          size: wholeNumber(1).optional().describe('Tree size; default the current size'),
        })
        .strict()
        .refine(
          (i) => i.size === undefined || i.seq <= i.size,
          crossCheck('seq', 'must be within the tree: at most size'),
        ),
      output: inclusionSchema,
      handle: async ({ system }, input) => {
        const tree = await treeSize(system, input.size, 'size');
        if (input.seq > tree.head) {
          throw new AgentvisorError(
            'NOT_FOUND',
            `seq: no ledger entry with seq ${input.seq}; the ledger has ${tree.head} entries`,
            { details: { seq: input.seq, size: tree.head } },
          );
        }
        return proveInclusion(system.store, input.seq, tree.size);
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/ledger/proofs/consistency',
      summary:
        'RFC 6962 consistency proof between tree sizes `from` and `to` (default: the current size), as `audit consistency --json` prints it',
      tag: 'Ledger',
      role: 'viewer',
      input: z
        .object({
          from: wholeNumber(1).describe('The older tree size'),
          to: wholeNumber(1).optional().describe('The newer tree size; default the current size'),
        })
        .strict()
        .refine(
          (i) => i.to === undefined || i.from <= i.to,
          crossCheck('from', 'must not be larger than to'),
        ),
      output: consistencySchema,
      handle: async ({ system }, input) => {
        const tree = await treeSize(system, input.to, 'to');
        await treeSize(system, input.from, 'from');
        return proveConsistency(system.store, input.from, tree.size);
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/ledger/checkpoints',
      summary: 'Stored signed checkpoints, newest first',
      tag: 'Ledger',
      role: 'viewer',
      input: z
        .object({
          limit: wholeNumber(1, 1000).default(100),
        })
        .strict(),
      output: z.object({ checkpoints: z.array(checkpointSchema) }),
      handle: async ({ system }, input) => {
        const rows = await system.store.db
          .selectFrom('ledger_checkpoints')
          .selectAll()
          .orderBy('size', 'desc')
          .limit(input.limit)
          .execute();
        return { checkpoints: rows.map(checkpointView) };
      },
    }),
    apiRoute({
      method: 'POST',
      path: '/ledger/checkpoints',
      summary:
        'Write a signed checkpoint of the current head now and publish it to the anchors (as `audit checkpoint`)',
      tag: 'Ledger',
      role: 'operator',
      input: z.object({}).strict(),
      output: z.object({
        checkpoint: checkpointSchema,
        created: z
          .boolean()
          .describe('false when the newest checkpoint already covers the head (it is returned)'),
      }),
      // There is no kernel operation for checkpoints (`audit checkpoint` calls the ledger too),
      // so this calls the ledger directly. A checkpoint adds no entry and changes no state a
      // person could dispute: it is the node's signature over the log as it already is, the same
      // one the periodic timer and shutdown write. If it ever needs a recorded actor, register a
      // `ledger.checkpoint` operation in the system's built-in operations and call it here.
      handle: async ({ system }) => {
        const before = await system.ledger.latestCheckpoint();
        const cp = await system.ledger.checkpoint();
        if (cp === undefined) {
          throw new AgentvisorError('CONFLICT', 'the ledger has no entries to checkpoint');
        }
        return { checkpoint: recordView(cp), created: before?.size !== cp.size };
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/ledger/export',
      summary:
        'The ledger as NDJSON, one entry per line in seq order: the lines `audit export` writes',
      tag: 'Ledger',
      role: 'viewer',
      produces: 'application/x-ndjson',
      input: z
        .object({
          after: wholeNumber(0).default(0).describe('Entries after this seq'),
          limit: wholeNumber(1).optional().describe('At most this many entries; default all'),
        })
        .strict(),
      output: entrySchema,
      handle: ({ system, reply }, input) => {
        const name = input.after === 0 ? 'ledger.jsonl' : `ledger-after-${input.after}.jsonl`;
        reply.header('content-disposition', `attachment; filename="${name}"`);
        return Readable.from(exportLines(system.store, input.after, input.limit));
      },
    }),
  ];
}

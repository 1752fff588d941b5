/**
 * @module What the external anchors (RFC 3161 authorities, C2SP witnesses) share: an append-only
 * JSON-lines journal of what they returned, fsynced before `publish` resolves, read back
 * tolerating a torn last line; a bounded HTTP POST with a timeout; and the queue that runs one
 * anchor's publishes one at a time, in order.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { AgentvisorError } from '../core/index.js';

/** Largest response body read from a TSA or witness: tokens and cosignatures are a few KiB. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * A journal file name for an anchor under `<dataDir>/anchors/`: the kind, a readable slug and
 * a short hash of the identity, so two TSAs or witnesses never share a file.
 *
 * @example
 * journalFile(dataDir, 'rfc3161', 'https://tsa.example/tsr'); // .../anchors/rfc3161-tsa.example-1a2b3c4d.jsonl
 */
export function journalFile(dataDir: string, kind: string, identity: string): string {
  const slug =
    identity
      .replace(/^https?:\/\//, '')
      .replace(/[^A-Za-z0-9.-]+/g, '_')
      .slice(0, 40) || 'anchor';
  const id = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  return path.join(dataDir, 'anchors', `${kind}-${slug}-${id}.jsonl`);
}

/** Appends one JSON line and fsyncs it (and the directory when the file is new). */
export function appendJournal(file: string, record: unknown): void {
  try {
    const dir = path.dirname(file);
    mkdirSync(dir, { recursive: true });
    const fresh = !existsSync(file);
    const fd = openSync(file, 'a', 0o644);
    try {
      writeSync(fd, `${JSON.stringify(record)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (fresh) {
      // A new file's directory entry must reach the disk too, or a crash can lose the file.
      const dfd = openSync(dir, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    }
  } catch (error) {
    throw new AgentvisorError(
      'ANCHOR_FAILED',
      `cannot append to ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Reads a journal: one object per line; `accept` turns a parsed line into a record or undefined.
 * A torn last line (a crash mid-write) is skipped; any other bad line is ANCHOR_FAILED.
 */
export function readJournal<T>(file: string, accept: (value: unknown) => T | undefined): T[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new AgentvisorError('ANCHOR_FAILED', `cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const lines = text.split('\n');
  const last = lines.at(-1) === '' ? lines.length - 2 : lines.length - 1;
  const out: T[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let record: T | undefined;
    try {
      record = accept(JSON.parse(line));
    } catch {
      record = undefined;
    }
    if (record !== undefined) out.push(record);
    else if (i !== last) {
      throw new AgentvisorError('ANCHOR_FAILED', `${file}:${i + 1} is not an anchor record`);
    }
  }
  return out;
}

/** An HTTP answer, its body read up to {@link MAX_RESPONSE_BYTES}. */
export interface PostResult {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

/**
 * POSTs `body` to `url` and reads the answer, failing with ANCHOR_FAILED (naming `what`) when
 * the service is unreachable, slower than `timeoutMs` in all, or answers too much.
 *
 * @example
 * const res = await postBytes({ url, body, contentType: 'application/timestamp-query', timeoutMs: 10_000, what: 'TSA' });
 */
export async function postBytes(options: {
  url: string;
  body: Uint8Array | string;
  contentType: string;
  accept?: string;
  timeoutMs: number;
  what: string;
}): Promise<PostResult> {
  const { url, timeoutMs, what } = options;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await request(url, {
      method: 'POST',
      body: options.body,
      headers: {
        'content-type': options.contentType,
        ...(options.accept === undefined ? {} : { accept: options.accept }),
      },
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        res.body.destroy();
        throw new AgentvisorError(
          'ANCHOR_FAILED',
          `${what} ${url} sent more than ${MAX_RESPONSE_BYTES} bytes`,
        );
      }
      chunks.push(chunk);
    }
    const type = res.headers['content-type'];
    return {
      status: res.statusCode,
      contentType: (Array.isArray(type) ? type[0] : type) ?? '',
      body: new Uint8Array(Buffer.concat(chunks)),
    };
  } catch (error) {
    if (error instanceof AgentvisorError) throw error;
    const reason = signal.aborted
      ? `no answer within ${timeoutMs} ms`
      : ((error as Error).message ?? String(error));
    throw new AgentvisorError('ANCHOR_FAILED', `${what} ${url} is unreachable: ${reason}`, {
      cause: error,
    });
  }
}

/** Runs tasks one at a time, in the order given; a failure does not stop later tasks. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(task, task);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

/** The last publish failure of an anchor, for health checks and alerts. */
export interface AnchorFailure {
  readonly size: number;
  readonly at: string;
  readonly message: string;
}

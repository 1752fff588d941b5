/**
 * @module Where a running node can be reached, and the operator credential for it. `start`
 * writes `<data dir>/node.json` (mode 0600) with the server's URL, its pid and a fresh operator
 * token; the CLI verbs that talk to the running kernel (`status`, `top`, `policy patch` ...) read
 * it. Whoever can read the data directory already holds the database and the sealed keys, so
 * the file grants nothing new; it lets a local operator act without a password, the way a
 * Docker socket does. The token changes on every start and the file is removed at shutdown.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AgentvisorError } from '../core/index.js';

/** Prefix of operator tokens, so one found in a log or a paste is recognisable. */
export const OPERATOR_TOKEN_PREFIX = 'avo_';

/** What `node.json` holds. */
export interface NodeEndpoint {
  readonly url: string;
  readonly pid: number;
  readonly token: string;
  readonly startedAt: string;
}

const endpointSchema = z.object({
  url: z.string().url(),
  pid: z.number().int().positive(),
  token: z.string().startsWith(OPERATOR_TOKEN_PREFIX),
  startedAt: z.string(),
});

/** The path of the endpoint file in a data directory. */
export function nodeEndpointPath(dataDir: string): string {
  return path.join(dataDir, 'node.json');
}

/** A fresh operator token. */
export function newOperatorToken(): string {
  return `${OPERATOR_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Writes the endpoint file, readable by the owner only. */
export function writeNodeEndpoint(dataDir: string, endpoint: NodeEndpoint): void {
  writeFileSync(nodeEndpointPath(dataDir), `${JSON.stringify(endpoint, null, 2)}\n`, {
    mode: 0o600,
  });
}

/** Removes the endpoint file if it is still this process's. */
export function removeNodeEndpoint(dataDir: string, pid = process.pid): void {
  try {
    if (readNodeEndpoint(dataDir).pid === pid) rmSync(nodeEndpointPath(dataDir), { force: true });
  } catch {
    // Nothing to remove, or another node's file: leave it.
  }
}

/**
 * Reads the endpoint file. Fails with UNAVAILABLE and what to do when no node has written one,
 * or with CONFIG_INVALID when the file is not what a node writes.
 */
export function readNodeEndpoint(dataDir: string): NodeEndpoint {
  const file = nodeEndpointPath(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new AgentvisorError(
      'UNAVAILABLE',
      `no Agentvisor node is running on ${dataDir} (no ${path.basename(file)} there); start one with \`agentvisor start\` or pass the node's --data-dir`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = endpointSchema.safeParse(parsed);
  if (!result.success) {
    throw new AgentvisorError(
      'CONFIG_INVALID',
      `${file} is not a node endpoint file written by \`agentvisor start\`; remove it and start the node again`,
    );
  }
  return result.data;
}

/** Constant-time comparison of a presented token with the node's. */
export function operatorTokenMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * @module One way to report bad tool arguments, whichever validator found them (zod for the
 * built-ins, ajv for MCP and sandboxed tools): `INPUT_INVALID` naming each field path, the value
 * it had, and what is allowed, so a model can correct its call in one step.
 */
import { AgentvisorError } from '../../core/index.js';

/** One problem with one field. `path` is empty for the arguments object itself. */
export interface ArgumentIssue {
  path: ReadonlyArray<string | number>;
  /** What is allowed, e.g. `expected string` or `must be >= 1`. */
  expected: string;
  value: unknown;
  /** True when the field is absent rather than wrong. */
  missing?: boolean;
}

const SHOWN_VALUE_CHARS = 60;

/** Renders `['a', 0, 'b']` as `a[0].b`, and the root as `(arguments)`. */
export function fieldPath(path: ReadonlyArray<string | number>): string {
  if (path.length === 0) return '(arguments)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

function shown(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > SHOWN_VALUE_CHARS ? `${text.slice(0, SHOWN_VALUE_CHARS)}...` : text;
}

/** Reads the value at `path` inside `root`, or undefined when the path does not exist. */
export function valueAt(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let at: unknown = root;
  for (const part of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[part];
  }
  return at;
}

/**
 * The `INPUT_INVALID` error for a tool's argument issues.
 *
 * @example
 * throw invalidArguments('fs.read', [{ path: ['path'], expected: 'expected string', value: 42 }]);
 * // fs.read: invalid arguments: path: expected string, got 42
 */
export function invalidArguments(tool: string, issues: readonly ArgumentIssue[]): AgentvisorError {
  const parts = issues.map((issue) =>
    issue.missing
      ? `${fieldPath(issue.path)}: required (${issue.expected})`
      : `${fieldPath(issue.path)}: ${issue.expected}, got ${shown(issue.value)}`,
  );
  return new AgentvisorError('INPUT_INVALID', `${tool}: invalid arguments: ${parts.join('; ')}`, {
    details: {
      tool,
      fields: issues.map((issue) => ({ path: fieldPath(issue.path), expected: issue.expected })),
    },
  });
}

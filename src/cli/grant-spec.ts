/**
 * @module The command-line form of a grant: `CAPABILITY[:KIND=PATTERN,PATTERN...[;KIND=...]]`,
 * for example `net.http:hosts=api.github.com,*.github.com` or `fs.write:paths=/workspace/out`.
 * KIND is one of paths, hosts, commands, models. Patterns cannot contain `,` or `;`; a scope
 * that needs them is sent as JSON with `--changes`.
 */
import { AgentvisorError } from '../core/index.js';
import type { CapabilityScope } from '../policy/index.js';

const KINDS = ['paths', 'hosts', 'commands', 'models'] as const;
type ScopeKey = (typeof KINDS)[number];

/** A parsed grant spec. */
export interface GrantSpec {
  readonly capability: string;
  readonly scope?: CapabilityScope;
}

/**
 * Parses a grant spec; the capability and patterns are validated later by the policy schema,
 * this only splits. Throws INPUT_INVALID naming the flag and the expected form.
 *
 * @example
 * parseGrantSpec('--add', 'fs.write:paths=/workspace/out,/tmp/x');
 * // { capability: 'fs.write', scope: { paths: ['/workspace/out', '/tmp/x'] } }
 */
export function parseGrantSpec(flag: string, text: string): GrantSpec {
  const colon = text.indexOf(':');
  const capability = (colon === -1 ? text : text.slice(0, colon)).trim();
  if (capability === '') {
    throw invalid(flag, text, 'the capability is missing');
  }
  if (colon === -1) return { capability };
  const scope: Partial<Record<ScopeKey, string[]>> = {};
  for (const part of text.slice(colon + 1).split(';')) {
    const eq = part.indexOf('=');
    const kind = (eq === -1 ? part : part.slice(0, eq)).trim();
    if (!(KINDS as readonly string[]).includes(kind)) {
      throw invalid(flag, text, `"${kind}" is not a scope kind (use ${KINDS.join(', ')})`);
    }
    const patterns = (eq === -1 ? '' : part.slice(eq + 1))
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    if (patterns.length === 0) throw invalid(flag, text, `${kind} lists no pattern`);
    scope[kind as ScopeKey] = [...(scope[kind as ScopeKey] ?? []), ...patterns];
  }
  return { capability, scope };
}

/** The spec text of a grant (the inverse of {@link parseGrantSpec}). */
export function formatGrantSpec(spec: GrantSpec): string {
  if (spec.scope === undefined) return spec.capability;
  const parts = KINDS.filter((k) => spec.scope?.[k] !== undefined).map(
    (k) => `${k}=${spec.scope?.[k]?.join(',')}`,
  );
  return `${spec.capability}:${parts.join(';')}`;
}

function invalid(flag: string, text: string, problem: string): AgentvisorError {
  return new AgentvisorError(
    'INPUT_INVALID',
    `${flag} ${JSON.stringify(text)}: ${problem}; expected CAPABILITY[:KIND=PATTERN,...[;KIND=...]], e.g. net.http:hosts=api.github.com`,
    { details: { flag, value: text } },
  );
}

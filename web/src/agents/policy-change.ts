/**
 * @module The policy patch form's data turned into one change of `POST /agents/:name/policy`
 * (`policy.patch`: add, remove, scope or auto_restart), checked the way the server checks it so
 * the form can say what is wrong before sending.
 */

/** The form's fields. */
export interface PolicyForm {
  readonly op: 'add' | 'remove' | 'scope' | 'auto_restart';
  readonly capability: string;
  /** Comma- or newline-separated patterns; empty means "not restricted by this". */
  readonly paths: string;
  readonly hosts: string;
  readonly commands: string;
  readonly models: string;
  /** For `scope`: lift the restriction instead of setting one. */
  readonly unscoped: boolean;
  readonly autoRestart: number | string;
}

/** A change as the server takes it. */
export type PolicyChange =
  | { op: 'add'; capability: string; scope?: Scope }
  | { op: 'remove'; capability: string }
  | { op: 'scope'; capability: string; scope: Scope | null }
  | { op: 'auto_restart'; value: number };

/** A scope: at least one list of patterns. */
export type Scope = { paths?: string[]; hosts?: string[]; commands?: string[]; models?: string[] };

const CAPABILITY = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

function patterns(text: string): string[] | undefined {
  const list = text
    .split(/[\n,]/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return list.length === 0 ? undefined : list;
}

function scopeOf(form: PolicyForm): Scope | undefined {
  const scope: Scope = {};
  const paths = patterns(form.paths);
  const hosts = patterns(form.hosts);
  const commands = patterns(form.commands);
  const models = patterns(form.models);
  if (paths !== undefined) scope.paths = paths;
  if (hosts !== undefined) scope.hosts = hosts;
  if (commands !== undefined) scope.commands = commands;
  if (models !== undefined) scope.models = models;
  return Object.keys(scope).length === 0 ? undefined : scope;
}

/**
 * The change the form describes, or what is wrong with it.
 *
 * @example
 * policyChange({ op: 'add', capability: 'fs.read', paths: '/work/**', ... });
 * // { ok: true, change: { op: 'add', capability: 'fs.read', scope: { paths: ['/work/**'] } } }
 */
export function policyChange(
  form: PolicyForm,
): { ok: true; change: PolicyChange } | { ok: false; error: string } {
  if (form.op === 'auto_restart') {
    const value = Number(form.autoRestart);
    if (!Number.isInteger(value) || value < 0 || value > 1000) {
      return { ok: false, error: 'Auto-restart: a whole number from 0 to 1000.' };
    }
    return { ok: true, change: { op: 'auto_restart', value } };
  }
  const capability = form.capability.trim();
  if (!CAPABILITY.test(capability)) {
    return {
      ok: false,
      error: 'Capability: lower case and dot-separated, such as fs.read, net.http or tool.call.',
    };
  }
  if (form.op === 'remove') return { ok: true, change: { op: 'remove', capability } };
  const scope = scopeOf(form);
  const badPath = scope?.paths?.find((p) => p.split('/').includes('..'));
  if (badPath !== undefined) {
    return {
      ok: false,
      error: `Path pattern ${badPath} contains "..": write the directory it means.`,
    };
  }
  const badHost = scope?.hosts?.find((h) => /\s|\/|:\/\//.test(h));
  if (badHost !== undefined) {
    return { ok: false, error: `Host pattern ${badHost} must be a host name, not a URL.` };
  }
  if (form.op === 'add') {
    return {
      ok: true,
      change: scope === undefined ? { op: 'add', capability } : { op: 'add', capability, scope },
    };
  }
  if (form.unscoped) return { ok: true, change: { op: 'scope', capability, scope: null } };
  if (scope === undefined) {
    return {
      ok: false,
      error: 'Scope: name at least one path, host, command or model pattern (or lift the scope).',
    };
  }
  return { ok: true, change: { op: 'scope', capability, scope } };
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/core/index.js';
import {
  HOOK_OUTPUT_MAX_CHARS,
  type HookConfigInput,
  type HookRecord,
  HookRunner,
  hookDenialError,
} from '../../../../src/team/hooks/index.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'av-hooks-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `<name>.mjs` and returns its path relative to the base directory. */
async function hookFile(name: string, source: string): Promise<string> {
  await writeFile(path.join(dir, `${name}.mjs`), source);
  return `${name}.mjs`;
}

function runner(hooks: HookConfigInput[], records: HookRecord[] = []): HookRunner {
  return new HookRunner({
    hooks,
    baseDir: dir,
    clock: new ManualClock(0),
    onRecord: (r) => {
      records.push(r);
    },
  });
}

const call = {
  agent: 'code',
  agentId: 'agent-1',
  tool: 'shell.exec',
  args: { command: 'ls', args: ['-l'] },
};

describe('HookRunner with module hooks', () => {
  it('allows when no hook is configured for the event', async () => {
    const outcome = await runner([]).run('PreToolUse', call);
    expect(outcome).toEqual({ decision: 'allow', records: [] });
  });

  it('allows on an allow answer and on no answer, recording each hook', async () => {
    const allow = await hookFile('allow', `export default () => ({ decision: 'allow' });`);
    const silent = await hookFile('silent', `export default async () => {};`);
    const records: HookRecord[] = [];
    const outcome = await runner(
      [
        { event: 'PreToolUse', module: allow },
        { event: 'PreToolUse', module: silent },
      ],
      records,
    ).run('PreToolUse', call);
    expect(outcome.decision).toBe('allow');
    expect(outcome).not.toHaveProperty('args');
    expect(records).toEqual([
      { kind: 'hook.run', hookIndex: 0, event: 'PreToolUse', outcome: 'ok', durationMs: 0 },
      { kind: 'hook.run', hookIndex: 1, event: 'PreToolUse', outcome: 'ok', durationMs: 0 },
    ]);
    expect(outcome.records).toEqual(records);
    expect(Object.isFrozen(records[0])).toBe(true);
  });

  it('stops the chain at a deny and reports the hook and its reason', async () => {
    const guard = await hookFile(
      'guard',
      `export function guard(p) {
         if (p.args.command === 'rm') return { decision: 'deny', reason: 'rm is not allowed' };
       }`,
    );
    const never = await hookFile('never', `export default () => { throw new Error('ran'); };`);
    const records: HookRecord[] = [];
    const hooks = runner(
      [
        { event: 'PreToolUse', module: guard, export: 'guard' },
        { event: 'PreToolUse', module: never },
      ],
      records,
    );
    const outcome = await hooks.run('PreToolUse', { ...call, args: { command: 'rm' } });
    expect(outcome).toMatchObject({ decision: 'deny', reason: 'rm is not allowed', hookIndex: 0 });
    expect(records).toEqual([
      expect.objectContaining({ hookIndex: 0, outcome: 'denied', reason: 'rm is not allowed' }),
    ]);
    if (outcome.decision !== 'deny') throw new Error('expected a deny');
    expect(hookDenialError(outcome, 'shell.exec')).toMatchObject({
      code: 'POLICY_DENIED',
      message: 'shell.exec: denied by hook hooks[0]: rm is not allowed',
    });
  });

  it('passes amended arguments down the chain and returns the last amendment', async () => {
    const first = await hookFile(
      'first',
      `export default (p) => ({ decision: 'allow', args: { ...p.args, cwd: 'sandbox' } });`,
    );
    const second = await hookFile(
      'second',
      `export default (p) => ({ decision: 'allow', args: { ...p.args, args: [...p.args.args, '-a'] } });`,
    );
    const seen = await hookFile(
      'seen',
      `export const calls = [];
       export default (p) => { calls.push(p.args); };`,
    );
    const records: HookRecord[] = [];
    const outcome = await runner(
      [
        { event: 'PreToolUse', module: first },
        { event: 'PreToolUse', module: second },
        { event: 'PreToolUse', module: seen },
      ],
      records,
    ).run('PreToolUse', call);
    const amended = { command: 'ls', args: ['-l', '-a'], cwd: 'sandbox' };
    expect(outcome).toMatchObject({ decision: 'allow', args: amended });
    expect(records.map((r) => r.outcome)).toEqual(['amended', 'amended', 'ok']);
    const { calls } = (await import(pathToFileURL(path.join(dir, seen)).href)) as {
      calls: unknown[];
    };
    expect(calls).toEqual([amended]);
    // The caller's own arguments are untouched.
    expect(call.args).toEqual({ command: 'ls', args: ['-l'] });
  });

  it('gives each hook its own copy: mutating the payload changes nothing', async () => {
    const mutate = await hookFile(
      'mutate',
      `export default (p) => { p.args.command = 'rm'; p.tool = 'fs.delete'; };`,
    );
    const check = await hookFile(
      'check',
      `export default (p) => p.args.command === 'ls' && p.tool === 'shell.exec'
         ? { decision: 'allow' } : { decision: 'deny', reason: 'saw a mutation' };`,
    );
    const outcome = await runner([
      { event: 'PreToolUse', module: mutate },
      { event: 'PreToolUse', module: check },
    ]).run('PreToolUse', call);
    expect(outcome).toMatchObject({ decision: 'allow' });
    expect(outcome).not.toHaveProperty('args');
  });

  it('records a throwing hook and carries on (on_error ignore fails open)', async () => {
    const boom = await hookFile('boom', `export default () => { throw new Error('boom'); };`);
    const reject = await hookFile('reject', `export default async () => { throw 'plain'; };`);
    const deny = await hookFile(
      'deny',
      `export default () => ({ decision: 'deny', reason: 'third' });`,
    );
    const records: HookRecord[] = [];
    const outcome = await runner(
      [
        { event: 'PreToolUse', module: boom },
        { event: 'PreToolUse', module: reject },
        { event: 'PreToolUse', module: deny },
      ],
      records,
    ).run('PreToolUse', call);
    expect(outcome).toMatchObject({ decision: 'deny', reason: 'third', hookIndex: 2 });
    expect(records).toEqual([
      expect.objectContaining({ hookIndex: 0, outcome: 'error', error: 'boom' }),
      expect.objectContaining({ hookIndex: 1, outcome: 'error', error: 'plain' }),
      expect.objectContaining({ hookIndex: 2, outcome: 'denied' }),
    ]);
    expect(records[0]).not.toHaveProperty('failedClosed');
  });

  it('records a hook that never answers as timed out, and aborts its signal', async () => {
    const hang = await hookFile(
      'hang',
      `export let aborted = false;
       export default (p, { signal }) => new Promise(() => {
         signal.addEventListener('abort', () => { aborted = true; });
       });`,
    );
    const records: HookRecord[] = [];
    const outcome = await runner(
      [{ event: 'PreToolUse', module: hang, timeout_ms: 200 }],
      records,
    ).run('PreToolUse', call);
    expect(outcome.decision).toBe('allow');
    expect(records).toEqual([
      expect.objectContaining({
        outcome: 'timeout',
        error: 'did not answer within 200 ms',
      }),
    ]);
    const mod = (await import(pathToFileURL(path.join(dir, hang)).href)) as { aborted: boolean };
    expect(mod.aborted).toBe(true);
  });

  it('fails closed with on_error deny: a throw, a timeout and a bad answer each deny', async () => {
    const boom = await hookFile('boom2', `export default () => { throw new Error('db down'); };`);
    const hang = await hookFile('hang2', `export default () => new Promise(() => {});`);
    const bad = await hookFile('bad', `export default () => ({ decision: 'maybe' });`);
    const cases: Array<[string, RegExp, string]> = [
      [boom, /^hook hooks\[0\] failed and its on_error is deny: db down$/, 'error'],
      [hang, /^hook hooks\[0\] timed out and its on_error is deny: did not answer/, 'timeout'],
      [bad, /^hook hooks\[0\] failed and its on_error is deny: answer is not/, 'error'],
    ];
    for (const [module, reason, outcome] of cases) {
      const records: HookRecord[] = [];
      const result = await runner(
        [{ event: 'PreToolUse', module, timeout_ms: 200, on_error: 'deny' }],
        records,
      ).run('PreToolUse', call);
      expect(result).toMatchObject({ decision: 'deny', reason: expect.stringMatching(reason) });
      expect(records).toEqual([expect.objectContaining({ outcome, failedClosed: true })]);
    }
  });

  it('records an answer that is not a PreToolUse answer as an error', async () => {
    const typo = await hookFile(
      'typo',
      `export default () => ({ decision: 'allow', arg: { command: 'rm' } });`,
    );
    const records: HookRecord[] = [];
    const outcome = await runner([{ event: 'PreToolUse', module: typo }], records).run(
      'PreToolUse',
      call,
    );
    expect(outcome).toEqual({ decision: 'allow', records });
    expect(records[0]).toMatchObject({
      outcome: 'error',
      error: expect.stringMatching(/^answer is not .*Unrecognized key: "arg"/),
    });
  });

  it('runs only hooks whose tool and agent globs match', async () => {
    const deny = await hookFile(
      'deny-all',
      `export default () => ({ decision: 'deny', reason: 'matched' });`,
    );
    const hooks = runner([
      { event: 'PreToolUse', module: deny, match: { tool: 'fs.*', agent: 'data-?' } },
    ]);
    expect((await hooks.run('PreToolUse', call)).decision).toBe('allow');
    expect(
      (await hooks.run('PreToolUse', { ...call, tool: 'fs.write', agent: 'code' })).decision,
    ).toBe('allow');
    expect(
      (await hooks.run('PreToolUse', { ...call, tool: 'fs.write', agent: 'data-1' })).decision,
    ).toBe('deny');
  });

  it('never matches an agent glob against a payload without an agent', async () => {
    const records: HookRecord[] = [];
    const seen = await hookFile('prompt', `export default () => {};`);
    const hooks = runner(
      [{ event: 'UserPromptSubmit', module: seen, match: { agent: '*' } }],
      records,
    );
    await hooks.run('UserPromptSubmit', { text: 'hello' });
    expect(records).toEqual([]);
    await hooks.run('UserPromptSubmit', { text: 'hello', agent: 'supervisor' });
    expect(records).toHaveLength(1);
  });

  it('lets other events only observe: answers are ignored, failures recorded', async () => {
    const deny = await hookFile(
      'observer',
      `export default () => ({ decision: 'deny', reason: 'ignored' });`,
    );
    const boom = await hookFile('observer-boom', `export default () => { throw new Error('x'); };`);
    const records: HookRecord[] = [];
    const outcome = await runner(
      [
        { event: 'Stop', module: deny },
        { event: 'Stop', module: boom },
      ],
      records,
    ).run('Stop', { agent: 'qa', outcome: 'completed' });
    expect(outcome.decision).toBe('allow');
    expect(records.map((r) => r.outcome)).toEqual(['ok', 'error']);
  });

  it('gives PostToolUse hooks the head of a long output and says it was cut', async () => {
    const spy = await hookFile(
      'post',
      `export const seen = [];
       export default (p) => { seen.push(p); };`,
    );
    const hooks = runner([{ event: 'PostToolUse', module: spy }]);
    await hooks.run('PostToolUse', {
      ...call,
      ok: true,
      output: 'x'.repeat(HOOK_OUTPUT_MAX_CHARS + 10),
      durationMs: 12,
    });
    await hooks.run('PostToolUse', { ...call, ok: false, output: 'short', durationMs: 1 });
    const { seen } = (await import(pathToFileURL(path.join(dir, spy)).href)) as {
      seen: Array<{ output: string; outputTruncated: boolean }>;
    };
    expect(seen[0]!.output).toHaveLength(HOOK_OUTPUT_MAX_CHARS);
    expect(seen[0]!.outputTruncated).toBe(true);
    expect(seen[1]).toMatchObject({ output: 'short', outputTruncated: false });
  });

  it('refuses a payload that fails its schema, naming fields but not values', async () => {
    const hooks = runner([]);
    await expect(
      hooks.run('PreToolUse', { ...call, args: 'sk-secret-token' } as never),
    ).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(/^PreToolUse hook payload is invalid: args: /),
    });
    await expect(
      hooks.run('PreToolUse', { ...call, args: 'sk-secret-token' } as never),
    ).rejects.not.toMatchObject({ message: expect.stringContaining('sk-secret') });
    await expect(hooks.run('Nope' as never, {} as never)).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
  });

  it('measures durationMs with the given clock', async () => {
    const clock = new ManualClock(1_000);
    const slow = await hookFile('slow', `export default async () => {};`);
    const records: HookRecord[] = [];
    const hooks = new HookRunner({
      hooks: [{ event: 'SessionStart', module: slow }],
      baseDir: dir,
      clock: {
        now: () => {
          clock.advance(7);
          return clock.now();
        },
      },
      onRecord: (r) => {
        records.push(r);
      },
    });
    await hooks.run('SessionStart', { agent: 'code', agentId: 'a-1' });
    expect(records[0]!.durationMs).toBe(7);
  });

  it('survives an onRecord that throws or rejects', async () => {
    const ok = await hookFile('ok', `export default () => {};`);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const throwing = new HookRunner({
        hooks: [{ event: 'SessionEnd', module: ok }],
        baseDir: dir,
        onRecord: () => {
          throw new Error('ledger closed');
        },
      });
      const rejecting = new HookRunner({
        hooks: [{ event: 'SessionEnd', module: ok }],
        baseDir: dir,
        onRecord: async () => {
          throw new Error('ledger gone');
        },
      });
      const payload = { agent: 'code', agentId: 'a-1', reason: 'shutdown' };
      expect((await throwing.run('SessionEnd', payload)).decision).toBe('allow');
      expect((await rejecting.run('SessionEnd', payload)).decision).toBe('allow');
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([
        'a hook record could not be delivered: ledger closed',
        'a hook record could not be delivered: ledger gone',
      ]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('HookRunner.load', () => {
  it('passes when every module and export exists', async () => {
    const ok = await hookFile('fine', `export function onStop() {}`);
    await expect(
      runner([{ event: 'Stop', module: ok, export: 'onStop' }]).load(),
    ).resolves.toBeUndefined();
  });

  it('names a missing file, a missing export and a module that fails to load', async () => {
    const noExport = await hookFile(
      'no-export',
      `export const value = 1; export function other() {}`,
    );
    const broken = await hookFile('broken', `export default (;`);
    const hooks = runner([
      { event: 'Stop', module: 'missing.mjs' },
      { event: 'Stop', module: noExport, export: 'onStop' },
      { event: 'PreCompact', module: broken },
    ]);
    const error = await hooks.load().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    const { problems } = (error as { details: { problems: string[] } }).details;
    expect(problems).toEqual([
      `hooks[0].module: no such file: ${path.join(dir, 'missing.mjs')}`,
      'hooks[1].export: no-export.mjs has no function export "onStop"; its function exports: other',
      expect.stringMatching(/^hooks\[2\]\.module: .*broken\.mjs failed to load: /),
    ]);
  });

  it('without load(), records a missing module as that hook failing', async () => {
    const records: HookRecord[] = [];
    const outcome = await runner(
      [{ event: 'PreToolUse', module: 'gone.mjs', on_error: 'deny' }],
      records,
    ).run('PreToolUse', call);
    expect(outcome).toMatchObject({
      decision: 'deny',
      reason: expect.stringContaining('hooks[0].module: no such file'),
    });
    expect(records).toEqual([expect.objectContaining({ outcome: 'error', failedClosed: true })]);
  });

  it('imports a module once however often its hook runs', async () => {
    const counted = await hookFile(
      'counted',
      `globalThis.__avHookImports = (globalThis.__avHookImports ?? 0) + 1;
       export default () => {};`,
    );
    const hooks = runner([{ event: 'SessionStart', module: counted }]);
    await hooks.load();
    for (let i = 0; i < 3; i++) await hooks.run('SessionStart', { agent: 'code', agentId: 'a' });
    expect((globalThis as { __avHookImports?: number }).__avHookImports).toBe(1);
  });
});

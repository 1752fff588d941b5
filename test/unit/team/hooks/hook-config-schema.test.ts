import { describe, expect, it } from 'vitest';
import { isAgentvisorError } from '../../../../src/core/index.js';
import {
  DEFAULT_HOOK_TIMEOUT_MS,
  HookRunner,
  hooksConfigSchema,
  parseHooksConfig,
} from '../../../../src/team/hooks/index.js';

/** The problems `parseHooksConfig` reports for `raw`. */
function problems(raw: unknown): string[] {
  try {
    parseHooksConfig(raw);
  } catch (error) {
    if (!isAgentvisorError(error, 'CONFIG_INVALID')) throw error;
    return error.details?.['problems'] as string[];
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('hooks config', () => {
  it('applies the defaults: 5000 ms, on_error ignore, export left to the runner', () => {
    const [hook] = parseHooksConfig([{ event: 'PreToolUse', module: 'hooks/guard.mjs' }]);
    expect(hook).toEqual({
      event: 'PreToolUse',
      module: 'hooks/guard.mjs',
      timeout_ms: DEFAULT_HOOK_TIMEOUT_MS,
      on_error: 'ignore',
    });
  });

  it('treats an absent hooks: section as no hooks', () => {
    expect(hooksConfigSchema.parse(undefined)).toEqual([]);
  });

  it('accepts every field together', () => {
    const hooks = parseHooksConfig([
      {
        event: 'PreToolUse',
        match: { tool: 'shell.*', agent: 'code-*' },
        command: ['node', 'hooks/guard.mjs', '--strict'],
        timeout_ms: 60_000,
        on_error: 'deny',
      },
      { event: 'Stop', module: 'hooks/notify.mjs', export: 'onStop', match: { agent: 'qa' } },
    ]);
    expect(hooks).toHaveLength(2);
  });

  it('names the path, the bad value and what is allowed', () => {
    expect(
      problems([
        { event: 'PreToolUse', module: 'a.mjs' },
        { event: 'PreToolUse', module: 'a.mjs' },
        { event: 'PreTool', command: 'node hook.mjs' },
      ]),
    ).toEqual([
      expect.stringMatching(
        /^hooks\[2\]\.event: one of SessionStart, .*PreCompact; got "PreTool"$/,
      ),
      expect.stringMatching(
        /^hooks\[2\]\.command: a list: the program, then its arguments \(no shell\).*; got "node hook.mjs"$/,
      ),
    ]);
  });

  it('requires exactly one of module and command', () => {
    expect(problems([{ event: 'Stop' }])).toEqual([
      expect.stringMatching(/^hooks\[0\]: a hook needs exactly one of module .* it has neither/),
    ]);
    expect(problems([{ event: 'Stop', module: 'a.mjs', command: ['node'] }])).toEqual([
      expect.stringMatching(/^hooks\[0\]\.command: .* it has both/),
    ]);
  });

  it('refuses settings that could never take effect', () => {
    expect(problems([{ event: 'Stop', command: ['x'], export: 'run' }])).toEqual([
      expect.stringMatching(/^hooks\[0\]\.export: export names a function of module/),
    ]);
    expect(problems([{ event: 'SessionStart', module: 'a.mjs', match: { tool: 'fs.*' } }])).toEqual(
      [expect.stringMatching(/^hooks\[0\]\.match\.tool: a tool glob applies only to PreToolUse/)],
    );
    expect(problems([{ event: 'PostToolUse', module: 'a.mjs', on_error: 'deny' }])).toEqual([
      expect.stringMatching(
        /^hooks\[0\]\.on_error: deny applies only to PreToolUse.*; got "deny"$/,
      ),
    ]);
  });

  it('bounds timeout_ms and lists the on_error values', () => {
    expect(
      problems([
        { event: 'Stop', module: 'a.mjs', timeout_ms: 60_001 },
        { event: 'Stop', module: 'a.mjs', timeout_ms: 0 },
        { event: 'PreToolUse', module: 'a.mjs', on_error: 'fail' },
      ]),
    ).toEqual([
      'hooks[0].timeout_ms: at most 60000 ms (one minute); got 60001',
      'hooks[1].timeout_ms: milliseconds, a whole number from 1 to 60000; got 0',
      'hooks[2].on_error: one of ignore, deny; got "fail"',
    ]);
  });

  it('names unknown keys and the allowed ones', () => {
    expect(
      problems([
        { event: 'Stop', modul: 'a.mjs', module: 'a.mjs' },
        { event: 'PreToolUse', module: 'a.mjs', match: { tools: 'fs.*' } },
      ]),
    ).toEqual([
      'hooks[0]: unknown key "modul"; allowed: event, match, module, export, command, timeout_ms, on_error',
      'hooks[1].match: unknown key "tools"; allowed: tool, agent',
    ]);
  });

  it('checks command arguments and empty commands', () => {
    expect(problems([{ event: 'Stop', command: [] }])).toEqual([
      'hooks[0].command: a list with at least the program to run; got a list of 0',
    ]);
    expect(problems([{ event: 'Stop', command: ['node', ''] }])).toEqual([
      'hooks[0].command[1]: a non-empty argument; got ""',
    ]);
  });

  it('is what the HookRunner constructor enforces', () => {
    expect(() => new HookRunner({ hooks: [{ event: 'Stop' }], baseDir: '.' })).toThrowError(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

/** The constitution: priority order, runtime changes, and immutable directives that refuse them. */
import { describe, expect, it } from 'vitest';
import { AgentvisorError } from '../../../../src/core/index.js';
import { Constitution } from '../../../../src/daemon/agent/index.js';

const base = Constitution.from([
  { id: 'tone', text: 'Be concise.', priority: 10 },
  { id: 'honesty', text: 'Never fabricate sources.', priority: 100, immutable: true },
  { id: 'scope', text: 'Stay within ./data.', priority: 10 },
]);

function refusal(fn: () => unknown): AgentvisorError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AgentvisorError);
    return error as AgentvisorError;
  }
  throw new Error('expected a refusal');
}

describe('Constitution', () => {
  it('orders directives by priority, highest first, ties by id', () => {
    expect(base.directives.map((d) => d.id)).toEqual(['honesty', 'scope', 'tone']);
    expect(base.get('tone')).toEqual({
      id: 'tone',
      text: 'Be concise.',
      priority: 10,
      immutable: false,
    });
    expect(Object.isFrozen(base.directives)).toBe(true);
    expect(Object.isFrozen(base.directives[0])).toBe(true);
  });

  it('amends, adds and removes mutable directives, returning a new constitution', () => {
    const amended = base.amend('tone', 'Be brief and kind.', { priority: 200 });
    expect(amended.directives.map((d) => d.id)).toEqual(['tone', 'honesty', 'scope']);
    expect(amended.get('tone')?.text).toBe('Be brief and kind.');
    expect(base.get('tone')?.text).toBe('Be concise.');

    const added = base.add({ id: 'cite', text: 'Cite every figure.', priority: 50 });
    expect(added.directives.map((d) => d.id)).toEqual(['honesty', 'cite', 'scope', 'tone']);
    expect(added.get('cite')?.immutable).toBe(false);
    expect(base.remove('scope').directives.map((d) => d.id)).toEqual(['honesty', 'tone']);
  });

  it.each([
    ['amend', () => base.amend('honesty', 'Fabricate when convenient.'), 'amended'],
    ['remove', () => base.remove('honesty'), 'removed'],
  ] as const)('refuses to %s an immutable directive with POLICY_DENIED', (operation, fn, verb) => {
    const error = refusal(fn);
    expect(error.code).toBe('POLICY_DENIED');
    expect(error.message).toBe(
      `directive "honesty" is immutable: it cannot be ${verb} at runtime; it changes only by editing the agent's definition in agentvisor.yaml and restarting the agent`,
    );
    expect(error.details).toEqual({
      kind: 'constitution.immutable',
      directive: 'honesty',
      operation,
    });
    expect(base.get('honesty')?.text).toBe('Never fabricate sources.');
  });

  it('refuses unknown and duplicate ids and malformed directives', () => {
    const unknown = refusal(() => base.amend('nope', 'x'));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toBe(
      'no directive "nope" in this constitution; directives: honesty, scope, tone',
    );
    expect(refusal(() => base.remove('nope')).code).toBe('NOT_FOUND');
    const taken = refusal(() => base.add({ id: 'tone', text: 'x' }));
    expect(taken.code).toBe('CONFLICT');
    expect(taken.message).toBe(
      'directive "tone" already exists; amend it instead, or choose another id',
    );
    expect(refusal(() => base.amend('tone', ' ')).message).toBe(
      'directive.text: expected non-empty text',
    );
    expect(refusal(() => base.add({ id: 'Bad Id', text: 'x' })).message).toBe(
      'directive.id: expected a lower-case id (a-z first, then a-z, 0-9, _ or -), got "Bad Id"',
    );
    expect(refusal(() => base.add({ id: 'x', text: 'x', priority: -1 })).message).toBe(
      'directive.priority: expected an integer from 0 to 1000000, got -1',
    );
    const dup = refusal(() =>
      Constitution.from([
        { id: 'a', text: 'x' },
        { id: 'a', text: 'y' },
      ]),
    );
    expect(dup.code).toBe('INPUT_INVALID');
    expect(dup.message).toBe(
      'constitution[1].id: directive "a" is already defined at constitution[0]',
    );
  });

  it('has a digest that changes with any directive and not with input order', () => {
    const reordered = Constitution.from([...base.directives].reverse());
    expect(reordered.digest()).toBe(base.digest());
    expect(base.digest()).toMatch(/^[0-9a-f]{64}$/);
    expect(base.amend('tone', 'Be terse.').digest()).not.toBe(base.digest());
    expect(JSON.parse(JSON.stringify(base))).toEqual(base.toJSON());
  });
});

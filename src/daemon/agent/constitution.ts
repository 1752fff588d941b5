/**
 * @module An agent's constitution (seed 003 `Constitution`): directives applied in priority
 * order, some of them immutable. Immutable directives cannot be amended or removed while the
 * agent runs; such an attempt is a POLICY_DENIED error the kernel records like any denial.
 * A constitution is a value: every change returns a new one, so a snapshot or a prompt built
 * from one cannot be altered behind its back.
 */
import { createHash } from 'node:crypto';
import { AgentvisorError } from '../../core/index.js';
import { canonicalJson } from '../../ledger/index.js';

/** One directive. Higher `priority` comes first. */
export interface Directive {
  readonly id: string;
  readonly text: string;
  readonly priority: number;
  readonly immutable: boolean;
}

/** A directive as given to {@link Constitution.add}: priority and immutability are optional. */
export interface NewDirective {
  id: string;
  text: string;
  priority?: number;
  immutable?: boolean;
}

const DIRECTIVE_ID = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * The directives of one agent.
 *
 * @example
 * const c = Constitution.from(agent.constitution);
 * const next = c.amend('tone', 'Be brief.'); // POLICY_DENIED if "tone" is immutable
 */
export class Constitution {
  /** Sorted by priority, highest first; ties by id so the order never depends on input order. */
  readonly directives: readonly Directive[];

  private constructor(directives: readonly Directive[]) {
    this.directives = Object.freeze(
      [...directives]
        .sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((d) => Object.freeze({ ...d })),
    );
  }

  /** Builds a constitution, checking every directive; duplicate ids are INPUT_INVALID. */
  static from(directives: readonly NewDirective[]): Constitution {
    const checked = directives.map((d, i) => checkDirective(d, `constitution[${i}]`));
    checked.forEach((d, i) => {
      const first = checked.findIndex((o) => o.id === d.id);
      if (first !== i) {
        throw new AgentvisorError(
          'INPUT_INVALID',
          `constitution[${i}].id: directive "${d.id}" is already defined at constitution[${first}]`,
        );
      }
    });
    return new Constitution(checked);
  }

  /** The directive with this id, if any. */
  get(id: string): Directive | undefined {
    return this.directives.find((d) => d.id === id);
  }

  /** Adds a directive; CONFLICT when the id is taken. */
  add(directive: NewDirective): Constitution {
    const checked = checkDirective(directive, 'directive');
    if (this.get(checked.id) !== undefined) {
      throw new AgentvisorError(
        'CONFLICT',
        `directive "${checked.id}" already exists; amend it instead, or choose another id`,
        { details: { directive: checked.id } },
      );
    }
    return new Constitution([...this.directives, checked]);
  }

  /** Replaces a directive's text (and optionally its priority); immutable ones are refused. */
  amend(id: string, text: string, options: { priority?: number } = {}): Constitution {
    const current = this.#mutable(id, 'amend');
    const changed = checkDirective(
      { ...current, text, priority: options.priority ?? current.priority },
      'directive',
    );
    return new Constitution(this.directives.map((d) => (d.id === id ? changed : d)));
  }

  /** Removes a directive; immutable ones are refused. */
  remove(id: string): Constitution {
    this.#mutable(id, 'remove');
    return new Constitution(this.directives.filter((d) => d.id !== id));
  }

  /** Hex SHA-256 of the canonical JSON of the directives, in order. */
  digest(): string {
    return createHash('sha256').update(canonicalJson(this.directives)).digest('hex');
  }

  toJSON(): Directive[] {
    return this.directives.map((d) => ({ ...d }));
  }

  #mutable(id: string, operation: 'amend' | 'remove'): Directive {
    const current = this.get(id);
    if (current === undefined) {
      throw new AgentvisorError(
        'NOT_FOUND',
        `no directive "${id}" in this constitution; directives: ${this.directives.map((d) => d.id).join(', ') || '(none)'}`,
        { details: { directive: id } },
      );
    }
    if (current.immutable) {
      throw new AgentvisorError(
        'POLICY_DENIED',
        `directive "${id}" is immutable: it cannot be ${operation === 'amend' ? 'amended' : 'removed'} at runtime; it changes only by editing the agent's definition in agentvisor.yaml and restarting the agent`,
        { details: { kind: 'constitution.immutable', directive: id, operation } },
      );
    }
    return current;
  }
}

function checkDirective(d: NewDirective, where: string): Directive {
  if (typeof d.id !== 'string' || !DIRECTIVE_ID.test(d.id)) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `${where}.id: expected a lower-case id (a-z first, then a-z, 0-9, _ or -), got ${JSON.stringify(d.id)}`,
    );
  }
  if (typeof d.text !== 'string' || d.text.trim() === '') {
    throw new AgentvisorError('INPUT_INVALID', `${where}.text: expected non-empty text`);
  }
  const priority = d.priority ?? 0;
  if (!Number.isInteger(priority) || priority < 0 || priority > 1_000_000) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `${where}.priority: expected an integer from 0 to 1000000, got ${priority}`,
    );
  }
  return { id: d.id, text: d.text, priority, immutable: d.immutable ?? false };
}

/**
 * @module Dependencies between agents (seed 001 §16). `required`: the dependent must exit when
 * its dependency exits; `optional`: the dependent is notified and carries on; `peer`:
 * coordination only, no ordering. Required and optional edges order startup (dependencies
 * first) and so may never form a cycle: one is refused when the graph is built and when an
 * edge is patched in at runtime, with an error that names it (`a -> b -> a`, read "a depends on
 * b, which depends on a"). Cascades follow required edges transitively.
 */
import { AgentvisorError } from '../core/index.js';

/** The seed 001 dependency types. */
export const DEPENDENCY_KINDS = ['required', 'optional', 'peer'] as const;
/** One of {@link DEPENDENCY_KINDS}. */
export type DependencyKind = (typeof DEPENDENCY_KINDS)[number];

/** `dependent` depends on `dependency`. */
export interface DependencyEdge {
  readonly dependent: string;
  readonly dependency: string;
  readonly kind: DependencyKind;
}

/** Options of {@link DependencyGraph.dependenciesOf} and {@link DependencyGraph.dependentsOf}. */
export interface DependencyQuery {
  /** Follow edges hop by hop (the seed's "dependency chain"); default direct edges only. */
  readonly transitive?: boolean;
  /** Which edges to follow; default all three kinds. */
  readonly kinds?: readonly DependencyKind[];
}

/** An agent as the config declares it: its name and `depends_on` list. */
export interface DeclaredAgent {
  readonly name: string;
  readonly depends_on: readonly { readonly agent: string; readonly kind: DependencyKind }[];
}

/** Edges that order startup, and so may not close a cycle. */
function isOrdering(kind: DependencyKind): boolean {
  return kind !== 'peer';
}

/**
 * A directed graph of agents and their dependencies.
 *
 * @example
 * const graph = new DependencyGraph(['db', 'api', 'web'], [
 *   { dependent: 'api', dependency: 'db', kind: 'required' },
 *   { dependent: 'web', dependency: 'api', kind: 'required' },
 * ]);
 * graph.startOrder();          // ['db', 'api', 'web']
 * graph.cascadeOnExit('db');   // ['web', 'api']
 */
export class DependencyGraph {
  /** Agents in insertion order, which breaks ties in {@link DependencyGraph.startOrder}. */
  readonly #agents: string[] = [];
  /** dependent -> dependency -> kind. */
  readonly #dependencies = new Map<string, Map<string, DependencyKind>>();
  /** dependency -> dependent -> kind. */
  readonly #dependents = new Map<string, Map<string, DependencyKind>>();

  /** Throws on unknown agents, self-dependencies, conflicting duplicates and cycles. */
  constructor(agents: Iterable<string> = [], edges: Iterable<DependencyEdge> = []) {
    for (const agent of agents) this.addAgent(agent);
    for (const edge of edges) this.addEdge(edge);
  }

  /**
   * The graph of config-declared agents (`name`, `depends_on`).
   *
   * @example
   * const graph = DependencyGraph.fromDeclaredAgents(config.agents);
   */
  static fromDeclaredAgents(agents: readonly DeclaredAgent[]): DependencyGraph {
    return new DependencyGraph(
      agents.map((a) => a.name),
      agents.flatMap((a) =>
        a.depends_on.map((d) => ({ dependent: a.name, dependency: d.agent, kind: d.kind })),
      ),
    );
  }

  /** Every agent, in insertion order. */
  agents(): string[] {
    return [...this.#agents];
  }

  has(agent: string): boolean {
    return this.#dependencies.has(agent);
  }

  /** Adds an agent with no edges; `CONFLICT` when it is already there. */
  addAgent(agent: string): void {
    if (agent.length === 0) {
      throw new AgentvisorError('INPUT_INVALID', 'dependency graph: agent name is empty');
    }
    if (this.has(agent)) {
      throw new AgentvisorError(
        'CONFLICT',
        `dependency graph: agent "${agent}" is already in the graph`,
      );
    }
    this.#agents.push(agent);
    this.#dependencies.set(agent, new Map());
    this.#dependents.set(agent, new Map());
  }

  /** Removes an agent and every edge to or from it. */
  removeAgent(agent: string): void {
    this.#require(agent);
    for (const dependency of this.#dependencies.get(agent)!.keys()) {
      this.#dependents.get(dependency)!.delete(agent);
    }
    for (const dependent of this.#dependents.get(agent)!.keys()) {
      this.#dependencies.get(dependent)!.delete(agent);
    }
    this.#dependencies.delete(agent);
    this.#dependents.delete(agent);
    this.#agents.splice(this.#agents.indexOf(agent), 1);
  }

  /**
   * Adds `edge` (a runtime patch or a declared dependency). Adding an edge that already exists
   * with the same kind changes nothing; with another kind it is a `CONFLICT` (remove it first).
   * A required or optional edge that would close a cycle is refused with `INPUT_INVALID`
   * naming the cycle; the graph is left unchanged.
   */
  addEdge(edge: DependencyEdge): void {
    const { dependent, dependency, kind } = edge;
    this.#require(dependent);
    this.#require(dependency);
    if (!DEPENDENCY_KINDS.includes(kind)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `dependency "${dependent}" -> "${dependency}": kind "${kind}" is not one of ${DEPENDENCY_KINDS.join(', ')}`,
      );
    }
    if (dependent === dependency) {
      throw new AgentvisorError('INPUT_INVALID', `agent "${dependent}" cannot depend on itself`, {
        details: { dependent, dependency },
      });
    }
    const existing = this.#dependencies.get(dependent)!.get(dependency);
    if (existing === kind) return;
    if (existing !== undefined) {
      throw new AgentvisorError(
        'CONFLICT',
        `agent "${dependent}" already depends on "${dependency}" as ${existing}; remove that edge before adding it as ${kind}`,
        { details: { dependent, dependency, existing, kind } },
      );
    }
    if (isOrdering(kind)) {
      // The new edge closes a cycle exactly when its dependency already depends on its
      // dependent, through ordering edges.
      const path = this.#orderingPath(dependency, dependent);
      if (path !== undefined) {
        const cycle = [dependent, ...path];
        throw new AgentvisorError(
          'INPUT_INVALID',
          `dependency cycle: ${cycle.join(' -> ')}; a ${kind} dependency of "${dependent}" on "${dependency}" would close it (only peer edges may be mutual)`,
          { details: { cycle, dependent, dependency, kind } },
        );
      }
    }
    this.#dependencies.get(dependent)!.set(dependency, kind);
    this.#dependents.get(dependency)!.set(dependent, kind);
  }

  /** Removes the edge from `dependent` to `dependency` and returns it; `NOT_FOUND` if absent. */
  removeEdge(dependent: string, dependency: string): DependencyEdge {
    this.#require(dependent);
    this.#require(dependency);
    const kind = this.#dependencies.get(dependent)!.get(dependency);
    if (kind === undefined) {
      throw new AgentvisorError(
        'NOT_FOUND',
        `agent "${dependent}" does not depend on "${dependency}"; its dependencies: ${[...this.#dependencies.get(dependent)!.keys()].join(', ') || '(none)'}`,
      );
    }
    this.#dependencies.get(dependent)!.delete(dependency);
    this.#dependents.get(dependency)!.delete(dependent);
    return { dependent, dependency, kind };
  }

  /** The kind of edge from `dependent` to `dependency`, if any. */
  kindOf(dependent: string, dependency: string): DependencyKind | undefined {
    return this.#dependencies.get(dependent)?.get(dependency);
  }

  /** Every edge, grouped by dependent in agent order. */
  edges(): DependencyEdge[] {
    return this.#agents.flatMap((dependent) =>
      [...this.#dependencies.get(dependent)!].map(([dependency, kind]) => ({
        dependent,
        dependency,
        kind,
      })),
    );
  }

  /**
   * What `agent` depends on, nearest first (transitively: the seed's dependency chain).
   *
   * @example
   * graph.dependenciesOf('web', { transitive: true, kinds: ['required'] }); // ['api', 'db']
   */
  dependenciesOf(agent: string, query: DependencyQuery = {}): string[] {
    this.#require(agent);
    return this.#reach(agent, this.#dependencies, query);
  }

  /**
   * What depends on `agent`, nearest first.
   *
   * @example
   * graph.dependentsOf('db', { transitive: true }); // ['api', 'web']
   */
  dependentsOf(agent: string, query: DependencyQuery = {}): string[] {
    this.#require(agent);
    return this.#reach(agent, this.#dependents, query);
  }

  /**
   * Every agent, dependencies before their dependents (required and optional edges; peers do
   * not order). Ties keep insertion order, so the order is deterministic.
   */
  startOrder(): string[] {
    const waiting = new Map(
      this.#agents.map((a) => [a, this.#orderingEntries(this.#dependencies.get(a)!).length]),
    );
    const order: string[] = [];
    while (order.length < this.#agents.length) {
      // Cycles are refused on every edge added, so some agent is always ready.
      const next = this.#agents.find((a) => waiting.get(a) === 0)!;
      waiting.delete(next);
      order.push(next);
      for (const dependent of this.#orderingEntries(this.#dependents.get(next)!)) {
        waiting.set(dependent, waiting.get(dependent)! - 1);
      }
    }
    return order;
  }

  /**
   * The agents that must exit when `agent` exits: its required dependents, transitively
   * (seed 001 §16 cascade), in the order to stop them: every dependent before what it depends
   * on. `agent` itself is not included.
   */
  cascadeOnExit(agent: string): string[] {
    const cascade = new Set(this.dependentsOf(agent, { transitive: true, kinds: ['required'] }));
    return this.startOrder()
      .filter((a) => cascade.has(a))
      .reverse();
  }

  /**
   * The agents to notify when `agent` exits: optional dependents of `agent` or of anything in
   * its cascade, which carry on. In start order; none of them is in the cascade.
   */
  notifiedOnExit(agent: string): string[] {
    const exiting = new Set([agent, ...this.cascadeOnExit(agent)]);
    const notified = new Set<string>();
    for (const a of exiting) {
      for (const dependent of this.dependentsOf(a, { kinds: ['optional'] })) {
        if (!exiting.has(dependent)) notified.add(dependent);
      }
    }
    return this.startOrder().filter((a) => notified.has(a));
  }

  /** Breadth-first over `edges` from `start`, following only the queried kinds. */
  #reach(
    start: string,
    edges: Map<string, Map<string, DependencyKind>>,
    query: DependencyQuery,
  ): string[] {
    const kinds = new Set(query.kinds ?? DEPENDENCY_KINDS);
    const seen = new Set([start]);
    const found: string[] = [];
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      for (const [next, kind] of edges.get(queue[i]!)!) {
        if (!kinds.has(kind) || seen.has(next)) continue;
        seen.add(next);
        found.push(next);
        if (query.transitive === true) queue.push(next);
      }
    }
    return found;
  }

  /** A path `from` ... `to` along ordering edges (dependent to dependency), if one exists. */
  #orderingPath(from: string, to: string): string[] | undefined {
    const parent = new Map<string, string | null>([[from, null]]);
    const queue = [from];
    for (let i = 0; i < queue.length; i++) {
      const current = queue[i]!;
      if (current === to) {
        const path: string[] = [];
        for (let at: string | null = current; at !== null; at = parent.get(at)!) path.push(at);
        return path.reverse();
      }
      for (const next of this.#orderingEntries(this.#dependencies.get(current)!)) {
        if (!parent.has(next)) {
          parent.set(next, current);
          queue.push(next);
        }
      }
    }
    return undefined;
  }

  #orderingEntries(edges: Map<string, DependencyKind>): string[] {
    return [...edges].filter(([, kind]) => isOrdering(kind)).map(([agent]) => agent);
  }

  #require(agent: string): void {
    if (!this.has(agent)) {
      throw new AgentvisorError(
        'NOT_FOUND',
        `dependency graph: unknown agent "${agent}"; agents: ${this.#agents.join(', ') || '(none)'}`,
      );
    }
  }
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAgentvisorError } from '../../../src/core/index.js';
import {
  type DependencyEdge,
  DependencyGraph,
  type DependencyKind,
} from '../../../src/supervisor/index.js';

const req = (dependent: string, dependency: string): DependencyEdge => ({
  dependent,
  dependency,
  kind: 'required',
});

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('DependencyGraph construction', () => {
  it('refuses a cycle at construction and names it', () => {
    const error = thrown(
      () =>
        new DependencyGraph(['a', 'b'], [req('a', 'b'), { ...req('b', 'a'), kind: 'optional' }]),
    );
    expect(isAgentvisorError(error, 'INPUT_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/^dependency cycle: b -> a -> b;/);
    expect((error as { details: { cycle: string[] } }).details.cycle).toEqual(['b', 'a', 'b']);
  });

  it('names a longer cycle in dependency order', () => {
    expect(
      () => new DependencyGraph(['a', 'b', 'c'], [req('a', 'b'), req('b', 'c'), req('c', 'a')]),
    ).toThrow(/dependency cycle: c -> a -> b -> c/);
  });

  it('lets peer edges be mutual: they order nothing', () => {
    const graph = new DependencyGraph(
      ['a', 'b'],
      [
        { dependent: 'a', dependency: 'b', kind: 'peer' },
        { dependent: 'b', dependency: 'a', kind: 'peer' },
      ],
    );
    expect(graph.startOrder()).toEqual(['a', 'b']);
    expect(graph.dependenciesOf('a')).toEqual(['b']);
  });

  it('refuses unknown agents, self-dependencies and a duplicate edge of another kind', () => {
    expect(() => new DependencyGraph(['a'], [req('a', 'x')])).toThrow(
      /unknown agent "x"; agents: a/,
    );
    expect(
      isAgentvisorError(
        thrown(() => new DependencyGraph(['a'], [req('x', 'a')])),
        'NOT_FOUND',
      ),
    ).toBe(true);
    expect(() => new DependencyGraph(['a'], [req('a', 'a')])).toThrow(/cannot depend on itself/);
    const graph = new DependencyGraph(['a', 'b'], [req('a', 'b')]);
    graph.addEdge(req('a', 'b'));
    expect(graph.edges()).toEqual([req('a', 'b')]);
    expect(
      isAgentvisorError(
        thrown(() => graph.addEdge({ ...req('a', 'b'), kind: 'peer' })),
        'CONFLICT',
      ),
    ).toBe(true);
    expect(() => graph.addAgent('a')).toThrow(/already in the graph/);
  });

  it('builds from config-declared agents', () => {
    const graph = DependencyGraph.fromDeclaredAgents([
      { name: 'web', depends_on: [{ agent: 'api', kind: 'required' }] },
      { name: 'api', depends_on: [{ agent: 'db', kind: 'required' }] },
      { name: 'db', depends_on: [] },
    ]);
    expect(graph.startOrder()).toEqual(['db', 'api', 'web']);
  });
});

describe('DependencyGraph runtime patches', () => {
  it('refuses an edge that closes a cycle and leaves the graph unchanged', () => {
    const graph = new DependencyGraph(['a', 'b', 'c'], [req('a', 'b'), req('b', 'c')]);
    const error = thrown(() =>
      graph.addEdge({ dependent: 'c', dependency: 'a', kind: 'optional' }),
    );
    expect((error as Error).message).toMatch(/^dependency cycle: c -> a -> b -> c;/);
    expect(graph.edges()).toEqual([req('a', 'b'), req('b', 'c')]);
    graph.addEdge({ dependent: 'c', dependency: 'a', kind: 'peer' });
    expect(graph.kindOf('c', 'a')).toBe('peer');
  });

  it('removes edges and agents, after which the refused edge is accepted', () => {
    const graph = new DependencyGraph(['a', 'b', 'c'], [req('a', 'b'), req('b', 'c')]);
    expect(graph.removeEdge('b', 'c')).toEqual(req('b', 'c'));
    graph.addEdge(req('c', 'a'));
    expect(graph.startOrder()).toEqual(['b', 'a', 'c']);
    expect(() => graph.removeEdge('b', 'c')).toThrow(/"b" does not depend on "c"/);
    graph.removeAgent('a');
    expect(graph.agents()).toEqual(['b', 'c']);
    expect(graph.edges()).toEqual([]);
    expect(() => graph.dependentsOf('a')).toThrow(/unknown agent "a"; agents: b, c/);
  });
});

describe('DependencyGraph queries', () => {
  // web -> api -> db (required); report -optional-> api; cache <-peer- api; audit -> web (required)
  const graph = new DependencyGraph(
    ['db', 'cache', 'api', 'web', 'report', 'audit'],
    [
      req('api', 'db'),
      { dependent: 'api', dependency: 'cache', kind: 'peer' },
      req('web', 'api'),
      { dependent: 'report', dependency: 'api', kind: 'optional' },
      req('audit', 'web'),
    ],
  );

  it('answers direct and transitive queries, nearest first, filtered by kind', () => {
    expect(graph.dependenciesOf('web')).toEqual(['api']);
    expect(graph.dependenciesOf('audit', { transitive: true })).toEqual([
      'web',
      'api',
      'db',
      'cache',
    ]);
    expect(graph.dependenciesOf('audit', { transitive: true, kinds: ['required'] })).toEqual([
      'web',
      'api',
      'db',
    ]);
    expect(graph.dependentsOf('api')).toEqual(['web', 'report']);
    expect(graph.dependentsOf('db', { transitive: true })).toEqual([
      'api',
      'web',
      'report',
      'audit',
    ]);
    expect(graph.dependentsOf('cache', { kinds: ['required', 'optional'] })).toEqual([]);
  });

  it('cascades required dependents in stop order and notifies optional ones', () => {
    expect(graph.cascadeOnExit('db')).toEqual(['audit', 'web', 'api']);
    expect(graph.notifiedOnExit('db')).toEqual(['report']);
    expect(graph.cascadeOnExit('api')).toEqual(['audit', 'web']);
    expect(graph.cascadeOnExit('cache')).toEqual([]);
    expect(graph.cascadeOnExit('audit')).toEqual([]);
  });

  it('orders startup dependencies first, ties in insertion order', () => {
    expect(graph.startOrder()).toEqual(['db', 'cache', 'api', 'web', 'report', 'audit']);
  });
});

/** Random DAGs: edges only from a later agent to an earlier one, so never a cycle. */
const dagArbitrary = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc
    .array(
      fc.record({
        from: fc.integer({ min: 0, max: n - 1 }),
        to: fc.integer({ min: 0, max: n - 1 }),
        kind: fc.constantFrom<DependencyKind>('required', 'optional', 'peer'),
      }),
      { maxLength: 30 },
    )
    .chain((raw) =>
      fc
        .shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n })
        .map((insertion) => ({ n, raw, insertion })),
    ),
);

describe('DependencyGraph properties', () => {
  it('on random DAGs: start order respects every ordering edge; cascade is the transitive required dependents', () => {
    fc.assert(
      fc.property(dagArbitrary, ({ n, raw, insertion }) => {
        const name = (i: number) => `a${i}`;
        const edges = new Map<string, DependencyEdge>();
        for (const { from, to, kind } of raw) {
          if (from <= to) continue;
          edges.set(`${from}>${to}`, { dependent: name(from), dependency: name(to), kind });
        }
        const graph = new DependencyGraph(insertion.map(name), edges.values());
        const order = graph.startOrder();
        expect([...order].sort()).toEqual([...Array(n).keys()].map(name).sort());
        for (const e of edges.values()) {
          if (e.kind === 'peer') continue;
          expect(order.indexOf(e.dependency)).toBeLessThan(order.indexOf(e.dependent));
        }
        for (let i = 0; i < n; i++) {
          // Reference: fixpoint over required edges.
          const expected = new Set<string>();
          let grew = true;
          while (grew) {
            grew = false;
            for (const e of edges.values()) {
              if (e.kind !== 'required') continue;
              if (
                (e.dependency === name(i) || expected.has(e.dependency)) &&
                !expected.has(e.dependent)
              ) {
                expected.add(e.dependent);
                grew = true;
              }
            }
          }
          const cascade = graph.cascadeOnExit(name(i));
          expect(new Set(cascade)).toEqual(expected);
          expect(cascade.length).toBe(expected.size);
          for (const e of edges.values()) {
            if (e.kind === 'peer' || !expected.has(e.dependent) || !expected.has(e.dependency))
              continue;
            expect(cascade.indexOf(e.dependent)).toBeLessThan(cascade.indexOf(e.dependency));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('on random graphs: an edge is refused exactly when it closes a required/optional cycle', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            from: fc.integer({ min: 0, max: 5 }),
            to: fc.integer({ min: 0, max: 5 }),
            kind: fc.constantFrom<DependencyKind>('required', 'optional', 'peer'),
          }),
          { maxLength: 20 },
        ),
        (raw) => {
          const graph = new DependencyGraph(['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
          for (const { from, to, kind } of raw) {
            if (from === to || graph.kindOf(`a${from}`, `a${to}`) !== undefined) continue;
            const closes =
              kind !== 'peer' &&
              graph
                .dependenciesOf(`a${to}`, { transitive: true, kinds: ['required', 'optional'] })
                .includes(`a${from}`);
            const edge = { dependent: `a${from}`, dependency: `a${to}`, kind };
            if (closes) expect(() => graph.addEdge(edge)).toThrow(/^dependency cycle: /);
            else graph.addEdge(edge);
          }
          const order = graph.startOrder();
          for (const e of graph.edges()) {
            if (e.kind !== 'peer')
              expect(order.indexOf(e.dependency)).toBeLessThan(order.indexOf(e.dependent));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

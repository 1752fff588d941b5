/**
 * The full-text query builder: user text becomes terms, and no text of any kind can make the
 * resulting FTS5 expression fail to parse (checked here against a real FTS5 table with the
 * tokenizer memory uses; PostgreSQL is checked in test/integration/memory).
 */
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fts5Query, postgresQueryText, searchTerms } from '../../../src/memory/index.js';

const db = new BetterSqlite3(':memory:');
db.exec(
  `create virtual table t using fts5(content, tokenize='porter unicode61 remove_diacritics 2')`,
);
db.prepare('insert into t(content) values (?)').run('Deploy failed: "timeout" on café NEAR api');
const match = db.prepare('select count(*) as n from t where t match ?');
afterAll(() => db.close());

// Text rich in FTS5 operators and quoting, which random unicode alone rarely produces.
const hostile = fc
  .array(
    fc.constantFrom(
      '"',
      "'",
      '*',
      '^',
      ':',
      '(',
      ')',
      '-',
      '+',
      'NEAR',
      'AND',
      'OR',
      'NOT',
      ' ',
      '{',
      '}',
      'col:',
      'a',
      'é',
      '\u0000',
      '\uD800',
    ),
    { maxLength: 20 },
  )
  .map((parts) => parts.join(''));

describe('searchTerms', () => {
  it('keeps distinct lower-cased words and drops operators and punctuation', () => {
    expect(searchTerms('Deploy "v2" -- FAILED? deploy NEAR(x)')).toEqual([
      'deploy',
      'v2',
      'failed',
      'near',
      'x',
    ]);
    expect(searchTerms('Café naïve 東京 ２０２６')).toEqual(['café', 'naïve', '東京', '2026']);
    expect(searchTerms('*** "" () -')).toEqual([]);
  });

  it('caps the number of terms', () => {
    const words = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
    expect(searchTerms(words)).toHaveLength(32);
  });
});

describe('fts5Query and postgresQueryText', () => {
  it('quotes each term and ORs them', () => {
    expect(fts5Query(['deploy', 'failed'])).toBe('"deploy" OR "failed"');
    expect(fts5Query(['a"b'])).toBe('"a""b"');
    expect(postgresQueryText(['deploy', 'failed'])).toBe('deploy or failed');
  });

  it('finds what the words match, operators included as plain words', () => {
    expect(match.get(fts5Query(searchTerms('deploying timeouts')))).toEqual({ n: 1 });
    expect(match.get(fts5Query(searchTerms('NEAR')))).toEqual({ n: 1 });
    expect(match.get(fts5Query(searchTerms('cafe')))).toEqual({ n: 1 });
    expect(match.get(fts5Query(searchTerms('unrelated')))).toEqual({ n: 0 });
  });

  it('never produces an FTS5 syntax error, whatever the user typed', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), hostile), (text) => {
        const terms = searchTerms(text);
        if (terms.length === 0) return; // callers send no query at all then
        expect(() => match.get(fts5Query(terms))).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});

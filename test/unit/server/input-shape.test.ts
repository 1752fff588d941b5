import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { coerceQuery, inputJsonSchema } from '../../../src/server/api/input-shape.js';

const schema = inputJsonSchema(
  z.object({
    limit: z.number().int().optional(),
    ratio: z.number().nullable().optional(),
    flag: z.boolean().optional(),
    tags: z.array(z.string()).optional(),
    name: z.string().optional(),
  }),
);

describe('query coercion', () => {
  it('turns numeric text into the number it spells, for every finite number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        const out = coerceQuery({ ratio: String(n) }, schema);
        expect(Object.is(out['ratio'], n) || (n === 0 && out['ratio'] === 0)).toBe(true);
      }),
    );
  });

  it('leaves strings alone and leaves unconvertible text for the schema to refuse', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(coerceQuery({ name: text }, schema)['name']).toBe(text);
      }),
    );
    expect(coerceQuery({ limit: 'lots' }, schema)['limit']).toBe('lots');
    expect(coerceQuery({ limit: '' }, schema)['limit']).toBe('');
    expect(coerceQuery({ flag: 'yes' }, schema)['flag']).toBe('yes');
  });

  it('converts booleans and comma lists', () => {
    expect(coerceQuery({ flag: 'true', tags: 'a,b' }, schema)).toEqual({
      flag: true,
      tags: ['a', 'b'],
    });
    expect(coerceQuery({ tags: '' }, schema)).toEqual({ tags: [] });
  });
});

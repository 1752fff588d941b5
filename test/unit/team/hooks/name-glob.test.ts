import { describe, expect, it } from 'vitest';
import { compileNameGlob } from '../../../../src/team/hooks/index.js';

describe('compileNameGlob', () => {
  it('matches whole names, with * for any run (dots included) and ? for one character', () => {
    expect(compileNameGlob('fs.*')('fs.write')).toBe(true);
    expect(compileNameGlob('fs.*')('fs.')).toBe(true);
    expect(compileNameGlob('mcp.*')('mcp.github.search')).toBe(true);
    expect(compileNameGlob('fs.*')('xfs.write')).toBe(false);
    expect(compileNameGlob('code-?')('code-1')).toBe(true);
    expect(compileNameGlob('code-?')('code-12')).toBe(false);
    expect(compileNameGlob('*')('anything at all')).toBe(true);
  });

  it('takes every other character literally, regex metacharacters included', () => {
    expect(compileNameGlob('shell.exec')('shellXexec')).toBe(false);
    expect(compileNameGlob('a+b')('aab')).toBe(false);
    expect(compileNameGlob('a+b')('a+b')).toBe(true);
    expect(compileNameGlob('(x)[y]{z}^$|\\')('(x)[y]{z}^$|\\')).toBe(true);
  });
});

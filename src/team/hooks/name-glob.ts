/**
 * @module Name globs for a hook's `match`: `*` stands for any run of characters (dots
 * included, so `mcp.*` matches `mcp.github.search`), `?` for exactly one, anything else for
 * itself. Tool and agent names have no path structure, so there is no `**` or character class.
 */

/**
 * Compiles `pattern` into a predicate on whole names.
 *
 * @example
 * const isFs = compileNameGlob('fs.*');
 * isFs('fs.write'); // true
 * isFs('shell.exec'); // false
 */
export function compileNameGlob(pattern: string): (name: string) => boolean {
  let source = '';
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  // `s` so that `*` also spans a newline: a name is matched whole, whatever it holds.
  const regex = new RegExp(`^${source}$`, 'su');
  return (name) => regex.test(name);
}

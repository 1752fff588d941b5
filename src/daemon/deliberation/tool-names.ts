/**
 * @module Tool names on the wire. Agentvisor names tools with dots (`fs.read`,
 * `mcp.files.read_file`); OpenAI and Anthropic accept only `[A-Za-z0-9_-]{1,64}` for function
 * names, so dots travel as a double underscore and are mapped back on the way in.
 */

/** `fs.read` → `fs__read`. */
export function toWireToolName(name: string): string {
  return name.replaceAll('.', '__');
}

/** `fs__read` → `fs.read`. */
export function fromWireToolName(name: string): string {
  return name.replaceAll('__', '.');
}

/**
 * @module The environment a sandboxed tool module sees: PATH, HOME and LANG, nothing else, so
 * API keys and tokens in the daemon's environment stay out of reach of third-party code.
 */

/** PATH, HOME and LANG from the daemon's environment. */
export function sandboxEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

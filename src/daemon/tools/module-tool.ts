/**
 * @module Tools implemented by an operator's JavaScript module (an ESM file exporting
 * `async (args) => result`), run through a sandbox at the configured isolation level.
 */
import { type Isolation, runInSandbox } from '../sandbox/index.js';
import type { ToolDefinition } from './tool-types.js';

/** How a module tool is declared in configuration. */
export interface ModuleToolOptions {
  /** Path of the ESM module. */
  module: string;
  /** Named export to call; `default` when omitted. */
  export?: string;
  isolation: Isolation;
  timeoutMs: number;
  memoryMb: number;
  description: string;
  /** JSON Schema of the arguments; calls are validated against it with ajv. */
  inputSchema: Record<string, unknown>;
  /** `write` unless the module only reads. */
  effect?: 'read' | 'write';
}

/**
 * A {@link ToolDefinition} that runs `options.module` in a sandbox. The result is returned as
 * `data`, and as `content` (strings as they are, anything else as JSON).
 *
 * @example
 * registry.register(moduleTool('weather.lookup', {
 *   module: '/srv/tools/weather.mjs', isolation: 'process', timeoutMs: 10_000, memoryMb: 128,
 *   description: 'Current weather for a city',
 *   inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
 * }));
 */
export function moduleTool(name: string, options: ModuleToolOptions): ToolDefinition {
  return {
    name,
    description: options.description,
    inputSchema: options.inputSchema,
    effect: options.effect ?? 'write',
    async run(ctx, args) {
      const result = await runInSandbox({
        isolation: options.isolation,
        modulePath: options.module,
        ...(options.export === undefined ? {} : { exportName: options.export }),
        args,
        timeoutMs: options.timeoutMs,
        memoryMb: options.memoryMb,
        signal: ctx.signal,
      });
      return {
        content: typeof result === 'string' ? result : JSON.stringify(result),
        data: result,
      };
    },
  };
}

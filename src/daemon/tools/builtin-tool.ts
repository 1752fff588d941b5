/**
 * @module How a built-in tool is declared: one zod schema gives both the validation and the JSON
 * Schema shown to the model, so the two can never drift apart.
 */
import { z } from 'zod';
import type { ToolContext, ToolDefinition, ToolResult } from './tool-types.js';

/** A built-in tool before its JSON Schema is derived. */
export interface BuiltinToolSpec<S extends z.ZodType> {
  name: string;
  description: string;
  args: S;
  effect: 'read' | 'write';
  run(ctx: ToolContext, args: z.output<S>): Promise<ToolResult>;
}

/**
 * Builds a {@link ToolDefinition} whose `inputSchema` is derived from its zod schema.
 *
 * @example
 * const echo = builtinTool({
 *   name: 'echo', description: 'Echoes text', effect: 'read',
 *   args: z.strictObject({ text: z.string() }),
 *   run: async (_ctx, { text }) => ({ content: text }),
 * });
 */
export function builtinTool<S extends z.ZodType>(
  spec: BuiltinToolSpec<S>,
): ToolDefinition<z.output<S>> {
  // The model writes the input side of the schema, so defaults show as optional fields.
  const { $schema: _dialect, ...inputSchema } = z.toJSONSchema(spec.args, { io: 'input' });
  return {
    name: spec.name,
    description: spec.description,
    inputSchema,
    args: spec.args as unknown as z.ZodType<z.output<S>>,
    effect: spec.effect,
    run: spec.run,
  };
}

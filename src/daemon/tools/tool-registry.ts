/**
 * @module The tool registry: the one table of tools an agent may be offered, with argument
 * validation (zod for tools that bring a zod schema, ajv against `inputSchema` for the rest) and
 * a `run` that validates, executes and turns any stray exception into a typed error.
 */
import type { z } from 'zod';
import { AgentvisorError, isAgentvisorError } from '../../core/index.js';
import { type ArgumentIssue, invalidArguments, valueAt } from './argument-errors.js';
import { jsonSchemaValidator } from './json-schema-validator.js';
import type { ToolContext, ToolDefinition, ToolResult } from './tool-types.js';

const TOOL_NAME = /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;

function zodIssues(error: z.ZodError, args: unknown): ArgumentIssue[] {
  return error.issues.flatMap((issue): ArgumentIssue[] => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({
        path: [...path, key],
        expected: 'not an allowed field',
        value: valueAt(args, [...path, key]),
      }));
    const value = valueAt(args, path);
    const expected = issue.message.replace(/^Invalid input: /, '');
    if (issue.code === 'invalid_type' && value === undefined && path.length > 0)
      return [{ path, expected, value, missing: true }];
    return [{ path, expected, value }];
  });
}

/** True when `name` is covered by an allowlist entry: an exact name or a `prefix.*` pattern. */
export function toolAllowed(name: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) =>
    entry === '*' || entry === name
      ? true
      : entry.endsWith('.*') && name.startsWith(entry.slice(0, -1)),
  );
}

/**
 * The tools known to a daemon. Names are unique; `list(allowed)` narrows to what one agent may
 * use (exact names or `fs.*`-style prefixes).
 *
 * @example
 * const registry = new ToolRegistry();
 * for (const tool of builtinTools()) registry.register(tool);
 * const args = registry.validate('fs.read', { path: 'notes.md' });
 */
export class ToolRegistry {
  readonly #tools = new Map<string, ToolDefinition>();
  readonly #validators = new Map<string, (args: unknown) => unknown>();

  /** Adds a tool; `CONFLICT` when the name is taken, `INPUT_INVALID` when it is malformed. */
  register<A>(def: ToolDefinition<A>): this {
    if (!TOOL_NAME.test(def.name))
      throw new AgentvisorError(
        'INPUT_INVALID',
        `tool name ${JSON.stringify(def.name)} is invalid: use letters, digits, '_', '-', separated by '.'`,
      );
    if (this.#tools.has(def.name))
      throw new AgentvisorError('CONFLICT', `tool ${def.name} is already registered`, {
        details: { tool: def.name },
      });
    this.#tools.set(def.name, def as ToolDefinition);
    return this;
  }

  /** Removes a tool (e.g. when its MCP server is disconnected); true when it was there. */
  unregister(name: string): boolean {
    this.#validators.delete(name);
    return this.#tools.delete(name);
  }

  /** The tool named `name`, or undefined. */
  get(name: string): ToolDefinition | undefined {
    return this.#tools.get(name);
  }

  has(name: string): boolean {
    return this.#tools.has(name);
  }

  /** All tools sorted by name, or only those `allowed` covers (see {@link toolAllowed}). */
  list(allowed?: readonly string[]): ToolDefinition[] {
    return [...this.#tools.values()]
      .filter((tool) => allowed === undefined || toolAllowed(tool.name, allowed))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Validates `args` for tool `name` and returns the parsed arguments (zod defaults applied).
   * Throws `NOT_FOUND` for an unknown tool and `INPUT_INVALID` naming each bad field.
   */
  validate(name: string, args: unknown): unknown {
    const tool = this.#require(name);
    if (tool.args !== undefined) {
      const parsed = tool.args.safeParse(args);
      if (parsed.success) return parsed.data;
      throw invalidArguments(name, zodIssues(parsed.error, args));
    }
    let validator = this.#validators.get(name);
    if (validator === undefined) {
      validator = jsonSchemaValidator(name, tool.inputSchema);
      this.#validators.set(name, validator);
    }
    return validator(args);
  }

  /**
   * Validates and runs tool `name`. Errors that are not already an `AgentvisorError` become
   * `TOOL_FAILED` naming the tool, so a buggy tool never surfaces as an internal error.
   */
  async run(name: string, ctx: ToolContext, args: unknown): Promise<ToolResult> {
    const parsed = this.validate(name, args);
    try {
      return await this.#require(name).run(ctx, parsed);
    } catch (error) {
      if (isAgentvisorError(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new AgentvisorError('TOOL_FAILED', `${name} failed: ${reason}`, {
        details: { tool: name },
        cause: error,
      });
    }
  }

  #require(name: string): ToolDefinition {
    const tool = this.#tools.get(name);
    if (tool === undefined)
      throw new AgentvisorError(
        'NOT_FOUND',
        `no tool named ${JSON.stringify(name)} is registered`,
        {
          details: { tool: name },
        },
      );
    return tool;
  }
}

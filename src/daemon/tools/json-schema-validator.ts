/**
 * @module JSON Schema validation of tool arguments with ajv, for tools that bring only a schema
 * (MCP servers, sandboxed modules). Schemas declaring draft-04..07 get ajv's draft-07 engine,
 * all others the 2020-12 engine MCP names as its default dialect.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { AgentvisorError } from '../../core/index.js';
import { type ArgumentIssue, invalidArguments, valueAt } from './argument-errors.js';

// Formats are not checked: no format vocabulary ships with ajv itself, and a server that cares
// about `uri` or `date-time` checks them again on its side.
// addUsedSchema off: two servers may reuse one $id for different schemas.
const options = {
  allErrors: true,
  strict: false,
  validateFormats: false,
  addUsedSchema: false,
} as const;
const draft07 = new Ajv(options);
const draft2020 = new Ajv2020(options);

function engineFor(schema: Record<string, unknown>): Ajv | Ajv2020 {
  const dialect = typeof schema['$schema'] === 'string' ? schema['$schema'] : '';
  return /draft-0[4-7]/.test(dialect) ? draft07 : draft2020;
}

function pathOf(error: ErrorObject): Array<string | number> {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') segments.push(String(params['missingProperty']));
  if (error.keyword === 'additionalProperties') segments.push(String(params['additionalProperty']));
  return segments;
}

function issueOf(error: ErrorObject, args: unknown): ArgumentIssue {
  const path = pathOf(error);
  if (error.keyword === 'required')
    return { path, expected: 'a value', value: undefined, missing: true };
  if (error.keyword === 'additionalProperties')
    return { path, expected: 'not an allowed field', value: valueAt(args, path) };
  const allowed = (error.params as Record<string, unknown>)['allowedValues'];
  const expected = Array.isArray(allowed)
    ? `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`
    : (error.message ?? `fails ${error.keyword}`);
  return { path, expected, value: valueAt(args, path) };
}

/**
 * Compiles `schema` once and returns a function that returns `args` when they conform and
 * otherwise throws `INPUT_INVALID` naming each bad field. A schema ajv cannot compile makes
 * every call fail with `TOOL_FAILED`, since the tool's author, not the model, must fix it.
 *
 * @example
 * const check = jsonSchemaValidator('mcp.fs.read', { type: 'object', required: ['path'] });
 * check({ path: 'a.txt' });
 */
export function jsonSchemaValidator(
  tool: string,
  schema: Record<string, unknown>,
): (args: unknown) => unknown {
  let validate: ValidateFunction;
  try {
    const { $schema: _dialect, ...body } = schema;
    validate = engineFor(schema).compile(body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return () => {
      throw new AgentvisorError('TOOL_FAILED', `${tool}: its input schema is invalid: ${reason}`, {
        details: { tool },
      });
    };
  }
  return (args) => {
    if (validate(args)) return args;
    throw invalidArguments(
      tool,
      (validate.errors ?? []).map((e) => issueOf(e, args)),
    );
  };
}

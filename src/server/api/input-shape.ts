/**
 * @module A route's request schema as JSON Schema, and the query-string coercion it allows. Query
 * strings carry only text, while operations take numbers and booleans: the JSON Schema says
 * which fields are which, so `?limit=20` reaches the operation as `20` without per-route code.
 */
import { z } from 'zod';

/** The subset of JSON Schema the API inspects. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  [key: string]: unknown;
}

/** A zod schema as a JSON Schema of what a client sends (`io: 'input'`). */
export function inputJsonSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete json['$schema'];
  return json;
}

function typesOf(schema: JsonSchema | undefined): Set<string> {
  const out = new Set<string>();
  if (schema === undefined) return out;
  if (typeof schema.type === 'string') out.add(schema.type);
  if (Array.isArray(schema.type)) for (const t of schema.type) out.add(t);
  for (const alt of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    for (const t of typesOf(alt)) out.add(t);
  }
  return out;
}

/**
 * Converts query-string values to the types the schema's properties expect: numbers, booleans,
 * and comma-separated arrays. Values that do not convert are left as text, for the schema to
 * refuse with its own message.
 */
export function coerceQuery(
  query: Record<string, unknown>,
  schema: JsonSchema,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(query)) {
    const types = typesOf(schema.properties?.[key]);
    if (typeof raw !== 'string') {
      out[key] = raw;
      continue;
    }
    if (types.has('string')) out[key] = raw;
    else if ((types.has('number') || types.has('integer')) && raw.trim() !== '') {
      const n = Number(raw);
      out[key] = Number.isFinite(n) ? n : raw;
    } else if (types.has('boolean') && (raw === 'true' || raw === 'false')) {
      out[key] = raw === 'true';
    } else if (types.has('array')) out[key] = raw === '' ? [] : raw.split(',');
    else out[key] = raw;
  }
  return out;
}

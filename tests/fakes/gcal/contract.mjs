// The contract: every method, path template, parameter and request schema of the Google
// Calendar discovery document (tests/fakes/specs/calendar.v3.json). Routes are decoded
// against the document's templates (under its servicePath, `/calendar/v3/`), so a request
// the real API would not route cannot be served here either.

import { readFileSync } from 'node:fs';

const SPEC = new URL('../specs/calendar.v3.json', import.meta.url);
const doc = JSON.parse(readFileSync(SPEC, 'utf8'));
const PREFIX = `/${doc.servicePath}`; // "/calendar/v3/"

const methods = [];
(function collect(resources) {
  for (const resource of Object.values(resources ?? {})) {
    for (const m of Object.values(resource.methods ?? {})) {
      for (const template of new Set([m.path, m.flatPath].filter(Boolean))) {
        const segments = template.split('/').map((s) => {
          const param = /^\{\+?([^}]+)\}$/.exec(s);
          return param ? { param: param[1] } : { literal: s };
        });
        methods.push({
          id: m.id,
          httpMethod: m.httpMethod,
          template,
          segments,
          literals: segments.filter((s) => s.literal !== undefined).length,
          parameters: m.parameters ?? {},
          request: m.request?.$ref,
        });
      }
    }
    collect(resource.resources);
  }
})(doc.resources);
// Literal segments win over parameters (events/quickAdd before events/{eventId}).
methods.sort((a, b) => b.literals - a.literals);

export const globalParameters = doc.parameters;

/** `{method, params}` for a request path, or null when the document has no such route. */
export function route(httpMethod, pathname) {
  if (!pathname.startsWith(PREFIX)) return null;
  const parts = pathname.slice(PREFIX.length).split('/');
  for (const m of methods) {
    if (m.httpMethod !== httpMethod || m.segments.length !== parts.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i += 1) {
      const seg = m.segments[i];
      if (seg.literal !== undefined) ok = seg.literal === parts[i];
      else if (parts[i] === '') ok = false;
      else {
        try {
          params[seg.param] = decodeURIComponent(parts[i]);
        } catch {
          ok = false;
        }
      }
    }
    if (ok) return { method: m, params };
  }
  return null;
}

/**
 * What is wrong with a request's query parameters: unknown names, a non-repeated one twice,
 * a required one missing, a value of the wrong type, outside the enum or the documented
 * minimum/maximum. `entries` is `[name, value][]`.
 */
export function parameterProblems(method, entries) {
  const problems = [];
  const seen = new Map();
  for (const [name, value] of entries) {
    const spec = method.parameters[name] ?? globalParameters[name];
    if (!spec || spec.location === 'path') {
      problems.push({
        kind: 'unknown',
        name,
        message: `Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. Field '${name}' could not be found in request message.`,
      });
      continue;
    }
    seen.set(name, (seen.get(name) ?? 0) + 1);
    if (seen.get(name) === 2 && !spec.repeated) {
      problems.push({ kind: 'repeated', name, message: `Parameter "${name}" is not repeated but was given more than once.` });
    }
    const bad = valueProblem(spec, value);
    if (bad) problems.push({ kind: 'value', name, message: `Invalid value at '${name}' (${bad}), "${value}"` });
  }
  for (const [name, spec] of Object.entries(method.parameters)) {
    if (spec.location === 'query' && spec.required === true && !seen.has(name)) {
      problems.push({ kind: 'required', name, message: `Required parameter: ${name}` });
    }
  }
  return problems;
}

function valueProblem(spec, value) {
  if (spec.enum && !spec.enum.includes(value)) return `one of ${spec.enum.join(', ')}`;
  if (spec.type === 'integer') {
    if (!/^-?\d+$/.test(value)) return 'TYPE_INT32';
    const n = Number(value);
    if (spec.minimum !== undefined && n < Number(spec.minimum)) return `at least ${spec.minimum}`;
    if (spec.maximum !== undefined && n > Number(spec.maximum)) return `at most ${spec.maximum}`;
  }
  if (spec.type === 'boolean' && !/^(true|false)$/.test(value)) return 'TYPE_BOOL';
  if (spec.format === 'date-time' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(value)) {
    return 'RFC 3339 timestamp with a time zone offset';
  }
  return null;
}

/** A schema object: a named one (`$ref`) or an inline `{type: object, properties}`. */
function schemaOf(spec) {
  if (!spec) return null;
  if (spec.$ref) return doc.schemas[spec.$ref] ?? null;
  return spec.properties || spec.additionalProperties ? spec : null;
}

/**
 * Field paths in `value` that the schema does not define (Google answers 400 "Unknown
 * name"), following `$ref`s, inline objects, arrays and maps (`additionalProperties`).
 */
export function unknownFields(schemaName, value) {
  return unknownIn(doc.schemas[schemaName], value, '');
}

function unknownIn(schema, value, prefix) {
  if (!schema || value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const found = [];
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    let prop = schema.properties?.[key];
    if (!prop && schema.additionalProperties) prop = schema.additionalProperties;
    if (!prop) {
      found.push(path);
      continue;
    }
    const inner = schemaOf(prop.items ?? prop);
    if (!inner) continue;
    for (const item of Array.isArray(child) ? child : [child]) found.push(...unknownIn(inner, item, path));
  }
  return found;
}

/** Re-checks one logged request against the document; returns violations as strings. */
export function violationsOf(entry, query, bodyFields = []) {
  const found = route(entry.method, entry.path);
  if (!found) return [`${entry.method} ${entry.path}: no method of calendar.v3.json has this HTTP method and path`];
  const where = `${entry.method} ${entry.path} (${found.method.id})`;
  return [
    ...parameterProblems(found.method, query).map((p) => `${where}: ${p.message}`),
    ...bodyFields.map((f) => `${where}: unknown body field "${f}" (not in schema ${found.method.request})`),
  ];
}

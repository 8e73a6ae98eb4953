// The contract: every method, path template, parameter and request schema of the Gmail
// discovery document (tests/fakes/specs/gmail.v1.json). Routes are decoded against the
// document's templates instead of being written by hand, so a request the real API would not
// route cannot be served here either.

import { readFileSync } from 'node:fs';

const SPEC = new URL('../specs/gmail.v1.json', import.meta.url);
const doc = JSON.parse(readFileSync(SPEC, 'utf8'));

/** Every method in the document: id, httpMethod, template segments, parameters. */
const methods = [];
(function collect(resources) {
  for (const resource of Object.values(resources ?? {})) {
    for (const m of Object.values(resource.methods ?? {})) {
      const templates = new Set([m.path, m.flatPath].filter(Boolean));
      for (const template of templates) {
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
// Literal segments win over parameters (messages/batchModify before messages/{id}).
methods.sort((a, b) => b.literals - a.literals);

export const globalParameters = doc.parameters;

/**
 * The method a request names: `{method, params}` with the decoded path parameters, or null
 * when no template of that HTTP method matches (the real API answers 404).
 */
export function route(httpMethod, pathname) {
  const parts = pathname.replace(/^\//, '').split('/');
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

/** Required: `required: true`, or documented as "Required." (history.list's startHistoryId). */
function isRequired(spec) {
  return spec.required === true || /^Required\./.test(spec.description ?? '');
}

/**
 * What is wrong with a request's query parameters for `method`: unknown names, a
 * non-repeated parameter given twice, a required one missing, a value of the wrong type or
 * outside the enum. `entries` is `[name, value][]` of the query string.
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
    if (spec.location === 'query' && isRequired(spec) && !seen.has(name)) {
      problems.push({ kind: 'required', name, message: `Required parameter: ${name}` });
    }
  }
  return problems;
}

function valueProblem(spec, value) {
  if (spec.enum && !spec.enum.some((e) => e.toLowerCase() === value.toLowerCase())) {
    return `one of ${spec.enum.join(', ')}`;
  }
  if (spec.type === 'integer' && !/^-?\d+$/.test(value)) return 'TYPE_INT';
  if (spec.type === 'boolean' && !/^(true|false)$/i.test(value)) return 'TYPE_BOOL';
  if (spec.format === 'uint64' && !/^\d+$/.test(value)) return 'TYPE_UINT64';
  return null;
}

/**
 * Field paths in `value` that the schema `name` does not define (Google answers 400
 * "Unknown name"), following `$ref`s into nested objects and arrays.
 */
export function unknownFields(name, value, prefix = '') {
  const schema = doc.schemas[name];
  if (!schema || value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const found = [];
  for (const [key, child] of Object.entries(value)) {
    const prop = schema.properties?.[key];
    const path = prefix ? `${prefix}.${key}` : key;
    if (!prop) {
      found.push(path);
      continue;
    }
    const ref = prop.$ref ?? prop.items?.$ref;
    if (!ref) continue;
    for (const item of Array.isArray(child) ? child : [child]) found.push(...unknownFields(ref, item, path));
  }
  return found;
}

/**
 * Re-checks one logged request against the document; `query` is its `[name, value][]` and
 * `bodyFields` the unknown body fields seen when it arrived. Returns the violations as strings
 * (none when the request used a documented method, path, parameters and body fields).
 */
export function violationsOf(entry, query, bodyFields = []) {
  const found = route(entry.method, entry.path);
  if (!found) return [`${entry.method} ${entry.path}: no method of gmail.v1.json has this HTTP method and path`];
  const where = `${entry.method} ${entry.path} (${found.method.id})`;
  return [
    ...parameterProblems(found.method, query).map((p) => `${where}: ${p.message}`),
    ...bodyFields.map((f) => `${where}: unknown body field "${f}" (not in schema ${found.method.request})`),
  ];
}

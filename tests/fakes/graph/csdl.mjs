// The Microsoft Graph v1.0 CSDL ($metadata) as a lookup structure, and the checks the fake
// applies to every request with it: which path segments exist (singletons, entity sets, keys,
// navigation properties, bound functions and actions, `$value`), which query options and
// `$select` properties exist, and which body properties an entity type or action takes.
//
// The schema is read once at start-up from tests/fakes/specs/msgraph-v1.0-Prod.csdl.gz with a
// few regular expressions: the document is machine-written with one element per line, and a
// full XML parser would be the only npm dependency of the fake.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const DEFAULT_PATH = fileURLToPath(
  new URL('../specs/msgraph-v1.0-Prod.csdl.gz', import.meta.url),
);

// OData system query options (OData 4.01 part 2, 5.1) plus the two state tokens of delta.
export const SYSTEM_QUERY_OPTIONS = new Set([
  '$select', '$expand', '$filter', '$orderby', '$top', '$skip', '$count', '$search',
  '$format', '$skiptoken', '$deltatoken', '$levels', '$apply', '$compute', '$index',
]);

const attr = (tag, name) => {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`));
  return m ? m[1] : undefined;
};

export class Schema {
  constructor(xml) {
    this.types = new Map(); // full name -> { name, kind, base, props: Map(lower -> {name,type}), navs: Map }
    this.singletons = new Map(); // lower -> { name, type }
    this.entitySets = new Map(); // lower -> { name, type }
    this.operations = new Map(); // lower name -> [{ name, kind, binding, params: Map(lower -> {name,type}) }]
    this.#parse(xml);
  }

  static load(path = DEFAULT_PATH) {
    return new Schema(gunzipSync(readFileSync(path)).toString('utf8'));
  }

  #parse(xml) {
    const schemaRe = /<Schema Namespace="([^"]+)"(?: Alias="([^"]+)")?[^>]*>/g;
    const starts = [];
    for (let m; (m = schemaRe.exec(xml)); ) starts.push({ index: m.index, ns: m[1], alias: m[2] });
    starts.forEach((s, i) => {
      const body = xml.slice(s.index, i + 1 < starts.length ? starts[i + 1].index : xml.length);
      this.#parseSchema(body, s.ns, s.alias);
    });
  }

  #qualify(type, ns, alias) {
    if (!type) return type;
    const collection = type.match(/^Collection\((.*)\)$/);
    if (collection) return `Collection(${this.#qualify(collection[1], ns, alias)})`;
    if (alias && type.startsWith(`${alias}.`)) return `${ns}.${type.slice(alias.length + 1)}`;
    if (type.startsWith('graph.')) return `microsoft.graph.${type.slice(6)}`;
    return type;
  }

  #parseSchema(body, ns, alias) {
    const q = (t) => this.#qualify(t, ns, alias);
    const blockRe = /<(EntityType|ComplexType)\s[^>]*?(\/>|>)/g;
    for (let m; (m = blockRe.exec(body)); ) {
      const tag = m[0];
      const type = {
        name: `${ns}.${attr(tag, 'Name')}`,
        kind: m[1],
        base: q(attr(tag, 'BaseType')),
        hasStream: attr(tag, 'HasStream') === 'true',
        props: new Map(),
        navs: new Map(),
      };
      this.types.set(type.name, type);
      if (m[2] === '/>') continue;
      const end = body.indexOf(`</${m[1]}>`, blockRe.lastIndex);
      const inner = body.slice(blockRe.lastIndex, end);
      for (const p of inner.matchAll(/<(Property|NavigationProperty)\s[^>]*>/g)) {
        const entry = { name: attr(p[0], 'Name'), type: q(attr(p[0], 'Type')) };
        (p[1] === 'Property' ? type.props : type.navs).set(entry.name.toLowerCase(), entry);
      }
      blockRe.lastIndex = end;
    }
    const opRe = /<(Action|Function)\s[^>]*>/g;
    for (let m; (m = opRe.exec(body)); ) {
      if (attr(m[0], 'IsBound') !== 'true' || m[0].endsWith('/>')) continue;
      const end = body.indexOf(`</${m[1]}>`, opRe.lastIndex);
      const inner = body.slice(opRe.lastIndex, end);
      const params = [...inner.matchAll(/<Parameter\s[^>]*>/g)].map((p) => ({
        name: attr(p[0], 'Name'),
        type: q(attr(p[0], 'Type')),
      }));
      const ret = inner.match(/<ReturnType\s[^>]*Type="([^"]+)"/);
      const op = {
        name: attr(m[0], 'Name'),
        namespace: ns,
        kind: m[1],
        binding: params[0]?.type,
        params: new Map(params.slice(1).map((p) => [p.name.toLowerCase(), p])),
        returns: ret ? q(ret[1]) : undefined,
      };
      const key = op.name.toLowerCase();
      if (!this.operations.has(key)) this.operations.set(key, []);
      this.operations.get(key).push(op);
      opRe.lastIndex = end;
    }
    for (const m of body.matchAll(/<(Singleton|EntitySet)\s[^>]*>/g)) {
      const name = attr(m[0], 'Name');
      const type = q(attr(m[0], m[1] === 'Singleton' ? 'Type' : 'EntityType'));
      (m[1] === 'Singleton' ? this.singletons : this.entitySets).set(name.toLowerCase(), {
        name,
        type,
      });
    }
  }

  /** The type and its base types, most derived first. */
  lineage(typeName) {
    const out = [];
    for (let t = this.types.get(typeName); t; t = t.base ? this.types.get(t.base) : undefined) {
      out.push(t);
    }
    return out;
  }

  findProperty(typeName, name) {
    const key = name.toLowerCase();
    for (const t of this.lineage(typeName)) {
      if (t.props.has(key)) return { ...t.props.get(key), kind: 'property' };
      if (t.navs.has(key)) return { ...t.navs.get(key), kind: 'navigation' };
    }
    return undefined;
  }

  /** A bound function or action named `name` whose binding parameter accepts `bindingType`. */
  findOperation(name, bindingType) {
    let opName = name;
    const dot = name.lastIndexOf('.');
    if (dot > 0) {
      if (!name.toLowerCase().startsWith('microsoft.graph.')) return undefined;
      opName = name.slice(dot + 1);
    }
    const candidates = this.operations.get(opName.toLowerCase()) ?? [];
    const collection = bindingType.match(/^Collection\((.*)\)$/);
    const element = collection ? collection[1] : bindingType;
    const accepted = new Set(
      this.lineage(element).map((t) => (collection ? `Collection(${t.name})` : t.name)),
    );
    return candidates.find((op) => accepted.has(op.binding));
  }
}

/** The segments after `/v1.0/`, percent-decoded; undefined when one does not decode. */
export function pathSegments(pathname) {
  try {
    return pathname.slice('/v1.0/'.length).split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

const SEGMENT_RE = /^([^()]+)(?:\((?:'((?:[^']|'')*)'|([^)]*))\))?$/;

/** Splits `mailFolders('AAMk')` into name and key. */
export function parseSegment(segment) {
  const m = segment.match(SEGMENT_RE);
  if (!m) return { name: segment };
  const key = m[2] !== undefined ? m[2].replace(/''/g, "'") : m[3];
  return { name: m[1], key: key === '' ? undefined : key };
}

const badSegment = (segment) => ({
  ok: false,
  status: 400,
  code: 'BadRequest',
  message: `Resource not found for the segment '${segment}'.`,
});

/**
 * Resolves path segments (after `/v1.0/`) against the schema. Returns
 * `{ ok: true, steps, target }` where each step is one of
 * `{ kind: 'root'|'navigation'|'key'|'operation'|'value'|'property', name, key?, op? }` and
 * `target` is `{ kind: 'entity'|'collection'|'operation'|'value'|'property', type, op? }`,
 * or `{ ok: false, status, code, message }`.
 */
export function resolvePath(schema, segments) {
  if (segments.length === 0) return badSegment('');
  const steps = [];
  const first = parseSegment(segments[0]);
  let state;
  const single = schema.singletons.get(first.name.toLowerCase());
  const set = schema.entitySets.get(first.name.toLowerCase());
  if (single && first.key === undefined) {
    steps.push({ kind: 'root', name: single.name });
    state = { kind: 'entity', type: single.type };
  } else if (set) {
    steps.push({ kind: 'root', name: set.name });
    state = { kind: 'collection', type: set.type };
    if (first.key !== undefined) {
      steps.push({ kind: 'key', key: first.key });
      state = { kind: 'entity', type: set.type };
    }
  } else {
    return badSegment(segments[0]);
  }
  for (const raw of segments.slice(1)) {
    const seg = parseSegment(raw);
    if (state.kind === 'operation' || state.kind === 'value') return badSegment(raw);
    if (raw === '$value') {
      // Graph serves a message's MIME content as its media value (documented for message
      // although the CSDL does not mark message HasStream).
      const media =
        state.kind === 'entity' &&
        schema.lineage(state.type).some((t) => t.hasStream || t.name === 'microsoft.graph.message');
      if (!media) return badSegment(raw);
      steps.push({ kind: 'value', name: '$value' });
      state = { kind: 'value', type: 'Edm.Stream' };
      continue;
    }
    if (state.kind === 'collection') {
      const op = seg.key === undefined && schema.findOperation(seg.name, `Collection(${state.type})`);
      if (op) {
        steps.push({ kind: 'operation', name: op.name, op });
        state = { kind: 'operation', type: state.type, op };
        continue;
      }
      steps.push({ kind: 'key', key: raw });
      state = { kind: 'entity', type: state.type };
      continue;
    }
    if (state.kind === 'property') return badSegment(raw);
    const member = schema.findProperty(state.type, seg.name);
    if (member?.kind === 'navigation') {
      const element = member.type.match(/^Collection\((.*)\)$/);
      steps.push({ kind: 'navigation', name: member.name });
      state = { kind: element ? 'collection' : 'entity', type: element ? element[1] : member.type };
      if (seg.key !== undefined) {
        if (!element) return badSegment(raw);
        steps.push({ kind: 'key', key: seg.key });
        state = { kind: 'entity', type: state.type };
      }
      continue;
    }
    if (member?.kind === 'property' && seg.key === undefined) {
      steps.push({ kind: 'property', name: member.name });
      state = { kind: 'property', type: member.type };
      continue;
    }
    const op = seg.key === undefined && schema.findOperation(seg.name, state.type);
    if (op) {
      steps.push({ kind: 'operation', name: op.name, op });
      state = { kind: 'operation', type: state.type, op };
      continue;
    }
    return badSegment(raw);
  }
  return { ok: true, steps, target: state };
}

/** The entity type whose properties `$select` names, if the target has one. */
function selectType(target) {
  if (target.kind === 'entity' || target.kind === 'collection') return target.type;
  if (target.kind === 'operation' && target.op.kind === 'Function' && target.op.returns) {
    return target.op.returns.replace(/^Collection\((.*)\)$/, '$1');
  }
  return undefined;
}

/** Checks query option names and `$select` properties. Returns an error or undefined. */
export function checkQuery(schema, target, params) {
  for (const [name, value] of params) {
    if (name.startsWith('$') && !SYSTEM_QUERY_OPTIONS.has(name.toLowerCase())) {
      return { message: `Query option '${name}' is not allowed.` };
    }
    if (name.toLowerCase() === '$select') {
      const type = selectType(target);
      if (!type) return { message: `$select is not supported on this resource.` };
      for (const prop of value.split(',').map((s) => s.trim()).filter(Boolean)) {
        if (prop === '*') continue;
        if (!schema.findProperty(type, prop)) {
          return { message: `Could not find a property named '${prop}' on type '${type}'.` };
        }
      }
    }
    if (['$top', '$skip'].includes(name.toLowerCase()) && !/^\d+$/.test(value)) {
      return { message: `Invalid value '${value}' for query option '${name}'.` };
    }
  }
  return undefined;
}

/**
 * Checks a JSON body's property names against a structured type (recursively into complex
 * types). Returns an error message or undefined. `@odata.*` annotations are allowed.
 */
export function checkProperties(schema, typeName, value, path = '') {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const err = checkProperties(schema, typeName, item, path);
      if (err) return err;
    }
    return undefined;
  }
  if (!schema.types.has(typeName)) return undefined; // Edm primitives and enums
  for (const [key, inner] of Object.entries(value)) {
    if (key.startsWith('@') || key.includes('@odata.')) continue;
    const member = schema.findProperty(typeName, key);
    if (!member) {
      return `Property '${path}${key}' does not exist on type '${typeName}'.`;
    }
    const element = member.type.replace(/^Collection\((.*)\)$/, '$1');
    const err = checkProperties(schema, element, inner, `${path}${key}/`);
    if (err) return err;
  }
  return undefined;
}

/**
 * Checks an action's JSON body: parameter names are matched without regard to case (the CSDL
 * spells them `DestinationId`, `SaveToSentItems`; Graph documents and accepts camelCase), and
 * entity-typed parameters are checked property by property.
 */
export function checkActionBody(schema, op, body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return 'The request body must be a JSON object.';
  }
  for (const [key, value] of Object.entries(body)) {
    const param = op.params.get(key.toLowerCase());
    if (!param) return `The parameter '${key}' in the request payload is not a valid parameter for the operation '${op.name}'.`;
    const err = checkProperties(schema, param.type, value, `${param.name}/`);
    if (err) return err;
  }
  return undefined;
}

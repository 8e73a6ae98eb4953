// A contract fake of the Gmail API v1 (see tests/fakes/README.md): routes, parameters and
// request bodies are checked against tests/fakes/specs/gmail.v1.json; auth, quota, history
// and errors behave as Google documents them.
//
//   node tests/fakes/gmail/server.mjs --port 0 [--user rep@example.test] [--latency-ms N]
//        [--quota-units N] [--window-ms N] [--token-ttl-s N]
//
// Prints `PORT <n>` as its first stdout line once it listens on 127.0.0.1.

import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { handlers, notImplemented } from './api.mjs';
import { Tokens } from './auth.mjs';
import { parameterProblems, route, unknownFields } from './contract.mjs';
import { control } from './control.mjs';
import { ApiError, badRequest, injected, unauthenticated } from './errors.mjs';
import { Mailbox } from './mailbox.mjs';
import { DEFAULT_QUOTA_UNITS, DEFAULT_WINDOW_MS, METHOD_UNITS, QuotaWindow } from './quota.mjs';

function parseArgs(argv) {
  const args = { port: 0, user: 'rep@example.test', latencyMs: 0, quotaUnits: DEFAULT_QUOTA_UNITS, windowMs: DEFAULT_WINDOW_MS, tokenTtlS: 3600 };
  const names = { '--port': 'port', '--user': 'user', '--latency-ms': 'latencyMs', '--quota-units': 'quotaUnits', '--window-ms': 'windowMs', '--token-ttl-s': 'tokenTtlS' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key || argv[i + 1] === undefined) throw new Error(`unknown or incomplete argument ${argv[i]}`);
    args[key] = key === 'user' ? argv[i + 1] : Number(argv[i + 1]);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const started = performance.now();

const state = {
  mailbox: new Mailbox(args.user),
  tokens: new Tokens(args.tokenTtlS),
  quota: new QuotaWindow(args.quotaUnits, args.windowMs),
  latencyMs: args.latencyMs,
  rateLimitStatus: 429,
  failures: [],
  /** {entry (what /__control/requests shows), query, bodyFields} per API request */
  requests: [],
  configure(body) {
    if (body.latency_ms !== undefined) this.latencyMs = Number(body.latency_ms);
    if (body.quota_units !== undefined) this.quota.limit = Number(body.quota_units);
    if (body.window_ms !== undefined) this.quota.windowMs = Number(body.window_ms);
    if (body.token_ttl_s !== undefined) this.tokens.ttlSeconds = Number(body.token_ttl_s);
    if (body.rate_limit_status !== undefined) {
      if (![429, 403].includes(Number(body.rate_limit_status))) throw badRequest('rate_limit_status is 429 or 403');
      this.rateLimitStatus = Number(body.rate_limit_status);
    }
  },
  config() {
    return {
      latency_ms: this.latencyMs,
      quota_units: this.quota.limit,
      window_ms: this.quota.windowMs,
      token_ttl_s: this.tokens.ttlSeconds,
      rate_limit_status: this.rateLimitStatus,
    };
  },
};

function rateLimited(retryAfterMs) {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const headers = { 'Retry-After': String(seconds) };
  if (state.rateLimitStatus === 403) {
    // The older answer: 403 with reason userRateLimitExceeded.
    return new ApiError(403, 'User Rate Limit Exceeded', { domain: 'usageLimits', reason: 'userRateLimitExceeded', headers });
  }
  const at = new Date(Date.now() + retryAfterMs).toISOString();
  return new ApiError(429, `User-rate limit exceeded.  Retry after ${at}`, {
    domain: 'usageLimits',
    reason: 'rateLimitExceeded',
    headers,
  });
}

function bearer(req, query) {
  const auth = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(auth);
  return m ? m[1] : (query.get('access_token') ?? query.get('oauth_token'));
}

function takeFailure(pathname) {
  const rule = state.failures.find((f) => f.count > 0 && (!f.pathContains || pathname.includes(f.pathContains)));
  if (!rule) return null;
  rule.count -= 1;
  state.failures = state.failures.filter((f) => f.count > 0);
  return injected(rule.status, rule.retryAfter);
}

/** One Gmail API request, in the order Google's front end checks: route, auth, params… */
function serveApi(req, url, rawBody, record) {
  const found = route(req.method, url.pathname);
  if (!found) throw new ApiError(404, `The Gmail API has no ${req.method} ${url.pathname} (not in gmail.v1.json).`);
  const { method, params } = found;
  record.entry.method_id = method.id;
  const failure = takeFailure(url.pathname);
  if (failure) throw failure;
  if (!state.tokens.isValid(bearer(req, url.searchParams))) throw unauthenticated();
  const problems = parameterProblems(method, record.query);
  if (problems.length) {
    const p = problems[0];
    throw badRequest(p.message, { location: p.name, locationType: 'parameter', reason: p.kind === 'unknown' ? 'invalid' : 'badRequest' });
  }
  const user = params.userId;
  if (user !== 'me' && user.toLowerCase() !== state.mailbox.user.toLowerCase()) {
    throw new ApiError(403, `Delegation denied for ${state.mailbox.user}`);
  }
  let body = {};
  if (method.request) {
    try {
      body = rawBody.length ? JSON.parse(rawBody.toString('utf8')) : {};
    } catch (e) {
      throw badRequest(`Invalid JSON payload received. ${e.message}`, { reason: 'parseError' });
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Invalid JSON payload received. Expected an object.');
    record.bodyFields = unknownFields(method.request, body);
    if (record.bodyFields.length) {
      const f = record.bodyFields[0];
      throw badRequest(`Invalid JSON payload received. Unknown name "${f.split('.').pop()}" at '${f}': Cannot find field.`, { reason: 'invalid' });
    }
  }
  const handle = handlers[method.id];
  if (!handle) throw notImplemented(method.id);
  const units = METHOD_UNITS[method.id];
  const verdict = state.quota.admit(units, performance.now());
  if (!verdict.ok) throw rateLimited(verdict.retryAfterMs);
  record.entry.units = units;
  return handle({ mailbox: state.mailbox, params, query: url.searchParams, body });
}

function send(req, res, status, json, headers = {}) {
  let payload = json === null || status === 204 ? Buffer.alloc(0) : Buffer.from(JSON.stringify(json));
  const out = { ...headers };
  if (payload.length) out['Content-Type'] = 'application/json; charset=UTF-8';
  if (payload.length > 1024 && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    payload = gzipSync(payload);
    out['Content-Encoding'] = 'gzip';
    out.Vary = 'Origin, X-Origin, Referer';
  }
  out['Content-Length'] = payload.length;
  res.writeHead(status, out);
  res.end(payload);
}

function answer(req, res, url, rawBody) {
  if (url.pathname.startsWith('/__control/')) {
    try {
      const [status, json] = control(state, req.method, url.pathname, rawBody);
      return send(req, res, status, json);
    } catch (e) {
      if (e instanceof ApiError) return send(req, res, e.code, e.body());
      return send(req, res, 500, { error: String(e.stack ?? e) });
    }
  }
  if (url.pathname === '/token' && req.method === 'POST') {
    const [status, json] = state.tokens.exchange(new URLSearchParams(rawBody.toString('utf8')));
    return send(req, res, status, json, { 'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate' });
  }
  const record = {
    entry: {
      method: req.method,
      path: url.pathname,
      params: [...new Set(url.searchParams.keys())],
      status: 0,
      units: 0,
      t_ms: Math.round(performance.now() - started),
    },
    query: [...url.searchParams],
    bodyFields: [],
  };
  state.requests.push(record);
  let status;
  let json;
  let headers = {};
  try {
    [status, json] = serveApi(req, url, rawBody, record);
  } catch (e) {
    const error = e instanceof ApiError ? e : new ApiError(500, `Internal error in the Gmail fake: ${e.stack ?? e}`);
    if (!(e instanceof ApiError)) process.stderr.write(`${e.stack ?? e}\n`);
    [status, json, headers] = [error.code, error.body(), error.headers];
  }
  record.entry.status = status;
  if (state.latencyMs > 0) setTimeout(() => send(req, res, status, json, headers), state.latencyMs);
  else send(req, res, status, json, headers);
}

const server = createServer({ keepAlive: true }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url, 'http://127.0.0.1');
    answer(req, res, url, Buffer.concat(chunks));
  });
});
server.keepAliveTimeout = 30000;
server.listen(args.port, '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));

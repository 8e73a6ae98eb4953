// A contract fake of the Google Calendar API v3 (see tests/fakes/README.md): routes,
// parameters and request bodies are checked against tests/fakes/specs/calendar.v3.json;
// auth, quota, sync tokens, ETags and errors behave as Google documents them.
//
//   node tests/fakes/gcal/server.mjs --port 0 [--user rep@example.test] [--time-zone ZONE]
//        [--latency-ms N] [--requests-per-window N] [--window-ms N] [--token-ttl-s N]
//
// Prints `PORT <n>` as its first stdout line once it listens on 127.0.0.1.

import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Tokens } from '../gmail/auth.mjs';
import { ApiError, badRequest, injected, unauthenticated } from '../gmail/errors.mjs';
import { QuotaWindow } from '../gmail/quota.mjs';
import { handlers, notImplemented } from './api.mjs';
import { Account } from './calendars.mjs';
import { parameterProblems, route, unknownFields } from './contract.mjs';
import { control } from './control.mjs';

function parseArgs(argv) {
  const args = { port: 0, user: 'rep@example.test', timeZone: 'UTC', latencyMs: 0, requestsPerWindow: 600, windowMs: 60000, tokenTtlS: 3600 };
  const names = {
    '--port': 'port',
    '--user': 'user',
    '--time-zone': 'timeZone',
    '--latency-ms': 'latencyMs',
    '--requests-per-window': 'requestsPerWindow',
    '--window-ms': 'windowMs',
    '--token-ttl-s': 'tokenTtlS',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key || argv[i + 1] === undefined) throw new Error(`unknown or incomplete argument ${argv[i]}`);
    args[key] = ['user', 'timeZone'].includes(key) ? argv[i + 1] : Number(argv[i + 1]);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const started = performance.now();

const state = {
  account: new Account(args.user, args.timeZone),
  tokens: new Tokens(args.tokenTtlS),
  // Calendar API: 600 requests per minute per user per project (a sliding window).
  quota: new QuotaWindow(args.requestsPerWindow, args.windowMs),
  latencyMs: args.latencyMs,
  rateLimitStatus: 429,
  failures: [],
  requests: [],
  configure(body) {
    if (body.latency_ms !== undefined) this.latencyMs = Number(body.latency_ms);
    if (body.requests_per_window !== undefined) this.quota.limit = Number(body.requests_per_window);
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
      requests_per_window: this.quota.limit,
      window_ms: this.quota.windowMs,
      token_ttl_s: this.tokens.ttlSeconds,
      rate_limit_status: this.rateLimitStatus,
    };
  },
};

/** Google's answer when the per-user rate is exceeded: 429 or 403, reason rateLimitExceeded. */
function rateLimited(retryAfterMs) {
  const headers = { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) };
  return new ApiError(state.rateLimitStatus, 'Rate Limit Exceeded', { domain: 'usageLimits', reason: 'rateLimitExceeded', headers });
}

function bearer(req, query) {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m ? m[1] : (query.get('access_token') ?? query.get('oauth_token'));
}

function takeFailure(pathname) {
  const rule = state.failures.find((f) => f.count > 0 && (!f.pathContains || pathname.includes(f.pathContains)));
  if (!rule) return null;
  if (rule.after > 0) {
    // Let this many matching requests through first (a pass cut off part-way).
    rule.after -= 1;
    return null;
  }
  rule.count -= 1;
  state.failures = state.failures.filter((f) => f.count > 0);
  const error = injected(rule.status, rule.retryAfter);
  if (rule.reason) Object.assign(error, { reason: rule.reason, domain: rule.reason.includes('RateLimit') || rule.reason === 'rateLimitExceeded' ? 'usageLimits' : error.domain });
  return error;
}

/** One API request, in the order Google's front end checks: route, auth, params, body… */
function serveApi(req, url, rawBody, record) {
  const found = route(req.method, url.pathname);
  if (!found) throw new ApiError(404, `The Calendar API has no ${req.method} ${url.pathname} (not in calendar.v3.json).`);
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
  const verdict = state.quota.admit(1, performance.now());
  if (!verdict.ok) throw rateLimited(verdict.retryAfterMs);
  return handle({ account: state.account, params, query: url.searchParams, body, headers: req.headers });
}

function send(res, status, json, headers = {}) {
  const payload = json === null || status === 204 || status === 304 ? Buffer.alloc(0) : Buffer.from(JSON.stringify(json));
  const out = { ...headers };
  if (payload.length) out['Content-Type'] = 'application/json; charset=UTF-8';
  if (json && typeof json.etag === 'string' && status < 300) out.ETag = json.etag;
  out['Content-Length'] = payload.length;
  res.writeHead(status, out);
  res.end(payload);
}

function answer(req, res, url, rawBody) {
  if (url.pathname.startsWith('/__control/')) {
    try {
      const [status, json] = control(state, req.method, url.pathname, rawBody);
      return send(res, status, json);
    } catch (e) {
      if (e instanceof ApiError) return send(res, e.code, e.body());
      return send(res, 500, { error: String(e.stack ?? e) });
    }
  }
  if (url.pathname === '/token' && req.method === 'POST') {
    const [status, json] = state.tokens.exchange(new URLSearchParams(rawBody.toString('utf8')));
    return send(res, status, json, { 'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate' });
  }
  const record = {
    entry: {
      method: req.method,
      path: url.pathname,
      params: [...new Set(url.searchParams.keys())],
      if_match: req.headers['if-match'] ?? null,
      status: 0,
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
    const error = e instanceof ApiError ? e : new ApiError(500, `Internal error in the Calendar fake: ${e.stack ?? e}`);
    if (!(e instanceof ApiError)) process.stderr.write(`${e.stack ?? e}\n`);
    [status, json, headers] = [error.code, error.body(), error.headers];
  }
  record.entry.status = status;
  if (state.latencyMs > 0) setTimeout(() => send(res, status, json, headers), state.latencyMs);
  else send(res, status, json, headers);
}

const server = createServer({ keepAlive: true }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => answer(req, res, new URL(req.url, 'http://127.0.0.1'), Buffer.concat(chunks)));
});
server.keepAliveTimeout = 30000;
server.listen(args.port, '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));

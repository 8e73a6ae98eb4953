#!/usr/bin/env node
// A contract fake of Microsoft Graph v1.0 mail (and the identity platform's token endpoint)
// for Switchboard's tests. See tests/fakes/README.md for the API and the control endpoints.
//
//   node tests/fakes/graph/server.mjs --port 0 [--user rep@example.test] [--latency-ms N]
//
// Listens on 127.0.0.1 and prints `PORT <n>` as its first stdout line.

import { createServer } from 'node:http';
import { pathSegments, Schema } from './csdl.mjs';
import { Control } from './control.mjs';
import { DeltaTracker } from './delta.mjs';
import { GraphApi } from './graph-api.mjs';
import { errorBody, GraphError, readBody, reply, send } from './http.mjs';
import { MailStore } from './mailstore.mjs';
import { Throttle } from './throttle.mjs';
import { Tokens } from './auth.mjs';
import { CalendarApi } from './calendar-api.mjs';
import { CalendarControl } from './calendar-control.mjs';
import { CalendarStore } from './calendar-store.mjs';

function parseArgs(argv) {
  const out = { port: 0, user: 'rep@example.test', latencyMs: 0 };
  for (let i = 0; i < argv.length; i += 1) {
    const next = () => argv[++i];
    if (argv[i] === '--port') out.port = Number(next());
    else if (argv[i] === '--user') out.user = next();
    else if (argv[i] === '--latency-ms') out.latencyMs = Number(next());
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return out;
}

const DEFAULT_CODES = {
  400: 'BadRequest', 401: 'InvalidAuthenticationToken', 403: 'ErrorAccessDenied', 404: 'ErrorItemNotFound',
  409: 'ErrorIrresolvableConflict', 410: 'syncStateNotFound', 429: 'ApplicationThrottled',
  500: 'InternalServerError', 502: 'BadGateway', 503: 'ServiceUnavailable', 504: 'GatewayTimeout',
};
const TOKEN_PATH = /^\/[^/]+\/oauth2\/v2\.0\/token$/;

const args = parseArgs(process.argv.slice(2));
const started = performance.now();
const schema = Schema.load();
const store = new MailStore();
store.addMailbox(args.user);
const tokens = new Tokens();
const throttle = new Throttle();
const delta = new DeltaTracker();
const requests = [];
const failures = [];
let release = () => {};
let gate = Promise.resolve();
const settings = {
  user: args.user,
  latencyMs: args.latencyMs,
  hold: false,
  // While held, admitted API requests wait (in flight) until the hold is lifted: a test
  // can then fill the concurrency limit without racing a timer.
  setHold(on) {
    if (on && !this.hold) gate = new Promise((resolve) => { release = resolve; });
    if (!on) release();
    this.hold = on;
  },
};
let api;
const control = new Control({ schema, store, tokens, delta, throttle, settings, requests, failures });
const calendars = new CalendarStore();
let calendarApi;
const calendarControl = new CalendarControl({ calendars, api: () => calendarApi, settings });

const delay = (ms) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined);

function wwwAuthenticate(base) {
  return `Bearer realm="", authorization_uri="${base}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`;
}

function injectedFailure(path, base) {
  const rule = failures.find((f) => f.count > 0 && (!f.pathContains || path.includes(f.pathContains)));
  if (!rule) return undefined;
  rule.count -= 1;
  const headers = rule.retryAfter !== undefined ? { 'Retry-After': String(rule.retryAfter) } : {};
  if (rule.status === 401) headers['WWW-Authenticate'] = wwwAuthenticate(base);
  if (TOKEN_PATH.test(path)) {
    return reply(rule.status, { error: rule.code ?? 'temporarily_unavailable', error_description: 'AADSTS50000: Injected failure.', error_codes: [50000] }, headers);
  }
  const code = rule.code ?? DEFAULT_CODES[rule.status] ?? 'UnknownError';
  return reply(rule.status, errorBody(code, `Injected failure (HTTP ${rule.status}).`), headers);
}

async function handleApi(req, url, body, base) {
  const failure = injectedFailure(url.pathname, base);
  if (failure) return { result: failure };
  if (TOKEN_PATH.test(url.pathname)) {
    if (req.method !== 'POST') return { result: reply(405, { error: 'invalid_request', error_description: 'AADSTS900561: The endpoint only accepts POST requests.' }) };
    const { status, body: out } = tokens.exchange(new URLSearchParams(body.toString('utf8')));
    return { result: reply(status, out, { 'Cache-Control': 'no-store' }) };
  }
  if (!url.pathname.startsWith('/v1.0/')) {
    return { result: reply(400, errorBody('BadRequest', `Invalid version: ${url.pathname.split('/')[1] ?? ''}`)) };
  }
  const authorization = req.headers.authorization;
  const address = tokens.user(authorization);
  if (!address) {
    const message = authorization ? 'Access token has expired or is not yet valid.' : 'Access token is empty.';
    return { result: reply(401, errorBody('InvalidAuthenticationToken', message), { 'WWW-Authenticate': wwwAuthenticate(base) }) };
  }
  const segments = pathSegments(url.pathname);
  if (!segments) return { result: reply(400, errorBody('BadRequest', 'The request URI is not valid.')) };
  const prepared = api.prepare({ segments, query: url.searchParams, user: store.mailbox(address) });
  const admitted = throttle.admit(prepared.mbx.id, performance.now());
  if (typeof admitted !== 'function') {
    return {
      result: reply(429, errorBody('ApplicationThrottled', admitted.message), { 'Retry-After': String(admitted.retryAfter) }),
    };
  }
  try {
    await delay(settings.latencyMs);
    if (settings.hold) await gate;
    const result = api.execute(prepared, {
      method: req.method, query: url.searchParams, headers: req.headers, body, path: url.pathname,
    });
    return { result, delayed: true, releaseAfter: admitted };
  } catch (e) {
    admitted();
    throw e;
  }
}

const server = createServer(async (req, res) => {
  const base = `http://127.0.0.1:${server.address().port}`;
  const url = new URL(req.url, base);
  let body;
  try {
    body = await readBody(req);
  } catch {
    return;
  }
  if (url.pathname.startsWith('/__control')) {
    let json = {};
    try {
      json = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      send(res, reply(400, { error: 'control bodies are JSON' }));
      return;
    }
    if (url.pathname.startsWith('/__control/calendar/')) {
      send(res, calendarControl.handle(req.method, url.pathname.slice('/__control/calendar'.length), json));
      return;
    }
    send(res, control.handle(req.method, url.pathname.slice('/__control'.length), json));
    return;
  }
  const entry = {
    method: req.method,
    path: url.pathname,
    query: [...url.searchParams.keys()],
    status: 0,
    t_ms: Math.round(performance.now() - started),
    // kept for the contract re-check, not shown by /__control/requests:
    params: [...url.searchParams],
    search: url.search,
    json: /json/i.test(req.headers['content-type'] ?? '') && body.length ? safeJson(body) : undefined,
  };
  requests.push(entry);
  let outcome;
  try {
    outcome = await handleApi(req, url, body, base);
  } catch (e) {
    const status = e instanceof GraphError ? e.status : 500;
    const code = e instanceof GraphError ? e.code : 'InternalServerError';
    if (!(e instanceof GraphError)) process.stderr.write(`${e.stack}\n`);
    outcome = { result: reply(status, errorBody(code, e.message), e.headers ?? {}) };
  }
  if (!outcome.delayed) await delay(settings.latencyMs);
  entry.status = outcome.result.status;
  if (outcome.releaseAfter) {
    res.on('finish', outcome.releaseAfter);
    res.on('close', outcome.releaseAfter);
  }
  send(res, outcome.result);
});

function safeJson(body) {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

server.keepAliveTimeout = 30000;
server.listen(args.port, '127.0.0.1', () => {
  api = new GraphApi({ schema, store, delta, base: `http://127.0.0.1:${server.address().port}` });
  calendarApi = new CalendarApi({ schema, calendars, base: `http://127.0.0.1:${server.address().port}` });
  api.calendar = calendarApi;
  process.stdout.write(`PORT ${server.address().port}\n`);
});

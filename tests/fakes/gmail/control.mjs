// The control API (/__control/…, no auth): what tests do behind the client's back — other
// clients changing the mailbox, expiring history and tokens, injecting failures, reading
// what the client sent.

import { bulkInsert } from './bulk.mjs';
import { violationsOf } from './contract.mjs';
import { badRequest, notFound } from './errors.mjs';
import { parseHeaders } from './mime.mjs';

function rawFrom(body) {
  if (typeof body.raw_base64 === 'string') return Buffer.from(body.raw_base64, 'base64');
  if (typeof body.raw === 'string') return Buffer.from(body.raw, 'utf8');
  throw badRequest('raw (RFC 822 text) or raw_base64 is required');
}

/** [method, path pattern, handler(state, body, match)] */
const routes = [
  ['POST', /^\/__control\/grant$/, (s, body) => s.tokens.grant(body.scope)],
  [
    'POST',
    /^\/__control\/messages$/,
    (s, body) => {
      const raw = rawFrom(body);
      const parsed = parseHeaders(raw);
      const mailbox = s.mailbox;
      const threadId = body.threadId ?? mailbox.threadByReferences(parsed.headers);
      if (threadId !== undefined && !mailbox.threads.has(threadId)) throw badRequest(`No thread ${threadId}`);
      const message = mailbox.add({ raw, parsed, labelIds: body.labelIds ?? ['INBOX'], threadId, internalDate: body.internalDate });
      return { id: message.id, threadId: message.threadId, historyId: String(message.historyId) };
    },
  ],
  [
    'POST',
    /^\/__control\/bulk$/,
    (s, body) => {
      const count = Number(body.count);
      if (!Number.isSafeInteger(count) || count < 0) throw badRequest('count must be a non-negative integer');
      const made = bulkInsert(s.mailbox, { count, seed: body.seed ?? 1, labelIds: body.labelIds });
      return { ids_count: made, historyId: String(s.mailbox.historyId) };
    },
  ],
  ['POST', /^\/__control\/labels$/, (s, body) => s.mailbox.createLabel(body.name)],
  [
    'POST',
    /^\/__control\/modify$/,
    (s, body) => {
      const message = s.mailbox.get(body.id);
      s.mailbox.modify(message, body.add ?? [], body.remove ?? []);
      return { id: message.id, labelIds: [...message.labels], historyId: String(s.mailbox.historyId) };
    },
  ],
  [
    'DELETE',
    /^\/__control\/messages\/([^/]+)$/,
    (s, _body, m) => {
      s.mailbox.remove(s.mailbox.get(decodeURIComponent(m[1])));
      return { historyId: String(s.mailbox.historyId) };
    },
  ],
  [
    'POST',
    /^\/__control\/expire-history$/,
    (s) => {
      s.mailbox.expireHistory();
      return { historyId: String(s.mailbox.historyId) };
    },
  ],
  ['POST', /^\/__control\/expire-tokens$/, (s) => (s.tokens.expireAccess(), {})],
  ['POST', /^\/__control\/revoke$/, (s) => (s.tokens.revokeRefresh(), {})],
  [
    'POST',
    /^\/__control\/fail$/,
    (s, body) => {
      const status = Number(body.status);
      if (!(status >= 400 && status <= 599)) throw badRequest('status must be 400-599');
      s.failures.push({ status, count: Number(body.count ?? 1), pathContains: body.path_contains ?? null, retryAfter: body.retry_after ?? null });
      return {};
    },
  ],
  [
    'POST',
    /^\/__control\/config$/,
    (s, body) => {
      s.configure(body);
      return s.config();
    },
  ],
  [
    'GET',
    /^\/__control\/state$/,
    (s) => {
      const mailbox = s.mailbox;
      return {
        historyId: String(mailbox.historyId),
        messages: mailbox.ordered.map((m) => ({
          id: m.id,
          threadId: m.threadId,
          labelIds: [...m.labels],
          message_id_header: m.messageIdHeader,
          internalDate: String(m.internalDate),
        })),
        drafts: [...mailbox.drafts].map(([id, messageId]) => ({ id, message_id: messageId, threadId: mailbox.messages.get(messageId).threadId })),
        sends: mailbox.sends,
      };
    },
  ],
  ['GET', /^\/__control\/requests$/, (s) => s.requests.map((r) => r.entry)],
  ['DELETE', /^\/__control\/requests$/, (s) => ((s.requests = []), {})],
  [
    'GET',
    /^\/__control\/contract$/,
    (s) => ({ violations: s.requests.flatMap((r) => violationsOf(r.entry, r.query, r.bodyFields)) }),
  ],
];

/** Answers a control request: [status, json]. */
export function control(state, method, pathname, rawBody) {
  for (const [verb, pattern, handle] of routes) {
    const match = pattern.exec(pathname);
    if (!match || verb !== method) continue;
    let body = {};
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        throw badRequest('control body is not JSON');
      }
    }
    return [200, handle(state, body, match)];
  }
  throw notFound();
}

// /__control: what a test does behind the client's back (another client reading, moving,
// deleting; new mail arriving), fault injection, configuration and inspection. No auth.

import { createHash } from 'node:crypto';
import { checkActionBody, checkProperties, checkQuery, pathSegments, resolvePath } from './csdl.mjs';
import { GraphError, reply } from './http.mjs';
import { NotFound } from './mailstore.mjs';

const PEOPLE = [
  ['Ada Lovelace', 'ada@example.test'], ['Grace Hopper', 'grace@example.test'],
  ['Alan Turing', 'alan@example.test'], ['Edsger Dijkstra', 'edsger@example.test'],
  ['Barbara Liskov', 'barbara@example.test'], ['Donald Knuth', 'don@example.test'],
  ['Frances Allen', 'fran@example.test'], ['Ken Thompson', 'ken@example.test'],
  ['Margaret Hamilton', 'margaret@example.test'], ['Dennis Ritchie', 'dmr@example.test'],
  ['Радмила Петрова', 'radmila@example.test'], ['山田 花子', 'hanako@example.test'],
];
const WORDS = ('quarterly budget review launch plan invoice contract meeting notes design draft ' +
  'offsite travel hiring roadmap incident report release schedule feedback survey renewal ' +
  'vendor migration backlog demo workshop agenda').split(' ');

/** Deterministic numbers in [0, 1) from a seed: hashes of seed and a counter. */
function rng(seed) {
  let n = 0;
  return () => createHash('sha256').update(`${seed}:${(n += 1)}`).digest().readUInt32LE(0) / 2 ** 32;
}

let bulkRun = 0;

/** Inserts `count` varied messages; about a third reply to an earlier one (References). */
function bulkInsert(mbx, folderRef, count, seed) {
  const random = rng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const threads = [];
  const run = ++bulkRun;
  const self = { emailAddress: { name: mbx.displayName, address: mbx.address } };
  const start = Date.UTC(2024, 0, 1);
  for (let i = 0; i < count; i += 1) {
    let thread = threads.length && random() < 0.35 ? pick(threads) : undefined;
    if (!thread) {
      thread = { subject: `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)} #${i}`, refs: [] };
      threads.push(thread);
      if (threads.length > 400) threads.shift();
    }
    const [name, address] = pick(PEOPLE);
    const from = { emailAddress: { name, address } };
    const internetMessageId = `<bulk-${seed}-${run}-${i}@example.test>`;
    const subject = thread.refs.length ? `Re: ${thread.subject}` : thread.subject;
    const received = new Date(start + i * 60000);
    const text = `Hello,\r\n\r\nmessage ${i} about ${subject} from ${name}.\r\n`;
    const inReplyTo = thread.refs[thread.refs.length - 1];
    const references = thread.refs.slice(-10);
    const head = [
      `From: "${name}" <${address}>`, `To: <${mbx.address}>`, `Subject: ${subject}`,
      `Date: ${received.toUTCString().replace('GMT', '+0000')}`, `Message-ID: ${internetMessageId}`,
      ...(inReplyTo ? [`In-Reply-To: ${inReplyTo}`, `References: ${references.join(' ')}`] : []),
      'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8',
    ];
    const fields = {
      subject, from, sender: from, toRecipients: [self], ccRecipients: [], bccRecipients: [],
      replyTo: [], internetMessageId, inReplyTo, references, sentDateTime: received,
      body: { contentType: 'text', content: text },
      bodyPreview: text.replace(/\s+/g, ' ').trim(), hasAttachments: false,
    };
    mbx.insert(folderRef, `${head.join('\r\n')}\r\n\r\n${text}`, {
      isRead: random() < 0.5, flagged: random() < 0.05, receivedDateTime: received,
    }, fields);
    thread.refs.push(internetMessageId);
  }
}

/** Re-checks a logged request against the CSDL; returns a reason or undefined. */
export function contractProblem(schema, entry) {
  if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(entry.path)) {
    return entry.method === 'POST' ? undefined : 'the token endpoint takes POST only';
  }
  if (!entry.path.startsWith('/v1.0/')) return 'not a Microsoft Graph v1.0 path';
  const segments = pathSegments(entry.path);
  if (!segments) return 'a path segment is not valid percent-encoding';
  const resolved = resolvePath(schema, segments);
  if (!resolved.ok) return resolved.message;
  const q = checkQuery(schema, resolved.target, entry.params);
  if (q) return q.message;
  const { target } = resolved;
  if (target.kind === 'operation') {
    const expected = target.op.kind === 'Function' ? 'GET' : 'POST';
    if (entry.method !== expected) return `${target.op.kind} ${target.op.name} takes ${expected}`;
    if (entry.json !== undefined && target.op.kind === 'Action') return checkActionBody(schema, target.op, entry.json);
  }
  if (entry.json !== undefined && ['PATCH', 'POST'].includes(entry.method) && target.kind !== 'operation') {
    const type = target.type.replace(/^Collection\((.*)\)$/, '$1');
    return checkProperties(schema, type, entry.json);
  }
  return undefined;
}

export class Control {
  constructor({ schema, store, tokens, delta, throttle, settings, requests, failures }) {
    Object.assign(this, { schema, store, tokens, delta, throttle, settings, requests, failures });
  }

  #mailbox(ref) {
    return ref ? this.store.mailbox(ref) : this.store.mailbox(this.settings.user);
  }

  handle(method, path, body) {
    try {
      return this.#route(method, path, body);
    } catch (e) {
      if (e instanceof NotFound || e instanceof GraphError) return reply(e instanceof NotFound ? 404 : e.status, { error: e.message });
      return reply(400, { error: String(e.message ?? e) });
    }
  }

  #route(method, path, b) {
    const key = `${method} ${path}`;
    const msgDelete = path.match(/^\/messages\/(.+)$/);
    if (method === 'DELETE' && msgDelete) {
      const { mbx, msg } = this.store.findMessage(decodeURIComponent(msgDelete[1]));
      mbx.delete(msg);
      return reply(200, {});
    }
    switch (key) {
      case 'POST /grant': {
        const user = b.user ?? this.settings.user;
        this.store.addMailbox(user);
        const t = this.tokens.grant(user);
        return reply(200, { refresh_token: t.refresh_token, access_token: t.access_token, expires_in: t.expires_in });
      }
      case 'POST /mailboxes': {
        if (!b.address) throw new Error('address is required');
        const mbx = this.store.addMailbox(b.address, 'shared', b.displayName);
        for (const d of b.delegates ?? []) mbx.delegates.add(String(d).toLowerCase());
        return reply(200, { id: mbx.id, address: mbx.address });
      }
      case 'POST /messages': {
        const mbx = this.#mailbox(b.mailbox);
        const raw = b.raw ?? (b.raw_base64 ? Buffer.from(b.raw_base64, 'base64').toString('utf8') : undefined);
        if (!raw) throw new Error('raw or raw_base64 is required');
        const msg = mbx.insert(b.folder ?? 'inbox', raw, {
          isRead: b.isRead, flagged: b.flagged, isDraft: b.isDraft, receivedDateTime: b.receivedDateTime,
        });
        return reply(200, { id: msg.restId, immutableId: msg.imm, conversationId: msg.conversationId, internetMessageId: msg.internetMessageId });
      }
      case 'POST /bulk': {
        const mbx = this.#mailbox(b.mailbox);
        bulkInsert(mbx, b.folder ?? 'inbox', Number(b.count ?? 0), Number(b.seed ?? 1));
        return reply(200, { count: Number(b.count ?? 0) });
      }
      case 'POST /folders': {
        const folder = this.#mailbox(b.mailbox).createFolder(b.displayName, b.parent);
        return reply(200, { id: folder.id });
      }
      case 'POST /update': {
        const { mbx, msg } = this.store.findMessage(b.id);
        const changes = {};
        if (b.isRead !== undefined) changes.isRead = b.isRead;
        if (b.flagged !== undefined) changes.flagStatus = b.flagged ? 'flagged' : 'notFlagged';
        mbx.update(msg, changes);
        return reply(200, { id: msg.restId, immutableId: msg.imm });
      }
      case 'POST /move': {
        const { mbx, msg } = this.store.findMessage(b.id);
        mbx.move(msg, b.folder);
        return reply(200, { id: msg.restId, immutableId: msg.imm });
      }
      case 'POST /expire-delta':
        this.delta.expireAll();
        return reply(200, {});
      case 'POST /expire-tokens':
        this.tokens.expireAccess();
        return reply(200, {});
      case 'POST /revoke':
        this.tokens.revokeAll();
        return reply(200, {});
      case 'POST /fail':
        this.failures.push({
          status: Number(b.status), count: Number(b.count ?? 1), pathContains: b.path_contains,
          retryAfter: b.retry_after, code: b.code,
        });
        return reply(200, {});
      case 'POST /config': {
        this.throttle.configure(b);
        if (b.latency_ms != null) this.settings.latencyMs = Number(b.latency_ms);
        if (b.hold != null) this.settings.setHold(Boolean(b.hold));
        return reply(200, { latency_ms: this.settings.latencyMs, hold: this.settings.hold, ...this.throttle.limits });
      }
      case 'GET /state':
        return reply(200, this.#state());
      case 'GET /requests':
        return reply(200, this.requests.map(({ method: m, path: p, query, status, t_ms: t }) => ({ method: m, path: p, query, status, t_ms: t })));
      case 'DELETE /requests':
        this.requests.length = 0;
        return reply(200, {});
      case 'GET /contract': {
        const violations = [];
        for (const entry of this.requests) {
          const problem = contractProblem(this.schema, entry);
          if (problem) violations.push(`${entry.method} ${entry.path}${entry.search}: ${problem}`);
        }
        return reply(200, { violations });
      }
      default:
        return reply(404, { error: `no control endpoint ${key}` });
    }
  }

  #state() {
    const mailboxes = [...this.store.mailboxes.values()].map((mbx) => ({
      id: mbx.id,
      address: mbx.address,
      kind: mbx.kind,
      delegates: [...mbx.delegates],
      folders: [...mbx.folders.values()].map((f) => ({
        id: f.id, displayName: f.displayName, wellKnown: f.wellKnown ?? null, parentFolderId: f.parentId ?? null,
      })),
      messages: [...mbx.messages.values()].map((m) => ({
        id: m.restId, immutableId: m.imm, folderId: m.folderId, internetMessageId: m.internetMessageId,
        conversationId: m.conversationId, subject: m.subject, isRead: m.isRead,
        flagged: m.flagStatus === 'flagged', isDraft: m.isDraft,
      })),
    }));
    return { mailboxes, sends: this.store.sends, inflight: Object.fromEntries(this.throttle.inflight) };
  }
}

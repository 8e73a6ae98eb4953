// One user's mailbox: messages (raw kept as a Buffer), threads, labels, drafts, the
// history log and the sends. Lookups are Maps; the newest-first order is a sorted array kept
// up to date by binary search, so a request costs no scan of the whole mailbox except where
// the answer itself depends on all of it (messages.list counts its estimate).

import { randomBytes } from 'node:crypto';
import { ApiError, badRequest, notFound } from './errors.mjs';
import { header, messageIds, parseHeaders, snippetOf } from './mime.mjs';

const SYSTEM_LABELS = [
  ['INBOX', 'labelShow'],
  ['SENT', 'labelShow'],
  ['DRAFT', 'labelShow'],
  ['TRASH', 'labelHide'],
  ['SPAM', 'labelHide'],
  ['STARRED', 'labelShow'],
  ['IMPORTANT', 'labelShow'],
  ['UNREAD'],
  ['CHAT', 'labelHide'],
  ['CATEGORY_PERSONAL'],
  ['CATEGORY_SOCIAL'],
  ['CATEGORY_PROMOTIONS'],
  ['CATEGORY_UPDATES'],
  ['CATEGORY_FORUMS'],
];

const HISTORY_TYPES = ['messagesAdded', 'messagesDeleted', 'labelsAdded', 'labelsRemoved'];

/** Newest first: later internalDate, then later insertion. */
function isAfter(m, date, seq) {
  return m.internalDate < date || (m.internalDate === date && m.seq < seq);
}

export function encodeToken(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeToken(token) {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('Invalid pageToken');
  }
}

export class Mailbox {
  constructor(user) {
    this.user = user;
    this.historyId = 1000;
    /** startHistoryIds below this answer 404 (history no longer retained). */
    this.historyFloor = this.historyId;
    this.history = [];
    this.messages = new Map();
    this.ordered = [];
    this.threads = new Map();
    this.byMessageId = new Map();
    this.labels = new Map(
      SYSTEM_LABELS.map(([id, list]) => [
        id,
        list ? { id, name: id, messageListVisibility: 'hide', labelListVisibility: list, type: 'system' } : { id, name: id, type: 'system' },
      ]),
    );
    this.nextLabel = 1;
    this.drafts = new Map();
    this.nextDraft = 1;
    this.sends = [];
    this.seq = 0;
  }

  // ---- messages -------------------------------------------------------------------------

  get(id) {
    const message = this.messages.get(id);
    if (!message) throw notFound();
    return message;
  }

  /** The thread of an existing message that `headers`' In-Reply-To/References name, if any. */
  threadByReferences(headers, inThread) {
    const named = [...messageIds(header(headers, 'references')), ...messageIds(header(headers, 'in-reply-to'))];
    for (const ref of named.reverse()) {
      for (const id of this.byMessageId.get(ref) ?? []) {
        const threadId = this.messages.get(id).threadId;
        if (inThread === undefined || inThread === threadId) return threadId;
      }
    }
    return undefined;
  }

  /**
   * Adds a message. `threadId` undefined starts a new thread. With `sorted: false` the
   * newest-first order is left for `resort()` (bulk inserts sort once at the end).
   */
  add({ raw, labelIds, threadId, internalDate, parsed }, sorted = true) {
    this.checkLabels(labelIds);
    const { headers, bodyStart } = parsed ?? parseHeaders(raw);
    this.seq += 1;
    const id = (0x18c0000000000000n + BigInt(this.seq) * 0x3d1n).toString(16);
    const dateHeader = Date.parse(header(headers, 'date') ?? '');
    const message = {
      id,
      seq: this.seq,
      threadId: threadId ?? id,
      labels: new Set(labelIds),
      raw,
      headers,
      bodyStart,
      internalDate: internalDate ?? (Number.isFinite(dateHeader) ? dateHeader : Date.now()),
      messageIdHeader: messageIds(header(headers, 'message-id'))[0] ?? null,
      historyId: 0,
      snippet: null,
    };
    this.messages.set(id, message);
    if (!this.threads.has(message.threadId)) this.threads.set(message.threadId, new Set());
    this.threads.get(message.threadId).add(id);
    if (message.messageIdHeader) {
      if (!this.byMessageId.has(message.messageIdHeader)) this.byMessageId.set(message.messageIdHeader, new Set());
      this.byMessageId.get(message.messageIdHeader).add(id);
    }
    if (sorted) this.ordered.splice(this.indexAfter(message.internalDate, message.seq), 0, message);
    else this.ordered.push(message);
    message.historyId = this.record('messagesAdded', message, [{ message: this.ref(message, true) }]);
    return message;
  }

  resort() {
    this.ordered.sort((a, b) => b.internalDate - a.internalDate || b.seq - a.seq);
  }

  remove(message) {
    this.messages.delete(message.id);
    const thread = this.threads.get(message.threadId);
    thread.delete(message.id);
    if (thread.size === 0) this.threads.delete(message.threadId);
    this.byMessageId.get(message.messageIdHeader)?.delete(message.id);
    const at = this.indexAfter(message.internalDate, message.seq) - 1;
    if (this.ordered[at] === message) this.ordered.splice(at, 1);
    if (message.draftId) this.drafts.delete(message.draftId);
    this.record('messagesDeleted', message, [{ message: this.ref(message) }]);
  }

  /** Adds and removes labels; one history record for what actually changed. */
  modify(message, add = [], remove = []) {
    this.checkLabels(add);
    this.checkLabels(remove);
    const added = add.filter((l) => !message.labels.has(l));
    const removed = remove.filter((l) => message.labels.has(l) && !add.includes(l));
    for (const l of added) message.labels.add(l);
    for (const l of removed) message.labels.delete(l);
    if (added.length === 0 && removed.length === 0) return;
    const entries = {};
    if (added.length) entries.labelsAdded = [{ message: this.ref(message, true), labelIds: added }];
    if (removed.length) entries.labelsRemoved = [{ message: this.ref(message, true), labelIds: removed }];
    // labelId filtering sees the message's labels after the change plus the removed ones.
    message.historyId = this.recordMany(entries, message, [...message.labels, ...removed]);
  }

  checkLabels(ids) {
    for (const id of ids ?? []) if (!this.labels.has(id)) throw badRequest(`Invalid label: ${id}`);
  }

  ref(message, withLabels = false) {
    const ref = { id: message.id, threadId: message.threadId };
    if (withLabels) ref.labelIds = [...message.labels];
    return ref;
  }

  /** The Message resource in `format` (minimal, metadata, raw; full lives in the API). */
  resource(message, format, metadataHeaders) {
    if (message.snippet === null) message.snippet = snippetOf(message.raw);
    const out = {
      id: message.id,
      threadId: message.threadId,
      labelIds: [...message.labels],
      snippet: message.snippet,
      sizeEstimate: message.raw.length,
      historyId: String(message.historyId),
      internalDate: String(message.internalDate),
    };
    if (format === 'raw') out.raw = message.raw.toString('base64url');
    if (format === 'metadata') {
      const wanted = metadataHeaders?.length ? new Set(metadataHeaders.map((h) => h.toLowerCase())) : null;
      out.payload = {
        mimeType: (header(message.headers, 'content-type') ?? 'text/plain').split(';')[0].trim(),
        headers: message.headers.filter((h) => !wanted || wanted.has(h.name.toLowerCase())),
      };
    }
    return out;
  }

  // ---- listing --------------------------------------------------------------------------

  /** First index of `ordered` that comes strictly after (date, seq). */
  indexAfter(date, seq) {
    let lo = 0;
    let hi = this.ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (isAfter(this.ordered[mid], date, seq)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * messages.list. The page token is a cursor (internalDate, seq) of the last message
   * returned, so messages inserted or deleted between pages cause neither gaps nor repeats.
   */
  list({ labelIds = [], includeSpamTrash = false, candidates, maxResults, pageToken }) {
    const hidden = includeSpamTrash ? [] : ['SPAM', 'TRASH'].filter((l) => !labelIds.includes(l));
    const matches = (m) => labelIds.every((l) => m.labels.has(l)) && !hidden.some((l) => m.labels.has(l));
    let pool = this.ordered;
    if (candidates) {
      pool = candidates.map((id) => this.messages.get(id)).filter(Boolean);
      pool.sort((a, b) => b.internalDate - a.internalDate || b.seq - a.seq);
    }
    let start = 0;
    if (pageToken) {
      const [date, seq] = decodeToken(pageToken);
      if (!Number.isFinite(date) || !Number.isFinite(seq)) throw badRequest('Invalid pageToken');
      start = candidates ? pool.findIndex((m) => isAfter(m, date, seq)) : this.indexAfter(date, seq);
      if (start === -1) start = pool.length;
    }
    const page = [];
    let total = 0;
    let more = false;
    for (let i = 0; i < pool.length; i += 1) {
      const m = pool[i];
      if (!matches(m)) continue;
      total += 1;
      if (i < start) continue;
      if (page.length < maxResults) page.push(m);
      else more = true;
    }
    const out = { messages: page.map((m) => this.ref(m)), resultSizeEstimate: total };
    if (page.length === 0) delete out.messages;
    if (more) {
      const last = page[page.length - 1];
      out.nextPageToken = encodeToken([last.internalDate, last.seq]);
    }
    return out;
  }

  // ---- history --------------------------------------------------------------------------

  record(type, message, entries) {
    return this.recordMany({ [type]: entries }, message, [...message.labels]);
  }

  /** Appends a history record; `labels` are what labelId filtering matches on. */
  recordMany(entries, message, labels) {
    this.historyId += 1;
    this.history.push({
      public: { id: String(this.historyId), messages: [this.ref(message)], ...entries },
      id: this.historyId,
      labels: new Set(labels),
    });
    return this.historyId;
  }

  expireHistory() {
    this.historyFloor = this.historyId;
    this.history = [];
  }

  /** history.list: records after `start`, filtered, paged by record id. */
  listHistory({ start, pageToken, maxResults, labelId, historyTypes }) {
    if (start < this.historyFloor) throw notFound();
    let after = start;
    if (pageToken) {
      const [id] = decodeToken(pageToken);
      if (!Number.isFinite(id)) throw badRequest('Invalid pageToken');
      after = Math.max(id, start);
    }
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid].id > after) hi = mid;
      else lo = mid + 1;
    }
    const types = historyTypes?.length ? historyTypes.map((t) => `${t.replace(/^message|^label/, (p) => `${p}s`)}`) : null;
    const page = [];
    let more = false;
    for (let i = lo; i < this.history.length; i += 1) {
      const rec = this.history[i];
      if (labelId && !rec.labels.has(labelId)) continue;
      let out = rec.public;
      if (types) {
        const kept = HISTORY_TYPES.filter((t) => types.includes(t) && out[t]);
        if (kept.length === 0) continue;
        out = { id: out.id, messages: out.messages, ...Object.fromEntries(kept.map((t) => [t, out[t]])) };
      }
      if (page.length === maxResults) {
        more = true;
        break;
      }
      page.push({ out, id: rec.id });
    }
    const result = { historyId: String(this.historyId) };
    if (page.length) result.history = page.map((p) => p.out);
    if (more) result.nextPageToken = encodeToken([page[page.length - 1].id]);
    return result;
  }

  // ---- labels, drafts, sends ------------------------------------------------------------

  createLabel(name) {
    if (!name || typeof name !== 'string') throw badRequest('Invalid label name');
    for (const l of this.labels.values()) {
      if (l.name.toLowerCase() === name.toLowerCase()) {
        throw new ApiError(409, 'Label name exists or conflicts');
      }
    }
    const label = { id: `Label_${this.nextLabel}`, name, messageListVisibility: 'show', labelListVisibility: 'labelShow', type: 'user' };
    this.nextLabel += 1;
    this.labels.set(label.id, label);
    return label;
  }

  newDraftId() {
    const id = `r${(7000000000000000000n + BigInt(this.nextDraft) * 7919n).toString()}`;
    this.nextDraft += 1;
    return id;
  }

  draft(id) {
    const messageId = this.drafts.get(id);
    if (!messageId) throw notFound();
    return { id, message: this.messages.get(messageId) };
  }

  recordSend(message) {
    this.sends.push({ id: message.id, threadId: message.threadId, raw_message_id: message.messageIdHeader });
  }

  static newMessageId(user) {
    return `${randomBytes(12).toString('hex')}@${user.split('@')[1] ?? 'mail.gmail.com'}`;
  }
}

// The Gmail methods the fake implements, keyed by discovery-document method id. Each takes
// the request (decoded path parameters, query, JSON body) and the mailbox and returns
// [status, json]; errors are thrown as ApiError.

import { ApiError, badRequest } from './errors.mjs';
import { Mailbox } from './mailbox.mjs';
import { parseHeaders, partTree, withMessageId } from './mime.mjs';

function maxResults(query) {
  const value = query.get('maxResults');
  if (value === null) return 100;
  const n = Number(value);
  if (n < 1) throw badRequest(`Invalid maxResults: ${value}`);
  return Math.min(n, 500);
}

const bool = (value) => value !== null && value.toLowerCase() === 'true';

/**
 * The message ids a `q` selects. Only `rfc822msgid:` (with `in:sent` / `in:drafts`) is
 * understood; anything else is refused so a client never relies on search the fake ignores.
 */
function searchCandidates(mailbox, q) {
  const terms = q.trim().split(/\s+/).filter(Boolean);
  let msgId = null;
  const labels = [];
  for (const term of terms) {
    const m = /^rfc822msgid:(.+)$/i.exec(term);
    if (m) msgId = m[1].replace(/^"|"$/g, '').replace(/^<|>$/g, '');
    else if (/^in:sent$/i.test(term)) labels.push('SENT');
    else if (/^in:drafts?$/i.test(term)) labels.push('DRAFT');
    else {
      throw badRequest(
        `The Gmail fake does not support the search term "${term}" (it understands rfc822msgid:<id>, optionally with in:sent or in:drafts).`,
        { location: 'q', locationType: 'parameter' },
      );
    }
  }
  if (msgId === null) {
    throw badRequest('The Gmail fake needs rfc822msgid:<id> in q (in:sent / in:drafts only narrow it).', {
      location: 'q',
      locationType: 'parameter',
    });
  }
  return { ids: [...(mailbox.byMessageId.get(msgId) ?? [])], labels };
}

function rawOf(message) {
  if (typeof message?.raw !== 'string' || message.raw === '') {
    throw badRequest("'raw' RFC822 payload message string or uploading message via /upload/* URL required");
  }
  return Buffer.from(message.raw, 'base64');
}

/**
 * A message the user writes (send, draft): a Message-ID is added when missing; `threadId`
 * is kept only when it exists and the raw's References/In-Reply-To name a message of that
 * thread (Gmail's documented rule, minus the Subject match), else a new thread starts.
 */
function compose(mailbox, message, labelIds) {
  let raw = rawOf(message);
  let parsed = parseHeaders(raw);
  raw = withMessageId(raw, parsed.headers, () => Mailbox.newMessageId(mailbox.user));
  parsed = parseHeaders(raw);
  let threadId;
  if (message.threadId !== undefined && mailbox.threads.has(message.threadId)) {
    threadId = mailbox.threadByReferences(parsed.headers, message.threadId);
  }
  return mailbox.add({ raw, parsed, labelIds, threadId, internalDate: Date.now() });
}

function sendMessage(mailbox, message) {
  mailbox.recordSend(message);
  return { id: message.id, threadId: message.threadId, labelIds: [...message.labels] };
}

function draftResource(mailbox, draft, format) {
  const message = format ? messageResource(mailbox, draft.message, format, []) : mailbox.ref(draft.message, true);
  return { id: draft.id, message };
}

function messageResource(mailbox, message, format, metadataHeaders) {
  const out = mailbox.resource(message, format, metadataHeaders);
  if (format === 'full') out.payload = partTree(message.raw);
  return out;
}

function labelChanges(body) {
  const add = body.addLabelIds ?? [];
  const remove = body.removeLabelIds ?? [];
  if (add.length === 0 && remove.length === 0) throw badRequest('No label add or removes specified');
  return { add, remove };
}

function checkId(id) {
  if (!/^[0-9a-zA-Z_-]{1,64}$/.test(id)) throw badRequest('Invalid id value');
  return id;
}

export const handlers = {
  'gmail.users.getProfile': ({ mailbox }) => [
    200,
    {
      emailAddress: mailbox.user,
      messagesTotal: mailbox.messages.size,
      threadsTotal: mailbox.threads.size,
      historyId: String(mailbox.historyId),
    },
  ],

  'gmail.users.labels.list': ({ mailbox }) => [200, { labels: [...mailbox.labels.values()] }],

  'gmail.users.messages.list': ({ mailbox, query }) => {
    let labelIds = query.getAll('labelIds');
    let candidates;
    const q = query.get('q');
    if (q !== null && q.trim() !== '') {
      const found = searchCandidates(mailbox, q);
      candidates = found.ids;
      labelIds = [...labelIds, ...found.labels];
    }
    return [
      200,
      mailbox.list({
        labelIds,
        candidates,
        includeSpamTrash: bool(query.get('includeSpamTrash')),
        maxResults: maxResults(query),
        pageToken: query.get('pageToken'),
      }),
    ];
  },

  'gmail.users.messages.get': ({ mailbox, params, query }) => {
    const message = mailbox.get(checkId(params.id));
    const format = (query.get('format') ?? 'full').toLowerCase();
    return [200, messageResource(mailbox, message, format, query.getAll('metadataHeaders'))];
  },

  'gmail.users.messages.modify': ({ mailbox, params, body }) => {
    const message = mailbox.get(checkId(params.id));
    const { add, remove } = labelChanges(body);
    mailbox.modify(message, add, remove);
    return [200, mailbox.resource(message, 'minimal')];
  },

  'gmail.users.messages.batchModify': ({ mailbox, body }) => {
    const ids = body.ids ?? [];
    if (ids.length === 0) throw badRequest('ids must not be empty');
    if (ids.length > 1000) throw badRequest('Too many ids (at most 1000)');
    const { add, remove } = labelChanges(body);
    mailbox.checkLabels([...add, ...remove]);
    // Unknown ids are skipped, as Gmail does for batch requests.
    for (const id of ids) {
      const message = mailbox.messages.get(id);
      if (message) mailbox.modify(message, add, remove);
    }
    return [204, null];
  },

  'gmail.users.messages.trash': ({ mailbox, params }) => {
    const message = mailbox.get(checkId(params.id));
    mailbox.modify(message, ['TRASH'], []);
    return [200, mailbox.resource(message, 'minimal')];
  },

  'gmail.users.messages.untrash': ({ mailbox, params }) => {
    const message = mailbox.get(checkId(params.id));
    mailbox.modify(message, [], ['TRASH']);
    return [200, mailbox.resource(message, 'minimal')];
  },

  'gmail.users.messages.delete': ({ mailbox, params }) => {
    mailbox.remove(mailbox.get(checkId(params.id)));
    return [204, null];
  },

  'gmail.users.messages.send': ({ mailbox, body }) => [200, sendMessage(mailbox, compose(mailbox, body, ['SENT']))],

  'gmail.users.drafts.list': ({ mailbox, query }) => {
    if ((query.get('q') ?? '').trim() !== '') throw badRequest('The Gmail fake does not support q on drafts.list.');
    const page = mailbox.list({
      labelIds: ['DRAFT'],
      includeSpamTrash: bool(query.get('includeSpamTrash')),
      maxResults: maxResults(query),
      pageToken: query.get('pageToken'),
    });
    const drafts = (page.messages ?? []).map((ref) => ({
      id: mailbox.messages.get(ref.id).draftId,
      message: ref,
    }));
    const out = { drafts: drafts.filter((d) => d.id), resultSizeEstimate: page.resultSizeEstimate };
    if (page.nextPageToken) out.nextPageToken = page.nextPageToken;
    return [200, out];
  },

  'gmail.users.drafts.get': ({ mailbox, params, query }) => {
    const format = (query.get('format') ?? 'full').toLowerCase();
    return [200, draftResource(mailbox, mailbox.draft(params.id), format)];
  },

  'gmail.users.drafts.create': ({ mailbox, body }) => {
    const message = compose(mailbox, body.message ?? {}, ['DRAFT']);
    message.draftId = mailbox.newDraftId();
    mailbox.drafts.set(message.draftId, message.id);
    return [200, draftResource(mailbox, mailbox.draft(message.draftId))];
  },

  'gmail.users.drafts.update': ({ mailbox, params, body }) => {
    const draft = mailbox.draft(params.id);
    const replacement = compose(mailbox, { threadId: draft.message.threadId, ...(body.message ?? {}) }, ['DRAFT']);
    mailbox.remove(draft.message);
    replacement.draftId = draft.id;
    mailbox.drafts.set(draft.id, replacement.id);
    return [200, draftResource(mailbox, mailbox.draft(draft.id))];
  },

  'gmail.users.drafts.delete': ({ mailbox, params }) => {
    mailbox.remove(mailbox.draft(params.id).message);
    return [204, null];
  },

  'gmail.users.drafts.send': ({ mailbox, body }) => {
    if (!body.id) throw badRequest('Draft id is required');
    let { message } = mailbox.draft(body.id);
    if (body.message?.raw) {
      const replacement = compose(mailbox, { threadId: message.threadId, ...body.message }, ['DRAFT']);
      mailbox.remove(message);
      message = replacement;
    }
    mailbox.drafts.delete(body.id);
    delete message.draftId;
    mailbox.modify(message, ['SENT'], ['DRAFT']);
    return [200, sendMessage(mailbox, message)];
  },

  'gmail.users.history.list': ({ mailbox, query }) => {
    const start = Number(query.get('startHistoryId'));
    if (!Number.isSafeInteger(start) || start < 1) throw badRequest('Invalid startHistoryId');
    return [
      200,
      mailbox.listHistory({
        start,
        pageToken: query.get('pageToken'),
        maxResults: maxResults(query),
        labelId: query.get('labelId'),
        historyTypes: query.getAll('historyTypes'),
      }),
    ];
  },
};

export function notImplemented(id) {
  return new ApiError(501, `The Gmail fake does not implement ${id} (it is in gmail.v1.json, so the real API has it).`);
}

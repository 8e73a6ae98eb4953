// The /v1.0 mail endpoints. A request is first resolved against the CSDL (path segments,
// query options) and its mailbox is found and access-checked (`prepare`); the server then
// applies throttling and latency and calls `execute`, which walks the resolved steps to the
// folder or message and runs the handler for the route.

import { checkActionBody, checkProperties, checkQuery, resolvePath } from './csdl.mjs';
import { DeltaError } from './delta.mjs';
import { GraphError, reply } from './http.mjs';
import { messageJson, NotFound } from './mailstore.mjs';
import { buildMime, newMessageId, parseMessage } from './mime.mjs';

const DEFAULT_PAGE = 10; // Graph's default page size for messages, mailFolders and delta
const MAX_PAGE = 1000;
const FLAG_STATUS = new Set(['notFlagged', 'complete', 'flagged']);
const PATCHABLE = new Set(['isRead', 'flag', 'categories', 'importance']);

const badRequest = (message, code = 'BadRequest') => new GraphError(400, code, message);

/** `Prefer` preferences Graph honours for mail: odata.maxpagesize and IdType. */
export function preferences(header) {
  const text = Array.isArray(header) ? header.join(',') : header ?? '';
  const size = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(text);
  return {
    maxPageSize: size ? Number(size[1]) : undefined,
    immutable: /IdType\s*=\s*"?ImmutableId"?/i.test(text),
  };
}

function pageSize(prefs, query) {
  const top = query.get('$top');
  const n = prefs.maxPageSize ?? (top !== null ? Number(top) : DEFAULT_PAGE);
  return Math.max(1, Math.min(MAX_PAGE, n));
}

const selectSet = (query) => {
  const s = query.get('$select');
  return s ? new Set(s.split(',').map((p) => p.trim().toLowerCase())) : undefined;
};

function pickSelected(obj, select) {
  if (!select) return obj;
  return Object.fromEntries(Object.entries(obj).filter(([k]) => k === 'id' || select.has(k.toLowerCase())));
}

function decodeMimeBody(body) {
  const text = body.toString('latin1').trim();
  const decoded = /^[A-Za-z0-9+/=\r\n]+$/.test(text) ? Buffer.from(text, 'base64').toString('utf8') : '';
  if (!decoded || !/^[\x21-\x39\x3b-\x7e]+:/m.test(decoded)) {
    throw badRequest('Invalid base64 string for MIME content.', 'ErrorMimeContentInvalidBase64String');
  }
  return decoded;
}

function parseJson(body) {
  try {
    return body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    throw badRequest('Unable to read JSON request payload.', 'BadRequest');
  }
}

const isMime = (headers) => /^text\/plain/i.test(headers['content-type'] ?? '');

export class GraphApi {
  constructor({ schema, store, delta, base }) {
    this.schema = schema;
    this.store = store;
    this.delta = delta;
    this.base = base;
  }

  /**
   * Resolves the path and query against the CSDL and finds the mailbox. Throws GraphError.
   * `user` is the token's mailbox.
   */
  prepare({ segments, query, user }) {
    const resolved = resolvePath(this.schema, segments);
    if (!resolved.ok) throw new GraphError(resolved.status, resolved.code, resolved.message);
    const queryError = checkQuery(this.schema, resolved.target, query);
    if (queryError) throw badRequest(queryError.message);
    const [root, maybeKey] = resolved.steps;
    let mbx;
    let mbxPath;
    if (root.name === 'me') {
      mbx = user;
      mbxPath = 'me';
    } else if (root.name === 'users' && maybeKey?.kind === 'key') {
      mbx = this.#lookup(() => this.store.mailbox(maybeKey.key));
      mbxPath = `users/${encodeURIComponent(maybeKey.key)}`;
    } else {
      throw new GraphError(501, 'NotImplemented', `The fake does not implement /${root.name} except for mailboxes.`);
    }
    if (mbx !== user && !mbx.delegates.has(user.address.toLowerCase())) {
      throw new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    }
    const steps = resolved.steps.slice(root.name === 'me' ? 1 : 2);
    return { mbx, mbxPath, steps, target: resolved.target };
  }

  #lookup(fn) {
    try {
      return fn();
    } catch (e) {
      if (e instanceof NotFound) throw new GraphError(404, e.code, e.message);
      throw e;
    }
  }

  /** Runs a prepared request; returns a reply. */
  execute(prepared, { method, query, headers, body, path }) {
    const { mbx } = prepared;
    if (this.calendar?.handles(prepared.steps)) {
      const request = { method, query, headers, body, path, address: mbx.address, displayName: mbx.displayName };
      return this.#lookup(() => this.calendar.execute(prepared, request));
    }
    const ctx = { mbx, mbxPath: prepared.mbxPath, folder: undefined, message: undefined };
    const route = [];
    for (const step of prepared.steps) {
      const last = route[route.length - 1];
      if (step.kind === 'navigation' && (step.name === 'mailFolders' || step.name === 'childFolders')) {
        route.push('folders');
      } else if (step.kind === 'navigation' && step.name === 'messages') {
        route.push('messages');
      } else if (step.kind === 'key' && last === 'folders') {
        ctx.folder = this.#lookup(() => mbx.folder(step.key));
        route[route.length - 1] = 'folder';
      } else if (step.kind === 'key' && last === 'messages') {
        ctx.message = this.#lookup(() => mbx.message(step.key));
        if (ctx.folder && ctx.message.folderId !== ctx.folder.id) {
          throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
        }
        route.length = 0;
        route.push('message');
      } else if (step.kind === 'operation') {
        const expected = step.op.kind === 'Function' ? 'GET' : 'POST';
        if (method !== expected) {
          throw new GraphError(405, 'Request_BadRequest', `${step.op.kind} '${step.name}' must be called with ${expected}.`);
        }
        route.push(step.name);
      } else {
        route.push(step.kind === 'value' ? '$value' : `?${step.name ?? step.key}`);
      }
    }
    const req = { ...ctx, method, query, headers, body, path, prefs: preferences(headers.prefer) };
    const handler = ROUTES[collapseFolders(method, route)];
    if (!handler) {
      const where = collapseFolders('', route).trim();
      if (ROUTES_BY_PATH.has(where)) {
        throw new GraphError(405, 'Request_BadRequest', `${method} is not supported on this resource.`);
      }
      throw new GraphError(501, 'NotImplemented', `The fake does not implement ${method} ${where || '(mailbox)'}.`);
    }
    return this.#lookup(() => handler.call(this, req));
  }

  // ---- handlers ----

  getUser(req) {
    return reply(200, pickSelected(req.mbx.userJson(), selectSet(req.query)));
  }

  listFolders(req) {
    const parent = req.folder ?? req.mbx.root;
    const all = [...parent.children].map((id) => req.mbx.folders.get(id));
    return this.#page(req, all, (f) => pickSelected(req.mbx.folderJson(f), selectSet(req.query)));
  }

  getFolder(req) {
    return reply(200, pickSelected(req.mbx.folderJson(req.folder), selectSet(req.query)));
  }

  listMessages(req) {
    const filter = req.query.get('$filter');
    let items;
    if (filter) {
      const m = filter.trim().match(/^internetMessageId\s+eq\s+'((?:[^']|'')*)'$/i);
      if (!m) {
        throw badRequest("The fake supports only $filter=internetMessageId eq '<id>' on messages.", 'ErrorInvalidUrlQueryFilter');
      }
      const found = req.mbx.byInternetId.get(m[1].replace(/''/g, "'")) ?? new Set();
      items = [...found].filter((msg) => !req.folder || msg.folderId === req.folder.id);
    } else {
      if (!req.folder) throw new GraphError(501, 'NotImplemented', 'The fake lists messages per folder only.');
      items = req.mbx.sortedMessages(req.folder);
    }
    const select = selectSet(req.query);
    const immutable = req.prefs.immutable;
    return this.#page(req, items, (msg) => messageJson(msg, { immutable, select }), immutable);
  }

  /** A $top/$skip page with an @odata.nextLink carrying the next $skip. */
  #page(req, items, render, immutable = false) {
    const top = Math.max(1, Math.min(MAX_PAGE, Number(req.query.get('$top') ?? DEFAULT_PAGE)));
    const skip = Number(req.query.get('$skip') ?? 0);
    const body = { value: items.slice(skip, skip + top).map(render) };
    if (skip + top < items.length) {
      const next = new URLSearchParams(req.query);
      next.set('$skip', String(skip + top));
      next.set('$top', String(top));
      body['@odata.nextLink'] = `${this.base}${req.path}?${next.toString().replace(/%24/g, '$')}`;
    }
    return reply(200, body, immutable ? { 'Preference-Applied': 'IdType="ImmutableId"' } : {});
  }

  deltaMessages(req) {
    const size = pageSize(req.prefs, req.query);
    const folderUrl = `${this.base}/v1.0/${req.mbxPath}/mailFolders('${req.folder.id}')/messages/delta`;
    let page;
    try {
      page = this.delta.page(req.mbx, req.folder, req.query, { pageSize: size, immutable: req.prefs.immutable });
    } catch (e) {
      if (!(e instanceof DeltaError)) throw e;
      const headers = e.status === 410 ? { Location: `${folderUrl}?$deltatoken=` } : {};
      throw new GraphError(e.status, e.code, e.message, headers);
    }
    const body = { '@odata.context': `${this.base}/v1.0/$metadata#Collection(message)` };
    if (page.nextToken) body['@odata.nextLink'] = `${folderUrl}?$skiptoken=${page.nextToken}`;
    else body['@odata.deltaLink'] = `${folderUrl}?$deltatoken=${page.deltaToken}`;
    body.value = page.value;
    const applied = [];
    if (req.prefs.maxPageSize !== undefined) applied.push(`odata.maxpagesize=${size}`);
    if (req.prefs.immutable) applied.push('IdType="ImmutableId"');
    return reply(200, body, applied.length ? { 'Preference-Applied': applied.join(', ') } : {});
  }

  getMessage(req) {
    const json = messageJson(req.message, { immutable: req.prefs.immutable, select: selectSet(req.query) });
    return reply(200, json, this.#idHeader(req));
  }

  #idHeader(req) {
    return req.prefs.immutable ? { 'Preference-Applied': 'IdType="ImmutableId"' } : {};
  }

  getMime(req) {
    return reply(200, req.message.raw, { 'Content-Type': 'text/plain' });
  }

  patchMessage(req) {
    const changes = parseJson(req.body);
    const err = checkProperties(this.schema, 'microsoft.graph.message', changes);
    if (err) throw badRequest(err);
    const update = {};
    for (const [key, value] of Object.entries(changes)) {
      if (!PATCHABLE.has(key)) throw badRequest(`The fake does not support updating '${key}'.`, 'ErrorInvalidPropertyRequest');
      if (key === 'flag') {
        if (value?.flagStatus !== undefined && !FLAG_STATUS.has(value.flagStatus)) {
          throw badRequest(`Invalid flagStatus '${value.flagStatus}'.`);
        }
        if (value?.flagStatus !== undefined) update.flagStatus = value.flagStatus;
      } else if (key === 'categories') {
        if (!Array.isArray(value)) throw badRequest('categories must be an array of strings.');
        update.categories = value;
      } else {
        update[key] = value;
      }
    }
    req.mbx.update(req.message, update);
    return reply(200, messageJson(req.message, { immutable: req.prefs.immutable }), this.#idHeader(req));
  }

  deleteMessage(req) {
    req.mbx.delete(req.message);
    return reply(204);
  }

  moveMessage(req, op) {
    const body = parseJson(req.body);
    const err = checkActionBody(this.schema, op, body);
    if (err) throw badRequest(err);
    const dest = Object.entries(body).find(([k]) => k.toLowerCase() === 'destinationid')?.[1];
    if (!dest) throw badRequest('destinationId is required.', 'ErrorInvalidParameter');
    const msg = req.mbx.move(req.message, dest);
    return reply(201, messageJson(msg, { immutable: req.prefs.immutable }), this.#idHeader(req));
  }

  createMessage(req) {
    let raw;
    if (isMime(req.headers)) {
      raw = decodeMimeBody(req.body);
    } else {
      const json = parseJson(req.body);
      const err = checkProperties(this.schema, 'microsoft.graph.message', json);
      if (err) throw badRequest(err);
      raw = buildMime(json, { from: this.#self(req.mbx), messageId: newMessageId() });
    }
    const folder = req.folder ?? req.mbx.folder('drafts');
    const msg = req.mbx.insert(folder.id, raw, { isDraft: true, isRead: true });
    return reply(201, messageJson(msg, { immutable: req.prefs.immutable }), this.#idHeader(req));
  }

  sendDraft(req) {
    if (!req.message.isDraft) throw badRequest('Only a draft can be sent.', 'ErrorInvalidOperation');
    const msg = req.mbx.move(req.message, 'sentitems');
    req.mbx.update(msg, { isDraft: false, sent: this.store.now() });
    this.#record(req.mbx, msg, 'send', true);
    return reply(202);
  }

  sendMail(req, op) {
    let raw;
    let save = true;
    if (isMime(req.headers)) {
      raw = decodeMimeBody(req.body);
    } else {
      const body = parseJson(req.body);
      const err = checkActionBody(this.schema, op, body);
      if (err) throw badRequest(err);
      const param = (name) => Object.entries(body).find(([k]) => k.toLowerCase() === name)?.[1];
      const message = param('message');
      if (!message || typeof message !== 'object') throw badRequest('The message parameter is required.', 'ErrorInvalidParameter');
      if (!(message.toRecipients ?? []).length && !(message.ccRecipients ?? []).length && !(message.bccRecipients ?? []).length) {
        throw badRequest('At least one recipient is not valid.', 'ErrorInvalidRecipients');
      }
      save = param('savetosentitems') !== false;
      raw = buildMime(message, { from: this.#self(req.mbx), messageId: newMessageId() });
    }
    this.#submit(req.mbx, raw, 'sendMail', save);
    return reply(202);
  }

  replyTo(req, op) {
    const body = parseJson(req.body);
    const err = checkActionBody(this.schema, op, body);
    if (err) throw badRequest(err);
    const param = (name) => Object.entries(body).find(([k]) => k.toLowerCase() === name)?.[1];
    const orig = req.message;
    const extra = param('message') ?? {};
    const to = extra.toRecipients ?? (orig.replyTo.length ? orig.replyTo : [orig.from].filter(Boolean));
    const subject = /^re:/i.test(orig.subject) ? orig.subject : `RE: ${orig.subject}`;
    const comment = param('comment') ?? '';
    const quoted = orig.bodyPreview ? `\r\n\r\n> ${orig.bodyPreview}` : '';
    const references = [...orig.references, orig.internetMessageId].join(' ');
    const raw = buildMime(
      { ...extra, subject: extra.subject ?? subject, toRecipients: to, body: { contentType: 'text', content: `${comment}${quoted}` } },
      {
        from: this.#self(req.mbx),
        messageId: newMessageId(),
        extra: [`In-Reply-To: ${orig.internetMessageId}`, `References: ${references}`],
      },
    );
    this.#submit(req.mbx, raw, 'reply', true);
    return reply(202);
  }

  #self(mbx) {
    return { emailAddress: { name: mbx.displayName, address: mbx.address } };
  }

  #submit(mbx, raw, via, save) {
    if (save) {
      const msg = mbx.insert('sentitems', raw, { isRead: true });
      this.#record(mbx, msg, via, true);
    } else {
      this.#record(mbx, { raw: Buffer.from(raw), ...parseMessage(raw) }, via, false);
    }
  }

  #record(mbx, msg, via, saved) {
    const addresses = (list) => (list ?? []).map((r) => r.emailAddress.address);
    this.store.sends.push({
      mailbox: mbx.address,
      via,
      saved,
      from: msg.from?.emailAddress?.address,
      to: addresses(msg.toRecipients),
      cc: addresses(msg.ccRecipients),
      bcc: addresses(msg.bccRecipients),
      subject: msg.subject,
      internetMessageId: msg.internetMessageId,
      inReplyTo: msg.inReplyTo ?? null,
      conversationId: msg.conversationId ?? null,
      raw: msg.raw.toString('utf8'),
    });
  }
}

/** Route keys use `folder` for any mailFolders/{id}(/childFolders/{id})* chain. */
function collapseFolders(method, route) {
  const path = route.join('/').replace(/^folder(\/folders\/folder)+/, 'folder');
  return `${method} ${path}`;
}

const op = (name, fn) => function run(req) {
  return fn.call(this, req, this.schema.findOperation(name, name === 'sendMail' ? 'microsoft.graph.user' : 'microsoft.graph.message'));
};

const ROUTES = {
  'GET ': GraphApi.prototype.getUser,
  'GET folders': GraphApi.prototype.listFolders,
  'GET folder': GraphApi.prototype.getFolder,
  'GET folder/folders': GraphApi.prototype.listFolders,
  'GET folder/messages': GraphApi.prototype.listMessages,
  'POST folder/messages': GraphApi.prototype.createMessage,
  'GET folder/messages/delta': GraphApi.prototype.deltaMessages,
  'GET messages': GraphApi.prototype.listMessages,
  'POST messages': GraphApi.prototype.createMessage,
  'GET message': GraphApi.prototype.getMessage,
  'PATCH message': GraphApi.prototype.patchMessage,
  'DELETE message': GraphApi.prototype.deleteMessage,
  'GET message/$value': GraphApi.prototype.getMime,
  'POST message/move': op('move', GraphApi.prototype.moveMessage),
  'POST message/send': op('send', GraphApi.prototype.sendDraft),
  'POST message/reply': op('reply', GraphApi.prototype.replyTo),
  'POST sendMail': op('sendMail', GraphApi.prototype.sendMail),
};
const ROUTES_BY_PATH = new Set(Object.keys(ROUTES).map((k) => k.slice(k.indexOf(' ') + 1)));

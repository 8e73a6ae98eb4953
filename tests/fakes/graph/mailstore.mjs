// The fake's mailboxes: folders, messages, conversations, and a per-folder change log that
// delta queries read. Everything is kept in Maps keyed by id so a request never scans a
// mailbox; the change log is append-only and ordered by a store-wide sequence number, so
// "changes since token N" is a binary search.

import { createHash, randomBytes } from 'node:crypto';
import { newMessageId, parseMessage, withHeader } from './mime.mjs';

export const WELL_KNOWN = [
  ['inbox', 'Inbox'],
  ['drafts', 'Drafts'],
  ['sentitems', 'Sent Items'],
  ['deleteditems', 'Deleted Items'],
  ['junkemail', 'Junk Email'],
  ['archive', 'Archive'],
  ['outbox', 'Outbox'],
];

const b64url = (buf) => Buffer.from(buf).toString('base64url');
export const isoSeconds = (date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export class NotFound extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

class Folder {
  constructor(id, displayName, parentId, wellKnown) {
    this.id = id;
    this.displayName = displayName;
    this.parentId = parentId;
    this.wellKnown = wellKnown;
    this.children = new Set();
    this.messages = new Map(); // immutable id -> message
    this.unread = 0;
    this.log = []; // { seq, imm, type: 'add'|'update'|'remove', restId }
    this.sorted = undefined; // cached newest-first listing
  }
}

export class Mailbox {
  constructor(store, address, kind, displayName) {
    this.store = store;
    this.address = address;
    this.kind = kind;
    this.displayName = displayName;
    this.id = stableGuid(address);
    this.delegates = new Set();
    this.folders = new Map();
    this.wellKnown = new Map();
    this.messages = new Map(); // immutable id -> message
    this.byId = new Map(); // immutable id or current REST id -> message
    this.byInternetId = new Map(); // internetMessageId -> Set(message)
    this.conversations = new Map(); // internetMessageId -> conversationId
    const root = this.#addFolder('Top of Information Store', undefined, 'msgfolderroot');
    this.root = root;
    for (const [name, display] of WELL_KNOWN) this.#addFolder(display, root.id, name);
  }

  #addFolder(displayName, parentId, wellKnown) {
    const id = `AAMkAG${b64url(randomBytes(9))}AAEuAAAA${b64url(randomBytes(12))}`;
    const folder = new Folder(id, displayName, parentId, wellKnown);
    this.folders.set(id, folder);
    if (wellKnown) this.wellKnown.set(wellKnown, id);
    if (parentId) this.folders.get(parentId).children.add(id);
    return folder;
  }

  createFolder(displayName, parentRef) {
    const parent = parentRef ? this.folder(parentRef) : this.root;
    return this.#addFolder(displayName, parent.id);
  }

  /** A folder by id or well-known name (case-insensitive, as Graph accepts them). */
  folder(ref) {
    const byId = this.folders.get(ref);
    if (byId) return byId;
    const wk = this.wellKnown.get(String(ref).toLowerCase());
    if (wk) return this.folders.get(wk);
    throw new NotFound('ErrorItemNotFound', 'The specified folder could not be found in the store.');
  }

  message(id) {
    const m = this.byId.get(id);
    if (!m) throw new NotFound('ErrorItemNotFound', 'The specified object was not found in the store.');
    return m;
  }

  #log(folder, msg, type, restId = msg.restId) {
    const seq = ++this.store.seq;
    folder.log.push({ seq, imm: msg.imm, type, restId });
    folder.sorted = undefined;
    return seq;
  }

  #touch(msg) {
    msg.modified = this.store.now();
    msg.changeKey = b64url(randomBytes(12));
  }

  /**
   * Stores a raw message. `fields` may carry what the caller already knows (bulk generation
   * skips the MIME parse); `options` has isRead, flagged, isDraft, receivedDateTime.
   */
  insert(folderRef, rawInput, options = {}, fields = undefined) {
    const folder = this.folder(folderRef);
    let raw = Buffer.isBuffer(rawInput) ? rawInput.toString('utf8') : rawInput;
    const parsed = fields ?? parseMessage(raw);
    let internetMessageId = parsed.internetMessageId;
    if (!internetMessageId) {
      internetMessageId = newMessageId();
      raw = withHeader(raw, `Message-ID: ${internetMessageId}`);
    }
    const now = this.store.now();
    const imm = `AAkALgAA${b64url(randomBytes(18))}`;
    const msg = {
      imm,
      gen: 0,
      restId: '',
      folderId: folder.id,
      raw: Buffer.from(raw, 'utf8'),
      ...parsed,
      internetMessageId,
      conversationId: this.#conversationFor(parsed, internetMessageId),
      isRead: Boolean(options.isRead),
      flagStatus: options.flagged ? 'flagged' : 'notFlagged',
      categories: [],
      isDraft: Boolean(options.isDraft),
      created: now,
      modified: now,
      received: options.receivedDateTime ? new Date(options.receivedDateTime) : now,
      sent: parsed.sentDateTime ?? now,
      changeKey: b64url(randomBytes(12)),
    };
    msg.restId = restIdFor(msg);
    this.messages.set(imm, msg);
    this.byId.set(imm, msg);
    this.byId.set(msg.restId, msg);
    if (!this.byInternetId.has(internetMessageId)) this.byInternetId.set(internetMessageId, new Set());
    this.byInternetId.get(internetMessageId).add(msg);
    folder.messages.set(imm, msg);
    if (!msg.isRead) folder.unread += 1;
    this.#log(folder, msg, 'add');
    return msg;
  }

  /** The conversation of the first known message this one replies to, else a new one. */
  #conversationFor(parsed, internetMessageId) {
    const known = [parsed.inReplyTo, ...[...(parsed.references ?? [])].reverse()]
      .filter(Boolean)
      .map((id) => this.conversations.get(id))
      .find(Boolean);
    const conversationId = known ?? `AAQkAG${b64url(randomBytes(21))}`;
    if (!this.conversations.has(internetMessageId)) {
      this.conversations.set(internetMessageId, conversationId);
    }
    return conversationId;
  }

  update(msg, changes) {
    const folder = this.folders.get(msg.folderId);
    if (changes.isRead !== undefined && Boolean(changes.isRead) !== msg.isRead) {
      folder.unread += changes.isRead ? -1 : 1;
      msg.isRead = Boolean(changes.isRead);
    }
    if (changes.flagStatus !== undefined) msg.flagStatus = changes.flagStatus;
    if (changes.categories !== undefined) msg.categories = [...changes.categories];
    if (changes.importance !== undefined) msg.importance = changes.importance;
    if (changes.isDraft !== undefined) msg.isDraft = changes.isDraft;
    if (changes.sent !== undefined) msg.sent = changes.sent;
    this.#touch(msg);
    this.#log(folder, msg, 'update');
    return msg;
  }

  /** Moves a message; like Exchange, its REST id changes (its immutable id does not). */
  move(msg, destRef) {
    const dest = this.folder(destRef);
    const source = this.folders.get(msg.folderId);
    if (dest.id === source.id) return msg;
    source.messages.delete(msg.imm);
    if (!msg.isRead) source.unread -= 1;
    this.#log(source, msg, 'remove');
    this.byId.delete(msg.restId);
    msg.gen += 1;
    msg.restId = restIdFor(msg);
    this.byId.set(msg.restId, msg);
    msg.folderId = dest.id;
    dest.messages.set(msg.imm, msg);
    if (!msg.isRead) dest.unread += 1;
    this.#touch(msg);
    this.#log(dest, msg, 'add');
    return msg;
  }

  delete(msg) {
    const folder = this.folders.get(msg.folderId);
    folder.messages.delete(msg.imm);
    if (!msg.isRead) folder.unread -= 1;
    this.#log(folder, msg, 'remove');
    this.messages.delete(msg.imm);
    this.byId.delete(msg.imm);
    this.byId.delete(msg.restId);
    this.byInternetId.get(msg.internetMessageId)?.delete(msg);
  }

  /** Messages of a folder, newest received first (Graph's default order), cached. */
  sortedMessages(folder) {
    folder.sorted ??= [...folder.messages.values()].sort((a, b) => b.received - a.received);
    return folder.sorted;
  }

  folderJson(folder) {
    return {
      id: folder.id,
      displayName: folder.displayName,
      parentFolderId: folder.parentId ?? this.root.id,
      childFolderCount: folder.children.size,
      unreadItemCount: folder.unread,
      totalItemCount: folder.messages.size,
      isHidden: false,
    };
  }

  userJson() {
    return {
      id: this.id,
      displayName: this.displayName,
      mail: this.address,
      userPrincipalName: this.address,
    };
  }
}

function restIdFor(msg) {
  return `AAMkAG${b64url(createHash('sha256').update(`${msg.imm}/${msg.gen}`).digest().subarray(0, 24))}AAA=`;
}

/** A GUID-shaped id derived from an address, so a user's id is the same in every run. */
function stableGuid(address) {
  const h = createHash('sha256').update(address.toLowerCase()).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Graph's JSON for a message; `select` (a Set of lower-case names) limits it, id always in. */
export function messageJson(msg, { immutable = false, select } = {}) {
  const full = {
    id: immutable ? msg.imm : msg.restId,
    createdDateTime: isoSeconds(msg.created),
    lastModifiedDateTime: isoSeconds(msg.modified),
    changeKey: msg.changeKey,
    categories: msg.categories,
    receivedDateTime: isoSeconds(msg.received),
    sentDateTime: isoSeconds(msg.sent),
    hasAttachments: msg.hasAttachments,
    internetMessageId: msg.internetMessageId,
    subject: msg.subject,
    bodyPreview: msg.bodyPreview,
    importance: msg.importance ?? 'normal',
    parentFolderId: msg.folderId,
    conversationId: msg.conversationId,
    isDeliveryReceiptRequested: false,
    isReadReceiptRequested: false,
    isRead: msg.isRead,
    isDraft: msg.isDraft,
    inferenceClassification: 'focused',
    body: msg.body,
    sender: msg.sender ?? null,
    from: msg.from ?? null,
    toRecipients: msg.toRecipients,
    ccRecipients: msg.ccRecipients,
    bccRecipients: msg.bccRecipients,
    replyTo: msg.replyTo,
    flag: { flagStatus: msg.flagStatus },
  };
  if (!select || select.has('*')) return full;
  const out = { id: full.id };
  for (const [key, value] of Object.entries(full)) {
    if (select.has(key.toLowerCase())) out[key] = value;
  }
  return out;
}

export class MailStore {
  constructor() {
    this.seq = 0;
    this.mailboxes = new Map(); // id -> Mailbox
    this.byAddress = new Map(); // lower-case address -> Mailbox
    this.sends = [];
  }

  now() {
    return new Date(Math.floor(Date.now() / 1000) * 1000);
  }

  addMailbox(address, kind = 'user', displayName = undefined) {
    const existing = this.byAddress.get(address.toLowerCase());
    if (existing) return existing;
    const name = displayName ?? address.split('@')[0].replace(/[._-]+/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());
    const mbx = new Mailbox(this, address, kind, name);
    this.mailboxes.set(mbx.id, mbx);
    this.byAddress.set(address.toLowerCase(), mbx);
    return mbx;
  }

  /** A mailbox by id or address (userPrincipalName). */
  mailbox(ref) {
    const m = this.mailboxes.get(ref) ?? this.byAddress.get(String(ref).toLowerCase());
    if (!m) throw new NotFound('ErrorInvalidUser', `The requested user '${ref}' is invalid.`);
    return m;
  }

  /** Finds a message by any id in any mailbox (for the control API). */
  findMessage(id) {
    for (const mbx of this.mailboxes.values()) {
      const m = mbx.byId.get(id);
      if (m) return { mbx, msg: m };
    }
    throw new NotFound('ErrorItemNotFound', `No message with id ${id}.`);
  }
}

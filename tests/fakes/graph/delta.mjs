// message: delta for one folder. A round is a fixed list of items (a snapshot of the folder
// for the first round, the folder's change log since the delta token for later rounds)
// served page by page through opaque $skiptoken states; its last page carries a $deltatoken
// that remembers the change-log position the round was cut at. Tokens are kept until
// `expireAll` (the control API's expire-delta), after which every one of them gives 410.

import { randomBytes } from 'node:crypto';
import { messageJson } from './mailstore.mjs';

export class DeltaError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const CHANGE_TYPES = new Set(['created', 'updated', 'deleted']);

/** The options a round keeps from its first request ($select, $filter, changeType). */
export function deltaOptions(query) {
  const select = query.get('$select');
  const changeType = query.get('changeType') ?? undefined;
  if (changeType !== undefined && !CHANGE_TYPES.has(changeType)) {
    throw new DeltaError(400, 'ErrorInvalidParameter', `changeType must be one of created, updated, deleted (got '${changeType}').`);
  }
  let since;
  const filter = query.get('$filter');
  if (filter) {
    // The only documented delta filter: receivedDateTime ge|gt {value}.
    const m = filter.trim().match(/^receivedDateTime\s+(ge|gt)\s+(\S+)$/i);
    const at = m ? Date.parse(m[2].replace(/^'|'$/g, '')) : NaN;
    if (!m || Number.isNaN(at)) {
      throw new DeltaError(400, 'ErrorInvalidUrlQueryFilter', 'Delta query supports only $filter=receivedDateTime ge|gt {value}.');
    }
    since = { op: m[1].toLowerCase(), at };
  }
  return {
    select: select ? select.split(',').map((s) => s.trim().toLowerCase()) : undefined,
    changeType,
    since,
  };
}

function firstAfter(log, seq) {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (log[mid].seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class DeltaTracker {
  constructor() {
    this.states = new Map();
  }

  expireAll() {
    this.states.clear();
  }

  #issue(state) {
    const token = randomBytes(24).toString('base64url');
    this.states.set(token, state);
    return token;
  }

  #state(token, kind) {
    const state = this.states.get(token);
    if (!state || state.kind !== kind) {
      throw new DeltaError(410, 'syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.');
    }
    return state;
  }

  /**
   * One page of a delta round. `query` is the request's URLSearchParams, `immutable` whether
   * it asked for immutable ids. Returns { value, nextToken } or { value, deltaToken }.
   */
  page(mbx, folder, query, { pageSize, immutable }) {
    const skip = query.get('$skiptoken');
    const delta = query.get('$deltatoken');
    let round;
    let offset = 0;
    if (skip) {
      const state = this.#state(skip, 'skip');
      ({ round, offset } = state);
    } else if (delta) {
      const state = this.#state(delta, 'delta');
      round = this.#changesSince(mbx, folder, state, immutable);
    } else {
      round = this.#snapshot(mbx, folder, deltaOptions(query));
    }
    if (round.mailboxId !== mbx.id || round.folderId !== folder.id) {
      throw new DeltaError(400, 'ErrorInvalidParameter', 'The state token belongs to another folder.');
    }
    const select = round.opts.select ? new Set(round.opts.select) : undefined;
    const value = [];
    let i = offset;
    for (; i < round.items.length && value.length < pageSize; i += 1) {
      const item = round.items[i];
      if (item.removed) {
        value.push({ '@odata.type': '#microsoft.graph.message', id: item.removed, '@removed': { reason: 'deleted' } });
        continue;
      }
      const msg = folder.messages.get(item.imm);
      if (!msg) continue; // gone since the round was cut; the next round reports it
      value.push({
        '@odata.type': '#microsoft.graph.message',
        '@odata.etag': `W/"${msg.changeKey}"`,
        ...messageJson(msg, { immutable, select }),
      });
    }
    if (i < round.items.length) {
      return { value, nextToken: this.#issue({ kind: 'skip', round, offset: i }) };
    }
    const deltaToken = this.#issue({
      kind: 'delta',
      mailboxId: mbx.id,
      folderId: folder.id,
      seq: round.endSeq,
      opts: round.opts,
    });
    return { value, deltaToken };
  }

  #snapshot(mbx, folder, opts) {
    const endSeq = mbx.store.seq;
    let items = [];
    if (!opts.changeType || opts.changeType === 'created') {
      for (const msg of folder.messages.values()) {
        if (opts.since && !receivedMatches(msg, opts.since)) continue;
        items.push({ imm: msg.imm });
      }
    }
    if (opts.since) items = items.slice(0, 5000); // documented: $filter returns up to 5,000
    return { mailboxId: mbx.id, folderId: folder.id, items, endSeq, opts };
  }

  #changesSince(mbx, folder, state, immutable) {
    const endSeq = mbx.store.seq;
    const { opts } = state;
    const changed = new Map(); // imm -> { added, updated, removed: Set(restId) }
    for (let i = firstAfter(folder.log, state.seq); i < folder.log.length; i += 1) {
      const entry = folder.log[i];
      let rec = changed.get(entry.imm);
      if (!rec) {
        rec = { added: false, updated: false, removed: new Set() };
        changed.set(entry.imm, rec);
      }
      if (entry.type === 'add') rec.added = true;
      else if (entry.type === 'update') rec.updated = true;
      else rec.removed.add(entry.restId);
    }
    const wants = (type) => !opts.changeType || opts.changeType === type;
    const items = [];
    for (const [imm, rec] of changed) {
      const msg = folder.messages.get(imm);
      if (msg) {
        // Without immutable ids a message that left and came back has a new id: the old
        // one is reported removed.
        if (!immutable && wants('deleted')) {
          for (const restId of rec.removed) if (restId !== msg.restId) items.push({ removed: restId });
        }
        const type = rec.added ? 'created' : 'updated';
        if (wants(type) && (!opts.since || receivedMatches(msg, opts.since))) items.push({ imm });
      } else if (rec.removed.size && wants('deleted')) {
        for (const id of immutable ? [imm] : rec.removed) items.push({ removed: id });
      }
    }
    return { mailboxId: mbx.id, folderId: folder.id, items, endSeq, opts };
  }
}

function receivedMatches(msg, since) {
  const t = msg.received.getTime();
  return since.op === 'ge' ? t >= since.at : t > since.at;
}

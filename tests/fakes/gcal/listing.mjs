// events.list and events.instances: stable paging (by event id, a cursor in the page
// token), full listings and incremental ones from a sync token, showDeleted / singleEvents
// as the reference describes them, and 410 fullSyncRequired for a token that expired.

import { ApiError, badRequest } from '../gmail/errors.mjs';
import { gone, virtualInstance } from './events.mjs';
import { parseInstant } from './time.mjs';

const FORBIDDEN_WITH_SYNC = ['iCalUID', 'orderBy', 'privateExtendedProperty', 'q', 'sharedExtendedProperty', 'timeMin', 'timeMax', 'updatedMin'];
const YEAR_MS = 366 * 86400000;

const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

function decode(token, what) {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (value && typeof value === 'object') return value;
  } catch {
    // fall through
  }
  if (what === 'sync') throw fullSyncRequired();
  throw badRequest('Invalid page token value.', { location: 'pageToken', locationType: 'parameter', reason: 'invalid' });
}

const fullSyncRequired = () => gone('Sync token is no longer valid, a full sync is required.', 'fullSyncRequired');
const bool = (value) => value === 'true';

function pageSize(query) {
  const value = query.get('maxResults');
  return value === null ? 250 : Math.min(Number(value), 2500);
}

/** Whether a full listing shows `record` (status cancelled is hidden unless asked). */
function visible(calendar, record, showDeleted) {
  const r = record.resource;
  if (r.status !== 'cancelled' || showDeleted) return true;
  // "Cancelled instances of recurring events (but not the underlying recurring event) will
  // still be included if showDeleted and singleEvents are both False."
  const master = r.recurringEventId && calendar.events.get(r.recurringEventId);
  return Boolean(master && master.resource.status !== 'cancelled');
}

/** What a deleted event shows in an incremental listing: the id and the series link only. */
function minimal(calendar, resource) {
  if (resource.status !== 'cancelled') return resource;
  const out = { kind: 'calendar#event', etag: resource.etag, id: resource.id, status: 'cancelled' };
  if (resource.recurringEventId) {
    out.recurringEventId = resource.recurringEventId;
    out.originalStartTime = resource.originalStartTime;
  }
  return out;
}

function overlaps(account, record, minMs, maxMs) {
  if (minMs === null && maxMs === null) return true;
  const lo = minMs ?? -Infinity;
  const hi = maxMs ?? Infinity;
  const length = record.times.end.ms - record.times.start.ms;
  if (!record.times.recurrence) return record.times.end.ms > lo && record.times.start.ms < hi;
  const until = Number.isFinite(hi) ? hi : record.times.start.ms + 5 * YEAR_MS;
  return account.occurrencesOf(record, until).some((ms) => ms + length > lo && ms < hi);
}

/** The single events of a calendar (series expanded, exceptions in place). */
function expandAll(account, calendar, minMs, maxMs, showDeleted) {
  const out = [];
  const hi = maxMs ?? Date.now() + 2 * YEAR_MS;
  for (const record of calendar.events.values()) {
    const r = record.resource;
    if (r.recurringEventId) continue;
    if (!record.times.recurrence) {
      if ((r.status !== 'cancelled' || showDeleted) && overlaps(account, record, minMs, hi)) out.push(r);
      continue;
    }
    if (r.status === 'cancelled') continue;
    const length = record.times.end.ms - record.times.start.ms;
    for (const ms of account.occurrencesOf(record, hi)) {
      const virtual = virtualInstance(r, record.times, ms);
      const exception = calendar.events.get(virtual.id);
      const shown = exception ? exception.resource : virtual;
      const [s, e] = exception ? [exception.times.start.ms, exception.times.end.ms] : [ms, ms + length];
      if (shown.status === 'cancelled' && !showDeleted) continue;
      if (e > (minMs ?? -Infinity) && s < hi) out.push(shown);
    }
  }
  return out;
}

export function listEvents(account, calendar, query) {
  const syncToken = query.get('syncToken');
  const pageToken = query.get('pageToken');
  const singleEvents = bool(query.get('singleEvents'));
  const size = pageSize(query);
  // Filters the fake does not apply are refused, so no client relies on one it ignores.
  const unsupported = ['q', 'updatedMin', 'privateExtendedProperty', 'sharedExtendedProperty', 'eventTypes'].find((p) => query.has(p));
  if (unsupported) throw new ApiError(501, `The Calendar fake does not filter events.list by ${unsupported}.`);
  let cursor;
  if (pageToken !== null) {
    cursor = decode(pageToken, 'page');
    if (cursor.cal !== calendar.id) throw badRequest('Invalid page token value.', { location: 'pageToken', locationType: 'parameter' });
    if (cursor.since !== null && cursor.gen !== calendar.generation) throw fullSyncRequired();
  } else {
    let since = null;
    if (syncToken !== null) {
      const token = decode(syncToken, 'sync');
      if (token.cal !== calendar.id || token.gen !== calendar.generation || !Number.isSafeInteger(token.change)) throw fullSyncRequired();
      const clash = FORBIDDEN_WITH_SYNC.find((p) => query.has(p));
      if (clash) throw badRequest(`Sync token cannot be used with the ${clash} parameter.`, { location: clash, locationType: 'parameter', reason: 'invalid' });
      if (query.get('showDeleted') === 'false') throw badRequest('showDeleted cannot be false with a sync token.', { reason: 'invalid' });
      if (singleEvents) throw new ApiError(501, 'The Calendar fake does not do incremental sync with singleEvents=true.');
      since = token.change;
    }
    cursor = {
      cal: calendar.id,
      gen: calendar.generation,
      since,
      snapshot: account.change,
      after: singleEvents ? 0 : '',
      showDeleted: bool(query.get('showDeleted')),
      singleEvents,
      timeMin: query.has('timeMin') ? parseInstant(query.get('timeMin'), 'timeMin') : null,
      timeMax: query.has('timeMax') ? parseInstant(query.get('timeMax'), 'timeMax') : null,
      iCalUID: query.get('iCalUID'),
    };
    if (cursor.timeMin !== null && cursor.timeMax !== null && cursor.timeMax <= cursor.timeMin) {
      throw badRequest('The specified time range is empty.', { reason: 'timeRangeEmpty' });
    }
  }
  let items;
  let next = null;
  if (cursor.singleEvents) {
    // Expanded listings are ordered by start and paged by position.
    const all = expandAll(account, calendar, cursor.timeMin, cursor.timeMax, cursor.showDeleted)
      .filter((r) => !cursor.iCalUID || r.iCalUID === cursor.iCalUID)
      .sort((a, b) => Date.parse(a.start.dateTime ?? a.start.date) - Date.parse(b.start.dateTime ?? b.start.date) || (a.id < b.id ? -1 : 1));
    items = all.slice(cursor.after, cursor.after + size);
    if (cursor.after + size < all.length) next = { ...cursor, after: cursor.after + size };
  } else {
    const ids = [...calendar.events.keys()].filter((id) => id > cursor.after).sort();
    items = [];
    for (const id of ids) {
      const record = calendar.events.get(id);
      const selected =
        cursor.since !== null
          ? record.change > cursor.since
          : visible(calendar, record, cursor.showDeleted) && overlaps(account, record, cursor.timeMin, cursor.timeMax) && (!cursor.iCalUID || record.resource.iCalUID === cursor.iCalUID);
      if (!selected) continue;
      if (items.length === size) {
        next = { ...cursor, after: items[items.length - 1].id };
        break;
      }
      items.push(cursor.since !== null && !cursor.showDeleted ? minimal(calendar, record.resource) : record.resource);
    }
  }
  const page = {
    kind: 'calendar#events',
    etag: calendar.etag,
    summary: calendar.summary,
    updated: new Date().toISOString(),
    timeZone: calendar.timeZone,
    accessRole: calendar.accessRole,
    defaultReminders: calendar.defaultReminders,
    items,
  };
  if (next) page.nextPageToken = encode(next);
  else page.nextSyncToken = encode({ cal: calendar.id, gen: calendar.generation, change: cursor.snapshot });
  return page;
}

export function listInstances(account, calendar, master, query) {
  if (!master.times.recurrence) return { kind: 'calendar#events', items: [], timeZone: calendar.timeZone, accessRole: calendar.accessRole, defaultReminders: calendar.defaultReminders };
  const showDeleted = bool(query.get('showDeleted'));
  const minMs = query.has('timeMin') ? parseInstant(query.get('timeMin'), 'timeMin') : null;
  const maxMs = query.has('timeMax') ? parseInstant(query.get('timeMax'), 'timeMax') : master.times.start.ms + 2 * YEAR_MS;
  const length = master.times.end.ms - master.times.start.ms;
  let all = [];
  for (const ms of account.occurrencesOf(master, maxMs)) {
    const virtual = virtualInstance(master.resource, master.times, ms);
    const exception = calendar.events.get(virtual.id);
    const shown = exception ? exception.resource : virtual;
    const end = exception ? exception.times.end.ms : ms + length;
    if (shown.status === 'cancelled' && !showDeleted) continue;
    if (minMs !== null && end <= minMs) continue;
    all.push(shown);
  }
  const original = query.get('originalStart');
  if (original !== null) all = all.filter((r) => Date.parse(r.originalStartTime.dateTime ?? r.originalStartTime.date) === Date.parse(original));
  const offset = query.has('pageToken') ? Number(decode(query.get('pageToken'), 'page').offset) : 0;
  const size = pageSize(query);
  const page = {
    kind: 'calendar#events',
    summary: calendar.summary,
    timeZone: calendar.timeZone,
    accessRole: calendar.accessRole,
    defaultReminders: calendar.defaultReminders,
    items: all.slice(offset, offset + size),
  };
  if (offset + size < all.length) page.nextPageToken = encode({ offset: offset + size });
  return page;
}

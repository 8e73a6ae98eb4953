// The Calendar methods the fake implements, keyed by discovery-document method id. Each
// takes {account, params, query, body, headers} and returns [status, json]; errors are
// thrown as ApiError.

import { ApiError, badRequest, notFound } from '../gmail/errors.mjs';
import { listEvents, listInstances } from './listing.mjs';
import { isZone, parseInstant, rfc3339 } from './time.mjs';

function writeOptions(query, headers) {
  return {
    conferenceVersion: Number(query.get('conferenceDataVersion') ?? 0),
    sendUpdates: query.get('sendUpdates') ?? (query.get('sendNotifications') === 'true' ? 'all' : 'none'),
    ifMatch: headers['if-match'],
  };
}

function page(items, query) {
  const size = Math.min(Number(query.get('maxResults') ?? 100), 250);
  const offset = query.has('pageToken') ? Number(Buffer.from(query.get('pageToken'), 'base64url').toString('utf8')) : 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw badRequest('Invalid page token value.');
  const out = { items: items.slice(offset, offset + size) };
  if (offset + size < items.length) out.nextPageToken = Buffer.from(String(offset + size)).toString('base64url');
  return out;
}

const calendarResource = (c) => ({
  kind: 'calendar#calendar',
  etag: c.etag,
  id: c.id,
  summary: c.summary,
  timeZone: c.timeZone,
  conferenceProperties: { allowedConferenceSolutionTypes: ['hangoutsMeet'] },
  ...(c.description ? { description: c.description } : {}),
});

export const handlers = {
  'calendar.calendarList.list': ({ account, query }) => {
    if (query.has('syncToken')) throw new ApiError(501, 'The Calendar fake does not do incremental calendarList sync.');
    const listed = [...account.calendars.values()].filter((c) => c.inList).map((c) => account.listEntry(c));
    const result = page(listed, query);
    return [200, { kind: 'calendar#calendarList', etag: `"${account.change}"`, ...result, ...(result.nextPageToken ? {} : { nextSyncToken: 'unsupported' }) }];
  },

  'calendar.calendarList.get': ({ account, params }) => {
    const c = account.calendar(params.calendarId);
    if (!c.inList) throw notFound();
    return [200, account.listEntry(c)];
  },

  'calendar.calendars.get': ({ account, params }) => [200, calendarResource(account.calendar(params.calendarId))],

  'calendar.events.list': ({ account, params, query }) => [200, listEvents(account, account.calendar(params.calendarId), query)],

  'calendar.events.get': ({ account, params }) => {
    const calendar = account.calendar(params.calendarId);
    return [200, account.get(calendar, params.eventId).resource];
  },

  'calendar.events.instances': ({ account, params, query }) => {
    const calendar = account.calendar(params.calendarId);
    const master = calendar.events.get(params.eventId);
    if (!master) throw notFound();
    return [200, listInstances(account, calendar, master, query)];
  },

  'calendar.events.insert': ({ account, params, query, body, headers }) => [200, account.insert(account.calendar(params.calendarId), body, writeOptions(query, headers))],

  'calendar.events.patch': ({ account, params, query, body, headers }) => [
    200,
    account.modify(account.calendar(params.calendarId), params.eventId, body, writeOptions(query, headers), false),
  ],

  'calendar.events.update': ({ account, params, query, body, headers }) => [
    200,
    account.modify(account.calendar(params.calendarId), params.eventId, body, writeOptions(query, headers), true),
  ],

  'calendar.events.delete': ({ account, params, query, headers }) => {
    account.remove(account.calendar(params.calendarId), params.eventId, writeOptions(query, headers));
    return [204, null];
  },

  'calendar.freebusy.query': ({ account, body }) => {
    if (!body.timeMin || !body.timeMax) throw badRequest(!body.timeMin ? 'Missing timeMin.' : 'Missing timeMax.', { reason: 'required' });
    const minMs = parseInstant(body.timeMin, 'timeMin');
    const maxMs = parseInstant(body.timeMax, 'timeMax');
    if (maxMs <= minMs) throw badRequest('The specified time range is empty.', { reason: 'timeRangeEmpty' });
    if (body.timeZone !== undefined && !isZone(body.timeZone)) throw badRequest('Invalid time zone.', { reason: 'invalid' });
    const items = body.items ?? [];
    if (items.length > 50) throw badRequest('Too many calendars requested.', { reason: 'tooManyCalendarsRequested' });
    const calendars = {};
    for (const item of items) {
      const calendar = account.calendars.get(item.id === 'primary' ? account.user : item.id);
      calendars[item.id] = calendar
        ? { busy: account.busy(calendar, minMs, maxMs).map(([s, e]) => ({ start: rfc3339(s), end: rfc3339(e) })) }
        : { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] };
    }
    return [200, { kind: 'calendar#freeBusy', timeMin: rfc3339(minMs), timeMax: rfc3339(maxMs), calendars }];
  },
};

export function notImplemented(id) {
  return new ApiError(501, `The Calendar fake does not implement ${id} (it is in calendar.v3.json, so the real API has it).`);
}

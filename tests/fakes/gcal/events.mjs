// One event as the Calendar API keeps it: the resource built from a client's body (insert,
// update, patch), the read-only fields Google fills in (etag, sequence, iCalUID, organizer,
// conference), and the checks Google makes on the way in.

import { randomBytes } from 'node:crypto';
import { ApiError, badRequest } from '../gmail/errors.mjs';
import { dateText, instanceStamp, readDateTime, readRecurrence, rfc3339, rfc3339In } from './time.mjs';

/** Fields a client may write; the rest of the body is read-only and ignored, as Google does. */
const WRITABLE = [
  'summary',
  'description',
  'location',
  'start',
  'end',
  'endTimeUnspecified',
  'recurrence',
  'attendees',
  'reminders',
  'transparency',
  'visibility',
  'status',
  'colorId',
  'extendedProperties',
  'guestsCanInviteOthers',
  'guestsCanModify',
  'guestsCanSeeOtherGuests',
  'anyoneCanAddSelf',
  'source',
  'sequence',
  'eventType',
];

const BASE32HEX = /^[a-v0-9]{5,1024}$/;
const RESPONSES = ['needsAction', 'declined', 'tentative', 'accepted'];

export const newEventId = () => [...randomBytes(16)].map((b) => '0123456789abcdefghijklmnopqrstuv'[b & 31]).join('');

function meetCode() {
  const letters = () => [...randomBytes(4)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
  return `${letters().slice(0, 3)}-${letters()}-${letters().slice(0, 3)}`;
}

/** A client-chosen id: base32hex, 5-1024 characters (Google's rule for events.insert). */
export function checkNewId(id) {
  if (!BASE32HEX.test(id)) throw badRequest('Invalid resource id value.', { reason: 'invalid' });
  return id;
}

function attendeesOf(list, owner) {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) throw badRequest('Invalid attendees.');
  const seen = new Set();
  return list.map((a) => {
    if (!a || typeof a.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(a.email)) throw badRequest('Invalid attendee email.', { reason: 'invalid' });
    const email = a.email.toLowerCase();
    if (seen.has(email)) throw badRequest(`Duplicate attendee ${a.email}.`, { reason: 'duplicate' });
    seen.add(email);
    if (a.responseStatus !== undefined && !RESPONSES.includes(a.responseStatus)) throw badRequest('Invalid attendee responseStatus.', { reason: 'invalid' });
    const out = { ...a, responseStatus: a.responseStatus ?? 'needsAction' };
    if (email === owner.toLowerCase()) Object.assign(out, { self: true, organizer: true });
    return out;
  });
}

/**
 * Checks a complete set of writable fields (after a patch merge) and answers what the store
 * keeps: the parsed times and recurrence for expansion.
 */
export function checkTimes(fields, zone) {
  const start = readDateTime(fields.start, zone, 'start');
  const end = readDateTime(fields.end, zone, 'end');
  if (start.allDay !== end.allDay) throw badRequest('Start and end times must either both be date or both be dateTime.', { reason: 'invalid' });
  if (end.ms < start.ms || (start.allDay && end.ms === start.ms)) throw badRequest('The specified time range is empty.', { reason: 'timeRangeEmpty' });
  const recurrence = readRecurrence(fields.recurrence, start.zone);
  if (recurrence && !start.allDay && fields.start.timeZone === undefined) {
    throw badRequest('Missing time zone definition for start time.', { reason: 'missingTimeZone' });
  }
  return { start, end, recurrence };
}

/**
 * Builds the stored resource from `fields` (writable fields only) for a new or changed event.
 * `previous` is the current resource on update; `ctx` = {calendar, owner, conferenceVersion}.
 */
export function buildResource(id, fields, previous, ctx) {
  const { calendar, owner } = ctx;
  const times = checkTimes(fields, calendar.timeZone);
  if (fields.status !== undefined && !['confirmed', 'tentative', 'cancelled'].includes(fields.status)) throw badRequest('Invalid status.');
  if (fields.transparency !== undefined && !['opaque', 'transparent'].includes(fields.transparency)) throw badRequest('Invalid transparency.');
  const now = rfc3339(Date.now());
  const resource = {
    kind: 'calendar#event',
    id,
    status: fields.status ?? 'confirmed',
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${calendar.id}`).toString('base64url')}`,
    created: previous?.created ?? now,
    updated: now,
    creator: previous?.creator ?? { email: owner, self: true },
    organizer: previous?.organizer ?? { email: calendar.id === 'primary' ? owner : calendar.id, displayName: calendar.summary, self: true },
    iCalUID: previous?.iCalUID ?? `${id}@google.com`,
    sequence: previous?.sequence ?? 0,
    eventType: 'default',
  };
  if (previous?.recurringEventId) {
    resource.recurringEventId = previous.recurringEventId;
    resource.originalStartTime = previous.originalStartTime;
  }
  for (const key of WRITABLE) if (fields[key] !== undefined && fields[key] !== null && key !== 'sequence') resource[key] = fields[key];
  if (resource.eventType !== 'default') throw badRequest(`The fake only creates default events, not ${resource.eventType}.`);
  for (const [key, t] of [['start', times.start], ['end', times.end]]) {
    if (!t.allDay) resource[key] = { dateTime: rfc3339In(t.ms, t.zone), ...(fields[key].timeZone ? { timeZone: fields[key].timeZone } : {}) };
  }
  if (fields.attendees) resource.attendees = attendeesOf(fields.attendees, owner);
  resource.reminders = fields.reminders ?? { useDefault: true };
  if (resource.reminders.overrides?.length > 5) throw badRequest('Too many reminders.', { reason: 'tooManyReminders' });
  if (resource.reminders.useDefault && resource.reminders.overrides?.length) {
    throw badRequest('Cannot specify both default reminders and overrides at the same time.', { reason: 'cannotUseDefaultRemindersAndSpecifyOverride' });
  }
  if (previous) {
    if (fields.sequence !== undefined && fields.sequence !== null && Number(fields.sequence) < previous.sequence) {
      throw badRequest('Invalid sequence value. The specified sequence number is below the current sequence number of the resource.', { reason: 'invalid' });
    }
    const moved = ['start', 'end', 'recurrence', 'location'].some((k) => JSON.stringify(previous[k] ?? null) !== JSON.stringify(resource[k] ?? null));
    resource.sequence = Math.max(Number(fields.sequence ?? 0), previous.sequence + (moved ? 1 : 0));
  } else if (fields.sequence !== undefined && fields.sequence !== null) resource.sequence = Number(fields.sequence);
  conference(resource, fields, previous, ctx.conferenceVersion);
  return { resource, times };
}

/** conferenceData: ignored at version 0 (kept from before), copied or created at version 1. */
function conference(resource, fields, previous, version) {
  const old = previous?.conferenceData;
  const asked = fields.conferenceData;
  if (version !== 1 || asked === undefined) {
    if (old) {
      resource.conferenceData = old;
      if (previous.hangoutLink) resource.hangoutLink = previous.hangoutLink;
    }
    return;
  }
  if (asked === null) return;
  const request = asked.createRequest;
  if (!request) {
    resource.conferenceData = asked;
    return;
  }
  if (!request.requestId) throw badRequest('Invalid conference request: requestId is required.', { reason: 'invalid' });
  const type = request.conferenceSolutionKey?.type ?? 'hangoutsMeet';
  if (type !== 'hangoutsMeet') throw badRequest(`Invalid conference type value: ${type}.`, { reason: 'invalidConferenceType' });
  if (old?.createRequest?.requestId === request.requestId) {
    // The same request again (a retry) gives the same conference, as Google documents.
    resource.conferenceData = old;
    resource.hangoutLink = previous.hangoutLink;
    return;
  }
  const code = meetCode();
  resource.conferenceData = {
    createRequest: { requestId: request.requestId, conferenceSolutionKey: { type }, status: { statusCode: 'success' } },
    entryPoints: [{ entryPointType: 'video', uri: `https://meet.google.com/${code}`, label: `meet.google.com/${code}` }],
    conferenceSolution: { key: { type }, name: 'Google Meet', iconUri: 'https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png' },
    conferenceId: code,
  };
  resource.hangoutLink = `https://meet.google.com/${code}`;
}

/** An EventDateTime for an instance starting at `ms` (the master's zone and kind). */
export function instanceTime(master, ms) {
  if (master.start.date) return { date: dateText({ ...splitDate(ms) }) };
  const zone = master.start.timeZone;
  return zone ? { dateTime: rfc3339In(ms, zone), timeZone: zone } : { dateTime: rfc3339(ms) };
}

const splitDate = (ms) => {
  const d = new Date(ms);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate() };
};

/** The id Google gives one occurrence of `masterId` that started at `ms`. */
export const instanceId = (masterId, allDay, ms) => `${masterId}_${instanceStamp(allDay, ms)}`;

/** The virtual resource of one occurrence (what events.instances lists when no exception exists). */
export function virtualInstance(master, times, originalMs) {
  const duration = times.end.ms - times.start.ms;
  const out = { ...master };
  delete out.recurrence;
  out.id = instanceId(master.id, times.start.allDay, originalMs);
  out.recurringEventId = master.id;
  out.originalStartTime = instanceTime(master, originalMs);
  out.start = instanceTime(master, originalMs);
  out.end = instanceTime(master, originalMs + duration);
  return out;
}

export function preconditionFailed() {
  return new ApiError(412, 'Precondition Failed', { reason: 'conditionNotMet', status: 'FAILED_PRECONDITION', location: 'If-Match', locationType: 'header' });
}

export function gone(message = 'Resource has been deleted', reason = 'deleted') {
  return new ApiError(410, message, { reason, status: 'ABORTED' });
}

// The fake's calendars: per mailbox address a set of calendars holding events. A single
// event or a series master is stored once; a series' occurrences are computed from its
// patternedRecurrence, with exceptions (a changed occurrence keeps the occurrence's id) and
// cancelled occurrences kept on the master. What a client sees of an instance is rendered
// by `instanceJson` in the time zone the request prefers.

import { createHash, randomBytes } from 'node:crypto';
import { expandRecurrence, fromInstant, isoUtc, localOf, parseLocal, toInstant } from './calendar-time.mjs';

export class CalendarNotFound extends Error {
  constructor(message = 'The specified object was not found in the store.') {
    super(message);
    this.code = 'ErrorItemNotFound';
  }
}

const b64 = (n) => randomBytes(n).toString('base64').replace(/\//g, '-').replace(/\+/g, '_');
const newId = () => `AAMkAGVmMDEz${b64(33)}`;
const newChangeKey = () => randomBytes(12).toString('base64');
const OCC_RE = /^(.+)_OCC_(\d{8}T\d{6}Z)$/;
const compact = (ms) => isoUtc(ms).replace(/[-:]/g, '');
const fromCompact = (s) => Date.parse(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);
export const occurrenceId = (masterId, originalMs) => `${masterId}_OCC_${compact(originalMs)}`;
const hexUid = (seed) => `040000008200E00074C5B7101A82E00800000000${createHash('sha256').update(seed).digest('hex').slice(0, 48).toUpperCase()}`;

/** The fields a client may set on an event (POST and PATCH). */
export const WRITABLE = new Set([
  'subject', 'body', 'start', 'end', 'isAllDay', 'location', 'locations', 'attendees', 'recurrence',
  'isOnlineMeeting', 'onlineMeetingProvider', 'reminderMinutesBeforeStart', 'isReminderOn', 'showAs',
  'sensitivity', 'importance', 'categories', 'responseRequested', 'allowNewTimeProposals', 'hideAttendees',
]);

export class CalMailbox {
  constructor(address, displayName) {
    this.address = address;
    this.displayName = displayName;
    this.calendars = new Map(); // id -> calendar
    this.events = new Map(); // id -> single or series master
    this.exceptions = new Map(); // occurrence id -> { master, originalMs }
    this.defaultId = this.addCalendar({ name: 'Calendar', hexColor: '', color: 'auto', isDefaultCalendar: true }).id;
  }

  addCalendar({ name, hexColor = '#8764b8', color = 'lightPurple', canEdit = true, isDefaultCalendar = false }) {
    const cal = {
      id: newId(), name, hexColor, color, canEdit, isDefaultCalendar, changeKey: newChangeKey(),
      owner: { name: this.displayName, address: this.address },
    };
    this.calendars.set(cal.id, cal);
    return cal;
  }

  calendar(ref) {
    const cal = ref === undefined || ref === null ? this.calendars.get(this.defaultId) : this.calendars.get(ref)
      ?? [...this.calendars.values()].find((c) => c.name === ref);
    if (!cal) throw new CalendarNotFound('The specified calendar could not be found in the store.');
    return cal;
  }

  calendarJson(cal) {
    const { id, name, color, hexColor, isDefaultCalendar, changeKey, canEdit, owner } = cal;
    return {
      '@odata.etag': `W/"${changeKey}"`, id, name, color, hexColor, isDefaultCalendar, changeKey,
      canShare: canEdit, canViewPrivateItems: true, canEdit, allowedOnlineMeetingProviders: ['teamsForBusiness'],
      defaultOnlineMeetingProvider: 'teamsForBusiness', isTallyingResponses: true, isRemovable: !isDefaultCalendar, owner,
    };
  }

  /** A new event in `cal` from a client's JSON (already validated). */
  create(cal, json, { organizer } = {}) {
    const self = { emailAddress: { name: this.displayName, address: this.address } };
    const org = organizer ?? self;
    const mine = org.emailAddress.address.toLowerCase() === this.address.toLowerCase();
    const ev = {
      subject: '', body: { contentType: 'html', content: '' }, isAllDay: false, showAs: 'busy',
      sensitivity: 'normal', importance: 'normal', categories: [], reminderMinutesBeforeStart: 15,
      isReminderOn: true, isOnlineMeeting: false, onlineMeetingProvider: 'unknown', attendees: [],
      location: { displayName: '' }, responseRequested: true, ...json,
      id: newId(), calendarId: cal.id, iCalUId: hexUid(`${Date.now()}${Math.random()}`), changeKey: newChangeKey(),
      created: Date.now(), organizer: org, isOrganizer: mine,
      responseStatus: { response: mine ? 'organizer' : 'notResponded', time: '0001-01-01T00:00:00Z' },
      exceptions: new Map(), cancelled: new Set(),
    };
    ev.attendees = (ev.attendees ?? []).map(attendee);
    ev.type = ev.recurrence ? 'seriesMaster' : 'singleInstance';
    if (ev.recurrence) ev.recurrence = normalRecurrence(ev);
    meeting(ev);
    timesOf(ev);
    this.events.set(ev.id, ev);
    return ev;
  }

  /**
   * What an id names: `{ ev }` for a single event or master, `{ master, originalMs, ex? }` for
   * an occurrence (with its exception when it has one). Throws CalendarNotFound.
   */
  find(id) {
    const ev = this.events.get(id);
    if (ev) return { ev };
    const m = OCC_RE.exec(id);
    const master = m && this.events.get(m[1]);
    if (!master) throw new CalendarNotFound();
    const originalMs = fromCompact(m[2]);
    if (master.cancelled.has(originalMs)) throw new CalendarNotFound();
    const ex = master.exceptions.get(originalMs);
    if (!ex && !this.occurrenceStarts(master, originalMs + 1).includes(originalMs)) throw new CalendarNotFound();
    return { master, originalMs, ex };
  }

  occurrenceStarts(master, untilMs) {
    return expandRecurrence(master.recurrence, parseLocal(master.start.dateTime), master.start.timeZone, untilMs);
  }

  /** The changeKey an If-Match is compared with. */
  changeKeyOf(found) {
    if (found.ev) return found.ev.changeKey;
    return found.ex ? found.ex.changeKey : found.master.changeKey;
  }

  /** Applies a client's changes; an occurrence becomes an exception. Returns the new `found`. */
  update(found, changes) {
    if (found.ev) {
      Object.assign(found.ev, changes);
      if (changes.attendees) found.ev.attendees = changes.attendees.map(attendee);
      if (found.ev.recurrence) {
        found.ev.type = 'seriesMaster';
        found.ev.recurrence = normalRecurrence(found.ev);
      }
      meeting(found.ev);
      timesOf(found.ev);
      found.ev.changeKey = newChangeKey();
      return found;
    }
    const { master, originalMs } = found;
    const base = found.ex ?? this.#occurrence(master, originalMs);
    const ex = { ...base, ...changes, type: 'exception', changeKey: newChangeKey() };
    if (changes.attendees) ex.attendees = changes.attendees.map(attendee);
    delete ex.recurrence;
    meeting(ex);
    timesOf(ex);
    master.exceptions.set(originalMs, ex);
    this.exceptions.set(ex.id, { master, originalMs });
    return { master, originalMs, ex };
  }

  remove(found) {
    if (found.ev) {
      this.events.delete(found.ev.id);
      for (const ex of found.ev.exceptions.values()) this.exceptions.delete(ex.id);
      return;
    }
    const { master, originalMs } = found;
    const ex = master.exceptions.get(originalMs);
    if (ex) this.exceptions.delete(ex.id);
    master.exceptions.delete(originalMs);
    master.cancelled.add(originalMs);
  }

  #occurrence(master, originalMs) {
    const duration = master.endMs - master.startMs;
    const zone = master.start.timeZone;
    const occ = {
      ...master, id: occurrenceId(master.id, originalMs), type: 'occurrence', seriesMasterId: master.id,
      originalStartMs: originalMs, iCalUId: hexUid(`${master.iCalUId}:${originalMs}`),
      start: { dateTime: fromInstant(originalMs, zone).dateTime, timeZone: zone },
      end: { dateTime: fromInstant(originalMs + duration, zone).dateTime, timeZone: master.end.timeZone },
    };
    if (master.isAllDay) {
      const days = Math.round(duration / 86400000);
      const day = localOf(originalMs, zone);
      occ.start = { dateTime: fromInstant(day, 'UTC').dateTime, timeZone: zone };
      occ.end = { dateTime: fromInstant(day + days * 86400000, 'UTC').dateTime, timeZone: master.end.timeZone };
    }
    delete occ.recurrence;
    delete occ.exceptions;
    delete occ.cancelled;
    timesOf(occ);
    return occ;
  }

  /** Every instance (single events, occurrences, exceptions) of a calendar overlapping [from, to). */
  instances(cal, fromMs, toMs) {
    const out = [];
    const overlaps = (e) => e.startMs < toMs && (e.endMs > fromMs || (e.endMs === e.startMs && e.startMs >= fromMs));
    for (const ev of this.events.values()) {
      if (ev.calendarId !== cal.id) continue;
      if (ev.type !== 'seriesMaster') {
        if (overlaps(ev)) out.push(ev);
        continue;
      }
      const seen = new Set();
      for (const originalMs of this.occurrenceStarts(ev, toMs)) {
        seen.add(originalMs);
        if (ev.cancelled.has(originalMs)) continue;
        const inst = ev.exceptions.get(originalMs) ?? this.#occurrence(ev, originalMs);
        if (overlaps(inst)) out.push(inst);
      }
      // An exception moved into the window from an occurrence outside it.
      for (const [originalMs, ex] of ev.exceptions) if (!seen.has(originalMs) && overlaps(ex)) out.push(ex);
    }
    return out.sort((a, b) => a.startMs - b.startMs || (a.id < b.id ? -1 : 1));
  }

  /** An instance by id (as `instances` returns them), or undefined. */
  instance(id) {
    try {
      const found = this.find(id);
      return found.ev ?? found.ex ?? this.#occurrence(found.master, found.originalMs);
    } catch (e) {
      if (e instanceof CalendarNotFound) return undefined;
      throw e;
    }
  }
}

function attendee(a) {
  return {
    type: a.type ?? 'required',
    emailAddress: { name: a.emailAddress?.name ?? a.emailAddress?.address, address: a.emailAddress?.address },
    status: a.status ?? { response: 'none', time: '0001-01-01T00:00:00Z' },
  };
}

function normalRecurrence(ev) {
  const { pattern = {}, range = {} } = ev.recurrence;
  return {
    pattern: { type: pattern.type, interval: pattern.interval ?? 1, month: pattern.month ?? 0, dayOfMonth: pattern.dayOfMonth ?? 0,
      daysOfWeek: pattern.daysOfWeek ?? [], firstDayOfWeek: pattern.firstDayOfWeek ?? 'sunday', index: pattern.index ?? 'first' },
    range: { type: range.type ?? 'noEnd', startDate: range.startDate ?? ev.start.dateTime.slice(0, 10),
      endDate: range.endDate ?? '0001-01-01', recurrenceTimeZone: range.recurrenceTimeZone ?? ev.start.timeZone,
      numberOfOccurrences: range.numberOfOccurrences ?? 0 },
  };
}

/** Teams: an online meeting gets a join URL, as Exchange creates one for teamsForBusiness. */
function meeting(ev) {
  if (ev.isOnlineMeeting) {
    if (!ev.onlineMeetingProvider || ev.onlineMeetingProvider === 'unknown') ev.onlineMeetingProvider = 'teamsForBusiness';
    if (!ev.onlineMeeting?.joinUrl) {
      const thread = randomBytes(16).toString('hex');
      ev.onlineMeeting = {
        joinUrl: `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${thread}%40thread.v2/0?context=%7b%7d`,
        conferenceId: String(100000000 + Math.floor(Math.random() * 899999999)),
        tollNumber: '+1 555-0100',
      };
    }
  } else {
    ev.onlineMeeting = null;
  }
}

/** Caches start/end instants (all-day events: the dates as UTC days). */
function timesOf(ev) {
  if (ev.isAllDay) {
    ev.startMs = parseLocal(ev.start.dateTime);
    ev.endMs = parseLocal(ev.end.dateTime);
  } else {
    ev.startMs = toInstant(ev.start);
    ev.endMs = toInstant(ev.end);
  }
}

const INTERNAL = new Set(['calendarId', 'startMs', 'endMs', 'exceptions', 'cancelled', 'created', 'originalStartMs']);

/** An instance or event as Graph returns it, times in `zone` (a Windows or IANA name). */
export function instanceJson(ev, zone = 'UTC', select = undefined) {
  const out = { '@odata.etag': `W/"${ev.changeKey}"` };
  for (const [key, value] of Object.entries(ev)) {
    if (INTERNAL.has(key)) continue;
    out[key] = value;
  }
  out.start = ev.isAllDay ? { dateTime: ev.start.dateTime, timeZone: zone } : fromInstant(ev.startMs, zone);
  out.end = ev.isAllDay ? { dateTime: ev.end.dateTime, timeZone: zone } : fromInstant(ev.endMs, zone);
  out.originalStartTimeZone = ev.start.timeZone;
  out.originalEndTimeZone = ev.end.timeZone;
  out.originalStart = ev.originalStartMs !== undefined ? isoUtc(ev.originalStartMs) : null;
  out.seriesMasterId = ev.seriesMasterId ?? null;
  out.recurrence = ev.type === 'seriesMaster' ? ev.recurrence : null;
  out.createdDateTime = isoUtc(ev.created ?? 0);
  out.isCancelled = false;
  out.bodyPreview = String(ev.body?.content ?? '').replace(/<[^>]*>/g, '').slice(0, 255);
  if (!select) return out;
  return Object.fromEntries(Object.entries(out).filter(([k]) => k === 'id' || k.startsWith('@') || select.has(k.toLowerCase())));
}

export class CalendarStore {
  constructor() {
    this.mailboxes = new Map(); // lower-case address -> CalMailbox
    this.invitations = []; // what Exchange would have mailed: requests, updates, cancellations, responses
  }

  mailbox(address, displayName = undefined) {
    const key = address.toLowerCase();
    let mbx = this.mailboxes.get(key);
    if (!mbx) {
      mbx = new CalMailbox(address, displayName ?? address.split('@')[0]);
      this.mailboxes.set(key, mbx);
    }
    return mbx;
  }

  existing(address) {
    return this.mailboxes.get(String(address).toLowerCase());
  }

  /** Finds an event or instance by id in any mailbox (control API). */
  findAnywhere(id) {
    for (const mbx of this.mailboxes.values()) {
      try {
        return { mbx, found: mbx.find(id) };
      } catch (e) {
        if (!(e instanceof CalendarNotFound)) throw e;
      }
    }
    throw new CalendarNotFound(`no event ${id}`);
  }
}

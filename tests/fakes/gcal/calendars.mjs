// The user's calendars and their events, with the change log behind sync tokens: every
// write stamps the event with the next change number; a sync token names a calendar, its
// token generation and a change number. Expiring tokens bumps the generation (old tokens
// then answer 410) and forgets deleted events, as Google eventually does.

import { ApiError, badRequest, notFound } from '../gmail/errors.mjs';
import { buildResource, checkNewId, gone, instanceId, newEventId, preconditionFailed, virtualInstance } from './events.mjs';
import { isZone, occurrences, readDateTime, readRecurrence, Unsupported } from './time.mjs';

const FAR = Date.UTC(2100, 0, 1);

export class Account {
  constructor(user, zone) {
    this.user = user;
    this.change = 0;
    this.etagBase = 3180000000000000;
    this.calendars = new Map();
    /** Invitations Google would have mailed: {calendarId, eventId, method, to, sequence}. */
    this.notifications = [];
    this.addCalendar({ id: user, summary: user, timeZone: zone, primary: true, accessRole: 'owner', backgroundColor: '#9fe1e7' });
  }

  addCalendar(spec) {
    if (!spec.id || this.calendars.has(spec.id)) throw new ApiError(409, 'The requested identifier already exists.', { reason: 'duplicate' });
    const zone = spec.timeZone ?? 'UTC';
    if (!isZone(zone)) throw badRequest(`Invalid time zone ${zone}`);
    const calendar = {
      id: spec.id,
      summary: spec.summary ?? spec.id,
      description: spec.description,
      timeZone: zone,
      backgroundColor: spec.backgroundColor ?? '#7986cb',
      foregroundColor: spec.foregroundColor ?? '#000000',
      accessRole: spec.accessRole ?? 'owner',
      primary: spec.primary === true,
      inList: spec.inList !== false,
      defaultReminders: spec.defaultReminders ?? [{ method: 'popup', minutes: 10 }],
      generation: 1,
      /** id → {resource, times, change} */
      events: new Map(),
      etag: this.etag(),
    };
    this.calendars.set(calendar.id, calendar);
    return calendar;
  }

  etag() {
    this.change += 1;
    return `"${this.etagBase + this.change * 1000}"`;
  }

  calendar(id) {
    const calendar = this.calendars.get(id === 'primary' ? this.user : id);
    if (!calendar) throw notFound();
    return calendar;
  }

  writable(calendar) {
    if (!['owner', 'writer'].includes(calendar.accessRole)) throw new ApiError(403, 'You need to have writer access to this calendar.', { reason: 'requiredAccessLevel' });
  }

  listEntry(c) {
    const entry = {
      kind: 'calendar#calendarListEntry',
      etag: c.etag,
      id: c.id,
      summary: c.summary,
      timeZone: c.timeZone,
      colorId: '1',
      backgroundColor: c.backgroundColor,
      foregroundColor: c.foregroundColor,
      selected: true,
      accessRole: c.accessRole,
      defaultReminders: c.defaultReminders,
      conferenceProperties: { allowedConferenceSolutionTypes: ['hangoutsMeet'] },
    };
    if (c.description) entry.description = c.description;
    if (c.primary) entry.primary = true;
    return entry;
  }

  stamp(calendar, record) {
    record.change = ++this.change;
    record.resource.etag = `"${this.etagBase + record.change * 1000}"`;
    calendar.events.set(record.resource.id, record);
    return record.resource;
  }

  /** The stored record of an event id, or a virtual one for an occurrence id of a series. */
  find(calendar, id) {
    const held = calendar.events.get(id);
    if (held) return held;
    const m = /^(.+)_(\d{8})(T\d{6}Z)?$/.exec(id);
    const master = m && calendar.events.get(m[1]);
    if (!master || !master.times.recurrence || master.resource.status === 'cancelled') return null;
    for (const ms of this.occurrencesOf(master, FAR)) {
      if (instanceId(master.resource.id, master.times.start.allDay, ms) === id) {
        const resource = virtualInstance(master.resource, master.times, ms);
        return { resource, times: timesOf(resource, calendar), change: master.change, virtual: true };
      }
    }
    return null;
  }

  get(calendar, id) {
    const record = this.find(calendar, id);
    if (!record) throw notFound();
    return record;
  }

  occurrencesOf(record, untilMs) {
    try {
      return occurrences(record.times.start, record.times.recurrence, untilMs);
    } catch (e) {
      if (e instanceof Unsupported) throw new ApiError(501, `The Calendar fake cannot expand the rule part ${e.message} (Google can).`);
      throw e;
    }
  }

  insert(calendar, body, opts) {
    this.writable(calendar);
    const id = body.id !== undefined ? checkNewId(body.id) : newEventId();
    if (calendar.events.has(id)) throw new ApiError(409, 'The requested identifier already exists.', { reason: 'duplicate' });
    const { resource, times } = buildResource(id, body, null, { calendar, owner: this.user, conferenceVersion: opts.conferenceVersion });
    if (body.iCalUID) resource.iCalUID = body.iCalUID;
    const out = this.stamp(calendar, { resource, times });
    this.notify(calendar, out, 'REQUEST', opts.sendUpdates);
    return out;
  }

  /** events.update (`replace`) or events.patch: `body` over the current fields. */
  modify(calendar, id, body, opts, replace) {
    this.writable(calendar);
    const record = this.get(calendar, id);
    if (opts.ifMatch && opts.ifMatch !== '*' && opts.ifMatch !== record.resource.etag) throw preconditionFailed();
    const current = record.resource;
    const fields = replace ? { ...body } : { ...current, ...body };
    const { resource, times } = buildResource(current.id, fields, current, { calendar, owner: this.user, conferenceVersion: opts.conferenceVersion });
    const out = this.stamp(calendar, { resource, times });
    this.notify(calendar, out, 'REQUEST', opts.sendUpdates);
    return out;
  }

  remove(calendar, id, opts) {
    this.writable(calendar);
    const record = this.find(calendar, id);
    if (!record) throw notFound();
    if (record.resource.status === 'cancelled') throw gone();
    if (opts.ifMatch && opts.ifMatch !== '*' && opts.ifMatch !== record.resource.etag) throw preconditionFailed();
    this.cancel(calendar, record);
    if (record.times.recurrence) {
      for (const other of calendar.events.values()) {
        if (other.resource.recurringEventId === id && other.resource.status !== 'cancelled') this.cancel(calendar, other);
      }
    }
    this.notify(calendar, record.resource, 'CANCEL', opts.sendUpdates);
  }

  cancel(calendar, record) {
    record.resource = { ...record.resource, status: 'cancelled', updated: new Date().toISOString() };
    delete record.virtual;
    this.stamp(calendar, record);
  }

  /** An attendee answers an invitation (what their own client would do). */
  respond(calendar, id, email, responseStatus) {
    const record = this.get(calendar, id);
    const attendee = (record.resource.attendees ?? []).find((a) => a.email.toLowerCase() === String(email).toLowerCase());
    if (!attendee) throw badRequest(`${email} is not an attendee of ${id}`);
    if (!['needsAction', 'declined', 'tentative', 'accepted'].includes(responseStatus)) throw badRequest('bad responseStatus');
    attendee.responseStatus = responseStatus;
    record.resource = { ...record.resource, updated: new Date().toISOString() };
    delete record.virtual;
    return this.stamp(calendar, record);
  }

  notify(calendar, resource, method, sendUpdates) {
    if (sendUpdates !== 'all' && sendUpdates !== 'externalOnly') return;
    const domain = this.user.split('@')[1];
    const to = (resource.attendees ?? [])
      .filter((a) => !a.self && !a.organizer && !a.resource)
      .map((a) => a.email)
      .filter((e) => sendUpdates === 'all' || e.split('@')[1] !== domain);
    if (to.length) this.notifications.push({ calendarId: calendar.id, eventId: resource.id, method, to, sequence: resource.sequence });
  }

  /** Every token issued for `calendar` (or all) answers 410; deleted events are forgotten. */
  expireSyncTokens(calendarId) {
    for (const calendar of this.calendars.values()) {
      if (calendarId && calendar.id !== calendarId) continue;
      calendar.generation += 1;
      for (const [id, record] of calendar.events) {
        const master = record.resource.recurringEventId && calendar.events.get(record.resource.recurringEventId);
        const keep = master && master.resource.status !== 'cancelled';
        if (record.resource.status === 'cancelled' && !keep) calendar.events.delete(id);
      }
    }
  }

  /** Busy intervals [start, end] (ms) of a calendar between the bounds (freebusy.query). */
  busy(calendar, minMs, maxMs) {
    const spans = [];
    for (const record of calendar.events.values()) {
      const r = record.resource;
      if (r.status === 'cancelled' || r.transparency === 'transparent') continue;
      const length = record.times.end.ms - record.times.start.ms;
      if (r.recurringEventId) continue; // exceptions are applied through their series below
      const starts = record.times.recurrence ? this.occurrencesOf(record, maxMs) : [record.times.start.ms];
      for (const ms of starts) {
        const exception = record.times.recurrence && calendar.events.get(instanceId(r.id, record.times.start.allDay, ms));
        if (exception) continue;
        spans.push([ms, ms + length]);
      }
    }
    for (const record of calendar.events.values()) {
      const r = record.resource;
      if (!r.recurringEventId || r.status === 'cancelled' || r.transparency === 'transparent') continue;
      spans.push([record.times.start.ms, record.times.end.ms]);
    }
    const inside = spans.filter(([s, e]) => e > minMs && s < maxMs).map(([s, e]) => [Math.max(s, minMs), Math.min(e, maxMs)]);
    inside.sort((a, b) => a[0] - b[0]);
    const merged = [];
    for (const span of inside) {
      const last = merged[merged.length - 1];
      if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push(span);
    }
    return merged;
  }
}

/** The parsed times of a stored resource (for exceptions made from a virtual instance). */
export function timesOf(resource, calendar) {
  const start = readDateTime(resource.start, calendar.timeZone, 'start');
  const end = readDateTime(resource.end, calendar.timeZone, 'end');
  return { start, end, recurrence: readRecurrence(resource.recurrence, start.zone) };
}

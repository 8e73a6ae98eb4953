// The /v1.0 calendar endpoints of the Graph fake: calendars, events (create, get, PATCH and
// DELETE with If-Match), accept/decline/tentativelyAccept, calendarView and its delta
// rounds, and calendar/getSchedule. GraphApi hands a prepared request here when its first
// step after the mailbox is calendars, calendar, calendarView or events.
//
// On top of the CSDL checks every request gets (csdl.mjs), JSON bodies are checked for enum
// values (the CSDL's EnumTypes: eventType, recurrencePatternType, onlineMeetingProviderType,
// ...) and time zones; what fails is answered with 400 and recorded as a contract violation
// (GET /__control/calendar/contract).

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { checkActionBody, checkProperties } from './csdl.mjs';
import { GraphError, reply } from './http.mjs';
import { CalendarNotFound, instanceJson, WRITABLE } from './calendar-store.mjs';
import { fromInstant, ianaZone, isoUtc, toInstant } from './calendar-time.mjs';

const CSDL = fileURLToPath(new URL('../specs/msgraph-v1.0-Prod.csdl.gz', import.meta.url));
const DEFAULT_PAGE = 10;
const MAX_PAGE = 1000;
const DELTA_FORBIDDEN = ['$select', '$filter', '$orderby', '$expand', '$search'];

/** Every EnumType of the CSDL: full name -> Set(member names). */
function loadEnums() {
  const xml = gunzipSync(readFileSync(CSDL)).toString('utf8');
  const enums = new Map();
  for (const m of xml.matchAll(/<EnumType Name="([^"]+)"[^>]*>([\s\S]*?)<\/EnumType>/g)) {
    enums.set(`microsoft.graph.${m[1]}`, new Set([...m[2].matchAll(/<Member Name="([^"]+)"/g)].map((x) => x[1])));
  }
  return enums;
}

const badRequest = (message, code = 'BadRequest') => new GraphError(400, code, message);

function preferences(header) {
  const text = Array.isArray(header) ? header.join(',') : header ?? '';
  const size = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(text);
  const tz = /outlook\.timezone\s*=\s*"([^"]*)"/i.exec(text);
  return { maxPageSize: size ? Number(size[1]) : undefined, timeZone: tz ? tz[1] : undefined };
}

function parseJson(body) {
  try {
    return body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    throw badRequest('Unable to read JSON request payload.');
  }
}

const stripTag = (etag) => String(etag ?? '').replace(/^W\//, '').replace(/^"|"$/g, '');

export class CalendarApi {
  constructor({ schema, calendars, base }) {
    this.schema = schema;
    this.calendars = calendars;
    this.base = base;
    this.enums = loadEnums();
    this.violations = [];
    this.states = new Map(); // delta/skip token -> state
  }

  /** Whether GraphApi should hand these (mailbox-relative) steps to this module. */
  handles(steps) {
    const first = steps[0];
    return first?.kind === 'navigation' && ['calendars', 'calendar', 'calendarView', 'events'].includes(first.name);
  }

  /** Every token issued so far gives 410 with `code` (syncStateNotFound or resyncRequired). */
  expireAll(code = 'syncStateNotFound') {
    this.states.clear();
    this.expiredCode = code;
  }

  #violation(req, message) {
    this.violations.push(`${req.method} ${req.path}: ${message}`);
    return badRequest(message);
  }

  /** Enum values and nested types of a JSON value of `typeName`; returns a message or undefined. */
  #checkEnums(typeName, value, path = '') {
    if (value === null || value === undefined) return undefined;
    const element = typeName.replace(/^Collection\((.*)\)$/, '$1');
    if (Array.isArray(value)) {
      for (const v of value) {
        const err = this.#checkEnums(element, v, path);
        if (err) return err;
      }
      return undefined;
    }
    const members = this.enums.get(element);
    if (members) return members.has(value) ? undefined : `'${value}' is not a member of ${element} (at ${path || 'value'}).`;
    if (typeof value !== 'object' || !this.schema.types.has(element)) return undefined;
    for (const [key, inner] of Object.entries(value)) {
      if (key.startsWith('@')) continue;
      const prop = this.schema.findProperty(element, key);
      if (!prop) continue;
      const err = this.#checkEnums(prop.type, inner, `${path}${key}/`);
      if (err) return err;
    }
    return undefined;
  }

  /** The checks of an event body (POST, PATCH): names, enums, writable fields, times. */
  #eventBody(req, { creating }) {
    const json = parseJson(req.body);
    const err = checkProperties(this.schema, 'microsoft.graph.event', json) ?? this.#checkEnums('microsoft.graph.event', json);
    if (err) throw this.#violation(req, err);
    for (const key of Object.keys(json)) {
      if (!key.startsWith('@') && !WRITABLE.has(key)) {
        throw badRequest(`The property '${key}' is read-only or not supported by the fake.`, 'ErrorInvalidPropertyRequest');
      }
    }
    for (const key of ['start', 'end']) {
      if (json[key] === undefined) {
        if (creating) throw badRequest(`The '${key}' property is required.`, 'ErrorPropertyValidationFailure');
        continue;
      }
      if (!ianaZone(json[key]?.timeZone)) {
        throw this.#violation(req, `A valid TimeZone value must be specified. '${json[key]?.timeZone}' is not one.`);
      }
      try {
        toInstant(json[key]);
      } catch (e) {
        throw this.#violation(req, e.message);
      }
    }
    if (json.isAllDay && json.start && !/T00:00:00(\.0+)?$/.test(json.start.dateTime)) {
      throw badRequest('An all-day event must start and end at midnight.', 'ErrorPropertyValidationFailure');
    }
    const pattern = json.recurrence?.pattern;
    if (json.recurrence && (!pattern?.type || (pattern.type === 'weekly' && !(pattern.daysOfWeek ?? []).length))) {
      throw this.#violation(req, 'recurrence.pattern needs a type (and daysOfWeek for weekly).');
    }
    return json;
  }

  #zone(req) {
    if (req.zone !== undefined) return req.zone;
    const zone = req.prefs.timeZone;
    req.zone = zone ?? 'UTC';
    if (zone !== undefined && !ianaZone(zone)) {
      this.violations.push(`${req.method} ${req.path}: Prefer outlook.timezone="${zone}" is not a known time zone`);
      req.zone = 'UTC';
    }
    return req.zone;
  }

  #headers(req, extra = {}) {
    const applied = [];
    if (req.prefs.timeZone !== undefined) applied.push(`outlook.timezone="${this.#zone(req)}"`);
    if (req.prefs.maxPageSize !== undefined) applied.push(`odata.maxpagesize=${Math.min(MAX_PAGE, req.prefs.maxPageSize)}`);
    return applied.length ? { 'Preference-Applied': applied.join(', '), ...extra } : extra;
  }

  execute(prepared, { method, query, headers, body, path, address, displayName }) {
    const cmbx = this.calendars.mailbox(address, displayName);
    const req = { method, query, headers, body, path, mbx: cmbx, mbxPath: prepared.mbxPath, prefs: preferences(headers.prefer) };
    const route = [];
    for (const step of prepared.steps) {
      if (step.kind === 'navigation' && step.name === 'calendars') route.push('calendars');
      else if (step.kind === 'navigation' && step.name === 'calendar') {
        req.calendar = cmbx.calendar();
        route.push('calendar');
      } else if (step.kind === 'key' && route[route.length - 1] === 'calendars') {
        req.calendar = this.#found(() => cmbx.calendar(step.key));
        route[route.length - 1] = 'calendar';
      } else if (step.kind === 'navigation' && (step.name === 'events' || step.name === 'calendarView')) {
        route.push(step.name);
      } else if (step.kind === 'key' && route[route.length - 1] === 'events') {
        req.eventId = step.key;
        req.found = this.#found(() => cmbx.find(step.key));
        const cal = req.found.ev?.calendarId ?? req.found.master?.calendarId;
        if (req.calendar && req.calendar.id !== cal) throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
        route.length = 0;
        route.push('event');
      } else if (step.kind === 'operation') {
        const expected = step.op.kind === 'Function' ? 'GET' : 'POST';
        if (method !== expected) throw new GraphError(405, 'Request_BadRequest', `${step.op.kind} '${step.name}' must be called with ${expected}.`);
        req.op = step.op;
        route.push(step.name);
      } else {
        route.push(`?${step.name ?? step.key}`);
      }
    }
    const key = `${method} ${route.join('/').replace(/^calendar\/calendarView/, 'calendarView').replace(/^calendar\/events/, 'events')}`;
    const handler = ROUTES[key];
    if (!handler) throw new GraphError(501, 'NotImplemented', `The fake does not implement ${method} ${route.join('/')}.`);
    return this.#found(() => handler.call(this, req));
  }

  #found(fn) {
    try {
      return fn();
    } catch (e) {
      if (e instanceof CalendarNotFound) throw new GraphError(404, e.code, e.message);
      throw e;
    }
  }

  #page(req, items, render) {
    const top = Math.max(1, Math.min(MAX_PAGE, Number(req.query.get('$top') ?? DEFAULT_PAGE)));
    const skip = Number(req.query.get('$skip') ?? 0);
    const body = { value: items.slice(skip, skip + top).map(render) };
    if (skip + top < items.length) {
      const next = new URLSearchParams(req.query);
      next.set('$skip', String(skip + top));
      next.set('$top', String(top));
      body['@odata.nextLink'] = `${this.base}${req.path}?${next.toString().replace(/%24/g, '$')}`;
    }
    return reply(200, body, this.#headers(req));
  }

  #select(req) {
    const s = req.query.get('$select');
    return s ? new Set(s.split(',').map((p) => p.trim().toLowerCase())) : undefined;
  }

  listCalendars(req) {
    return this.#page(req, [...req.mbx.calendars.values()], (c) => req.mbx.calendarJson(c));
  }

  getCalendar(req) {
    return reply(200, req.mbx.calendarJson(req.calendar));
  }

  listEvents(req) {
    const cal = req.calendar ?? req.mbx.calendar();
    const zone = this.#zone(req);
    const items = [...req.mbx.events.values()].filter((e) => e.calendarId === cal.id);
    return this.#page(req, items, (e) => instanceJson(e, zone, this.#select(req)));
  }

  getEvent(req) {
    const inst = req.mbx.instance(req.eventId);
    return reply(200, instanceJson(inst, this.#zone(req), this.#select(req)), this.#headers(req));
  }

  #window(req) {
    const start = req.query.get('startDateTime') ?? req.query.get('startdatetime');
    const end = req.query.get('endDateTime') ?? req.query.get('enddatetime');
    if (!start || !end) {
      throw badRequest("This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.", 'ErrorInvalidParameter');
    }
    const parse = (v) => (/[zZ]|[+-]\d{2}:\d{2}$/.test(v) ? Date.parse(v) : Date.parse(`${v}Z`));
    const from = parse(start);
    const to = parse(end);
    if (Number.isNaN(from) || Number.isNaN(to) || to <= from) throw badRequest('The time window is not valid.', 'ErrorInvalidParameter');
    return { from, to };
  }

  calendarView(req) {
    const cal = req.calendar ?? req.mbx.calendar();
    const { from, to } = this.#window(req);
    const zone = this.#zone(req);
    return this.#page(req, req.mbx.instances(cal, from, to), (e) => instanceJson(e, zone, this.#select(req)));
  }

  /**
   * calendarView/delta: a round is the list of instance ids to report, served in pages by
   * $skiptoken; its last page's $deltatoken keeps the window and what each reported instance
   * looked like (its changeKey), so the next round reports what differs: new or changed
   * instances in full, vanished ones as `@removed`.
   */
  calendarViewDelta(req) {
    for (const name of DELTA_FORBIDDEN) {
      if (req.query.has(name)) throw badRequest(`${name} is not supported with delta on calendarView.`, 'ErrorInvalidUrlQuery');
    }
    const cal = req.calendar ?? req.mbx.calendar();
    const skip = req.query.get('$skiptoken');
    const delta = req.query.get('$deltatoken');
    const link = `${this.base}${req.path}`;
    let round;
    let offset = 0;
    if (skip || delta) {
      const state = this.states.get(skip ?? delta);
      if (!state || state.kind !== (skip ? 'skip' : 'delta') || state.calendarId !== cal.id || state.mailbox !== req.mbx.address) {
        const code = this.expiredCode ?? 'syncStateNotFound';
        const message = code === 'resyncRequired'
          ? 'Resync required. Replace any local cached data with the current server state.'
          : 'The sync state generation is not found. The delta token is expired and data must be synchronized again.';
        throw new GraphError(410, code, message, { Location: `${link}?$deltatoken=` });
      }
      if (skip) ({ round, offset } = state);
      else round = this.#round(req.mbx, cal, state.window, state.seen);
    } else {
      round = this.#round(req.mbx, cal, this.#window(req), new Map());
    }
    const size = Math.max(1, Math.min(MAX_PAGE, req.prefs.maxPageSize ?? DEFAULT_PAGE));
    const zone = this.#zone(req);
    const value = [];
    let i = offset;
    for (; i < round.items.length && value.length < size; i += 1) {
      const item = round.items[i];
      if (item.removed) {
        value.push({ '@odata.type': '#microsoft.graph.event', id: item.id, '@removed': { reason: 'deleted' } });
        continue;
      }
      const inst = req.mbx.instance(item.id);
      if (!inst) continue; // gone since the round was cut; the next round reports it
      value.push({ '@odata.type': '#microsoft.graph.event', ...instanceJson(inst, zone) });
    }
    const body = { '@odata.context': `${this.base}/v1.0/$metadata#Collection(event)` };
    const common = { calendarId: cal.id, mailbox: req.mbx.address };
    if (i < round.items.length) {
      body['@odata.nextLink'] = `${link}?$skiptoken=${this.#issue({ kind: 'skip', round, offset: i, ...common })}`;
    } else {
      body['@odata.deltaLink'] = `${link}?$deltatoken=${this.#issue({ kind: 'delta', window: round.window, seen: round.seen, ...common })}`;
    }
    body.value = value;
    return reply(200, body, this.#headers(req));
  }

  #issue(state) {
    const token = randomBytes(24).toString('base64url');
    this.states.set(token, state);
    return token;
  }

  #round(mbx, cal, window, before) {
    const seen = new Map();
    const items = [];
    for (const inst of mbx.instances(cal, window.from, window.to)) {
      seen.set(inst.id, inst.changeKey);
      if (before.get(inst.id) !== inst.changeKey) items.push({ id: inst.id });
    }
    for (const id of before.keys()) if (!seen.has(id)) items.push({ id, removed: true });
    return { window, seen, items };
  }

  createEvent(req) {
    const cal = req.calendar ?? req.mbx.calendar();
    if (!cal.canEdit) throw new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    const json = this.#eventBody(req, { creating: true });
    const ev = req.mbx.create(cal, json);
    this.#invite(req.mbx, ev, 'request');
    return reply(201, instanceJson(ev, this.#zone(req)), this.#headers(req));
  }

  #ifMatch(req) {
    const given = req.headers['if-match'];
    if (given === undefined || given === '*') return;
    if (stripTag(given) !== req.mbx.changeKeyOf(req.found)) {
      throw new GraphError(412, 'ErrorIrresolvableConflict', 'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.');
    }
  }

  patchEvent(req) {
    this.#ifMatch(req);
    const json = this.#eventBody(req, { creating: false });
    if (json.recurrence && !req.found.ev) throw badRequest('An occurrence cannot have a recurrence.', 'ErrorInvalidRecurrence');
    const found = req.mbx.update(req.found, json);
    const inst = found.ev ?? found.ex;
    if (inst.isOrganizer && (json.attendees || json.start || json.end || json.isOnlineMeeting !== undefined)) this.#invite(req.mbx, inst, 'update');
    return reply(200, instanceJson(inst, this.#zone(req)), this.#headers(req));
  }

  deleteEvent(req) {
    this.#ifMatch(req);
    const inst = req.found.ev ?? req.found.ex ?? req.mbx.instance(req.eventId);
    req.mbx.remove(req.found);
    if (inst.isOrganizer) this.#invite(req.mbx, inst, 'cancel');
    return reply(204);
  }

  respond(req, response) {
    const body = parseJson(req.body);
    const err = checkActionBody(this.schema, req.op, body);
    if (err) throw this.#violation(req, err);
    const inst = req.found.ev ?? req.found.ex ?? req.mbx.instance(req.eventId);
    if (inst.isOrganizer) throw badRequest("Your request can't be completed. You can't respond to a meeting you organized.", 'ErrorInvalidRequest');
    const param = (name) => Object.entries(body).find(([k]) => k.toLowerCase() === name)?.[1];
    const time = isoUtc(Date.now());
    const me = (a) => a.emailAddress.address.toLowerCase() === req.mbx.address.toLowerCase();
    const attendees = inst.attendees.map((a) => (me(a) ? { ...a, status: { response, time } } : a));
    // Outlook shows a tentatively accepted meeting as tentative, an accepted one as busy.
    const showAs = response === 'tentativelyAccepted' ? 'tentative' : 'busy';
    const found = req.mbx.update(req.found, { attendees, showAs });
    const updated = found.ev ?? found.ex;
    updated.responseStatus = { response, time };
    if (response === 'declined') req.mbx.remove(found); // Outlook removes a declined meeting
    if (param('sendresponse') !== false) {
      this.calendars.invitations.push({
        kind: 'response', from: req.mbx.address, to: [inst.organizer.emailAddress.address], response,
        comment: param('comment') ?? '', subject: inst.subject, eventId: inst.id, iCalUId: inst.iCalUId,
      });
    }
    return reply(202);
  }

  #invite(mbx, ev, kind) {
    const to = (ev.attendees ?? []).map((a) => a.emailAddress.address).filter(Boolean);
    if (!to.length) return;
    this.calendars.invitations.push({
      kind, from: mbx.address, to, subject: ev.subject, eventId: ev.id, iCalUId: ev.iCalUId,
      isOnlineMeeting: Boolean(ev.isOnlineMeeting), joinUrl: ev.onlineMeeting?.joinUrl ?? null,
    });
  }

  getSchedule(req) {
    const body = parseJson(req.body);
    const err = checkActionBody(this.schema, req.op, body) ?? this.#checkEnums('microsoft.graph.dateTimeTimeZone', body.startTime);
    if (err) throw this.#violation(req, err);
    const param = (name) => Object.entries(body).find(([k]) => k.toLowerCase() === name)?.[1];
    const schedules = param('schedules');
    const startTime = param('starttime');
    const endTime = param('endtime');
    const interval = Number(param('availabilityviewinterval') ?? 30);
    if (!Array.isArray(schedules) || !schedules.length || !startTime || !endTime) {
      throw badRequest('Schedules, StartTime and EndTime are required.', 'ErrorInvalidParameter');
    }
    if (!(interval >= 5 && interval <= 1440)) throw this.#violation(req, 'AvailabilityViewInterval must be between 5 and 1440.');
    let from;
    let to;
    try {
      from = toInstant(startTime);
      to = toInstant(endTime);
    } catch (e) {
      throw this.#violation(req, e.message);
    }
    const zone = this.#zone(req);
    const CODES = { free: '0', tentative: '1', busy: '2', oof: '3', workingElsewhere: '4' };
    const value = schedules.map((address) => {
      const mbx = this.calendars.existing(address);
      if (!mbx) {
        return { scheduleId: address, availabilityView: '', scheduleItems: [], error: { message: `The user ${address} was not found.`, responseCode: 'ErrorMailRecipientNotFound' } };
      }
      const items = [...mbx.calendars.values()].flatMap((c) => mbx.instances(c, from, to)).filter((e) => e.showAs !== 'free');
      let view = '';
      for (let t = from; t < to; t += interval * 60000) {
        const slot = items.filter((e) => e.startMs < t + interval * 60000 && e.endMs > t);
        const worst = slot.map((e) => CODES[e.showAs] ?? '2').sort().pop();
        view += worst ?? '0';
      }
      return {
        scheduleId: address,
        availabilityView: view,
        scheduleItems: items.map((e) => ({
          isPrivate: e.sensitivity === 'private', status: e.showAs, subject: e.subject, location: e.location?.displayName ?? '',
          start: fromInstant(e.startMs, zone), end: fromInstant(e.endMs, zone),
        })),
        workingHours: {
          daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
          startTime: '08:00:00.0000000', endTime: '17:00:00.0000000', timeZone: { name: 'Pacific Standard Time' },
        },
      };
    });
    return reply(200, { '@odata.context': `${this.base}/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)`, value }, this.#headers(req));
  }
}

const ROUTES = {
  'GET calendars': CalendarApi.prototype.listCalendars,
  'GET calendar': CalendarApi.prototype.getCalendar,
  'GET events': CalendarApi.prototype.listEvents,
  'POST events': CalendarApi.prototype.createEvent,
  'GET event': CalendarApi.prototype.getEvent,
  'PATCH event': CalendarApi.prototype.patchEvent,
  'DELETE event': CalendarApi.prototype.deleteEvent,
  'POST event/accept': function accept(req) { return this.respond(req, 'accepted'); },
  'POST event/decline': function decline(req) { return this.respond(req, 'declined'); },
  'POST event/tentativelyAccept': function tentative(req) { return this.respond(req, 'tentativelyAccepted'); },
  'GET calendarView': CalendarApi.prototype.calendarView,
  'GET calendarView/delta': CalendarApi.prototype.calendarViewDelta,
  'POST calendar/getSchedule': CalendarApi.prototype.getSchedule,
};

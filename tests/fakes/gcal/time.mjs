// Times as Google Calendar writes them: RFC 3339 instants, all-day dates, wall-clock times in
// an IANA zone (through Node's Intl, which carries the tz database), and the recurrence
// rules the fake expands for events.instances and freebusy.query.

import { badRequest } from '../gmail/errors.mjs';

const formatters = new Map();

function formatter(zone) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

export function isZone(zone) {
  if (typeof zone !== 'string' || zone === '') return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `zone` at instant `ms`: {y, mo (1-12), d, h, mi, s}. */
export function wallAt(ms, zone) {
  const parts = Object.fromEntries(formatter(zone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { y: Number(parts.year), mo: Number(parts.month), d: Number(parts.day), h: Number(parts.hour), mi: Number(parts.minute), s: Number(parts.second) };
}

const wallMs = (w) => Date.UTC(w.y, w.mo - 1, w.d, w.h ?? 0, w.mi ?? 0, w.s ?? 0);

/** The instant a wall-clock time in `zone` names (a time in a DST gap moves forward). */
export function instantOf(w, zone) {
  const guess = wallMs(w);
  let at = guess - (wallMs(wallAt(guess, zone)) - guess);
  const again = guess - (wallMs(wallAt(at, zone)) - at);
  if (again !== at) at = Math.max(at, again);
  return at;
}

const DATE = /^(\d{4})-(\d\d)-(\d\d)$/;
const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$/i;

/**
 * An EventDateTime → {allDay, ms (start of day UTC for dates), wall (in `zone`), zone}.
 * `fallbackZone` is the calendar's; `field` names it in errors.
 */
export function readDateTime(value, fallbackZone, field) {
  if (!value || typeof value !== 'object') throw badRequest(`Missing ${field} time.`, { reason: 'required' });
  if (value.timeZone !== undefined && !isZone(value.timeZone)) throw badRequest(`Invalid time zone definition for ${field} time.`, { reason: 'timeRangeEmpty' });
  if (value.date !== undefined && value.date !== null) {
    const m = DATE.exec(value.date);
    if (!m || value.dateTime) throw badRequest(`Invalid ${field} time.`, { reason: 'invalid' });
    const wall = { y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]), h: 0, mi: 0, s: 0 };
    return { allDay: true, ms: wallMs(wall), wall, zone: value.timeZone ?? fallbackZone };
  }
  const m = DATE_TIME.exec(value.dateTime ?? '');
  if (!m) throw badRequest(`Invalid ${field} time.`, { reason: 'invalid' });
  const zone = value.timeZone ?? fallbackZone;
  const wallWritten = { y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]), h: Number(m[4]), mi: Number(m[5]), s: Number(m[6]) };
  let ms;
  if (m[8]) {
    const off = m[8].toUpperCase() === 'Z' ? 0 : (m[8][0] === '-' ? -1 : 1) * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6)));
    ms = wallMs(wallWritten) - off * 60000;
  } else {
    if (value.timeZone === undefined) throw badRequest(`Missing time zone definition for ${field} time.`, { reason: 'timeRangeEmpty' });
    ms = instantOf(wallWritten, zone);
  }
  return { allDay: false, ms, wall: wallAt(ms, zone), zone };
}

export const rfc3339 = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function parseInstant(text, name) {
  const m = DATE_TIME.exec(text ?? '');
  if (!m || !m[8]) throw badRequest(`Invalid value for ${name}: ${text}`, { location: name, locationType: 'parameter' });
  return Date.parse(text);
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
export const dateText = (w) => `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)}`;
/** `20261124T150000Z` / `20261124`: the suffix Google gives an instance id. */
export const instanceStamp = (allDay, ms) => {
  const iso = new Date(ms).toISOString();
  return allDay ? iso.slice(0, 10).replaceAll('-', '') : `${iso.slice(0, 19).replaceAll('-', '').replaceAll(':', '')}Z`;
};

// --- recurrence -----------------------------------------------------------------------

const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const DAY_MS = 86400000;

function parseRule(text) {
  const rule = { freq: null, interval: 1, count: null, until: null, byDay: null, byMonthDay: null, byMonth: null };
  for (const part of text.split(';')) {
    const [key, value] = part.split('=');
    switch (key) {
      case 'FREQ':
        if (!['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(value)) throw new Unsupported(`FREQ=${value}`);
        rule.freq = value;
        break;
      case 'INTERVAL':
        rule.interval = Number(value);
        break;
      case 'COUNT':
        rule.count = Number(value);
        break;
      case 'UNTIL':
        rule.until = value;
        break;
      case 'BYDAY':
        rule.byDay = value.split(',').map((d) => {
          const m = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.exec(d);
          if (!m) throw badRequest(`Invalid recurrence rule: BYDAY=${value}`);
          return { n: m[1] ? Number(m[1]) : 0, day: WEEKDAYS.indexOf(m[2]) };
        });
        break;
      case 'BYMONTHDAY':
        rule.byMonthDay = value.split(',').map(Number);
        break;
      case 'BYMONTH':
        rule.byMonth = value.split(',').map(Number);
        break;
      case 'WKST':
        break;
      default:
        throw new Unsupported(key);
    }
  }
  if (!rule.freq || !(rule.interval >= 1)) throw badRequest(`Invalid recurrence rule: ${text}`);
  return rule;
}

/** A rule part the fake does not expand (the real API does); answered as 501 by callers. */
export class Unsupported extends Error {}

/** `EXDATE;TZID=Europe/Berlin:20261124T090000,…` → instants (ms). */
function parseDates(params, values, zone) {
  const tzid = /TZID=([^;:]+)/.exec(params)?.[1] ?? zone;
  return values.split(',').map((v) => {
    const m = /^(\d{4})(\d\d)(\d\d)(?:T(\d\d)(\d\d)(\d\d)(Z)?)?$/.exec(v);
    if (!m) throw badRequest(`Invalid recurrence date: ${v}`);
    const w = { y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]), h: Number(m[4] ?? 0), mi: Number(m[5] ?? 0), s: Number(m[6] ?? 0) };
    if (!m[4]) return wallMs(w);
    return m[7] ? wallMs(w) : instantOf(w, tzid);
  });
}

/** Checks the `recurrence` lines of an event body (400 for what Google would refuse). */
export function readRecurrence(lines, zone) {
  if (lines === undefined || lines === null) return null;
  if (!Array.isArray(lines)) throw badRequest('Invalid recurrence.');
  const out = { rule: null, rdates: [], exdates: [] };
  for (const line of lines) {
    const m = /^(RRULE|EXRULE|RDATE|EXDATE)([;][^:]*)?:(.+)$/.exec(line);
    if (!m) throw badRequest(`Invalid recurrence rule: ${line}`, { reason: 'invalid' });
    if (m[1] === 'RRULE') out.rule = m[3];
    else if (m[1] === 'RDATE') out.rdates.push(...parseDates(m[2] ?? '', m[3], zone));
    else if (m[1] === 'EXDATE') out.exdates.push(...parseDates(m[2] ?? '', m[3], zone));
    else throw badRequest('EXRULE is not supported.', { reason: 'invalid' });
  }
  if (out.rule) parseRuleChecked(out.rule);
  return out;
}

function parseRuleChecked(text) {
  try {
    return parseRule(text);
  } catch (e) {
    if (e instanceof Unsupported) return null; // accepted as written; expanding it is what the fake cannot do
    throw e;
  }
}

function matchesDay(rule, date, start) {
  const dow = date.getUTCDay();
  const y = date.getUTCFullYear();
  const mo = date.getUTCMonth();
  const d = date.getUTCDate();
  const daysInMonth = new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
  if (rule.byMonth && !rule.byMonth.includes(mo + 1)) return false;
  if (rule.byMonthDay && !rule.byMonthDay.some((n) => (n > 0 ? n === d : daysInMonth + n + 1 === d))) return false;
  if (rule.byDay) {
    const ok = rule.byDay.some(({ n, day }) => {
      if (day !== dow) return false;
      if (n === 0) return true;
      const nth = n > 0 ? Math.floor((d - 1) / 7) + 1 : -(Math.floor((daysInMonth - d) / 7) + 1);
      return nth === n;
    });
    if (!ok) return false;
  }
  switch (rule.freq) {
    case 'DAILY':
      return true;
    case 'WEEKLY':
      return rule.byDay ? true : dow === start.getUTCDay();
    case 'MONTHLY':
      return rule.byDay || rule.byMonthDay ? true : d === start.getUTCDate();
    default: // YEARLY
      if (!rule.byMonth && mo !== start.getUTCMonth()) return false;
      return rule.byDay || rule.byMonthDay ? true : d === start.getUTCDate();
  }
}

function inInterval(rule, date, start) {
  if (rule.interval === 1) return true;
  const days = Math.round((date - start) / DAY_MS);
  switch (rule.freq) {
    case 'DAILY':
      return days % rule.interval === 0;
    case 'WEEKLY': {
      const monday = (t) => t - ((t.getUTCDay() + 6) % 7) * DAY_MS;
      return Math.round((monday(date) - monday(start)) / (7 * DAY_MS)) % rule.interval === 0;
    }
    case 'MONTHLY':
      return ((date.getUTCFullYear() - start.getUTCFullYear()) * 12 + date.getUTCMonth() - start.getUTCMonth()) % rule.interval === 0;
    default:
      return (date.getUTCFullYear() - start.getUTCFullYear()) % rule.interval === 0;
  }
}

/**
 * The original start instants (ms) of a recurring event's occurrences that begin before
 * `untilMs`, in order. `start` is readDateTime's answer for the event's start.
 */
export function occurrences(start, recurrence, untilMs, limit = 5000) {
  const rule = recurrence.rule ? parseRule(recurrence.rule) : null;
  const startDay = new Date(Date.UTC(start.wall.y, start.wall.mo - 1, start.wall.d));
  const at = (day) => (start.allDay ? day.getTime() : instantOf({ y: day.getUTCFullYear(), mo: day.getUTCMonth() + 1, d: day.getUTCDate(), h: start.wall.h, mi: start.wall.mi, s: start.wall.s }, start.zone));
  let untilRule = Infinity;
  if (rule?.until) untilRule = parseDates('', rule.until, start.zone)[0] + (/T/.test(rule.until) ? 0 : DAY_MS - 1);
  const found = new Set([start.ms]);
  let count = 1;
  if (rule) {
    for (let day = new Date(startDay.getTime() + DAY_MS); ; day = new Date(day.getTime() + DAY_MS)) {
      const ms = at(day);
      if (ms >= untilMs || ms > untilRule || found.size >= limit) break;
      if (rule.count !== null && count >= rule.count) break;
      if (day.getUTCFullYear() > startDay.getUTCFullYear() + 200) break;
      if (inInterval(rule, day, startDay) && matchesDay(rule, day, startDay)) {
        found.add(ms);
        count += 1;
      }
    }
  }
  for (const r of recurrence.rdates) if (r < untilMs) found.add(r);
  for (const x of recurrence.exdates) found.delete(x);
  return [...found].sort((a, b) => a - b);
}

/** `2026-11-23T09:00:00-05:00`: an instant as the wall clock of `zone` with its offset. */
export function rfc3339In(ms, zone) {
  const w = wallAt(ms, zone);
  const offset = Math.round((wallMs(w) - ms) / 60000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${dateText(w)}T${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// Time for the calendar part of the Graph fake: Graph's dateTimeTimeZone values (a local
// date-time plus a Windows or IANA zone name) to and from instants with the runtime's IANA
// database (Intl), and the expansion of a patternedRecurrence into its occurrence starts.
// Expansion works on local dates in the series' own zone, so a weekly 09:00 stays at 09:00
// across a DST change, as Outlook keeps it.

// The Windows zone names Outlook reports most often (CLDR windowsZones.xml, territory 001).
const WINDOWS = new Map(Object.entries({
  'UTC': 'UTC',
  'Coordinated Universal Time': 'UTC',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Mountain Standard Time': 'America/Denver',
  'Central Standard Time': 'America/Chicago',
  'Eastern Standard Time': 'America/New_York',
  'GMT Standard Time': 'Europe/London',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
  'India Standard Time': 'Asia/Kolkata',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'Lord Howe Standard Time': 'Australia/Lord_Howe',
}));

const formatters = new Map();

function formatter(zone) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The IANA zone for a Windows or IANA name; undefined when the name is unknown. */
export function ianaZone(name) {
  if (name === undefined || name === null || name === '') return 'UTC';
  const windows = WINDOWS.get(name);
  if (windows) return windows;
  try {
    formatter(name);
    return name;
  } catch {
    return undefined;
  }
}

/** The wall-clock fields of an instant in a zone, as a naive UTC timestamp. */
function wallClock(ms, zone) {
  const parts = Object.fromEntries(formatter(zone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day),
    Number(parts.hour), Number(parts.minute), Number(parts.second));
}

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/;

/** A local date-time text as a naive UTC timestamp; NaN when it is not one. */
export function parseLocal(text) {
  const m = LOCAL_RE.exec(String(text ?? ''));
  if (!m) return NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
}

/** The instant a local wall-clock time (naive ms) has in `zone`. A gap resolves forward. */
export function naiveToUtc(naive, zone) {
  let guess = naive - (wallClock(naive, zone) - naive);
  for (let i = 0; i < 2; i += 1) {
    const off = wallClock(guess, zone) - guess;
    const next = naive - off;
    if (next === guess) break;
    guess = next;
  }
  return guess;
}

/** A dateTimeTimeZone as an instant (ms); throws a message for an unknown zone or time. */
export function toInstant(dtz) {
  const zone = ianaZone(dtz?.timeZone);
  if (!zone) throw new Error(`A valid TimeZone value must be specified. '${dtz.timeZone}' is not one.`);
  const naive = parseLocal(dtz?.dateTime);
  if (Number.isNaN(naive)) throw new Error(`'${dtz?.dateTime}' is not a valid date-time.`);
  return naiveToUtc(naive, zone);
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** Naive ms as Graph writes a local date-time: `2026-11-24T09:00:00.0000000`. */
export function formatNaive(naive) {
  const d = new Date(naive);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.0000000`;
}

/** An instant as a dateTimeTimeZone in the zone named `label` (Windows or IANA). */
export function fromInstant(ms, label) {
  const zone = ianaZone(label) ?? 'UTC';
  return { dateTime: formatNaive(wallClock(ms, zone)), timeZone: label };
}

/** The local wall-clock (naive ms) of an instant in a named zone. */
export function localOf(ms, label) {
  return wallClock(ms, ianaZone(label) ?? 'UTC');
}

export const isoUtc = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const DAY = 86400000;
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEX = ['first', 'second', 'third', 'fourth', 'last'];

const dateOnly = (naive) => Math.floor(naive / DAY) * DAY;
const ymd = (naive) => {
  const d = new Date(naive);
  return [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
};

/** The days of a month (0-based month) that fall on `days`, in order. */
function monthDays(year, month, days) {
  const out = [];
  for (let t = Date.UTC(year, month, 1); new Date(t).getUTCMonth() === month; t += DAY) {
    if (days.has(new Date(t).getUTCDay())) out.push(t);
  }
  return out;
}

function relativeDay(year, month, pattern) {
  const days = new Set((pattern.daysOfWeek ?? []).map((d) => DAYS.indexOf(d)));
  const list = monthDays(year, month, days);
  const index = INDEX.indexOf(pattern.index ?? 'first');
  return index === 4 ? list[list.length - 1] : list[index];
}

function absoluteDay(year, month, day) {
  const t = Date.UTC(year, month, day);
  return new Date(t).getUTCMonth() === month ? t : undefined; // no Feb 30: skipped
}

/** Where period n of a pattern begins (naive ms), to stop expanding past the window. */
function periodBase(pattern, start, n) {
  const interval = Math.max(1, Number(pattern.interval ?? 1));
  const [y, m] = ymd(start);
  if (pattern.type === 'daily') return start + n * interval * DAY;
  if (pattern.type === 'weekly') return start + (n * interval - 1) * 7 * DAY;
  if (/Monthly$/.test(pattern.type)) return Date.UTC(y, m + n * interval, 1);
  return Date.UTC(y + n * interval, 0, 1);
}

/** Candidate dates (naive midnights) of period n of a pattern, in order. */
function period(pattern, start, n) {
  const interval = Math.max(1, Number(pattern.interval ?? 1));
  const [y, m] = ymd(start);
  switch (pattern.type) {
    case 'daily':
      return [start + n * interval * DAY];
    case 'weekly': {
      const first = DAYS.indexOf(pattern.firstDayOfWeek ?? 'sunday');
      const weekStart = start - (((new Date(start).getUTCDay() - first) + 7) % 7) * DAY + n * interval * 7 * DAY;
      const days = new Set((pattern.daysOfWeek ?? []).map((d) => DAYS.indexOf(d)));
      const out = [];
      for (let i = 0; i < 7; i += 1) if (days.has(new Date(weekStart + i * DAY).getUTCDay())) out.push(weekStart + i * DAY);
      return out;
    }
    case 'absoluteMonthly': {
      const d = new Date(Date.UTC(y, m + n * interval, 1));
      return [absoluteDay(d.getUTCFullYear(), d.getUTCMonth(), Number(pattern.dayOfMonth))].filter((t) => t !== undefined);
    }
    case 'relativeMonthly': {
      const d = new Date(Date.UTC(y, m + n * interval, 1));
      return [relativeDay(d.getUTCFullYear(), d.getUTCMonth(), pattern)].filter((t) => t !== undefined);
    }
    case 'absoluteYearly':
      return [absoluteDay(y + n * interval, Number(pattern.month) - 1, Number(pattern.dayOfMonth))].filter((t) => t !== undefined);
    case 'relativeYearly':
      return [relativeDay(y + n * interval, Number(pattern.month) - 1, pattern)].filter((t) => t !== undefined);
    default:
      throw new Error(`Unknown recurrence pattern type '${pattern.type}'.`);
  }
}

/**
 * The original starts (instants, ms) of a series whose first instance starts at the local
 * `startNaive` in `zoneLabel`, up to `untilMs` (exclusive). Occurrences before the range's
 * startDate are not part of the series; `numbered` counts from there.
 */
export function expandRecurrence(recurrence, startNaive, zoneLabel, untilMs) {
  const { pattern = {}, range = {} } = recurrence ?? {};
  const zone = ianaZone(range.recurrenceTimeZone ?? zoneLabel) ?? 'UTC';
  const timeOfDay = startNaive - dateOnly(startNaive);
  const rangeStart = range.startDate ? parseLocal(range.startDate) : dateOnly(startNaive);
  const firstDay = dateOnly(Math.max(rangeStart, dateOnly(startNaive)));
  const endDay = range.type === 'endDate' && range.endDate ? parseLocal(range.endDate) : Infinity;
  const count = range.type === 'numbered' ? Number(range.numberOfOccurrences ?? 0) : Infinity;
  const out = [];
  for (let n = 0; n < 100000 && out.length < count; n += 1) {
    const base = pattern.type === 'weekly' || pattern.type === 'daily' ? firstDay : dateOnly(startNaive);
    if (periodBase(pattern, base, n) - 2 * DAY > untilMs || periodBase(pattern, base, n) > endDay) break;
    const dates = period(pattern, base, n);
    let done = false;
    for (const day of dates) {
      if (day < firstDay) continue;
      if (day > endDay || out.length >= count) { done = true; break; }
      const at = naiveToUtc(day + timeOfDay, zone);
      if (at >= untilMs) { done = true; break; }
      out.push(at);
    }
    if (done) break;
  }
  return out;
}

// Wall-clock time in IANA zones with nothing but Intl, so the tests compute expected local
// times independently of the app (which uses chrono-tz in Rust and Date in the web view).

const partsFormatters = new Map();

function formatter(timeZone) {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partsFormatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of the instant `ms` in `timeZone`. */
export function wallTime(ms, timeZone) {
  const fields = {};
  for (const { type, value } of formatter(timeZone).formatToParts(new Date(ms))) {
    if (type !== "literal") fields[type] = Number(value);
  }
  return {
    year: fields.year,
    month: fields.month,
    day: fields.day,
    hour: fields.hour % 24,
    minute: fields.minute,
    second: fields.second,
  };
}

const pad = (n, w = 2) => String(n).padStart(w, "0");

/** `YYYY-MM-DDTHH:mm` of the instant `ms` in `timeZone` (the UI's `data-local-start` shape). */
export function localIsoMinute(ms, timeZone) {
  const t = wallTime(ms, timeZone);
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}`;
}

/** Offset of `timeZone` from UTC at the instant `ms`, in milliseconds. */
function offsetAt(ms, timeZone) {
  const t = wallTime(ms, timeZone);
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `timeZone` shows the given date and time. Two
 * refinements settle the offset around DST changes; the demo's times (09:30, 10:00, 15:00)
 * never fall into a gap or an overlap.
 */
export function zonedToInstant({ year, month, day, hour, minute }, timeZone) {
  const naive = Date.UTC(year, month - 1, day, hour, minute);
  let instant = naive - offsetAt(naive, timeZone);
  instant = naive - offsetAt(instant, timeZone);
  return instant;
}

/** Midnight UTC of the Monday of the UTC week containing `ms` (the demo's "this week"). */
export function utcWeekMonday(ms) {
  const d = new Date(ms);
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - sinceMonday);
}

/** The UTC calendar date `days` after the UTC midnight `mondayMs`, as {year, month, day}. */
export function utcDatePlus(mondayMs, days) {
  const d = new Date(mondayMs + days * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** `YYYY-MM-DD` of a {year, month, day}. */
export function isoDate({ year, month, day }) {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

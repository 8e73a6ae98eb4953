// Time-zone math for the calendar, all through Intl (no date library): wall-clock parts of
// an instant in any IANA zone, the instant of a wall-clock time (DST gaps move forward,
// repeated hours take the earlier instant), civil dates, and the zone list.

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY_MS = 86_400_000;

/** A calendar date with no zone attached; `m` is 1–12. */
export interface CivilDate {
  y: number;
  m: number;
  d: number;
}

export interface WallParts extends CivilDate {
  hour: number;
  minute: number;
  second: number;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

export function civil(y: number, m: number, d: number): CivilDate {
  const t = new Date(Date.UTC(y, m - 1, d));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

export function addDays(date: CivilDate, days: number): CivilDate {
  return civil(date.y, date.m, date.d + days);
}

export function addMonths(date: CivilDate, months: number): CivilDate {
  const first = civil(date.y, date.m + months, 1);
  const last = civil(first.y, first.m + 1, 0).d;
  return { ...first, d: Math.min(date.d, last) };
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(date: CivilDate): number {
  return new Date(Date.UTC(date.y, date.m - 1, date.d)).getUTCDay();
}

/** Days from `a` to `b`. */
export function daysBetween(a: CivilDate, b: CivilDate): number {
  return Math.round((Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / DAY_MS);
}

export function sameDate(a: CivilDate, b: CivilDate): boolean {
  return a.y === b.y && a.m === b.m && a.d === b.d;
}

export function isoDate(date: CivilDate): string {
  return `${String(date.y).padStart(4, "0")}-${pad2(date.m)}-${pad2(date.d)}`;
}

export function parseIsoDate(text: string): CivilDate | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  return m ? civil(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}

/** Monday of the week holding `date`. */
export function startOfWeek(date: CivilDate): CivilDate {
  return addDays(date, -((weekday(date) + 6) % 7));
}

const partsFormats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(zone: string): Intl.DateTimeFormat {
  let f = partsFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    partsFormats.set(zone, f);
  }
  return f;
}

/** The wall clock in `zone` at instant `ms`. */
export function wallParts(ms: number, zone: string): WallParts {
  const out: Record<string, number> = {};
  for (const p of partsFormat(zone).formatToParts(new Date(ms))) {
    if (p.type !== "literal") out[p.type] = Number(p.value);
  }
  return {
    y: out.year ?? 1970,
    m: out.month ?? 1,
    d: out.day ?? 1,
    hour: (out.hour ?? 0) % 24,
    minute: out.minute ?? 0,
    second: out.second ?? 0,
  };
}

export function dateIn(ms: number, zone: string): CivilDate {
  const { y, m, d } = wallParts(ms, zone);
  return { y, m, d };
}

/** Minutes `zone` is ahead of UTC at instant `ms` (New York in winter: -300). */
export function offsetMinutes(ms: number, zone: string): number {
  const base = Math.floor(ms / 1000) * 1000;
  const p = wallParts(base, zone);
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.hour, p.minute, p.second);
  return Math.round((asUtc - base) / MINUTE);
}

/**
 * The instant when the wall clock in `zone` reads `date` + `minutes` after midnight.
 * A time skipped by a DST change moves forward by the gap (02:30 on the spring-forward
 * day in New York is 03:30 EDT); a repeated time takes its first occurrence.
 */
export function zonedToUtc(date: CivilDate, minutes: number, zone: string): number {
  const wall = Date.UTC(date.y, date.m - 1, date.d) + minutes * MINUTE;
  const before = offsetMinutes(wall - DAY_MS, zone);
  const after = offsetMinutes(wall + DAY_MS, zone);
  const valid = [before, after]
    .map((o) => wall - o * MINUTE)
    .filter((t) => {
      const p = wallParts(t, zone);
      return Date.UTC(p.y, p.m - 1, p.d, p.hour, p.minute, p.second) === wall - (wall % 1000);
    });
  if (valid.length > 0) return Math.min(...valid);
  return wall - before * MINUTE;
}

export function startOfDay(date: CivilDate, zone: string): number {
  return zonedToUtc(date, 0, zone);
}

/** Real minutes in the day: 1380 when clocks go forward, 1500 when they go back. */
export function dayLengthMinutes(date: CivilDate, zone: string): number {
  return (startOfDay(addDays(date, 1), zone) - startOfDay(date, zone)) / MINUTE;
}

/** "HH:mm", 24-hour, in `zone`. */
export function hourMinute(ms: number, zone: string): string {
  const p = wallParts(ms, zone);
  return `${pad2(p.hour)}:${pad2(p.minute)}`;
}

/** RFC 3339 with the zone's offset: "2026-03-10T11:30:00-04:00". */
export function rfc3339(ms: number, zone: string): string {
  const p = wallParts(ms, zone);
  const off = offsetMinutes(ms, zone);
  const sign = off < 0 ? "-" : "+";
  const abs = Math.abs(off);
  return `${isoDate(p)}T${pad2(p.hour)}:${pad2(p.minute)}:${pad2(p.second)}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** The short name the locale gives the zone at that instant ("EDT", "GMT+1"). */
export function zoneAbbreviation(ms: number, zone: string): string {
  const parts = cachedFormat(zone, { timeZoneName: "short" }).formatToParts(new Date(ms));
  return parts.find((p) => p.type === "timeZoneName")?.value ?? zone;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** A cached Intl formatter in `zone` for the viewer's locale. */
export function cachedFormat(zone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = zone + JSON.stringify(options);
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, { ...options, timeZone: zone });
    formats.set(key, f);
  }
  return f;
}

/** Formats a civil date (noon UTC, so no zone can move it to another day). */
export function formatDate(date: CivilDate, options: Intl.DateTimeFormatOptions): string {
  return cachedFormat("UTC", options).format(new Date(Date.UTC(date.y, date.m - 1, date.d, 12)));
}

export function systemZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function isValidZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

let zones: string[] | null = null;

/** Engines list some zones under their old names (ICU's canonical ids); people search the current ones. */
const RENAMED: Record<string, string> = {
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Asia/Rangoon": "Asia/Yangon",
  "Europe/Kiev": "Europe/Kyiv",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Louisville": "America/Kentucky/Louisville",
  "Pacific/Truk": "Pacific/Chuuk",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Enderbury": "Pacific/Kanton",
  "America/Godthab": "America/Nuuk",
};

/** Every IANA zone the engine knows (current names), plus UTC and the system zone. */
export function allZones(): string[] {
  if (!zones) {
    const listed = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
    const named = listed.map((z) => {
      const current = RENAMED[z];
      return current && isValidZone(current) ? current : z;
    });
    zones = [...new Set([...named, "UTC", systemZone()])].sort();
  }
  return zones;
}

/** Zones whose name matches every word of `query` ("new york", "berlin"). */
export function searchZones(query: string, limit = 50): string[] {
  const words = query.toLowerCase().replace(/[_/]/g, " ").split(/\s+/).filter(Boolean);
  const matches = allZones().filter((z) => {
    const name = z.toLowerCase().replace(/[_/]/g, " ");
    return words.every((w) => name.includes(w));
  });
  return matches.slice(0, limit);
}

/**
 * `ms` moved on the wall clock of `zone` by as many days and minutes as `from` → `to`
 * moved: how a change to one occurrence carries over to its whole series (09:00 → 10:00
 * on a summer day moves a winter start from 09:00 to 10:00 too, not by elapsed time).
 */
export function shiftWall(ms: number, from: number, to: number, zone: string): number {
  const a = wallParts(from, zone);
  const b = wallParts(to, zone);
  const days = daysBetween(a, b);
  const minutes = b.hour * 60 + b.minute - (a.hour * 60 + a.minute);
  const m = wallParts(ms, zone);
  return zonedToUtc(addDays(m, days), m.hour * 60 + m.minute + minutes, zone) + m.second * 1000;
}

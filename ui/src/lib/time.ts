// All timestamps from the backend are UTC milliseconds. Everything here renders them in
// the viewer's zone through Date's local getters and Intl, never by hand-applied offsets.

const pad2 = (n: number) => String(n).padStart(2, "0");

/** Local "HH:MM", 24-hour. */
export function localHourMinute(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** Local "YYYY-MM-DDTHH:mm" (the form a datetime-local input uses). */
export function localIsoMinute(ms: number): string {
  const d = new Date(ms);
  return `${localIsoDate(d)}T${localHourMinute(ms)}`;
}

/** Local "YYYY-MM-DD". */
export function localIsoDate(d: Date): string {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

export function startOfLocalDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

/** Calendar-day arithmetic in local time (a DST day is 23 or 25 hours, not 24). */
export function addLocalDays(d: Date, days: number): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + days);
}

/** Local midnight of the Monday of the week containing `d`. */
export function startOfLocalWeek(d: Date): Date {
  const day = startOfLocalDay(d);
  const sinceMonday = (day.getDay() + 6) % 7;
  return addLocalDays(day, -sinceMonday);
}

export function sameLocalDay(a: Date, b: Date): boolean {
  return (
    a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate()
  );
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const monthDayFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const dateFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const weekdayFmt = new Intl.DateTimeFormat(undefined, { weekday: "short" });
const dayLongFmt = new Intl.DateTimeFormat(undefined, { weekday: "short", month: "short", day: "numeric" });
const monthYearFmt = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });

/** Compact date for list rows: time today, month+day this year, full date otherwise. */
export function formatListDate(ms: number, now: Date = new Date()): string {
  const d = new Date(ms);
  if (sameLocalDay(d, now)) return timeFmt.format(d);
  if (d.getFullYear() === now.getFullYear()) return monthDayFmt.format(d);
  return dateFmt.format(d);
}

export function formatDateTime(ms: number): string {
  return fullFmt.format(new Date(ms));
}

export function formatWeekday(d: Date): string {
  return weekdayFmt.format(d);
}

/** "Tue, Mar 10" in the viewer's locale. */
export function formatDayLong(ms: number): string {
  return dayLongFmt.format(new Date(ms));
}

export function formatMonthYear(d: Date): string {
  return monthYearFmt.format(d);
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(size < 10 * 1024 ? 1 : 0)} KB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MB`;
}

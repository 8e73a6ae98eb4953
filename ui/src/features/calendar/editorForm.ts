// The event editor's form: from an event's detail (or a new slot) to fields and back to
// the draft save_event takes. Pure, so the zone and repeat rules are unit tested.
import { MINUTE, dateIn, hourMinute, isValidZone, parseIsoDate, rfc3339, weekday, zonedToUtc, addDays, isoDate, daysBetween } from "./tz";
import type { CalendarInfo, EditScope, EventDetail, EventDraft } from "../../ipc/bindings";
import { asMeetingKind, type MeetingKind } from "./kinds";

export type RepeatKind = "none" | "daily" | "weekly" | "monthly" | "yearly" | "custom";
export const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
export type WeekdayCode = (typeof WEEKDAYS)[number];

export interface EventForm {
  summary: string;
  calendarId: number | null;
  allDay: boolean;
  /** "YYYY-MM-DD" and "HH:mm" on the wall clock of `timeZone`. */
  startDate: string;
  startTime: string;
  endDate: string;
  endTime: string;
  timeZone: string;
  repeat: RepeatKind;
  weekdays: WeekdayCode[];
  customRule: string;
  /** The rule as loaded; sent unchanged while the repeat fields are untouched. */
  originalRule: string | null;
  repeatTouched: boolean;
  attendees: string[];
  reminders: number[];
  meetingKind: MeetingKind;
  description: string;
  location: string;
  /** The loaded instants: a repeated wall time (the fall-back hour) keeps its own occurrence while untouched. */
  loaded: { start: number; end: number; key: string } | null;
}

function wallKey(f: Pick<EventForm, "startDate" | "startTime" | "endDate" | "endTime" | "timeZone" | "allDay">): string {
  return [f.startDate, f.startTime, f.endDate, f.endTime, f.timeZone, f.allDay].join("|");
}

/** What a rule looks like in the simple choices, or "custom" for anything else. */
export function parseRule(rule: string | null): { repeat: RepeatKind; weekdays: WeekdayCode[]; custom: string } {
  if (!rule) return { repeat: "none", weekdays: [], custom: "" };
  const text = rule.replace(/^RRULE:/i, "").trim();
  const parts = new Map(
    text.split(";").map((p) => {
      const [k, v] = p.split("=");
      return [(k ?? "").toUpperCase(), v ?? ""] as const;
    }),
  );
  const freq = parts.get("FREQ");
  const keys = [...parts.keys()].sort().join(",");
  if (keys === "FREQ" && freq === "DAILY") return { repeat: "daily", weekdays: [], custom: text };
  if (keys === "FREQ" && freq === "MONTHLY") return { repeat: "monthly", weekdays: [], custom: text };
  if (keys === "FREQ" && freq === "YEARLY") return { repeat: "yearly", weekdays: [], custom: text };
  if (freq === "WEEKLY" && (keys === "FREQ" || keys === "BYDAY,FREQ")) {
    const days = (parts.get("BYDAY") ?? "").split(",").filter((d): d is WeekdayCode => (WEEKDAYS as readonly string[]).includes(d));
    if (keys === "FREQ" || days.length === (parts.get("BYDAY") ?? "").split(",").length) {
      return { repeat: "weekly", weekdays: days, custom: text };
    }
  }
  return { repeat: "custom", weekdays: [], custom: text };
}

export function weekdayCode(date: string): WeekdayCode {
  const d = parseIsoDate(date);
  return WEEKDAYS[d ? (weekday(d) + 6) % 7 : 0] ?? "MO";
}

/** The rule the form asks for (null = does not repeat). */
export function buildRule(form: EventForm): string | null {
  if (!form.repeatTouched) return form.originalRule;
  switch (form.repeat) {
    case "none":
      return null;
    case "daily":
      return "FREQ=DAILY";
    case "weekly": {
      const days = form.weekdays.length > 0 ? form.weekdays : [weekdayCode(form.startDate)];
      const ordered = WEEKDAYS.filter((d) => days.includes(d));
      return `FREQ=WEEKLY;BYDAY=${ordered.join(",")}`;
    }
    case "monthly":
      return "FREQ=MONTHLY";
    case "yearly":
      return "FREQ=YEARLY";
    case "custom":
      return form.customRule.replace(/^RRULE:/i, "").trim() || null;
  }
}

/** The instant an RFC 3339 text names (a bare date is midnight UTC). */
export function parseInstant(text: string): number {
  const t = Date.parse(text);
  return Number.isNaN(t) ? 0 : t;
}

function writableCalendars(calendars: CalendarInfo[]): CalendarInfo[] {
  return calendars.filter((c) => !c.read_only);
}

/** A new event over `start`–`end`, written in the zone on screen. */
export function newForm(start: number, end: number, zone: string, calendars: CalendarInfo[], allDay = false): EventForm {
  const startDate = isoDate(dateIn(start, zone));
  return {
    summary: "",
    calendarId: writableCalendars(calendars)[0]?.id ?? null,
    allDay,
    startDate,
    // An all-day event made timed gets a first guess of 09:00–10:00.
    startTime: allDay ? "09:00" : hourMinute(start, zone),
    endDate: allDay ? startDate : isoDate(dateIn(end, zone)),
    endTime: allDay ? "10:00" : hourMinute(end, zone),
    timeZone: zone,
    repeat: "none",
    weekdays: [],
    customRule: "",
    originalRule: null,
    repeatTouched: false,
    attendees: [],
    reminders: [10],
    meetingKind: "none",
    description: "",
    location: "",
    loaded: null,
  };
}

/** The form for an existing event, its times on the clock of the zone it was written in. */
export function formFromDetail(detail: EventDetail, fallbackZone: string): EventForm {
  const zone = isValidZone(detail.time_zone) ? detail.time_zone : fallbackZone;
  const rule = parseRule(detail.rrule);
  let startDate: string;
  let endDate: string;
  let startTime = "09:00";
  let endTime = "10:00";
  if (detail.all_day) {
    startDate = detail.start.slice(0, 10);
    // Stored end-exclusive; the form shows the last day.
    const endExclusive = parseIsoDate(detail.end.slice(0, 10));
    const first = parseIsoDate(startDate);
    endDate =
      endExclusive && first && daysBetween(first, endExclusive) > 0 ? isoDate(addDays(endExclusive, -1)) : startDate;
  } else {
    const start = parseInstant(detail.start);
    const end = parseInstant(detail.end);
    startDate = isoDate(dateIn(start, zone));
    endDate = isoDate(dateIn(end, zone));
    startTime = hourMinute(start, zone);
    endTime = hourMinute(end, zone);
  }
  const form: EventForm = {
    summary: detail.summary,
    calendarId: detail.calendar_id,
    allDay: detail.all_day,
    startDate,
    startTime,
    endDate,
    endTime,
    timeZone: zone,
    repeat: rule.repeat,
    weekdays: rule.weekdays,
    customRule: rule.custom,
    originalRule: detail.rrule,
    repeatTouched: false,
    attendees: detail.attendees.filter((a) => !a.organizer).map((a) => a.email),
    reminders: [...detail.reminders_minutes],
    meetingKind: asMeetingKind(detail.meeting.kind),
    description: detail.description ?? "",
    location: detail.location ?? "",
    loaded: null,
  };
  if (!detail.all_day) form.loaded = { start: parseInstant(detail.start), end: parseInstant(detail.end), key: wallKey(form) };
  return form;
}

function minutesOf(time: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h < 24 && min < 60 ? h * 60 + min : null;
}

/** Start and end instants; all-day events run from midnight of the first day to midnight after the last. */
export function formRange(form: EventForm): { start: number; end: number } | null {
  const sd = parseIsoDate(form.startDate);
  const ed = parseIsoDate(form.endDate);
  if (!sd || !ed || !isValidZone(form.timeZone)) return null;
  if (form.loaded && form.loaded.key === wallKey(form)) return { start: form.loaded.start, end: form.loaded.end };
  if (form.allDay) return { start: zonedToUtc(sd, 0, form.timeZone), end: zonedToUtc(addDays(ed, 1), 0, form.timeZone) };
  const sm = minutesOf(form.startTime);
  const em = minutesOf(form.endTime);
  if (sm === null || em === null) return null;
  return { start: zonedToUtc(sd, sm, form.timeZone), end: zonedToUtc(ed, em, form.timeZone) };
}

const EMAIL = /^[^\s@<>(),;:]+@[^\s@<>(),;:]+\.[^\s@<>(),;:]+$/;

export function isEmail(text: string): boolean {
  return EMAIL.test(text.trim());
}

export type FormErrors = Partial<Record<"calendar" | "time" | "rule" | "attendees" | "meeting", string>>;

export function validateForm(form: EventForm, calendars: CalendarInfo[]): FormErrors {
  const errors: FormErrors = {};
  const cal = calendars.find((c) => c.id === form.calendarId);
  if (!cal) errors.calendar = "Choose a calendar.";
  else if (cal.read_only) errors.calendar = "That calendar is read-only.";
  const range = formRange(form);
  if (!range) errors.time = "Enter a valid date and time.";
  else if (range.end <= range.start) errors.time = "The event must end after it starts.";
  if (form.repeat === "custom" && form.repeatTouched && !/^FREQ=(SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY)(;|$)/i.test(buildRule(form) ?? "")) {
    errors.rule = "A custom rule starts with FREQ=…, e.g. FREQ=MONTHLY;BYDAY=-1FR";
  }
  const bad = form.attendees.filter((a) => !isEmail(a));
  if (bad.length > 0) errors.attendees = `Not an email address: ${bad.join(", ")}`;
  if (cal && !meetingKinds(cal).includes(form.meetingKind)) errors.meeting = "That meeting link is not offered for this calendar.";
  return errors;
}

/** Meeting links a calendar can create: Meet on Google, Teams on Microsoft, a custom template anywhere. */
export function meetingKinds(cal: CalendarInfo | undefined): MeetingKind[] {
  const kinds: MeetingKind[] = ["none"];
  if (cal?.kind === "gcal") kinds.push("google_meet");
  if (cal?.kind === "graphcal") kinds.push("teams");
  kinds.push("custom");
  return kinds;
}

export function toDraft(
  form: EventForm,
  base: { uid: string | null; recurrence_id: string | null },
  scope: EditScope,
): EventDraft {
  const range = formRange(form) ?? { start: 0, end: 0 };
  return {
    calendar_id: form.calendarId ?? 0,
    uid: base.uid,
    recurrence_id: base.recurrence_id,
    scope,
    summary: form.summary.trim(),
    location: form.location.trim(),
    description: form.description,
    start: rfc3339(range.start, form.timeZone),
    end: rfc3339(range.end, form.timeZone),
    all_day: form.allDay,
    time_zone: form.timeZone,
    rrule: buildRule(form),
    attendees: form.attendees.map((a) => a.trim()),
    reminders_minutes: [...new Set(form.reminders)].sort((a, b) => a - b),
    meeting_kind: form.meetingKind,
  };
}

export function reminderText(minutes: number): string {
  if (minutes === 0) return "At the start";
  if (minutes % 1440 === 0) return `${minutes / 1440} day${minutes === 1440 ? "" : "s"} before`;
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? "" : "s"} before`;
  return `${minutes} minute${minutes === 1 ? "" : "s"} before`;
}

export const DEFAULT_DURATION = 60 * MINUTE;

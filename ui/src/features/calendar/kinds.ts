// The values the calendar commands take as plain strings, as the UI offers them.

/** save_event's meeting_kind (and EventDetail.meeting.kind). */
export type MeetingKind = "none" | "google_meet" | "teams" | "custom";
export const MEETING_KINDS: readonly MeetingKind[] = ["none", "google_meet", "teams", "custom"];

export function asMeetingKind(kind: string): MeetingKind {
  return (MEETING_KINDS as readonly string[]).includes(kind) ? (kind as MeetingKind) : "none";
}

/** respond_to_event's partstat. */
export type Partstat = "ACCEPTED" | "DECLINED" | "TENTATIVE";

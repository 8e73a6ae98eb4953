// Settings → Calendar: the link a "custom" meeting gets, the reminder events without one
// of their own get, and the zone floating times and reminders are read in. The server
// checks everything again; its message is shown when it refuses.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { calendarSettings, setCalendarSettings, type CalendarSettings } from "../../ipc/bindings";
import { toApiError } from "../../ipc/errors";
import { ErrorNote } from "../../components/ErrorNote";
import { Loading } from "../../components/Spinner";
import { ZonePicker } from "../calendar/ZonePicker";
import { isValidZone, systemZone } from "../calendar/tz";
import "./calendarSettings.css";

export const CALENDAR_SETTINGS_KEY = ["calendarSettings"] as const;

export const REMINDER_CHOICES: { minutes: number | null; label: string }[] = [
  { minutes: null, label: "None" },
  { minutes: 5, label: "5 minutes before" },
  { minutes: 10, label: "10 minutes before" },
  { minutes: 15, label: "15 minutes before" },
  { minutes: 30, label: "30 minutes before" },
  { minutes: 60, label: "1 hour before" },
];

/** Null when the template is fine (empty = none); otherwise what is wrong with it. */
export function meetingLinkProblem(template: string): string | null {
  const text = template.trim();
  if (text === "") return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "Enter a full web address, such as https://zoom.us/j/123456789.";
  }
  if (url.protocol !== "https:") return "The meeting link must start with https://.";
  if (!url.hostname) return "The meeting link needs a host name.";
  return null;
}

export function CalendarSettingsSection() {
  const settings = useQuery({ queryKey: CALENDAR_SETTINGS_KEY, queryFn: calendarSettings });
  return (
    <section className="card calendar-settings" data-testid="calendar-settings" aria-labelledby="calendar-settings-title">
      <h2 id="calendar-settings-title">Calendar</h2>
      {settings.isPending && <Loading />}
      {settings.isError && <ErrorNote error={settings.error} onRetry={() => void settings.refetch()} />}
      {settings.data && <CalendarSettingsForm saved={settings.data} />}
    </section>
  );
}

function CalendarSettingsForm({ saved }: { saved: CalendarSettings }) {
  const queryClient = useQueryClient();
  const ids = { link: useId(), reminder: useId(), hours: useId() };
  const [link, setLink] = useState(saved.meeting_link_template ?? "");
  const [reminder, setReminder] = useState<number | null>(saved.default_reminder_minutes);
  const [zone, setZone] = useState<string>(
    saved.time_zone && isValidZone(saved.time_zone) ? saved.time_zone : systemZone(),
  );
  const [hours, setHours] = useState((saved.working_hours ?? []).join("\n"));
  const [linkError, setLinkError] = useState<string | null>(null);
  const [savedNote, setSavedNote] = useState(false);
  // The moment the zones' abbreviations are shown for (they differ in summer and winter).
  const [now] = useState(() => Date.now());

  const save = useMutation({
    mutationFn: (next: CalendarSettings) => setCalendarSettings(next),
    onSuccess: (kept) => {
      queryClient.setQueryData(CALENDAR_SETTINGS_KEY, kept);
      setLink(kept.meeting_link_template ?? "");
      setReminder(kept.default_reminder_minutes);
      if (kept.time_zone) setZone(kept.time_zone);
      setHours((kept.working_hours ?? []).join("\n"));
      setSavedNote(true);
    },
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setSavedNote(false);
    const problem = meetingLinkProblem(link);
    setLinkError(problem);
    if (problem) return;
    const trimmed = link.trim();
    save.mutate({
      meeting_link_template: trimmed === "" ? null : trimmed,
      default_reminder_minutes: reminder,
      time_zone: zone,
      working_hours: hours
        .split("\n")
        .map((h) => h.trim())
        .filter((h) => h !== ""),
    });
  };
  const changed = () => setSavedNote(false);

  return (
    <form onSubmit={onSubmit} noValidate>
      <div className="form-grid">
        <label htmlFor={ids.link}>Meeting link</label>
        <div>
          <input
            id={ids.link}
            className="input calendar-settings__link"
            type="url"
            inputMode="url"
            placeholder="https://zoom.us/j/123456789"
            data-testid="meeting-link"
            value={link}
            aria-invalid={linkError !== null}
            aria-describedby={linkError ? `${ids.link}-error` : `${ids.link}-hint`}
            onChange={(e) => {
              setLink(e.target.value);
              if (linkError) setLinkError(null);
              changed();
            }}
          />
          {linkError ? (
            <p className="form-error" id={`${ids.link}-error`} data-testid="meeting-link-error">
              {linkError}
            </p>
          ) : (
            <p className="form-hint" id={`${ids.link}-hint`}>
              Used for events with a custom meeting (for example your personal Zoom room). https only; leave empty
              for none.
            </p>
          )}
        </div>

        <label htmlFor={ids.reminder}>Default reminder</label>
        <div>
          <select
            id={ids.reminder}
            className="select select--compact"
            data-testid="default-reminder"
            value={reminder === null ? "" : String(reminder)}
            onChange={(e) => {
              setReminder(e.target.value === "" ? null : Number(e.target.value));
              changed();
            }}
          >
            {REMINDER_CHOICES.map((c) => (
              <option key={c.label} value={c.minutes === null ? "" : String(c.minutes)}>
                {c.label}
              </option>
            ))}
          </select>
          <p className="form-hint">For timed events that have no reminder of their own.</p>
        </div>

        <span className="calendar-settings__label">Time zone</span>
        <div>
          <ZonePicker
            label="Time zone for floating times and reminders"
            value={zone}
            now={now}
            testId="calendar-zone"
            onChange={(z) => {
              if (z) setZone(z);
              changed();
            }}
          />
          <p className="form-hint">
            Events written without a zone (floating times) and reminders are read in this zone.
            {!saved.time_zone && " Not chosen yet: your system's zone is suggested."}
          </p>
        </div>

        <label htmlFor={ids.hours}>Working hours</label>
        <div>
          <textarea
            id={ids.hours}
            className="input calendar-settings__hours"
            rows={2}
            data-testid="working-hours"
            value={hours}
            onChange={(e) => {
              setHours(e.target.value);
              changed();
            }}
          />
          <p className="form-hint">
            One line per rule, in the zone above, for example <code>Mon-Fri 09:00-12:00,13:00-17:30</code>. Meeting
            times are only suggested inside them.
          </p>
        </div>
      </div>
      <div className="calendar-settings__actions">
        <button type="submit" className="btn btn--primary" data-testid="save-calendar-settings" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save"}
        </button>
        {savedNote && (
          <span className="calendar-settings__saved" role="status" data-testid="calendar-settings-saved">
            Saved
          </span>
        )}
        {save.isError && (
          <p className="form-error" role="alert" data-testid="calendar-settings-error">
            {toApiError(save.error).message}
          </p>
        )}
      </div>
    </form>
  );
}

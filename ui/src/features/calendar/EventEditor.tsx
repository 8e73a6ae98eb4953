// Create, edit and delete an event: title, calendar, start/end in a zone, all-day,
// repeat, attendees (with their answers), reminders, meeting link, description and
// location; RSVP when I am invited; a banner when the server changed it too.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type KeyboardEvent, type ReactNode } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorNote } from "../../components/ErrorNote";
import { Icon } from "../../components/Icon";
import { Spinner } from "../../components/Spinner";
import {
  formFromDetail,
  meetingKinds,
  newForm,
  parseInstant,
  reminderText,
  toDraft,
  validateForm,
  weekdayCode,
  WEEKDAYS,
  type EventForm,
  type FormErrors,
  type RepeatKind,
} from "./editorForm";
import { ScopePrompt } from "./ScopePrompt";
import { ZonePicker } from "./ZonePicker";
import {
  deleteEvent,
  getEvent,
  resolveConflict,
  respondToEvent,
  saveEvent,
  type EventInstance,
  type CalendarInfo,
  type ConflictInfo,
  type EventDetail,
  type EditScope,
} from "../../ipc/bindings";
import { draftForScope, eventDetailKey, invalidateCalendar } from "./data";
import type { MeetingKind, Partstat } from "./kinds";

export type EditorTarget =
  | { kind: "new"; start: number; end: number; allDay?: boolean }
  | { kind: "edit"; event: EventInstance; conflict?: ConflictInfo };

const MEETING_LABEL: Record<MeetingKind, string> = {
  none: "None",
  google_meet: "Google Meet",
  teams: "Microsoft Teams",
  custom: "Custom link (my template)",
};

const PARTSTAT_LABEL: Record<string, string> = {
  ACCEPTED: "Accepted",
  DECLINED: "Declined",
  TENTATIVE: "Maybe",
  "NEEDS-ACTION": "No answer yet",
  DELEGATED: "Delegated",
};

const REMINDER_CHOICES = [0, 5, 10, 15, 30, 60, 120, 1440, 2880, 10080];

export function EventEditor({
  target,
  calendars,
  zone,
  now,
  onClose,
}: {
  target: EditorTarget;
  calendars: CalendarInfo[];
  zone: string;
  now: number;
  onClose(): void;
}) {
  const titleId = useId();
  const event = target.kind === "edit" ? target.event : null;
  const detail = useQuery({
    queryKey: event ? eventDetailKey(event.calendar_id, event.uid, event.recurrence_id ?? null) : ["eventDetail", "new"],
    queryFn: () =>
      getEvent({ calendar_id: event!.calendar_id, uid: event!.uid, recurrence_id: event!.recurrence_id ?? null }),
    enabled: event !== null,
  });
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    // A modal owns the keyboard: app shortcuts must not act behind it.
    e.stopPropagation();
    if (e.key === "Escape") {
      e.preventDefault();
      onClose();
    }
  };
  let body: ReactNode;
  if (target.kind === "new") {
    body = (
      <EditorForm
        initial={newForm(target.start, target.end, zone, calendars, target.allDay)}
        detail={null}
        conflict={null}
        event={null}
        calendars={calendars}
        now={now}
        onClose={onClose}
      />
    );
  } else if (detail.isError) {
    body = <ErrorNote error={detail.error} onRetry={() => void detail.refetch()} />;
  } else if (!detail.data) {
    body = <Spinner />;
  } else {
    body = (
      <EditorForm
        key={`${detail.data.uid}:${detail.data.recurrence_id ?? ""}`}
        initial={formFromDetail(detail.data, zone)}
        detail={detail.data}
        conflict={target.conflict ?? detail.data.conflict}
        event={event}
        calendars={calendars}
        now={now}
        onClose={onClose}
      />
    );
  }
  return (
    <div className="modal-backdrop">
      <div
        className="modal event-editor"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="event-editor"
        onKeyDown={onKeyDown}
      >
        <header className="event-editor__head">
          <h2 id={titleId}>{target.kind === "new" ? "New event" : "Event"}</h2>
          <button type="button" className="icon-btn" aria-label="Close editor" onClick={onClose}>
            <Icon name="close" />
          </button>
        </header>
        {body}
      </div>
    </div>
  );
}

function EditorForm({
  initial,
  detail,
  conflict: initialConflict,
  event,
  calendars,
  now,
  onClose,
}: {
  initial: EventForm;
  detail: EventDetail | null;
  conflict: ConflictInfo | null;
  event: EventInstance | null;
  calendars: CalendarInfo[];
  now: number;
  onClose(): void;
}) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<EventForm>(initial);
  const [errors, setErrors] = useState<FormErrors>({});
  const [attendeeInput, setAttendeeInput] = useState("");
  const [ask, setAsk] = useState<"save" | "delete" | "confirm-delete" | null>(null);
  const [conflict, setConflict] = useState<ConflictInfo | null>(initialConflict);
  const set = <K extends keyof EventForm>(key: K, value: EventForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  const isNew = detail === null;
  const readOnly = detail !== null && (detail.read_only || calendars.find((c) => c.id === detail.calendar_id)?.read_only === true);
  const recurring = detail?.recurring ?? false;
  const writable = calendars.filter((c) => !c.read_only);
  const calendar = calendars.find((c) => c.id === form.calendarId);
  const base = { uid: detail?.uid ?? null, recurrence_id: detail?.recurrence_id ?? null };
  const calendarId = detail?.calendar_id ?? form.calendarId ?? 0;
  const uid = detail?.uid ?? "";

  const done = () => {
    invalidateCalendar(queryClient);
  };
  const save = useMutation({
    mutationFn: async (scope: EditScope) =>
      saveEvent(await draftForScope(toDraft(form, base, scope), parseInstant(detail?.start ?? ""))),
    onSuccess: (result) => {
      done();
      if (result.conflict) setConflict(result.conflict);
      else onClose();
    },
  });
  const remove = useMutation({
    mutationFn: (scope: EditScope) =>
      deleteEvent({ calendar_id: calendarId, uid, recurrence_id: detail?.recurrence_id ?? null, scope }),
    onSuccess: () => {
      done();
      onClose();
    },
  });
  const resolve = useMutation({
    mutationFn: (keep: "theirs" | "mine") => resolveConflict({ calendar_id: calendarId, uid, keep }),
    onSuccess: () => {
      setConflict(null);
      done();
      onClose();
    },
  });
  const respond = useMutation({
    mutationFn: (partstat: Partstat) =>
      respondToEvent({ calendar_id: calendarId, uid, recurrence_id: detail?.recurrence_id ?? null, partstat }),
    onSuccess: done,
  });

  const submit = () => {
    const found = validateForm(addPendingAttendee(), calendars);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    if (recurring) setAsk("save");
    else save.mutate("all");
  };

  /** An address still in the input counts, as if Add had been pressed. */
  const addPendingAttendee = (): EventForm => {
    const text = attendeeInput.trim();
    if (!text) return form;
    const next = { ...form, attendees: [...form.attendees, ...splitAddresses(text)] };
    setForm(next);
    setAttendeeInput("");
    return next;
  };

  const partstatOf = (email: string) =>
    detail?.attendees.find((a) => a.email.toLowerCase() === email.toLowerCase())?.partstat ?? null;
  const organizer = detail?.attendees.find((a) => a.organizer) ?? null;
  const myPartstat = event?.my_partstat ?? null;

  const setRepeat = (repeat: RepeatKind) =>
    setForm((f) => ({
      ...f,
      repeat,
      repeatTouched: true,
      weekdays: repeat === "weekly" && f.weekdays.length === 0 ? [weekdayCode(f.startDate)] : f.weekdays,
    }));

  return (
    <form
      className="event-editor__form"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {detail?.broken && (
        <div className="badge badge--warning" role="note" data-testid="editor-broken">
          <Icon name="warning" /> {detail.broken}
        </div>
      )}
      {conflict && (
        <ConflictBanner
          conflict={conflict}
          busy={resolve.isPending}
          onKeepTheirs={() => resolve.mutate("theirs")}
          onApplyMine={() => resolve.mutate("mine")}
        />
      )}
      {resolve.isError && <ErrorNote error={resolve.error} />}
      {myPartstat !== null && !isNew && (
        <div className="event-editor__rsvp" data-testid="rsvp">
          <span>
            {organizer ? `${organizer.name ?? organizer.email} invited you.` : "You are invited."} Going?
          </span>
          {(["ACCEPTED", "TENTATIVE", "DECLINED"] as const).map((p) => (
            <button
              key={p}
              type="button"
              className={`btn btn--small${(respond.variables ?? myPartstat) === p ? " is-active" : ""}`}
              aria-pressed={(respond.variables ?? myPartstat) === p}
              data-testid={`rsvp-${p.toLowerCase()}`}
              disabled={respond.isPending}
              onClick={() => respond.mutate(p)}
            >
              {p === "ACCEPTED" ? "Accept" : p === "TENTATIVE" ? "Tentative" : "Decline"}
            </button>
          ))}
          {respond.isError && <ErrorNote error={respond.error} />}
        </div>
      )}
      <fieldset disabled={readOnly} className="event-editor__fields">
        {readOnly && <p className="form-hint">This calendar is read-only.</p>}
        <label className="event-editor__row">
          <span>Title</span>
          <input
            className="input"
            data-testid="editor-title"
            value={form.summary}
            autoFocus
            placeholder="(untitled)"
            onChange={(e) => set("summary", e.target.value)}
          />
        </label>
        <label className="event-editor__row">
          <span>Calendar</span>
          <select
            className="select"
            data-testid="editor-calendar"
            value={form.calendarId ?? ""}
            disabled={!isNew}
            title={isNew ? undefined : "An event stays in its calendar"}
            onChange={(e) => {
              const id = Number(e.target.value);
              const next = calendars.find((c) => c.id === id);
              setForm((f) => ({
                ...f,
                calendarId: id,
                meetingKind: meetingKinds(next).includes(f.meetingKind) ? f.meetingKind : "none",
              }));
            }}
          >
            {(isNew ? writable : calendars.filter((c) => c.id === form.calendarId)).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} · {c.account_name}
              </option>
            ))}
          </select>
        </label>
        {errors.calendar && <p className="form-error">{errors.calendar}</p>}
        <label className="event-editor__check">
          <input type="checkbox" data-testid="editor-all-day" checked={form.allDay} onChange={(e) => set("allDay", e.target.checked)} />
          All day
        </label>
        <div className="event-editor__row">
          <span>Starts</span>
          <input
            type="date"
            className="input"
            aria-label="Start date"
            data-testid="editor-start-date"
            value={form.startDate}
            onChange={(e) => set("startDate", e.target.value)}
          />
          {!form.allDay && (
            <input
              type="time"
              step={900}
              className="input"
              aria-label="Start time"
              data-testid="editor-start-time"
              value={form.startTime}
              onChange={(e) => set("startTime", e.target.value)}
            />
          )}
        </div>
        <div className="event-editor__row">
          <span>Ends</span>
          <input
            type="date"
            className="input"
            aria-label="End date"
            data-testid="editor-end-date"
            value={form.endDate}
            onChange={(e) => set("endDate", e.target.value)}
          />
          {!form.allDay && (
            <input
              type="time"
              step={900}
              className="input"
              aria-label="End time"
              data-testid="editor-end-time"
              value={form.endTime}
              onChange={(e) => set("endTime", e.target.value)}
            />
          )}
        </div>
        {!form.allDay && (
          <div className="event-editor__row">
            <span>Time zone</span>
            <ZonePicker
              label="Event time zone"
              value={form.timeZone}
              now={now}
              testId="editor-zone"
              onChange={(z) => z && set("timeZone", z)}
            />
          </div>
        )}
        {errors.time && <p className="form-error">{errors.time}</p>}
        <div className="event-editor__row">
          <span>Repeat</span>
          <select
            className="select"
            data-testid="editor-repeat"
            value={form.repeat}
            onChange={(e) => setRepeat(e.target.value as RepeatKind)}
          >
            <option value="none">Does not repeat</option>
            <option value="daily">Daily</option>
            <option value="weekly">Weekly on…</option>
            <option value="monthly">Monthly</option>
            <option value="yearly">Yearly</option>
            <option value="custom">Custom rule</option>
          </select>
        </div>
        {form.repeat === "weekly" && (
          <div className="event-editor__weekdays" role="group" aria-label="Repeat on">
            {WEEKDAYS.map((d) => (
              <label key={d}>
                <input
                  type="checkbox"
                  data-testid={`editor-day-${d}`}
                  checked={form.weekdays.includes(d)}
                  onChange={(e) =>
                    setForm((f) => ({
                      ...f,
                      repeatTouched: true,
                      weekdays: e.target.checked ? [...f.weekdays, d] : f.weekdays.filter((x) => x !== d),
                    }))
                  }
                />
                {d}
              </label>
            ))}
          </div>
        )}
        {form.repeat === "custom" && (
          <label className="event-editor__row">
            <span>RRULE</span>
            <input
              className="input input--mono"
              data-testid="editor-rrule"
              value={form.customRule}
              placeholder="FREQ=MONTHLY;BYDAY=-1FR"
              onChange={(e) => setForm((f) => ({ ...f, customRule: e.target.value, repeatTouched: true }))}
            />
          </label>
        )}
        {errors.rule && <p className="form-error">{errors.rule}</p>}
        <div className="event-editor__row event-editor__row--top">
          <span>Guests</span>
          <div className="event-editor__list">
            <ul className="event-editor__attendees" data-testid="editor-attendees">
              {form.attendees.map((email) => {
                const ps = partstatOf(email);
                return (
                  <li key={email} data-testid="attendee" data-email={email}>
                    <span>{email}</span>
                    <span className={`badge partstat partstat--${(ps ?? "new").toLowerCase()}`} data-testid="partstat">
                      {ps ? (PARTSTAT_LABEL[ps] ?? ps) : "New"}
                    </span>
                    <button
                      type="button"
                      className="icon-btn"
                      aria-label={`Remove ${email}`}
                      onClick={() => set("attendees", form.attendees.filter((a) => a !== email))}
                    >
                      <Icon name="close" />
                    </button>
                  </li>
                );
              })}
            </ul>
            <div className="event-editor__add">
              <input
                className="input"
                type="email"
                data-testid="editor-attendee-input"
                placeholder="name@example.com"
                aria-label="Add guest"
                value={attendeeInput}
                onChange={(e) => setAttendeeInput(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" || e.key === ",") {
                    e.preventDefault();
                    addPendingAttendee();
                  }
                }}
              />
              <button type="button" className="btn btn--small" data-testid="editor-attendee-add" onClick={addPendingAttendee}>
                Add
              </button>
            </div>
            {organizer && <p className="form-hint">Organizer: {organizer.name ?? organizer.email}</p>}
          </div>
        </div>
        {errors.attendees && <p className="form-error">{errors.attendees}</p>}
        <div className="event-editor__row event-editor__row--top">
          <span>Reminders</span>
          <div className="event-editor__list">
            <ul className="event-editor__reminders" data-testid="editor-reminders">
              {form.reminders.map((m) => (
                <li key={m} data-testid="reminder" data-minutes={m}>
                  {reminderText(m)}
                  <button
                    type="button"
                    className="icon-btn"
                    aria-label={`Remove reminder ${reminderText(m)}`}
                    onClick={() => set("reminders", form.reminders.filter((x) => x !== m))}
                  >
                    <Icon name="close" />
                  </button>
                </li>
              ))}
            </ul>
            <select
              className="select"
              data-testid="editor-reminder-add"
              aria-label="Add reminder"
              value=""
              onChange={(e) => {
                const m = Number(e.target.value);
                if (e.target.value !== "" && !form.reminders.includes(m)) set("reminders", [...form.reminders, m].sort((a, b) => a - b));
              }}
            >
              <option value="">Add a reminder…</option>
              {REMINDER_CHOICES.filter((m) => !form.reminders.includes(m)).map((m) => (
                <option key={m} value={m}>
                  {reminderText(m)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <label className="event-editor__row">
          <span>Meeting</span>
          <select
            className="select"
            data-testid="editor-meeting"
            value={form.meetingKind}
            onChange={(e) => set("meetingKind", e.target.value as MeetingKind)}
          >
            {meetingKinds(calendar).map((k) => (
              <option key={k} value={k}>
                {MEETING_LABEL[k]}
              </option>
            ))}
          </select>
        </label>
        {detail?.meeting.url && <p className="form-hint event-detail__link">Link: {detail.meeting.url}</p>}
        {errors.meeting && <p className="form-error">{errors.meeting}</p>}
        <label className="event-editor__row">
          <span>Location</span>
          <input className="input" data-testid="editor-location" value={form.location} onChange={(e) => set("location", e.target.value)} />
        </label>
        <label className="event-editor__row event-editor__row--top">
          <span>Description</span>
          <textarea
            className="input"
            rows={4}
            data-testid="editor-description"
            value={form.description}
            onChange={(e) => set("description", e.target.value)}
          />
        </label>
      </fieldset>
      {save.isError && <ErrorNote error={save.error} />}
      {remove.isError && <ErrorNote error={remove.error} />}
      <div className="event-editor__actions">
        {!isNew && !readOnly && (
          <button
            type="button"
            className="btn btn--danger"
            data-testid="editor-delete"
            disabled={remove.isPending}
            onClick={() => setAsk(recurring ? "delete" : "confirm-delete")}
          >
            <Icon name="trash" /> Delete
          </button>
        )}
        <span className="calendar__spacer" />
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        {!readOnly && (
          <button type="submit" className="btn btn--primary" data-testid="editor-save" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save"}
          </button>
        )}
      </div>
      {ask === "save" && (
        <ScopePrompt
          title="Save changes"
          verb="Change"
          onCancel={() => setAsk(null)}
          onChoose={(scope) => {
            setAsk(null);
            save.mutate(scope);
          }}
        />
      )}
      {ask === "delete" && (
        <ScopePrompt
          title={`Delete “${form.summary || "(untitled)"}”`}
          verb="Delete"
          onCancel={() => setAsk(null)}
          onChoose={(scope) => {
            setAsk(null);
            remove.mutate(scope);
          }}
        />
      )}
      {ask === "confirm-delete" && (
        <ConfirmDialog
          title={`Delete “${form.summary || "(untitled)"}”?`}
          confirmLabel="Delete"
          onCancel={() => setAsk(null)}
          onConfirm={() => {
            setAsk(null);
            remove.mutate("all");
          }}
        >
          Guests are told it is cancelled.
        </ConfirmDialog>
      )}
    </form>
  );
}

function splitAddresses(text: string): string[] {
  return text
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function ConflictBanner({
  conflict,
  busy,
  onKeepTheirs,
  onApplyMine,
}: {
  conflict: ConflictInfo;
  busy: boolean;
  onKeepTheirs(): void;
  onApplyMine(): void;
}) {
  return (
    <div className="conflict-banner" role="alert" data-testid="conflict-banner">
      <strong>
        <Icon name="warning" /> Someone else changed this event
      </strong>
      <p>{conflict.message}</p>
      {conflict.changes.length > 0 && (
        <table className="conflict-banner__changes">
          <thead>
            <tr>
              <th>Field</th>
              <th>Mine</th>
              <th>On the server</th>
            </tr>
          </thead>
          <tbody>
            {conflict.changes.map((c) => (
              <tr key={c.field} data-testid="conflict-change" data-field={c.field}>
                <td>{c.field}</td>
                <td>{c.ours ?? "—"}</td>
                <td>{c.theirs ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="conflict-banner__actions">
        <button type="button" className="btn btn--small" data-testid="conflict-keep-theirs" disabled={busy} onClick={onKeepTheirs}>
          Keep theirs (discard mine)
        </button>
        <button type="button" className="btn btn--small btn--primary" data-testid="conflict-apply-mine" disabled={busy} onClick={onApplyMine}>
          Apply mine again
        </button>
      </div>
    </div>
  );
}


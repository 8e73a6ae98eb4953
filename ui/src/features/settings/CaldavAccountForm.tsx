// Settings → Add calendar account (CalDAV): a server, user and password. The server
// discovers the account's calendars; a first sync then fills them. Gmail and Outlook
// accounts need nothing here: their calendars come with the mail sign-in.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { addCaldavAccount, syncCalendars, type CalendarSyncSummary } from "../../ipc/bindings";
import { toApiError } from "../../ipc/errors";
import { queryKeys } from "../../ipc/queryKeys";
import { invalidateCalendar } from "../calendar/data";
import "./calendarSettings.css";

type Field = "name" | "url" | "user" | "password";

/** What is missing or wrong, per field; the server checks the rest. */
export function caldavProblems(form: Record<Field, string>): Partial<Record<Field, string>> {
  const problems: Partial<Record<Field, string>> = {};
  if (!form.name.trim()) problems.name = "Give the account a name.";
  const url = form.url.trim();
  if (!url) {
    problems.url = "Enter the server's address.";
  } else {
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== "https:" && parsed.protocol !== "http:") problems.url = "The address must start with https://.";
    } catch {
      problems.url = "Enter a full address, such as https://dav.example.com/.";
    }
  }
  if (!form.user.trim()) problems.user = "Enter the user name.";
  if (!form.password) problems.password = "Enter the password.";
  return problems;
}

function found(n: number): string {
  return `Found ${n} ${n === 1 ? "calendar" : "calendars"}`;
}

export function CaldavAccountForm() {
  const queryClient = useQueryClient();
  const ids = { name: useId(), url: useId(), user: useId(), password: useId() };
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [user, setUser] = useState("");
  // The password lives only in its input element and is read when the command is sent.
  const password = useRef<HTMLInputElement>(null);
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});

  const sync = useMutation({
    mutationFn: () => syncCalendars(),
    onSettled: () => {
      invalidateCalendar(queryClient);
      void queryClient.invalidateQueries({ queryKey: queryKeys.stats });
    },
  });
  const add = useMutation({
    mutationFn: (input: { name: string; url: string; user: string; password: string }) => addCaldavAccount(input),
    onSuccess: () => {
      setName("");
      setUrl("");
      setUser("");
      if (password.current) password.current.value = "";
      invalidateCalendar(queryClient);
      sync.mutate();
    },
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const input = { name: name.trim(), url: url.trim(), user: user.trim(), password: password.current?.value ?? "" };
    const next = caldavProblems(input);
    setProblems(next);
    if (Object.keys(next).length > 0) return;
    sync.reset();
    add.mutate(input);
  };

  const field = (f: Field, label: string, input: ReactNode) => (
    <>
      <label htmlFor={ids[f]}>{label}</label>
      <div>
        {input}
        {problems[f] && (
          <p className="form-error" id={`${ids[f]}-error`} data-testid={`caldav-${f}-error`}>
            {problems[f]}
          </p>
        )}
      </div>
    </>
  );
  const inputProps = (f: Field) => ({
    id: ids[f],
    className: "input",
    "data-testid": `caldav-${f}`,
    "aria-invalid": problems[f] !== undefined,
    "aria-describedby": problems[f] ? `${ids[f]}-error` : undefined,
  });

  return (
    <section className="card caldav-account" data-testid="caldav-account" aria-labelledby="caldav-title">
      <h2 id="caldav-title">Add calendar account (CalDAV)</h2>
      <p className="muted">
        For calendar servers such as Nextcloud, Fastmail or iCloud. Google and Microsoft calendars need nothing here:
        they come with their mail accounts (sign in to Gmail or Outlook under Accounts) and sync automatically.
      </p>
      <form onSubmit={onSubmit} noValidate>
        <div className="form-grid">
          {field("name", "Name", <input {...inputProps("name")} value={name} onChange={(e) => setName(e.target.value)} />)}
          {field(
            "url",
            "Server URL",
            <input
              {...inputProps("url")}
              type="url"
              inputMode="url"
              placeholder="https://dav.example.com/"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
            />,
          )}
          {field(
            "user",
            "User",
            <input {...inputProps("user")} autoComplete="username" value={user} onChange={(e) => setUser(e.target.value)} />,
          )}
          {field("password", "Password", <input {...inputProps("password")} ref={password} type="password" autoComplete="current-password" />)}
        </div>
        <div className="calendar-settings__actions">
          <button type="submit" className="btn btn--primary" data-testid="caldav-add" disabled={add.isPending}>
            {add.isPending ? "Connecting…" : "Add account"}
          </button>
          {add.isSuccess && (
            <span className="calendar-settings__saved" role="status" data-testid="caldav-found">
              {found(add.data)}
            </span>
          )}
          {add.isSuccess && <SyncState pending={sync.isPending} error={sync.error} summaries={sync.data} />}
          {add.isError && (
            <p className="form-error" role="alert" data-testid="caldav-error">
              {toApiError(add.error).message}
            </p>
          )}
        </div>
      </form>
    </section>
  );
}

function SyncState({
  pending,
  error,
  summaries,
}: {
  pending: boolean;
  error: unknown;
  summaries: CalendarSyncSummary[] | undefined;
}) {
  if (pending) {
    return (
      <span className="muted" data-testid="caldav-sync">
        Syncing…
      </span>
    );
  }
  if (error) {
    return (
      <p className="form-error" role="alert" data-testid="caldav-sync-error">
        Sync failed: {toApiError(error).message}
      </p>
    );
  }
  if (!summaries) return null;
  const failed = summaries.filter((s) => s.error !== null);
  if (failed.length > 0) {
    return (
      <p className="form-error" role="alert" data-testid="caldav-sync-error">
        {failed.map((s) => `${s.account}: ${s.error}`).join("; ")}
      </p>
    );
  }
  return (
    <span className="muted" data-testid="caldav-sync">
      Calendars synced
    </span>
  );
}

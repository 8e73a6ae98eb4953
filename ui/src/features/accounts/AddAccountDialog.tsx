import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import {
  addImapAccount,
  listAccounts,
  providerPresets,
  testImapAccount,
  type ApiError,
  type ConnectionTest,
  type ServerCheck,
} from "../../ipc/bindings";
import { toApiError } from "../../ipc/errors";
import { queryKeys } from "../../ipc/queryKeys";
import { Spinner } from "../../components/Spinner";
import { folderKeys } from "../inbox/folderKeys";
import {
  applyPreset,
  effectiveUser,
  emptyForm,
  POLL_MINUTES_RANGE,
  SECURITY_OPTIONS,
  toInput,
  validate,
  type AccountForm,
  type FormErrors,
  type FormField,
  type Security,
} from "./accountForm";
import { addErrorTitle, checkSentence } from "./serverChecks";
import { freeAccountName, SIGN_IN_PROVIDERS, SignInError, SignInWaiting, useSignIn } from "./signIn";
import "./accounts.css";

const PRESETS_KEY = ["providerPresets"] as const;

/** Field order, for moving focus to the first one that needs fixing. */
const FIELD_ORDER: FormField[] = [
  "name",
  "email",
  "user",
  "password",
  "imapHost",
  "imapPort",
  "smtpHost",
  "smtpPort",
  "caFile",
  "bodyWindowDays",
  "pollMinutes",
];

interface Props {
  onClose(): void;
  /** The account was stored; `result` says how each server answered. */
  onAdded?(name: string, result: ConnectionTest): void;
  /** A Gmail or Outlook account was signed in to; `email` is its address. */
  onSignedIn?(name: string, email: string): void;
}

/**
 * Adds a Gmail or Outlook account by signing in in the browser, or an IMAP/SMTP account.
 * The password lives only in its input element: it is read when a command is sent and
 * never copied into React or query state.
 */
export function AddAccountDialog({ onClose, onAdded, onSignedIn }: Props) {
  const queryClient = useQueryClient();
  const presets = useQuery({ queryKey: PRESETS_KEY, queryFn: providerPresets, staleTime: Infinity });
  const accounts = useQuery({ queryKey: queryKeys.accounts, queryFn: listAccounts });
  const [form, setForm] = useState<AccountForm>(emptyForm);
  const [hasPassword, setHasPassword] = useState(false);
  const [showErrors, setShowErrors] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  const firstFieldRef = useRef<HTMLSelectElement>(null);
  const ids = useFieldIds();

  const password = () => passwordRef.current?.value ?? "";
  // The password's text is not state; whether it is empty is enough for live errors.
  const errors: FormErrors = showErrors ? validate(form, hasPassword ? "x" : "") : {};

  const test = useMutation({ mutationFn: () => testImapAccount(toInput(form, password())) });
  const add = useMutation({
    mutationFn: () => addImapAccount(toInput(form, password())),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.accounts }),
        queryClient.invalidateQueries({ queryKey: folderKeys.all }),
        queryClient.invalidateQueries({ queryKey: queryKeys.appStatus }),
        queryClient.invalidateQueries({ queryKey: queryKeys.stats }),
      ]),
  });
  const signIn = useSignIn();
  const busy = test.isPending || add.isPending;

  useEffect(() => {
    const opener = document.activeElement;
    firstFieldRef.current?.focus();
    return () => {
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
  }, []);

  // Results render below the fold of a long form; bring them into view when they arrive.
  const resultsRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (test.data || test.error || add.error) resultsRef.current?.scrollIntoView?.({ block: "nearest" });
  }, [test.data, test.error, add.error]);

  const update = (patch: Partial<AccountForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    // A result describes the settings it was run with; once they change it misleads.
    test.reset();
    add.reset();
  };

  /** True when the form can be sent; otherwise shows what to fix and focuses it. */
  const ready = (): boolean => {
    const found = validate(form, password());
    setShowErrors(true);
    const first = FIELD_ORDER.find((f) => found[f]);
    if (first === undefined) return true;
    document.getElementById(ids[first])?.focus();
    return false;
  };

  const runTest = () => {
    if (busy || !ready()) return;
    add.reset();
    test.mutate();
  };
  const submit = () => {
    if (busy || !ready()) return;
    test.reset();
    add.mutate(undefined, {
      onSuccess: (result) => {
        if (passwordRef.current) passwordRef.current.value = "";
        onAdded?.(form.name.trim(), result);
        onClose();
      },
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    // A modal owns the keyboard: app shortcuts (g i, j, k…) must not act behind it.
    e.stopPropagation();
    if (e.key === "Escape") {
      e.preventDefault();
      onClose();
    } else if (e.key === "Tab") {
      trapTab(e, dialogRef.current);
    }
  };

  const startSignIn = (kind: (typeof SIGN_IN_PROVIDERS)[number]) => {
    // The name typed below, else the provider's name (not one an account already has).
    const name = form.name.trim() || freeAccountName(kind.defaultName, accounts.data?.map((a) => a.name) ?? []);
    signIn.mutate(
      { name, kind: kind.kind },
      {
        onSuccess: (email) => {
          onSignedIn?.(name, email);
          onClose();
        },
      },
    );
  };

  const preset = presets.data?.find((p) => p.id === form.presetId);
  const nameTaken = accounts.data?.some((a) => a.name === form.name.trim() && form.name.trim() !== "");
  const field = (name: FormField) => ({
    id: ids[name],
    "aria-invalid": errors[name] ? true : undefined,
    "aria-describedby": errors[name] ? `${ids[name]}-error` : undefined,
  });

  return (
    <div className="modal-backdrop">
      <div
        ref={dialogRef}
        className="modal modal--form"
        role="dialog"
        aria-modal="true"
        aria-labelledby={ids.title}
        data-testid="add-account-dialog"
        onKeyDown={onKeyDown}
      >
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <h2 id={ids.title}>Add an email account</h2>

          <div className="sign-in" data-testid="sign-in">
            {signIn.isPending ? (
              <SignInWaiting onCancel={() => signIn.reset()} />
            ) : (
              <div className="sign-in__buttons">
                {SIGN_IN_PROVIDERS.map((p) => (
                  <button
                    key={p.kind}
                    type="button"
                    className="btn"
                    data-testid={`sign-in-${p.kind}`}
                    onClick={() => startSignIn(p)}
                  >
                    {p.label}
                  </button>
                ))}
              </div>
            )}
            <p className="form-hint">
              Gmail and Outlook accounts sign in in your browser; Switchboard never sees the password. The account
              takes the name typed under Account name below, or the provider&apos;s name.
            </p>
            {signIn.isError && <SignInError error={signIn.error} />}
          </div>

          <div className="form-grid">
            <label htmlFor={ids.presetId}>Provider</label>
            <div>
              <select
                ref={firstFieldRef}
                id={ids.presetId}
                className="select"
                data-testid="preset"
                value={form.presetId}
                onChange={(e) => {
                  const next = presets.data?.find((p) => p.id === e.target.value);
                  setForm((f) => applyPreset(f, next));
                  test.reset();
                  add.reset();
                }}
              >
                <option value="">Custom (enter the servers yourself)</option>
                {presets.data?.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.label}
                  </option>
                ))}
              </select>
              {preset?.note && (
                <p className="form-hint" data-testid="preset-note">
                  {preset.note}
                </p>
              )}
            </div>

            <FieldRow label="Account name" id={ids.name} error={errors.name}>
              <input
                {...field("name")}
                className="input"
                data-testid="account-name"
                placeholder="Work"
                value={form.name}
                onChange={(e) => update({ name: e.target.value })}
              />
              {nameTaken && (
                <p className="form-hint" data-testid="name-taken">
                  An account with this name exists; adding replaces its settings and password.
                </p>
              )}
            </FieldRow>
            <FieldRow label="Email address" id={ids.email} error={errors.email}>
              <input
                {...field("email")}
                className="input"
                type="email"
                autoComplete="email"
                data-testid="account-email"
                placeholder="you@example.com"
                value={form.email}
                onChange={(e) => update({ email: e.target.value })}
              />
            </FieldRow>
            <FieldRow label="User name" id={ids.user} error={errors.user}>
              <input
                {...field("user")}
                className="input"
                autoComplete="username"
                data-testid="account-user"
                placeholder="Same as the email address"
                value={effectiveUser(form)}
                onChange={(e) => update({ user: e.target.value })}
              />
            </FieldRow>
            <FieldRow label="Password" id={ids.password} error={errors.password}>
              <input
                {...field("password")}
                ref={passwordRef}
                className="input"
                type="password"
                autoComplete="off"
                data-testid="account-password"
                onChange={(e) => {
                  setHasPassword(e.target.value !== "");
                  test.reset();
                  add.reset();
                }}
              />
            </FieldRow>
          </div>

          <ServerFields
            legend="Incoming mail (IMAP)"
            prefix="imap"
            ids={{ host: ids.imapHost, port: ids.imapPort, security: ids.imapSecurity }}
            host={form.imapHost}
            port={form.imapPort}
            security={form.imapSecurity}
            portPlaceholder="993"
            errors={{ host: errors.imapHost, port: errors.imapPort }}
            onChange={(p) => update({ imapHost: p.host, imapPort: p.port, imapSecurity: p.security })}
          />
          <ServerFields
            legend="Outgoing mail (SMTP)"
            prefix="smtp"
            ids={{ host: ids.smtpHost, port: ids.smtpPort, security: ids.smtpSecurity }}
            host={form.smtpHost}
            port={form.smtpPort}
            security={form.smtpSecurity}
            portPlaceholder="587"
            errors={{ host: errors.smtpHost, port: errors.smtpPort }}
            onChange={(p) => update({ smtpHost: p.host, smtpPort: p.port, smtpSecurity: p.security })}
          />

          <details className="form-advanced" open={Boolean(errors.bodyWindowDays || errors.pollMinutes) || undefined}>
            <summary>Advanced</summary>
            <div className="form-grid">
              <FieldRow label="CA file" id={ids.caFile} error={errors.caFile}>
                <input
                  {...field("caFile")}
                  className="input"
                  data-testid="account-ca-file"
                  placeholder="/path/to/ca.pem (self-hosted servers)"
                  value={form.caFile}
                  onChange={(e) => update({ caFile: e.target.value })}
                />
              </FieldRow>
              <FieldRow label="Download bodies for (days)" id={ids.bodyWindowDays} error={errors.bodyWindowDays}>
                <input
                  {...field("bodyWindowDays")}
                  className="input input--narrow"
                  type="number"
                  min={1}
                  data-testid="account-body-window"
                  value={form.bodyWindowDays}
                  onChange={(e) => update({ bodyWindowDays: e.target.value })}
                />
              </FieldRow>
              <FieldRow label="Check every (minutes)" id={ids.pollMinutes} error={errors.pollMinutes}>
                <input
                  {...field("pollMinutes")}
                  className="input input--narrow"
                  type="number"
                  min={POLL_MINUTES_RANGE.min}
                  max={POLL_MINUTES_RANGE.max}
                  data-testid="account-poll-minutes"
                  value={form.pollMinutes}
                  onChange={(e) => update({ pollMinutes: e.target.value })}
                />
              </FieldRow>
              <span />
              <label className="switch">
                <input
                  type="checkbox"
                  data-testid="account-saves-sent"
                  checked={form.providerSavesSent}
                  onChange={(e) => update({ providerSavesSent: e.target.checked })}
                />
                <span>The provider files sent mail itself (do not save a copy to Sent)</span>
              </label>
            </div>
          </details>

          <div ref={resultsRef} aria-live="polite">
            {test.data && <ConnectionResult result={test.data} />}
            {test.isError && <CommandError error={toApiError(test.error)} />}
            {add.isError && <CommandError error={toApiError(add.error)} />}
          </div>

          <div className="modal__actions">
            <button type="button" className="btn" data-testid="test-connection" disabled={busy} onClick={runTest}>
              {test.isPending ? <Spinner label="Testing…" /> : "Test connection"}
            </button>
            <span className="spacer" />
            <button type="button" className="btn" data-testid="add-account-cancel" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn--primary" data-testid="add-account-submit" disabled={busy}>
              {add.isPending ? <Spinner label="Adding…" /> : "Add account"}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}

function useFieldIds() {
  const base = useId();
  const names = [...FIELD_ORDER, "presetId", "imapSecurity", "smtpSecurity", "title"] as const;
  return Object.fromEntries(names.map((n) => [n, `${base}-${n}`])) as Record<(typeof names)[number], string>;
}

function FieldRow({ label, id, error, children }: { label: string; id: string; error?: string; children: ReactNode }) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <div>
        {children}
        {error && (
          <p className="form-error" id={`${id}-error`}>
            {error}
          </p>
        )}
      </div>
    </>
  );
}

interface ServerValue {
  host: string;
  port: string;
  security: Security;
}

function ServerFields({
  legend,
  prefix,
  ids,
  portPlaceholder,
  errors,
  onChange,
  ...value
}: ServerValue & {
  legend: string;
  prefix: "imap" | "smtp";
  ids: { host: string; port: string; security: string };
  portPlaceholder: string;
  errors: { host?: string; port?: string };
  onChange(value: ServerValue): void;
}) {
  const described = (id: string, error?: string) => ({
    id,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": error ? `${id}-error` : undefined,
  });
  return (
    <fieldset className="form-server" data-testid={`${prefix}-server`}>
      <legend>{legend}</legend>
      <div className="form-server__row">
        <div className="form-server__host">
          <label htmlFor={ids.host}>Server</label>
          <input
            {...described(ids.host, errors.host)}
            className="input"
            data-testid={`${prefix}-host`}
            placeholder={`${prefix}.example.com`}
            value={value.host}
            onChange={(e) => onChange({ ...value, host: e.target.value })}
          />
          {errors.host && (
            <p className="form-error" id={`${ids.host}-error`}>
              {errors.host}
            </p>
          )}
        </div>
        <div className="form-server__port">
          <label htmlFor={ids.port}>Port</label>
          <input
            {...described(ids.port, errors.port)}
            className="input"
            type="number"
            min={1}
            max={65535}
            data-testid={`${prefix}-port`}
            placeholder={portPlaceholder}
            value={value.port}
            onChange={(e) => onChange({ ...value, port: e.target.value })}
          />
          {errors.port && (
            <p className="form-error" id={`${ids.port}-error`}>
              {errors.port}
            </p>
          )}
        </div>
        <div>
          <label htmlFor={ids.security}>Security</label>
          <select
            id={ids.security}
            className="select"
            data-testid={`${prefix}-security`}
            value={value.security}
            onChange={(e) => onChange({ ...value, security: e.target.value as Security })}
          >
            {SECURITY_OPTIONS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {value.security === "none" && (
        <p className="form-warning" role="note" data-testid={`${prefix}-plaintext-warning`}>
          Without encryption the password and mail cross the network as plain text. Switchboard only allows this to a
          server on this computer (localhost, 127.0.0.1 or ::1).
        </p>
      )}
    </fieldset>
  );
}

function ConnectionResult({ result }: { result: ConnectionTest }) {
  return (
    <div className="connection-test" data-testid="connection-test">
      <CheckRow server="IMAP" check={result.imap} />
      <CheckRow server="SMTP" check={result.smtp} />
      {result.warnings.map((w) => (
        <p key={w} className="form-warning" data-testid="connection-warning">
          {w}
        </p>
      ))}
    </div>
  );
}

export function CheckRow({ server, check }: { server: string; check: ServerCheck }) {
  return (
    <div
      className={`check ${check.ok ? "check--ok" : "check--failed"}`}
      data-testid={`check-${server.toLowerCase()}`}
      data-ok={String(check.ok)}
      data-kind={check.kind ?? undefined}
    >
      <strong className="check__server">{server}</strong>
      <span className="check__sentence">{checkSentence(check)}</span>
      {!check.ok && <span className="check__detail">{check.message}</span>}
    </div>
  );
}

function CommandError({ error }: { error: ApiError }) {
  return (
    <div className="error-note" role="alert" data-testid="add-account-error" data-code={error.code}>
      <strong>{addErrorTitle(error.code)}</strong>
      <span className="error-note__message">{error.message}</span>
    </div>
  );
}

/** Keeps Tab and Shift+Tab cycling inside the dialog. */
function trapTab(e: KeyboardEvent, root: HTMLElement | null) {
  if (!root) return;
  const focusable = Array.from(
    root.querySelectorAll<HTMLElement>("input, select, textarea, button, summary, [tabindex]:not([tabindex='-1'])"),
  ).filter((el) => !(el as HTMLInputElement).disabled && el.offsetParent !== null);
  if (focusable.length === 0) return;
  const first = focusable[0]!;
  const last = focusable[focusable.length - 1]!;
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

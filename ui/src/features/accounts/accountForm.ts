// The Add-account form as plain data: what a preset fills in, what is missing, and the
// command input it becomes. The password is deliberately not part of this state; the
// dialog reads it from its input at the moment a command needs it.
import type { ImapAccountInput, ProviderPresetView } from "../../ipc/bindings";

export const SECURITY_OPTIONS = [
  { value: "tls", label: "TLS" },
  { value: "starttls", label: "STARTTLS" },
  { value: "none", label: "None" },
] as const;

export type Security = (typeof SECURITY_OPTIONS)[number]["value"];

export const DEFAULT_BODY_WINDOW_DAYS = 90;
export const DEFAULT_POLL_MINUTES = 5;
export const POLL_MINUTES_RANGE = { min: 1, max: 60 } as const;

export interface AccountForm {
  /** "" = custom server settings. */
  presetId: string;
  name: string;
  email: string;
  /** null while the login follows the email address. */
  user: string | null;
  imapHost: string;
  imapPort: string;
  imapSecurity: Security;
  smtpHost: string;
  smtpPort: string;
  smtpSecurity: Security;
  caFile: string;
  bodyWindowDays: string;
  pollMinutes: string;
  providerSavesSent: boolean;
}

export type FormField = keyof AccountForm | "password";
export type FormErrors = Partial<Record<FormField, string>>;

export function emptyForm(): AccountForm {
  return {
    presetId: "",
    name: "",
    email: "",
    user: null,
    imapHost: "",
    imapPort: "",
    imapSecurity: "tls",
    smtpHost: "",
    smtpPort: "",
    smtpSecurity: "starttls",
    caFile: "",
    bodyWindowDays: String(DEFAULT_BODY_WINDOW_DAYS),
    pollMinutes: String(DEFAULT_POLL_MINUTES),
    providerSavesSent: false,
  };
}

function asSecurity(value: string, fallback: Security): Security {
  return SECURITY_OPTIONS.some((o) => o.value === value) ? (value as Security) : fallback;
}

/** Picking a provider fills both servers; "custom" (no preset) blanks them for typing. */
export function applyPreset(form: AccountForm, preset: ProviderPresetView | undefined): AccountForm {
  if (!preset) {
    const blank = emptyForm();
    return {
      ...form,
      presetId: "",
      imapHost: blank.imapHost,
      imapPort: blank.imapPort,
      imapSecurity: blank.imapSecurity,
      smtpHost: blank.smtpHost,
      smtpPort: blank.smtpPort,
      smtpSecurity: blank.smtpSecurity,
    };
  }
  return {
    ...form,
    presetId: preset.id,
    imapHost: preset.imap_host,
    imapPort: String(preset.imap_port),
    imapSecurity: asSecurity(preset.imap_security, "tls"),
    smtpHost: preset.smtp_host,
    smtpPort: String(preset.smtp_port),
    smtpSecurity: asSecurity(preset.smtp_security, "starttls"),
  };
}

/** The login name the servers will see. */
export function effectiveUser(form: AccountForm): string {
  return form.user ?? form.email;
}

function wholeNumberIn(text: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= min && n <= max ? n : null;
}

/** What has to be fixed before the servers can be tried; empty when the form is usable. */
export function validate(form: AccountForm, password: string): FormErrors {
  const errors: FormErrors = {};
  if (form.name.trim() === "") errors.name = "Give the account a name, e.g. Work.";
  if (!/^[^\s@]+@[^\s@]+$/.test(form.email.trim())) errors.email = "Enter an email address like you@example.com.";
  if (password === "") errors.password = "Enter the password (or app password).";
  if (form.imapHost.trim() === "") errors.imapHost = "Enter the IMAP server name.";
  if (wholeNumberIn(form.imapPort, 1, 65535) === null) errors.imapPort = "A port from 1 to 65535.";
  if (form.smtpHost.trim() === "") errors.smtpHost = "Enter the SMTP server name.";
  if (wholeNumberIn(form.smtpPort, 1, 65535) === null) errors.smtpPort = "A port from 1 to 65535.";
  // 0 means every message's body now (the backend's "all").
  if (form.bodyWindowDays.trim() !== "" && wholeNumberIn(form.bodyWindowDays, 0, 36_500) === null) {
    errors.bodyWindowDays = "A whole number of days (0 downloads every body).";
  }
  if (wholeNumberIn(form.pollMinutes, POLL_MINUTES_RANGE.min, POLL_MINUTES_RANGE.max) === null) {
    errors.pollMinutes = `Between ${POLL_MINUTES_RANGE.min} and ${POLL_MINUTES_RANGE.max} minutes.`;
  }
  return errors;
}

/** The command input. Call only with a form that `validate` accepted. */
export function toInput(form: AccountForm, password: string): ImapAccountInput {
  const email = form.email.trim();
  const user = effectiveUser(form).trim();
  return {
    name: form.name.trim(),
    email,
    user: user === "" ? email : user,
    password,
    imap_host: form.imapHost.trim(),
    imap_port: Number(form.imapPort),
    imap_security: form.imapSecurity,
    smtp_host: form.smtpHost.trim(),
    smtp_port: Number(form.smtpPort),
    smtp_security: form.smtpSecurity,
    ca_file: form.caFile.trim() === "" ? null : form.caFile.trim(),
    body_window_days: form.bodyWindowDays.trim() === "" ? null : Number(form.bodyWindowDays),
    poll_minutes: Number(form.pollMinutes),
    // Unchecked leaves the choice to the backend (which then files a copy in Sent).
    provider_saves_sent: form.providerSavesSent ? true : null,
  };
}

// Recipient fields are typed as text ("Dana <dana@acme.test>, omar@acme.test"); the
// backend gets a list of addresses. The check mirrors the backend's, so a bad address is
// pointed out before Send; the backend checks again and says the same thing.
import type { Address } from "../../ipc/bindings";

/** Splits on commas and semicolons outside quotes and angle brackets. */
function splitList(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  let angle = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "<" && !quoted) angle = true;
    else if (ch === ">" && !quoted) angle = false;
    if ((ch === "," || ch === ";") && !quoted && !angle) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

function parseOne(part: string): Address {
  const angled = /^(.*)<([^<>]*)>\s*$/.exec(part);
  if (!angled) return { name: null, email: part.trim() };
  const name = (angled[1] ?? "").trim().replace(/^"(.*)"$/, "$1").trim();
  return { name: name === "" ? null : name, email: (angled[2] ?? "").trim() };
}

/** "Dana <dana@acme.test>, omar@acme.test" as addresses, half-typed ones included. */
export function parseAddressList(text: string): Address[] {
  return splitList(text).map(parseOne);
}

function formatOne(a: Address): string {
  if (!a.name) return a.email;
  const name = /[",;<>@]/.test(a.name) ? `"${a.name.replace(/"/g, "")}"` : a.name;
  return `${name} <${a.email}>`;
}

export function formatAddressList(list: Address[]): string {
  return list.map(formatOne).join(", ");
}

/** local@domain with nothing that could break a header or an SMTP command. */
export function isValidEmail(email: string): boolean {
  const e = email.trim();
  const at = e.indexOf("@");
  if (at <= 0 || at !== e.lastIndexOf("@") || at === e.length - 1 || e.length > 254) return false;
  if (/[\s<>,;"()[\]\\]/.test(e) || [...e].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127)) return false;
  const domain = e.slice(at + 1);
  return !domain.startsWith(".") && !domain.endsWith(".");
}

/** Why the field cannot be sent as it is, or null when it can. */
export function addressFieldError(text: string): string | null {
  const bad = parseAddressList(text).filter((a) => !isValidEmail(a.email));
  if (bad.length === 0) return null;
  const list = bad.map((a) => `“${a.email}”`).join(", ");
  return bad.length === 1
    ? `${list} is not a valid email address (expected name@example.com)`
    : `${list} are not valid email addresses (expected name@example.com)`;
}

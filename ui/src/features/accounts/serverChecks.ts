// Human sentences for connection-test results and add-account failures. The UI decides
// from `kind`/`code` only; the backend's message is shown underneath as detail.
import type { ErrorCode, ServerCheck } from "../../ipc/bindings";
import { errorTitle } from "../../ipc/errors";

const KIND_SENTENCES: Record<string, string> = {
  host_not_found: "Host not found — check the server name.",
  connection_refused: "Connection refused — check the port, and that the server accepts connections.",
  timeout: "The server did not answer in time — check the server name, the port and your network.",
  tls:
    "The secure connection failed — check the security setting (TLS or STARTTLS) and, for a self-hosted server, " +
    "the CA file.",
  auth_failed: "Sign-in failed — check the user name and password (many providers need an app password).",
  plaintext_not_allowed: "Unencrypted connections are only allowed to this computer — choose TLS or STARTTLS.",
  unsupported: "The server lacks something Switchboard needs — check that this is the right server.",
  protocol: "The server answered in an unexpected way — check that the port belongs to this protocol.",
  network: "A network error interrupted the connection — check your connection and try again.",
};

/** One sentence for a server's result: what happened and what to check. */
export function checkSentence(check: ServerCheck): string {
  if (check.ok) return "Connected and signed in.";
  return (check.kind && KIND_SENTENCES[check.kind]) || "The connection test failed.";
}

/** Adding an account fails with the IMAP login's error; say it in the form's terms. */
export function addErrorTitle(code: ErrorCode): string {
  switch (code) {
    case "auth_expired":
      return "Sign-in failed — check the user name and password.";
    case "offline":
      return "Could not reach the server — check the server name, the port and your network.";
    case "invalid_input":
      return "The server settings need fixing.";
    default:
      return errorTitle(code);
  }
}

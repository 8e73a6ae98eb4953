// Signing in to a Gmail or Outlook account in the system browser: the same command adds
// a new account and renews one whose sign-in the provider refused.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { signInAccount, type ApiError, type ErrorCode } from "../../ipc/bindings";
import { errorTitle, toApiError } from "../../ipc/errors";
import { queryKeys } from "../../ipc/queryKeys";
import { Spinner } from "../../components/Spinner";
import { folderKeys } from "../inbox/folderKeys";

/** Account kinds reached through a provider's API with a browser sign-in. */
export type SignInKind = "gmail" | "graph";

export const SIGN_IN_PROVIDERS: readonly { kind: SignInKind; label: string; defaultName: string }[] = [
  { kind: "gmail", label: "Sign in with Google", defaultName: "Gmail" },
  { kind: "graph", label: "Sign in with Microsoft", defaultName: "Outlook" },
];

export function isSignInKind(kind: string): kind is SignInKind {
  return kind === "gmail" || kind === "graph";
}

/** A name no account has yet: `base`, else `base 2`, `base 3`… */
export function freeAccountName(base: string, taken: readonly string[]): string {
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n++) {
    const name = `${base} ${n}`;
    if (!taken.includes(name)) return name;
  }
}

/** What went wrong with a sign-in, in words; the backend's message goes underneath. */
export function signInErrorTitle(code: ErrorCode): string {
  switch (code) {
    case "invalid_input":
      return "Sign-in could not start.";
    case "offline":
      return "The sign-in did not finish: it timed out, or the provider could not be reached.";
    case "conflict":
      return "The sign-in was cancelled in the browser.";
    case "auth_expired":
      return "The provider refused the sign-in. Try again.";
    default:
      return errorTitle(code);
  }
}

export interface SignInRequest {
  name: string;
  kind: SignInKind;
}

/**
 * The sign-in command. Waiting can be abandoned with `reset()` (the browser tab stays
 * open; the backend gives up after five minutes): per-call callbacks then never run.
 * Accounts and statuses are refetched whenever a sign-in ends, abandoned or not.
 */
export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ name, kind }: SignInRequest) => signInAccount(name, kind),
    onSettled: () =>
      Promise.all(
        [queryKeys.accounts, queryKeys.accountStatuses, queryKeys.appStatus, queryKeys.stats, folderKeys.all].map(
          (queryKey) => queryClient.invalidateQueries({ queryKey }),
        ),
      ),
  });
}

/** Shown while the browser has the sign-in page; Cancel only stops waiting here. */
export function SignInWaiting({ onCancel }: { onCancel(): void }) {
  return (
    <div className="sign-in-waiting" data-testid="sign-in-waiting">
      <Spinner label="Finish signing in in your browser…" />
      <button type="button" className="btn btn--small" data-testid="sign-in-cancel" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

export function SignInError({ error }: { error: unknown }) {
  const e: ApiError = toApiError(error);
  return (
    <div className="error-note" role="alert" data-testid="sign-in-error" data-code={e.code}>
      <strong>{signInErrorTitle(e.code)}</strong>
      <span className="error-note__message">{e.message}</span>
    </div>
  );
}

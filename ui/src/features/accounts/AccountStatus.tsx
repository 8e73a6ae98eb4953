// Each Gmail/Outlook account's sync status (IMAP accounts record none): a chip in the
// account list and in Sync health, and "Sign in again" when only a new sign-in helps.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { accountStatuses, type AccountStatusView, type AccountSummary } from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";
import { localHourMinute } from "../../lib/time";
import { useNavigation } from "../../app/navigation";
import { useBackendEvent } from "../sync/syncEvents";
import { isSignInKind, SignInError, SignInWaiting, useSignIn } from "./signIn";

/** The backend says an account's status may have changed. */
export const EVENT_ACCOUNT_STATUS = "account://status";
/** A clicked "needs you to sign in again" notification. */
export const EVENT_OPEN_ACCOUNTS = "notification://open-accounts";

/** While a pass runs its end is not always announced (a failed pass sends no progress). */
const SYNCING_REFETCH_MS = 15_000;

/** Statuses by account id; empty while loading or when they cannot be read. */
export function useAccountStatuses(): Map<number, AccountStatusView> {
  const query = useQuery({
    queryKey: queryKeys.accountStatuses,
    queryFn: accountStatuses,
    refetchInterval: (q) => (q.state.data?.some((s) => s.state === "syncing") ? SYNCING_REFETCH_MS : false),
  });
  return new Map((query.data ?? []).map((s) => [s.account_id, s]));
}

/** App-wide: refetch statuses on `account://status`; a sign-in notification opens Settings. */
export function useAccountStatusEvents() {
  const queryClient = useQueryClient();
  const nav = useNavigation();
  const refetch = () => void queryClient.invalidateQueries({ queryKey: queryKeys.accountStatuses });
  useBackendEvent<null>(EVENT_ACCOUNT_STATUS, refetch);
  useBackendEvent<null>(EVENT_OPEN_ACCOUNTS, () => {
    refetch();
    nav.go("settings");
  });
}

/** The chip's words for a status; rate limits end at a local HH:MM. */
export function statusLabel(status: AccountStatusView): string {
  switch (status.state) {
    case "syncing":
      return "Syncing…";
    case "up_to_date":
      return "Up to date";
    case "needs_sign_in":
      return "Needs sign-in";
    case "rate_limited":
      return status.until_ms === null ? "Rate limited" : `Rate limited until ${localHourMinute(status.until_ms)}`;
    case "offline":
      return "Offline";
    default:
      return "Error";
  }
}

const TONE: Record<string, string> = {
  up_to_date: "ok",
  syncing: "busy",
  needs_sign_in: "danger",
  error: "danger",
  rate_limited: "warning",
  offline: "warning",
};

/** One account's status; nothing for an account that records none. */
export function AccountStatusChip({ account, status }: { account: AccountSummary; status?: AccountStatusView }) {
  if (!status) return null;
  const label = statusLabel(status);
  const tone = TONE[status.state] ?? "danger";
  return (
    <span className="account-status" data-testid="account-status" data-state={status.state}>
      {status.state === "error" && status.detail ? (
        <details className="account-status__details">
          <summary className={`status-chip status-chip--${tone}`} title={status.detail}>
            {label}
          </summary>
          <span className="account-status__detail" data-testid="account-status-detail">
            {status.detail}
          </span>
        </details>
      ) : (
        <span className={`status-chip status-chip--${tone}`} title={status.detail ?? undefined}>
          {label}
        </span>
      )}
      {status.state === "needs_sign_in" && <SignInAgain account={account} />}
    </span>
  );
}

function SignInAgain({ account }: { account: AccountSummary }) {
  const signIn = useSignIn();
  const kind = account.kind;
  if (!isSignInKind(kind)) return null;
  if (signIn.isPending) return <SignInWaiting onCancel={() => signIn.reset()} />;
  return (
    <>
      <button
        type="button"
        className="btn btn--small btn--primary"
        data-testid="sign-in-again"
        onClick={() => signIn.mutate({ name: account.name, kind })}
      >
        Sign in again
      </button>
      {signIn.isError && <SignInError error={signIn.error} />}
    </>
  );
}

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { listAccounts, type ConnectionTest } from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";
import { ErrorNote } from "../../components/ErrorNote";
import { AddAccountDialog, CheckRow } from "./AddAccountDialog";
import { AccountStatusChip, useAccountStatuses } from "./AccountStatus";
import "./accounts.css";

interface Props {
  /** Settings was opened to add an account. */
  highlight: boolean;
  /** Offered while the store is still empty. */
  onShowWelcome?: () => void;
}

/** The Accounts card in Settings: what is connected, and the way to add more. */
export function AccountsSection({ highlight, onShowWelcome }: Props) {
  const accounts = useQuery({ queryKey: queryKeys.accounts, queryFn: listAccounts });
  const [adding, setAdding] = useState(false);
  const statuses = useAccountStatuses();
  const [added, setAdded] = useState<{ name: string; result?: ConnectionTest; email?: string } | null>(null);
  return (
    <section className={`card${highlight ? " card--highlight" : ""}`} data-testid="accounts-section">
      <h2>Accounts</h2>
      {accounts.isError && <ErrorNote error={accounts.error} onRetry={() => void accounts.refetch()} />}
      {accounts.data && accounts.data.length === 0 && (
        <p className="muted">
          No accounts yet. Sign in to Gmail or Outlook, or add an IMAP account, to sync its mail into this computer.
        </p>
      )}
      {accounts.data && accounts.data.length > 0 && (
        <ul className="account-list" data-testid="account-list">
          {accounts.data.map((a) => (
            <li key={a.id} data-testid="account-row">
              <span className="account-list__name">{a.name}</span>
              {a.email && <span className="muted">{a.email}</span>}
              <AccountStatusChip account={a} status={statuses.get(a.id)} />
              <span className="account-list__kind muted">
                {a.kind} · {a.message_count.toLocaleString()} messages
              </span>
            </li>
          ))}
        </ul>
      )}
      {added && (
        <div className="account-added" role="status" data-testid="account-added">
          <p>
            Added {added.name}
            {added.email && ` (${added.email})`}. Its mail appears as it syncs.
          </p>
          {added.result && !added.result.smtp.ok && <CheckRow server="SMTP" check={added.result.smtp} />}
          {added.result?.warnings.map((w) => (
            <p key={w} className="form-warning">
              {w}
            </p>
          ))}
        </div>
      )}
      <button type="button" className="btn btn--primary" data-testid="open-add-account" onClick={() => setAdding(true)}>
        Add account
      </button>
      {onShowWelcome && (
        <button type="button" className="btn btn--link" data-testid="show-welcome" onClick={onShowWelcome}>
          Back to the welcome screen
        </button>
      )}
      {adding && (
        <AddAccountDialog
          onClose={() => setAdding(false)}
          onAdded={(name, result) => setAdded({ name, result })}
          onSignedIn={(name, email) => setAdded({ name, email })}
        />
      )}
    </section>
  );
}

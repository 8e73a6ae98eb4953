import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { openDemoWorkspace } from "../../ipc/bindings";
import { ErrorNote } from "../../components/ErrorNote";
import { Spinner } from "../../components/Spinner";
import { AddAccountDialog } from "../accounts/AddAccountDialog";

/**
 * Shown while the store is empty. The demo workspace is real data imported by the
 * backend; when it finishes every cached query is refetched and the app status flips
 * to has_data, which replaces this screen with the inbox.
 */
export function FirstRun({ onAddAccount }: { onAddAccount: () => void }) {
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const demo = useMutation({
    mutationFn: openDemoWorkspace,
    // Returning the promise keeps the button busy until the new status has arrived.
    onSuccess: () => queryClient.invalidateQueries(),
  });
  return (
    <div className="first-run" data-testid="first-run">
      <div className="first-run__card">
        <div className="first-run__logo" aria-hidden="true">
          S
        </div>
        <h1>Welcome to Switchboard</h1>
        <p>
          Your mail, calendar, tickets and the contacts behind them in one window. Everything is stored on this
          computer; nothing goes through a vendor cloud.
        </p>
        <div className="first-run__actions">
          <button
            type="button"
            className="btn btn--primary"
            data-testid="open-demo"
            disabled={demo.isPending}
            onClick={() => demo.mutate()}
          >
            {demo.isPending ? <Spinner label="Opening demo workspace…" /> : "Open demo workspace"}
          </button>
          <button
            type="button"
            className="btn"
            data-testid="add-account"
            disabled={demo.isPending}
            onClick={() => setAdding(true)}
          >
            Add an email account
          </button>
        </div>
        <p className="first-run__hint">The demo workspace imports sample mail, events, tickets and contacts.</p>
        {demo.isError && <ErrorNote error={demo.error} />}
        {/* Once an account exists the workspace opens (on Settings, where it is listed). */}
        {adding && <AddAccountDialog onClose={() => setAdding(false)} onAdded={onAddAccount} />}
      </div>
    </div>
  );
}

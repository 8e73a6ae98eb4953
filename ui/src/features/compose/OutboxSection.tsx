// The outbox in Sync health: each message on its way out (or sent, or stopped) with its
// state and last error, and "Try again" for one that failed.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { listOutbox, retrySend, type OutboxItemView } from "../../ipc/bindings";
import { formatDateTime } from "../../lib/time";
import { ErrorNote } from "../../components/ErrorNote";
import { useBackendEvent } from "../sync/syncEvents";
import "./compose.css";

export const OUTBOX_KEY = ["outbox"] as const;
export const EVENT_OUTBOX_CHANGED = "outbox://changed";

const STATE_LABEL: Record<string, string> = {
  queued: "Waiting to send",
  sending: "Sending",
  smtp_accepted: "Sent; filing a copy in Sent",
  done: "Sent",
  failed: "Not sent",
};

export function OutboxSection() {
  const queryClient = useQueryClient();
  const outbox = useQuery({ queryKey: OUTBOX_KEY, queryFn: listOutbox });
  useBackendEvent<null>(EVENT_OUTBOX_CHANGED, () => void queryClient.invalidateQueries({ queryKey: OUTBOX_KEY }));
  const retry = useMutation({
    mutationFn: (args: { outbox_id: number; resend: boolean }) => retrySend(args),
    onSettled: () => queryClient.invalidateQueries({ queryKey: OUTBOX_KEY }),
  });
  return (
    <section className="card" data-testid="outbox">
      <h2>Outbox</h2>
      {outbox.isError && <ErrorNote error={outbox.error} onRetry={() => void outbox.refetch()} />}
      {outbox.data && outbox.data.length === 0 && <p className="muted">Nothing sent from here yet.</p>}
      {outbox.data && outbox.data.length > 0 && (
        <ul className="outbox-list">
          {outbox.data.map((item) => (
            <OutboxRow key={item.id} item={item} onRetry={(resend) => retry.mutate({ outbox_id: item.id, resend })} />
          ))}
        </ul>
      )}
      {retry.isError && <ErrorNote error={retry.error} />}
    </section>
  );
}

function OutboxRow({ item, onRetry }: { item: OutboxItemView; onRetry(resend: boolean): void }) {
  return (
    <li data-testid="outbox-item" data-state={item.state}>
      <span>
        <strong>{item.subject || "(no subject)"}</strong>{" "}
        <span className="muted">to {item.recipients.join(", ")}</span>
      </span>
      <span className={item.state === "failed" ? "badge badge--warning" : "muted"}>
        {STATE_LABEL[item.state] ?? item.state}
        {item.sent_at !== null ? ` · ${formatDateTime(item.sent_at)}` : ""}
        {item.attempts > 1 ? ` · ${item.attempts} attempts` : ""}
      </span>
      {item.last_error && <span className="outbox__error">{item.last_error}</span>}
      {item.state === "failed" && (
        <span>
          <button type="button" className="btn btn--small" onClick={() => onRetry(false)}>
            Try again
          </button>{" "}
          <button
            type="button"
            className="btn btn--link"
            title="Only if the recipients did not get it: the server may already have it"
            onClick={() => onRetry(true)}
          >
            Send again anyway
          </button>
        </span>
      )}
    </li>
  );
}

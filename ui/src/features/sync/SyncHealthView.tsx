import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { listAccounts, setSyncPaused, syncHealth, syncNow, type SyncSummary } from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";
import { formatDateTime } from "../../lib/time";
import { ErrorNote } from "../../components/ErrorNote";
import { EmptyState } from "../../components/EmptyState";
import { Loading, Spinner } from "../../components/Spinner";
import { SyncProgress } from "./SyncProgress";
import { MAIL_QUERY_PREFIXES } from "./syncEvents";
import { OutboxSection } from "../compose/OutboxSection";
import { AccountStatusChip, useAccountStatuses } from "../accounts/AccountStatus";

export function SyncHealthView() {
  const queryClient = useQueryClient();
  const health = useQuery({ queryKey: queryKeys.syncHealth, queryFn: syncHealth });
  const pause = useMutation({
    mutationFn: (paused: boolean) => setSyncPaused(paused),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.syncHealth }),
        queryClient.invalidateQueries({ queryKey: queryKeys.appStatus }),
      ]),
  });
  const sync = useMutation({
    mutationFn: syncNow,
    // A failed pass changes account statuses as much as a good one.
    onSettled: () =>
      Promise.all(
        [queryKeys.syncHealth, queryKeys.accountStatuses, ...MAIL_QUERY_PREFIXES].map((queryKey) =>
          queryClient.invalidateQueries({ queryKey }),
        ),
      ),
  });
  const paused = health.data?.paused ?? false;
  return (
    <div className="page">
      <h1 className="page__title">Sync health</h1>
      <section className="card" data-testid="sync-now-card">
        <div className="card--row">
          <div>
            <h2>Mail accounts</h2>
            <p className="muted">New mail arrives on its own; sync now to fetch everything at once.</p>
          </div>
          <button
            type="button"
            className="btn"
            data-testid="sync-now"
            disabled={sync.isPending}
            onClick={() => sync.mutate()}
          >
            {sync.isPending ? <Spinner label="Syncing…" /> : "Sync now"}
          </button>
        </div>
        <AccountStatuses />
        <SyncProgress />
        {sync.isError && <ErrorNote error={sync.error} />}
        {sync.data && <SyncSummaries summaries={sync.data} />}
      </section>
      {health.isPending && <Loading />}
      {health.isError && <ErrorNote error={health.error} onRetry={() => void health.refetch()} />}
      {health.data && (
        <>
          <section className="card card--row">
            <div>
              <h2>{paused ? "Sync is paused" : "Sync is running"}</h2>
              <p className="muted">
                {paused
                  ? "No jobs run until you resume. Local changes wait in the queue."
                  : "Jobs run in the background with per-account rate budgets."}
              </p>
            </div>
            <label className="switch">
              <input
                type="checkbox"
                role="switch"
                data-testid="sync-paused-toggle"
                checked={paused}
                disabled={pause.isPending}
                onChange={(e) => pause.mutate(e.target.checked)}
              />
              <span>Paused</span>
            </label>
          </section>
          {pause.isError && <ErrorNote error={pause.error} />}

          <OutboxSection />

          <section className="card">
            <h2>Jobs</h2>
            {health.data.jobs.length === 0 ? (
              <EmptyState title="No jobs queued" />
            ) : (
              <table className="table" data-testid="sync-jobs">
                <thead>
                  <tr>
                    <th>Kind</th>
                    <th>State</th>
                    <th className="table__num">Attempts</th>
                    <th>Last error</th>
                    <th className="table__date">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {health.data.jobs.map((job) => (
                    <tr key={job.id} data-testid="sync-job" data-state={job.state}>
                      <td>{job.kind}</td>
                      <td>
                        <span className={`job-state job-state--${job.state}`}>{job.state}</span>
                      </td>
                      <td className="table__num">{job.attempts}</td>
                      <td className="table__error">{job.last_error ?? "—"}</td>
                      <td className="table__date">{formatDateTime(job.updated_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section className="card">
            <h2>Sync cursors</h2>
            {health.data.cursors.length === 0 ? (
              <EmptyState title="Nothing has synced yet" />
            ) : (
              <table className="table" data-testid="sync-cursors">
                <thead>
                  <tr>
                    <th>Account</th>
                    <th>Scope</th>
                    <th className="table__date">Last advanced</th>
                  </tr>
                </thead>
                <tbody>
                  {health.data.cursors.map((c) => (
                    <tr key={`${c.account}:${c.scope}`}>
                      <td>{c.account}</td>
                      <td>{c.scope}</td>
                      <td className="table__date">{formatDateTime(c.updated_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </div>
  );
}

/** Each account's sync status (Gmail and Outlook accounts record one). */
function AccountStatuses() {
  const accounts = useQuery({ queryKey: queryKeys.accounts, queryFn: listAccounts });
  const statuses = useAccountStatuses();
  const shown = (accounts.data ?? []).filter((a) => statuses.has(a.id));
  if (shown.length === 0) return null;
  return (
    <ul className="sync-accounts" data-testid="sync-account-statuses">
      {shown.map((a) => (
        <li key={a.id} data-testid="sync-account-status">
          <span className="sync-accounts__name">{a.name}</span>
          <AccountStatusChip account={a} status={statuses.get(a.id)} />
        </li>
      ))}
    </ul>
  );
}

function SyncSummaries({ summaries }: { summaries: SyncSummary[] }) {
  if (summaries.length === 0) return <p className="muted">No account synced.</p>;
  return (
    <ul className="sync-now__summary" data-testid="sync-summary">
      {summaries.map((s) => (
        <li key={s.account}>
          <strong>{s.account}</strong>: {s.fetched.toLocaleString()} fetched ({s.new_inbox.toLocaleString()} new in
          the inbox), {s.deleted.toLocaleString()} removed, {s.flags_changed.toLocaleString()} flag changes across{" "}
          {s.folders.toLocaleString()} folders
        </li>
      ))}
    </ul>
  );
}

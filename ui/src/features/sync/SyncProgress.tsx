import { useEffect, useState } from "react";
import type { SyncProgressView } from "../../ipc/bindings";
import { useAccountStatusEvents } from "../accounts/AccountStatus";
import { EVENT_SYNC_PROGRESS, useBackendEvent, useMailChangedEvents } from "./syncEvents";
import "./sync.css";

/** A pass that stops reporting (the connection dropped mid-folder) stops being shown. */
export const STALE_PROGRESS_MS = 60_000;

/** The last folder of the account has all its messages. */
export function isPassComplete(p: SyncProgressView): boolean {
  return p.done >= p.total && p.folder_index + 1 >= p.folder_count;
}

const count = (n: number) => n.toLocaleString();

/** "Syncing work · INBOX 1,200 / 5,000 · 850 msg/s" */
export function progressText(p: SyncProgressView): string {
  const rate = count(Math.round(p.rate));
  return `Syncing ${p.account} · ${p.folder} ${count(p.done)} / ${count(p.total)} · ${rate} msg/s`;
}

/** The latest progress of every account that is syncing right now, in arrival order. */
export function useSyncProgress(): SyncProgressView[] {
  const [active, setActive] = useState<Record<string, SyncProgressView>>({});
  useBackendEvent<SyncProgressView>(EVENT_SYNC_PROGRESS, ({ payload }) =>
    setActive((prev) => {
      const next = { ...prev };
      if (isPassComplete(payload)) delete next[payload.account];
      else next[payload.account] = payload;
      return next;
    }),
  );
  useEffect(() => {
    if (Object.keys(active).length === 0) return;
    const timer = setTimeout(() => setActive({}), STALE_PROGRESS_MS);
    return () => clearTimeout(timer);
  }, [active]);
  return Object.values(active);
}

/** One line and bar per syncing account; nothing while no pass is running. */
export function SyncProgress({ compact = false }: { compact?: boolean }) {
  const active = useSyncProgress();
  if (active.length === 0) return null;
  return (
    <div
      className={`sync-progress${compact ? " sync-progress--compact" : ""}`}
      role="group"
      aria-label="Sync progress"
      data-testid="sync-progress"
    >
      {active.map((p) => (
        <div
          key={p.account}
          className="sync-progress__row"
          data-testid="sync-progress-row"
          title={`Folder ${p.folder_index + 1} of ${p.folder_count}`}
        >
          <span className="sync-progress__text">{progressText(p)}</span>
          <progress
            className="sync-progress__bar"
            value={p.done}
            max={Math.max(p.total, 1)}
            aria-label={`${p.account} ${p.folder}`}
          />
        </div>
      ))}
    </div>
  );
}

/**
 * The app shell's status line: sync progress, refetching when new mail lands or an
 * account's status changes, and opening Settings from a sign-in notification.
 */
export function SyncStatusBar() {
  useMailChangedEvents();
  useAccountStatusEvents();
  return <SyncProgress compact />;
}

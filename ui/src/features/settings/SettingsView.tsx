import { useQuery } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";
import { stats, type AppStatus } from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";
import { ErrorNote } from "../../components/ErrorNote";
import { AccountsSection } from "../accounts/AccountsSection";
import { UndoSendSetting } from "../compose/UndoSendSetting";
import { CalendarSettingsSection } from "./CalendarSettingsSection";
import { CaldavAccountForm } from "./CaldavAccountForm";

const DARK_QUERY = "(prefers-color-scheme: dark)";

function subscribeScheme(onChange: () => void) {
  const mq = window.matchMedia?.(DARK_QUERY);
  mq?.addEventListener?.("change", onChange);
  return () => mq?.removeEventListener?.("change", onChange);
}

function useOsPrefersDark(): boolean {
  return useSyncExternalStore(subscribeScheme, () => window.matchMedia?.(DARK_QUERY).matches ?? false);
}

interface Props {
  status: AppStatus;
  highlightAddAccount: boolean;
  /** Offered while the store is still empty. */
  onShowWelcome?: () => void;
}

export function SettingsView({ status, highlightAddAccount, onShowWelcome }: Props) {
  const dark = useOsPrefersDark();
  const counts = useQuery({ queryKey: queryKeys.stats, queryFn: stats });
  return (
    <div className="page">
      <h1 className="page__title">Settings</h1>

      <AccountsSection highlight={highlightAddAccount} onShowWelcome={onShowWelcome} />

      <UndoSendSetting />

      <CalendarSettingsSection />

      <CaldavAccountForm />

      <section className="card">
        <h2>Storage</h2>
        <dl className="facts">
          <dt>Data directory</dt>
          <dd>
            <code data-testid="data-dir">{status.data_dir}</code>
          </dd>
        </dl>
        {counts.isError && <ErrorNote error={counts.error} />}
        {counts.data && (
          <dl className="facts facts--grid" data-testid="stats">
            <dt>Accounts</dt>
            <dd>{counts.data.accounts}</dd>
            <dt>Messages</dt>
            <dd>
              {counts.data.messages}
              {counts.data.malformed_messages > 0 && (
                <span className="muted"> ({counts.data.malformed_messages} not fully readable)</span>
              )}
            </dd>
            <dt>Threads</dt>
            <dd>{counts.data.threads}</dd>
            <dt>Contacts</dt>
            <dd>{counts.data.contacts}</dd>
            <dt>Calendars</dt>
            <dd>{counts.data.calendars}</dd>
            <dt>Events</dt>
            <dd>{counts.data.events}</dd>
            <dt>Ticket sources</dt>
            <dd>{counts.data.ticket_sources}</dd>
            <dt>Tickets</dt>
            <dd>{counts.data.tickets}</dd>
          </dl>
        )}
      </section>

      <section className="card">
        <h2>Appearance</h2>
        <p>
          The theme follows your operating system, which currently prefers a{" "}
          <strong data-testid="theme-current">{dark ? "dark" : "light"}</strong> appearance. Message bodies are always
          shown on white, as their senders designed them.
        </p>
      </section>

      <section className="card">
        <h2>Keyboard</h2>
        <dl className="facts facts--grid keys">
          <dt>
            <kbd>/</kbd>
          </dt>
          <dd>Search mail</dd>
          <dt>
            <kbd>j</kbd> <kbd>k</kbd>
          </dt>
          <dd>Next / previous item</dd>
          <dt>
            <kbd>Enter</kbd>
          </dt>
          <dd>Open</dd>
          <dt>
            <kbd>Esc</kbd>
          </dt>
          <dd>Close</dd>
          <dt>
            <kbd>g</kbd> then <kbd>i</kbd> <kbd>c</kbd> <kbd>t</kbd> <kbd>k</kbd> <kbd>s</kbd> <kbd>y</kbd>
          </dt>
          <dd>Inbox, Calendar, Tickets, Contacts, Settings, Sync health</dd>
          <dt>
            <kbd>c</kbd>
          </dt>
          <dd>New message</dd>
          <dt>
            <kbd>r</kbd> <kbd>a</kbd> <kbd>f</kbd>
          </dt>
          <dd>Reply, reply all, forward (in an open conversation)</dd>
          <dt>
            <kbd>e</kbd> <kbd>#</kbd> <kbd>v</kbd>
          </dt>
          <dd>Archive, move to Trash, move to a folder (the open conversation, else the one under the cursor)</dd>
          <dt>
            <kbd>s</kbd>
          </dt>
          <dd>Star or unstar</dd>
          <dt>
            <kbd>Shift</kbd>+<kbd>I</kbd> <kbd>Shift</kbd>+<kbd>U</kbd>
          </dt>
          <dd>Mark read, mark unread</dd>
        </dl>
      </section>
    </div>
  );
}

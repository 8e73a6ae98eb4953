import { useRef, type ReactNode } from "react";
import type { AppStatus } from "../ipc/bindings";
import { Icon, type IconName } from "../components/Icon";
import { SearchBox } from "../features/search/SearchBox";
import { InboxView } from "../features/inbox/InboxView";
import { CalendarView } from "../features/calendar/CalendarView";
import { useOpenEventNotifications } from "../features/calendar/openEvent";
import { TicketsView } from "../features/tickets/TicketsView";
import { ContactsView } from "../features/contacts/ContactsView";
import { SettingsView } from "../features/settings/SettingsView";
import { SyncHealthView } from "../features/sync/SyncHealthView";
import { SyncStatusBar } from "../features/sync/SyncProgress";
import { ComposeProvider } from "../features/compose/ComposeProvider";
import { NewMessageButton } from "../features/compose/MessageActions";
import { useNotificationOpen } from "./backendEvents";
import { KeyboardProvider } from "./keyboard";
import { useNavigation, type View } from "./navigation";

const NAV: { view: View; label: string; icon: IconName; keys: string }[] = [
  { view: "inbox", label: "Inbox", icon: "inbox", keys: "g i" },
  { view: "calendar", label: "Calendar", icon: "calendar", keys: "g c" },
  { view: "tickets", label: "Tickets", icon: "tickets", keys: "g t" },
  { view: "contacts", label: "Contacts", icon: "contacts", keys: "g k" },
];
const NAV_BOTTOM: typeof NAV = [
  { view: "sync", label: "Sync health", icon: "sync", keys: "g y" },
  { view: "settings", label: "Settings", icon: "settings", keys: "g s" },
];

/** The workspace: left navigation, top bar with search, and the current view. */
export function Shell({ status, onShowWelcome }: { status: AppStatus; onShowWelcome?: () => void }) {
  const nav = useNavigation();
  const searchInput = useRef<HTMLInputElement>(null);
  useNotificationOpen(nav.openTarget);
  useOpenEventNotifications();
  const view = nav.state.view;
  const mainRef = useRef<HTMLElement>(null);

  const navButton = (item: (typeof NAV)[number], badge?: ReactNode) => (
    <button
      key={item.view}
      type="button"
      className={`nav__item${view === item.view ? " is-active" : ""}`}
      data-testid={`nav-${item.view}`}
      aria-current={view === item.view ? "page" : undefined}
      title={`${item.label} (${item.keys})`}
      onClick={() => {
        nav.go(item.view);
        // Hand the keyboard to the view, so Enter then opens the list's item instead of
        // pressing this button again.
        mainRef.current?.focus({ preventScroll: true });
      }}
    >
      <Icon name={item.icon} />
      <span className="nav__label">{item.label}</span>
      {badge}
    </button>
  );

  return (
    <KeyboardProvider searchInput={searchInput}>
      <ComposeProvider accountId={nav.state.accountId}>
        <div className="app">
          <nav className="nav" aria-label="Main">
            <div className="nav__brand">
              <span className="nav__logo" aria-hidden="true">
                S
              </span>
              Switchboard
            </div>
            <NewMessageButton />
            {NAV.map((item) =>
              navButton(
                item,
                item.view === "inbox" && status.unread_total > 0 ? (
                  <span className="nav__badge" data-testid="unread-total">
                    {status.unread_total}
                  </span>
                ) : undefined,
              ),
            )}
            <div className="nav__spacer" />
            {NAV_BOTTOM.map((item) =>
              navButton(
                item,
                item.view === "sync" && status.sync_paused ? (
                  <span className="nav__badge nav__badge--muted" title="Sync paused">
                    <Icon name="pause" />
                  </span>
                ) : undefined,
              ),
            )}
          </nav>
          <div className="main">
            <header className="topbar">
              <SearchBox inputRef={searchInput} onSearch={nav.search} />
              <SyncStatusBar />
              {status.sync_paused && (
                <button type="button" className="pill pill--warning" onClick={() => nav.go("sync")}>
                  <Icon name="pause" /> Sync paused
                </button>
              )}
            </header>
            <main className="view" data-view={view} ref={mainRef} tabIndex={-1}>
              {view === "inbox" && <InboxView />}
              {view === "calendar" && <CalendarView />}
              {view === "tickets" && <TicketsView />}
              {view === "contacts" && <ContactsView />}
              {view === "settings" && (
                <SettingsView
                  status={status}
                  highlightAddAccount={nav.state.settingsNote === "add-account"}
                  onShowWelcome={onShowWelcome}
                />
              )}
              {view === "sync" && <SyncHealthView />}
            </main>
          </div>
        </div>
      </ComposeProvider>
    </KeyboardProvider>
  );
}

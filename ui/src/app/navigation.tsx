// Where the person is in the app: the current view and what is open in it. One small
// reducer instead of a router: the app has one window and no URLs to share.
import { createContext, useContext, useMemo, useReducer, type ReactNode } from "react";
import type { OpenTarget, TicketSummary } from "../ipc/bindings";

export const VIEWS = ["inbox", "calendar", "tickets", "contacts", "settings", "sync"] as const;
export type View = (typeof VIEWS)[number];

export interface NavState {
  view: View;
  /** Thread shown in the reading pane. */
  threadId: number | null;
  /** The submitted search; while set, the inbox lists hits instead of threads. */
  searchQuery: string | null;
  /** Bumped on every submit so re-running the same query refocuses the results. */
  searchSerial: number;
  accountId: number | null;
  ticketId: number | null;
  /** The ticket's row when it was opened from somewhere that had it (a contact). */
  ticketSnapshot: TicketSummary | null;
  contactId: number | null;
  eventId: number | null;
  /** Local midnight (ms) of the Monday of the week on screen; null = this week. */
  calendarWeek: number | null;
  /** Why Settings was opened, when it was opened for a reason. */
  settingsNote: "add-account" | null;
}

type Action =
  | { type: "go"; view: View }
  | { type: "openThread"; id: number }
  | { type: "closeThread" }
  | { type: "search"; query: string }
  | { type: "clearSearch" }
  | { type: "setAccount"; id: number | null }
  | { type: "openTicket"; id: number; snapshot: TicketSummary | null }
  | { type: "closeTicket" }
  | { type: "openContact"; id: number }
  | { type: "closeContact" }
  | { type: "showEvent"; id: number; week: number | null }
  | { type: "closeEvent" }
  | { type: "setWeek"; week: number | null }
  | { type: "addAccount" };

export function initialNavState(view: View = "inbox"): NavState {
  return {
    view,
    threadId: null,
    searchQuery: null,
    searchSerial: 0,
    accountId: null,
    ticketId: null,
    ticketSnapshot: null,
    contactId: null,
    eventId: null,
    calendarWeek: null,
    settingsNote: null,
  };
}

export function navReducer(state: NavState, action: Action): NavState {
  switch (action.type) {
    case "go":
      return { ...state, view: action.view, settingsNote: action.view === "settings" ? state.settingsNote : null };
    case "openThread":
      return { ...state, view: "inbox", threadId: action.id };
    case "closeThread":
      return { ...state, threadId: null };
    case "search":
      return { ...state, view: "inbox", searchQuery: action.query, searchSerial: state.searchSerial + 1 };
    case "clearSearch":
      return { ...state, searchQuery: null };
    case "setAccount":
      return { ...state, accountId: action.id, searchQuery: null };
    case "openTicket":
      return { ...state, view: "tickets", ticketId: action.id, ticketSnapshot: action.snapshot };
    case "closeTicket":
      return { ...state, ticketId: null, ticketSnapshot: null };
    case "openContact":
      return { ...state, view: "contacts", contactId: action.id };
    case "closeContact":
      return { ...state, contactId: null };
    case "showEvent":
      return { ...state, view: "calendar", eventId: action.id, calendarWeek: action.week ?? state.calendarWeek };
    case "closeEvent":
      return { ...state, eventId: null };
    case "setWeek":
      return { ...state, calendarWeek: action.week };
    case "addAccount":
      return { ...state, view: "settings", settingsNote: "add-account" };
  }
}

export interface Navigation {
  state: NavState;
  go(view: View): void;
  openThread(id: number): void;
  closeThread(): void;
  search(query: string): void;
  clearSearch(): void;
  setAccount(id: number | null): void;
  openTicket(id: number, snapshot?: TicketSummary): void;
  closeTicket(): void;
  openContact(id: number): void;
  closeContact(): void;
  showEvent(id: number, week?: number): void;
  closeEvent(): void;
  setWeek(week: number | null): void;
  addAccount(): void;
  /** A desktop notification was clicked. */
  openTarget(target: OpenTarget): void;
}

const NavigationContext = createContext<Navigation | null>(null);

export function NavigationProvider({ initial, children }: { initial: NavState; children: ReactNode }) {
  const [state, dispatch] = useReducer(navReducer, initial);
  const nav = useMemo<Navigation>(
    () => ({
      state,
      go: (view) => dispatch({ type: "go", view }),
      openThread: (id) => dispatch({ type: "openThread", id }),
      closeThread: () => dispatch({ type: "closeThread" }),
      search: (query) => dispatch({ type: "search", query }),
      clearSearch: () => dispatch({ type: "clearSearch" }),
      setAccount: (id) => dispatch({ type: "setAccount", id }),
      openTicket: (id, snapshot) => dispatch({ type: "openTicket", id, snapshot: snapshot ?? null }),
      closeTicket: () => dispatch({ type: "closeTicket" }),
      openContact: (id) => dispatch({ type: "openContact", id }),
      closeContact: () => dispatch({ type: "closeContact" }),
      showEvent: (id, week) => dispatch({ type: "showEvent", id, week: week ?? null }),
      closeEvent: () => dispatch({ type: "closeEvent" }),
      setWeek: (week) => dispatch({ type: "setWeek", week }),
      addAccount: () => dispatch({ type: "addAccount" }),
      openTarget: (target) => {
        switch (target.kind) {
          case "thread":
            dispatch({ type: "clearSearch" });
            dispatch({ type: "openThread", id: target.id });
            return;
          case "ticket":
            dispatch({ type: "openTicket", id: target.id, snapshot: null });
            return;
          case "event":
            // No command looks an event up by id, so the calendar opens on its current
            // week and highlights the event if it is there.
            dispatch({ type: "showEvent", id: target.id, week: null });
            return;
        }
      },
    }),
    [state],
  );
  return <NavigationContext.Provider value={nav}>{children}</NavigationContext.Provider>;
}

export function useNavigation(): Navigation {
  const nav = useContext(NavigationContext);
  if (!nav) throw new Error("useNavigation outside NavigationProvider");
  return nav;
}

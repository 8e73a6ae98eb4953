// Answers the mocked `invoke` with fixture DTOs, command by command, and records every
// call so tests can assert the exact arguments the UI sent.
import { invoke } from "@tauri-apps/api/core";
import { vi } from "vitest";
import type { ApiError } from "../ipc/bindings";
import {
  appStatusFixture,
  contactDetailFixture,
  contactFixture,
  syncHealthFixture,
  threadDetailFixture,
  threadPage,
  ticketFixture,
  ticketSourcesFixture,
} from "./fixtures";

type Args = Record<string, unknown> | undefined;
export type Handler = (args: Args) => unknown;

const defaults: Record<string, Handler> = {
  app_status: () => appStatusFixture(),
  list_accounts: () => [
    { id: 1, name: "Work", kind: "imap", email: "me@work.test", message_count: 10, unread_count: 2 },
    { id: 2, name: "Personal", kind: "gmail", email: "me@home.test", message_count: 5, unread_count: 0 },
  ],
  list_threads: (a) => {
    const args = a?.args as { offset: number; limit: number };
    return threadPage(args.offset, args.limit, 250);
  },
  get_thread: (a) => threadDetailFixture(a?.id as number),
  search: () => [],
  list_events: () => [],
  list_calendars: () => [],
  list_ticket_sources: () => ticketSourcesFixture,
  list_tickets: (a) => {
    const args = a?.args as { offset: number; limit: number };
    return { total: 3, offset: args.offset, items: [1, 2, 3].map((i) => ticketFixture(i)) };
  },
  list_contacts: (a) => {
    const args = a?.args as { offset: number };
    return { total: 3, offset: args.offset, items: [1, 2, 3].map((i) => contactFixture(i)) };
  },
  get_contact: (a) => contactDetailFixture(a?.id as number),
  sync_health: () => syncHealthFixture(),
  set_sync_paused: () => null,
  stats: () => ({
    accounts: 2,
    messages: 15,
    malformed_messages: 1,
    threads: 9,
    contacts: 3,
    calendars: 1,
    events: 4,
    ticket_sources: 2,
    tickets: 3,
  }),
  open_demo_workspace: () => ({ mail: [], events: 4, tickets: 3, contacts: 3 }),
  list_outbox: () => [],
  apply_mail_action: () => null,
  get_undo_send_secs: () => 10,
  invitation_of_message: () => null,
  calendar_settings: () => ({
    meeting_link_template: null,
    default_reminder_minutes: null,
    time_zone: null,
    working_hours: ["Mon-Fri 09:00-17:00"],
  }),
};

export interface Backend {
  calls: { cmd: string; args: Args }[];
  callsTo(cmd: string): Args[];
}

export function mockBackend(handlers: Record<string, Handler> = {}): Backend {
  const backend: Backend = {
    calls: [],
    callsTo: (cmd) => backend.calls.filter((c) => c.cmd === cmd).map((c) => c.args),
  };
  vi.mocked(invoke).mockImplementation(async (cmd: string, args?: unknown) => {
    backend.calls.push({ cmd, args: args as Args });
    const handler = handlers[cmd] ?? defaults[cmd];
    if (!handler) throw { code: "internal", message: `no fixture for ${cmd}` } satisfies ApiError;
    return handler(args as Args);
  });
  return backend;
}

/** A command failure as the backend sends it. */
export function apiError(code: ApiError["code"], message: string): never {
  throw { code, message } satisfies ApiError;
}

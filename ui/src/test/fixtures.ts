// Fixture DTOs shaped exactly like the generated bindings' types.
import type {
  AppStatus,
  ContactDetail,
  ContactSummary,
  EventInstance,
  MessageView,
  SearchHit,
  SyncHealth,
  ThreadDetail,
  ThreadSummary,
  TicketSourceView,
  TicketSummary,
} from "../ipc/bindings";

export const T0 = Date.UTC(2026, 2, 10, 15, 30); // Tue 10 Mar 2026, 11:30 in New York (EDT)

export function appStatusFixture(overrides: Partial<AppStatus> = {}): AppStatus {
  return {
    data_dir: "/home/test/.local/share/switchboard",
    has_data: true,
    store_error: null,
    sync_paused: false,
    unread_total: 3,
    ...overrides,
  };
}

export function threadFixture(id: number, overrides: Partial<ThreadSummary> = {}): ThreadSummary {
  return {
    id,
    subject: `Subject ${id}`,
    participants: [`Sender ${id}`, "Me"],
    last_date: T0 - id * 60_000,
    message_count: 1 + (id % 3),
    unread_count: id % 2,
    snippet: `Snippet for thread ${id}`,
    has_attachments: id % 4 === 0,
    flagged: id % 5 === 0,
    ...overrides,
  };
}

/** Thread ids are 1000 + index, so a row's id says where it sits in the list. */
export function threadPage(offset: number, limit: number, total: number) {
  const count = Math.max(0, Math.min(limit, total - offset));
  return { total, offset, items: Array.from({ length: count }, (_, i) => threadFixture(1000 + offset + i)) };
}

export function messageFixture(id: number, overrides: Partial<MessageView> = {}): MessageView {
  return {
    id,
    message_id: `<m${id}@example.test>`,
    subject: `Message ${id}`,
    from: { name: "Ada Lovelace", email: "ada@example.test" },
    to: [{ name: null, email: "me@example.test" }],
    cc: [],
    date: T0,
    unread: false,
    flagged: false,
    html: "<p>Hello <b>there</b></p>",
    blocked_remote: 0,
    trackers_removed: 0,
    remote_allowed: false,
    body_complete: true,
    text: "Hello there",
    attachments: [],
    parse_error: null,
    ...overrides,
  };
}

export function threadDetailFixture(id: number, messages: MessageView[] = [messageFixture(id * 10)]): ThreadDetail {
  return { id, subject: `Subject ${id}`, messages };
}

export function searchHitFixture(i: number, overrides: Partial<SearchHit> = {}): SearchHit {
  return {
    message_id: 500 + i,
    thread_id: 2000 + i,
    subject: `Invoice ${i}`,
    from: "Billing <billing@example.test>",
    date: T0 - i * 3_600_000,
    snippet_html: `your <mark>invoice</mark> #${i} &lt;due&gt;`,
    ...overrides,
  };
}

export function eventFixture(id: number, overrides: Partial<EventInstance> = {}): EventInstance {
  return {
    event_id: id,
    calendar_id: 1,
    calendar_name: "Work",
    color: "#3b6fe0",
    uid: `uid-${id}@example.test`,
    summary: `Event ${id}`,
    location: null,
    start: T0,
    end: T0 + 3_600_000,
    all_day: false,
    tzid: null,
    recurring: false,
    broken: null,
    recurrence_id: null,
    status: null,
    has_alarm: false,
    meeting_url: null,
    organizer: null,
    my_partstat: null,
    pending: false,
    conflict: null,
    ...overrides,
  };
}

export const ticketSourcesFixture: TicketSourceView[] = [
  { id: 7, name: "Support desk", kind: "fluent_support", ticket_count: 120 },
  { id: 9, name: "help@ mailbox", kind: "mailbox", ticket_count: 4 },
];

export function ticketFixture(id: number, overrides: Partial<TicketSummary> = {}): TicketSummary {
  return {
    id,
    source_id: 7,
    source_name: "Support desk",
    source_kind: "fluent_support",
    external_id: `FS-${id}`,
    title: `Ticket ${id}`,
    status: "active",
    urgency: "normal",
    customer_name: `Customer ${id}`,
    customer_email: `c${id}@example.test`,
    created_at: T0 - 86_400_000,
    updated_at: T0,
    ...overrides,
  };
}

export function contactFixture(id: number, overrides: Partial<ContactSummary> = {}): ContactSummary {
  return {
    id,
    name: `Contact ${id}`,
    emails: [`contact${id}@example.test`],
    company: "Acme",
    message_count: 2,
    ticket_count: 1,
    ...overrides,
  };
}

export function contactDetailFixture(id: number): ContactDetail {
  return {
    id,
    name: `Contact ${id}`,
    emails: [`contact${id}@example.test`, `c${id}@alt.example.test`],
    company: "Acme",
    messages: [
      { id: 71, thread_id: 3001, subject: "Renewal quote", from: `Contact ${id}`, date: T0 },
      { id: 72, thread_id: 3002, subject: "Kick-off notes", from: "Me", date: T0 - 86_400_000 },
    ],
    events: [eventFixture(41, { summary: "Quarterly review" })],
    tickets: [ticketFixture(55, { title: "Login fails" })],
  };
}

export function syncHealthFixture(overrides: Partial<SyncHealth> = {}): SyncHealth {
  return {
    paused: false,
    jobs: [
      { id: 1, kind: "imap_sync", state: "failed", attempts: 3, last_error: "connection refused", updated_at: T0 },
      { id: 2, kind: "send", state: "queued", attempts: 0, last_error: null, updated_at: T0 },
    ],
    cursors: [{ account: "work@example.test", scope: "INBOX", updated_at: T0 }],
    ...overrides,
  };
}

// Every cached query's key in one place, so invalidation and tests agree on them.
export const queryKeys = {
  appStatus: ["appStatus"] as const,
  accounts: ["accounts"] as const,
  accountStatuses: ["accountStatuses"] as const,
  threads: (accountId: number | null) => ["threads", accountId] as const,
  thread: (id: number) => ["thread", id] as const,
  search: (query: string) => ["search", query] as const,
  events: (from: number, to: number) => ["events", from, to] as const,
  ticketSources: ["ticketSources"] as const,
  tickets: (filter: { source_id: number | null; status: string | null; urgency: string | null; offset: number }) =>
    ["tickets", filter] as const,
  contacts: (query: string) => ["contacts", query] as const,
  contact: (id: number) => ["contact", id] as const,
  syncHealth: ["syncHealth"] as const,
  stats: ["stats"] as const,
};

// Outlook's per-app, per-mailbox limits: a request rate over a sliding window and a number of
// requests in flight at once. Only admitted requests count; a rejected one costs nothing.
// Defaults are Microsoft's documented Outlook service limits: 10,000 requests per 10 minutes
// and 4 concurrent requests (learn.microsoft.com/graph/throttling-limits#outlook-service-limits).

export const DEFAULT_LIMITS = { requests_per_window: 10000, window_ms: 600000, concurrency: 4 };

export class Throttle {
  constructor(limits = DEFAULT_LIMITS) {
    this.limits = { ...limits };
    this.windows = new Map(); // mailbox id -> { times: number[], head: number }
    this.inflight = new Map(); // mailbox id -> count
  }

  configure(changes) {
    for (const key of Object.keys(DEFAULT_LIMITS)) {
      if (changes[key] != null) this.limits[key] = Number(changes[key]);
    }
  }

  /** Admits a request (returns a release function) or returns { retryAfter, message }. */
  admit(mailboxId, now) {
    const inflight = this.inflight.get(mailboxId) ?? 0;
    if (inflight >= this.limits.concurrency) {
      return { retryAfter: 1, message: 'Application is over its MailboxConcurrency limit.' };
    }
    let w = this.windows.get(mailboxId);
    if (!w) {
      w = { times: [], head: 0 };
      this.windows.set(mailboxId, w);
    }
    while (w.head < w.times.length && w.times[w.head] <= now - this.limits.window_ms) w.head += 1;
    if (w.head > 4096) {
      w.times = w.times.slice(w.head);
      w.head = 0;
    }
    if (w.times.length - w.head >= this.limits.requests_per_window) {
      const wait = w.times[w.head] + this.limits.window_ms - now;
      return {
        retryAfter: Math.max(1, Math.ceil(wait / 1000)),
        message: 'Application is over its RequestRate limit.',
      };
    }
    w.times.push(now);
    this.inflight.set(mailboxId, inflight + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inflight.set(mailboxId, (this.inflight.get(mailboxId) ?? 1) - 1);
    };
  }
}

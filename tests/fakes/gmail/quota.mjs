// Gmail's per-user rate limit: quota units per method, summed over a sliding window.
//
// Units and the limit are from Google's "Usage limits" page for the Gmail API
// (developers.google.com/gmail/api/reference/quota): "Per user rate limit: 15,000 quota units
// per user per minute" (reason userRateLimitExceeded), and the per-method table below. Only
// the methods this fake implements are listed; the others answer 501 before quota is charged.

export const METHOD_UNITS = {
  'gmail.users.getProfile': 1,
  'gmail.users.labels.list': 1,
  'gmail.users.history.list': 2,
  'gmail.users.messages.list': 5,
  'gmail.users.messages.get': 5,
  'gmail.users.messages.modify': 5,
  'gmail.users.messages.trash': 5,
  'gmail.users.messages.untrash': 5,
  'gmail.users.messages.delete': 10,
  'gmail.users.messages.batchModify': 50,
  'gmail.users.messages.send': 100,
  'gmail.users.drafts.list': 5,
  'gmail.users.drafts.get': 5,
  'gmail.users.drafts.create': 10,
  'gmail.users.drafts.update': 15,
  'gmail.users.drafts.delete': 10,
  'gmail.users.drafts.send': 100,
};

export const DEFAULT_QUOTA_UNITS = 15000;
export const DEFAULT_WINDOW_MS = 60000;

/** Units spent in the last `windowMs`; a request that would go over is refused. */
export class QuotaWindow {
  constructor(limit, windowMs) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.spent = []; // [t, units], oldest first; `head` skips the expired ones
    this.head = 0;
    this.sum = 0;
  }

  expire(now) {
    while (this.head < this.spent.length && this.spent[this.head][0] <= now - this.windowMs) {
      this.sum -= this.spent[this.head][1];
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.spent.length) {
      this.spent = this.spent.slice(this.head);
      this.head = 0;
    }
  }

  /** Charges `units` at `now` (ms, monotonic) or answers how long until they would fit. */
  admit(units, now) {
    this.expire(now);
    if (this.sum + units <= this.limit) {
      this.spent.push([now, units]);
      this.sum += units;
      return { ok: true };
    }
    let freed = 0;
    for (let i = this.head; i < this.spent.length; i += 1) {
      freed += this.spent[i][1];
      if (this.sum - freed + units <= this.limit) {
        return { ok: false, retryAfterMs: this.spent[i][0] + this.windowMs - now };
      }
    }
    // More than the whole window holds: it never fits; say "a full window".
    return { ok: false, retryAfterMs: this.windowMs };
  }
}

// The control API (/__control/…, no auth): what tests do behind the client's back — other
// clients and attendees changing events, calendars appearing and going, sync tokens and
// access tokens expiring, injected failures — and what the client sent.

import { badRequest, notFound } from '../gmail/errors.mjs';
import { violationsOf } from './contract.mjs';

/** Writes "as another client": the same rules as the API, Meet creation on. */
const other = (body) => ({ conferenceVersion: 1, sendUpdates: body.sendUpdates ?? 'none', ifMatch: undefined });

const routes = [
  ['POST', /^\/__control\/grant$/, (s, body) => s.tokens.grant(body.scope ?? 'https://www.googleapis.com/auth/calendar')],
  [
    'POST',
    /^\/__control\/calendars$/,
    (s, body) => {
      const c = s.account.addCalendar(body);
      return { id: c.id };
    },
  ],
  [
    'DELETE',
    /^\/__control\/calendars\/([^/]+)$/,
    (s, _b, m) => {
      const id = decodeURIComponent(m[1]);
      if (!s.account.calendars.delete(id)) throw notFound();
      return {};
    },
  ],
  [
    'POST',
    /^\/__control\/events$/,
    (s, body) => {
      const calendar = s.account.calendar(body.calendarId ?? 'primary');
      if (!body.event) throw badRequest('event is required');
      return s.account.insert(calendar, body.event, other(body));
    },
  ],
  [
    'PATCH',
    /^\/__control\/events$/,
    (s, body) => {
      const calendar = s.account.calendar(body.calendarId ?? 'primary');
      return s.account.modify(calendar, body.eventId, body.patch ?? {}, other(body), false);
    },
  ],
  [
    'DELETE',
    /^\/__control\/events$/,
    (s, body) => {
      s.account.remove(s.account.calendar(body.calendarId ?? 'primary'), body.eventId, other(body));
      return {};
    },
  ],
  [
    'POST',
    /^\/__control\/respond$/,
    (s, body) => s.account.respond(s.account.calendar(body.calendarId ?? 'primary'), body.eventId, body.email, body.responseStatus),
  ],
  [
    'POST',
    /^\/__control\/expire-sync-tokens$/,
    (s, body) => {
      s.account.expireSyncTokens(body.calendarId ?? null);
      return {};
    },
  ],
  ['POST', /^\/__control\/expire-tokens$/, (s) => (s.tokens.expireAccess(), {})],
  ['POST', /^\/__control\/revoke$/, (s) => (s.tokens.revokeRefresh(), {})],
  [
    'POST',
    /^\/__control\/fail$/,
    (s, body) => {
      const status = Number(body.status);
      if (!(status >= 400 && status <= 599)) throw badRequest('status must be 400-599');
      s.failures.push({ status, count: Number(body.count ?? 1), pathContains: body.path_contains ?? null, retryAfter: body.retry_after ?? null, reason: body.reason ?? null, after: Number(body.after ?? 0) });
      return {};
    },
  ],
  ['POST', /^\/__control\/config$/, (s, body) => (s.configure(body), s.config())],
  [
    'GET',
    /^\/__control\/state$/,
    (s) => ({
      calendars: [...s.account.calendars.values()].map((c) => ({
        id: c.id,
        summary: c.summary,
        timeZone: c.timeZone,
        inList: c.inList,
        generation: c.generation,
        events: [...c.events.values()].map((r) => r.resource).sort((a, b) => (a.id < b.id ? -1 : 1)),
      })),
      notifications: s.account.notifications,
    }),
  ],
  ['GET', /^\/__control\/requests$/, (s) => s.requests.map((r) => r.entry)],
  ['DELETE', /^\/__control\/requests$/, (s) => ((s.requests = []), {})],
  ['GET', /^\/__control\/contract$/, (s) => ({ violations: s.requests.flatMap((r) => violationsOf(r.entry, r.query, r.bodyFields)) })],
];

/** Answers a control request: [status, json]. */
export function control(state, method, pathname, rawBody) {
  for (const [verb, pattern, handle] of routes) {
    const match = pattern.exec(pathname);
    if (!match || verb !== method) continue;
    let body = {};
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        throw badRequest('control body is not JSON');
      }
    }
    return [200, handle(state, body, match)];
  }
  throw notFound();
}

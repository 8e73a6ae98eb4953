// /__control/calendar: what a test does to the fake's calendars behind the client's back
// (another client creating, editing and deleting events, an organizer inviting the user),
// expiring calendarView delta tokens, and inspection (instances in a window, invitations
// Exchange would have sent, contract violations). No auth. Bodies and answers are JSON.
//
//   POST /calendars {mailbox?, name, hexColor?, color?, canEdit?}        -> {id}
//   POST /events {mailbox?, calendar?, event, organizer?: {name, address}} -> {id, iCalUId, changeKey}
//   POST /events/update {id, changes}   (an occurrence id makes an exception) -> {id, changeKey}
//   POST /events/delete {id}            (an occurrence id cancels that occurrence)
//   POST /instances {mailbox?, calendar?, from, to}  -> {value: [instances, times in UTC]}
//   POST /expire-delta {code?: syncStateNotFound | resyncRequired}
//   GET  /state     -> {mailboxes: [{address, calendars, events}], invitations}
//   GET  /contract  -> {violations}  (enum values, time zones; the CSDL re-check is /__control/contract)
//
// Throttling and injected failures (429 + Retry-After, 5xx, 401) are the mail fake's
// /__control/config and /__control/fail; they apply to calendar requests alike.

import { reply } from './http.mjs';
import { CalendarNotFound, instanceJson } from './calendar-store.mjs';

export class CalendarControl {
  /** `api()` returns the CalendarApi (created once the server listens). */
  constructor({ calendars, api, settings }) {
    Object.assign(this, { calendars, api, settings });
  }

  #mailbox(address) {
    return this.calendars.mailbox(address ?? this.settings.user);
  }

  handle(method, path, b) {
    try {
      return this.#route(method, path, b);
    } catch (e) {
      if (e instanceof CalendarNotFound) return reply(404, { error: e.message });
      return reply(400, { error: String(e.message ?? e) });
    }
  }

  #route(method, path, b) {
    switch (`${method} ${path}`) {
      case 'POST /calendars': {
        if (!b.name) throw new Error('name is required');
        const cal = this.#mailbox(b.mailbox).addCalendar({
          name: b.name, hexColor: b.hexColor ?? '#8764b8', color: b.color ?? 'lightPurple', canEdit: b.canEdit ?? true,
        });
        return reply(200, { id: cal.id });
      }
      case 'POST /events': {
        const mbx = this.#mailbox(b.mailbox);
        if (!b.event?.start || !b.event?.end) throw new Error('event.start and event.end are required');
        const organizer = b.organizer ? { emailAddress: { name: b.organizer.name ?? b.organizer.address, address: b.organizer.address } } : undefined;
        const ev = mbx.create(mbx.calendar(b.calendar), b.event, { organizer });
        return reply(200, { id: ev.id, iCalUId: ev.iCalUId, changeKey: ev.changeKey });
      }
      case 'POST /events/update': {
        const { mbx, found } = this.calendars.findAnywhere(b.id);
        const after = mbx.update(found, b.changes ?? {});
        const ev = after.ev ?? after.ex;
        return reply(200, { id: ev.id, changeKey: ev.changeKey });
      }
      case 'POST /events/delete': {
        const { mbx, found } = this.calendars.findAnywhere(b.id);
        mbx.remove(found);
        return reply(200, {});
      }
      case 'POST /instances': {
        const mbx = this.#mailbox(b.mailbox);
        const from = Date.parse(b.from);
        const to = Date.parse(b.to);
        if (Number.isNaN(from) || Number.isNaN(to)) throw new Error('from and to are RFC 3339 instants');
        const list = mbx.instances(mbx.calendar(b.calendar), from, to);
        return reply(200, { value: list.map((e) => instanceJson(e, 'UTC')) });
      }
      case 'POST /expire-delta':
        if (b.code !== undefined && !['syncStateNotFound', 'resyncRequired'].includes(b.code)) throw new Error('code is syncStateNotFound or resyncRequired');
        this.api().expireAll(b.code);
        return reply(200, {});
      case 'GET /state':
        return reply(200, this.#state());
      case 'GET /contract':
        return reply(200, { violations: this.api()?.violations ?? [] });
      default:
        return reply(404, { error: `no control endpoint ${method} /calendar${path}` });
    }
  }

  #state() {
    const mailboxes = [...this.calendars.mailboxes.values()].map((mbx) => ({
      address: mbx.address,
      calendars: [...mbx.calendars.values()].map((c) => mbx.calendarJson(c)),
      events: [...mbx.events.values()].map((e) => ({
        ...instanceJson(e, 'UTC'),
        calendarId: e.calendarId,
        exceptions: [...e.exceptions.values()].map((x) => instanceJson(x, 'UTC')),
        cancelled: [...e.cancelled].map((ms) => new Date(ms).toISOString()),
      })),
    }));
    return { mailboxes, invitations: this.calendars.invitations };
  }
}

// The calendars, grouped by account: a colour swatch to change the colour and a checkbox
// to show or hide each one (update_calendar). Changes show at once and are undone if
// the backend refuses them.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ErrorNote } from "../../components/ErrorNote";
import { CALENDARS_KEY, EVENTS_PREFIX } from "./data";
import { updateCalendar, type CalendarInfo, type UpdateCalendarArgs } from "../../ipc/bindings";

const KIND_LABEL: Record<string, string> = {
  local: "On this computer",
  caldav: "CalDAV",
  gcal: "Google Calendar",
  graphcal: "Microsoft 365",
};

export function groupByAccount(calendars: CalendarInfo[]): { accountId: number; name: string; kind: CalendarInfo["kind"]; calendars: CalendarInfo[] }[] {
  const groups = new Map<number, { accountId: number; name: string; kind: CalendarInfo["kind"]; calendars: CalendarInfo[] }>();
  for (const c of calendars) {
    let g = groups.get(c.account_id);
    if (!g) groups.set(c.account_id, (g = { accountId: c.account_id, name: c.account_name, kind: c.kind, calendars: [] }));
    g.calendars.push(c);
  }
  return [...groups.values()];
}

export function CalendarSidebar({ calendars, error, onRetry }: { calendars: CalendarInfo[] | undefined; error: unknown; onRetry(): void }) {
  const queryClient = useQueryClient();
  const update = useMutation({
    mutationFn: (args: UpdateCalendarArgs) => updateCalendar(args),
    onMutate: async (args) => {
      await queryClient.cancelQueries({ queryKey: CALENDARS_KEY });
      const before = queryClient.getQueryData<CalendarInfo[]>(CALENDARS_KEY);
      queryClient.setQueryData<CalendarInfo[]>(CALENDARS_KEY, (old) =>
        old?.map((c) =>
          c.id === args.id
            ? { ...c, visible: args.visible ?? c.visible, color: args.color ?? c.color }
            : c,
        ),
      );
      return { before };
    },
    onError: (_err, _args, context) => {
      if (context?.before) queryClient.setQueryData(CALENDARS_KEY, context.before);
    },
    onSuccess: (saved) => {
      queryClient.setQueryData<CalendarInfo[]>(CALENDARS_KEY, (old) => old?.map((c) => (c.id === saved.id ? saved : c)));
      // Listed events carry their calendar's colour.
      void queryClient.invalidateQueries({ queryKey: EVENTS_PREFIX });
    },
  });

  return (
    <aside className="calendar-sidebar" aria-label="Calendars" data-testid="calendar-sidebar">
      {error !== null && error !== undefined && <ErrorNote error={error} onRetry={onRetry} />}
      {calendars && calendars.length === 0 && <p className="muted">No calendars yet. Add a calendar account in Settings.</p>}
      {update.isError && <ErrorNote error={update.error} />}
      {groupByAccount(calendars ?? []).map((group) => (
        <section key={group.accountId} className="calendar-sidebar__group" data-testid="calendar-group" data-account={group.name}>
          <h3 title={KIND_LABEL[group.kind] ?? group.kind}>{group.name}</h3>
          <ul>
            {group.calendars.map((c) => (
              <li key={c.id} data-testid="calendar-item" data-calendar-id={c.id}>
                <label className="calendar-sidebar__swatch" title={`Colour of ${c.name}`} style={{ background: c.color }}>
                  <input
                    type="color"
                    aria-label={`Colour of ${c.name}`}
                    data-testid="calendar-color"
                    value={/^#[0-9a-f]{6}$/i.test(c.color) ? c.color : "#3b6fe0"}
                    onChange={(e) => update.mutate({ id: c.id, color: e.target.value, visible: null })}
                  />
                </label>
                <label className="calendar-sidebar__name">
                  <input
                    type="checkbox"
                    data-testid="calendar-visible"
                    checked={c.visible}
                    aria-label={`Show ${c.name}`}
                    onChange={(e) => update.mutate({ id: c.id, visible: e.target.checked, color: null })}
                  />
                  <span>{c.name}</span>
                  {c.read_only && <span className="muted calendar-sidebar__tag">read-only</span>}
                </label>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </aside>
  );
}

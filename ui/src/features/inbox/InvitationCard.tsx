// A calendar invitation (or cancellation, or answer) carried by a message, shown above
// its body: what, when (in the viewer's zone), who, where, and my answer so far. A
// REQUEST can be answered from here; the answer goes to the organizer and the event
// lands in a calendar.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { invitationOfMessage, respondToInvitation, type InvitationView } from "../../ipc/bindings";
import { toApiError } from "../../ipc/errors";
import { ErrorNote } from "../../components/ErrorNote";
import { EVENT_CALENDAR_CHANGED, invalidateCalendar } from "../calendar/data";
import { useBackendEvent } from "../sync/syncEvents";
import "./invitation.css";

export const invitationKey = (messageId: number) => ["invitation", messageId] as const;

export type Answer = "ACCEPTED" | "TENTATIVE" | "DECLINED";

const ANSWERS: { value: Answer; label: string }[] = [
  { value: "ACCEPTED", label: "Accept" },
  { value: "TENTATIVE", label: "Tentative" },
  { value: "DECLINED", label: "Decline" },
];

export function methodLabel(method: string): string {
  switch (method.toUpperCase()) {
    case "REQUEST":
      return "Invitation";
    case "CANCEL":
      return "Cancelled";
    case "REPLY":
      return "Reply";
    case "PUBLISH":
      return "Event";
    case "COUNTER":
      return "New time proposed";
    case "DECLINECOUNTER":
      return "Proposal declined";
    case "REFRESH":
      return "Update request";
    case "ADD":
      return "Added occurrence";
    default:
      return method || "Event";
  }
}

export function partstatLabel(partstat: string | null): string {
  switch ((partstat ?? "NEEDS-ACTION").toUpperCase()) {
    case "ACCEPTED":
      return "Accepted";
    case "TENTATIVE":
      return "Tentative";
    case "DECLINED":
      return "Declined";
    case "DELEGATED":
      return "Delegated";
    case "NEEDS-ACTION":
      return "Not answered yet";
    default:
      return partstat ?? "Not answered yet";
  }
}

const DAY_MS = 86_400_000;

/**
 * The time span in the viewer's zone. An all-day event's instants are the UTC midnights
 * of its dates with an exclusive end, so its dates are read in UTC and the last day is
 * the one before `end`.
 */
export function formatWhen(inv: Pick<InvitationView, "start" | "end" | "all_day">, locale?: string): string {
  if (inv.all_day) {
    const fmt = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeZone: "UTC" });
    const last = Math.max(inv.start, inv.end - DAY_MS);
    if (last === inv.start) return fmt.format(inv.start);
    return fmt.formatRange(inv.start, last);
  }
  const fmt = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" });
  if (inv.end <= inv.start) return fmt.format(inv.start);
  return fmt.formatRange(inv.start, inv.end);
}

export function InvitationCard({ messageId }: { messageId: number }) {
  const queryClient = useQueryClient();
  const invitation = useQuery({ queryKey: invitationKey(messageId), queryFn: () => invitationOfMessage(messageId) });
  // A sync or an answer given elsewhere (the calendar, another device) may change my answer.
  useBackendEvent<null>(EVENT_CALENDAR_CHANGED, () => {
    void queryClient.invalidateQueries({ queryKey: invitationKey(messageId) });
  });
  const respond = useMutation({
    mutationFn: (partstat: Answer) => respondToInvitation({ message_id: messageId, partstat }),
    onSuccess: async () => {
      invalidateCalendar(queryClient);
      await queryClient.invalidateQueries({ queryKey: invitationKey(messageId) });
    },
  });

  if (invitation.isError) {
    return (
      <div className="invitation" data-testid="invitation-error">
        <ErrorNote error={invitation.error} onRetry={() => void invitation.refetch()} />
      </div>
    );
  }
  const inv = invitation.data;
  if (!inv) return null;

  const method = inv.method.toUpperCase();
  const cancelled = method === "CANCEL";
  const mine = (inv.my_partstat ?? "NEEDS-ACTION").toUpperCase();
  const showAnswer = method === "REQUEST" || inv.my_partstat !== null;
  return (
    <section
      className={`invitation${cancelled ? " invitation--cancelled" : ""}`}
      data-testid="invitation"
      data-method={method}
      aria-label={`${methodLabel(method)}: ${inv.summary || "(no title)"}`}
    >
      <header className="invitation__header">
        <span className={`pill${cancelled ? " pill--warning" : ""}`} data-testid="invitation-method">
          {methodLabel(method)}
        </span>
        <h3 className="invitation__summary" data-testid="invitation-summary">
          {inv.summary || "(no title)"}
        </h3>
      </header>
      <dl className="invitation__facts">
        <dt>When</dt>
        <dd data-testid="invitation-when">{formatWhen(inv)}</dd>
        {inv.organizer && (
          <>
            <dt>Organizer</dt>
            <dd data-testid="invitation-organizer">{inv.organizer}</dd>
          </>
        )}
        {inv.location && (
          <>
            <dt>Where</dt>
            <dd data-testid="invitation-location">{inv.location}</dd>
          </>
        )}
        {showAnswer && (
          <>
            <dt>Your answer</dt>
            <dd data-testid="invitation-answer">{partstatLabel(inv.my_partstat)}</dd>
          </>
        )}
      </dl>
      {inv.broken && (
        <p className="invitation__broken" data-testid="invitation-broken">
          This invitation could not be read completely: {inv.broken}
        </p>
      )}
      {method === "REQUEST" && (
        <div className="invitation__actions" role="group" aria-label="Answer the invitation">
          {ANSWERS.map((a) => (
            <button
              key={a.value}
              type="button"
              className={`btn btn--small${mine === a.value ? " btn--primary" : ""}`}
              aria-pressed={mine === a.value}
              disabled={respond.isPending}
              onClick={() => respond.mutate(a.value)}
            >
              {a.label}
            </button>
          ))}
        </div>
      )}
      {respond.isError && (
        <p className="form-error invitation__error" role="alert" data-testid="invitation-respond-error">
          {toApiError(respond.error).message}
        </p>
      )}
    </section>
  );
}

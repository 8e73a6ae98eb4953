import { act, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { InvitationView } from "../../ipc/bindings";
import { apiError, mockBackend, type Handler } from "../../test/backend";
import { messageFixture, threadDetailFixture } from "../../test/fixtures";
import { renderApp } from "../../test/render";
import { emitTauriEvent, listenerCount } from "../../test/tauriEvents";
import { formatWhen } from "./InvitationCard";

// 2026-03-17 14:00–15:00 UTC = 10:00–11:00 in the tests' zone (America/New_York, EDT).
const START = Date.UTC(2026, 2, 17, 14, 0);
const END = Date.UTC(2026, 2, 17, 15, 0);

function invitation(overrides: Partial<InvitationView> = {}): InvitationView {
  return {
    method: "REQUEST",
    uid: "review@acme.test",
    summary: "Quarterly review",
    start: START,
    end: END,
    all_day: false,
    location: "Room 4",
    organizer: "dana@acme.test",
    my_partstat: "NEEDS-ACTION",
    calendar_id: null,
    broken: null,
    ...overrides,
  };
}

async function openMessage(handlers: Record<string, Handler>) {
  const backend = mockBackend({
    get_thread: (a) => threadDetailFixture(a?.id as number, [messageFixture(7)]),
    ...handlers,
  });
  const { user } = renderApp();
  await user.click((await screen.findAllByTestId("thread-row"))[0]!);
  const pane = await screen.findByTestId("reading-pane");
  await within(pane).findByTestId("message");
  return { backend, user, pane };
}

describe("invitation card", () => {
  it("shows a REQUEST above the body with its time in the viewer's zone", async () => {
    const { backend, pane } = await openMessage({ invitation_of_message: () => invitation() });
    const card = await within(pane).findByTestId("invitation");
    expect(backend.callsTo("invitation_of_message")).toContainEqual({ messageId: 7 });
    expect(within(card).getByTestId("invitation-method").textContent).toBe("Invitation");
    expect(within(card).getByTestId("invitation-summary").textContent).toBe("Quarterly review");
    const when = within(card).getByTestId("invitation-when").textContent ?? "";
    expect(when).toContain("10:00");
    expect(when).toContain("11:00");
    expect(when).toContain("17");
    expect(within(card).getByTestId("invitation-organizer").textContent).toBe("dana@acme.test");
    expect(within(card).getByTestId("invitation-location").textContent).toBe("Room 4");
    expect(within(card).getByTestId("invitation-answer").textContent).toBe("Not answered yet");
    expect(within(card).queryByTestId("invitation-broken")).toBeNull();
    // Above the body.
    const body = within(pane).getByTestId("message-body");
    expect(card.compareDocumentPosition(body) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    for (const name of ["Accept", "Tentative", "Decline"]) {
      expect(within(card).getByRole("button", { name }).getAttribute("aria-pressed")).toBe("false");
    }
  });

  it("Accept answers the invitation and shows the answer as chosen", async () => {
    let partstat = "NEEDS-ACTION";
    const { backend, user, pane } = await openMessage({
      invitation_of_message: () => invitation({ my_partstat: partstat }),
      respond_to_invitation: (a) => {
        partstat = (a?.args as { partstat: string }).partstat;
        return null;
      },
    });
    const card = await within(pane).findByTestId("invitation");
    await user.click(within(card).getByRole("button", { name: "Accept" }));
    await waitFor(() => expect(within(card).getByTestId("invitation-answer").textContent).toBe("Accepted"));
    expect(backend.callsTo("respond_to_invitation")).toEqual([{ args: { message_id: 7, partstat: "ACCEPTED" } }]);
    expect(within(card).getByRole("button", { name: "Accept" }).getAttribute("aria-pressed")).toBe("true");
    expect(within(card).getByRole("button", { name: "Decline" }).getAttribute("aria-pressed")).toBe("false");
  });

  it("calendar://changed refetches my answer", async () => {
    let partstat = "NEEDS-ACTION";
    const { pane } = await openMessage({ invitation_of_message: () => invitation({ my_partstat: partstat }) });
    const card = await within(pane).findByTestId("invitation");
    await waitFor(() => expect(listenerCount("calendar://changed")).toBeGreaterThan(0));
    partstat = "DECLINED";
    act(() => emitTauriEvent("calendar://changed", null));
    await waitFor(() => expect(within(card).getByTestId("invitation-answer").textContent).toBe("Declined"));
    expect(within(card).getByRole("button", { name: "Decline" }).getAttribute("aria-pressed")).toBe("true");
  });

  it("disables the buttons while the answer is on its way", async () => {
    let finish: (v: null) => void = () => {};
    const { user, pane } = await openMessage({
      invitation_of_message: () => invitation(),
      respond_to_invitation: () => new Promise<null>((resolve) => (finish = resolve)),
    });
    const card = await within(pane).findByTestId("invitation");
    await user.click(within(card).getByRole("button", { name: "Decline" }));
    await waitFor(() =>
      expect(within(card).getAllByRole("button").every((b) => (b as HTMLButtonElement).disabled)).toBe(true),
    );
    finish(null);
    await waitFor(() =>
      expect(within(card).getAllByRole("button").every((b) => !(b as HTMLButtonElement).disabled)).toBe(true),
    );
  });

  it("shows the server's message when answering fails", async () => {
    const { user, pane } = await openMessage({
      invitation_of_message: () => invitation(),
      respond_to_invitation: () => apiError("invalid_input", "no writable calendar to put the event in"),
    });
    const card = await within(pane).findByTestId("invitation");
    await user.click(within(card).getByRole("button", { name: "Tentative" }));
    expect((await within(card).findByTestId("invitation-respond-error")).textContent).toBe(
      "no writable calendar to put the event in",
    );
    expect(within(card).getByTestId("invitation-answer").textContent).toBe("Not answered yet");
    expect((within(card).getByRole("button", { name: "Tentative" }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("a CANCEL is labelled Cancelled and offers no answer buttons", async () => {
    const { pane } = await openMessage({
      invitation_of_message: () => invitation({ method: "CANCEL", my_partstat: "ACCEPTED" }),
    });
    const card = await within(pane).findByTestId("invitation");
    expect(within(card).getByTestId("invitation-method").textContent).toBe("Cancelled");
    expect(within(card).queryAllByRole("button")).toEqual([]);
  });

  it("a REPLY is labelled Reply", async () => {
    const { pane } = await openMessage({ invitation_of_message: () => invitation({ method: "REPLY", my_partstat: null }) });
    const card = await within(pane).findByTestId("invitation");
    expect(within(card).getByTestId("invitation-method").textContent).toBe("Reply");
    expect(within(card).queryAllByRole("button")).toEqual([]);
    expect(within(card).queryByTestId("invitation-answer")).toBeNull();
  });

  it("notes an invitation that could not be read completely", async () => {
    const { pane } = await openMessage({
      invitation_of_message: () => invitation({ broken: "RRULE could not be read" }),
    });
    const card = await within(pane).findByTestId("invitation");
    expect(within(card).getByTestId("invitation-broken").textContent).toContain("RRULE could not be read");
  });

  it("shows nothing for a message without an invitation", async () => {
    const { backend, pane } = await openMessage({ invitation_of_message: () => null });
    await within(pane).findByTestId("message-body");
    await waitFor(() => expect(backend.callsTo("invitation_of_message")).toContainEqual({ messageId: 7 }));
    expect(within(pane).queryByTestId("invitation")).toBeNull();
    expect(within(pane).queryByTestId("invitation-error")).toBeNull();
  });

  it("says so when the invitation cannot be looked up", async () => {
    const { pane } = await openMessage({ invitation_of_message: () => apiError("internal", "database is locked") });
    const note = await within(pane).findByTestId("invitation-error");
    expect(note.textContent).toContain("database is locked");
  });
});

describe("formatWhen", () => {
  it("gives an all-day event as dates, its exclusive end dropped", () => {
    const oneDay = formatWhen({ start: Date.UTC(2026, 2, 17), end: Date.UTC(2026, 2, 18), all_day: true }, "en-US");
    expect(oneDay).toBe("Tuesday, March 17, 2026");
    const twoDays = formatWhen({ start: Date.UTC(2026, 2, 17), end: Date.UTC(2026, 2, 19), all_day: true }, "en-US");
    expect(twoDays).toContain("17");
    expect(twoDays).toContain("18");
    expect(twoDays).not.toContain("19");
    expect(twoDays).not.toMatch(/\d:\d\d/);
  });

  it("gives a timed event in the local zone", () => {
    const text = formatWhen({ start: START, end: END, all_day: false }, "en-US");
    // Intl separates with thin and narrow no-break spaces.
    expect(text.replace(/\s/g, " ")).toBe("Tuesday, March 17, 2026, 10:00 – 11:00 AM");
  });
});

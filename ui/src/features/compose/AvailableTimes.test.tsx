import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { AvailableTimes, DraftInput, DraftView } from "../../ipc/bindings";
import { apiError, mockBackend, type Handler } from "../../test/backend";
import { renderApp } from "../../test/render";
import { systemZone } from "../calendar/tz";

function draft(overrides: Partial<DraftView> = {}): DraftView {
  return {
    draft_id: null,
    account_id: 1,
    from: { name: null, email: "me@work.test" },
    to: [],
    cc: [],
    bcc: [],
    subject: "",
    text: "",
    html: null,
    attachments: [],
    inline_images: [],
    in_reply_to: null,
    references: [],
    saved_at: null,
    remote_error: null,
    ...overrides,
  };
}

const found: AvailableTimes = {
  slots: [
    {
      start: Date.UTC(2026, 2, 10, 8, 0),
      end: Date.UTC(2026, 2, 10, 8, 45),
      start_local: "2026-03-10T09:00:00+01:00",
      end_local: "2026-03-10T09:45:00+01:00",
      score: 100,
      reasons: [],
    },
  ],
  text: "Tue 10 Mar: 9:00-9:45 (Berlin time, CET)",
  time_zone: "Europe/Berlin",
  obstacles: [],
};

async function openComposer(handlers: Record<string, Handler>, initial: DraftView = draft()) {
  const backend = mockBackend({
    compose_new: () => initial,
    save_draft: (a) => draft({ ...(a?.input as DraftInput), draft_id: 501, saved_at: Date.now() }),
    ...handlers,
  });
  const { user } = renderApp();
  await user.click(await screen.findByTestId("new-message"));
  const dialog = await screen.findByTestId("compose-dialog");
  return { backend, user, dialog };
}

describe("insert my available times", () => {
  it("asks for the chosen length, days and recipient zone and appends the times to the message", async () => {
    const { backend, user, dialog } = await openComposer({ available_times: () => found });
    const body = within(dialog).getByTestId<HTMLTextAreaElement>("compose-body");
    await user.type(body, "Hi Ana,");

    await user.click(within(dialog).getByTestId("compose-available-times"));
    const popover = within(dialog).getByTestId("available-times-popover");
    await user.selectOptions(within(popover).getByTestId("available-times-duration"), "45");
    await user.selectOptions(within(popover).getByTestId("available-times-days"), "10");
    await user.click(within(popover).getByTestId("available-times-zone-picker-button"));
    await user.type(within(popover).getByTestId("available-times-zone-picker-search"), "Berlin");
    await user.click(within(popover).getByRole("option", { name: /Europe\/Berlin|Berlin/ }));
    await user.click(within(popover).getByTestId("available-times-insert"));

    await waitFor(() => expect(within(dialog).queryByTestId("available-times-popover")).toBeNull());
    expect(backend.callsTo("available_times")).toEqual([
      {
        args: {
          duration_minutes: 45,
          days: 10,
          recipient_time_zone: "Europe/Berlin",
          my_time_zone: systemZone(),
          max_slots: 6,
        },
      },
    ]);
    expect(body.value).toBe("Hi Ana,\n\nHere are some times that work for me:\nTue 10 Mar: 9:00-9:45 (Berlin time, CET)\n");
  });

  it("says why when nothing is free and leaves the message alone", async () => {
    const { user, dialog } = await openComposer({
      available_times: () => ({ ...found, slots: [], text: "", obstacles: ["me has no working hours in the window"] }),
    });
    await user.click(within(dialog).getByTestId("compose-available-times"));
    await user.click(within(dialog).getByTestId("available-times-insert"));
    expect((await within(dialog).findByTestId("available-times-none")).textContent).toBe(
      "No free times in the next 5 days: me has no working hours in the window",
    );
    expect(within(dialog).getByTestId<HTMLTextAreaElement>("compose-body").value).toBe("");
  });

  it("shows a failure and keeps the popover open", async () => {
    const { user, dialog } = await openComposer({
      available_times: () => apiError("invalid_input", "unknown time zone 'Nowhere'"),
    });
    await user.click(within(dialog).getByTestId("compose-available-times"));
    await user.click(within(dialog).getByTestId("available-times-insert"));
    const note = await within(dialog).findByTestId("error-note");
    expect(note.textContent).toContain("unknown time zone 'Nowhere'");
    expect(within(dialog).queryByTestId("available-times-popover")).not.toBeNull();
  });

  it("adds paragraphs to a formatted message", async () => {
    const { user, dialog } = await openComposer({ available_times: () => found }, draft({ html: "<p>Hello</p>" }));
    await user.click(within(dialog).getByTestId("compose-available-times"));
    await user.click(within(dialog).getByTestId("available-times-insert"));
    await waitFor(() =>
      expect(within(dialog).getByTestId("compose-body").innerHTML).toBe(
        "<p>Hello</p><p>Here are some times that work for me:</p><p>Tue 10 Mar: 9:00-9:45 (Berlin time, CET)</p>",
      ),
    );
  });
});

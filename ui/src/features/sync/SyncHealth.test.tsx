import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mockBackend } from "../../test/backend";
import { syncHealthFixture } from "../../test/fixtures";
import { renderApp } from "../../test/render";

describe("sync health", () => {
  it("lists jobs with their last error, and cursors", async () => {
    mockBackend();
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-sync"));
    const jobs = await screen.findByTestId("sync-jobs");
    const rows = within(jobs).getAllByTestId("sync-job");
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain("imap_sync");
    expect(rows[0]!.textContent).toContain("connection refused");
    expect(rows[0]!.getAttribute("data-state")).toBe("failed");
    expect(screen.getByTestId("sync-cursors").textContent).toContain("work@example.test");
  });

  it("the toggle pauses sync through set_sync_paused and shows the new state", async () => {
    let paused = false;
    const backend = mockBackend({
      sync_health: () => syncHealthFixture({ paused }),
      set_sync_paused: (a) => {
        paused = a?.paused as boolean;
        return null;
      },
    });
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-sync"));
    const toggle = (await screen.findByTestId("sync-paused-toggle")) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    await user.click(toggle);
    expect(backend.callsTo("set_sync_paused")).toEqual([{ paused: true }]);
    await waitFor(() => expect((screen.getByTestId("sync-paused-toggle") as HTMLInputElement).checked).toBe(true));
    expect(screen.getByText("Sync is paused")).toBeTruthy();
  });
});

describe("settings", () => {
  it("shows the data directory, the theme source and the accounts", async () => {
    mockBackend();
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-settings"));
    expect(screen.getByTestId("data-dir").textContent).toBe("/home/test/.local/share/switchboard");
    expect(screen.getByTestId("theme-current").textContent).toBe("light");
    const rows = await within(screen.getByTestId("accounts-section")).findAllByTestId("account-row");
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining("Work"),
      expect.stringContaining("Personal"),
    ]);
    expect(rows[0]!.textContent).toContain("me@work.test");
    expect(await screen.findByTestId("stats")).toBeTruthy();
  });
});

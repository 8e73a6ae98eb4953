import { act, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { SyncProgressView } from "../../ipc/bindings";
import { mockBackend } from "../../test/backend";
import { renderApp } from "../../test/render";
import { emitTauriEvent, listenerCount } from "../../test/tauriEvents";
import { STALE_PROGRESS_MS, SyncProgress } from "./SyncProgress";

function progress(overrides: Partial<SyncProgressView> = {}): SyncProgressView {
  return {
    account: "work",
    folder: "INBOX",
    folder_index: 0,
    folder_count: 3,
    done: 1200,
    total: 5000,
    rate: 850.4,
    ...overrides,
  };
}

const n = (x: number) => x.toLocaleString();

async function emitProgress(p: SyncProgressView) {
  await waitFor(() => expect(listenerCount("sync://progress")).toBeGreaterThan(0));
  act(() => emitTauriEvent("sync://progress", p));
}

describe("sync progress", () => {
  it("shows a line and bar in the top bar from sync://progress and hides after the last folder", async () => {
    mockBackend();
    renderApp();
    await screen.findAllByTestId("thread-row");
    expect(screen.queryByTestId("sync-progress")).toBeNull();

    await emitProgress(progress());
    const bar = await screen.findByTestId("sync-progress");
    expect(bar.closest(".topbar")).toBeTruthy();
    const row = within(bar).getByTestId("sync-progress-row");
    expect(row.textContent).toBe(`Syncing work · INBOX ${n(1200)} / ${n(5000)} · 850 msg/s`);
    const meter = row.querySelector("progress")!;
    expect(meter.value).toBe(1200);
    expect(meter.max).toBe(5000);

    // A finished folder that is not the last keeps the bar up.
    await emitProgress(progress({ done: 5000 }));
    expect(within(screen.getByTestId("sync-progress")).getByTestId("sync-progress-row").textContent).toContain(
      `${n(5000)} / ${n(5000)}`,
    );
    await emitProgress(progress({ folder: "Archive", folder_index: 2, done: 40, total: 90, rate: 12 }));
    expect(screen.getByTestId("sync-progress").textContent).toBe("Syncing work · Archive 40 / 90 · 12 msg/s");

    await emitProgress(progress({ folder: "Archive", folder_index: 2, done: 90, total: 90 }));
    expect(screen.queryByTestId("sync-progress")).toBeNull();
  });

  it("shows one line per account syncing at once", async () => {
    mockBackend();
    renderApp();
    await screen.findAllByTestId("thread-row");
    await emitProgress(progress());
    await emitProgress(progress({ account: "home", folder: "Sent", done: 3, total: 10 }));
    const rows = within(screen.getByTestId("sync-progress")).getAllByTestId("sync-progress-row");
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringMatching(/^Syncing work · INBOX/),
      expect.stringMatching(/^Syncing home · Sent 3 \/ 10/),
    ]);
    await emitProgress(progress({ account: "work", folder_index: 2, done: 5000 }));
    expect(within(screen.getByTestId("sync-progress")).getAllByTestId("sync-progress-row")).toHaveLength(1);
  });

  it("a pass that stops reporting stops being shown", async () => {
    vi.useFakeTimers();
    render(<SyncProgress />);
    await act(async () => {});
    act(() => emitTauriEvent("sync://progress", progress()));
    expect(screen.getByTestId("sync-progress")).toBeTruthy();
    act(() => vi.advanceTimersByTime(STALE_PROGRESS_MS - 1000));
    expect(screen.getByTestId("sync-progress")).toBeTruthy();
    act(() => vi.advanceTimersByTime(1000));
    expect(screen.queryByTestId("sync-progress")).toBeNull();
  });
});

describe("sync health: sync now", () => {
  it("Sync now runs a pass, shows its progress and then what it fetched", async () => {
    let finish: (value: unknown) => void = () => {};
    const backend = mockBackend({
      sync_now: () => new Promise((resolve) => (finish = resolve)),
    });
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-sync"));
    const card = await screen.findByTestId("sync-now-card");
    await user.click(within(card).getByTestId("sync-now"));
    expect(backend.callsTo("sync_now")).toHaveLength(1);
    expect((within(card).getByTestId("sync-now") as HTMLButtonElement).disabled).toBe(true);

    await emitProgress(progress());
    expect(within(card).getByTestId("sync-progress").textContent).toContain("Syncing work · INBOX");

    const healthBefore = backend.callsTo("sync_health").length;
    await act(async () =>
      finish([{ account: "work", folders: 3, fetched: 5000, deleted: 2, flags_changed: 7, new_inbox: 4 }]),
    );
    const summary = await within(card).findByTestId("sync-summary");
    expect(summary.textContent).toContain(`work: ${n(5000)} fetched (4 new in the inbox), 2 removed, 7 flag changes`);
    await waitFor(() => expect(backend.callsTo("sync_health").length).toBeGreaterThan(healthBefore));
    expect((within(card).getByTestId("sync-now") as HTMLButtonElement).disabled).toBe(false);
  });

  it("a failed Sync now shows the error by code", async () => {
    mockBackend({ sync_now: () => Promise.reject({ code: "auth_expired", message: "the keychain has no password" }) });
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-sync"));
    await user.click(await screen.findByTestId("sync-now"));
    const note = await within(screen.getByTestId("sync-now-card")).findByTestId("error-note");
    expect(note.getAttribute("data-code")).toBe("auth_expired");
    expect(note.textContent).toContain("the keychain has no password");
  });
});

import { act, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mockBackend, apiError } from "../test/backend";
import { appStatusFixture, threadDetailFixture } from "../test/fixtures";
import { emitTauriEvent, listenerCount } from "../test/tauriEvents";
import { renderApp } from "../test/render";

describe("app status gating", () => {
  it("shows the first-run screen, not the workspace, when the store has no data", async () => {
    mockBackend({ app_status: () => appStatusFixture({ has_data: false }) });
    renderApp();
    const firstRun = await screen.findByTestId("first-run");
    expect(within(firstRun).getByTestId("open-demo")).toBeTruthy();
    expect(within(firstRun).getByTestId("add-account")).toBeTruthy();
    expect(screen.queryByTestId("nav-inbox")).toBeNull();
    expect(screen.queryByTestId("thread-list")).toBeNull();
  });

  it("opens the demo workspace, then lands in the inbox", async () => {
    let hasData = false;
    const backend = mockBackend({
      app_status: () => appStatusFixture({ has_data: hasData }),
      open_demo_workspace: () => {
        hasData = true;
        return { mail: [], events: 1, tickets: 1, contacts: 1 };
      },
    });
    const { user } = renderApp();
    await user.click(await screen.findByTestId("open-demo"));
    expect(backend.callsTo("open_demo_workspace")).toHaveLength(1);
    const view = await waitFor(() => {
      const el = document.querySelector("[data-view]");
      if (!el) throw new Error("no view yet");
      return el;
    });
    expect(view.getAttribute("data-view")).toBe("inbox");
    expect(await screen.findAllByTestId("thread-row")).not.toHaveLength(0);
    expect(screen.queryByTestId("first-run")).toBeNull();
  });

  it("shows why the demo could not be opened, by error code", async () => {
    mockBackend({
      app_status: () => appStatusFixture({ has_data: false }),
      open_demo_workspace: () => apiError("conflict", "workspace already has data"),
    });
    const { user } = renderApp();
    await user.click(await screen.findByTestId("open-demo"));
    const note = await screen.findByTestId("error-note");
    expect(note.getAttribute("data-code")).toBe("conflict");
    expect(note.textContent).toContain("workspace already has data");
  });

  it("'Add an email account' opens the add-account dialog over the welcome screen", async () => {
    const backend = mockBackend({
      app_status: () => appStatusFixture({ has_data: false }),
      provider_presets: () => [],
    });
    const { user } = renderApp();
    await user.click(await screen.findByTestId("add-account"));
    expect(screen.getByTestId("add-account-dialog").getAttribute("role")).toBe("dialog");
    expect(screen.getByTestId("first-run")).toBeTruthy();
    expect(backend.callsTo("open_demo_workspace")).toHaveLength(0);
  });

  it("blocks everything behind a dialog when the store is unusable", async () => {
    mockBackend({
      app_status: () =>
        appStatusFixture({
          has_data: true,
          store_error: { code: "store_unusable", message: "database schema 9 is newer than this app (7)" },
        }),
    });
    renderApp();
    const dialog = await screen.findByTestId("store-error");
    expect(dialog.getAttribute("role")).toBe("alertdialog");
    expect(dialog.textContent).toContain("database schema 9 is newer than this app (7)");
    expect(screen.queryByTestId("nav-inbox")).toBeNull();
    expect(screen.queryByTestId("first-run")).toBeNull();
    expect(document.querySelector("[data-view]")).toBeNull();
  });

  it("store error wins over the first-run screen", async () => {
    mockBackend({
      app_status: () => appStatusFixture({ has_data: false, store_error: { code: "store_unusable", message: "corrupt" } }),
    });
    renderApp();
    await screen.findByTestId("store-error");
    expect(screen.queryByTestId("first-run")).toBeNull();
  });
});

describe("backend events", () => {
  it("workspace://changed refetches what is on screen", async () => {
    const backend = mockBackend();
    renderApp();
    await screen.findAllByTestId("thread-row");
    const before = backend.callsTo("list_threads").length;
    await waitFor(() => expect(listenerCount("workspace://changed")).toBe(1));
    act(() => emitTauriEvent("workspace://changed", null));
    await waitFor(() => expect(backend.callsTo("list_threads").length).toBeGreaterThan(before));
    expect(backend.callsTo("app_status").length).toBeGreaterThan(1);
  });

  it("notification://open for a thread opens it in the reading pane", async () => {
    const backend = mockBackend({ get_thread: (a) => threadDetailFixture(a?.id as number) });
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-tickets"));
    await waitFor(() => expect(listenerCount("notification://open")).toBe(1));
    act(() => emitTauriEvent("notification://open", { kind: "thread", id: 4242 }));
    const pane = await screen.findByTestId("reading-pane");
    expect(pane.getAttribute("data-thread-id")).toBe("4242");
    expect(document.querySelector("[data-view]")?.getAttribute("data-view")).toBe("inbox");
    expect(backend.callsTo("get_thread")).toContainEqual({ id: 4242 });
  });

  it("notification://open for a ticket switches to Tickets and opens it", async () => {
    mockBackend();
    renderApp();
    await screen.findAllByTestId("thread-row");
    await waitFor(() => expect(listenerCount("notification://open")).toBe(1));
    act(() => emitTauriEvent("notification://open", { kind: "ticket", id: 2 }));
    const detail = await screen.findByTestId("ticket-detail");
    expect(detail.getAttribute("data-ticket-id")).toBe("2");
    expect(await within(detail).findByText("Ticket 2")).toBeTruthy();
  });

  it("sync://paused updates the paused indicator without a refetch", async () => {
    mockBackend();
    renderApp();
    await screen.findAllByTestId("thread-row");
    await waitFor(() => expect(listenerCount("sync://paused")).toBe(1));
    expect(screen.queryByText("Sync paused")).toBeNull();
    act(() => emitTauriEvent("sync://paused", true));
    expect(await screen.findByText("Sync paused")).toBeTruthy();
  });
});

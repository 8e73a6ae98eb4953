import { act, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { AccountStatusView, AccountSummary } from "../../ipc/bindings";
import { apiError, mockBackend, type Handler } from "../../test/backend";
import { renderApp } from "../../test/render";
import { emitTauriEvent, listenerCount } from "../../test/tauriEvents";
import { freeAccountName } from "./signIn";

const accounts: AccountSummary[] = [
  { id: 1, name: "Work", kind: "imap", email: "me@work.test", message_count: 10, unread_count: 2 },
  { id: 2, name: "Personal", kind: "gmail", email: "me@home.test", message_count: 5, unread_count: 0 },
  { id: 3, name: "Office", kind: "graph", email: "me@office.test", message_count: 7, unread_count: 1 },
];

function status(account_id: number, state: string, extra: Partial<AccountStatusView> = {}): AccountStatusView {
  return { account_id, state, detail: null, until_ms: null, updated_at: 0, ...extra };
}

/** A promise the test settles by hand, for a sign-in that waits on the browser. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function openDialog(handlers: Record<string, Handler> = {}) {
  const backend = mockBackend({
    provider_presets: () => [],
    list_accounts: () => accounts,
    account_statuses: () => [],
    ...handlers,
  });
  const rendered = renderApp();
  await rendered.user.click(await screen.findByTestId("nav-settings"));
  await rendered.user.click(await screen.findByTestId("open-add-account"));
  const dialog = screen.getByTestId("add-account-dialog");
  return { ...rendered, backend, dialog };
}

async function openSettings(statuses: AccountStatusView[], handlers: Record<string, Handler> = {}) {
  const backend = mockBackend({ list_accounts: () => accounts, account_statuses: () => statuses, ...handlers });
  const rendered = renderApp();
  await rendered.user.click(await screen.findByTestId("nav-settings"));
  await screen.findAllByTestId("account-status");
  return { ...rendered, backend };
}

const chipOf = (rowName: string) => {
  const row = screen.getAllByTestId("account-row").find((r) => r.textContent?.includes(rowName));
  return row && within(row).queryByTestId("account-status");
};

describe("sign in with Google or Microsoft", () => {
  it("each button signs in with its kind, named after the provider unless a name is typed", async () => {
    const { user, dialog, backend } = await openDialog({ sign_in_account: () => "me@gmail.test" });
    const d = within(dialog);
    expect(d.getByTestId("sign-in-gmail").textContent).toBe("Sign in with Google");
    expect(d.getByTestId("sign-in-graph").textContent).toBe("Sign in with Microsoft");

    await user.click(d.getByTestId("sign-in-gmail"));
    expect(backend.callsTo("sign_in_account")).toEqual([{ name: "Gmail", kind: "gmail" }]);
    // Success closes the dialog and says what was added.
    await waitFor(() => expect(screen.queryByTestId("add-account-dialog")).toBeNull());
    expect(screen.getByTestId("account-added").textContent).toContain("Added Gmail (me@gmail.test)");

    await user.click(screen.getByTestId("open-add-account"));
    const again = within(screen.getByTestId("add-account-dialog"));
    await user.type(again.getByLabelText("Account name"), "Team inbox");
    await user.click(again.getByTestId("sign-in-graph"));
    expect(backend.callsTo("sign_in_account")[1]).toEqual({ name: "Team inbox", kind: "graph" });
  });

  it("waits for the browser, and Cancel stops waiting without closing the dialog", async () => {
    const pending = deferred<string>();
    const { user, dialog, backend } = await openDialog({ sign_in_account: () => pending.promise });
    const d = within(dialog);
    await user.click(d.getByTestId("sign-in-graph"));
    const waiting = await d.findByTestId("sign-in-waiting");
    expect(waiting.textContent).toContain("Finish signing in in your browser…");
    expect(d.queryByTestId("sign-in-gmail")).toBeNull();

    await user.click(within(waiting).getByTestId("sign-in-cancel"));
    expect(d.queryByTestId("sign-in-waiting")).toBeNull();
    expect((d.getByTestId("sign-in-graph") as HTMLButtonElement).disabled).toBe(false);

    // The browser finishing later does not close a dialog the user went on with.
    await act(async () => pending.resolve("late@office.test"));
    expect(screen.getByTestId("add-account-dialog")).toBeTruthy();
    expect(backend.callsTo("sign_in_account")).toHaveLength(1);
  });

  it("a sign-in that is not configured says so in words and the buttons stay usable", async () => {
    const { user, dialog, backend } = await openDialog({
      sign_in_account: () =>
        apiError("invalid_input", "sign-in is not configured: set SWITCHBOARD_GOOGLE_CLIENT_ID"),
    });
    const d = within(dialog);
    await user.click(d.getByTestId("sign-in-gmail"));
    const error = await d.findByTestId("sign-in-error");
    expect(error.textContent).toContain("Sign-in could not start.");
    expect(error.textContent).toContain("sign-in is not configured: set SWITCHBOARD_GOOGLE_CLIENT_ID");
    expect(error.textContent).not.toContain("invalid_input");
    expect(screen.getByTestId("add-account-dialog")).toBeTruthy();

    await user.click(d.getByTestId("sign-in-gmail"));
    expect(backend.callsTo("sign_in_account")).toHaveLength(2);
  });

  it("the default name is one no account has", () => {
    expect(freeAccountName("Gmail", ["Work"])).toBe("Gmail");
    expect(freeAccountName("Gmail", ["Gmail", "Gmail 2"])).toBe("Gmail 3");
  });
});

describe("account status", () => {
  it("shows a chip per account with a status; IMAP accounts show none", async () => {
    await openSettings([status(2, "syncing"), status(3, "up_to_date")]);
    expect(chipOf("Personal")!.textContent).toBe("Syncing…");
    expect(chipOf("Office")!.textContent).toBe("Up to date");
    expect(chipOf("Work")).toBeNull();
  });

  it("rate limited until a local HH:MM", async () => {
    // 18:05 UTC is 14:05 in the test zone (America/New_York, summer time).
    await openSettings([status(2, "rate_limited", { until_ms: Date.UTC(2025, 6, 1, 18, 5) })]);
    expect(chipOf("Personal")!.textContent).toBe("Rate limited until 14:05");
  });

  it("offline, and an error with its detail on hover and expand", async () => {
    const { user } = await openSettings([
      status(2, "offline"),
      status(3, "error", { detail: "the mailbox answered 500 three times" }),
    ]);
    expect(chipOf("Personal")!.textContent).toBe("Offline");
    const error = chipOf("Office")!;
    expect(error.getAttribute("data-state")).toBe("error");
    const summary = within(error).getByText("Error");
    expect(summary.getAttribute("title")).toBe("the mailbox answered 500 three times");
    await user.click(summary);
    expect(within(error).getByTestId("account-status-detail").textContent).toBe(
      "the mailbox answered 500 three times",
    );
  });

  it("needs sign-in: Sign in again signs in to that account and refetches its status", async () => {
    let statuses = [status(2, "needs_sign_in", { detail: "invalid_grant" })];
    const pending = deferred<string>();
    const { user, backend } = await openSettings(statuses, {
      account_statuses: () => statuses,
      sign_in_account: () => pending.promise,
    });
    const chip = chipOf("Personal")!;
    expect(within(chip).getByText("Needs sign-in")).toBeTruthy();
    await user.click(within(chip).getByTestId("sign-in-again"));
    expect(backend.callsTo("sign_in_account")).toEqual([{ name: "Personal", kind: "gmail" }]);
    expect(within(chipOf("Personal")!).getByTestId("sign-in-waiting").textContent).toContain(
      "Finish signing in in your browser…",
    );

    statuses = [status(2, "syncing")];
    await act(async () => pending.resolve("me@home.test"));
    await waitFor(() => expect(chipOf("Personal")!.textContent).toBe("Syncing…"));
  });

  it("a failed re-sign-in is explained next to the account", async () => {
    const { user } = await openSettings([status(3, "needs_sign_in")], {
      sign_in_account: () => apiError("conflict", "the sign-in was cancelled"),
    });
    await user.click(within(chipOf("Office")!).getByTestId("sign-in-again"));
    const error = await screen.findByTestId("sign-in-error");
    expect(error.textContent).toContain("The sign-in was cancelled in the browser.");
    expect(within(chipOf("Office")!).getByTestId("sign-in-again")).toBeTruthy();
  });

  it("refetches on account://status", async () => {
    let statuses = [status(2, "syncing")];
    await openSettings(statuses, { account_statuses: () => statuses });
    statuses = [status(2, "up_to_date")];
    await waitFor(() => expect(listenerCount("account://status")).toBeGreaterThan(0));
    act(() => emitTauriEvent("account://status", null));
    await waitFor(() => expect(chipOf("Personal")!.textContent).toBe("Up to date"));
  });

  it("Sync health lists the statuses too", async () => {
    mockBackend({
      list_accounts: () => accounts,
      account_statuses: () => [
        status(2, "needs_sign_in"),
        status(3, "rate_limited", { until_ms: Date.UTC(2025, 0, 10, 19, 5) }),
      ],
    });
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-sync"));
    const rows = await screen.findAllByTestId("sync-account-status");
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining("PersonalNeeds sign-inSign in again"),
      // 19:05 UTC is 14:05 in New York in winter.
      "OfficeRate limited until 14:05",
    ]);
  });

  it("a clicked sign-in notification opens the accounts in Settings", async () => {
    mockBackend({ list_accounts: () => accounts, account_statuses: () => [status(2, "needs_sign_in")] });
    renderApp();
    await screen.findAllByTestId("thread-row");
    expect(screen.queryByTestId("accounts-section")).toBeNull();
    await waitFor(() => expect(listenerCount("notification://open-accounts")).toBeGreaterThan(0));
    act(() => emitTauriEvent("notification://open-accounts", null));
    const section = await screen.findByTestId("accounts-section");
    expect(await within(section).findByTestId("sign-in-again")).toBeTruthy();
  });
});

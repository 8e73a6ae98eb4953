import { act, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { FolderView } from "../../ipc/bindings";
import { mockBackend } from "../../test/backend";
import { renderApp } from "../../test/render";
import { emitTauriEvent, listenerCount } from "../../test/tauriEvents";

function folder(id: number, accountId: number, name: string, overrides: Partial<FolderView> = {}): FolderView {
  const parts = name.split("/");
  return {
    id,
    account_id: accountId,
    name,
    label: parts[parts.length - 1]!,
    depth: parts.length - 1,
    role: null,
    message_count: 10,
    unread_count: 0,
    ...overrides,
  };
}

const foldersByAccount: Record<number, FolderView[]> = {
  1: [
    folder(11, 1, "INBOX", { role: "inbox", unread_count: 3 }),
    folder(12, 1, "Projects"),
    folder(13, 1, "Projects/Acme", { unread_count: 2 }),
    folder(14, 1, "Projects/Acme/2026"),
    folder(15, 1, "Sent Items", { role: "sent" }),
  ],
  2: [folder(21, 2, "INBOX", { role: "inbox", unread_count: 1200 })],
};

const listFolders = (a: Record<string, unknown> | undefined) => foldersByAccount[a?.accountId as number] ?? [];

const accountBlock = (id: number) =>
  screen.getAllByTestId("folder-account").find((el) => el.getAttribute("data-account-id") === String(id))!;

describe("folder tree", () => {
  it("puts All inboxes first, then each account's folders indented by depth with bold unread counts", async () => {
    const backend = mockBackend({ list_folders: listFolders });
    renderApp();
    const tree = await screen.findByTestId("folder-tree");
    await waitFor(() => expect(within(tree).getAllByTestId("folder")).toHaveLength(6));
    expect(backend.callsTo("list_folders")).toEqual(expect.arrayContaining([{ accountId: 1 }, { accountId: 2 }]));

    const all = within(tree).getByTestId("folder-all");
    expect(tree.querySelector("button")).toBe(all);
    expect(all.textContent).toContain("All inboxes");
    // Unified unread = the inboxes' unread.
    expect(within(all).getByTestId("folder-unread").textContent).toBe((1203).toLocaleString());
    expect(all.getAttribute("aria-current")).toBe("true");

    const work = within(accountBlock(1));
    expect(work.getByTestId("folder-account-button").textContent).toContain("Work");
    const rows = work.getAllByTestId("folder");
    const labels = rows.map((r) => r.querySelector(".folder-tree__label")?.textContent);
    expect(labels).toEqual(["Inbox", "Projects", "Acme", "2026", "Sent"]);
    expect(rows.map((r) => r.getAttribute("data-depth"))).toEqual(["1", "1", "2", "3", "1"]);
    expect(rows[4]!.getAttribute("data-role")).toBe("sent");
    expect(rows[4]!.getAttribute("title")).toBe("Sent Items");

    const acme = rows[2]!;
    const unread = within(acme).getByTestId("folder-unread");
    expect(unread.tagName).toBe("STRONG");
    expect(unread.textContent).toBe("2");
    expect(acme.classList.contains("has-unread")).toBe(true);
    expect(within(rows[1]!).queryByTestId("folder-unread")).toBeNull();
    expect(within(accountBlock(2)).getByTestId("folder").textContent).toContain((1200).toLocaleString());
  });

  it("selecting a folder marks it and lists that folder's threads", async () => {
    const backend = mockBackend({ list_folders: listFolders });
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");
    const acme = await waitFor(() => within(accountBlock(1)).getAllByTestId("folder")[2]!);
    await user.click(acme);
    expect(acme.getAttribute("aria-current")).toBe("true");
    expect(screen.getByTestId("folder-all").getAttribute("aria-current")).toBeNull();
    expect(within(accountBlock(1)).getByTestId("folder-account-button").getAttribute("aria-current")).toBeNull();
    await waitFor(() =>
      expect(backend.callsTo("list_threads")).toContainEqual({ args: { account_id: 1, offset: 0, limit: 100, folder_id: 13 } }),
    );
    expect((screen.getByTestId("account-filter") as HTMLSelectElement).value).toBe("1");

    // Another account chosen elsewhere: the folder of account 1 is no longer the selection.
    await user.selectOptions(screen.getByTestId("account-filter"), "2");
    expect(acme.getAttribute("aria-current")).toBeNull();
    expect(within(accountBlock(2)).getByTestId("folder-account-button").getAttribute("aria-current")).toBe("true");

    await user.click(screen.getByTestId("folder-all"));
    expect(screen.getByTestId("folder-all").getAttribute("aria-current")).toBe("true");
    expect((screen.getByTestId("account-filter") as HTMLSelectElement).value).toBe("");
  });

  it("mail://changed refetches folders and threads", async () => {
    let unread = 3;
    const backend = mockBackend({
      list_folders: (a) =>
        listFolders(a).map((f) => (f.id === 11 ? { ...f, unread_count: unread } : f)),
    });
    renderApp();
    await screen.findAllByTestId("thread-row");
    await waitFor(() => expect(within(accountBlock(1)).getAllByTestId("folder")).toHaveLength(5));
    const threadsBefore = backend.callsTo("list_threads").length;
    await waitFor(() => expect(listenerCount("mail://changed")).toBe(1));
    unread = 7;
    act(() => emitTauriEvent("mail://changed", null));
    const inboxUnread = () => within(within(accountBlock(1)).getAllByTestId("folder")[0]!).getByTestId("folder-unread");
    await waitFor(() => expect(inboxUnread().textContent).toBe("7"));
    expect(backend.callsTo("list_threads").length).toBeGreaterThan(threadsBefore);
    expect(backend.callsTo("list_accounts").length).toBeGreaterThan(1);
  });
});

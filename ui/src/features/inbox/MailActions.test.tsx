import { act, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { FolderView, MailAction } from "../../ipc/bindings";
import { apiError, mockBackend, type Handler } from "../../test/backend";
import { messageFixture, threadDetailFixture, threadFixture } from "../../test/fixtures";
import { renderApp } from "../../test/render";

function folder(id: number, accountId: number, name: string, overrides: Partial<FolderView> = {}): FolderView {
  const parts = name.split("/");
  return {
    id,
    account_id: accountId,
    name,
    label: parts.at(-1)!,
    depth: parts.length - 1,
    role: null,
    message_count: 10,
    unread_count: 0,
    ...overrides,
  };
}

const FOLDERS: Record<number, FolderView[]> = {
  1: [
    folder(11, 1, "INBOX", { role: "inbox" }),
    folder(12, 1, "Projects"),
    folder(13, 1, "Projects/Acme"),
    folder(14, 1, "Archive", { role: "archive" }),
    folder(15, 1, "Deleted Items", { role: "trash", message_count: 4 }),
  ],
  2: [folder(21, 2, "INBOX", { role: "inbox" }), folder(22, 2, "Receipts")],
};

/**
 * Twenty inbox threads, 1000–1019, each with two messages (id × 10 and id × 10 + 1). Odd
 * threads are unread, every fifth is starred (on its latest message), as in threadFixture.
 * Archive, Trash and move take a thread out of the inbox; marking read and stars stick
 * in the thread (the list rows keep their fixture markers).
 */
function mailBackend(handlers: Record<string, Handler> = {}) {
  const gone = new Set<number>();
  const read = new Set<number>();
  const flags = new Map<number, boolean>();
  const threadOf = (messageId: number) => Math.floor(messageId / 10);
  const inbox = () =>
    Array.from({ length: 20 }, (_, i) => 1000 + i)
      .filter((id) => !gone.has(id))
      .map((id) => threadFixture(id, read.has(id) ? { unread_count: 0 } : {}));
  const backend = mockBackend({
    list_threads: (a) => {
      const { offset, limit } = a?.args as { offset: number; limit: number };
      const all = inbox();
      return { total: all.length, offset, items: all.slice(offset, offset + limit) };
    },
    get_thread: (a) => {
      const id = a?.id as number;
      const summary = threadFixture(id);
      const unread = summary.unread_count > 0 && !read.has(id);
      return threadDetailFixture(id, [
        messageFixture(id * 10, { unread, flagged: flags.get(id * 10) ?? false }),
        messageFixture(id * 10 + 1, { unread, flagged: flags.get(id * 10 + 1) ?? summary.flagged }),
      ]);
    },
    list_folders: (a) => FOLDERS[a?.accountId as number] ?? [],
    apply_mail_action: (a) => {
      const action = a?.action as MailAction;
      if (action.kind === "archive" || action.kind === "trash" || action.kind === "move") {
        for (const id of action.message_ids) gone.add(threadOf(id));
      } else if (action.kind === "mark_thread_read") {
        read.add(action.thread_id);
      } else if (action.kind === "set_flagged") {
        for (const id of action.message_ids) flags.set(id, action.flagged);
      }
      return null;
    },
    ...handlers,
  });
  const actions = () => backend.callsTo("apply_mail_action").map((a) => a?.action as MailAction);
  return { backend, actions };
}

const rowOf = (threadId: number) =>
  screen.getAllByTestId("thread-row").find((r) => r.getAttribute("data-thread-id") === String(threadId));
const cursorThread = () => document.querySelector(".thread-row.is-cursor")?.getAttribute("data-thread-id");

async function openThread(user: ReturnType<typeof renderApp>["user"], threadId: number) {
  await screen.findAllByTestId("thread-row");
  await user.click(rowOf(threadId)!);
  const pane = await screen.findByTestId("reading-pane");
  await within(pane).findByTestId("thread-toolbar");
  return pane;
}

describe("reading marks read", () => {
  it("opening an unread thread marks it read once; moving the cursor over one does not", async () => {
    const { actions } = mailBackend();
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");

    // j/k over the unread 1001 and 1003: nothing is opened, nothing marked.
    await user.keyboard("jjjj");
    expect(cursorThread()).toBe("1003");
    expect(actions()).toEqual([]);

    await user.keyboard("{Enter}");
    const pane = await screen.findByTestId("reading-pane");
    await waitFor(() => expect(actions()).toEqual([{ kind: "mark_thread_read", thread_id: 1003 }]));
    // The refetch after the change shows the thread read, and does not mark it again.
    await waitFor(() => expect(rowOf(1003)!.classList.contains("is-unread")).toBe(false));
    expect(within(pane).getAllByTestId("message").some((m) => m.classList.contains("is-unread"))).toBe(false);
    expect(actions()).toHaveLength(1);
  });

  it("opening a thread that is already read sends nothing", async () => {
    const { actions } = mailBackend();
    const { user } = renderApp();
    const pane = await openThread(user, 1002);
    expect(await within(pane).findAllByTestId("message")).toHaveLength(2);
    expect(actions()).toEqual([]);
  });
});

describe("conversation commands", () => {
  it("e archives the open thread, closes it and puts the cursor on the next thread", async () => {
    const { actions } = mailBackend();
    const { user } = renderApp();
    await openThread(user, 1002);

    await user.keyboard("e");
    await waitFor(() => expect(screen.queryByTestId("reading-pane")).toBeNull());
    expect(actions()).toEqual([{ kind: "archive", message_ids: [10020, 10021] }]);
    // The refetched list no longer has 1002, and the cursor stayed with 1003.
    await waitFor(() => expect(rowOf(1002)).toBeUndefined());
    expect(cursorThread()).toBe("1003");

    // j goes on from there, as in Gmail.
    await user.keyboard("j");
    expect(cursorThread()).toBe("1004");
  });

  it("the toolbar's Archive does the same as e", async () => {
    const { actions } = mailBackend();
    const { user } = renderApp();
    const pane = await openThread(user, 1004);
    await user.click(within(pane).getByRole("button", { name: "Archive" }));
    await waitFor(() => expect(screen.queryByTestId("reading-pane")).toBeNull());
    expect(actions()).toEqual([{ kind: "archive", message_ids: [10040, 10041] }]);
    await waitFor(() => expect(rowOf(1004)).toBeUndefined());
    expect(cursorThread()).toBe("1005");
  });

  it("# with no thread open trashes the thread under the cursor and moves on", async () => {
    const { actions } = mailBackend();
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");
    await user.keyboard("jj");
    expect(cursorThread()).toBe("1001");

    await user.keyboard("#");
    await waitFor(() => expect(actions()).toEqual([{ kind: "trash", message_ids: [10010, 10011] }]));
    await waitFor(() => expect(rowOf(1001)).toBeUndefined());
    expect(cursorThread()).toBe("1002");
    expect(screen.queryByTestId("reading-pane")).toBeNull();
  });

  it("archiving the last thread puts the cursor on the one before it", async () => {
    const { actions } = mailBackend();
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");
    await user.keyboard("j".repeat(21));
    expect(cursorThread()).toBe("1019");
    await user.keyboard("e");
    await waitFor(() => expect(actions()).toEqual([{ kind: "archive", message_ids: [10190, 10191] }]));
    await waitFor(() => expect(rowOf(1019)).toBeUndefined());
    expect(cursorThread()).toBe("1018");
  });

  it("the keys do nothing while typing in a field", async () => {
    const { actions } = mailBackend();
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");
    await user.keyboard("j");
    await user.click(screen.getByTestId("search-input"));
    await user.keyboard("e#sv{Shift>}IU{/Shift}");
    expect(actions()).toEqual([]);
    expect(screen.queryByTestId("move-to-dialog")).toBeNull();
  });

  it("s stars the open thread's latest message, and again unstars it", async () => {
    const { actions } = mailBackend();
    const { user } = renderApp();
    const pane = await openThread(user, 1002);
    const star = within(pane).getByRole("button", { name: "Star" });
    expect(star.getAttribute("aria-pressed")).toBe("false");

    await user.keyboard("s");
    await waitFor(() => expect(actions()).toEqual([{ kind: "set_flagged", message_ids: [10021], flagged: true }]));
    await waitFor(() => expect(within(pane).getByRole("button", { name: "Star" }).getAttribute("aria-pressed")).toBe("true"));
    expect(within(pane).getAllByTestId("message-star")).toHaveLength(1);

    await user.keyboard("s");
    await waitFor(() => expect(actions()).toHaveLength(2));
    expect(actions()[1]).toEqual({ kind: "set_flagged", message_ids: [10021], flagged: false });
    await waitFor(() => expect(within(pane).getByRole("button", { name: "Star" }).getAttribute("aria-pressed")).toBe("false"));
  });

  it("Shift+U marks the open thread unread and returns to the list; Shift+I marks the cursor thread read", async () => {
    const { actions } = mailBackend();
    const { user } = renderApp();
    await openThread(user, 1002);
    await user.keyboard("{Shift>}U{/Shift}");
    await waitFor(() => expect(screen.queryByTestId("reading-pane")).toBeNull());
    expect(actions()).toEqual([{ kind: "set_seen", message_ids: [10021], seen: false }]);
    expect(cursorThread()).toBe("1002");

    await user.keyboard("{Shift>}I{/Shift}");
    await waitFor(() => expect(actions()).toHaveLength(2));
    expect(actions()[1]).toEqual({ kind: "mark_thread_read", thread_id: 1002 });
  });
});

describe("star on a thread row", () => {
  it("sends set_flagged without opening the thread", async () => {
    const { actions } = mailBackend();
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");

    await user.click(within(rowOf(1001)!).getByTestId("star-toggle"));
    await waitFor(() => expect(actions()).toEqual([{ kind: "set_flagged", message_ids: [10011], flagged: true }]));
    // 1000 is starred: its star clears it.
    await user.click(within(rowOf(1000)!).getByTestId("star-toggle"));
    await waitFor(() => expect(actions()).toHaveLength(2));
    expect(actions()[1]).toEqual({ kind: "set_flagged", message_ids: [10001], flagged: false });

    expect(screen.queryByTestId("reading-pane")).toBeNull();
    expect(document.querySelector(".thread-row.is-open")).toBeNull();
  });
});

describe("Move to", () => {
  it("lists the folders by label and depth, and moves the open thread to the one picked", async () => {
    const { actions } = mailBackend();
    const { user } = renderApp();
    const pane = await openThread(user, 1003);
    await waitFor(() => expect(actions()).toHaveLength(1)); // marked read on open

    await user.click(within(pane).getByRole("button", { name: "Move to…" }));
    const dialog = await screen.findByTestId("move-to-dialog");
    // Every inbox is on screen, so each account's folders are offered under its name.
    const work = await within(dialog).findByRole("region", { name: "Work" });
    const targets = within(work).getAllByTestId("move-target");
    expect(targets.map((t) => t.textContent)).toEqual(["Inbox", "Projects", "Acme", "Archive", "Trash"]);
    expect(targets[2]!.getAttribute("title")).toBe("Projects/Acme");
    expect(within(within(dialog).getByRole("region", { name: "Personal" })).getAllByTestId("move-target")).toHaveLength(2);

    await user.click(targets[1]!);
    await waitFor(() => expect(screen.queryByTestId("reading-pane")).toBeNull());
    expect(screen.queryByTestId("move-to-dialog")).toBeNull();
    expect(actions()[1]).toEqual({ kind: "move", message_ids: [10030, 10031], folder_id: 12 });
    await waitFor(() => expect(rowOf(1003)).toBeUndefined());
    expect(cursorThread()).toBe("1004");
  });

  it("v opens it for the cursor thread; typing filters, Enter moves, Esc closes without moving", async () => {
    const { actions } = mailBackend();
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");
    await user.keyboard("j");
    await user.keyboard("v");
    const dialog = await screen.findByTestId("move-to-dialog");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("move-to-dialog")).toBeNull();
    expect(actions()).toEqual([]);

    await user.keyboard("v");
    await within(await screen.findByTestId("move-to-dialog")).findAllByTestId("move-target");
    expect(document.activeElement).toBe(screen.getByTestId("move-to-filter"));
    await user.keyboard("acme");
    expect(within(screen.getByTestId("move-to-dialog")).getAllByTestId("move-target").map((t) => t.textContent)).toEqual([
      "Acme",
    ]);
    await user.keyboard("{Enter}");
    await waitFor(() => expect(actions()).toEqual([{ kind: "move", message_ids: [10000, 10001], folder_id: 13 }]));
    expect(dialog.isConnected).toBe(false);
  });

  it("with an account chosen, only that account's folders are offered", async () => {
    mailBackend();
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");
    await user.selectOptions(screen.getByTestId("account-filter"), "2");
    // Keys typed into the select belong to it; leave it first.
    act(() => screen.getByTestId("account-filter").blur());
    await user.keyboard("jv");
    const dialog = await screen.findByTestId("move-to-dialog");
    await waitFor(() =>
      expect(within(dialog).getAllByTestId("move-target").map((t) => t.textContent)).toEqual(["Inbox", "Receipts"]),
    );
    expect(within(dialog).queryByRole("heading", { name: "Work" })).toBeNull();
  });
});

describe("Empty Trash", () => {
  const trashRow = async () =>
    (await screen.findAllByTestId("folder")).find((f) => f.getAttribute("data-role") === "trash")!.closest("li")!;

  it("asks first: Cancel sends nothing, Empty Trash sends empty_trash for the account", async () => {
    const { actions } = mailBackend();
    const { user } = renderApp();
    const row = await waitFor(trashRow);
    // Only the Trash folder has the button.
    expect(screen.getAllByTestId("empty-trash")).toHaveLength(1);

    await user.click(within(row).getByTestId("empty-trash"));
    const confirm = await screen.findByRole("alertdialog");
    expect(within(confirm).getByRole("heading").textContent).toBe("Permanently delete 4 messages in Trash?");
    expect(document.activeElement).toBe(within(confirm).getByTestId("confirm-cancel"));
    await user.click(within(confirm).getByTestId("confirm-cancel"));
    expect(screen.queryByRole("alertdialog")).toBeNull();

    await user.click(within(row).getByTestId("empty-trash"));
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(actions()).toEqual([]);

    await user.click(within(row).getByTestId("empty-trash"));
    await user.click(within(await screen.findByRole("alertdialog")).getByTestId("confirm-ok"));
    await waitFor(() => expect(actions()).toEqual([{ kind: "empty_trash", account_id: 1 }]));
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });
});

describe("failures", () => {
  it("a not_found error shows the backend's message and leaves the thread open", async () => {
    const { backend } = mailBackend({
      apply_mail_action: () => apiError("not_found", "Work has no Archive folder"),
    });
    const { user } = renderApp();
    await openThread(user, 1002);
    await user.keyboard("e");

    const toast = await screen.findByTestId("mail-action-error");
    expect(toast.getAttribute("role")).toBe("alert");
    expect(toast.getAttribute("data-code")).toBe("not_found");
    expect(toast.textContent).toContain("Could not archive");
    expect(toast.textContent).toContain("Work has no Archive folder");
    expect(screen.getByTestId("reading-pane").getAttribute("data-thread-id")).toBe("1002");
    expect(backend.callsTo("apply_mail_action")).toHaveLength(1);

    await user.click(within(toast).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByTestId("mail-action-error")).toBeNull();
  });

  it("a conflict on a star undoes the star shown early and says to try again", async () => {
    mailBackend({
      apply_mail_action: () => apiError("conflict", "1 of these messages is being moved on the server right now"),
    });
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");
    const star = () => within(rowOf(1001)!).getByTestId("star-toggle");
    await user.click(star());
    const toast = await screen.findByTestId("mail-action-error");
    expect(toast.textContent).toContain("being moved on the server right now");
    await waitFor(() => expect(star().getAttribute("aria-pressed")).toBe("false"));
  });
});

import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mockBackend } from "../../test/backend";
import { messageFixture, threadDetailFixture, threadPage } from "../../test/fixtures";
import { renderApp } from "../../test/render";
import { MESSAGE_CSP } from "./srcdoc";

const rowIds = () => screen.getAllByTestId("thread-row").map((r) => Number(r.getAttribute("data-thread-id")));

describe("thread list", () => {
  it("renders the first page of threads as rows, fetching one page of 100, not the whole mailbox", async () => {
    const backend = mockBackend({ list_threads: (a) => threadPage((a?.args as { offset: number }).offset, 100, 40_000) });
    renderApp();
    const rows = await screen.findAllByTestId("thread-row");
    expect(rows.length).toBeGreaterThan(5);
    // Virtualised: a window's worth of rows, not 40,000.
    expect(rows.length).toBeLessThan(60);
    expect(rowIds()[0]).toBe(1000);
    expect(backend.callsTo("list_threads")).toEqual([{ args: { account_id: null, offset: 0, limit: 100, role: "inbox" } }]);

    const first = rows[0]!;
    expect(within(first).getByText("Subject 1000")).toBeTruthy();
    expect(within(first).getByText("Sender 1000, Me")).toBeTruthy();
    expect(within(first).getByText("Snippet for thread 1000")).toBeTruthy();
    // 1000 % 4 === 0 has attachments, 1000 % 5 === 0 is flagged (starred), 1001 is unread.
    expect(within(first).getByTestId("attachment-marker")).toBeTruthy();
    expect(within(first).getByTestId("star-toggle").getAttribute("aria-pressed")).toBe("true");
    expect(within(rows[1]!).getByTestId("star-toggle").getAttribute("aria-pressed")).toBe("false");
    expect(first.classList.contains("is-unread")).toBe(false);
    expect(rows[1]!.classList.contains("is-unread")).toBe(true);
  });

  it("fetches the page under the rows scrolled to, and only that page", async () => {
    const backend = mockBackend({ list_threads: (a) => threadPage((a?.args as { offset: number }).offset, 100, 40_000) });
    renderApp();
    await screen.findAllByTestId("thread-row");
    const list = screen.getByTestId("thread-list");
    list.scrollTop = 68 * 25_050; // row 25,050 lives in the page at offset 25,000
    fireEvent.scroll(list);
    await waitFor(() => expect(rowIds()).toContain(26_050));
    const offsets = backend.callsTo("list_threads").map((a) => (a?.args as { offset: number }).offset);
    expect(offsets).toEqual([0, 25_000]);
  });

  it("j/k move the cursor and Enter opens that thread; Esc closes the reading pane", async () => {
    const backend = mockBackend();
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");
    expect(screen.queryByTestId("reading-pane")).toBeNull();

    await user.keyboard("jjjk");
    const cursorRow = document.querySelector(".thread-row.is-cursor");
    expect(cursorRow?.getAttribute("data-thread-id")).toBe("1001");
    expect(screen.queryByTestId("reading-pane")).toBeNull();

    await user.keyboard("{Enter}");
    const pane = await screen.findByTestId("reading-pane");
    expect(pane.getAttribute("data-thread-id")).toBe("1001");
    expect(backend.callsTo("get_thread")).toEqual([{ id: 1001 }]);
    expect(await within(pane).findAllByTestId("message")).toHaveLength(1);

    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("reading-pane")).toBeNull();
  });

  it("clicking a row opens it", async () => {
    mockBackend();
    const { user } = renderApp();
    const rows = await screen.findAllByTestId("thread-row");
    await user.click(rows[2]!);
    expect((await screen.findByTestId("reading-pane")).getAttribute("data-thread-id")).toBe("1002");
    expect(rows[2]!.getAttribute("aria-selected")).toBe("true");
  });

  it("the account filter lists accounts and refetches threads for the chosen one", async () => {
    const backend = mockBackend();
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");
    const select = screen.getByTestId("account-filter");
    await within(select).findByText("Work (2)");
    await user.selectOptions(select, "2");
    await waitFor(() =>
      expect(backend.callsTo("list_threads")).toContainEqual({ args: { account_id: 2, offset: 0, limit: 100, role: "inbox" } }),
    );
    expect((select as HTMLSelectElement).value).toBe("2");
  });
});

describe("reading pane", () => {
  async function openThread(messages: Parameters<typeof threadDetailFixture>[1]) {
    mockBackend({ get_thread: (a) => threadDetailFixture(a?.id as number, messages) });
    const { user } = renderApp();
    await user.click((await screen.findAllByTestId("thread-row"))[0]!);
    return screen.findByTestId("reading-pane");
  }

  it("renders HTML in a sandboxed frame without scripts or same-origin, behind a no-network CSP", async () => {
    const pane = await openThread([messageFixture(1, { html: '<p>Hi</p><img src="data:image/png;base64,AA==">' })]);
    const frame = await within(pane).findByTestId("message-body");
    expect(frame.tagName).toBe("IFRAME");
    expect(frame.hasAttribute("sandbox")).toBe(true);
    const sandbox = frame.getAttribute("sandbox") ?? "";
    expect(sandbox).not.toContain("allow-scripts");
    expect(sandbox).not.toContain("allow-same-origin");
    expect(sandbox.trim()).toBe("");

    const doc = new DOMParser().parseFromString(frame.getAttribute("srcdoc") ?? "", "text/html");
    const csp = doc.head.querySelector('meta[http-equiv="Content-Security-Policy"]');
    expect(csp?.getAttribute("content")).toBe("default-src 'none'; img-src data:; style-src 'unsafe-inline'");
    expect(MESSAGE_CSP).toBe(csp?.getAttribute("content"));
    // The policy precedes every piece of the message.
    expect(doc.head.firstElementChild?.tagName).toBe("META");
    expect(doc.head.querySelectorAll("meta")[1]).toBe(csp);
    expect(doc.body.querySelector("p")?.textContent).toBe("Hi");
  });

  it("shows message headers, the blocked-remote bar, attachments and a parse warning", async () => {
    const pane = await openThread([
      messageFixture(1, {
        from: { name: "Grace Hopper", email: "grace@navy.test" },
        to: [{ name: "Me", email: "me@example.test" }],
        cc: [{ name: null, email: "team@example.test" }],
        blocked_remote: 3,
        attachments: [{ index: 0, name: "quote.pdf", mime_type: "application/pdf", size: 20_480, inline: false }],
        parse_error: "truncated multipart body",
      }),
    ]);
    const message = await within(pane).findByTestId("message");
    expect(message.textContent).toContain("Grace Hopper");
    expect(message.textContent).toContain("grace@navy.test");
    expect(message.textContent).toContain("team@example.test");
    expect(within(message).getByTestId("remote-blocked").textContent).toBe("3 remote images blocked");
    expect(within(message).getByTestId("attachments").textContent).toContain("quote.pdf");
    expect(within(message).getByTestId("attachments").textContent).toContain("20 KB");
    expect(within(message).getByTestId("parse-error").getAttribute("title")).toBe("truncated multipart body");
  });

  it("falls back to the plain text part, preserving its line breaks", async () => {
    const pane = await openThread([messageFixture(1, { html: null, text: "line one\nline two" })]);
    const text = await within(pane).findByTestId("message-text");
    expect(text.textContent).toBe("line one\nline two");
    expect(within(pane).queryByTestId("message-body")).toBeNull();
    expect(within(pane).queryByTestId("remote-blocked")).toBeNull();
  });

  it("shows every message of the thread", async () => {
    const pane = await openThread([messageFixture(1), messageFixture(2), messageFixture(3)]);
    expect(await within(pane).findAllByTestId("message")).toHaveLength(3);
    expect(within(pane).getAllByTestId("message-body")).toHaveLength(3);
  });
});

import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { DraftInput, DraftView, MessageView, QueuedSendView, SendArgs } from "../../ipc/bindings";
import { apiError, mockBackend, type Handler } from "../../test/backend";
import { messageFixture, threadDetailFixture } from "../../test/fixtures";
import { renderApp } from "../../test/render";
import { AUTOSAVE_MS } from "./ComposeDialog";

function draftFixture(overrides: Partial<DraftView> = {}): DraftView {
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

const queued: QueuedSendView = { outbox_id: 77, message_id: "abc@work.test", send_after: Date.now() + 10_000 };

function start(handlers: Record<string, Handler> = {}, messages: MessageView[] = [messageFixture(10)]) {
  const backend = mockBackend({
    get_thread: (a) => threadDetailFixture(a?.id as number, messages),
    compose_new: () => draftFixture(),
    send_message: () => ({ ...queued, send_after: Date.now() + 10_000 }),
    save_draft: (a) => draftFixture({ ...(a?.input as DraftInput), draft_id: 501, saved_at: Date.now() }),
    discard_draft: () => null,
    ...handlers,
  });
  return { backend, ...renderApp() };
}

async function openNewMessage(user: ReturnType<typeof renderApp>["user"]) {
  await user.click(await screen.findByTestId("new-message"));
  return screen.findByTestId("compose-dialog");
}

function sentDraft(backend: ReturnType<typeof mockBackend>): DraftInput {
  const calls = backend.callsTo("send_message");
  expect(calls).toHaveLength(1);
  return (calls[0]!.args as SendArgs).draft;
}

describe("compose", () => {
  it("prefills a reply to all from the message, quoting it in the formatted editor", async () => {
    const reply = draftFixture({
      to: [{ name: "Ada Lovelace", email: "ada@example.test" }],
      cc: [{ name: null, email: "omar@acme.test" }],
      subject: "Re: Message 10",
      text: "\n\nAda Lovelace wrote:\n> Hello there\n",
      html: '<p><br></p><p>Ada Lovelace wrote:</p><blockquote type="cite"><p>Hello <b>there</b></p></blockquote>',
      in_reply_to: "m10@example.test",
      references: ["m10@example.test"],
    });
    const { backend, user } = start({ compose_reply: () => reply });
    await user.click((await screen.findAllByTestId("thread-row"))[0]!);
    const pane = await screen.findByTestId("reading-pane");
    const message = await within(pane).findByTestId("message");
    await user.click(within(message).getByRole("button", { name: "Reply all" }));

    const dialog = await screen.findByTestId("compose-dialog");
    expect(backend.callsTo("compose_reply")).toEqual([{ args: { message_id: 10, all: true } }]);
    expect(within(dialog).getByTestId<HTMLInputElement>("compose-to").value).toBe("Ada Lovelace <ada@example.test>");
    expect(within(dialog).getByTestId<HTMLInputElement>("compose-cc").value).toBe("omar@acme.test");
    expect(within(dialog).getByTestId<HTMLInputElement>("compose-subject").value).toBe("Re: Message 10");
    expect(within(dialog).getByTestId<HTMLInputElement>("compose-mode-html").checked).toBe(true);
    const body = within(dialog).getByTestId("compose-body");
    expect(body.querySelector("blockquote")?.textContent).toBe("Hello there");

    // Sending hands the threading headers back unchanged.
    await user.click(within(dialog).getByTestId("compose-send"));
    const sent = sentDraft(backend);
    expect(sent.in_reply_to).toBe("m10@example.test");
    expect(sent.references).toEqual(["m10@example.test"]);
    expect(sent.html).toContain("<blockquote");
    expect(sent.to).toEqual([{ name: "Ada Lovelace", email: "ada@example.test" }]);
  });

  it("answers the open conversation's latest message with r, a and f", async () => {
    const { backend, user } = start(
      {
        compose_reply: () => draftFixture({ subject: "Re: x" }),
        compose_forward: () => draftFixture({ subject: "Fwd: x" }),
      },
      [messageFixture(10), messageFixture(11)],
    );
    await user.click((await screen.findAllByTestId("thread-row"))[0]!);
    await screen.findAllByTestId("message");
    await user.keyboard("r");
    await screen.findByTestId("compose-dialog");
    expect(backend.callsTo("compose_reply")).toEqual([{ args: { message_id: 11, all: false } }]);
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("compose-dialog")).toBeNull());
    await user.keyboard("f");
    await screen.findByTestId("compose-dialog");
    expect(backend.callsTo("compose_forward")).toEqual([{ messageId: 11 }]);
  });

  it("sends with an Undo toast, and Undo brings the message back as a draft", async () => {
    const back = draftFixture({ draft_id: 900, to: [{ name: null, email: "dana@acme.test" }], subject: "Pricing", text: "Hi Dana", saved_at: 1 });
    const { backend, user } = start({ cancel_send: () => back });
    const dialog = await openNewMessage(user);
    await user.type(within(dialog).getByTestId("compose-to"), "dana@acme.test");
    await user.type(within(dialog).getByTestId("compose-subject"), "Pricing");
    await user.type(within(dialog).getByTestId("compose-body"), "Hi Dana");
    await user.click(within(dialog).getByTestId("compose-send"));

    const toast = await screen.findByTestId("compose-toast");
    expect(screen.queryByTestId("compose-dialog")).toBeNull();
    expect(toast.textContent).toMatch(/Sending in (9|10) s/);
    const sent = sentDraft(backend);
    expect(sent).toMatchObject({
      account_id: 1,
      to: [{ name: null, email: "dana@acme.test" }],
      subject: "Pricing",
      text: "Hi Dana",
      html: null,
    });
    expect((backend.callsTo("send_message")[0]!.args as SendArgs).undo_secs).toBeNull();

    await user.click(within(toast).getByTestId("undo-send"));
    const reopened = await screen.findByTestId("compose-dialog");
    expect(backend.callsTo("cancel_send")).toEqual([{ outboxId: 77 }]);
    expect(within(reopened).getByTestId<HTMLInputElement>("compose-subject").value).toBe("Pricing");
    expect(within(reopened).getByTestId<HTMLTextAreaElement>("compose-body").value).toBe("Hi Dana");
    expect(screen.queryByTestId("compose-toast")).toBeNull();

    // Sending it again continues the same draft.
    await user.click(within(reopened).getByTestId("compose-send"));
    await waitFor(() => expect(backend.callsTo("send_message")).toHaveLength(2));
    expect((backend.callsTo("send_message")[1]!.args as SendArgs).draft.draft_id).toBe(900);
  });

  it("says when it is too late to undo", async () => {
    const { user } = start({
      cancel_send: () => apiError("conflict", "too late to undo: the message is being sent"),
    });
    const dialog = await openNewMessage(user);
    await user.type(within(dialog).getByTestId("compose-to"), "dana@acme.test");
    await user.click(within(dialog).getByTestId("compose-send"));
    await user.click(await screen.findByTestId("undo-send"));
    const toast = await screen.findByRole("alert");
    expect(toast.getAttribute("data-code")).toBe("conflict");
    expect(toast.textContent).toContain("too late to undo");
  });

  it("points out a bad address and sends nothing", async () => {
    const { backend, user } = start();
    const dialog = await openNewMessage(user);
    await user.type(within(dialog).getByTestId("compose-to"), "dana@acme.test, bob@");
    await user.click(within(dialog).getByTestId("compose-send"));
    expect(within(dialog).getByTestId("compose-to-error").textContent).toBe(
      "“bob@” is not a valid email address (expected name@example.com)",
    );
    expect(within(dialog).getByTestId("compose-to").getAttribute("aria-invalid")).toBe("true");
    expect(backend.callsTo("send_message")).toEqual([]);

    await user.clear(within(dialog).getByTestId("compose-to"));
    await user.click(within(dialog).getByTestId("compose-send"));
    expect(within(dialog).getByTestId("compose-to-error").textContent).toBe("Add at least one recipient.");
    expect(backend.callsTo("send_message")).toEqual([]);
  });

  it("shows the backend's refusal in the dialog and keeps the message", async () => {
    const { user } = start({
      send_message: () => apiError("invalid_input", "account 1 cannot send mail: only IMAP/SMTP accounts can"),
    });
    const dialog = await openNewMessage(user);
    await user.type(within(dialog).getByTestId("compose-to"), "dana@acme.test");
    await user.click(within(dialog).getByTestId("compose-send"));
    const note = await within(dialog).findByTestId("error-note");
    expect(note.getAttribute("data-code")).toBe("invalid_input");
    expect(note.textContent).toContain("only IMAP/SMTP accounts can");
    expect(screen.getByTestId("compose-dialog")).toBeTruthy();
  });

  it("attaches a file as base64 and sends it", async () => {
    const { backend, user } = start();
    const dialog = await openNewMessage(user);
    const file = new File(["Quote: 100 EUR"], "quote.txt", { type: "text/plain" });
    await user.upload(within(dialog).getByTestId("compose-attach"), file);
    const list = await within(dialog).findByTestId("compose-attachments");
    expect(list.textContent).toContain("quote.txt");
    expect(list.textContent).toContain("14 B");

    await user.type(within(dialog).getByTestId("compose-to"), "dana@acme.test");
    await user.click(within(dialog).getByTestId("compose-send"));
    await waitFor(() => expect(backend.callsTo("send_message")).toHaveLength(1));
    expect(sentDraft(backend).attachments).toEqual([
      { name: "quote.txt", mime_type: "text/plain", data_base64: btoa("Quote: 100 EUR") },
    ]);
  });

  it("turns an image pasted into the formatted body into an inline cid: image", async () => {
    const { backend, user } = start();
    const dialog = await openNewMessage(user);
    await user.type(within(dialog).getByTestId("compose-body"), "See the chart");
    await user.click(within(dialog).getByTestId("compose-mode-html"));
    const editor = within(dialog).getByTestId("compose-body");
    expect(editor.getAttribute("contenteditable")).toBe("true");
    expect(editor.innerHTML).toBe("<p>See the chart</p>");

    const png = new File([new Uint8Array([137, 80, 78, 71])], "chart.png", { type: "image/png" });
    fireEvent.paste(editor, { clipboardData: { files: [png] } });
    await waitFor(() => expect(editor.querySelector("img[data-cid]")).not.toBeNull());
    const shown = editor.querySelector("img")!;
    expect(shown.getAttribute("src")).toBe("data:image/png;base64,iVBORw==");

    await user.type(within(dialog).getByTestId("compose-to"), "dana@acme.test");
    await user.click(within(dialog).getByTestId("compose-send"));
    await waitFor(() => expect(backend.callsTo("send_message")).toHaveLength(1));
    const sent = sentDraft(backend);
    const cid = shown.getAttribute("data-cid")!;
    expect(sent.inline_images).toEqual([{ content_id: cid, mime_type: "image/png", data_base64: "iVBORw==" }]);
    expect(sent.html).toContain(`src="cid:${cid}"`);
    expect(sent.html).not.toContain("data:image");
  });

  it("refuses attachments over 25 MB with a clear message", async () => {
    const { user } = start();
    const dialog = await openNewMessage(user);
    const big = new File(["x"], "video.mp4", { type: "video/mp4" });
    Object.defineProperty(big, "size", { value: 30 * 1024 * 1024 });
    fireEvent.change(within(dialog).getByTestId("compose-attach"), { target: { files: [big] } });
    expect((await within(dialog).findByTestId("compose-file-error")).textContent).toBe(
      "Attachments are limited to 25.0 MB per message; these would make 30.0 MB.",
    );
    expect(within(dialog).queryByTestId("compose-attachments")).toBeNull();
  });

  it("saves a draft after a pause, asks on Esc, and discards the saved draft", async () => {
    const { backend, user } = start();
    const dialog = await openNewMessage(user);
    await user.type(within(dialog).getByTestId("compose-subject"), "Notes");
    await waitFor(() => expect(backend.callsTo("save_draft")).toHaveLength(1), { timeout: AUTOSAVE_MS + 2000 });
    const saved = backend.callsTo("save_draft")[0]!.input as DraftInput;
    expect(saved).toMatchObject({ draft_id: null, account_id: 1, subject: "Notes" });
    expect((await within(dialog).findByTestId("compose-status")).textContent).toBe("Draft saved");

    await user.keyboard("{Escape}");
    const confirm = within(dialog).getByTestId("compose-confirm");
    expect(confirm.textContent).toContain("Discard this message?");
    await user.click(within(confirm).getByTestId("compose-discard-confirm"));
    await waitFor(() => expect(screen.queryByTestId("compose-dialog")).toBeNull());
    expect(backend.callsTo("discard_draft")).toEqual([{ draftId: 501 }]);
  });

  it("opens with c and closes an untouched message on Esc without asking", async () => {
    const { backend, user } = start();
    await screen.findAllByTestId("thread-row");
    await user.keyboard("c");
    await screen.findByTestId("compose-dialog");
    expect(backend.callsTo("compose_new")).toEqual([{ accountId: null }]);
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("compose-dialog")).toBeNull());
    expect(backend.callsTo("save_draft")).toEqual([]);
  });
});

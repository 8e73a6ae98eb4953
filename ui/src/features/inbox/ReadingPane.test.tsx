import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { MessageView } from "../../ipc/bindings";
import { apiError, mockBackend, type Handler } from "../../test/backend";
import { messageFixture, threadDetailFixture } from "../../test/fixtures";
import { renderApp } from "../../test/render";
import { MESSAGE_CSP, MESSAGE_CSP_REMOTE_IMAGES } from "./srcdoc";

async function openThread(messages: () => MessageView[], handlers: Record<string, Handler> = {}) {
  const backend = mockBackend({ get_thread: (a) => threadDetailFixture(a?.id as number, messages()), ...handlers });
  const { user } = renderApp();
  await user.click((await screen.findAllByTestId("thread-row"))[0]!);
  const pane = await screen.findByTestId("reading-pane");
  return { backend, user, pane };
}

function cspOf(frame: HTMLElement): string | null | undefined {
  const doc = new DOMParser().parseFromString(frame.getAttribute("srcdoc") ?? "", "text/html");
  return doc.head.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content");
}

describe("remote content and trackers", () => {
  it("loads images from a sender on request, then lets the frame fetch https images", async () => {
    let allowed = false;
    const view = () =>
      messageFixture(1, {
        from: { name: "Dana", email: "dana@acme.test" },
        html: '<p>Hi</p><img src="https://cdn.acme.test/a.png">',
        blocked_remote: allowed ? 0 : 2,
        remote_allowed: allowed,
        trackers_removed: 1,
      });
    const { backend, user, pane } = await openThread(() => [view()], {
      allow_remote_content: () => {
        allowed = true;
        return null;
      },
      forget_remote_content: () => {
        allowed = false;
        return null;
      },
    });

    expect((await within(pane).findByTestId("remote-blocked")).textContent).toBe("2 remote images blocked");
    expect(within(pane).getByTestId("trackers-removed").textContent).toBe("1 tracker removed");
    expect(cspOf(within(pane).getByTestId("message-body"))).toBe(MESSAGE_CSP);

    await user.click(within(pane).getByRole("button", { name: "Load images from this sender" }));
    await waitFor(() => expect(within(pane).queryByTestId("remote-blocked")).toBeNull());
    expect(backend.callsTo("allow_remote_content")).toEqual([{ email: "dana@acme.test" }]);
    expect(cspOf(within(pane).getByTestId("message-body"))).toBe(MESSAGE_CSP_REMOTE_IMAGES);
    expect(within(pane).getByTestId("remote-allowed").textContent).toContain("Images from dana@acme.test are shown");
    // Trackers stay removed for an allowed sender.
    expect(within(pane).getByTestId("trackers-removed").textContent).toBe("1 tracker removed");

    await user.click(within(pane).getByRole("button", { name: "Block them again" }));
    await waitFor(() => expect(within(pane).queryByTestId("remote-blocked")).not.toBeNull());
    expect(backend.callsTo("forget_remote_content")).toEqual([{ email: "dana@acme.test" }]);
    expect(cspOf(within(pane).getByTestId("message-body"))).toBe(MESSAGE_CSP);
  });

  it("shows no notices for a clean message", async () => {
    const { pane } = await openThread(() => [messageFixture(1)]);
    await within(pane).findByTestId("message-body");
    expect(within(pane).queryByTestId("remote-blocked")).toBeNull();
    expect(within(pane).queryByTestId("trackers-removed")).toBeNull();
    expect(within(pane).queryByTestId("remote-allowed")).toBeNull();
  });
});

describe("plain text", () => {
  it("keeps line breaks, sets quotes apart and opens web links outside the app", async () => {
    const text = "Hi,\nsee https://acme.test/q?x=1. Thanks\nOn Tue Dana wrote:\n> javascript:alert(1)\n> www.acme.test";
    const { backend, user, pane } = await openThread(() => [messageFixture(1, { html: null, text })], {
      open_link: () => null,
    });
    const body = await within(pane).findByTestId("message-text");
    const links = within(body).getAllByRole("link");
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["https://acme.test/q?x=1", "https://www.acme.test"]);
    expect(links.every((a) => a.getAttribute("rel") === "noopener noreferrer")).toBe(true);
    expect(body.textContent).toContain("javascript:alert(1)");
    const quote = body.querySelector("blockquote");
    expect(quote?.textContent).toBe("> javascript:alert(1)\n> www.acme.test");
    expect(body.textContent?.startsWith("Hi,\nsee https://acme.test/q?x=1. Thanks\nOn Tue Dana wrote:")).toBe(true);

    await user.click(links[0]!);
    expect(backend.callsTo("open_link")).toEqual([{ url: "https://acme.test/q?x=1" }]);
  });
});

describe("bodies of older mail", () => {
  it("downloads a header-only message's body when it is opened", async () => {
    const header = messageFixture(1, { body_complete: false, html: null, text: null });
    const full = messageFixture(1, { html: "<p>The whole body</p>" });
    const { backend, pane } = await openThread(() => [header], { fetch_body: () => full });
    const frame = await within(pane).findByTestId("message-body");
    expect(frame.getAttribute("srcdoc")).toContain("The whole body");
    expect(backend.callsTo("fetch_body")).toEqual([{ messageId: 1 }]);
  });

  it("says the body is not downloaded yet when offline, and tries again on request", async () => {
    let online = false;
    const header = messageFixture(1, { body_complete: false, html: null, text: null });
    const { backend, user, pane } = await openThread(() => [header], {
      fetch_body: () => {
        if (!online) apiError("offline", "could not connect to imap.acme.test:993");
        return messageFixture(1, { html: null, text: "Back online" });
      },
    });
    const note = await within(pane).findByTestId("body-missing");
    expect(note.textContent).toContain("Body not downloaded yet (offline)");
    expect(note.getAttribute("role")).toBe("note");
    // The headers are still there; this is not an error page.
    expect(within(pane).getByTestId("message").textContent).toContain("Ada Lovelace");
    expect(within(pane).queryByTestId("error-note")).toBeNull();

    online = true;
    await user.click(within(note).getByRole("button", { name: "Try again" }));
    expect((await within(pane).findByTestId("message-text")).textContent).toBe("Back online");
    expect(backend.callsTo("fetch_body")).toHaveLength(2);
  });

  it("explains other failures in words", async () => {
    const header = messageFixture(1, { body_complete: false, html: null, text: null });
    const { pane } = await openThread(() => [header], {
      fetch_body: () => apiError("not_found", "the message is no longer on the server (moved or deleted)"),
    });
    const note = await within(pane).findByTestId("body-missing");
    expect(note.textContent).toContain("Body not downloaded yet: the message is no longer on the server");
  });
});

describe("attachments", () => {
  const withPdf = () => [
    messageFixture(7, {
      attachments: [
        { index: 2, name: "quote.pdf", mime_type: "application/pdf", size: 20_480, inline: false },
        { index: 3, name: "install.sh", mime_type: "text/x-shellscript", size: 30, inline: false },
      ],
    }),
  ];

  it("opens an attachment by message and index", async () => {
    const { backend, user, pane } = await openThread(withPdf, {
      open_attachment: () => ({ path: "/data/open-attachments/7-2/quote.pdf" }),
    });
    await user.click(await within(pane).findByRole("button", { name: "Open quote.pdf" }));
    await waitFor(() => expect(backend.callsTo("open_attachment")).toEqual([{ attachment: { message_id: 7, index: 2 } }]));
  });

  it("shows why a program was not opened", async () => {
    const { user, pane } = await openThread(withPdf, {
      open_attachment: () => apiError("invalid_input", "install.sh was not opened: a .sh file can run as a program."),
    });
    await user.click(await within(pane).findByRole("button", { name: "Open install.sh" }));
    expect((await within(pane).findByTestId("attachment-open-error")).textContent).toContain("install.sh was not opened");
  });

  it("saves to Downloads, and replaces an existing file only when asked", async () => {
    let exists = false;
    const { backend, user, pane } = await openThread(withPdf, {
      save_attachment: (a) => {
        const args = a?.args as { overwrite: boolean };
        if (exists && !args.overwrite) apiError("conflict", "quote.pdf already exists in /home/rep/Downloads");
        exists = true;
        return { path: "/home/rep/Downloads/quote.pdf" };
      },
    });
    const save = await within(pane).findByRole("button", { name: "Save quote.pdf" });
    await user.click(save);
    expect((await within(pane).findByTestId("attachment-saved")).textContent).toBe(
      "Saved to /home/rep/Downloads/quote.pdf",
    );
    await user.click(save);
    const existsNote = await within(pane).findByTestId("attachment-exists");
    expect(existsNote.textContent).toContain("quote.pdf already exists in /home/rep/Downloads");
    await user.click(within(existsNote).getByRole("button", { name: "Replace it" }));
    await within(pane).findByTestId("attachment-saved");
    expect(backend.callsTo("save_attachment")).toEqual([
      { args: { message_id: 7, index: 2, overwrite: false } },
      { args: { message_id: 7, index: 2, overwrite: false } },
      { args: { message_id: 7, index: 2, overwrite: true } },
    ]);
  });
});

describe("reply tree", () => {
  it("indents each reply under the message it answers, capped for deep threads", async () => {
    const { pane } = await openThread(() => [
      messageFixture(1, { depth: 0 }),
      messageFixture(2, { depth: 1, parent_id: 1 }),
      messageFixture(3, { depth: 9, parent_id: 2 }),
    ]);
    const articles = await within(pane).findAllByTestId("message");
    expect(articles.map((a) => a.getAttribute("data-depth"))).toEqual(["0", "1", "9"]);
    expect(articles[0]!.style.marginLeft).toBe("0rem");
    expect(articles[1]!.style.marginLeft).toBe("1.25rem");
    expect(articles[2]!.style.marginLeft).toBe("6.25rem");
  });
});

import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mockBackend } from "../../test/backend";
import { contactFixture } from "../../test/fixtures";
import { renderApp } from "../../test/render";

async function openContacts(handlers: Parameters<typeof mockBackend>[0] = {}) {
  const backend = mockBackend(handlers);
  const rendered = renderApp();
  await rendered.user.click(await screen.findByTestId("nav-contacts"));
  await screen.findAllByTestId("contact-row");
  return { backend, ...rendered };
}

describe("contacts", () => {
  it("lists contacts and filters them through list_contacts", async () => {
    const { backend, user } = await openContacts({
      list_contacts: (a) => {
        const args = a?.args as { query: string | null; offset: number };
        const items = args.query === "ada" ? [contactFixture(8, { name: "Ada" })] : [1, 2, 3].map((i) => contactFixture(i));
        return { total: items.length, offset: args.offset, items };
      },
    });
    expect(backend.callsTo("list_contacts")[0]).toEqual({ args: { query: null, offset: 0, limit: 100 } });
    expect(within(screen.getByTestId("contact-list")).getAllByTestId("contact-row")).toHaveLength(3);

    await user.type(screen.getByTestId("contact-search"), "ada");
    await waitFor(() =>
      expect(screen.getAllByTestId("contact-row").map((r) => r.getAttribute("data-contact-id"))).toEqual(["8"]),
    );
    expect(backend.callsTo("list_contacts")).toContainEqual({ args: { query: "ada", offset: 0, limit: 100 } });
  });

  it("shows a contact's details with their messages, events and tickets", async () => {
    const { backend, user } = await openContacts();
    await user.click(screen.getAllByTestId("contact-row")[1]!);
    const detail = await screen.findByTestId("contact-detail");
    expect(backend.callsTo("get_contact")).toEqual([{ id: 2 }]);
    expect(await within(detail).findByRole("heading", { name: "Contact 2" })).toBeTruthy();
    expect(detail.textContent).toContain("c2@alt.example.test");
    expect(detail.textContent).toContain("Acme");
    const messages = within(within(detail).getByTestId("contact-messages")).getAllByTestId("contact-message");
    expect(messages.map((m) => m.textContent)).toEqual([
      expect.stringContaining("Renewal quote"),
      expect.stringContaining("Kick-off notes"),
    ]);
    expect(within(detail).getByTestId("contact-events").textContent).toContain("Quarterly review");
    expect(within(within(detail).getByTestId("contact-tickets")).getAllByTestId("contact-ticket")).toHaveLength(1);
  });

  it("clicking one of their messages opens the thread in the inbox", async () => {
    const { backend, user } = await openContacts();
    await user.click(screen.getAllByTestId("contact-row")[0]!);
    const detail = await screen.findByTestId("contact-detail");
    const messages = await within(detail).findAllByTestId("contact-message");
    await user.click(messages[1]!);
    expect(document.querySelector("[data-view]")?.getAttribute("data-view")).toBe("inbox");
    expect((await screen.findByTestId("reading-pane")).getAttribute("data-thread-id")).toBe("3002");
    expect(backend.callsTo("get_thread")).toEqual([{ id: 3002 }]);
  });

  it("clicking one of their tickets opens it in Tickets", async () => {
    const { user } = await openContacts();
    await user.click(screen.getAllByTestId("contact-row")[0]!);
    await user.click(await screen.findByTestId("contact-ticket"));
    const ticket = await screen.findByTestId("ticket-detail");
    expect(ticket.getAttribute("data-ticket-id")).toBe("55");
    expect(ticket.textContent).toContain("Login fails");
  });

  it("j/Enter open a contact and Esc closes it", async () => {
    const { user } = await openContacts();
    await user.keyboard("jj{Enter}");
    expect((await screen.findByTestId("contact-detail")).getAttribute("data-contact-id")).toBe("2");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("contact-detail")).toBeNull();
  });
});

import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mockBackend } from "../../test/backend";
import { ticketFixture } from "../../test/fixtures";
import { renderApp } from "../../test/render";

async function openTickets(handlers: Parameters<typeof mockBackend>[0] = {}) {
  const backend = mockBackend(handlers);
  const rendered = renderApp();
  await rendered.user.click(await screen.findByTestId("nav-tickets"));
  await screen.findAllByTestId("ticket-row");
  return { backend, ...rendered };
}

const lastTicketArgs = (backend: ReturnType<typeof mockBackend>) =>
  (backend.callsTo("list_tickets").at(-1) as { args: Record<string, unknown> }).args;

describe("tickets", () => {
  it("lists tickets with their source on each row", async () => {
    const { backend } = await openTickets({
      list_tickets: () => ({
        total: 2,
        offset: 0,
        items: [
          ticketFixture(1, { status: "new", urgency: "critical", customer_name: "Dana" }),
          ticketFixture(2, { source_id: 9, source_kind: "mailbox", source_name: "help@ mailbox" }),
        ],
      }),
    });
    expect(lastTicketArgs(backend)).toEqual({
      source_id: null,
      status: null,
      urgency: null,
      contact_id: null,
      offset: 0,
      limit: 50,
    });
    const table = screen.getByTestId("ticket-table");
    const rows = within(table).getAllByTestId("ticket-row");
    expect(rows.map((r) => [r.getAttribute("data-source-kind"), r.getAttribute("data-source-id")])).toEqual([
      ["fluent_support", "7"],
      ["mailbox", "9"],
    ]);
    const headers = within(table).getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers).toEqual(["Title", "Customer", "Source", "Status", "Urgency", "Updated"]);
    expect(rows[0]!.textContent).toContain("Ticket 1");
    expect(rows[0]!.textContent).toContain("Dana");
    expect(rows[0]!.textContent).toContain("Critical");
  });

  it("each filter passes its value to list_tickets and starts from the first page", async () => {
    const { backend, user } = await openTickets({
      list_tickets: (a) => {
        const args = a?.args as { offset: number };
        return { total: 120, offset: args.offset, items: [ticketFixture(args.offset + 1)] };
      },
    });
    await user.click(screen.getByTestId("tickets-next"));
    await waitFor(() => expect(lastTicketArgs(backend).offset).toBe(50));

    const source = screen.getByTestId("filter-source");
    await within(source).findByText("Support desk");
    expect(within(source).getAllByRole("option").map((o) => (o as HTMLOptionElement).value)).toEqual(["", "7", "9"]);
    await user.selectOptions(source, "9");
    await waitFor(() => expect(lastTicketArgs(backend)).toMatchObject({ source_id: 9, offset: 0 }));

    const status = screen.getByTestId("filter-status");
    expect(within(status).getAllByRole("option").map((o) => (o as HTMLOptionElement).value)).toEqual([
      "",
      "new",
      "active",
      "waiting",
      "closed",
    ]);
    await user.selectOptions(status, "waiting");
    await waitFor(() => expect(lastTicketArgs(backend)).toMatchObject({ source_id: 9, status: "waiting" }));

    const urgency = screen.getByTestId("filter-urgency");
    expect(within(urgency).getAllByRole("option").map((o) => (o as HTMLOptionElement).value)).toEqual([
      "",
      "low",
      "normal",
      "high",
      "critical",
    ]);
    await user.selectOptions(urgency, "critical");
    await waitFor(() =>
      expect(lastTicketArgs(backend)).toEqual({
        source_id: 9,
        status: "waiting",
        urgency: "critical",
        contact_id: null,
        offset: 0,
        limit: 50,
      }),
    );

    await user.selectOptions(status, "");
    await waitFor(() => expect(lastTicketArgs(backend)).toMatchObject({ source_id: 9, status: null, urgency: "critical" }));
  });

  it("pages forward and back by 50", async () => {
    const { backend, user } = await openTickets({
      list_tickets: (a) => {
        const args = a?.args as { offset: number };
        return { total: 120, offset: args.offset, items: [ticketFixture(args.offset + 1)] };
      },
    });
    expect(screen.getByTestId("tickets-prev")).toHaveProperty("disabled", true);
    await user.click(screen.getByTestId("tickets-next"));
    await user.click(screen.getByTestId("tickets-next"));
    await waitFor(() => expect(lastTicketArgs(backend).offset).toBe(100));
    expect(screen.getByTestId("tickets-next")).toHaveProperty("disabled", true);
    await user.click(screen.getByTestId("tickets-prev"));
    await waitFor(() => expect(screen.getByTestId("ticket-range").textContent).toBe("51–51 of 120"));
  });

  it("j/k/Enter open a ticket's details and Esc closes them", async () => {
    const { user } = await openTickets();
    await user.keyboard("jjkj");
    expect(document.querySelector('[data-testid="ticket-row"].is-cursor')?.getAttribute("data-ticket-id")).toBe("2");
    await user.keyboard("{Enter}");
    const detail = screen.getByTestId("ticket-detail");
    expect(detail.getAttribute("data-ticket-id")).toBe("2");
    expect(detail.textContent).toContain("FS-2");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("ticket-detail")).toBeNull();
  });
});

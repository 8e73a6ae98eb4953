import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { apiError, mockBackend } from "../../test/backend";
import { searchHitFixture } from "../../test/fixtures";
import { renderApp } from "../../test/render";

describe("search", () => {
  it("'/' focuses the search box from anywhere", async () => {
    mockBackend();
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-calendar"));
    const input = screen.getByTestId("search-input");
    expect(document.activeElement).not.toBe(input);
    await user.keyboard("/");
    expect(document.activeElement).toBe(input);
    // The slash that focused the box is not typed into it.
    expect((input as HTMLInputElement).value).toBe("");
  });

  it("'/' typed into another field is just a character", async () => {
    mockBackend();
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-contacts"));
    const filter = screen.getByTestId("contact-search");
    await user.click(filter);
    await user.keyboard("a/b");
    expect((filter as HTMLInputElement).value).toBe("a/b");
    expect(document.activeElement).toBe(filter);
  });

  it("Enter runs the search and lists hits with their highlighted snippets", async () => {
    const backend = mockBackend({ search: () => [searchHitFixture(1), searchHitFixture(2)] });
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");
    await user.keyboard("/");
    await user.keyboard("invoice{Enter}");
    expect(backend.callsTo("search")).toEqual([{ args: { query: "invoice", limit: 50 } }]);
    const results = await screen.findByTestId("search-results");
    const hits = await within(results).findAllByTestId("search-hit");
    expect(hits.map((h) => h.getAttribute("data-thread-id"))).toEqual(["2001", "2002"]);
    expect(hits[0]!.textContent).toContain("Invoice 1");
    expect(hits[0]!.textContent).toContain("Billing <billing@example.test>");
    // snippet_html is rendered as markup: <mark> becomes an element, escaped text stays text.
    const mark = hits[0]!.querySelector("mark");
    expect(mark?.textContent).toBe("invoice");
    expect(hits[0]!.textContent).toContain("<due>");
    expect(hits[0]!.querySelector("due")).toBeNull();
    expect(screen.queryByTestId("thread-list")).toBeNull();
  });

  it("from anywhere, a search shows its hits in the inbox", async () => {
    mockBackend({ search: () => [searchHitFixture(1)] });
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-tickets"));
    await user.type(screen.getByTestId("search-input"), "invoice{Enter}");
    expect(document.querySelector("[data-view]")?.getAttribute("data-view")).toBe("inbox");
    expect(await screen.findAllByTestId("search-hit")).toHaveLength(1);
  });

  it("clicking a hit opens its thread in the reading pane", async () => {
    const backend = mockBackend({ search: () => [searchHitFixture(1), searchHitFixture(2)] });
    const { user } = renderApp();
    await user.type(await screen.findByTestId("search-input"), "invoice{Enter}");
    const hits = await screen.findAllByTestId("search-hit");
    await user.click(hits[1]!);
    expect((await screen.findByTestId("reading-pane")).getAttribute("data-thread-id")).toBe("2002");
    expect(backend.callsTo("get_thread")).toEqual([{ id: 2002 }]);
  });

  it("after Enter the keyboard drives the results: j then Enter opens, Esc closes, Esc again leaves search", async () => {
    mockBackend({ search: () => [searchHitFixture(1), searchHitFixture(2), searchHitFixture(3)] });
    const { user } = renderApp();
    await user.type(await screen.findByTestId("search-input"), "invoice{Enter}");
    await screen.findAllByTestId("search-hit");
    await user.keyboard("jj{Enter}");
    expect((await screen.findByTestId("reading-pane")).getAttribute("data-thread-id")).toBe("2002");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("reading-pane")).toBeNull();
    expect(screen.getByTestId("search-results")).toBeTruthy();
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("search-results")).toBeNull());
    expect(await screen.findByTestId("thread-list")).toBeTruthy();
  });

  it("only the snippet is markup: subject and sender stay text", async () => {
    mockBackend({ search: () => [searchHitFixture(1, { subject: "<b>bold</b>", from: "<i>x</i>" })] });
    const { user } = renderApp();
    await user.type(await screen.findByTestId("search-input"), "bold{Enter}");
    const hit = (await screen.findAllByTestId("search-hit"))[0]!;
    expect(hit.querySelector("b, i")).toBeNull();
    expect(hit.textContent).toContain("<b>bold</b>");
  });

  it("an empty result says so", async () => {
    mockBackend({ search: () => [] });
    const { user } = renderApp();
    await user.type(await screen.findByTestId("search-input"), "zzz{Enter}");
    expect(await screen.findByText("No matches")).toBeTruthy();
  });

  it("the search box hints at operators, and the ? button lists them", async () => {
    mockBackend();
    const { user } = renderApp();
    const input = (await screen.findByTestId("search-input")) as HTMLInputElement;
    expect(input.placeholder).toContain("from:");
    expect(input.placeholder).toContain("is:unread");
    const toggle = screen.getByTestId("search-help-toggle");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(screen.queryByTestId("search-help")).toBeNull();

    await user.click(toggle);
    const help = screen.getByTestId("search-help");
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    const examples = within(help)
      .getAllByTestId("search-operator")
      .map((row) => row.querySelector("code")?.textContent);
    for (const op of ["from:dana", "to:dana", "is:unread", "is:flagged", "has:attachment", "in:sent", "-word"]) {
      expect(examples).toContain(op);
    }
    expect(examples.some((e) => e?.startsWith("subject:"))).toBe(true);
    expect(examples.some((e) => e?.startsWith("before:"))).toBe(true);
    expect(examples.some((e) => e?.startsWith("after:"))).toBe(true);
    expect(help.textContent).toContain("time zone");

    // Esc closes it and leaves the keyboard in the box.
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("search-help")).toBeNull();
    expect(document.activeElement).toBe(input);
    // A click elsewhere closes it too.
    await user.click(toggle);
    expect(screen.getByTestId("search-help")).toBeTruthy();
    await user.click(document.body);
    expect(screen.queryByTestId("search-help")).toBeNull();
  });

  it("picking an operator types it into the box, and the query goes to the backend as typed", async () => {
    const backend = mockBackend({ search: () => [searchHitFixture(1)] });
    const { user } = renderApp();
    const input = (await screen.findByTestId("search-input")) as HTMLInputElement;
    await user.type(input, "renewal");
    await user.click(screen.getByTestId("search-help-toggle"));
    const fromRow = within(screen.getByTestId("search-help"))
      .getAllByTestId("search-operator")
      .find((row) => row.querySelector("code")?.textContent === "from:dana");
    await user.click(fromRow!);
    expect(screen.queryByTestId("search-help")).toBeNull();
    expect(input.value).toBe("renewal from:");
    expect(document.activeElement).toBe(input);
    await user.keyboard("dana is:unread{Enter}");
    expect(backend.callsTo("search")).toEqual([{ args: { query: "renewal from:dana is:unread", limit: 50 } }]);
  });

  it("a hit shows its folder next to the subject and its highlighted match", async () => {
    mockBackend({
      search: () => [
        searchHitFixture(1, { folder: "Sent", snippet_html: "the <mark>renewal</mark> &amp; the quote" }),
        searchHitFixture(2),
      ],
    });
    const { user } = renderApp();
    await user.type(await screen.findByTestId("search-input"), "renewal{Enter}");
    const hits = await screen.findAllByTestId("search-hit");
    expect(within(hits[0]!).getByTestId("search-hit-folder").textContent).toBe("Sent");
    expect(hits[0]!.querySelector("mark")?.textContent).toBe("renewal");
    expect(hits[0]!.textContent).toContain("the renewal & the quote");
    // A hit without a folder (an older backend) just shows none.
    expect(within(hits[1]!).queryByTestId("search-hit-folder")).toBeNull();
  });

  it("a query the backend cannot read shows why, without a pointless retry", async () => {
    mockBackend({
      search: () =>
        apiError(
          "invalid_input",
          'cannot search for "before:2026-13-01": "2026-13-01" is not a date; write before:YYYY-MM-DD or before:YYYY/MM/DD',
        ),
    });
    const { user } = renderApp();
    await user.type(await screen.findByTestId("search-input"), "before:2026-13-01{Enter}");
    const note = await screen.findByTestId("error-note");
    expect(note.getAttribute("data-code")).toBe("invalid_input");
    expect(note.textContent).toContain("before:2026-13-01");
    expect(within(note).queryByRole("button", { name: "Try again" })).toBeNull();
  });
});

import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mockBackend } from "../test/backend";
import { renderApp } from "../test/render";

const currentView = () => document.querySelector("[data-view]")?.getAttribute("data-view");

describe("g-sequences", () => {
  it.each([
    ["gc", "calendar"],
    ["gt", "tickets"],
    ["gk", "contacts"],
    ["gs", "settings"],
    ["gy", "sync"],
  ])("%s switches to %s, and g i comes back to the inbox", async (keys, view) => {
    mockBackend();
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");
    expect(currentView()).toBe("inbox");
    await user.keyboard(keys);
    expect(currentView()).toBe(view);
    await user.keyboard("gi");
    expect(currentView()).toBe("inbox");
  });

  it("are ignored while typing in an input", async () => {
    mockBackend();
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");
    const input = screen.getByTestId("search-input");
    await user.click(input);
    await user.keyboard("gc");
    expect(currentView()).toBe("inbox");
    expect((input as HTMLInputElement).value).toBe("gc");
  });

  it("a letter without g, or g followed by an unknown key, does nothing", async () => {
    mockBackend();
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");
    await user.keyboard("c");
    expect(currentView()).toBe("inbox");
    await user.keyboard("gxc");
    expect(currentView()).toBe("inbox");
  });

  it("with a modifier the key is left to the system", async () => {
    mockBackend();
    const { user } = renderApp();
    await screen.findAllByTestId("thread-row");
    await user.keyboard("{Control>}g{/Control}c");
    expect(currentView()).toBe("inbox");
  });

  it("nav buttons switch views and mark the current one", async () => {
    mockBackend();
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-sync"));
    expect(currentView()).toBe("sync");
    expect(screen.getByTestId("nav-sync").getAttribute("aria-current")).toBe("page");
    expect(screen.getByTestId("nav-inbox").getAttribute("aria-current")).toBeNull();
  });
});

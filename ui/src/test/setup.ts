import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";
import { invoke } from "@tauri-apps/api/core";
import { resetTauriEvents } from "./tauriEvents";

// Every command goes through invoke; tests answer it with fixture DTOs (see backend.ts).
vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
vi.mock("@tauri-apps/api/event", async () => {
  const events = await import("./tauriEvents");
  return { listen: events.listen };
});

// jsdom does no layout. The virtualised lists size themselves from the scroll element's
// client box, so give every element a window-sized one.
Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 800 });
Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 600 });
Element.prototype.scrollTo = function scrollTo(this: Element, options?: ScrollToOptions | number) {
  if (typeof options === "object" && options.top !== undefined) this.scrollTop = options.top;
} as Element["scrollTo"];

afterEach(() => {
  cleanup();
  vi.mocked(invoke).mockReset();
  resetTauriEvents();
  vi.useRealTimers();
});

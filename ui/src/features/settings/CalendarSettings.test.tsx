import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { CalendarSettings, CalendarSyncSummary } from "../../ipc/bindings";
import { apiError, mockBackend, type Handler } from "../../test/backend";
import { renderApp } from "../../test/render";
import { meetingLinkProblem } from "./CalendarSettingsSection";
import { caldavProblems } from "./CaldavAccountForm";

async function openSettings(handlers: Record<string, Handler> = {}) {
  const backend = mockBackend(handlers);
  const rendered = renderApp();
  await rendered.user.click(await screen.findByTestId("nav-settings"));
  return { ...rendered, backend };
}

const input = (el: HTMLElement) => el as HTMLInputElement;

describe("Settings → Calendar", () => {
  it("loads the saved settings", async () => {
    await openSettings({
      calendar_settings: () =>
        ({
          meeting_link_template: "https://zoom.us/j/42",
          default_reminder_minutes: 15,
          time_zone: "Europe/Berlin",
          working_hours: ["Mon-Thu 08:00-16:00", "Fri 08:00-12:00"],
        }) satisfies CalendarSettings,
    });
    const section = await screen.findByTestId("calendar-settings");
    expect(input(await within(section).findByTestId("meeting-link")).value).toBe("https://zoom.us/j/42");
    expect(input(within(section).getByTestId("default-reminder")).value).toBe("15");
    expect(within(section).getByTestId("calendar-zone-button").textContent).toContain("Europe/Berlin");
    expect((within(section).getByTestId("working-hours") as HTMLTextAreaElement).value).toBe(
      "Mon-Thu 08:00-16:00\nFri 08:00-12:00",
    );
  });

  it("suggests the system zone when none is saved, and saves what was chosen", async () => {
    const { backend, user } = await openSettings({
      set_calendar_settings: (a) => a?.settings,
    });
    const section = await screen.findByTestId("calendar-settings");
    // The tests run in America/New_York (vite.config.ts).
    expect((await within(section).findByTestId("calendar-zone-button")).textContent).toContain("America/New York");
    await user.type(within(section).getByTestId("meeting-link"), "https://meet.example.test/me");
    await user.selectOptions(within(section).getByTestId("default-reminder"), "10 minutes before");
    await user.click(within(section).getByTestId("calendar-zone-button"));
    await user.type(within(section).getByTestId("calendar-zone-search"), "tokyo");
    await user.click(within(section).getByRole("option", { name: /Asia\/Tokyo/ }));
    await user.click(within(section).getByTestId("save-calendar-settings"));

    await within(section).findByTestId("calendar-settings-saved");
    expect(backend.callsTo("set_calendar_settings")).toEqual([
      {
        settings: {
          meeting_link_template: "https://meet.example.test/me",
          default_reminder_minutes: 10,
          time_zone: "Asia/Tokyo",
          working_hours: ["Mon-Fri 09:00-17:00"],
        },
      },
    ]);
  });

  it("clearing the link and choosing no reminder saves nulls", async () => {
    const { backend, user } = await openSettings({
      calendar_settings: () => ({
        meeting_link_template: "https://zoom.us/j/42",
        default_reminder_minutes: 30,
        time_zone: "UTC",
        working_hours: ["Mon-Fri 09:00-17:00"],
      }),
      set_calendar_settings: (a) => a?.settings,
    });
    const section = await screen.findByTestId("calendar-settings");
    await user.clear(await within(section).findByTestId("meeting-link"));
    await user.selectOptions(within(section).getByTestId("default-reminder"), "None");
    await user.click(within(section).getByTestId("save-calendar-settings"));
    await within(section).findByTestId("calendar-settings-saved");
    expect(backend.callsTo("set_calendar_settings")).toEqual([
      {
        settings: {
          meeting_link_template: null,
          default_reminder_minutes: null,
          time_zone: "UTC",
          working_hours: ["Mon-Fri 09:00-17:00"],
        },
      },
    ]);
  });

  it("refuses a link that is not https before asking the server", async () => {
    const { backend, user } = await openSettings({ set_calendar_settings: (a) => a?.settings });
    const section = await screen.findByTestId("calendar-settings");
    await user.type(await within(section).findByTestId("meeting-link"), "http://zoom.us/j/1");
    await user.click(within(section).getByTestId("save-calendar-settings"));
    expect(within(section).getByTestId("meeting-link-error").textContent).toContain("https://");
    expect(within(section).getByTestId("meeting-link").getAttribute("aria-invalid")).toBe("true");
    expect(backend.callsTo("set_calendar_settings")).toEqual([]);
  });

  it("shows the server's message when saving fails", async () => {
    const { user } = await openSettings({
      set_calendar_settings: () => apiError("invalid_input", "unknown time zone Mars/Olympus"),
    });
    const section = await screen.findByTestId("calendar-settings");
    await user.click(await within(section).findByTestId("save-calendar-settings"));
    expect((await within(section).findByTestId("calendar-settings-error")).textContent).toBe(
      "unknown time zone Mars/Olympus",
    );
    expect(within(section).queryByTestId("calendar-settings-saved")).toBeNull();
  });

  it("shows why the settings could not be loaded", async () => {
    await openSettings({ calendar_settings: () => apiError("internal", "database is locked") });
    const section = await screen.findByTestId("calendar-settings");
    expect((await within(section).findByTestId("error-note")).textContent).toContain("database is locked");
  });

  it("meetingLinkProblem accepts https and empty, refuses the rest", () => {
    expect(meetingLinkProblem("")).toBeNull();
    expect(meetingLinkProblem("  https://zoom.us/j/1 ")).toBeNull();
    expect(meetingLinkProblem("http://zoom.us/j/1")).not.toBeNull();
    expect(meetingLinkProblem("zoom.us/j/1")).not.toBeNull();
    expect(meetingLinkProblem("javascript:alert(1)")).not.toBeNull();
  });
});

const summary = (overrides: Partial<CalendarSyncSummary> = {}): CalendarSyncSummary => ({
  account: "Fastmail",
  calendars: 2,
  fetched: 10,
  deleted: 0,
  pushed: 0,
  conflicts: 0,
  full_resyncs: 1,
  error: null,
  ...overrides,
});

async function fillCaldav(user: Awaited<ReturnType<typeof openSettings>>["user"], section: HTMLElement) {
  await user.type(within(section).getByTestId("caldav-name"), "Fastmail");
  await user.type(within(section).getByTestId("caldav-url"), "https://caldav.fastmail.test/");
  await user.type(within(section).getByTestId("caldav-user"), "me@fastmail.test");
  await user.type(within(section).getByTestId("caldav-password"), "app-password");
}

describe("Settings → Add calendar account (CalDAV)", () => {
  it("adds the account, says how many calendars it found, then syncs and refreshes the calendars", async () => {
    const { backend, user } = await openSettings({
      add_caldav_account: () => 2,
      sync_calendars: () => [summary()],
    });
    const section = await screen.findByTestId("caldav-account");
    expect(section.textContent).toMatch(/Google and Microsoft calendars .* come with their mail accounts/);
    await fillCaldav(user, section);
    await user.click(within(section).getByTestId("caldav-add"));

    expect((await within(section).findByTestId("caldav-found")).textContent).toBe("Found 2 calendars");
    expect(backend.callsTo("add_caldav_account")).toEqual([
      {
        input: {
          name: "Fastmail",
          url: "https://caldav.fastmail.test/",
          user: "me@fastmail.test",
          password: "app-password",
        },
      },
    ]);
    await waitFor(() => expect(within(section).getByTestId("caldav-sync").textContent).toBe("Calendars synced"));
    expect(backend.callsTo("sync_calendars")).toHaveLength(1);
    // The password does not stay on screen.
    expect(input(within(section).getByTestId("caldav-password")).value).toBe("");
  });

  it("the calendars query is invalidated after the sync", async () => {
    const { user, queryClient } = await openSettings({
      add_caldav_account: () => 1,
      sync_calendars: () => [summary({ calendars: 1 })],
    });
    queryClient.setQueryData(["calendars"], []);
    const section = await screen.findByTestId("caldav-account");
    await fillCaldav(user, section);
    await user.click(within(section).getByTestId("caldav-add"));
    expect((await within(section).findByTestId("caldav-found")).textContent).toBe("Found 1 calendar");
    await within(section).findByText("Calendars synced");
    expect(queryClient.getQueryState(["calendars"])?.isInvalidated).toBe(true);
  });

  it("shows the server's message when the account cannot be added, and does not sync", async () => {
    const { backend, user } = await openSettings({
      add_caldav_account: () => apiError("auth_expired", "the server refused the user name or password"),
      sync_calendars: () => [],
    });
    const section = await screen.findByTestId("caldav-account");
    await fillCaldav(user, section);
    await user.click(within(section).getByTestId("caldav-add"));
    expect((await within(section).findByTestId("caldav-error")).textContent).toBe(
      "the server refused the user name or password",
    );
    expect(within(section).queryByTestId("caldav-found")).toBeNull();
    expect(backend.callsTo("sync_calendars")).toEqual([]);
    // What was typed stays, to be corrected.
    expect(input(within(section).getByTestId("caldav-url")).value).toBe("https://caldav.fastmail.test/");
  });

  it("reports a failed first sync", async () => {
    const { user } = await openSettings({
      add_caldav_account: () => 3,
      sync_calendars: () => [summary({ error: "HTTP 503 from the server" })],
    });
    const section = await screen.findByTestId("caldav-account");
    await fillCaldav(user, section);
    await user.click(within(section).getByTestId("caldav-add"));
    expect((await within(section).findByTestId("caldav-found")).textContent).toBe("Found 3 calendars");
    expect((await within(section).findByTestId("caldav-sync-error")).textContent).toContain("HTTP 503 from the server");
  });

  it("asks for the missing fields before calling the server", async () => {
    const { backend, user } = await openSettings({ add_caldav_account: () => 1 });
    const section = await screen.findByTestId("caldav-account");
    await user.type(within(section).getByTestId("caldav-url"), "not a url");
    await user.click(within(section).getByTestId("caldav-add"));
    expect(within(section).getByTestId("caldav-name-error")).toBeTruthy();
    expect(within(section).getByTestId("caldav-url-error")).toBeTruthy();
    expect(within(section).getByTestId("caldav-user-error")).toBeTruthy();
    expect(within(section).getByTestId("caldav-password-error")).toBeTruthy();
    expect(backend.callsTo("add_caldav_account")).toEqual([]);
  });

  it("caldavProblems", () => {
    const ok = { name: "A", url: "https://dav.test/", user: "u", password: "p" };
    expect(caldavProblems(ok)).toEqual({});
    expect(Object.keys(caldavProblems({ ...ok, url: "ftp://dav.test/" }))).toEqual(["url"]);
  });
});

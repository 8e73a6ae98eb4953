import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ConnectionTest, ImapAccountInput, ProviderPresetView, ServerCheck } from "../../ipc/bindings";
import { apiError, mockBackend, type Handler } from "../../test/backend";
import { appStatusFixture } from "../../test/fixtures";
import { renderApp } from "../../test/render";
import { checkSentence } from "./serverChecks";

const presets: ProviderPresetView[] = [
  {
    id: "gmail",
    label: "Gmail",
    imap_host: "imap.gmail.com",
    imap_port: 993,
    imap_security: "tls",
    smtp_host: "smtp.gmail.com",
    smtp_port: 465,
    smtp_security: "tls",
    note: "Use an app password.",
  },
  {
    id: "outlook",
    label: "Outlook.com / Office 365",
    imap_host: "outlook.office365.com",
    imap_port: 993,
    imap_security: "tls",
    smtp_host: "smtp.office365.com",
    smtp_port: 587,
    smtp_security: "starttls",
    note: "",
  },
];

const ok = (message: string): ServerCheck => ({ ok: true, kind: null, message });
const passed: ConnectionTest = { imap: ok("IMAP login succeeded"), smtp: ok("SMTP login succeeded"), warnings: [] };

async function openDialog(handlers: Record<string, Handler> = {}) {
  const backend = mockBackend({ provider_presets: () => presets, ...handlers });
  const rendered = renderApp();
  await rendered.user.click(await screen.findByTestId("nav-settings"));
  await rendered.user.click(await screen.findByTestId("open-add-account"));
  const dialog = screen.getByTestId("add-account-dialog");
  // The preset list has arrived once its options are there.
  await within(dialog).findByRole("option", { name: "Gmail" });
  return { ...rendered, backend, dialog };
}

const value = (dialog: HTMLElement, testId: string) => (within(dialog).getByTestId(testId) as HTMLInputElement).value;

type User = Awaited<ReturnType<typeof openDialog>>["user"];

/** A complete custom-server form, typed the way a person would. */
async function fillCustom(user: User, dialog: HTMLElement) {
  const d = within(dialog);
  await user.type(d.getByLabelText("Account name"), "Work");
  await user.type(d.getByLabelText("Email address"), "me@work.test");
  await user.type(d.getByLabelText("Password"), "s3cret pw");
  const imap = within(d.getByTestId("imap-server"));
  await user.type(imap.getByLabelText("Server"), "mail.work.test");
  await user.type(imap.getByLabelText("Port"), "993");
  const smtp = within(d.getByTestId("smtp-server"));
  await user.type(smtp.getByLabelText("Server"), "smtp.work.test");
  await user.type(smtp.getByLabelText("Port"), "587");
}

const expectedInput: ImapAccountInput = {
  name: "Work",
  email: "me@work.test",
  user: "me@work.test",
  password: "s3cret pw",
  imap_host: "mail.work.test",
  imap_port: 993,
  imap_security: "tls",
  smtp_host: "smtp.work.test",
  smtp_port: 587,
  smtp_security: "starttls",
  ca_file: null,
  body_window_days: 90,
  poll_minutes: 5,
  provider_saves_sent: null,
};

describe("add account dialog", () => {
  it("a provider preset fills both servers; custom blanks them again", async () => {
    const { user, dialog } = await openDialog();
    await user.selectOptions(within(dialog).getByLabelText("Provider"), "gmail");
    expect(value(dialog, "imap-host")).toBe("imap.gmail.com");
    expect(value(dialog, "imap-port")).toBe("993");
    expect(value(dialog, "imap-security")).toBe("tls");
    expect(value(dialog, "smtp-host")).toBe("smtp.gmail.com");
    expect(value(dialog, "smtp-port")).toBe("465");
    expect(value(dialog, "smtp-security")).toBe("tls");
    expect(within(dialog).getByTestId("preset-note").textContent).toBe("Use an app password.");

    await user.selectOptions(within(dialog).getByLabelText("Provider"), "outlook");
    expect(value(dialog, "smtp-host")).toBe("smtp.office365.com");
    expect(value(dialog, "smtp-security")).toBe("starttls");
    expect(within(dialog).queryByTestId("preset-note")).toBeNull();

    await user.selectOptions(within(dialog).getByLabelText("Provider"), "");
    expect(value(dialog, "imap-host")).toBe("");
    expect(value(dialog, "imap-port")).toBe("");
    expect(value(dialog, "smtp-host")).toBe("");
    expect(value(dialog, "smtp-port")).toBe("");
  });

  it("security None warns that plain text is only allowed to localhost, per server", async () => {
    const { user, dialog } = await openDialog();
    expect(within(dialog).queryByTestId("imap-plaintext-warning")).toBeNull();
    const imap = within(within(dialog).getByTestId("imap-server"));
    await user.selectOptions(imap.getByLabelText("Security"), "none");
    expect(within(dialog).getByTestId("imap-plaintext-warning").textContent).toMatch(/only allows this to .*localhost/);
    expect(within(dialog).queryByTestId("smtp-plaintext-warning")).toBeNull();
    await user.selectOptions(imap.getByLabelText("Security"), "starttls");
    expect(within(dialog).queryByTestId("imap-plaintext-warning")).toBeNull();
  });

  it("the user name follows the email address until it is edited", async () => {
    const { user, dialog } = await openDialog();
    await user.type(within(dialog).getByLabelText("Email address"), "me@work.test");
    expect(value(dialog, "account-user")).toBe("me@work.test");
    await user.clear(within(dialog).getByLabelText("User name"));
    await user.type(within(dialog).getByLabelText("User name"), "me");
    await user.type(within(dialog).getByLabelText("Email address"), "x");
    expect(value(dialog, "account-user")).toBe("me");
  });

  it("a failed test names the problem in a sentence per server, with the server's words and warnings", async () => {
    const { user, dialog, backend, queryClient } = await openDialog({
      test_imap_account: () => ({
        imap: { ok: false, kind: "auth_failed", message: "AUTHENTICATIONFAILED Invalid credentials" },
        smtp: { ok: false, kind: "host_not_found", message: "smtp.work.test: no such host" },
        warnings: ["plain text to localhost"],
      }),
    });
    await fillCustom(user, dialog);
    await user.click(within(dialog).getByTestId("test-connection"));
    const imap = await within(dialog).findByTestId("check-imap");
    expect(imap.getAttribute("data-ok")).toBe("false");
    expect(imap.textContent).toContain("Sign-in failed — check the user name and password");
    expect(imap.textContent).toContain("AUTHENTICATIONFAILED Invalid credentials");
    const smtp = within(dialog).getByTestId("check-smtp");
    expect(smtp.textContent).toContain("Host not found — check the server name.");
    expect(within(dialog).getByTestId("connection-warning").textContent).toBe("plain text to localhost");
    expect(backend.callsTo("test_imap_account")).toEqual([{ input: expectedInput }]);
    expect(backend.callsTo("add_imap_account")).toHaveLength(0);
    // The password went to the command and nowhere else: not into the query cache.
    const cached = [
      ...queryClient.getMutationCache().getAll().map((m) => m.state),
      ...queryClient.getQueryCache().getAll().map((q) => q.state),
    ];
    expect(JSON.stringify(cached)).not.toContain("s3cret");

    // Editing a setting retires the result that described the old one.
    await user.type(within(dialog).getByLabelText("Password"), "!");
    expect(within(dialog).queryByTestId("connection-test")).toBeNull();
  });

  it("Add sends the whole form, closes, refreshes the account list and says what was added", async () => {
    let added = false;
    const { user, dialog, backend } = await openDialog({
      add_imap_account: () => {
        added = true;
        return {
          ...passed,
          smtp: { ok: false, kind: "connection_refused", message: "connection refused" },
        };
      },
      list_accounts: () =>
        added ? [{ id: 3, name: "Work", kind: "imap", email: "me@work.test", message_count: 0, unread_count: 0 }] : [],
    });
    await fillCustom(user, dialog);
    const d = within(dialog);
    await user.type(d.getByLabelText("CA file"), "/etc/ssl/work-ca.pem");
    await user.clear(d.getByLabelText("Download bodies for (days)"));
    await user.type(d.getByLabelText("Download bodies for (days)"), "30");
    await user.clear(d.getByLabelText("Check every (minutes)"));
    await user.type(d.getByLabelText("Check every (minutes)"), "15");
    await user.click(d.getByTestId("account-saves-sent"));
    // Enter in a field submits the form.
    await user.type(d.getByLabelText("Password"), "{Enter}");
    await waitFor(() => expect(screen.queryByTestId("add-account-dialog")).toBeNull());
    expect(backend.callsTo("add_imap_account")).toEqual([
      {
        input: {
          ...expectedInput,
          ca_file: "/etc/ssl/work-ca.pem",
          body_window_days: 30,
          poll_minutes: 15,
          provider_saves_sent: true,
        },
      },
    ]);
    const rows = await screen.findAllByTestId("account-row");
    expect(rows.map((r) => r.textContent)).toEqual([expect.stringContaining("me@work.test")]);
    const notice = screen.getByTestId("account-added");
    expect(notice.textContent).toContain("Added Work.");
    expect(notice.textContent).toContain("Connection refused");
  });

  it("a rejected add shows the headline for its code and keeps the dialog open", async () => {
    const { user, dialog } = await openDialog({
      add_imap_account: () => apiError("auth_expired", "IMAP: AUTHENTICATIONFAILED Invalid credentials"),
    });
    await fillCustom(user, dialog);
    await user.click(within(dialog).getByTestId("add-account-submit"));
    const error = await within(dialog).findByTestId("add-account-error");
    expect(error.getAttribute("data-code")).toBe("auth_expired");
    expect(error.textContent).toContain("Sign-in failed — check the user name and password.");
    expect(error.textContent).toContain("IMAP: AUTHENTICATIONFAILED Invalid credentials");
    expect(screen.getByTestId("add-account-dialog")).toBe(dialog);
  });

  it("an unreachable server is explained as such", async () => {
    const { user, dialog } = await openDialog({
      add_imap_account: () => apiError("offline", "IMAP: connection refused"),
    });
    await fillCustom(user, dialog);
    await user.click(within(dialog).getByTestId("add-account-submit"));
    const error = await within(dialog).findByTestId("add-account-error");
    expect(error.getAttribute("data-code")).toBe("offline");
    expect(error.textContent).toMatch(/Could not reach the server/);
  });

  it("says what is missing, focuses it, and sends nothing", async () => {
    const { user, dialog, backend } = await openDialog();
    await user.type(within(dialog).getByLabelText("Account name"), "Work");
    await user.click(within(dialog).getByTestId("add-account-submit"));
    const email = within(dialog).getByLabelText("Email address");
    expect(email.getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(email);
    expect(within(dialog).getByText("Enter the password (or app password).")).toBeTruthy();
    expect(within(dialog).getByText("Enter the IMAP server name.")).toBeTruthy();
    await user.click(within(dialog).getByTestId("test-connection"));
    expect(backend.callsTo("add_imap_account")).toHaveLength(0);
    expect(backend.callsTo("test_imap_account")).toHaveLength(0);
  });

  it("is labelled, focuses its first field, and Esc closes it back to the button", async () => {
    const { user, dialog } = await openDialog();
    expect(dialog.getAttribute("role")).toBe("dialog");
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(screen.getByRole("dialog", { name: "Add an email account" })).toBe(dialog);
    expect(document.activeElement).toBe(within(dialog).getByLabelText("Provider"));
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("add-account-dialog")).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId("open-add-account"));
  });

  it("app shortcuts do not act behind the dialog", async () => {
    const { user, dialog } = await openDialog();
    within(dialog).getByTestId("test-connection").focus();
    await user.keyboard("gi");
    expect(document.querySelector("[data-view]")?.getAttribute("data-view")).toBe("settings");
    expect(screen.getByTestId("add-account-dialog")).toBeTruthy();
  });

  it("from the welcome screen, adding an account opens the workspace where it is listed", async () => {
    let added = false;
    const backend = mockBackend({
      app_status: () => appStatusFixture({ has_data: false }),
      provider_presets: () => presets,
      add_imap_account: () => {
        added = true;
        return passed;
      },
      list_accounts: () =>
        added ? [{ id: 3, name: "Work", kind: "imap", email: "me@work.test", message_count: 0, unread_count: 0 }] : [],
    });
    const { user } = renderApp();
    await user.click(await screen.findByTestId("add-account"));
    const dialog = screen.getByTestId("add-account-dialog");
    await fillCustom(user, dialog);
    await user.click(within(dialog).getByTestId("add-account-submit"));
    await waitFor(() => expect(screen.queryByTestId("first-run")).toBeNull());
    expect(backend.callsTo("add_imap_account")).toHaveLength(1);
    expect(document.querySelector("[data-view]")?.getAttribute("data-view")).toBe("settings");
    expect((await screen.findAllByTestId("account-row"))[0]!.textContent).toContain("Work");
  });
});

describe("connection test sentences", () => {
  const cases: [string, RegExp][] = [
    ["host_not_found", /^Host not found — check the server name\.$/],
    ["connection_refused", /^Connection refused/],
    ["timeout", /did not answer in time/],
    ["tls", /secure connection failed/],
    ["auth_failed", /^Sign-in failed — check the user name and password/],
    ["plaintext_not_allowed", /only allowed to this computer/],
    ["unsupported", /lacks something Switchboard needs/],
    ["protocol", /unexpected way/],
    ["network", /network error/],
    ["something_new", /^The connection test failed\.$/],
  ];
  it.each(cases)("%s", (kind, sentence) => {
    expect(checkSentence({ ok: false, kind, message: "detail" })).toMatch(sentence);
  });

  it("a passing server says so", () => {
    expect(checkSentence(ok("IMAP login succeeded"))).toBe("Connected and signed in.");
  });
});

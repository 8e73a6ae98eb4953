// An IMAP account end to end in the real app window, against a real Dovecot and a real SMTP
// server on loopback: add the account from the first-run screen, see the synced Inbox and
// its folder tree, get pushed mail through IDLE, open it, reply, and see the reply reach the
// SMTP server once the undo window has passed.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT, TIMEOUTS, launchApp, screenshot, sequence, text, tid } from "./harness.js";

const TARGET = process.env.CARGO_TARGET_DIR || path.join(REPO_ROOT, "target");
const DOVECOT_SERVER = path.join(TARGET, "debug", "examples", "dovecot_server");
const CLI = path.join(TARGET, "debug", "switchboard-cli");
const SMTP_SINK = path.join(REPO_ROOT, "crates", "testkit", "py", "smtp_sink.py");
const IMAP_CLIENT = path.join(REPO_ROOT, "crates", "testkit", "py", "imap_client.py");
const MESSAGES = 40;
const PUSHED_SUBJECT = "Pushed while the app was idling";

/** Reads lines from a child's stdout until `match` returns a value. */
async function firstLine(child, match, what) {
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const value = match(line);
    if (value !== undefined) return value;
  }
  throw new Error(`${what} ended before it was ready`);
}

describe("IMAP account flow", { timeout: 10 * 60_000 }, () => {
  /** @type {Awaited<ReturnType<typeof launchApp>>} */
  let app;
  /** @type {WebdriverIO.Browser} */
  let browser;
  /** @type {import("node:child_process").ChildProcess} */
  let dovecot;
  /** @type {import("node:child_process").ChildProcess} */
  let smtp;
  let server; // what dovecot_server printed
  let smtpPort = 0;
  let work = "";
  const step = sequence(() => browser);
  const $ = (sel) => browser.$(sel);
  const $$ = (sel) => browser.$$(sel);

  before(async () => {
    for (const bin of [DOVECOT_SERVER, CLI]) {
      assert.ok(existsSync(bin), `${bin} is missing: make e2e builds it`);
    }
    work = await mkdtemp(path.join(os.tmpdir(), "switchboard-e2e-imap-"));
    const source = path.join(work, "source");
    const made = spawnSync(CLI, ["demo", "maildir", source, "--count", String(MESSAGES)], { encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);

    dovecot = spawn(DOVECOT_SERVER, ["--fill-from", source], { stdio: ["pipe", "pipe", "inherit"] });
    server = await firstLine(dovecot, (l) => (l.startsWith("{") ? JSON.parse(l) : undefined), "dovecot_server");

    // The SMTP server takes the account's own user and password, like a real provider.
    const sinkDir = path.join(work, "smtp");
    mkdirSync(sinkDir);
    smtp = spawn("python3", [SMTP_SINK, "--dir", sinkDir, "--user", server.user, "--password", server.password], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    smtpPort = await firstLine(smtp, (l) => (l.startsWith("PORT ") ? Number(l.slice(5)) : undefined), "smtp_sink");

    app = await launchApp({ name: "imap-flow" });
    browser = app.browser;
  }, { timeout: TIMEOUTS.driverStart + TIMEOUTS.session + 120_000 });

  after(async () => {
    await app?.stop();
    if (dovecot && dovecot.exitCode === null) {
      dovecot.stdin?.end(); // it stops Dovecot when its stdin closes
      await once(dovecot, "exit");
    }
    if (smtp && smtp.exitCode === null) {
      smtp.kill("SIGTERM");
      await once(smtp, "exit");
    }
    if (work) await rm(work, { recursive: true, force: true });
  }, { timeout: 60_000 });

  /** Another IMAP client (Python imaplib) doing one operation. */
  function otherClient(op, args) {
    const input = JSON.stringify({ host: server.host, port: server.imap_port, user: server.user, password: server.password, op, ...args });
    const run = spawnSync("python3", [IMAP_CLIENT], { input, encoding: "utf8" });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    return JSON.parse(run.stdout).result;
  }

  async function fill(testId, value) {
    const input = await $(tid(testId));
    await input.waitForDisplayed({ timeout: TIMEOUTS.ui, timeoutMsg: `no ${testId} field` });
    await input.clearValue();
    await input.setValue(String(value));
  }

  it(
    "adds an IMAP account from the first-run screen",
    step(async () => {
      const open = await $(`${tid("first-run")} ${tid("add-account")}`);
      await open.waitForDisplayed({ timeout: TIMEOUTS.ui, timeoutMsg: "the first-run screen has no Add account" });
      await open.click();
      await $(tid("add-account-dialog")).waitForDisplayed({ timeout: TIMEOUTS.ui });
      await fill("account-name", "Work");
      await fill("account-email", server.user);
      await fill("account-user", server.user);
      await fill("account-password", server.password);
      await fill("imap-host", server.host);
      await fill("imap-port", server.imap_port);
      await $(tid("imap-security")).selectByAttribute("value", "starttls");
      await fill("smtp-host", server.host);
      await fill("smtp-port", smtpPort);
      await $(tid("smtp-security")).selectByAttribute("value", "none");
      assert.ok(await $(tid("smtp-plaintext-warning")).isDisplayed(), "plain-text SMTP shows its warning");
      // The advanced fields may sit behind a disclosure.
      const ca = await $(tid("account-ca-file"));
      if (!(await ca.isDisplayed())) {
        const summary = await $("summary*=Advanced");
        if (await summary.isExisting()) await summary.click();
      }
      await fill("account-ca-file", server.ca);
      await fill("account-body-window", 0);

      await $(tid("test-connection")).click();
      const result = await $(tid("connection-test"));
      await browser.waitUntil(async () => /IMAP/i.test(await text(result)), {
        timeout: TIMEOUTS.ui,
        timeoutMsg: "the connection test showed no result",
      });
      await screenshot(browser, "add-account");
      await $(tid("add-account-submit")).click();
      await $(tid("add-account-dialog")).waitForExist({
        reverse: true,
        timeout: TIMEOUTS.ui,
        timeoutMsg: `the dialog stayed open: ${await text($(tid("add-account-dialog"))).catch(() => "")}`,
      });
    }),
  );

  it(
    "syncs the Inbox into the unified inbox and the folder tree",
    step(async () => {
      await $(tid("nav-inbox")).click();
      await $('main[data-view="inbox"]').waitForExist({ timeout: TIMEOUTS.ui });
      // The first pass fills the list; the generated mail is in threads of a few messages.
      await browser.waitUntil(async () => (await $$(tid("thread-row"))).length >= 5, {
        timeout: TIMEOUTS.demoImport,
        timeoutMsg: "the synced Inbox shows no thread rows",
      });
      const labels = [];
      for (const f of await $$(tid("folder"))) labels.push(await text(f));
      for (const name of ["Inbox", "Sent", "Drafts", "Trash"]) {
        assert.ok(labels.some((l) => l.includes(name)), `folder tree lacks ${name}: ${labels.join(" | ")}`);
      }
      await screenshot(browser, "imap-inbox");
    }),
  );

  it(
    "shows mail another client delivers, without waiting for a poll (IDLE)",
    step(async () => {
      const eml = path.join(work, "pushed.eml");
      writeFileSync(
        eml,
        `From: Priya Raman <priya@acme.example>\r\nTo: ${server.user}\r\nSubject: ${PUSHED_SUBJECT}\r\n` +
          `Date: ${new Date().toUTCString()}\r\nMessage-ID: <pushed-${Date.now()}@acme.example>\r\n\r\nAre we still on for Thursday?\r\n`,
      );
      otherClient("append", { folder: "INBOX", path: eml, flags: [] });
      // Polling is every 5 minutes; only IDLE can bring it this soon.
      await browser.waitUntil(
        async () => {
          for (const row of await $$(tid("thread-row"))) {
            if ((await text(row)).includes(PUSHED_SUBJECT)) return true;
          }
          return false;
        },
        { timeout: 60_000, timeoutMsg: "the pushed message never appeared in the thread list" },
      );
    }),
  );

  it(
    "opens the pushed message and replies; the reply reaches the SMTP server after the undo window",
    step(async () => {
      let target;
      for (const row of await $$(tid("thread-row"))) {
        if ((await text(row)).includes(PUSHED_SUBJECT)) target = row;
      }
      assert.ok(target, "pushed row vanished");
      await target.click();
      const pane = await $(tid("reading-pane"));
      await pane.waitForDisplayed({ timeout: TIMEOUTS.ui });
      await browser.waitUntil(async () => (await text(pane)).includes("Thursday"), {
        timeout: TIMEOUTS.ui,
        timeoutMsg: "the reading pane does not show the message body",
      });
      const reply = await pane.$("button=Reply");
      await reply.click();
      const dialog = await $(tid("compose-dialog"));
      await dialog.waitForDisplayed({ timeout: TIMEOUTS.ui });
      assert.match(await $(tid("compose-subject")).getValue(), /^Re: /);
      const body = await $(tid("compose-body"));
      await body.click();
      await browser.keys("Yes, Thursday at 10 works.");
      await $(tid("compose-send")).click();
      await $(tid("compose-toast")).waitForDisplayed({ timeout: TIMEOUTS.ui, timeoutMsg: "no undo toast after Send" });
      await screenshot(browser, "reply-undo");

      const sinkDir = path.join(work, "smtp");
      const received = () => readdirSync(sinkDir).filter((f) => f.endsWith(".json"));
      assert.equal(received().length, 0, "sent before the undo window ended");
      // The default undo window is 10 s; the runner then sends (hang guard, not a timing claim).
      await browser.waitUntil(async () => received().length === 1, {
        timeout: 90_000,
        timeoutMsg: "the reply never reached the SMTP server",
      });
      const record = JSON.parse(readFileSync(path.join(sinkDir, received()[0]), "utf8"));
      assert.deepEqual(record.rcpt_tos, ["priya@acme.example"]);
      assert.equal(record.auth_user, server.user);
      const raw = readFileSync(path.join(sinkDir, record.eml), "utf8");
      assert.match(raw, /In-Reply-To: <pushed-\d+@acme\.example>/);
      assert.match(raw, /Thursday at 10 works/);
      // And a copy lands in Sent on the server.
      await browser.waitUntil(
        async () => otherClient("state", { folder: "Sent" }).some((m) => raw.includes(m.message_id ?? "\u0000")),
        { timeout: 60_000, timeoutMsg: "no copy of the reply in the server's Sent folder" },
      );
    }),
  );
});

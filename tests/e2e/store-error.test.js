// A database file that is not SQLite must stop the app at a blocking dialog, and the app
// must leave the file exactly as it found it (no repair, no truncation, no WAL replay).

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { TIMEOUTS, launchApp, saveFailureArtifacts, screenshot, text, tid } from "./harness.js";

/** 8 KiB of plain text: not an SQLite header, not empty. */
function corruptContent() {
  const line = "This is not an SQLite database. Switchboard must leave it alone.\n";
  return Buffer.from(line.repeat(Math.ceil(8192 / line.length)).slice(0, 8192), "utf8");
}

const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");

describe("corrupt database", { timeout: 5 * 60_000 }, () => {
  /** @type {Awaited<ReturnType<typeof launchApp>> | undefined} */
  let app;

  after(async () => {
    await app?.stop();
  }, { timeout: 60_000 });

  it(
    "shows the store-error dialog and leaves the file untouched",
    { timeout: TIMEOUTS.driverStart + TIMEOUTS.session + TIMEOUTS.ui + 60_000 },
    async () => {
      const original = corruptContent();
      assert.equal(original.length, 8192);
      let dbFile = "";
      app = await launchApp({
        name: "store-error",
        prepare: (dir) => {
          dbFile = path.join(dir, "switchboard.db");
          writeFileSync(dbFile, original);
        },
      });
      const { browser } = app;

      const dialog = await browser.$(tid("store-error"));
      await dialog.waitForDisplayed({ timeout: TIMEOUTS.ui, timeoutMsg: "no store-error dialog for a corrupt database" });
      assert.equal(await dialog.getAttribute("role"), "alertdialog");
      assert.ok((await text(dialog)).includes(app.dataDir), "the dialog does not name the data directory");
      // Nothing of the workspace (or the first-run screen) renders behind it.
      assert.equal(await browser.$("main[data-view]").isExisting(), false, "the workspace rendered behind the dialog");
      assert.equal(await browser.$(tid("first-run")).isExisting(), false, "the first-run screen rendered");
      await screenshot(browser, "store-error");

      // Compare after the app has exited, so nothing it did on the way out is missed.
      await app.shutdown();
      const after = readFileSync(dbFile);
      assert.equal(after.length, original.length, "the file's size changed");
      assert.equal(sha256(after), sha256(original), "the file's bytes changed");
      assert.equal(existsSync(`${dbFile}-wal`) && readFileSync(`${dbFile}-wal`).length > 0, false, "a WAL with content appeared");
    },
  );
});

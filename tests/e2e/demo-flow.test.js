// The demo workspace, end to end in the real app window: first run, inbox, a thread, full-text
// search, the calendar's time zones, ticket filters and a contact with everything linked to
// them. One app instance, one fresh data dir; the steps run in order and share its state.
// Each step saves docs/screenshots/<name>.png.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { APP_TZ, TIMEOUTS, launchApp, readAll, screenshot, sequence, text, tid } from "./harness.js";
import { isoDate, localIsoMinute, utcDatePlus, utcWeekMonday, zonedToInstant } from "./zoned-time.js";

const UNIQUE_WORD = "zanzibarite";
const RENEWAL_SUBJECT = "Renewal terms for Northwind";
const DANA_EMAIL = "dana.whitfield@northwind.example";

describe("demo workspace flow", { timeout: 15 * 60_000 }, () => {
  /** @type {Awaited<ReturnType<typeof launchApp>>} */
  let app;
  /** @type {WebdriverIO.Browser} */
  let browser;
  const step = sequence(() => browser);
  /** When the demo was opened: the demo's "now", which decides its "this week". */
  let demoOpenedAt = Date.now();

  before(async () => {
    app = await launchApp({ name: "demo-flow" });
    browser = app.browser;
  }, { timeout: TIMEOUTS.driverStart + TIMEOUTS.session + 30_000 });

  after(async () => {
    await app?.stop();
  }, { timeout: 60_000 });

  const $ = (sel) => browser.$(sel);
  const $$ = (sel) => browser.$$(sel);

  /** Waits for `[data-view=view]`, the sign that navigation happened. */
  async function waitForView(view) {
    await $(`main[data-view="${view}"]`).waitForExist({
      timeout: TIMEOUTS.ui,
      timeoutMsg: `the ${view} view did not appear`,
    });
  }

  async function navigate(view) {
    await $(tid(`nav-${view}`)).click();
    await waitForView(view);
  }

  it(
    "first run offers the demo workspace, which opens the inbox",
    { timeout: TIMEOUTS.session + TIMEOUTS.demoImport + 60_000 },
    step(async () => {
      const firstRun = await $(tid("first-run"));
      await firstRun.waitForDisplayed({ timeout: TIMEOUTS.ui, timeoutMsg: "first-run screen not shown" });
      const openDemo = await $(tid("open-demo"));
      await openDemo.waitForClickable({ timeout: TIMEOUTS.ui });
      assert.ok(await $(tid("add-account")).isDisplayed(), "add-account button missing");
      assert.equal(await $("main[data-view]").isExisting(), false, "no workspace behind the first-run screen");
      await screenshot(browser, "first-run");

      demoOpenedAt = Date.now();
      await openDemo.click();
      // Importing thousands of messages: the hang guard is generous, not a speed claim.
      await $(tid("thread-list")).waitForDisplayed({
        timeout: TIMEOUTS.demoImport,
        timeoutMsg: "the inbox did not appear after opening the demo workspace",
      });
      await waitForView("inbox");
      await browser.waitUntil(async () => (await $$(tid("thread-row"))).length > 0, {
        timeout: TIMEOUTS.ui,
        timeoutMsg: "the inbox shows no thread rows",
      });
      assert.equal(await $(tid("first-run")).isExisting(), false, "first-run screen still present");
      await screenshot(browser, "inbox");
    }),
  );

  it(
    "clicking a thread opens it in the reading pane",
    step(async () => {
      const row = await $(tid("thread-row"));
      const threadId = await row.getAttribute("data-thread-id");
      assert.match(threadId ?? "", /^\d+$/);
      await row.click();
      const pane = await $(`${tid("reading-pane")}[data-thread-id="${threadId}"]`);
      await pane.waitForDisplayed({ timeout: TIMEOUTS.ui, timeoutMsg: `thread ${threadId} did not open` });
      await browser.waitUntil(async () => (await pane.$$(tid("message"))).length >= 1, {
        timeout: TIMEOUTS.ui,
        timeoutMsg: "the reading pane shows no messages",
      });
      assert.ok((await text(pane.$("h2"))).trim().length > 0, "the open thread has no title");
      const openRow = await $(`${tid("thread-row")}[data-thread-id="${threadId}"]`);
      assert.equal(await openRow.getAttribute("aria-selected"), "true", "the open row is not marked selected");
      await screenshot(browser, "thread");
    }),
  );

  it(
    `searching "${UNIQUE_WORD}" finds exactly the one message that contains it`,
    step(async () => {
      const input = await $(tid("search-input"));
      await input.click();
      await input.setValue(UNIQUE_WORD);
      await browser.keys("Enter");

      const results = await $(`${tid("search-results")}[data-query="${UNIQUE_WORD}"]`);
      await results.waitForDisplayed({ timeout: TIMEOUTS.ui, timeoutMsg: "no search results view" });
      // The title reads "Searching…" until the query has answered, then "<n> results".
      const title = await results.$(".list-toolbar__title");
      await browser.waitUntil(async () => /^\d+\+? results/.test(await text(title)), {
        timeout: TIMEOUTS.ui,
        timeoutMsg: "the search did not finish",
      });
      const hits = await results.$$(tid("search-hit"));
      assert.equal(hits.length, 1, `expected exactly one hit for ${UNIQUE_WORD}, got ${hits.length}`);
      const hit = hits[0];
      assert.match(await text(hit), new RegExp(RENEWAL_SUBJECT));
      assert.match(await text(hit), /Dana Whitfield/);
      const threadId = await hit.getAttribute("data-thread-id");

      await hit.click();
      const pane = await $(`${tid("reading-pane")}[data-thread-id="${threadId}"]`);
      await pane.waitForDisplayed({ timeout: TIMEOUTS.ui, timeoutMsg: "the hit's thread did not open" });
      await browser.waitUntil(async () => (await pane.$$(tid("message"))).length >= 1, {
        timeout: TIMEOUTS.ui,
        timeoutMsg: "the hit's thread shows no messages",
      });
      assert.match(await text(pane.$("h2")), new RegExp(RENEWAL_SUBJECT), "the hit opened another thread");

      // The word is in one body: plain text in message-text, HTML in the sandboxed frame.
      const word = new RegExp(`\\b${UNIQUE_WORD}\\b`, "i");
      const matching = [];
      for (const message of await pane.$$(tid("message"))) {
        const plain = await message.$(tid("message-text"));
        const frame = await message.$(tid("message-body"));
        if (await plain.isExisting()) {
          if (word.test(await text(plain))) matching.push(message);
        } else if (await frame.isExisting()) {
          if (!word.test((await frame.getAttribute("srcdoc")) ?? "")) continue;
          // Also check that the frame renders it, not just carries it.
          await browser.switchFrame(frame);
          try {
            const body = await browser.$("body");
            await browser.waitUntil(async () => word.test(await text(body)), {
              timeout: TIMEOUTS.ui,
              timeoutMsg: "the message frame does not render the word",
            });
          } finally {
            await browser.switchFrame(null);
          }
          matching.push(message);
        }
      }
      assert.equal(matching.length, 1, `expected the word in exactly one message of the thread, got ${matching.length}`);
      const header = await text(matching[0].$(".message__from"));
      assert.ok(header.includes(DANA_EMAIL), `the message with the word is not from Dana: ${header}`);
      await matching[0].scrollIntoView({ block: "start" });
      await screenshot(browser, "search");

      // Leave search: empty the box and close the results; the inbox list comes back.
      await input.click();
      await browser.keys(["Control", "a"]);
      await browser.keys("Backspace");
      await browser.waitUntil(async () => (await input.getValue()) === "", {
        timeout: TIMEOUTS.ui,
        timeoutMsg: "the search box did not clear",
      });
      await results.$('button[aria-label="Clear search"]').click();
      await $(tid("thread-list")).waitForDisplayed({ timeout: TIMEOUTS.ui, timeoutMsg: "the inbox list did not come back" });
    }),
  );

  it(
    "the calendar shows this week's meetings at New York local time",
    step(async () => {
      // The demo's "this week" is the UTC week (Monday first) containing its "now".
      const monday = utcWeekMonday(demoOpenedAt);
      const mondayDate = utcDatePlus(monday, 0);
      const wednesday = utcDatePlus(monday, 2);
      const thursday = utcDatePlus(monday, 3);
      const expected = [
        { summary: "Berlin partner sync", instant: zonedToInstant({ ...wednesday, hour: 15, minute: 0 }, "Europe/Berlin") },
        { summary: "Tokyo customer call", instant: zonedToInstant({ ...thursday, hour: 10, minute: 0 }, "Asia/Tokyo") },
        { summary: "Weekly pipeline review", instant: zonedToInstant({ ...mondayDate, hour: 9, minute: 30 }, APP_TZ) },
      ].map((e) => ({ ...e, utc: new Date(e.instant).toISOString(), local: localIsoMinute(e.instant, APP_TZ) }));
      // Sanity of the expectations themselves, independent of the app.
      assert.equal(expected[2].local, `${isoDate(mondayDate)}T09:30`);

      await navigate("calendar");
      const week = await $(tid("week-view"));
      await week.waitForDisplayed({ timeout: TIMEOUTS.ui, timeoutMsg: "no week view" });
      // The app shows the local (New York) week. Between Monday 00:00 UTC and Monday 00:00
      // New York it still shows the previous one; all three meetings fall in the local week
      // that starts on the UTC week's Monday date, so go there.
      const targetWeek = isoDate(mondayDate);
      for (let i = 0; i < 3; i++) {
        const shown = await week.getAttribute("data-week-start");
        if (shown === targetWeek) break;
        await $(tid(shown < targetWeek ? "week-next" : "week-prev")).click();
        await browser.waitUntil(async () => (await week.getAttribute("data-week-start")) !== shown, {
          timeout: TIMEOUTS.ui,
          timeoutMsg: "the week did not change",
        });
      }
      assert.equal(await week.getAttribute("data-week-start"), targetWeek, "could not reach the demo's week");

      await browser.waitUntil(async () => (await $$(`${tid("event")}[data-summary="Berlin partner sync"]`)).length > 0, {
        timeout: TIMEOUTS.ui,
        timeoutMsg: "this week's events did not load",
      });

      const events = await readAll(browser, tid("event"), ["data-summary", "data-start", "data-local-start", "data-all-day"]);
      for (const e of expected) {
        const found = events
          .filter((ev) => ev["data-summary"] === e.summary)
          .map((ev) => ({ start: ev["data-start"], local: ev["data-local-start"] }));
        assert.ok(found.length > 0, `no "${e.summary}" this week`);
        assert.ok(
          found.some((f) => f.start === e.utc && f.local === e.local),
          `"${e.summary}": expected start ${e.utc} shown at ${e.local} (${APP_TZ}), got ${JSON.stringify(found)}`,
        );
      }

      // Every timed event's local start is its UTC start seen from New York: the window
      // really runs in the zone the suite set.
      for (const ev of events.filter((ev) => ev["data-all-day"] === null)) {
        assert.equal(ev["data-local-start"], localIsoMinute(Date.parse(ev["data-start"]), APP_TZ), `event at ${ev["data-start"]}`);
      }
      await screenshot(browser, "calendar");
    }),
  );

  it(
    "tickets come from both sources and the source filter narrows them",
    step(async () => {
      await navigate("tickets");
      const table = await $(tid("ticket-table"));
      await table.waitForDisplayed({ timeout: TIMEOUTS.ui, timeoutMsg: "no ticket table" });
      await browser.waitUntil(async () => (await $$(tid("ticket-row"))).length > 0, {
        timeout: TIMEOUTS.ui,
        timeoutMsg: "no ticket rows",
      });
      const range = await $(tid("ticket-range"));
      const totalOf = async () => Number(/of (\d+)/.exec(await text(range))?.[1]);
      const readRows = () => readAll(browser, tid("ticket-row"), ["data-source-kind", "data-source-id"]);
      const allTotal = await totalOf();
      const allRows = await readRows();
      const kinds = new Set(allRows.map((r) => r["data-source-kind"]));
      assert.ok(kinds.has("fluentsupport"), "no FluentSupport ticket on the first page");
      assert.ok(kinds.has("mailbox"), "no support-mailbox ticket on the first page");

      const select = await $(tid("filter-source"));
      const option = await select.$("option=FluentSupport");
      const sourceId = await option.getAttribute("value");
      assert.match(sourceId ?? "", /^\d+$/, "the FluentSupport option has no source id");
      await select.selectByAttribute("value", sourceId);

      await browser.waitUntil(
        async () =>
          (await table.getAttribute("aria-busy")) === "false" &&
          (await totalOf()) !== allTotal &&
          (await $$(tid("ticket-row"))).length > 0,
        { timeout: TIMEOUTS.ui, timeoutMsg: "the source filter did not apply" },
      );
      const filteredTotal = await totalOf();
      const rows = await readRows();
      assert.ok(filteredTotal < allTotal, `filtered total ${filteredTotal} is not below ${allTotal}`);
      assert.ok(rows.length > 0 && rows.length <= allRows.length, `${rows.length} rows after filtering`);
      for (const row of rows) {
        assert.equal(row["data-source-kind"], "fluentsupport", `row of source ${row["data-source-id"]}`);
        assert.equal(row["data-source-id"], sourceId);
      }
      await screenshot(browser, "tickets");
    }),
  );

  it(
    "a contact brings together their messages and tickets",
    step(async () => {
      await navigate("contacts");
      await $(tid("contact-list")).waitForDisplayed({ timeout: TIMEOUTS.ui, timeoutMsg: "no contact list" });
      const search = await $(tid("contact-search"));
      await search.click();
      await search.setValue("Dana");

      // The filter is applied as you type and the list re-renders; read it in one script
      // call (no stale element references) until it shows only matches, Dana among them.
      let contactId;
      await browser.waitUntil(
        async () => {
          const rows = await readAll(browser, tid("contact-row"), ["data-contact-id"]);
          if (rows.length === 0 || !rows.every((r) => /dana/i.test(r.text))) return false;
          contactId = rows.find((r) => r.text.includes("Dana Whitfield"))?.["data-contact-id"];
          return Boolean(contactId);
        },
        { timeout: TIMEOUTS.ui, timeoutMsg: "Dana Whitfield not listed under the filter 'Dana'" },
      );
      const dana = await $(`${tid("contact-row")}[data-contact-id="${contactId}"]`);
      await dana.click();

      const detail = await $(`${tid("contact-detail")}[data-contact-id="${contactId}"]`);
      await detail.waitForDisplayed({ timeout: TIMEOUTS.ui, timeoutMsg: "the contact did not open" });
      const messages = await detail.$(tid("contact-messages"));
      await messages.waitForExist({ timeout: TIMEOUTS.ui, timeoutMsg: "the contact's details did not load" });
      assert.equal((await text(detail.$("h2"))).trim(), "Dana Whitfield");
      assert.match(await text(detail), new RegExp(DANA_EMAIL.replace(/\./g, "\\.")));
      const messageCount = (await messages.$$(tid("contact-message"))).length;
      const ticketCount = (await detail.$(tid("contact-tickets")).$$(tid("contact-ticket"))).length;
      assert.ok(messageCount >= 3, `expected ≥3 messages for Dana, got ${messageCount}`);
      assert.ok(ticketCount >= 2, `expected ≥2 tickets for Dana, got ${ticketCount}`);
      assert.ok(await detail.$(tid("contact-events")).isExisting(), "no events section");
      await screenshot(browser, "contact");
    }),
  );
});

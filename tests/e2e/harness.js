// Test harness for the end-to-end suite: starts tauri-driver (which starts WebKitWebDriver,
// which starts the real app binary) on free ports with an isolated data directory, opens a
// WebDriver session with WebdriverIO's standalone `remote()`, and tears all of it down again.
//
// Must run inside scripts/test-session.sh (it provides DISPLAY, a private D-Bus session bus
// and an unlocked keyring); the app inherits tauri-driver's environment.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// docs/screenshots by default (the README shows them); elsewhere when a run should not touch
// the committed pictures.
export const SCREENSHOT_DIR = process.env.SWITCHBOARD_E2E_SCREENSHOT_DIR || path.join(REPO_ROOT, "docs", "screenshots");
const ARTIFACT_DIR = path.join(REPO_ROOT, "tests", "e2e", ".artifacts");

/** The zone the app runs in, so local-time assertions are not accidentally UTC-equal. */
export const APP_TZ = "America/New_York";

/**
 * Hang guards, not timing assertions: generous so a loaded 2-core machine passes, finite so
 * a broken build fails with a message instead of hanging CI. SWITCHBOARD_E2E_TIMEOUT_SCALE
 * stretches them all (e.g. 3 under a debugger or a very slow box).
 */
const SCALE = Number(process.env.SWITCHBOARD_E2E_TIMEOUT_SCALE || 1) || 1;
export const TIMEOUTS = {
  driverStart: 30_000 * SCALE, // tauri-driver + WebKitWebDriver answering /status
  session: 90_000 * SCALE, // new session = launch the app and load the web view
  ui: 30_000 * SCALE, // an ordinary view or query to show up
  demoImport: 120_000 * SCALE, // importing the demo workspace (thousands of messages)
};

const APP_BIN = process.env.SWITCHBOARD_APP || path.join(REPO_ROOT, "target", "debug", "switchboard-app");

function findTauriDriver() {
  if (process.env.TAURI_DRIVER) return process.env.TAURI_DRIVER;
  const dirs = (process.env.PATH || "").split(path.delimiter).filter(Boolean);
  dirs.push(path.join(os.homedir(), ".cargo", "bin"));
  for (const dir of dirs) {
    const candidate = path.join(dir, "tauri-driver");
    if (existsSync(candidate)) return candidate;
  }
  throw new Error("tauri-driver not found on PATH or in ~/.cargo/bin (cargo install tauri-driver --locked --version ^2)");
}

/** A port that was free a moment ago: bind port 0 on loopback, read it, release it. */
export async function freePort() {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = /** @type {net.AddressInfo} */ (server.address());
  server.close();
  await once(server, "close");
  return port;
}

/** Polls tauri-driver's /status until it (and the native driver behind it) is ready. */
async function waitForDriver(port, child, deadlineMs) {
  const url = `http://127.0.0.1:${port}/status`;
  const deadline = Date.now() + deadlineMs;
  let lastError = "no answer yet";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`tauri-driver exited during start-up (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      const body = await res.text();
      if (res.ok) {
        // W3C: { value: { ready: true, ... } }. Accept a 200 without the field too.
        let ready = true;
        try {
          ready = JSON.parse(body)?.value?.ready !== false;
        } catch {
          /* not JSON: a 200 is good enough */
        }
        if (ready) return;
        lastError = `not ready: ${body}`;
      } else {
        lastError = `HTTP ${res.status}: ${body.slice(0, 200)}`;
      }
    } catch (err) {
      lastError = String(err?.cause?.code || err?.message || err);
    }
    await delay(100); // poll interval, not a wait for an outcome
  }
  throw new Error(`tauri-driver did not become ready on port ${port} within ${deadlineMs} ms (${lastError})`);
}

function tail(file, lines = 60) {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Starts the app under tauri-driver and opens a WebDriver session.
 *
 * @param {object} opts
 * @param {string} opts.name          short name for the temp dir and the log file
 * @param {(dir: string) => Promise<void> | void} [opts.prepare]  fills the data dir before launch
 * @returns {Promise<{ browser: WebdriverIO.Browser, dataDir: string, logFile: string,
 *   shutdown: () => Promise<void>, stop: () => Promise<void> }>}
 */
export async function launchApp({ name, prepare }) {
  if (!existsSync(APP_BIN)) {
    throw new Error(`app binary ${APP_BIN} is missing: build it first (cargo build -p switchboard-app --features tauri/custom-protocol)`);
  }
  if (!process.env.DISPLAY) {
    throw new Error("DISPLAY is not set: run the suite inside scripts/test-session.sh");
  }
  const tauriDriver = findTauriDriver();
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  const logFile = path.join(ARTIFACT_DIR, `${name}.log`);
  const log = createWriteStream(logFile);
  await once(log, "open");

  const dataDir = await mkdtemp(path.join(os.tmpdir(), `switchboard-e2e-${name}-`));
  /** @type {import("node:child_process").ChildProcess | null} */
  let driver = null;
  /** @type {WebdriverIO.Browser | null} */
  let browser = null;

  // Ends the app (session, tauri-driver, WebKitWebDriver) but keeps the data dir.
  const shutdown = async () => {
    if (browser) {
      const b = browser;
      browser = null;
      // Ends the app; bounded, since a wedged driver must not hang the teardown.
      await Promise.race([b.deleteSession().catch(() => {}), delay(15_000)]);
    }
    if (driver) {
      const d = driver;
      driver = null;
      await killGroup(d);
    }
  };
  // shutdown(), then the data dir goes too. Safe to call more than once.
  const stop = async () => {
    await shutdown();
    if (!log.writableEnded) log.end();
    await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };

  try {
    if (prepare) await prepare(dataDir);
    const port = await freePort();
    let nativePort = await freePort();
    while (nativePort === port) nativePort = await freePort();

    log.write(`# ${tauriDriver} --port ${port} --native-port ${nativePort}\n# app ${APP_BIN} --data-dir ${dataDir}\n`);
    driver = spawn(tauriDriver, ["--port", String(port), "--native-port", String(nativePort)], {
      env: { ...process.env, TZ: APP_TZ, RUST_BACKTRACE: "1", NO_AT_BRIDGE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      // Own process group, so teardown can end tauri-driver, WebKitWebDriver and the app
      // together by this group's id.
      detached: true,
    });
    driver.stdout.pipe(log, { end: false });
    driver.stderr.pipe(log, { end: false });
    driver.on("error", (err) => log.write(`# spawn error: ${err}\n`));

    await waitForDriver(port, driver, TIMEOUTS.driverStart);

    browser = await remote({
      hostname: "127.0.0.1",
      port,
      logLevel: "warn",
      connectionRetryTimeout: TIMEOUTS.session,
      connectionRetryCount: 0,
      waitforTimeout: TIMEOUTS.ui,
      capabilities: {
        browserName: "wry",
        // tauri-driver/WebKitWebDriver speak classic WebDriver only; do not ask for BiDi.
        "wdio:enforceWebDriverClassic": true,
        "tauri:options": { application: APP_BIN, args: ["--data-dir", dataDir] },
      },
    });
    return { browser, dataDir, logFile, shutdown, stop };
  } catch (err) {
    await stop().catch(() => {});
    throw new Error(`${err?.message || err}\n--- last lines of ${logFile}:\n${tail(logFile)}`, { cause: err });
  }
}

/** SIGTERM the driver's process group, then SIGKILL what is left after a bounded wait. */
async function killGroup(child) {
  const pgid = child.pid;
  if (pgid === undefined) return;
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(-pgid, "SIGTERM");
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + 10_000;
  while (alive() && Date.now() < deadline) {
    if (child.exitCode === null && child.signalCode === null) {
      await Promise.race([once(child, "exit"), delay(200)]);
    } else {
      await delay(100); // the leader is gone; poll for the rest of the group
    }
  }
  if (alive()) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      /* gone meanwhile */
    }
  }
}

/** Saves a screenshot of the app window to docs/screenshots/<name>.png. */
export async function screenshot(browser, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await browser.saveScreenshot(file);
  return file;
}

/**
 * An element's textContent. WebKitWebDriver's Get Element Text answers "" for some visible
 * elements (e.g. a flex item with overflow: hidden and text-overflow: ellipsis), so the
 * suite reads the DOM text instead of the rendered-text approximation.
 */
export async function text(element) {
  const el = await element;
  return String((await el.getProperty("textContent")) ?? "");
}

/**
 * Reads the given attributes (and textContent) of every element matching `selector` in one
 * script call, so a list that re-renders meanwhile cannot leave stale element references.
 *
 * @returns {Promise<Array<Record<string, string | null> & { text: string }>>}
 */
export function readAll(browser, selector, attributes = []) {
  return browser.execute(
    (sel, names) =>
      [...document.querySelectorAll(sel)].map((el) => {
        const row = { text: el.textContent ?? "" };
        for (const name of names) row[name] = el.getAttribute(name);
        return row;
      }),
    selector,
    attributes,
  );
}

/** `[data-testid="..."]` */
export const tid = (id) => `[data-testid="${id}"]`;

/**
 * Runs steps of one flow in order: once a step fails, the later ones are skipped (they
 * depend on its state) instead of failing with confusing follow-on errors. A failing step
 * leaves a screenshot and the page's HTML in tests/e2e/.artifacts/ for diagnosis.
 *
 * @param {() => WebdriverIO.Browser | undefined} getBrowser
 */
export function sequence(getBrowser) {
  let failed = null;
  return (fn) => async (t) => {
    if (failed) {
      t.skip(`earlier step failed: ${failed}`);
      return;
    }
    try {
      await fn(t);
    } catch (err) {
      failed = t.name;
      await saveFailureArtifacts(getBrowser(), t.name);
      throw err;
    }
  };
}

/** Best effort: a screenshot and the DOM of the moment a step failed. */
export async function saveFailureArtifacts(browser, label) {
  if (!browser) return;
  const base = path.join(ARTIFACT_DIR, `failed-${label.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}`);
  try {
    mkdirSync(ARTIFACT_DIR, { recursive: true });
    await browser.switchFrame(null).catch(() => {});
    await browser.saveScreenshot(`${base}.png`);
    writeFileSync(`${base}.html`, await browser.getPageSource());
    process.stderr.write(`e2e: saved ${base}.png and .html\n`);
  } catch (err) {
    process.stderr.write(`e2e: could not save failure artifacts: ${err?.message || err}\n`);
  }
}

// Benchmark (not a test): the app on a large workspace, driven over WebDriver through the
// end-to-end harness. Prints figures beside the issue's targets; never asserts them.
//
//   scripts/test-session.sh node bench/app.mjs DATA
//
// DATA is a prepared data dir (bench/app.sh makes one: 100k generated messages imported with
// switchboard-cli). Each launch copies DATA's database into the harness's fresh data dir and
// starts a new app process, then measures:
//
//   start   app process start (/proc/<pid>/stat field 22) -> the first thread row painted.
//           Node polls the DOM (one WebDriver script call per poll) until a row is displayed;
//           each poll also keeps a small MutationObserver in the page that notes when a row
//           with text entered the DOM and when the frame after it was painted (rAF, then a
//           task), so the figure is finer than the poll's round trip. Both are printed, with
//           a timeline (workspace opened per the app's log, WebDriver session, navigation,
//           first contentful paint).
//   RSS     once the inbox is painted and memory has settled: VmRSS of the app process, and
//           of the app plus every descendant (WebKitWebProcess, WebKitNetworkProcess);
//           PSS too, since summed RSS counts the shared WebKit libraries once per process
//   scroll  in the webview: requestAnimationFrame drives the thread list from top to bottom,
//           advancing scrollTop by a fixed step each frame, until the rows at the bottom have
//           content; every frame's duration is the delta between rAF timestamps. Rows in view
//           are counted as content or loading placeholder at each frame.
//   peer    the same scroll over a plain static list of as many rows laid over the thread
//           list (no React, no paging): what this webview on this machine does for any list
//
// Runs BENCH_COLD_RUNS launches with the page cache dropped first (needs root; says so when
// it could not) and then BENCH_WARM_RUNS without. Environment:
//   BENCH_COLD_RUNS (5), BENCH_WARM_RUNS (5), BENCH_SCROLL_VIEWPORTS (3: scroll step per frame,
//   in viewport heights), BENCH_CONTROL (1; 0 skips the peer list), SWITCHBOARD_APP (the app
//   binary; the harness's default is target/debug/switchboard-app, this prefers
//   target/release/switchboard-app when it exists).
// Figures go to stdout, progress to stderr.

import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// The harness reads SWITCHBOARD_APP when it is imported, so choose the binary first.
if (!process.env.SWITCHBOARD_APP) {
  const release = path.join(REPO, "target", "release", "switchboard-app");
  process.env.SWITCHBOARD_APP = existsSync(release) ? release : path.join(REPO, "target", "debug", "switchboard-app");
}
const APP_BIN = process.env.SWITCHBOARD_APP;
const { launchApp, tid } = await import("../tests/e2e/harness.js");

const TARGET_START_MS = 1500;
const TARGET_RSS_MB = 300;
const TARGET_FRAME_MS = 50;
const ROW_HEIGHT = 68; // ThreadList's ROW_HEIGHT: the list's scrollHeight / 68 = its row count
const POLL_MS = 10; // the detection loop's pacing; the real gap (script round trip) is reported
const HANG_GUARD_MS = 120_000; // a broken app must fail with a message, not hang

const DB_FILES = ["switchboard.db", "switchboard.db-wal", "switchboard.db-shm"];

const envInt = (name, fallback) => {
  const v = Number.parseInt(process.env[name] ?? "", 10);
  return Number.isFinite(v) && v >= 0 ? v : fallback;
};

// --- /proc helpers ------------------------------------------------------------------------

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** Fields of /proc/<pid>/stat, 1-based as in proc(5); comm may hold spaces and parens. */
function procStat(pid) {
  const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
  const close = raw.lastIndexOf(")");
  const comm = raw.slice(raw.indexOf("(") + 1, close);
  const rest = raw.slice(close + 2).split(" ");
  // rest[0] is field 3 (state)
  return { pid, comm, field: (n) => rest[n - 3] };
}

/**
 * The epoch time (ms) at which `pid` started. /proc/<pid>/stat field 22 counts clock ticks
 * since boot; btime in /proc/stat is whole seconds, too coarse for a 1.5 s target, so the
 * boot-relative start is placed on the epoch clock through /proc/uptime read next to
 * Date.now() (same boot clock as field 22, 10 ms resolution like the ticks).
 */
function processStartEpochMs(pid) {
  const ticks = Number(procStat(pid).field(22));
  const before = Date.now();
  const uptimeS = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  const after = Date.now();
  const bootEpochMs = (before + after) / 2 - uptimeS * 1000;
  return bootEpochMs + (ticks / CLK_TCK) * 1000;
}

/** Every process as {pid, ppid, comm}, skipping those that vanish while we read. */
function allProcesses() {
  const out = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = procStat(Number(name));
      out.push({ pid: s.pid, ppid: Number(s.field(4)), comm: s.comm });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** The app's pid: the process whose argv holds `--data-dir <dataDir>`. */
function findAppPid(dataDir) {
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let argv;
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const i = argv.indexOf("--data-dir");
    if (i >= 0 && argv[i + 1] === dataDir && path.basename(argv[0]) === path.basename(APP_BIN)) return Number(name);
  }
  return null;
}

/** pid and all its descendants, with comm. */
function processTree(rootPid) {
  const procs = allProcesses();
  const byParent = new Map();
  for (const p of procs) {
    if (!byParent.has(p.ppid)) byParent.set(p.ppid, []);
    byParent.get(p.ppid).push(p);
  }
  const root = procs.find((p) => p.pid === rootPid);
  if (!root) return [];
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(byParent.get(tree[i].pid) ?? []));
  return tree;
}

function statusKb(pid, key) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function pssKb(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** RSS/PSS of the app alone and of its whole tree, in kB, with the tree's members. */
function memory(appPid) {
  const tree = processTree(appPid).map((p) => ({
    ...p,
    rssKb: statusKb(p.pid, "VmRSS"),
    anonKb: statusKb(p.pid, "RssAnon"),
    pssKb: pssKb(p.pid),
  }));
  const app = tree.find((p) => p.pid === appPid);
  return {
    appRssKb: app?.rssKb ?? 0,
    appPssKb: app?.pssKb ?? 0,
    treeRssKb: tree.reduce((a, p) => a + p.rssKb, 0),
    treePssKb: tree.reduce((a, p) => a + p.pssKb, 0),
    treeAnonKb: tree.reduce((a, p) => a + p.anonKb, 0),
    // comm:RSS(anonymous part) in MB
    members: tree.filter((p) => p.rssKb > 0).map((p) => `${p.comm}:${Math.round(p.rssKb / 1024)}(${Math.round(p.anonKb / 1024)})`),
  };
}

/** Which GL the web process renders with, from the libraries it has mapped. */
function webProcessGl(appPid) {
  const web = processTree(appPid).find((p) => p.comm.startsWith("WebKitWebProces"));
  if (!web) return "no WebKitWebProcess found";
  try {
    const maps = readFileSync(`/proc/${web.pid}/maps`, "utf8");
    const libs = [...new Set(maps.match(/[^/\s]*(?:gallium|swrast|llvmpipe|LLVM|iris|radeonsi|nouveau|nvidia)[^/\s]*\.so[^/\s]*/gi) ?? [])];
    return libs.length ? `WebKitWebProcess maps ${libs.join(", ")}` : "WebKitWebProcess maps no Mesa/GPU driver library";
  } catch (err) {
    return `could not read the web process's maps (${err.code || err})`;
  }
}

/** Drops the page cache (root only). Returns whether the kernel accepted it. */
function dropCaches() {
  try {
    execFileSync("sync");
    writeFileSync("/proc/sys/vm/drop_caches", "3\n");
    return true;
  } catch {
    return false;
  }
}

// --- statistics ---------------------------------------------------------------------------

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const quantile = (xs, q) => {
  const s = sorted(xs);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const median = (xs) => quantile(xs, 0.5);
const fmt = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : "-");
const mb = (kb) => kb / 1024;

// --- one launch ---------------------------------------------------------------------------

/**
 * Polls the DOM from node until a thread row is displayed (one script call per poll; the
 * row appeared between the previous poll and this one). Each poll also makes sure a small
 * MutationObserver is watching the page (re-installed if the document was replaced), which
 * notes when a row with text entered the DOM and when the frame after it was painted (rAF,
 * then a task after it), so the figure is not only as fine as the poll's round trip.
 */
async function waitForFirstRow(browser) {
  const deadline = Date.now() + HANG_GUARD_MS;
  const gaps = [];
  let prevPageNow = null;
  let polls = 0;
  while (Date.now() < deadline) {
    const started = Date.now();
    const r = await browser.execute((sel) => {
      const shownNow = (row) => {
        const box = row.getBoundingClientRect();
        return box.height > 0 && box.width > 0 && (row.textContent ?? "").trim().length > 0;
      };
      if (!window.__switchboardBench) {
        const b = { installedAt: Date.now(), rowAlreadyThere: false, domAt: null, frameAt: null, paintedAt: null };
        window.__switchboardBench = b;
        const seen = () => {
          const row = document.querySelector(sel);
          return row !== null && (row.textContent ?? "").trim().length > 0; // no layout here
        };
        const hit = () => {
          b.domAt = Date.now();
          requestAnimationFrame(() => {
            b.frameAt = Date.now();
            setTimeout(() => {
              b.paintedAt = Date.now();
            }, 0);
          });
        };
        if (seen()) {
          b.rowAlreadyThere = true;
          hit();
        } else {
          const mo = new MutationObserver(() => {
            if (b.domAt === null && seen()) {
              mo.disconnect();
              hit();
            }
          });
          mo.observe(document.documentElement, { childList: true, subtree: true, characterData: true });
        }
      }
      const row = document.querySelector(sel);
      const paints = {};
      for (const e of performance.getEntriesByType("paint")) paints[e.name] = e.startTime;
      return {
        shown: row !== null && shownNow(row),
        now: Date.now(),
        timeOrigin: performance.timeOrigin,
        paints,
        observer: { ...window.__switchboardBench },
        view: document.querySelector("main[data-view]")?.getAttribute("data-view") ?? null,
      };
    }, tid("thread-row"));
    polls++;
    if (prevPageNow !== null) gaps.push(r.now - prevPageNow);
    if (r.shown) {
      // let the observer's rAF and the task after it run, then read its notes
      let observer = r.observer;
      for (let i = 0; i < 50 && observer.paintedAt === null; i++) {
        await delay(POLL_MS);
        observer = await browser.execute(() => ({ ...window.__switchboardBench }));
      }
      return { ...r, observer, polls, gaps, prevPageNow, firstPollShown: polls === 1 };
    }
    prevPageNow = r.now;
    const spent = Date.now() - started;
    if (spent < POLL_MS) await delay(POLL_MS - spent);
  }
  throw new Error(`no thread row within ${HANG_GUARD_MS} ms`);
}

/** The epoch ms of the app's "starting Switchboard" log line (after the workspace opened). */
function workspaceOpenedAt(logFile, dataDir) {
  try {
    const plain = readFileSync(logFile, "utf8").replace(/\x1b\[[0-9;]*m/g, "");
    const line = plain.split("\n").find((l) => l.includes("starting Switchboard") && l.includes(dataDir));
    const stamp = line?.match(/^(\d{4}-\d\d-\d\dT[\d:.]+Z)/)?.[1];
    return stamp ? Date.parse(stamp) : NaN;
  } catch {
    return NaN;
  }
}

/** rAF deltas of an idle page (nothing scrolling): the webview's own frame pacing here. */
function idleFramesScript(count, done) {
  const frames = [];
  let last = null;
  const tick = (ts) => {
    if (last !== null) frames.push(ts - last);
    last = ts;
    if (frames.length < count) requestAnimationFrame(tick);
    else done(frames);
  };
  requestAnimationFrame(tick);
}

/** Samples memory until it stops moving (< 1 MB change over 1 s), bounded at 15 s. */
async function settledMemory(appPid) {
  const started = Date.now();
  const samples = [];
  for (;;) {
    samples.push({ t: Date.now(), m: memory(appPid) });
    const last = samples.at(-1);
    const second = samples.find((s) => s.t >= last.t - 1000);
    const stable = last.t - samples[0].t >= 1000 && Math.abs(last.m.treeRssKb - second.m.treeRssKb) < 1024 && second !== last;
    if (stable || Date.now() - started > 15_000) return { ...last.m, settleMs: Date.now() - started, settled: stable };
    await delay(250); // sampling interval of a settle loop, not a wait for an outcome
  }
}

/**
 * In the webview: scroll the thread list top to bottom with rAF, `viewports` viewport heights
 * per frame, recording rAF deltas and how many visible rows were real vs placeholders.
 */
function scrollScript(sel, viewports, done) {
  const el = document.querySelector(sel);
  if (!el) {
    done({ error: `no ${sel}` });
    return;
  }
  el.scrollTop = 0;
  const step = Math.max(1, Math.round(el.clientHeight * viewports));
  const frames = [];
  let last = null;
  let warmup = 3; // frames to let the jump to the top settle before timing
  let atBottomFrames = 0;
  let lastHeight = el.scrollHeight;
  let movingFrames = 0;
  let bottomReachedAt = null;
  let realSeen = 0;
  let placeholderSeen = 0;
  let framesWithPlaceholders = 0;
  let framesAllPlaceholders = 0;
  const realIds = new Set();
  const started = performance.now();
  // Where a frame's time goes, roughly: `pre` is from the frame's timestamp to our rAF
  // callback (the rendering update's earlier steps, the scroll event with the list's
  // re-render among them); `post` is from the end of our callback to the next task (style,
  // layout and paint of that frame on the main thread).
  const pre = [];
  const post = [];
  let tickEnd = 0;
  const channel = new MessageChannel();
  channel.port1.onmessage = () => post.push(performance.now() - tickEnd);

  const visibleRows = () => {
    const top = el.scrollTop;
    const bottom = top + el.clientHeight;
    let real = 0;
    let placeholder = 0;
    for (const row of el.querySelectorAll(".thread-row")) {
      // rows sit at translateY(start) with an inline height: read those, not computed style
      // (no extra style or layout work inside the frame being measured)
      const start = Number.parseFloat(row.style.transform.replace(/^translateY\(/, "")) || 0;
      const end = start + (Number.parseFloat(row.style.height) || 0);
      if (end <= top || start >= bottom) continue;
      if (row.classList.contains("thread-row--placeholder")) placeholder++;
      else {
        real++;
        realIds.add(row.getAttribute("data-index"));
      }
    }
    return { real, placeholder };
  };

  const tick = (ts) => {
    if (warmup > 0) {
      warmup--;
      last = ts;
      requestAnimationFrame(tick);
      return;
    }
    pre.push(performance.now() - ts);
    frames.push(ts - last);
    last = ts;
    const v = visibleRows();
    realSeen += v.real;
    placeholderSeen += v.placeholder;
    if (v.placeholder > 0) framesWithPlaceholders++;
    if (v.placeholder > 0 && v.real === 0) framesAllPlaceholders++;

    const max = el.scrollHeight - el.clientHeight;
    if (el.scrollTop >= max - 1) {
      if (bottomReachedAt === null) bottomReachedAt = frames.length;
      // At the bottom: stable when scrollHeight holds and the rows there have content,
      // bounded so a page that never loads cannot hang the run.
      atBottomFrames = el.scrollHeight === lastHeight ? atBottomFrames + 1 : 0;
      const settled = atBottomFrames >= 10 && v.placeholder === 0;
      if (settled || atBottomFrames > 600) {
        done({
          step,
          viewportPx: el.clientHeight,
          scrollHeight: el.scrollHeight,
          frames,
          movingFrames,
          bottomReachedAt,
          pre,
          post,
          framesToFillBottom: frames.length - bottomReachedAt,
          bottomFilled: v.placeholder === 0,
          realSeen,
          placeholderSeen,
          framesWithPlaceholders,
          framesAllPlaceholders,
          distinctRealRows: realIds.size,
          rowCount: document.querySelectorAll(".thread-row").length,
          elapsedMs: performance.now() - started,
        });
        return;
      }
    } else {
      el.scrollTop = Math.min(max, el.scrollTop + step);
      movingFrames++;
    }
    lastHeight = el.scrollHeight;
    requestAnimationFrame(tick);
    tickEnd = performance.now();
    channel.port2.postMessage(null);
  };
  requestAnimationFrame(tick);
}

/**
 * The peer figure: a plain scroller laid over the thread list, same box and same total
 * height, holding static rows of similar text (no React, no paging, no IPC). Scrolled the
 * same way, it shows what this webview on this machine manages for any list.
 */
function addControlList(listSel, rows, rowHeight) {
  const box = document.querySelector(listSel).getBoundingClientRect();
  const c = document.createElement("div");
  c.id = "switchboard-bench-control";
  Object.assign(c.style, {
    position: "fixed",
    left: `${box.left}px`,
    top: `${box.top}px`,
    width: `${box.width}px`,
    height: `${box.height}px`,
    overflowY: "auto",
    background: "Canvas",
    zIndex: "2147483647",
  });
  const parts = [];
  for (let i = 0; i < rows; i++) {
    parts.push(
      `<div style="height:${rowHeight}px;box-sizing:border-box;padding:8px 12px 8px 14px;border-bottom:1px solid #ddd;overflow:hidden;white-space:nowrap">` +
        `<div><b>Person ${i}, Another Person</b> <span style="float:right">Mar ${1 + (i % 28)}</span></div>` +
        `<div>Re: subject line number ${i} about the quarterly plan</div>` +
        `<div style="color:#777">A snippet of the latest message in thread ${i}, cut to one line of text</div></div>`,
    );
  }
  c.innerHTML = parts.join("");
  document.body.appendChild(c);
  return c.scrollHeight;
}

/**
 * Starts scrollScript in the page and polls for its result every 500 ms (one tiny script
 * call), since a single async script call longer than the harness's request timeout fails.
 */
async function measureScroll(browser, viewports, selector = tid("thread-list")) {
  await browser.execute(
    `window.__switchboardScroll = null; (${scrollScript})(arguments[0], arguments[1], (r) => { window.__switchboardScroll = r; });`,
    selector,
    viewports,
  );
  const deadline = Date.now() + 20 * 60_000;
  let r = null;
  while (r === null) {
    if (Date.now() > deadline) throw new Error("the scroll did not finish within 20 minutes");
    await delay(500); // poll interval of a bounded wait for the page's result
    r = await browser.execute(() => (window.__switchboardScroll ? window.__switchboardScroll : null));
  }
  if (r.error) throw new Error(r.error);
  const f = r.frames;
  return {
    ...r,
    frames: undefined,
    preP50: quantile(r.pre, 0.5),
    preP95: quantile(r.pre, 0.95),
    postP50: quantile(r.post, 0.5),
    postP95: quantile(r.post, 0.95),
    total: f.length,
    max: Math.max(...f),
    p50: quantile(f, 0.5),
    p95: quantile(f, 0.95),
    p99: quantile(f, 0.99),
    over50: f.filter((d) => d > TARGET_FRAME_MS).length,
    over33: f.filter((d) => d > 33.4).length,
    allFrames: f,
  };
}

async function oneLaunch(dataSrc, label, cold) {
  let dataDir = "";
  let dropped = false;
  const launchStarted = Date.now();
  const app = await launchApp({
    name: `bench-${label}`,
    prepare: (dir) => {
      dataDir = dir;
      for (const f of DB_FILES) {
        const from = path.join(dataSrc, f);
        if (existsSync(from)) copyFileSync(from, path.join(dir, f));
      }
      if (cold) dropped = dropCaches();
    },
  });
  const sessionAt = Date.now();
  try {
    const { browser } = app;
    const appPid = findAppPid(dataDir);
    if (!appPid) throw new Error(`no app process with --data-dir ${dataDir}`);
    const startedAt = processStartEpochMs(appPid);
    const first = await waitForFirstRow(browser);
    const mem = await settledMemory(appPid);
    await browser.setTimeout({ script: 600_000 });
    const idleFrames = await browser.executeAsync(idleFramesScript, 60);
    const viewports = Number(process.env.BENCH_SCROLL_VIEWPORTS || 3);
    const scroll = await measureScroll(browser, viewports);
    const memAfterScroll = memory(appPid);
    const gl = webProcessGl(appPid);
    let control = null;
    if (process.env.BENCH_CONTROL !== "0") {
      await browser.execute(addControlList, tid("thread-list"), Math.round(scroll.scrollHeight / ROW_HEIGHT), ROW_HEIGHT);
      control = await measureScroll(browser, viewports, "#switchboard-bench-control");
    }
    return {
      label,
      cold,
      dropped,
      appPid,
      launchToProcessMs: startedAt - launchStarted,
      sessionMs: sessionAt - startedAt,
      navStartMs: first.timeOrigin - startedAt,
      fcpMs: first.paints["first-contentful-paint"] !== undefined ? first.timeOrigin + first.paints["first-contentful-paint"] - startedAt : NaN,
      workspaceOpenMs: workspaceOpenedAt(app.logFile, dataDir) - startedAt,
      firstRowMs: first.now - startedAt,
      observer: first.observer,
      // in-page: the row entered the DOM / the frame after it was painted (NaN when the
      // observer was installed only after the row was already there)
      rowInDomMs: first.observer.rowAlreadyThere ? NaN : first.observer.domAt - startedAt,
      rowPaintedMs: first.observer.rowAlreadyThere ? NaN : first.observer.paintedAt - startedAt,
      idleFrameMedian: median(idleFrames),
      idleFrameMax: Math.max(...idleFrames),
      firstPollShown: first.firstPollShown,
      polls: first.polls,
      pollGaps: first.gaps,
      view: first.view,
      mem,
      memAfterScroll,
      gl,
      scroll,
      control,
    };
  } finally {
    await app.stop();
  }
}

// --- main ---------------------------------------------------------------------------------

async function main() {
  const dataSrc = process.argv[2];
  if (!dataSrc || !existsSync(path.join(dataSrc, "switchboard.db"))) {
    console.error("usage: scripts/test-session.sh node bench/app.mjs DATA   (DATA holds switchboard.db)");
    process.exit(64);
  }
  const coldRuns = envInt("BENCH_COLD_RUNS", 5);
  const warmRuns = envInt("BENCH_WARM_RUNS", 5);
  const viewports = Number(process.env.BENCH_SCROLL_VIEWPORTS || 3);

  const bin = statSync(APP_BIN);
  const dbBytes = DB_FILES.map((f) => path.join(dataSrc, f)).filter(existsSync).reduce((a, f) => a + statSync(f).size, 0);
  const log = (s) => process.stderr.write(`${s}\n`);
  log(`app binary: ${APP_BIN} (${(bin.size / 1e6).toFixed(0)} MB, built ${bin.mtime.toISOString()})`);
  log(`data: ${dataSrc} (${(dbBytes / 1e6).toFixed(0)} MB of database)`);

  const runs = [];
  const plan = [...Array(coldRuns).fill(true), ...Array(warmRuns).fill(false)];
  for (let i = 0; i < plan.length; i++) {
    const cold = plan[i];
    const label = `${cold ? "cold" : "warm"}${cold ? i + 1 : i - coldRuns + 1}`;
    const load = readFileSync("/proc/loadavg", "utf8").split(" ")[0];
    const r = await oneLaunch(dataSrc, label, cold);
    r.load = load;
    runs.push(r);
    log(
      `${label}: row painted ${fmt(r.rowPaintedMs)} ms, polled ${fmt(r.firstRowMs)} ms (workspace open ${fmt(r.workspaceOpenMs)}, session ${fmt(r.sessionMs)}, nav ${fmt(r.navStartMs)}, FCP ${fmt(r.fcpMs)}; ${r.polls} polls)` +
        `  RSS app ${fmt(mb(r.mem.appRssKb))} MB, tree ${fmt(mb(r.mem.treeRssKb))} MB [${r.mem.members.join(" ")}]` +
        `  idle frame ${fmt(r.idleFrameMedian, 1)} ms; scroll max ${fmt(r.scroll.max, 1)} p99 ${fmt(r.scroll.p99, 1)} ms, ${r.scroll.over50}/${r.scroll.total} > 50 ms` +
        (r.control ? `; peer max ${fmt(r.control.max, 1)} p99 ${fmt(r.control.p99, 1)} ms, ${r.control.over50}/${r.control.total} > 50 ms` : "") +
        `  (load ${load})` +
        (cold && !r.dropped ? "  (page cache NOT dropped)" : ""),
    );
  }

  // --- report ---
  const out = [];
  const p = (s = "") => out.push(s);
  const coldSet = runs.filter((r) => r.cold);
  const warmSet = runs.filter((r) => !r.cold);
  const allDropped = coldSet.length > 0 && coldSet.every((r) => r.dropped);
  const gaps = runs.flatMap((r) => r.pollGaps);
  const finite = (xs) => xs.filter(Number.isFinite);
  const mmm = (xs, d = 0) => {
    const f = finite(xs);
    return f.length ? `${fmt(Math.min(...f), d)} / ${fmt(median(f), d)} / ${fmt(Math.max(...f), d)}` : "-";
  };
  const row = (name, xs, unit, target = "", d = 0) => p(`${name.padEnd(54)}${`${mmm(xs, d)} ${unit}`.padEnd(28)}${target}`);
  const isDebug = APP_BIN.includes(`${path.sep}debug${path.sep}`);

  p(`Switchboard app benchmark, ${new Date().toISOString()}`);
  p(`app:  ${path.relative(REPO, APP_BIN) || APP_BIN}${isDebug ? "  (DEBUG build: no target/release/switchboard-app)" : ""}, built ${bin.mtime.toISOString()}`);
  p(`data: ${(dbBytes / 1e6).toFixed(0)} MB database; inbox list of ${Math.round(runs[0].scroll.scrollHeight / ROW_HEIGHT).toLocaleString("en-US")} threads`);
  p(`host: ${execFileSync("nproc", { encoding: "utf8" }).trim()} cores, Xvfb; 1-min load average at each launch: ${runs.map((r) => r.load).join(", ")}`);
  p(`rendering: ${runs.at(-1).gl}`);
  p(`runs: ${coldSet.length} cold (page cache ${allDropped ? "dropped before each launch: sync; echo 3 > /proc/sys/vm/drop_caches" : coldSet.length ? "could NOT be dropped, so not really cold" : "-"}), ${warmSet.length} warm; each a new app process on a fresh copy of the database`);
  p(`start is timed from the app process's start (/proc/<pid>/stat field 22, 10 ms ticks)`);
  p(`  "painted": in-page MutationObserver saw a thread row with text, then rAF + a task after it (the frame was painted)`);
  p(`  "polled":  node's poll (one WebDriver script call each) found it displayed; poll gap min/median/max ${mmm(gaps)} ms`);
  p();
  p(`${"".padEnd(54)}${"min / median / max".padEnd(28)}target`);
  for (const [name, set] of [["cold cache", coldSet], ["warm cache", warmSet]]) {
    if (!set.length) continue;
    row(`start -> first painted inbox, ${name}`, set.map((r) => r.rowPaintedMs), "ms", `< ${TARGET_START_MS} ms`);
    row(`  first row in the DOM, ${name}`, set.map((r) => r.rowInDomMs), "ms");
    row(`  found by node's poll, ${name}`, set.map((r) => r.firstRowMs), "ms");
    row(`  start -> workspace opened (app log), ${name}`, set.map((r) => r.workspaceOpenMs), "ms");
    row(`  start -> WebDriver session, ${name}`, set.map((r) => r.sessionMs), "ms");
    row(`  start -> page navigation, ${name}`, set.map((r) => r.navStartMs), "ms");
    row(`  start -> first contentful paint, ${name}`, set.map((r) => r.fcpMs), "ms");
  }
  row(`RSS after opening: app process`, runs.map((r) => mb(r.mem.appRssKb)), "MB", `< ${TARGET_RSS_MB} MB`);
  row(`RSS after opening: app + WebKit processes`, runs.map((r) => mb(r.mem.treeRssKb)), "MB", `< ${TARGET_RSS_MB} MB`);
  row(`  PSS after opening: app + WebKit (shared pages once)`, runs.map((r) => mb(r.mem.treePssKb)), "MB");
  row(`  RSS after the scroll: app process`, runs.map((r) => mb(r.memAfterScroll.appRssKb)), "MB");
  row(`  RSS after the scroll: app + WebKit processes`, runs.map((r) => mb(r.memAfterScroll.treeRssKb)), "MB");
  const all = runs.flatMap((r) => r.scroll.allFrames);
  row(`idle page frame (median of 60 rAF deltas, per run)`, runs.map((r) => r.idleFrameMedian), "ms", "", 1);
  row(`scroll: longest frame (per run)`, runs.map((r) => r.scroll.max), "ms", `<= ${TARGET_FRAME_MS} ms`, 1);
  row(`scroll: p95 frame (per run)`, runs.map((r) => r.scroll.p95), "ms", "", 1);
  row(`scroll: p99 frame (per run)`, runs.map((r) => r.scroll.p99), "ms", "", 1);
  row(`scroll: frames over 50 ms (per run)`, runs.map((r) => r.scroll.over50), "", "0");
  row(`scroll: frames (per run)`, runs.map((r) => r.scroll.total), "");
  const withControl = runs.filter((r) => r.control);
  if (withControl.length) {
    row(`peer, plain static list: longest frame (per run)`, withControl.map((r) => r.control.max), "ms", "", 1);
    row(`peer, plain static list: p95 frame (per run)`, withControl.map((r) => r.control.p95), "ms", "", 1);
    row(`peer, plain static list: p99 frame (per run)`, withControl.map((r) => r.control.p99), "ms", "", 1);
    row(`peer, plain static list: frames over 50 ms (per run)`, withControl.map((r) => r.control.over50), "");
  }
  p(
    `scroll, all runs pooled: ${all.length} frames; max ${fmt(Math.max(...all), 1)} ms, p50 ${fmt(quantile(all, 0.5), 1)}, p95 ${fmt(quantile(all, 0.95), 1)}, p99 ${fmt(quantile(all, 0.99), 1)} ms; ` +
      `${all.filter((d) => d > TARGET_FRAME_MS).length} over 50 ms, ${all.filter((d) => d > 33.4).length} over 33 ms`,
  );
  if (withControl.length) {
    const ctl = withControl.flatMap((r) => r.control.allFrames);
    p(
      `peer, all runs pooled: ${ctl.length} frames; max ${fmt(Math.max(...ctl), 1)} ms, p50 ${fmt(quantile(ctl, 0.5), 1)}, p95 ${fmt(quantile(ctl, 0.95), 1)}, p99 ${fmt(quantile(ctl, 0.99), 1)} ms; ` +
        `${ctl.filter((d) => d > TARGET_FRAME_MS).length} over 50 ms, ${ctl.filter((d) => d > 33.4).length} over 33 ms`,
    );
    p(`  (the peer: a plain overflow scroller of ${Math.round(runs[0].scroll.scrollHeight / ROW_HEIGHT).toLocaleString("en-US")} static ${ROW_HEIGHT} px rows laid over the list after its run, scrolled the same way; no React, no paging)`);
  }
  const pooled = (k) => runs.flatMap((r) => r.scroll[k]);
  p(
    `scroll frame breakdown, pooled p50 / p95: frame start -> rAF callback (scroll event, list re-render) ${fmt(quantile(pooled("pre"), 0.5), 1)} / ${fmt(quantile(pooled("pre"), 0.95), 1)} ms; ` +
      `after rAF until the next task (style, layout, paint) ${fmt(quantile(pooled("post"), 0.5), 1)} / ${fmt(quantile(pooled("post"), 0.95), 1)} ms`,
  );
  const s0 = runs[0].scroll;
  p(`scroll step: ${viewports} viewport heights per frame = ${s0.step} px (viewport ${s0.viewportPx} px, list ${s0.scrollHeight.toLocaleString("en-US")} px), until the bottom rows have content`);
  const sum = (k) => runs.reduce((a, r) => a + r.scroll[k], 0);
  const seen = sum("realSeen") + sum("placeholderSeen");
  p(
    `rows in view at each frame, summed: ${sum("realSeen").toLocaleString("en-US")} with content, ${sum("placeholderSeen").toLocaleString("en-US")} loading placeholders (${fmt((100 * sum("placeholderSeen")) / seen, 1)}%); ` +
      `frames showing a placeholder ${sum("framesWithPlaceholders")}/${all.length}, nothing but placeholders ${sum("framesAllPlaceholders")}/${all.length}`,
  );
  p(`frames spent at the bottom until its rows had content, per run: ${runs.map((r) => r.scroll.framesToFillBottom).join(", ")}`);
  p();
  p(`per run (ms from process start; MB):`);
  p(`run     painted polled  wsopen session nav   FCP   | RSS app tree  PSS tree | idle  | scroll max  p95   p99   >50  frames | peer max  p95   >50`);
  for (const r of runs) {
    const c = (x, w, d = 0) => fmt(x, d).padEnd(w);
    p(
      `${r.label.padEnd(8)}${c(r.rowPaintedMs, 8)}${c(r.firstRowMs, 8)}${c(r.workspaceOpenMs, 7)}${c(r.sessionMs, 8)}${c(r.navStartMs, 6)}${c(r.fcpMs, 6)}| ` +
        `${c(mb(r.mem.appRssKb), 8)}${c(mb(r.mem.treeRssKb), 5)}${c(mb(r.mem.treePssKb), 9)}| ${c(r.idleFrameMedian, 6, 1)}| ` +
        `${c(r.scroll.max, 12, 1)}${c(r.scroll.p95, 6, 1)}${c(r.scroll.p99, 6, 1)}${String(r.scroll.over50).padEnd(5)}${String(r.scroll.total).padEnd(7)}| ` +
        (r.control ? `${c(r.control.max, 10, 1)}${c(r.control.p95, 6, 1)}${r.control.over50}` : "-"),
    );
  }
  p(`processes in the tree after opening (last run; RSS, in brackets its anonymous part, MB): ${runs.at(-1).mem.members.join(" ")}`);
  const last = runs.at(-1);
  const events = [
    [0, "app process started"],
    [last.workspaceOpenMs, "workspace opened (log line after Api::open)"],
    [last.sessionMs, "WebDriver session ready"],
    [last.navStartMs, "page navigation started"],
    [last.fcpMs, "first contentful paint"],
    [last.rowInDomMs, "first thread row in the DOM"],
    [last.rowPaintedMs, "frame with it painted"],
  ]
    .filter(([t]) => Number.isFinite(t))
    .sort((a, b) => a[0] - b[0]);
  p(`timeline of the last run (ms from process start):`);
  for (const [t, what] of events) p(`  ${fmt(t).padStart(6)}  ${what}`);
  process.stdout.write(`${out.join("\n")}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench/app.mjs: ${err?.stack || err}\n`);
  process.exit(1);
});

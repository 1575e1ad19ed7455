// The benchmark of issue 8: the release build of the widget (and, for comparison, a minimal vanilla
// JavaScript client, bench/vanilla/) in headless Chromium against the LiveAgent simulator on
// loopback. Prints a table (figure, budget, met or not) and writes bench/RESULTS.md.
//
// Run through scripts/bench.sh (it builds first). Alone: node bench/run.mjs, with the widget built in
// $CHASITOR_DIST (default dist/) and the simulator's release binary built.
//
// Knobs (for a quick try; the defaults are the issue's): BENCH_LOADS (20 page loads per variant),
// BENCH_MESSAGES (200 each way), BENCH_IDLE_SECONDS (60), BENCH_LONG (5000), BENCH_APPENDS (20
// appends measured at each transcript size), BENCH_PHONE_LOADS (5 page loads per page on the phone
// profile), BENCH_OUT (the results file, bench/RESULTS.md), BENCH_ONLY (a comma-separated list of
// phases to run: sizes, startup, phone, latency, idleLong).
//
// Every figure is taken inside the page where it can be (performance.now(), performance marks,
// MutationObserver, a fetch wrapper, PerformanceObserver 'longtask') or through CDP
// (Performance.getMetrics, HeapProfiler.collectGarbage): see bench/README.md for the methods.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { availableButton, DIST, eventually, launchBrowser, ROOT, startSim, widget } from '../tests/e2e/harness.mjs';

const LOADS = Number(process.env.BENCH_LOADS || 20);
const MESSAGES = Number(process.env.BENCH_MESSAGES || 200);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS || 60);
const LONG = Number(process.env.BENCH_LONG || 5000);
const APPENDS = Number(process.env.BENCH_APPENDS || 20);
const PHONE_LOADS = Number(process.env.BENCH_PHONE_LOADS || 5);
/** The phone profile (issue 18): CPU 4x slower, "fast 3G" (1.6 Mbps down, 750 kbps up, 150 ms round trip), a phone's viewport. */
const PHONE = { cpu: 4, latency: 150, down: 1.6e6 / 8, up: 750e3 / 8, viewport: { width: 375, height: 667 } };
const OUT = path.resolve(ROOT, process.env.BENCH_OUT || 'bench/RESULTS.md');
const ONLY = (process.env.BENCH_ONLY || '').split(',').map((x) => x.trim()).filter(Boolean);
/** Long tasks are summed over this window from navigation start (longer if the launcher is late). */
const TBT_WINDOW_MS = 3000;
/** The long poll hold of the simulator: the real server's ~30 s. */
const HOLD_SECONDS = 30;
const VISITOR = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };

const log = (msg) => process.stderr.write(`# bench: ${msg}\n`);
const tick = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------------
// Statistics and formatting

function quantile(xs, q) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]; // nearest rank
}
const median = (xs) => quantile(xs, 0.5);
const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 1 : 0)} ms` : 'n/a');
const kb = (x) => (Number.isFinite(x) ? `${(x / 1024).toFixed(1)} KB` : 'n/a');
const sizes = (s) => (s ? `${kb(s.raw)} / ${kb(s.gzip)} / ${kb(s.brotli)}` : 'n/a');

function compress(buf) {
  return {
    raw: buf.length,
    gzip: zlib.gzipSync(buf, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(buf, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
    }).length,
  };
}
function sum(list) {
  return list.reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip, brotli: a.brotli + s.brotli }), { raw: 0, gzip: 0, brotli: 0 });
}

// ------------------------------------------------------------------------------------------------
// The pages

const VARIANTS = {
  plain: { title: 'Plain page (no chat)', script: null },
  widget: { title: 'chasitor', script: '/chasitor.js' },
  intent: { title: 'chasitor, data-load="intent"', script: '/chasitor.js', attrs: 'data-load="intent"' },
  vanilla: { title: 'vanilla JS client', script: '/vanilla/vanilla.js' },
  miaw: { title: 'chasitor on Enhanced Chat', script: '/chasitor.js', miaw: true },
};

function pageHtml(v, cfg, buttonId) {
  const api = v.miaw
    ? `data-scrt-url="/" data-org-id="${cfg.orgId}" data-es-developer-name="Chasitor_Demo"`
    : `data-endpoint="/chat/rest" data-org-id="${cfg.orgId}" data-deployment-id="${cfg.deploymentId}" data-button-id="${buttonId}"`;
  const tag = v.script ? `<script src="${v.script}" ${api} ${v.attrs || ''} async></script>` : '';
  const para = '<p>Our boots are made for walking, hiking and climbing. Free returns within 30 days; ask us anything in the chat.</p>';
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="icon" href="data:,">
  <title>Acme Outdoor Supply: ${v.title}</title>
  <style>body { font: 17px/1.5 Georgia, serif; margin: 0 auto; max-width: 42rem; padding: 2rem; color: #222; }</style>
</head>
<body>
  <h1>Acme Outdoor Supply</h1>
  ${para.repeat(6)}
  ${tag}
</body>
</html>
`;
}

/**
 * Runs in every page before its scripts: long tasks, timers (setTimeout/setInterval fires and their
 * requested delays), animation frames, a fetch observer (POST bodies and answer times of
 * /chat/rest requests, when asked), Enter keydown times, and with ?probe=paint, the first animation
 * frame in which the launcher exists (it is painted in that frame).
 */
function benchInit() {
  const B = (window.__bench = {
    longtasks: [], timerFires: 0, timerFast: 0, timerMinDelay: Infinity, fireTimes: new Float64Array(16384), nFire: 0,
    rafs: 0, fetches: [], recordFetch: false, inflightPosts: 0, enter: [], paint: null,
  });
  // The benchmark's own timers use the unwrapped setTimeout: they are not the page's.
  B.setTimeout = window.setTimeout.bind(window);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) B.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch { /* no longtask support */ }
  const st = window.setTimeout;
  const si = window.setInterval;
  const raf = window.requestAnimationFrame;
  const f = window.fetch;
  const note = (delay) => {
    B.timerFires++;
    const d = Number(delay) || 0;
    if (d < 1000) B.timerFast++;
    if (d < B.timerMinDelay) B.timerMinDelay = d;
    if (B.nFire < B.fireTimes.length) B.fireTimes[B.nFire++] = performance.now();
  };
  const wrap = (orig) => function (fn, delay, ...args) {
    if (typeof fn !== 'function') return orig.call(window, fn, delay, ...args);
    return orig.call(window, function (...a) { note(delay); return fn.apply(this, a); }, delay, ...args);
  };
  window.setTimeout = wrap(st);
  window.setInterval = wrap(si);
  window.requestAnimationFrame = function (cb) {
    return raf.call(window, (t) => { B.rafs++; cb(t); });
  };
  window.fetch = function (input, init) {
    const isReq = typeof Request !== 'undefined' && input instanceof Request;
    const method = String((init && init.method) || (isReq ? input.method : 'GET')).toUpperCase();
    const url = isReq ? input.url : String(input);
    const post = method === 'POST';
    let rec = null;
    if (B.recordFetch && (url.includes('/chat/rest/') || url.includes('/iamessage/'))) {
      rec = { t0: performance.now(), url, method, t1: null, status: null, body: null };
      B.fetches.push(rec);
      if (post) {
        if (init && typeof init.body === 'string') rec.body = init.body;
        else if (isReq) input.clone().text().then((t) => { rec.body = t; }, () => {});
      }
    }
    if (post) B.inflightPosts++;
    const p = f.call(window, input, init);
    p.then((r) => {
      if (post) B.inflightPosts--;
      if (rec) { rec.t1 = performance.now(); rec.status = r.status; }
    }, () => {
      if (post) B.inflightPosts--;
      if (rec) rec.t1 = -1;
    });
    return p;
  };
  window.addEventListener('keydown', (e) => { if (e.key === 'Enter') B.enter.push(e.timeStamp); }, true);
  if (location.search.includes('probe=paint')) {
    const probe = () => {
      const h = document.getElementById('chasitor-host');
      if (h && h.shadowRoot && h.shadowRoot.querySelector('[part~=launcher]')) { B.paint = performance.now(); return; }
      if (performance.now() < 15000) raf.call(window, probe);
    };
    raf.call(window, probe);
  }
}

/** In the page: a MutationObserver in the shadow root timestamps each new row whose text starts with "bench-". */
function installRowObserver() {
  const B = window.__bench;
  const root = document.getElementById('chasitor-host').shadowRoot;
  B.rowSeen = new Map();
  B.rowWait = new Map();
  const seen = (row, now) => {
    const t = row.querySelector('[part~=text]');
    const text = (t || row).textContent.trim();
    if (!text.startsWith('bench-') || B.rowSeen.has(text)) return;
    B.rowSeen.set(text, now);
    const w = B.rowWait.get(text);
    if (w) { B.rowWait.delete(text); w(now); }
  };
  new MutationObserver((records) => {
    const now = performance.now();
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (n.nodeType !== 1) continue;
        if (n.matches('[part~=message]')) seen(n, now);
        else for (const row of n.querySelectorAll('[part~=message]')) seen(row, now);
      }
    }
  }).observe(root, { childList: true, subtree: true });
  B.waitRow = (text, timeout = 15000) => (B.rowSeen.has(text)
    ? Promise.resolve(B.rowSeen.get(text))
    : new Promise((resolve, reject) => {
      const timer = B.setTimeout(() => reject(new Error(`no row ${text} after ${timeout} ms`)), timeout);
      B.rowWait.set(text, (t) => { clearTimeout(timer); resolve(t); });
    }));
  // All the rows (the widget keeps only the newest few hundred in the DOM and says how many in all).
  B.rows = () => {
    const t = root.querySelector('[part~=transcript]');
    return t && t.dataset.rows ? Number(t.dataset.rows) : root.querySelectorAll('[part~=message]').length;
  };
  B.transcript = () => root.querySelector('[part~=transcript]');
  /** Agent messages posted from the page to the control API, timed until their row is in the DOM. */
  B.agentRounds = async (id, n, prefix, gapMs) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      const text = `bench-${prefix}-${i}-${Math.random().toString(36).slice(2, 8)}`;
      const row = B.waitRow(text);
      const t0 = performance.now();
      const answered = fetch(`/_sim/sessions/${encodeURIComponent(id)}/message`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }),
      }).then((r) => { if (!r.ok) throw new Error(`control API answered ${r.status}`); return performance.now(); });
      const [tRow, tAnswer] = await Promise.all([row, answered]);
      out.push({ total: tRow - t0, control: tAnswer - t0, tRow });
      B.rowSeen.delete(text);
      if (gapMs) await new Promise((r) => B.setTimeout(r, gapMs));
    }
    return out;
  };
  /** Many agent messages at once (the long chat), `concurrency` control requests at a time. */
  B.flood = async (id, n, concurrency) => {
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        const r = await fetch(`/_sim/sessions/${encodeURIComponent(id)}/message`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: `fill ${i}: a message of the long chat, about as long as a real one.` }),
        });
        if (!r.ok) throw new Error(`control API answered ${r.status}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
}

// ------------------------------------------------------------------------------------------------
// Browser helpers

async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(30_000);
  await context.addInitScript(benchInit);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  return { context, page, cdp, errors, close: () => context.close().catch(() => {}) };
}

async function metrics(cdp, gc = false) {
  if (gc) {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
  }
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

async function waitMark(page, name, timeout = 20_000) {
  await page.waitForFunction((n) => performance.getEntriesByName(n).length > 0, name, { timeout, polling: 10 });
}

/** Loads the variant's page, opens the launcher, fills the pre-chat form, starts, gets accepted. */
async function startChat(page, env, variant, { navigate = true } = {}) {
  const ui = widget(page);
  if (navigate) await page.goto(`${env.base}/${variant}.html`);
  await ui.launcher.waitFor({ state: 'visible' });
  await ui.launcher.click();
  await ui.firstName.fill(VISITOR.firstName);
  await ui.lastName.fill(VISITOR.lastName);
  await ui.email.fill(VISITOR.email);
  await ui.start.click();
  const s = await env.client.waitForSession((x) => x.state === 'queued', { what: `the ${variant} chat to be queued` });
  await env.client.accept(s.id, 'Andy L.');
  await ui.composer.waitFor({ state: 'visible' });
  await page.evaluate(installRowObserver);
  return { ui, id: s.id };
}

/** The wasm instance's linear memory (the Rust heap lives there, outside the JS heap). */
async function wasmMemory(page, jsFile) {
  if (!jsFile) return NaN;
  return page.evaluate(async (f) => {
    try {
      const m = await import(`/${f}`);
      const w = await m.default(); // already initialised: answers the same instance's exports
      return w.memory.buffer.byteLength;
    } catch { return NaN; }
  }, jsFile).catch(() => NaN);
}

// ------------------------------------------------------------------------------------------------
// 1. Transfer sizes

async function measureSizes(browser, env, variant) {
  await env.client.reset();
  const p = await newPage(browser);
  try {
    const seen = [];
    const api = [];
    p.page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.protocol === 'data:') return;
      if (u.pathname.startsWith('/chat/rest') || u.pathname.startsWith('/_sim')) {
        if (u.pathname.startsWith('/chat/rest')) api.push({ url: r.url(), path: u.pathname });
        return;
      }
      if (r.request().resourceType() === 'document') return; // the host page itself
      seen.push({ url: r.url(), path: u.pathname, body: r.body().catch(() => Buffer.alloc(0)) });
    });
    await p.page.goto(`${env.base}/${variant}.html`);
    await waitMark(p.page, 'chasitor:launcher-ready');
    if (variant === 'widget') await waitMark(p.page, 'chasitor:widget-ready');
    await tick(1000); // anything loaded after the launcher shows, before the visitor opens it
    const opened = await p.page.evaluate(() => performance.now());
    const { ui, id } = await startChat(p.page, env, variant, { navigate: false });
    await env.client.message(id, 'bench-sizes hello');
    await ui.message('agent', 'bench-sizes hello').waitFor({ state: 'visible' });
    await ui.composer.fill('bench-sizes hi');
    await ui.composer.press('Enter');
    await env.client.waitForSession((s) => s.id === id && s.received.some((r) => r.body?.text === 'bench-sizes hi'), { what: 'the visitor message' });
    await tick(1000);
    // Each request's stage from its start time in the page (Resource Timing): before the launcher
    // was painted (mark), after it but before the visitor opened the chat (loaded when the page was
    // idle), or after.
    const starts = await p.page.evaluate(() => ({
      launcher: performance.getEntriesByName('chasitor:launcher-ready')[0].startTime,
      entries: performance.getEntriesByType('resource').map((e) => [e.name, e.startTime]),
    }));
    const stageOf = (url) => {
      const e = starts.entries.find(([n]) => n === url);
      if (!e) return 'chat';
      return e[1] <= starts.launcher ? 'launcher' : e[1] <= opened ? 'idle' : 'chat';
    };
    const files = [];
    for (const s of seen) files.push({ stage: stageOf(s.url), url: s.path, ...compress(await s.body) });
    return {
      files,
      launcher: sum(files.filter((f) => f.stage === 'launcher')),
      idle: sum(files.filter((f) => f.stage === 'idle')),
      full: sum(files),
      apiAtLoad: api.filter((a) => stageOf(a.url) !== 'chat').map((a) => a.path),
    };
  } finally {
    await p.close();
  }
}

/** The Leptos floor's files (BENCH_FLOOR_DIST, built by scripts/bench.sh), or null. */
function floorSizes() {
  const dir = process.env.BENCH_FLOOR_DIST ? path.resolve(ROOT, process.env.BENCH_FLOOR_DIST) : null;
  if (!dir || !fs.existsSync(dir)) return null;
  const files = fs.readdirSync(dir).filter((f) => /\.(js|wasm)$/.test(f));
  return files.length ? sum(files.map((f) => compress(fs.readFileSync(path.join(dir, f))))) : null;
}

// ------------------------------------------------------------------------------------------------
// 2. Start-up and blocking time

async function oneLoad(browser, env, variant) {
  const p = await newPage(browser);
  try {
    await p.page.goto(`${env.base}/${variant}.html?probe=paint`);
    if (variant !== 'plain') {
      await waitMark(p.page, 'chasitor:launcher-ready');
      await p.page.waitForFunction(() => window.__bench.paint !== null, null, { polling: 10 });
    }
    if (variant === 'widget') await waitMark(p.page, 'chasitor:widget-ready');
    const r0 = await p.page.evaluate(() => {
      const m = (n) => performance.getEntriesByName(n)[0]?.startTime ?? null;
      return { start: m('chasitor:loader-start'), ready: m('chasitor:launcher-ready'), paint: window.__bench.paint, widget: m('chasitor:widget-ready') };
    });
    // The window covers the widget's loading at idle too: its blocking time counts.
    const windowEnd = Math.max(TBT_WINDOW_MS, (r0.paint ?? 0) + 1000, (r0.widget ?? 0) + 1000);
    await p.page.waitForFunction((t) => performance.now() >= t, windowEnd, { polling: 50 });
    await tick(100); // a long task ending just now is reported after it
    const lt = await p.page.evaluate(() => window.__bench.longtasks);
    const inWindow = lt.filter((t) => t.start < windowEnd);
    return {
      ...r0,
      tbt: inWindow.reduce((a, t) => a + Math.max(0, t.duration - 50), 0),
      longest: inWindow.reduce((a, t) => Math.max(a, t.duration), 0),
      errors: p.errors,
    };
  } finally {
    await p.close();
  }
}

/**
 * The worst case of the lazy load: the visitor clicks the launcher the moment it is painted, before
 * the widget's wasm is here. Times the click → the chat window shown, in the page.
 */
async function earlyClick(browser, env, variant) {
  const p = await newPage(browser);
  try {
    await p.page.goto(`${env.base}/${variant}.html`);
    await waitMark(p.page, 'chasitor:launcher-ready');
    return await p.page.evaluate(() => new Promise((resolve) => {
      const root = document.getElementById('chasitor-host').shadowRoot;
      const t0 = performance.now();
      root.querySelector('[part~=launcher]').click();
      let frame = null;
      const check = () => {
        const r = document.getElementById('chasitor-host').shadowRoot;
        const w = r.querySelector('[part~=window]');
        const shown = w && !w.hidden && w.getClientRects().length;
        if (shown && frame === null) frame = performance.now() - t0;
        if (shown && w.querySelector('[part~=prechat] input[name=firstName]')) resolve({ frame, form: performance.now() - t0 });
        else if (performance.now() - t0 > 15000) resolve({ frame: frame ?? NaN, form: NaN });
        else requestAnimationFrame(check);
      };
      check();
    }));
  } finally {
    await p.close();
  }
}

async function measureStartup(browser, env) {
  const runs = { plain: [], widget: [], vanilla: [] };
  const clicks = { widget: [], vanilla: [] };
  for (let i = 0; i < LOADS; i++) {
    for (const v of Object.keys(runs)) runs[v].push(await oneLoad(browser, env, v));
    for (const v of Object.keys(clicks)) clicks[v].push(await earlyClick(browser, env, v));
    if ((i + 1) % 5 === 0) log(`start-up: ${i + 1}/${LOADS} loads of each page`);
  }
  const out = {};
  for (const [v, list] of Object.entries(runs)) {
    const ready = list.map((r) => r.ready - r.start);
    const painted = list.map((r) => r.paint - r.start);
    const fromNav = list.map((r) => r.paint);
    const widgetReady = list.map((r) => (r.widget === null ? NaN : r.widget - r.start));
    out[v] = {
      widget: { median: median(widgetReady), p95: quantile(widgetReady, 0.95) },
      click: clicks[v] ? { median: median(clicks[v].map((c) => c.frame)), p95: quantile(clicks[v].map((c) => c.frame), 0.95) } : null,
      clickForm: clicks[v] ? { median: median(clicks[v].map((c) => c.form)), p95: quantile(clicks[v].map((c) => c.form), 0.95) } : null,
      ready: { median: median(ready), p95: quantile(ready, 0.95) },
      painted: { median: median(painted), p95: quantile(painted, 0.95) },
      fromNav: { median: median(fromNav), p95: quantile(fromNav, 0.95) },
      tbt: { median: median(list.map((r) => r.tbt)), p95: quantile(list.map((r) => r.tbt), 0.95) },
      longest: median(list.map((r) => r.longest)),
      errors: list.flatMap((r) => r.errors),
    };
  }
  for (const v of ['widget', 'vanilla']) {
    out[v].tbtAdded = out[v].tbt.median - out.plain.tbt.median;
    out[v].tbtAddedP95 = out[v].tbt.p95 - out.plain.tbt.p95;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// 2b. The phone profile (issue 18): a click made before the widget is here

/**
 * Runs in the page before its scripts: from the first click on, each animation frame checks for the
 * chat window and the pre-chat form. `painted`: a message posted from the frame that first has the
 * window, handled once that frame is rendered; `handlers`: the main-thread time of the click's
 * handlers (a capture listener on the window runs first, a bubbling one last).
 */
function phoneProbe() {
  const P = (window.__phone = { input: null, start: null, handlers: null, frame: null, painted: null, form: null, done: false });
  addEventListener('click', (e) => {
    if (P.input !== null) return;
    P.input = e.timeStamp; // when the browser created the click
    P.start = performance.now();
    const watch = () => {
      const r = document.getElementById('chasitor-host')?.shadowRoot;
      const w = r && r.querySelector('[part~=window]');
      const now = performance.now();
      if (P.frame === null && w && !w.hidden && w.getClientRects().length) {
        P.frame = now;
        const ch = new MessageChannel();
        ch.port1.onmessage = () => { P.painted = performance.now(); };
        ch.port2.postMessage(0);
      }
      if (P.form === null && P.frame !== null && w.querySelector('[part~=prechat] input[name=firstName]')) P.form = now;
      if ((P.form !== null && P.painted !== null) || now - P.start > 60000) { P.done = true; return; }
      requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
  }, true);
  addEventListener('click', () => { if (P.handlers === null) P.handlers = performance.now() - P.start; });
}

/** One fresh load of `variant`'s page on the phone profile, the launcher clicked the moment it is painted. */
async function phoneClick(browser, env, variant) {
  const context = await browser.newContext({ viewport: PHONE.viewport });
  context.setDefaultTimeout(60_000);
  try {
    await context.addInitScript(phoneProbe);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: PHONE.latency, downloadThroughput: PHONE.down, uploadThroughput: PHONE.up });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: PHONE.cpu });
    await page.goto(`${env.base}/${variant}.html`);
    await waitMark(page, 'chasitor:launcher-ready', 60_000);
    await widget(page).launcher.click(); // the pointer reaches the launcher (intent), then clicks
    await page.waitForFunction(() => window.__phone.done, null, { polling: 50, timeout: 70_000 });
    const P = await page.evaluate(() => window.__phone);
    return { painted: P.painted - P.input, handlers: P.handlers, form: P.form - P.input };
  } finally {
    await context.close().catch(() => {});
  }
}

async function measurePhone(browser, env) {
  const runs = { widget: [], intent: [], vanilla: [] };
  for (let i = 0; i < PHONE_LOADS; i++) {
    for (const v of Object.keys(runs)) runs[v].push(await phoneClick(browser, env, v));
    log(`phone profile: ${i + 1}/${PHONE_LOADS} loads of each page`);
  }
  const stats = (xs) => ({ median: median(xs), p95: quantile(xs, 0.95) });
  return Object.fromEntries(Object.entries(runs).map(([v, list]) => [v, {
    painted: stats(list.map((r) => r.painted)),
    handlers: stats(list.map((r) => r.handlers)),
    form: stats(list.map((r) => r.form)),
  }]));
}

// ------------------------------------------------------------------------------------------------
// 3. Message latency

/**
 * `MESSAGES` visitor messages typed and sent with Enter, each timed from the keydown to the answer
 * of the request that carries it: Live Agent's ChatMessage (or a MultiNoun with it), 200; Enhanced
 * Chat's POST …/message, 202.
 */
async function visitorRounds(page, ui, api) {
  await page.evaluate(() => { window.__bench.recordFetch = true; window.__bench.fetches = []; });
  const visitor = [];
  for (let i = 0; i < MESSAGES; i++) {
    const text = `bench-v-${i}-${Math.random().toString(36).slice(2, 8)}`;
    await ui.composer.fill(text);
    // Typing went out on the input event: let it be answered, as it would be for a person typing.
    await page.waitForFunction(() => window.__bench.inflightPosts === 0, null, { polling: 5 });
    await tick(20);
    await ui.composer.press('Enter');
    const r = await page.waitForFunction(([t, which]) => {
      const B = window.__bench;
      const carries = (f) => {
        if (f.method !== 'POST' || !f.body) return false;
        if (which === 'miaw') return /\/message$/.test(f.url) && f.body.includes(t);
        if (/\/ChatMessage$/.test(f.url)) return f.body.includes(t);
        if (!/\/MultiNoun$/.test(f.url)) return false;
        try {
          return JSON.parse(f.body).nouns.some((n) => n.noun === 'ChatMessage'
            && ((n.object && n.object.text === t) || (typeof n.data === 'string' && n.data.includes(t)) || (n.data && n.data.text === t)));
        } catch { return false; }
      };
      const rec = B.fetches.find(carries);
      if (!rec || rec.t1 === null) return false;
      const enter = B.enter[B.enter.length - 1];
      return { enter, sent: rec.t0, done: rec.t1, status: rec.status, unix: performance.timeOrigin + enter };
    }, [text, api], { polling: 5 }).then((h) => h.jsonValue());
    const ok = api === 'miaw' ? 202 : 200;
    if (r.status !== ok) throw new Error(`the visitor message's POST answered ${r.status}`);
    visitor.push(r);
    await page.evaluate(() => { window.__bench.fetches = window.__bench.fetches.filter((f) => f.t1 === null); });
    await tick(30);
  }
  return visitor;
}

async function measureLatency(browser, env, variant) {
  await env.client.reset();
  const p = await newPage(browser);
  try {
    const { ui, id } = await startChat(p.page, env, variant);
    // Warm up (first-use code paths, connections), not counted.
    await p.page.evaluate(([sid]) => window.__bench.agentRounds(sid, 5, 'warm', 50), [id]);

    // Agent -> DOM: the page posts to the control API and times until the row is in the DOM.
    const agent = await p.page.evaluate(([sid, n]) => window.__bench.agentRounds(sid, n, 'a', 50), [id, MESSAGES]);

    // Visitor Enter -> the simulator has the ChatMessage.
    const visitor = await visitorRounds(p.page, ui, 'liveagent');
    // Cross-check with the simulator's own log: arrival time (Unix ms, 1 ms resolution) of the first
    // ChatMessage/MultiNoun POST after each Enter (the page's clock, timeOrigin + timeStamp, is the
    // same machine's clock).
    const reqs = (await env.client.requests())
      .filter((r) => r.method === 'POST' && r.session === id && /\/(ChatMessage|MultiNoun)$/.test(r.path) && r.status === 200)
      .map((r) => r.atMs).sort((a, b) => a - b);
    const simSide = visitor.map((v) => {
      const at = reqs.find((t) => t >= Math.floor(v.unix));
      return at === undefined ? NaN : at - v.unix;
    });
    return {
      agent: {
        median: median(agent.map((a) => a.total)), p99: quantile(agent.map((a) => a.total), 0.99),
        control: median(agent.map((a) => a.control)),
      },
      visitor: {
        median: median(visitor.map((v) => v.done - v.enter)), p99: quantile(visitor.map((v) => v.done - v.enter), 0.99),
        sent: median(visitor.map((v) => v.sent - v.enter)),
        simLog: median(simSide), simLogP99: quantile(simSide, 0.99),
      },
      errors: p.errors,
    };
  } finally {
    await p.close();
  }
}

// ------------------------------------------------------------------------------------------------
// 6. Enhanced Chat: the same latencies, and the idle cost (only the event stream open)

async function measureMiaw(browser, env) {
  await env.client.reset();
  const p = await newPage(browser);
  try {
    const { page, cdp } = p;
    const ui = widget(page);
    await page.goto(`${env.base}/miaw.html`);
    await ui.launcher.waitFor({ state: 'visible' });
    await ui.launcher.click();
    // The settings' pre-chat form (the deployment has none).
    await ui.firstName.fill(VISITOR.firstName);
    await ui.email.fill(VISITOR.email);
    await ui.start.click();
    const s = await env.client.waitForSession((x) => x.api === 'miaw' && x.state === 'queued', { what: 'the conversation to be created' });
    await env.client.accept(s.id, 'Andy L.');
    await ui.composer.waitFor({ state: 'visible' });
    await page.evaluate(installRowObserver);
    await page.evaluate(([sid]) => window.__bench.agentRounds(sid, 5, 'warm', 50), [s.id]);
    const agent = await page.evaluate(([sid, n]) => window.__bench.agentRounds(sid, n, 'a', 50), [s.id, MESSAGES]);
    const visitor = await visitorRounds(page, ui, 'miaw');

    // Idle: nothing but the open stream (its keep-alive comments) for a while.
    await tick(6000); // the visitor's typing ended, receipts sent
    const seconds = Math.max(10, Math.round(IDLE_SECONDS / 2));
    log(`enhanced chat idle: ${seconds} s`);
    const requests = [];
    const onRequest = (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`);
    await page.evaluate(() => { const B = window.__bench; B.timerFires = 0; B.timerFast = 0; B.timerMinDelay = Infinity; B.nFire = 0; });
    const m0 = await metrics(cdp);
    page.on('request', onRequest);
    await tick(seconds * 1000);
    page.off('request', onRequest);
    const m1 = await metrics(cdp);
    const timers = await page.evaluate(() => ({ fires: window.__bench.timerFires, fast: window.__bench.timerFast }));
    const streams = (await env.client.session(s.id)).maxOpenStreams;
    return {
      agent: { median: median(agent.map((a) => a.total)), p99: quantile(agent.map((a) => a.total), 0.99) },
      visitor: {
        median: median(visitor.map((v) => v.done - v.enter)), p99: quantile(visitor.map((v) => v.done - v.enter), 0.99),
        sent: median(visitor.map((v) => v.sent - v.enter)),
      },
      idle: { seconds, requests, timers, taskMs: (m1.TaskDuration - m0.TaskDuration) * 1000, maxOpenStreams: streams },
      errors: p.errors,
    };
  } finally {
    await p.close();
  }
}

// ------------------------------------------------------------------------------------------------
// 7. Enhanced Chat beyond plain text (issue 26): a 20-option carousel's event → its cards in the
// DOM; the main thread while the visitor uploads 5 MB (long tasks, from a PerformanceObserver).

const CAROUSELS = Number(process.env.BENCH_CAROUSELS || 10);

async function measureMiawRich(browser, env) {
  await env.client.reset();
  const p = await newPage(browser);
  try {
    const { page } = p;
    const ui = widget(page);
    await page.goto(`${env.base}/miaw.html`);
    await ui.launcher.waitFor({ state: 'visible' });
    await ui.launcher.click();
    await ui.firstName.fill(VISITOR.firstName);
    await ui.email.fill(VISITOR.email);
    await ui.start.click();
    const s = await env.client.waitForSession((x) => x.api === 'miaw' && x.state === 'queued', { what: 'the conversation to be created' });
    await env.client.action(s.id, 'accept', { agentName: 'Bench Bot', role: 'Chatbot' });
    await ui.composer.waitFor({ state: 'visible' });
    const carousel = [];
    for (let i = 0; i < CAROUSELS + 2; i++) {
      const ms = await page.evaluate(async ([sid, n]) => {
        const root = document.getElementById('chasitor-host').shadowRoot;
        const before = root.querySelectorAll('[part~=carousel]').length;
        const done = new Promise((resolve) => {
          const check = () => {
            const all = root.querySelectorAll('[part~=carousel]');
            const last = all[all.length - 1];
            if (all.length > before && last.querySelectorAll('[part~=card]').length === 20) {
              obs.disconnect();
              resolve(performance.now());
            }
          };
          const obs = new MutationObserver(check);
          obs.observe(root, { childList: true, subtree: true });
        });
        const t0 = performance.now();
        await fetch(`/_sim/sessions/${sid}/rich`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'carousel', count: n }) });
        return (await done) - t0;
      }, [s.id, 20]);
      if (i >= 2) carousel.push(ms); // two warm-up rounds
    }
    // A 5 MB upload, watched for long tasks (over 50 ms) on the main thread. The file is given
    // by its path on disk: a buffer would be copied into the page as base64 and decoded there, a
    // long task of the test's own.
    const buffer = Buffer.alloc(5 * 1024 * 1024 - 1024, 7);
    const file = path.join(os.tmpdir(), `chasitor-bench-${process.pid}.pdf`);
    fs.writeFileSync(file, buffer);
    await page.evaluate(() => {
      window.__long = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask' });
    });
    const t0 = Date.now();
    await page.locator('.file-input').setInputFiles(file);
    const row = page.locator('[part~=message][data-kind=file]').filter({ hasText: path.basename(file) });
    await row.waitFor({ state: 'visible' });
    await page.waitForFunction(() => {
      const r = [...document.getElementById('chasitor-host').shadowRoot.querySelectorAll('[part~=message][data-kind=file]')].pop();
      return r && r.getAttribute('data-status') === 'sent';
    }, null, { timeout: 60_000 });
    const uploadMs = Date.now() - t0;
    fs.rmSync(file, { force: true });
    const long = await page.evaluate(() => window.__long);
    return {
      carousel: { n: carousel.length, median: median(carousel), p99: quantile(carousel, 0.99) },
      upload: { bytes: buffer.length, ms: uploadMs, longTasks: long.length, longest: long.length ? Math.max(...long) : 0 },
      errors: p.errors,
    };
  } finally {
    await p.close();
  }
}

// ------------------------------------------------------------------------------------------------
// 4. Idle cost, then 5. the long chat on the same page

async function measureIdleAndLong(browser, env) {
  await env.client.reset();
  const p = await newPage(browser);
  const out = {};
  try {
    const { page, cdp } = p;
    const { id } = await startChat(page, env, 'widget');
    await page.evaluate(([sid]) => window.__bench.agentRounds(sid, 2, 'idle', 50), [id]);
    const ui = widget(page);
    await ui.composer.fill('bench-idle visitor');
    await ui.composer.press('Enter');
    await env.client.waitForSession((s) => s.id === id && s.received.some((r) => r.body?.text === 'bench-idle visitor'), { what: 'the visitor message' });
    await tick(3000); // settle: typing timers end, the poll is held

    // --- 4. Idle
    log(`idle: ${IDLE_SECONDS} s with the chat open and quiet`);
    const requests = [];
    const onRequest = (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`);
    await page.evaluate(() => {
      const B = window.__bench;
      B.timerFires = 0; B.timerFast = 0; B.timerMinDelay = Infinity; B.nFire = 0; B.rafs = 0; B.longtasks.length = 0;
    });
    const w0 = await wasmMemory(page, env.jsFile);
    const m0 = await metrics(cdp, true);
    page.on('request', onRequest);
    const t0 = Date.now();
    await tick(IDLE_SECONDS * 1000);
    page.off('request', onRequest);
    const elapsed = (Date.now() - t0) / 1000;
    const c1 = await metrics(cdp); // CPU first: the forced GC below is not the page's own work
    const m1 = await metrics(cdp, true);
    const w1 = await wasmMemory(page, env.jsFile);
    const timers = await page.evaluate(() => {
      const B = window.__bench;
      const times = Array.from(B.fireTimes.slice(0, B.nFire));
      let maxPerSecond = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i] - times[j] > 1000) j++;
        maxPerSecond = Math.max(maxPerSecond, i - j + 1);
      }
      return { fires: B.timerFires, fast: B.timerFast, minDelay: B.timerFires ? B.timerMinDelay : null, maxPerSecond, rafs: B.rafs };
    });
    const byKind = {};
    for (const r of requests) byKind[r] = (byKind[r] || 0) + 1;
    out.idle = {
      seconds: elapsed,
      requests: byKind,
      requestCount: requests.length,
      onlyPoll: requests.every((r) => r.startsWith('GET /chat/rest/System/Messages')),
      timers,
      taskMs: (c1.TaskDuration - m0.TaskDuration) * 1000,
      scriptMs: (c1.ScriptDuration - m0.ScriptDuration) * 1000,
      heapGrowth: m1.JSHeapUsedSize - m0.JSHeapUsedSize,
      wasmGrowth: w1 - w0,
      heap: m1.JSHeapUsedSize,
      wasm: w1,
    };
  } catch (e) {
    out.idleError = e.stack || String(e);
    log(`idle failed: ${e.message}`);
    await p.close();
    return out;
  }

  // --- 5. Long chat
  try {
    const { page, cdp } = p;
    const { id } = (await env.client.sessions()).find((s) => s.state === 'established');
    /** Brings the transcript to at least `n` rows with agent messages; returns the seconds it took. */
    const fillTo = async (n) => {
      const have = await page.evaluate(() => window.__bench.rows());
      if (have >= n) return 0;
      const t = Date.now();
      await page.evaluate(([sid, k]) => window.__bench.flood(sid, k, 8), [id, n - have]);
      await page.waitForFunction((k) => window.__bench.rows() >= k, n, { timeout: 15 * 60_000, polling: 200 });
      return (Date.now() - t) / 1000;
    };
    /** `APPENDS` agent messages one by one: DOM latency, and main-thread time (CDP TaskDuration) per append. */
    const settle = () => page.evaluate(() => new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(() => window.__bench.setTimeout(res, 0)))));
    const appends = async (label) => {
      const lat = [];
      const cpu = [];
      const idle = [];
      const proc = [];
      await page.evaluate(() => { window.__bench.recordFetch = true; window.__bench.fetches = []; });
      for (let i = 0; i < APPENDS; i++) {
        // The same steps without a message: the measuring's own main-thread time, subtracted below.
        let a = await metrics(cdp);
        await settle();
        let b = await metrics(cdp);
        idle.push((b.TaskDuration - a.TaskDuration) * 1000);
        await tick(50);
        a = await metrics(cdp);
        const [r] = await page.evaluate(([sid, l]) => window.__bench.agentRounds(sid, 1, l, 0), [id, `${label}-${i}`]);
        await settle(); // the row's follow-up work (the scroll to the newest row is in the next frame)
        b = await metrics(cdp);
        lat.push(r.total);
        cpu.push((b.TaskDuration - a.TaskDuration) * 1000);
        // In the page: the poll's answer arriving (fetch resolved) → the row in the DOM.
        proc.push(await page.evaluate((tRow) => {
          const polls = window.__bench.fetches.filter((f) => /System\/Messages/.test(f.url) && f.t1 !== null && f.t1 > 0 && f.t1 <= tRow);
          window.__bench.fetches = window.__bench.fetches.filter((f) => f.t1 === null);
          return polls.length ? tRow - polls[polls.length - 1].t1 : NaN;
        }, r.tRow));
        await tick(100);
      }
      await page.evaluate(() => { window.__bench.recordFetch = false; window.__bench.fetches = []; });
      return {
        latency: median(lat), latencyP95: quantile(lat, 0.95),
        cpu: Math.max(0, median(cpu) - median(idle)), cpuRaw: median(cpu), cpuIdle: median(idle),
        proc: median(proc),
      };
    };
    await fillTo(100);
    const at100 = await appends('l100');
    log(`long chat: filling the transcript to ${LONG} messages`);
    const fillSeconds = await fillTo(LONG);
    log(`long chat: ${LONG} rows after ${fillSeconds.toFixed(0)} s`);
    await tick(2000);
    const atLong = await appends('l5000');
    // Scroll: from the top of the transcript down, 40 px per frame for 3 s; frames counted.
    const scroll = await page.evaluate(() => new Promise((resolve) => {
      const el = window.__bench.transcript();
      el.scrollTop = 0;
      let frames = 0;
      let last = null;
      let worst = 0;
      let start = null;
      const step = (t) => {
        if (start === null) start = performance.now(); // the first frame lays out the scrolled-to-top list
        else { worst = Math.max(worst, t - last); frames++; }
        last = t;
        el.scrollTop += 40;
        if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) el.scrollTop = 0;
        if (performance.now() - start < 3000) requestAnimationFrame(step);
        else resolve({ fps: frames / ((performance.now() - start) / 1000), worst, height: el.scrollHeight });
      };
      requestAnimationFrame(step);
    }));
    const m = await metrics(cdp, true);
    const rows = await page.evaluate(() => window.__bench.rows());
    const inPage = await page.evaluate(() => document.getElementById('chasitor-host').shadowRoot.querySelectorAll('[part~=message]').length);
    out.long = {
      rows, inPage, at100, atLong, ratio: atLong.cpu / at100.cpu, latencyRatio: atLong.latency / at100.latency,
      procRatio: atLong.proc / at100.proc, fillSeconds, scroll,
      heap: m.JSHeapUsedSize, nodes: m.Nodes, wasm: await wasmMemory(page, env.jsFile),
      storage: await page.evaluate(() => Object.keys(sessionStorage).reduce((a, k) => a + k.length + sessionStorage.getItem(k).length, 0)),
    };
  } catch (e) {
    out.longError = e.stack || String(e);
    log(`long chat failed: ${e.message}`);
  } finally {
    out.errors = p.errors;
    await p.close();
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// The run

async function machine(browser) {
  return {
    date: new Date().toISOString().replace('T', ' ').replace(/\..*/, ' UTC'),
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    load: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    chromium: browser.version(),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}

async function main() {
  if (process.argv.includes('--report-only')) {
    // Rewrites RESULTS.md from results.json (after a change to the report's layout), measuring nothing.
    const R = JSON.parse(fs.readFileSync(path.join(path.dirname(OUT), 'results.json'), 'utf8'));
    if (!R.floor) {
      R.floor = floorSizes(); // static files: measurable after the run too
      if (R.floor) fs.writeFileSync(path.join(path.dirname(OUT), 'results.json'), JSON.stringify(R, null, 1) + '\n');
    }
    fs.writeFileSync(OUT, report(R));
    process.stdout.write(table(R).join('\n') + '\n');
    return;
  }
  if (!fs.existsSync(path.join(DIST, 'chasitor.js'))) throw new Error(`${DIST}/chasitor.js is missing: build first (scripts/bench.sh)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chasitor-bench-'));
  const site = path.join(tmp, 'site');
  fs.cpSync(DIST, site, { recursive: true });
  fs.cpSync(path.join(ROOT, 'bench', 'vanilla'), path.join(site, 'vanilla'), { recursive: true });
  // The module a Live Agent page loads (the Live Agent-only build when there is one).
  const modules = fs.readdirSync(site).filter((f) => /^chasitor-.*\.js$/.test(f));
  const jsFile = modules.find((f) => f.startsWith('chasitor-liveagent-')) ?? modules[0];
  const sim = await startSim({ name: 'bench', staticDir: site, holdSeconds: HOLD_SECONDS });
  const cfg = sim.config;
  const buttonId = availableButton(cfg);
  for (const [name, v] of Object.entries(VARIANTS)) fs.writeFileSync(path.join(site, `${name}.html`), pageHtml(v, cfg, buttonId));
  const env = { base: sim.base, client: sim.client, jsFile };
  const browser = await launchBrowser();
  const R = { errors: {} };
  const phase = async (name, fn) => {
    if (ONLY.length && !ONLY.includes(name)) return;
    const t = Date.now();
    log(`${name}...`);
    try {
      R[name] = await fn();
    } catch (e) {
      R.errors[name] = e.stack || String(e);
      log(`${name} FAILED: ${e.message}`);
    }
    log(`${name} done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  };
  try {
    R.machine = await machine(browser);
    R.floor = floorSizes();
    await phase('sizes', async () => ({ widget: await measureSizes(browser, env, 'widget'), vanilla: await measureSizes(browser, env, 'vanilla') }));
    await phase('startup', () => measureStartup(browser, env));
    await phase('phone', () => measurePhone(browser, env));
    await phase('latency', async () => ({ widget: await measureLatency(browser, env, 'widget'), vanilla: await measureLatency(browser, env, 'vanilla') }));
    await phase('idleLong', () => measureIdleAndLong(browser, env));
    // Enhanced Chat on a simulator of its own, whose deployment has no rate limit (the demo one
    // allows 100 requests in 10 s, which the rounds below would pass: the widget would wait out the
    // 429s, and the figures would time the backoff) and no pre-chat form (the settings' is used).
    await phase('miaw', async () => {
      const file = path.join(tmp, 'miaw-config.json');
      fs.writeFileSync(file, JSON.stringify({ enhancedChat: [{ orgId: cfg.orgId, esDeveloperName: 'Chasitor_Demo', estimatedWaitTime: 60 }] }));
      const miawSim = await startSim({ name: 'bench-miaw', staticDir: site, holdSeconds: HOLD_SECONDS, extraArgs: ['--config', file] });
      try {
        return await measureMiaw(browser, { ...env, base: miawSim.base, client: miawSim.client });
      } finally {
        await miawSim.stop();
      }
    });
    await phase('miawRich', async () => {
      const file = path.join(tmp, 'miaw-config.json');
      fs.writeFileSync(file, JSON.stringify({ enhancedChat: [{ orgId: cfg.orgId, esDeveloperName: 'Chasitor_Demo', estimatedWaitTime: 60 }] }));
      const miawSim = await startSim({ name: 'bench-miaw-rich', staticDir: site, holdSeconds: HOLD_SECONDS, extraArgs: ['--config', file] });
      try {
        return await measureMiawRich(browser, { ...env, base: miawSim.base, client: miawSim.client });
      } finally {
        await miawSim.stop();
      }
    });
    R.machine.loadAfter = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  } finally {
    await browser.close().catch(() => {});
    await sim.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const json = path.join(path.dirname(OUT), 'results.json');
  fs.writeFileSync(json, JSON.stringify(R, null, 1) + '\n');
  const md = report(R);
  fs.writeFileSync(OUT, md);
  process.stdout.write(table(R).join('\n') + '\n');
  log(`wrote ${OUT} and ${json}`);
}

// ------------------------------------------------------------------------------------------------
// The table

const yes = (ok) => (ok === null || ok === undefined ? '–' : ok ? '**met**' : '**missed**');

function rows(R) {
  const s = R.sizes;
  const st = R.startup;
  const la = R.latency;
  const il = R.idleLong || {};
  const i = il.idle;
  const l = il.long;
  const out = [];
  const row = (n, figure, widgetV, vanillaV, budget, ok) => out.push([n, figure, widgetV, vanillaV, budget, yes(ok)]);
  if (s) {
    const n = (v, stage) => s[v].files.filter((f) => f.stage === stage).length;
    row('1', `files to show the launcher (${n('widget', 'launcher')} / ${n('vanilla', 'launcher')}), raw / gzip / brotli`,
      sizes(s.widget.launcher), sizes(s.vanilla.launcher), 'as small as possible', null);
    row('1', `… then loaded when the page is idle, before the chat is opened (${n('widget', 'idle')} / ${n('vanilla', 'idle')})`,
      sizes(s.widget.idle), sizes(s.vanilla.idle), '–', null);
    row('1', 'all files of the full chat UI, raw / gzip / brotli', sizes(s.widget.full), sizes(s.vanilla.full), '≤ 90 KB gzip', s.widget.full.gzip <= 90 * 1024);
    if (R.floor) row('1', 'the Leptos floor alone: a minimal app with the same primitives (bench/leptos-floor: signals, an event, Show, keyed For), .js + .wasm', sizes(R.floor), '–', '–', null);
  }
  if (st) {
    const mp = (x) => `${ms(x.median)} / ${ms(x.p95)}`;
    row('2', 'script start → launcher painted and interactive, median / p95', mp(st.widget.painted), mp(st.vanilla.painted), '< 100 ms median', st.widget.painted.median < 100);
    row('2', 'script start → launcher mounted (mark), median / p95', mp(st.widget.ready), mp(st.vanilla.ready), '–', null);
    row('2', 'navigation start → launcher painted, median / p95', mp(st.widget.fromNav), mp(st.vanilla.fromNav), '–', null);
    if (st.widget.widget) row('2', 'script start → the whole widget loaded at idle (wasm booted, mark), median / p95', mp(st.widget.widget), '–', '–', null);
    if (st.widget.click) row('2', 'launcher clicked the moment it is painted → chat window shown (from issue 18: the loader\'s window frame), median / p95', mp(st.widget.click), mp(st.vanilla.click), '–', null);
    if (st.widget.clickForm) row('2', '… → pre-chat form shown, median / p95', mp(st.widget.clickForm), mp(st.vanilla.clickForm), '–', null);
    row('2', `Total Blocking Time added (median; page alone ${ms(st.plain.tbt.median)})`, `${ms(st.widget.tbtAdded)} (longest task ${ms(st.widget.longest)})`,
      `${ms(st.vanilla.tbtAdded)} (longest task ${ms(st.vanilla.longest)})`, '< 50 ms', st.widget.tbtAdded < 50);
  }
  const ph = R.phone;
  if (ph) {
    const mp = (x) => `${ms(x.median)} / ${ms(x.p95)}`;
    const frame = (x) => `${mp(x.painted)} (handlers ${ms(x.handlers.median)})`;
    const profile = `phone profile (CPU ${PHONE.cpu}x, fast 3G ${PHONE.down * 8 / 1e6} Mbps / ${PHONE.latency} ms, ${PHONE.viewport.width} px)`;
    row('2p', `${profile}, \`data-load="idle"\`, clicked the moment the launcher is painted: click → window frame painted, median / p95`,
      frame(ph.widget), frame(ph.vanilla), '< 100 ms median', ph.widget.painted.median < 100);
    row('2p', '… click → pre-chat form shown, median / p95', mp(ph.widget.form), mp(ph.vanilla.form), '–', null);
    row('2p', `${profile}, \`data-load="intent"\` (the pointer reaches the launcher just before the click): click → window frame painted`,
      frame(ph.intent), frame(ph.vanilla), '< 100 ms median', ph.intent.painted.median < 100);
    row('2p', '… click → pre-chat form shown, median / p95', mp(ph.intent.form), mp(ph.vanilla.form), '–', null);
  }
  if (la) {
    const w = la.widget;
    const v = la.vanilla;
    row('3', `agent message → row in the DOM, median / p99 (${MESSAGES})`, `${ms(w.agent.median)} / ${ms(w.agent.p99)}`, `${ms(v.agent.median)} / ${ms(v.agent.p99)}`, '< 30 ms median', w.agent.median < 30);
    row('3', 'visitor Enter → simulator answered the ChatMessage, median / p99', `${ms(w.visitor.median)} / ${ms(w.visitor.p99)}`, `${ms(v.visitor.median)} / ${ms(v.visitor.p99)}`, '< 30 ms median', w.visitor.median < 30);
    row('3', '… Enter → POST issued; Enter → arrival in the sim log (1 ms res.)', `${ms(w.visitor.sent)}; ${ms(w.visitor.simLog)}`, `${ms(v.visitor.sent)}; ${ms(v.visitor.simLog)}`, '–', null);
  }
  if (i) {
    const kinds = Object.entries(i.requests).map(([k, n]) => `${n} × ${k.replace('/chat/rest/', '')}`).join(', ') || 'none';
    row('4', `idle ${i.seconds.toFixed(0)} s, chat open: requests`, kinds, '–', 'only the poll', i.onlyPoll);
    // A timer "more often than once a second" is one set for less than 1 s (a loop, a poll timer);
    // two unrelated long timers may still fire within the same second.
    row('4', 'idle: timers fired (shortest requested delay; fired with delay < 1 s); animation frames',
      `${i.timers.fires} (${i.timers.minDelay ?? '–'} ms; ${i.timers.fast}); ${i.timers.rafs} frames`, '–', 'none more often than 1/s',
      i.timers.fast === 0 && i.timers.rafs <= i.seconds);
    row('4', 'idle: main-thread time (CDP TaskDuration; ScriptDuration)', `${ms(i.taskMs)}; ${ms(i.scriptMs)}`, '–', '–', null);
    row('4', 'idle: JS heap growth after GC (wasm memory growth)', `${kb(i.heapGrowth)} (${kb(i.wasmGrowth)})`, '–', '< 256 KB', i.heapGrowth < 256 * 1024 && !(i.wasmGrowth >= 256 * 1024));
  } else if (il.idleError) row('4', 'idle', 'failed: see below', '–', '', false);
  if (l) {
    row('5', `append one agent message at 100 / at ${l.rows} rows: main-thread time per append (ratio)`, `${ms(l.at100.cpu)} / ${ms(l.atLong.cpu)} (${l.ratio.toFixed(2)}x)`, '–', '≤ 1.5x', l.ratio <= 1.5);
    row('5', '… poll answer → row in the DOM, in the page (ratio)', `${ms(l.at100.proc)} / ${ms(l.atLong.proc)} (${l.procRatio.toFixed(2)}x)`, '–', '≤ 1.5x', l.procRatio <= 1.5);
    // End to end, this includes the simulator answering the control call with the whole session
    // (about 1 MB of JSON at 5,000 messages): informative, the widget's share is the two rows above.
    row('5', '… agent POST → row in the DOM, incl. the simulator\'s answer to the control call (ratio)', `${ms(l.at100.latency)} / ${ms(l.atLong.latency)} (${l.latencyRatio.toFixed(2)}x)`, '–', '–', null);
    row('5', `filling the transcript from 100 to ${l.rows} rows (agent messages posted 8 at a time)`, `${l.fillSeconds.toFixed(0)} s`, '–', '–', null);
    const kept = l.inPage !== undefined && l.inPage !== l.rows ? ` (${l.inPage} of them in the page)` : '';
    row('5', `scroll the ${l.rows}-row transcript${kept}: frame rate (longest frame)`, `${l.scroll.fps.toFixed(0)} fps (${ms(l.scroll.worst)})`, '–', '–', null);
    row('5', `heap with ${l.rows} rows: JS heap after GC; wasm memory; DOM nodes`, `${kb(l.heap)}; ${kb(l.wasm)}; ${l.nodes}`, '–', '–', null);
  } else if (il.longError) row('5', 'long chat', 'failed: see below', '–', '', false);
  const m = R.miaw;
  if (m) {
    row('6', `Enhanced Chat: agent message (control API → event stream) → row in the DOM, median / p99 (${MESSAGES})`, `${ms(m.agent.median)} / ${ms(m.agent.p99)}`, '–', '< 30 ms median', m.agent.median < 30);
    row('6', 'Enhanced Chat: visitor Enter → simulator answered the POST …/message, median / p99', `${ms(m.visitor.median)} / ${ms(m.visitor.p99)}`, '–', '< 30 ms median', m.visitor.median < 30);
    row('6', `Enhanced Chat: idle ${m.idle.seconds} s, chat open: requests; timers fired; main-thread time`,
      `${m.idle.requests.length} (${m.idle.requests.join(', ') || 'none: only the open stream'}); ${m.idle.timers.fires}; ${ms(m.idle.taskMs)}`, '–', 'no request (the stream stays open)', m.idle.requests.length === 0);
  } else if (R.errors.miaw) row('6', 'Enhanced Chat', 'failed: see below', '–', '', false);
  const r7 = R.miawRich;
  if (r7) {
    row('7', `Enhanced Chat: a 20-option carousel (control API → event stream) → its 20 cards in the DOM, median / p99 (${r7.carousel.n})`, `${ms(r7.carousel.median)} / ${ms(r7.carousel.p99)}`, '–', '–', null);
    row('7', `Enhanced Chat: the visitor uploads ${kb(r7.upload.bytes)}: time to "sent"; long tasks (> 50 ms) meanwhile, the longest`, `${ms(r7.upload.ms)}; ${r7.upload.longTasks} (${ms(r7.upload.longest)})`, '–', 'no long task', r7.upload.longTasks === 0);
  } else if (R.errors.miawRich) row('7', 'Enhanced Chat beyond plain text', 'failed: see below', '–', '', false);
  return out;
}

function table(R) {
  const head = ['#', 'figure', 'chasitor', 'vanilla JS floor', 'budget', 'budget met'];
  const body = rows(R);
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)];
}

function report(R) {
  const m = R.machine;
  const lines = [
    '# Benchmark results',
    '',
    'Written by `scripts/bench.sh` (`node bench/run.mjs`); methods in [bench/README.md](README.md). Release build,',
    'headless Chromium, the simulator on loopback (long-poll hold 30 s). **One run** on a 2-core machine shared with',
    'other engineers\' builds and browser tests: figures are noisy (load average shown), compare runs with care.',
    '',
    `- date: ${m.date}`,
    `- machine: ${m.cpus}, ${m.memory} RAM, ${m.os}; load average before ${m.load}, after ${m.loadAfter ?? '?'}`,
    `- Chromium ${m.chromium} (headless), Node ${m.node}`,
    `- ${LOADS} page loads per page (cold cache, a fresh browser context each); ${MESSAGES} messages each way; ${IDLE_SECONDS} s idle; ${LONG} messages in the long chat`,
    '',
    ...table(R),
    '',
  ];
  if (R.sizes) {
    lines.push('## Files', '', '| page | stage | file | raw | gzip | brotli |', '|---|---|---|---|---|---|');
    for (const v of ['widget', 'vanilla']) {
      for (const f of R.sizes[v].files) lines.push(`| ${v} | ${f.stage} | \`${f.url}\` | ${f.raw} | ${f.gzip} | ${f.brotli} |`);
      lines.push(`| ${v} | | Chat API requests before the chat is opened | ${R.sizes[v].apiAtLoad.length} | | |`);
    }
    lines.push('');
  }
  const errs = Object.entries(R.errors);
  if (R.idleLong?.idleError) errs.push(['idle', R.idleLong.idleError]);
  if (R.idleLong?.longError) errs.push(['long chat', R.idleLong.longError]);
  if (errs.length) {
    lines.push('## Failures', '');
    for (const [k, e] of errs) lines.push(`- ${k}:`, '', '```', String(e).slice(0, 2000), '```', '');
  }
  return lines.join('\n');
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});

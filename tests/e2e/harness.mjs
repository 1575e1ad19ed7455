// End-to-end harness: the LiveAgent simulator as a child process, generated host pages around a copy
// of the trunk build (dist/), headless Chromium through playwright-core, a client for the
// simulator's control API, bounded polling helpers, screenshots and page-error collection.
//
// Nothing here sleeps blindly: every wait is a poll of an observable condition with a deadline.

import assert from 'node:assert/strict';
import { after, before, beforeEach } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = path.resolve(ROOT, process.env.CHASITOR_DIST || 'dist');
export const OUTPUT = path.resolve(ROOT, process.env.CHASITOR_TEST_OUTPUT || 'test-output');
export const SCREENSHOTS = path.join(OUTPUT, 'screenshots');
export const LOGS = path.join(OUTPUT, 'e2e-logs');
const TARGET_DIR = path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target');
export const SIM_BIN = path.join(TARGET_DIR, 'release', 'chasitor-sim');
export const CHROMIUM = process.env.CHASITOR_CHROMIUM || '/usr/bin/chromium';

/** How long a single expected step may take before the test fails (ms). */
export const STEP_TIMEOUT = Number(process.env.CHASITOR_E2E_STEP_TIMEOUT_MS || 15_000);
/** The simulator's long-poll hold for the tests (s): short, so an idle chat keeps cycling polls. */
export const HOLD_SECONDS = 5;

// ------------------------------------------------------------------------------------------------
// Small utilities

const tick = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Retries `fn` (an assertion or a probe, sync or async) until it returns without throwing and its
 * result is not `false`/`undefined`-on-`predicate`; throws the last error after `timeout` ms.
 * This is the harness's `expect.poll`: a bounded poll of a condition, never a blind sleep.
 */
export async function eventually(fn, { timeout = STEP_TIMEOUT, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      const value = await fn();
      if (value !== false) return value;
      lastError = new Error(`${what}: still false`);
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const err = new Error(`timed out after ${timeout} ms waiting for ${what}: ${lastError?.message ?? lastError}`);
      err.cause = lastError;
      throw err;
    }
    await tick(interval);
  }
}

/** A free TCP port on 127.0.0.1 (listen on port 0, close, hand the number out). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function slug(s) {
  return String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
}

// ------------------------------------------------------------------------------------------------
// Building and running the simulator

let simBuilt = false;

/** `cargo build --release -p chasitor-sim --locked` once per process (quick when up to date). */
export function buildSim() {
  if (simBuilt) return SIM_BIN;
  const started = Date.now();
  const r = spawnSync('cargo', ['build', '--release', '-p', 'chasitor-sim', '--locked'], {
    cwd: ROOT,
    env: { ...process.env, CARGO_TARGET_DIR: TARGET_DIR },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30 * 60_000,
  });
  if (r.status !== 0) {
    throw new Error(`cargo build -p chasitor-sim failed (status ${r.status}, ${r.error ?? ''}):\n${r.stderr}`);
  }
  if (!fs.existsSync(SIM_BIN)) throw new Error(`cargo build succeeded but ${SIM_BIN} is missing`);
  simBuilt = true;
  log(`chasitor-sim built in ${Date.now() - started} ms`);
  return SIM_BIN;
}

function log(msg) {
  // Diagnostics go to stderr: the node test runner shows them without mixing them into results.
  process.stderr.write(`# e2e: ${msg}\n`);
}

/** A client for the simulator's control API (`/_sim/...`). */
export class SimClient {
  constructor(base) {
    this.base = base;
  }

  async request(method, p, body) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(this.base + p, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`control API ${method} ${p} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }

  config() { return this.request('GET', '/_sim/config'); }
  sessions() { return this.request('GET', '/_sim/sessions'); }
  session(id) { return this.request('GET', `/_sim/sessions/${encodeURIComponent(id)}`); }
  requests() { return this.request('GET', '/_sim/requests'); }
  reset() { return this.request('POST', '/_sim/reset'); }
  fault(spec) { return this.request('POST', '/_sim/faults', spec); }
  setButton(id, patch) { return this.request('PUT', `/_sim/buttons/${encodeURIComponent(id)}`, patch); }
  action(id, action, body) {
    return this.request('POST', `/_sim/sessions/${encodeURIComponent(id)}/${action}`, body);
  }
  accept(id, agentName) { return this.action(id, 'accept', { agentName }); }
  message(id, text) { return this.action(id, 'message', { text }); }
  typing(id, typing) { return this.action(id, 'typing', { typing }); }
  transfer(id, agentName) { return this.action(id, 'transfer', { agentName }); }
  disconnect(id) { return this.action(id, 'disconnect', {}); }
  queue(id, position, estimatedWaitTime) { return this.action(id, 'queue', { position, estimatedWaitTime }); }
  customEvent(id, type, data) { return this.action(id, 'custom-event', { type, data }); }
  end(id) { return this.action(id, 'end', {}); }

  /**
   * Polls `GET /_sim/sessions` until one session satisfies `pred`; returns it. With `single`
   * (default), also asserts there is exactly one chat in the simulator, so a widget that opened a
   * second chat by mistake fails the test.
   */
  async waitForSession(pred = () => true, { timeout = STEP_TIMEOUT, what = 'a matching session', single = true } = {}) {
    let last = [];
    try {
      return await eventually(async () => {
        last = await this.sessions();
        if (single && last.length > 1) {
          throw new Error(`expected one chat in the simulator, found ${last.length}`);
        }
        const s = last.find(pred);
        if (!s) throw new Error('no session matches yet');
        return s;
      }, { timeout, what });
    } catch (e) {
      e.message += `\nsessions: ${JSON.stringify(last.map(summarize), null, 1)}`;
      throw e;
    }
  }
}

function summarize(s) {
  return {
    id: s.id, state: s.state, visitorName: s.visitorName, agentName: s.agentName,
    queuePosition: s.queuePosition, openPolls: s.openPolls, maxOpenPolls: s.maxOpenPolls,
    endedBy: s.endedBy, received: (s.received || []).map((r) => `${r.sequence}:${r.type}`),
  };
}

const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    try { c.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

/** One running simulator process. */
export class Sim {
  constructor({ name, port, staticDir, corsOrigin, holdSeconds = HOLD_SECONDS, extraArgs = [] }) {
    Object.assign(this, { name, port, staticDir, corsOrigin, holdSeconds, extraArgs });
    this.base = `http://127.0.0.1:${port}`;
    this.client = new SimClient(this.base);
  }

  async start() {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--hold-seconds', String(this.holdSeconds), '--log'];
    if (this.staticDir) args.push('--static-dir', this.staticDir);
    if (this.corsOrigin) args.push('--cors-origin', this.corsOrigin);
    args.push(...this.extraArgs); // e.g. ['--idle-timeout-seconds', '2']
    fs.mkdirSync(LOGS, { recursive: true });
    this.logFile = path.join(LOGS, `sim-${this.name}.log`);
    const out = fs.openSync(this.logFile, 'w');
    const child = spawn(SIM_BIN, args, { cwd: ROOT, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.child = child;
    children.add(child);
    let exited = null;
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      children.delete(child);
    });
    try {
      await eventually(async () => {
        if (exited) {
          const text = fs.readFileSync(this.logFile, 'utf8');
          const err = new Error(`chasitor-sim ${this.name} exited (${JSON.stringify(exited)}):\n${text}`);
          err.fatal = true;
          throw err;
        }
        const cfg = await this.client.config();
        this.config = cfg;
        return true;
      }, { timeout: 20_000, interval: 50, what: `chasitor-sim ${this.name} to answer ${this.base}/_sim/config` });
    } catch (e) {
      await this.stop();
      throw e.cause?.fatal ? e.cause : e;
    }
    return this;
  }

  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const killed = await Promise.race([gone.then(() => true), tick(3000).then(() => false)]);
    if (!killed) {
      child.kill('SIGKILL');
      await gone;
    }
  }
}

/** Starts a simulator on a free port, retrying with another port if that one was taken meanwhile. */
export async function startSim(opts, port) {
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const sim = new Sim({ ...opts, port: port ?? (await freePort()) });
    try {
      return await sim.start();
    } catch (e) {
      lastError = e;
      if (!/cannot listen/.test(String(e.message))) throw e;
      port = undefined;
    }
  }
  throw lastError;
}

// ------------------------------------------------------------------------------------------------
// Host pages

const HOSTILE_CSS = `
  * { all: unset }
  button { display: none !important }
`;

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * A host page with the loader's script tag; `attrs` (raw) are added to the tag, `htmlAttrs` to
 * <html>. The tag names the Live Agent deployment, or with `miaw` ({scrtUrl, orgId,
 * esDeveloperName}) the Enhanced Chat one.
 */
function pageHtml({ title, css = '', scriptSrc, endpoint, cfg, buttonId, body = '', attrs = '', htmlAttrs = 'lang="en"', miaw }) {
  const api = miaw
    ? `data-scrt-url="${esc(miaw.scrtUrl)}" data-org-id="${esc(miaw.orgId)}" data-es-developer-name="${esc(miaw.esDeveloperName)}"`
    : `data-endpoint="${esc(endpoint)}" data-org-id="${esc(cfg.orgId)}" data-deployment-id="${esc(cfg.deploymentId)}" data-button-id="${esc(buttonId)}"`;
  return `<!doctype html>
<html ${htmlAttrs}>
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="icon" href="data:,">
  <title>${esc(title)}</title>
  <style>${css}</style>
</head>
<body>
  <h1>${esc(title)}</h1>
  <p>An ordinary page of a site that embeds the chasitor chat widget with one script tag.</p>
  ${body}
  <script src="${esc(scriptSrc)}" ${api} ${attrs} async></script>
</body>
</html>
`;
}

/**
 * One simulator serving a copy of dist/, with host pages made on demand: `site.page(name, { attrs,
 * htmlAttrs })` writes `name.html` (the loader's tag for the first available button, plus `attrs`)
 * and returns its URL. `stop()` stops the simulator and removes the copy.
 */
export async function startSite({ name, extraArgs }) {
  if (!fs.existsSync(path.join(DIST, 'chasitor.js'))) {
    throw new Error(`${path.join(DIST, 'chasitor.js')} is missing: run \`trunk build --release\` first`);
  }
  buildSim();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `chasitor-${slug(name)}-`));
  fs.cpSync(DIST, dir, { recursive: true });
  let sim;
  try {
    sim = await startSim({ name, staticDir: dir, extraArgs });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    sim, client: sim.client, config: sim.config, base: sim.base,
    page(page, { attrs = '', htmlAttrs, miaw } = {}) {
      fs.writeFileSync(path.join(dir, `${page}.html`), pageHtml({
        title: page, scriptSrc: '/chasitor.js', endpoint: '/chat/rest', cfg: sim.config,
        buttonId: availableButton(sim.config), attrs, htmlAttrs, miaw,
      }));
      return `${sim.base}/${page}.html`;
    },
    async stop() {
      await sim.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The id of the simulator's first available button. */
export function availableButton(cfg) {
  const b = cfg.buttons.find((x) => x.available);
  if (!b) throw new Error(`the simulator has no available button: ${JSON.stringify(cfg)}`);
  return b.id;
}

/**
 * Starts everything the tests need:
 * - `same`: one simulator serving a copy of dist/ plus `host.html` and `hostile.html`, with the
 *   widget reaching `/chat/rest` on the page's own origin;
 * - `cross`: a simulator serving only the page (`cross.html`) and another one, with `--cors-origin`
 *   for the page's origin, serving the widget's files and `/chat/rest`.
 */
export async function startEnvironment() {
  if (!fs.existsSync(path.join(DIST, 'chasitor.js'))) {
    throw new Error(`${path.join(DIST, 'chasitor.js')} is missing: run \`trunk build --release\` first`);
  }
  buildSim();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chasitor-e2e-'));
  const siteDir = path.join(tmp, 'site');
  const pageDir = path.join(tmp, 'page');
  fs.cpSync(DIST, siteDir, { recursive: true });
  fs.mkdirSync(pageDir);

  const env = { tmp, sims: [] };
  try {
    // Same origin: the page, the widget and /chat/rest on one simulator.
    const same = await startSim({ name: 'same-origin', staticDir: siteDir });
    env.sims.push(same);
    const cfg = same.config;
    const buttonId = availableButton(cfg);
    fs.writeFileSync(path.join(siteDir, 'host.html'), pageHtml({
      title: 'Acme Outdoor Supply', scriptSrc: '/chasitor.js', endpoint: '/chat/rest', cfg, buttonId,
    }));
    fs.writeFileSync(path.join(siteDir, 'hostile.html'), pageHtml({
      title: 'A hostile host page', css: HOSTILE_CSS, scriptSrc: '/chasitor.js', endpoint: '/chat/rest', cfg, buttonId,
      body: '<button type="button">a host button the host hides</button>',
    }));
    env.same = { sim: same, client: same.client, cfg, buttonId, hostUrl: `${same.base}/host.html`, hostileUrl: `${same.base}/hostile.html` };

    // Cross origin: the page on one port, the widget's files and the chat API on another.
    const pagePort = await freePort();
    const pageOrigin = `http://127.0.0.1:${pagePort}`;
    const widget = await startSim({ name: 'cross-widget', staticDir: siteDir, corsOrigin: pageOrigin });
    env.sims.push(widget);
    const page = await startSim({ name: 'cross-page', staticDir: pageDir }, pagePort);
    env.sims.push(page);
    const xcfg = widget.config;
    const xbutton = availableButton(xcfg);
    fs.writeFileSync(path.join(pageDir, 'cross.html'), pageHtml({
      title: 'A page on another origin', scriptSrc: `${widget.base}/chasitor.js`, endpoint: `${widget.base}/chat/rest`,
      cfg: xcfg, buttonId: xbutton,
    }));
    env.cross = { sim: widget, pageSim: page, client: widget.client, pageClient: page.client, cfg: xcfg, buttonId: xbutton, hostUrl: `${page.base}/cross.html`, pageOrigin, widgetOrigin: widget.base };
  } catch (e) {
    await stopEnvironment(env);
    throw e;
  }
  return env;
}

export async function stopEnvironment(env) {
  if (!env) return;
  await Promise.all((env.sims || []).map((s) => s.stop()));
  if (env.tmp) fs.rmSync(env.tmp, { recursive: true, force: true });
}

export async function resetAll(env) {
  await Promise.all((env.sims || []).map((s) => s.client.reset()));
}

// ------------------------------------------------------------------------------------------------
// Browser

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A fresh browser context and page for one test, watching the page: console messages, uncaught
 * page errors, dialogs (each one is dismissed and recorded: no test expects a dialog) and failed
 * requests, all written to a log file per test.
 */
export async function openPage(browser, testName) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(STEP_TIMEOUT);
  const page = await context.newPage();
  const name = slug(testName);
  // Screenshots of an earlier run of this test would mix with this run's.
  if (fs.existsSync(SCREENSHOTS)) {
    for (const f of fs.readdirSync(SCREENSHOTS)) if (f.startsWith(`${name}--`)) fs.rmSync(path.join(SCREENSHOTS, f), { force: true });
  }
  const w = { name, context, page, console: [], consoleErrors: [], pageErrors: [], dialogs: [], shots: 0, lines: [] };
  const started = Date.now();
  const note = (line) => w.lines.push(`${String(Date.now() - started).padStart(6)} ms  ${line}`);
  page.on('console', (m) => {
    const text = m.text();
    w.console.push({ type: m.type(), text });
    if (m.type() === 'error') w.consoleErrors.push(text);
    note(`console.${m.type()}: ${text}`);
  });
  page.on('pageerror', (e) => {
    w.pageErrors.push(e);
    note(`PAGEERROR: ${e.stack || e.message}`);
  });
  page.on('dialog', (d) => {
    w.dialogs.push({ type: d.type(), message: d.message() });
    note(`DIALOG ${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('requestfailed', (r) => note(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) note(`navigated: ${f.url()}`); });
  w.screenshot = (stage) => screenshot(page, `${name}--${String(++w.shots).padStart(2, '0')}-${slug(stage)}`);
  /** Throws if the page had an uncaught error, a dialog, or a Rust panic in the console. */
  w.assertClean = () => {
    const problems = [];
    for (const e of w.pageErrors) problems.push(`uncaught page error: ${e.stack || e.message}`);
    for (const d of w.dialogs) problems.push(`unexpected ${d.type} dialog: ${JSON.stringify(d.message)}`);
    for (const t of w.consoleErrors) if (/panicked|RuntimeError|unreachable/i.test(t)) problems.push(`panic in the console: ${t}`);
    if (problems.length) throw new Error(problems.join('\n'));
  };
  w.close = async () => {
    fs.mkdirSync(LOGS, { recursive: true });
    fs.writeFileSync(path.join(LOGS, `${name}.log`), w.lines.join('\n') + '\n');
    await context.close().catch(() => {});
  };
  return w;
}

/**
 * Runs one test body with a fresh context and page; checks the page stayed clean; on failure takes
 * a screenshot and adds the page's errors to the message.
 */
export async function withPage(browser, testName, body) {
  const w = await openPage(browser, testName);
  try {
    await body(w);
    w.assertClean();
  } catch (e) {
    await w.screenshot('FAILED').catch(() => {});
    const extra = [];
    if (w.pageErrors.length) extra.push(`page errors:\n  ${w.pageErrors.map((x) => x.message).join('\n  ')}`);
    if (w.consoleErrors.length) extra.push(`console errors:\n  ${w.consoleErrors.slice(-15).join('\n  ')}`);
    if (extra.length) e.message += `\n--- ${extra.join('\n--- ')}`;
    throw e;
  } finally {
    await w.close();
  }
}

export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false, timeout: 10_000 });
  return file;
}

// ------------------------------------------------------------------------------------------------
// The widget's parts (Playwright's CSS engine pierces open shadow roots)

export function widget(page) {
  const q = (sel) => page.locator(sel);
  const parts = {
    host: q('#chasitor-host'),
    launcher: q('[part~=launcher]'),
    unread: q('[part~=launcher] [part~=unread]'),
    window: q('[part~=window]'),
    header: q('[part~=header]'),
    close: q('[part~=close]'),
    prechat: q('[part~=prechat]'),
    firstName: q('[part~=prechat] input[name=firstName]'),
    lastName: q('[part~=prechat] input[name=lastName]'),
    email: q('[part~=prechat] input[name=email]'),
    start: q('[part~=start]'),
    queue: q('[part~=queue]'),
    transcript: q('[part~=transcript]'),
    messages: q('[part~=transcript] [part~=message]'),
    typing: q('[part~=typing]'),
    composer: q('[part~=composer]'),
    send: q('[part~=send]'),
    end: q('[part~=end]'),
    endConfirm: q('[part~=end-confirm]'),
    ended: q('[part~=ended]'),
    newChat: q('[part~=new-chat]'),
    offline: q('[part~=offline]'),
  };
  return {
    ...parts,
    page,
    /** Rows of one author, optionally with a text. */
    message(author, text) {
      let l = q(`[part~=transcript] [part~=message][data-author=${author}]`);
      if (text !== undefined) l = l.filter({ hasText: text });
      return l;
    },
    /** Puts every row of a long chat in the page ("Show earlier messages" until it is gone; after
     * that the widget hides none). */
    async showAll() {
      const earlier = q('[part~=transcript] [part~=earlier]');
      while (await earlier.count()) await earlier.click();
    },
    /** The transcript as `[author, text]` pairs, in display order (all of it). */
    async rows() {
      await this.showAll();
      return parts.messages.evaluateAll((els) => els.map((e) => {
        const t = e.querySelector('[part~=text]');
        return [e.getAttribute('data-author'), (t ? t.textContent : e.textContent).replace(/\s+/g, ' ').trim()];
      }));
    },
    /** Waits until the transcript's rows satisfy `check` (which throws or returns false). */
    async waitRows(check, what = 'the transcript') {
      return eventually(async () => {
        const rows = await this.rows();
        if ((await check(rows)) === false) throw new Error(`rows: ${JSON.stringify(rows)}`);
        return rows;
      }, { what });
    },
  };
}

/**
 * Waits until the widget itself has booted (the loader paints an early launcher first, which the
 * widget then replaces: a test reading the launcher's attributes or styles waits for this).
 */
export async function widgetReady(page) {
  await page.waitForFunction(() => performance.getEntriesByName('chasitor:widget-ready').length > 0, null, { polling: 20 });
}

/** Whether the page has made the performance mark `name` (the loader's and the widget's marks). */
export const hasMark = (pg, name) => pg.evaluate((n) => performance.getEntriesByName(n).length > 0, name);

/** Holds back every request matching `pattern` until `release()`; `seen` counts the requests. */
export async function hold(pg, pattern) {
  let open;
  const gate = new Promise((resolve) => { open = resolve; });
  const h = { seen: 0, release: () => open() };
  await pg.route(pattern, async (route) => {
    h.seen++;
    await gate;
    await route.continue().catch(() => {});
  });
  return h;
}

/** The visible text of a locator's single element, whitespace collapsed. */
export async function textOf(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** Waits until the single element of `locator` has text matching `re`; returns the text. */
export async function waitText(locator, re, what) {
  let last;
  try {
    return await eventually(async () => {
      last = await locator.innerText({ timeout: 1000 });
      if (!re.test(last)) throw new Error('no match');
      return last;
    }, { what: what ?? `text matching ${re}` });
  } catch (e) {
    e.message += ` (last text: ${JSON.stringify(last)})`;
    throw e;
  }
}

/** Waits until an attribute of the single element of `locator` equals `value`. */
export async function waitAttr(locator, name, value, what) {
  let last;
  try {
    await eventually(async () => {
      last = await locator.getAttribute(name, { timeout: 1000 });
      return last === value;
    }, { what: what ?? `${name}="${value}"` });
  } catch (e) {
    e.message += ` (last value: ${JSON.stringify(last)})`;
    throw e;
  }
}

// ------------------------------------------------------------------------------------------------
// The suites' set-up, once

/**
 * Registers the set-up every suite shares: `start()` (the simulators) and one browser before the
 * suite, `reset(env)` before each test (when given), both stopped after it. `ready(env, browser)`
 * hands them to the suite once they are there.
 */
export function useSuite({ start, stop, reset }, ready) {
  let env = null;
  let browser = null;
  before(async () => {
    env = await start();
    browser = await launchBrowser();
    ready(env, browser);
  }, { timeout: 30 * 60_000 });
  after(async () => {
    await browser?.close().catch(() => {});
    await stop(env);
  });
  if (reset) beforeEach(async () => { await reset(env); });
}

/** The journey's environment (same- and cross-origin sites), reset before each test. */
export function useEnvironment(ready) {
  useSuite({ start: startEnvironment, stop: stopEnvironment, reset: resetAll }, ready);
}

// ------------------------------------------------------------------------------------------------
// Accessibility

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core on the widget (its open shadow root included): the violations, as short strings. */
export async function axe(pg) {
  if (!(await pg.evaluate(() => typeof window.axe === 'object'))) await pg.addScriptTag({ path: AXE });
  return pg.evaluate(async () => {
    const r = await window.axe.run({ include: [['#chasitor-host']] }, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`
      + `\n    ${v.nodes.map((n) => n.failureSummary).join('\n    ')}`);
  });
}

/** No axe violation in the widget at this stage. */
export async function assertAxe(w, stage) {
  const violations = await axe(w.page);
  assert.deepEqual(violations, [], `axe violations on the ${stage} stage:\n${violations.join('\n')}`);
}

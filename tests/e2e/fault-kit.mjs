// Shared by faults.test.mjs and soak.test.mjs (issue 6): simulators with a short long-poll hold
// serving the trunk build, a watcher of the page's /chat/rest traffic (what the widget sent, in
// the order it sent it, with the answers it got), a chat driver that keeps the expected
// transcript, and checks on the simulator's request log (an upper bound per kind of request, so a
// retry storm fails the test).
//
// useSites() registers a suite's set-up (the simulators, one browser, a reset before each test).
//
// Not a test file itself (node --test picks up *.test.mjs only).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DIST, availableButton, buildSim, eventually, startSim, useSuite, waitAttr, widget,
} from './harness.mjs';

export const VISITOR = { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' };

// ------------------------------------------------------------------------------------------------
// Simulators

/**
 * Copies dist/ to a temporary site with a host page, and starts one simulator per entry of
 * `specs` (`{ name, holdSeconds, extraArgs }`), each serving that site and `/chat/rest` on one
 * origin. Returns `{ tmp, siteDir, sims: {name: {sim, client, cfg, buttonId, hostUrl}} , all }`.
 */
export async function startSites(specs) {
  if (!fs.existsSync(path.join(DIST, 'chasitor.js'))) {
    throw new Error(`${path.join(DIST, 'chasitor.js')} is missing: run \`trunk build --release\` first`);
  }
  buildSim();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chasitor-faults-'));
  const siteDir = path.join(tmp, 'site');
  fs.cpSync(DIST, siteDir, { recursive: true });
  const env = { tmp, siteDir, sims: {}, all: [] };
  try {
    for (const spec of specs) {
      const sim = await startSim({ ...spec, staticDir: siteDir });
      env.all.push(sim);
      const cfg = sim.config;
      const buttonId = availableButton(cfg);
      // One host page for every simulator: they all run the demo org, and the endpoint is the
      // page's own origin.
      fs.writeFileSync(path.join(siteDir, 'host.html'), hostPage(cfg, buttonId));
      env.sims[spec.name] = { sim, client: sim.client, cfg, buttonId, hostUrl: `${sim.base}/host.html`, holdSeconds: spec.holdSeconds };
    }
  } catch (e) {
    await stopSites(env);
    throw e;
  }
  return env;
}

export async function stopSites(env) {
  if (!env) return;
  await Promise.all(env.all.map((s) => s.stop()));
  if (env.tmp) fs.rmSync(env.tmp, { recursive: true, force: true });
}

function hostPage(cfg, buttonId) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Fault matrix host page</title></head>
<body>
  <h1>Fault matrix host page</h1>
  <script src="/chasitor.js" data-endpoint="/chat/rest" data-org-id="${cfg.orgId}" data-deployment-id="${cfg.deploymentId}" data-button-id="${buttonId}" async></script>
</body>
</html>
`;
}

// ------------------------------------------------------------------------------------------------
// The page's /chat/rest traffic, as the widget saw it

/** `/chat/rest/System/Messages` → `System/Messages`. */
export function resourceOf(p) {
  return String(p).replace(/^.*?\/chat\/rest\//, '').replace(/^\//, '');
}

/**
 * Records every `/chat/rest` request the page issues, in issue order: `{ n, method, resource,
 * query, body, t, status?, tDone?, failed?, json? }` (`json`: the parsed answer of SessionId,
 * ReconnectSession and Messages 200s). Survives reloads (same Page object).
 */
export function watchNet(page) {
  const net = { list: [], byReq: new Map(), pending: new Set() };
  page.on('request', (req) => {
    if (!req.url().includes('/chat/rest/')) return;
    const u = new URL(req.url());
    const e = {
      n: net.list.length, method: req.method(), resource: resourceOf(u.pathname), query: u.search.slice(1),
      body: req.postData() ?? null, t: Date.now(),
      sequence: req.headers()['x-liveagent-sequence'] ?? null, affinity: req.headers()['x-liveagent-affinity'] ?? null,
    };
    net.list.push(e);
    net.byReq.set(req, e);
  });
  page.on('response', (res) => {
    const e = net.byReq.get(res.request());
    if (!e) return;
    e.status = res.status();
    e.tDone = Date.now();
    if (e.status === 200 && /^System\/(Messages|ReconnectSession|SessionId)$/.test(e.resource)) {
      const p = res.text().then((t) => { e.json = JSON.parse(t); }).catch(() => {});
      net.pending.add(p);
      p.finally(() => net.pending.delete(p));
    }
  });
  page.on('requestfailed', (req) => {
    const e = net.byReq.get(req);
    if (!e) return;
    e.failed = req.failure()?.errorText ?? 'failed';
    e.tDone = Date.now();
  });
  /** Waits for the bodies being read. */
  net.settle = async () => { await Promise.all([...net.pending]); };
  /** Requests (not polls) issued and not answered yet. */
  net.busyPosts = () => net.list.filter((e) => e.resource !== 'System/Messages' && e.tDone === undefined);
  /** The polls' 200 answers so far, in order. */
  net.pollAnswers = () => net.list.filter((e) => e.resource === 'System/Messages' && e.status === 200 && e.json);
  /** The POSTs that carry `text` as a visitor message (ChatMessage, or a ChatMessage noun of a MultiNoun). */
  net.postsWith = (text) => net.list.filter((e) => carriesMessage(e, text));
  net.describe = (from = 0) => net.list.slice(from).map((e) => `#${e.n} ${e.method} ${e.resource}${e.query ? `?${e.query}` : ''} -> ${e.status ?? (e.failed ? `failed(${e.failed})` : 'pending')}${e.json?.messages ? ` [${e.json.messages.map((m) => m.type).join(',')}]` : ''}`).join('\n');
  return net;
}

function carriesMessage(e, text) {
  if (e.method !== 'POST' || !e.body) return false;
  let body;
  try { body = JSON.parse(e.body); } catch { return false; }
  if (e.resource === 'Chasitor/ChatMessage') return body?.text === text;
  if (e.resource === 'System/MultiNoun') {
    return (body?.nouns ?? []).some((n) => {
      if (n.noun !== 'ChatMessage') return false;
      let o = n.object ?? n.data;
      if (typeof o === 'string') { try { o = JSON.parse(o); } catch { return false; } }
      return o?.text === text;
    });
  }
  return false;
}

/** Waits until no POST or control GET is on its way (the outbox is idle). */
export async function postsIdle(net, what = 'the widget to have no POST on its way') {
  await eventually(() => net.busyPosts().length === 0, { what, interval: 25 });
}

// ------------------------------------------------------------------------------------------------
// The simulator's request log

/** The simulator's log entries for one session (`session` null entries too when `orphans`). */
export async function simRequests(client, sessionId, { orphans = false } = {}) {
  const all = await client.requests();
  return all.filter((r) => r.session === sessionId || (orphans && r.session == null));
}

/** Counts log entries by kind: polls (GET Messages), control GETs, POSTs; and by resource. */
export function countRequests(entries) {
  const by = {};
  let polls = 0; let control = 0; let posts = 0; let other = 0;
  for (const r of entries) {
    const res = resourceOf(r.path);
    const key = `${r.method} ${res} ${r.status}`;
    by[key] = (by[key] || 0) + 1;
    if (r.method === 'GET' && res === 'System/Messages') polls++;
    else if (r.method === 'GET' && /^System\/(SessionId|ReconnectSession)/.test(res)) control++;
    else if (r.method === 'POST') posts++;
    else other++;
  }
  const times = entries.map((r) => r.atMs);
  const spanMs = times.length ? Math.max(...times) - Math.min(...times) : 0;
  return { total: entries.length, polls, control, posts, other, spanMs, by };
}

/**
 * Upper bounds on what the widget sent for one chat. The long poll is held `holdSeconds`, so an
 * idle chat makes about one poll per hold; every server event (agent message, typing, accept...)
 * may answer one poll early; each fault may cost one more request per retry. `visitorMessages`
 * each cost at most a typing, a sneak peek, a not-typing and the message. A widget that retries
 * without backoff, or polls twice, blows these bounds within seconds.
 */
export function requestBudget({ spanMs, holdSeconds, agentEvents, visitorMessages, handovers = 0, faults = 0, reloads = 0, extraPosts = 0 }) {
  const polls = Math.ceil(spanMs / (holdSeconds * 1000)) + agentEvents + 2 * handovers + faults + 3 * reloads + 4;
  const posts = 1 /* ChasitorInit */ + 4 * visitorMessages + 2 * handovers + faults + 2 * reloads + extraPosts + 6;
  const control = 1 /* SessionId */ + handovers + faults + reloads;
  return { polls, posts, control, total: polls + posts + control };
}

export function assertBudget(counts, budget, what = 'requests') {
  const msg = (k) => `${what}: ${counts[k]} ${k} > bound ${budget[k]} (a retry storm?)\ncounts: ${JSON.stringify(counts, null, 1)}\nbudget: ${JSON.stringify(budget)}`;
  for (const k of ['polls', 'posts', 'control', 'total']) assert.ok(counts[k] <= budget[k], msg(k));
}

// ------------------------------------------------------------------------------------------------
// The chat, both sides, with the expected transcript

const withoutSystem = (rows) => rows.filter(([author]) => author !== 'system');
export const visitorTexts = (s) => s.received.filter((r) => r.type === 'ChatMessage').map((r) => r.body?.text);

/** Loads the host page and opens the launcher on the pre-chat form. */
export async function openWidget(w, site) {
  const ui = widget(w.page);
  await w.page.goto(site.hostUrl);
  await ui.launcher.waitFor({ state: 'visible' });
  await ui.launcher.click();
  await waitAttr(ui.launcher, 'aria-expanded', 'true', 'the launcher to open the window');
  await ui.prechat.waitFor({ state: 'visible' });
  return ui;
}

/** Pre-chat, queued, accepted by `agentName`: returns a `Chat`. */
export async function startChat(w, site, { agentName = 'Andy L.', net, reuseUi } = {}) {
  const ui = reuseUi ?? (await openWidget(w, site));
  await ui.firstName.fill(VISITOR.firstName);
  await ui.lastName.fill(VISITOR.lastName);
  await ui.email.fill(VISITOR.email);
  const known = new Set((await site.client.sessions()).map((s) => s.id));
  await ui.start.click();
  const s = await site.client.waitForSession((x) => !known.has(x.id) && x.state === 'queued', { what: 'the chat to be queued in the simulator', single: false });
  await ui.queue.waitFor({ state: 'visible' });
  await site.client.accept(s.id, agentName);
  await ui.queue.waitFor({ state: 'hidden' });
  await ui.composer.waitFor({ state: 'visible' });
  return new Chat(w, ui, site, s.id, net);
}

export class Chat {
  constructor(w, ui, site, id, net) {
    Object.assign(this, { w, ui, site, id, net, c: site.client });
    this.expected = []; // [author, text] in display order
    this.visitor = []; // the visitor's texts, in order
    this.agentEvents = 1; // the accept
  }

  /** The agent sends `text`; it shows once in the transcript. */
  async agentSays(text, { timeout } = {}) {
    await this.c.message(this.id, text);
    this.agentEvents++;
    this.expected.push(['agent', text]);
    // Strict: two rows with this text fail here.
    await this.ui.message('agent', text).waitFor({ state: 'visible', timeout });
  }

  /** The agent's side sends `text` without waiting for it to show. */
  async agentSends(text) {
    await this.c.message(this.id, text);
    this.agentEvents++;
    this.expected.push(['agent', text]);
  }

  async agentTyping(typing) {
    await this.c.typing(this.id, typing);
    this.agentEvents++;
  }

  /** The visitor types `text` in the composer and presses Enter; no waiting for delivery. */
  async visitorTypes(text) {
    await this.ui.composer.fill(text);
    await this.ui.composer.press('Enter');
    this.expected.push(['visitor', text]);
    this.visitor.push(text);
  }

  /**
   * Types `text` in the composer without sending it, and waits until the typing notices are
   * over: ChasitorTyping, sneak peek, and ChasitorNotTyping after the widget's typing idle time
   * (the simulator shows the visitor as not typing again) with no POST on its way. Enter then
   * sends the message alone, as `POST Chasitor/ChatMessage`, so a fault on that path hits it.
   */
  async compose(text) {
    const notTyping = (s) => s.received.filter((r) => r.type === 'ChasitorNotTyping').length;
    const before = notTyping(await this.session());
    await this.ui.composer.fill(text);
    await eventually(async () => {
      const s = await this.session();
      return notTyping(s) > before && s.visitorTyping === false;
    }, { what: 'ChasitorNotTyping after the typing idle time', interval: 50 });
    if (this.net) await postsIdle(this.net);
  }

  /** Presses Enter on what `compose` typed. */
  async pressEnter(text) {
    await this.ui.composer.press('Enter');
    this.expected.push(['visitor', text]);
    this.visitor.push(text);
  }

  /** Waits until the row of `text` shows as sent and the simulator has it. */
  async delivered(text, { timeout } = {}) {
    const row = this.ui.message('visitor', text);
    await row.waitFor({ state: 'visible', timeout });
    await eventually(async () => (await row.getAttribute('data-status', { timeout: 1000 })) === 'sent',
      { what: `the visitor message ${JSON.stringify(text)} to show as sent`, timeout });
    await this.c.waitForSession((s) => s.id === this.id && visitorTexts(s).includes(text),
      { what: `the simulator to receive ${JSON.stringify(text)}`, single: false, timeout });
  }

  /** The visitor says `text` and it is delivered. Returns the resource of the POST that carried it. */
  async visitorSays(text) {
    await this.visitorTypes(text);
    await this.delivered(text);
    if (!this.net) return null;
    const posts = this.net.postsWith(text);
    return posts.length ? posts[0].resource : null;
  }

  async session() { return this.c.session(this.id); }

  /**
   * The whole chat so far: the transcript in the DOM is exactly the expected rows (each message
   * once, in order; system notes aside), the simulator received every visitor message exactly
   * once, in order, and never held two polls of this chat at once.
   */
  async verify(what = 'the chat') {
    let s;
    try {
      s = await eventually(async () => {
        const x = await this.session();
        assert.deepEqual(visitorTexts(x), this.visitor);
        return x;
      }, { what: `${what}: the simulator's received ChatMessages to be exactly the visitor's messages` });
    } catch (e) {
      const x = await this.session().catch(() => null);
      e.message += `\nreceived: ${JSON.stringify(x && visitorTexts(x))}\nexpected: ${JSON.stringify(this.visitor)}`;
      throw e;
    }
    try {
      await this.ui.waitRows((rows) => assert.deepEqual(withoutSystem(rows), this.expected), `${what}: the transcript`);
    } catch (e) {
      e.message += `\nexpected: ${JSON.stringify(this.expected)}`;
      throw e;
    }
    assert.ok(s.maxOpenPolls <= 1, `${what}: at most one long poll open at once (maxOpenPolls ${s.maxOpenPolls})`);
    return s;
  }
}

/** One simulator site per entry of `specs` (see `startSites`), each reset before every test. */
export function useSites(specs, ready) {
  useSuite({
    start: () => startSites(specs),
    stop: stopSites,
    reset: async (env) => { for (const x of Object.values(env.sims)) await x.client.reset(); },
  }, ready);
}

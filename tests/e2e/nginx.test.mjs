// Deployment, proven (issue 17): the widget served by nginx with deploy/nginx/chasitor.conf, and the
// Chat API reached through its relay, in front of the simulator started WITHOUT --cors-origin (like
// the real server, it sends no CORS headers: only the same-origin relay can reach it). The config is
// generated from the deployment's own file (tests/e2e/nginx-kit.mjs), and nginx is Debian's, run as
// an unprivileged process on loopback ports.
//
//   - the headers a site owner relies on, read through nginx: cache lifetimes, the wasm's type, the
//     precompressed files, the CSP (the README's, word for word), CORS on the files' host only for
//     the allowed page, the relay passing the X-LIVEAGENT-* headers;
//   - the visitor's journey through the relay, with a reload that resumes the chat;
//   - the Live Agent fault matrix's core cases through the relay: the 503 affinity handover,
//     dropped upstream connections (the browser sees nginx's 502), 500s, a poll held 30 seconds;
//   - cross origin: the files from the "CDN" server block, the page and the relay on the site's
//     origin; and a page on an origin the files' host does not allow: a clear console error;
//   - Enhanced Chat: the files from nginx, the API reached directly (no relay) on its own origin,
//     which allows the page's (the org's CORS allowlist), with that origin in the page's connect-src.
//
// Run: CHASITOR_TEST_OUTPUT=test-output node --test --test-concurrency=1 tests/e2e/nginx.test.mjs

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, test } from 'node:test';
import {
  DIST, ROOT, availableButton, buildSim, eventually, freePort, startSim, useSuite, widget, withPage,
} from './harness.mjs';
import {
  assertBudget, countRequests, requestBudget, simRequests, startChat, visitorTexts, watchNet,
} from './fault-kit.mjs';
import { FILES_PATH, startNginx, templateCsp } from './nginx-kit.mjs';

/** The simulator's long-poll hold behind the main relay (s): short, so polls cycle. */
const HOLD = 1;
/** The hold behind the second relay: the real server's long poll. */
const LONG_HOLD = 30;
const TEST_TIMEOUT = 120_000;
const MESSAGE_PATH = '/Chasitor/ChatMessage';

let env;
let browser;

useSuite({
  async start() {
    buildSim();
    const e = { sims: [], relays: [] };
    try {
      const sim = await startSim({ name: 'nginx-upstream', holdSeconds: HOLD });
      e.sims.push(sim);
      const longSim = await startSim({ name: 'nginx-upstream-30s', holdSeconds: LONG_HOLD });
      e.sims.push(longSim);
      const relay = await startNginx({ name: 'relay', upstream: sim.base });
      e.relays.push(relay);
      const longRelay = await startNginx({ name: 'relay-30s', upstream: longSim.base });
      e.relays.push(longRelay);
      const cfg = sim.config;
      // The shipped demo page names the simulator's demo org: it is served as it is.
      const demo = fs.readFileSync(path.join(relay.root, 'index.html'), 'utf8');
      for (const id of [cfg.orgId, cfg.deploymentId, availableButton(cfg)]) {
        assert.ok(demo.includes(`"${id}"`), `deploy/nginx/index.html names ${id} (the simulator's demo org)`);
      }
      // The page on the site's origin with the widget's files from the files' host.
      for (const r of e.relays) r.page('cross', crossPage(r.cdnOrigin, cfg));
      const site = (s, r) => ({ sim: s, client: s.client, cfg, relay: r, hostUrl: `${r.pageOrigin}/` });
      Object.assign(e, { main: site(sim, relay), long: site(longSim, longRelay) });

      // Enhanced Chat: the files from nginx, the API (a simulator allowing the page's origin, as the
      // org's CORS allowlist does) reached directly; its origin in the page's connect-src.
      const scrtPort = await freePort();
      const scrtOrigin = `http://127.0.0.1:${scrtPort}`;
      const miawRelay = await startNginx({ name: 'miaw', upstream: sim.base, scrtOrigin });
      e.relays.push(miawRelay);
      const miawSim = await startSim({ name: 'nginx-miaw-api', corsOrigin: miawRelay.pageOrigin }, scrtPort);
      e.sims.push(miawSim);
      miawRelay.page('miaw', miawPage(miawRelay.cdnOrigin, scrtOrigin, cfg.orgId));
      e.miaw = { relay: miawRelay, sim: miawSim, client: miawSim.client, scrtOrigin, hostUrl: `${miawRelay.pageOrigin}/miaw.html` };
    } catch (err) {
      await stopAll(e);
      throw err;
    }
    return e;
  },
  stop: stopAll,
  reset: async (e) => { for (const s of e.sims) await s.client.reset(); },
}, (e, b) => { env = e; browser = b; });

async function stopAll(e) {
  if (!e) return;
  await Promise.all([...e.relays.map((r) => r.stop()), ...e.sims.map((s) => s.stop())]);
}

/** A page without inline script or style (the CSP allows none), loading the widget from `cdnOrigin`. */
function crossPage(cdnOrigin, cfg) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>A page, the widget's files on another origin</title></head>
<body>
  <h1>A page, the widget's files on another origin</h1>
  <script src="${cdnOrigin}${FILES_PATH}chasitor.js" data-endpoint="/chat/rest" data-org-id="${cfg.orgId}" data-deployment-id="${cfg.deploymentId}" data-button-id="${availableButton(cfg)}" async></script>
</body>
</html>
`;
}

/** An Enhanced Chat page (no inline script or style), the widget's files from `cdnOrigin`. */
function miawPage(cdnOrigin, scrtOrigin, orgId) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Enhanced Chat, the files from nginx</title></head>
<body>
  <h1>Enhanced Chat, the files from nginx</h1>
  <script src="${cdnOrigin}${FILES_PATH}chasitor.js" data-scrt-url="${scrtOrigin}" data-org-id="${orgId}" data-es-developer-name="Chasitor_Demo" async></script>
</body>
</html>
`;
}

// ------------------------------------------------------------------------------------------------
// Helpers

/** The README's CSP block ("A page with a Content-Security-Policy needs exactly this"), one line. */
function readmeCsp() {
  const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = text.match(/Content-Security-Policy needs exactly this[\s\S]*?```\n([\s\S]*?)```/);
  assert.ok(m, 'README.md documents the widget\'s Content-Security-Policy in a code block');
  return m[1].split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

/** One request with exactly these headers (node:http: no automatic Accept-Encoding, no decoding). */
function rawRequest(method, url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
const rawGet = (url, headers) => rawRequest('GET', url, headers);

/**
 * The hashed files a Live Agent page loads (the Live Agent-only build, when scripts/build.sh made
 * one), and in `enhanced` those an Enhanced Chat page loads (the Enhanced Chat-only build, else the
 * one with both APIs).
 */
const hashedFiles = () => {
  const names = fs.readdirSync(DIST);
  const pair = (prefix) => ({
    js: names.find((f) => new RegExp(`^${prefix}[0-9a-f]+\\.js$`).test(f)),
    wasm: names.find((f) => new RegExp(`^${prefix}[0-9a-f]+_bg\\.wasm$`).test(f)),
  });
  const both = pair('chasitor-');
  const liveAgent = pair('chasitor-liveagent-');
  const miaw = pair('chasitor-miaw-');
  assert.ok(both.js && both.wasm, `the hashed files in ${DIST}: ${names}`);
  return { ...(liveAgent.js && liveAgent.wasm ? liveAgent : both), enhanced: miaw.js && miaw.wasm ? miaw : both };
};

/** Every request the page makes, by URL, with the answer's status and headers. */
function watchFiles(page) {
  const list = [];
  page.on('response', (res) => {
    list.push({ url: res.url(), status: res.status(), headers: res.headers() });
  });
  page.on('request', (req) => { if (/\/(chat\/rest|iamessage|eventrouter)\//.test(req.url())) list.push({ url: req.url(), request: true }); });
  return list;
}

const cspViolations = (w) => w.console.filter((m) => /Content Security Policy|Refused to/i.test(m.text));

/** The simulator's log for the chat, checked against the fault kit's request budget. */
async function checkBudget(chat, site, opts) {
  const counts = countRequests(await simRequests(site.client, chat.id));
  const budget = requestBudget({
    spanMs: counts.spanMs, holdSeconds: site.sim.holdSeconds, agentEvents: chat.agentEvents, visitorMessages: chat.visitor.length, ...opts,
  });
  assertBudget(counts, budget, `the requests of chat ${chat.id}`);
  return counts;
}

/** A chat through the relay, accepted, one message each way. */
async function chatWithWarmup(w, site, tag) {
  const net = watchNet(w.page);
  const chat = await startChat(w, site, { net });
  await chat.agentSays(`Hello, this is Andy (${tag}).`);
  await chat.visitorSays(`Hi Andy, a question about ${tag}.`);
  return { net, chat };
}

const ackOf = (e) => new URLSearchParams(e.query).get('ack');

// ------------------------------------------------------------------------------------------------

describe('nginx: deploy/nginx/chasitor.conf', () => {
  test('the headers through nginx: cache lifetimes, wasm type, precompressed files, the README\'s CSP, CORS, the relay', { timeout: TEST_TIMEOUT }, async () => {
    const { relay, client, sim } = env.main;
    const { js, wasm } = hashedFiles();

    // The simulator, like the real server, answers no CORS preflight: the page can only use the relay.
    const preflight = await rawRequest('OPTIONS', `${sim.base}/chat/rest/System/SessionId`, {
      origin: relay.pageOrigin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-liveagent-api-version',
    });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined, `no CORS from the simulator (started without --cors-origin): ${preflight.status}`);
    const files = `${relay.pageOrigin}${FILES_PATH}`;

    // The demo page: the README's policy, word for word (the files' host being this run's).
    const csp = readmeCsp();
    assert.equal(templateCsp(), csp, 'deploy/nginx/chasitor.conf sends the CSP the README documents');
    const pageRes = await rawGet(`${relay.pageOrigin}/`);
    assert.equal(pageRes.status, 200);
    assert.equal(pageRes.headers['content-security-policy'], csp.split('https://cdn.example.com').join(relay.cdnOrigin));
    assert.match(pageRes.headers['content-type'], /^text\/html/);

    // The loader: a short lifetime; the hashed files: a year, immutable.
    const loader = await rawGet(`${files}chasitor.js`);
    assert.equal(loader.status, 200);
    assert.equal(loader.headers['cache-control'], 'public, max-age=300');
    assert.match(loader.headers['content-type'], /^text\/javascript\b/);
    assert.equal(loader.headers['content-encoding'], undefined, 'no Accept-Encoding: sent as it is');
    assert.deepEqual(loader.body, fs.readFileSync(path.join(DIST, 'chasitor.js')));
    const mod = await rawGet(`${files}${js}`);
    assert.equal(mod.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(mod.headers['content-type'], /^text\/javascript\b/);

    // The wasm: its type, and the precompressed copy for the encoding the browser asks for.
    const raw = fs.readFileSync(path.join(DIST, wasm));
    for (const [accept, encoding, decode] of [
      ['gzip, deflate, br', 'br', zlib.brotliDecompressSync],
      ['br', 'br', zlib.brotliDecompressSync],
      ['gzip', 'gzip', zlib.gunzipSync],
      ['identity', undefined, (b) => b],
    ]) {
      const r = await rawGet(`${files}${wasm}`, { 'accept-encoding': accept });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'application/wasm', `the wasm's type (Accept-Encoding: ${accept})`);
      assert.equal(r.headers['content-encoding'], encoding, `Content-Encoding for Accept-Encoding: ${accept}`);
      assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.match(r.headers.vary ?? '', /Accept-Encoding/, 'Vary: Accept-Encoding');
      if (encoding) {
        const ext = encoding === 'br' ? 'br' : 'gz';
        assert.deepEqual(r.body, fs.readFileSync(path.join(DIST, `${wasm}.${ext}`)), `the build's own .${ext}, sent as it is`);
        assert.ok(r.body.length < raw.length / 2, `the .${ext} is much smaller (${r.body.length} of ${raw.length} bytes)`);
      }
      assert.deepEqual(decode(r.body), raw, `the wasm, decoded (Accept-Encoding: ${accept})`);
    }

    // The files' host: CORS for the allowed page origin only.
    for (const f of ['chasitor.js', js, wasm]) {
      const ok = await rawGet(`${relay.cdnOrigin}${FILES_PATH}${f}`, { origin: relay.pageOrigin, 'accept-encoding': 'br' });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers['access-control-allow-origin'], relay.pageOrigin, `${f}: Access-Control-Allow-Origin for the allowed page`);
      assert.match(ok.headers.vary ?? '', /Origin/, `${f}: Vary: Origin`);
      assert.equal(ok.headers['cache-control'], f === 'chasitor.js' ? 'public, max-age=300' : 'public, max-age=31536000, immutable');
      const no = await rawGet(`${relay.cdnOrigin}${FILES_PATH}${f}`, { origin: relay.otherOrigin });
      assert.equal(no.status, 200);
      assert.equal(no.headers['access-control-allow-origin'], undefined, `${f}: no CORS for an origin not allowed`);
    }
    assert.equal((await rawGet(`${relay.cdnOrigin}/`)).status, 404, 'the files\' host serves the widget\'s files only');
    assert.equal((await rawGet(`${relay.cdnOrigin}/chat/rest/System/SessionId`)).status, 404, 'no relay on the files\' host');

    // The relay: the X-LIVEAGENT-* headers reach the server (it refuses SessionId without them),
    // the answer passes as it is, and no CORS header appears (the server sends none).
    const headers = { 'x-liveagent-api-version': '56', 'x-liveagent-affinity': 'null', origin: relay.otherOrigin, cookie: 'site-session=secret' };
    const sid = await rawGet(`${relay.pageOrigin}/chat/rest/System/SessionId`, headers);
    assert.equal(sid.status, 200, `SessionId through the relay: ${sid.body}`);
    const body = JSON.parse(sid.body);
    assert.ok(body.key && body.id && body.affinityToken, `a session from the server: ${sid.body}`);
    assert.equal(sid.headers['access-control-allow-origin'], undefined, 'no CORS header from the relay');
    const bare = await rawGet(`${relay.pageOrigin}/chat/rest/System/SessionId`, {});
    assert.equal(bare.status, 400, `without X-LIVEAGENT-API-VERSION the server refuses: ${bare.body}`);
    const log = (await client.requests()).filter((r) => r.method !== 'OPTIONS');
    assert.deepEqual(log.map((r) => [r.method, r.path, r.status]), [
      ['GET', '/chat/rest/System/SessionId', 200], ['GET', '/chat/rest/System/SessionId', 400],
    ], 'the server saw both requests, each once, at the same path');
  });

  test('the visitor\'s journey through the relay: pre-chat, queue, chat, a reload that resumes it, the end', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'nginx-journey', async (w) => {
      const site = env.main;
      const files = watchFiles(w.page);
      const net = watchNet(w.page);
      const chat = await startChat(w, site, { net });
      await site.client.typing(chat.id, true);
      await chat.ui.typing.waitFor({ state: 'visible' });
      await site.client.typing(chat.id, false);
      await chat.ui.typing.waitFor({ state: 'hidden' });
      chat.agentEvents += 2;
      await chat.agentSays('Hello, this is Andy. How can I help?');
      await chat.visitorSays('Hi Andy, where is my order?');
      await chat.agentSays('It left the warehouse this morning.');
      await w.screenshot('chatting');

      // A reload: the same chat, the same transcript, through the relay.
      const before = await chat.ui.rows();
      await w.page.reload();
      await chat.ui.transcript.waitFor({ state: 'visible' });
      await chat.ui.waitRows((rows) => assert.deepEqual(rows, before), 'the same transcript after the reload');
      await chat.visitorSays('Great, thanks!');
      await chat.agentSays('You are welcome.');
      const s = await chat.verify('the chat across the reload');
      assert.equal(s.received.filter((r) => r.type === 'ChasitorInit').length, 1, 'one ChasitorInit: the same chat after the reload');

      // The visitor ends it.
      await chat.ui.end.click();
      await chat.ui.endConfirm.click();
      await chat.ui.ended.waitFor({ state: 'visible' });
      const ended = await site.client.waitForSession((x) => x.id === chat.id && x.state === 'ended', { what: 'the chat to end in the simulator' });
      assert.deepEqual(ended.received.filter((r) => r.type === 'ChatEnd').map((r) => r.body), [{ type: 'ChatEndReason', reason: 'client' }]);
      await w.screenshot('ended');

      // What the browser got from nginx: every chat request on the page's own origin; the files
      // with their headers; no CSP violation under the README's policy.
      const origins = new Set(files.filter((f) => f.request).map((f) => new URL(f.url).origin));
      assert.deepEqual([...origins], [site.relay.pageOrigin], 'every /chat/rest request went to the page\'s origin');
      const wasm = files.find((f) => !f.request && /_bg\.wasm$/.test(f.url));
      assert.ok(wasm, 'the page fetched the wasm');
      assert.equal(wasm.headers['content-type'], 'application/wasm');
      assert.match(wasm.headers['content-encoding'] ?? '', /^(br|gzip)$/, `the wasm came precompressed (${wasm.headers['content-encoding']})`);
      process.stderr.write(`# nginx journey: the browser got the wasm with Content-Encoding ${wasm.headers['content-encoding']}\n`);
      const page = files.find((f) => !f.request && f.url === `${site.relay.pageOrigin}/`);
      assert.ok(page?.headers['content-security-policy'], 'the page came with its CSP');
      assert.deepEqual(cspViolations(w), [], 'no CSP violation');
      await checkBudget(chat, site, { reloads: 1, extraPosts: 1 });
    });
  });

  test('503 affinity change on the poll, through the relay: the handover, nothing lost', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'nginx-503', async (w) => {
      const site = env.main;
      const { net, chat } = await chatWithWarmup(w, site, '503 on a poll');
      const from = net.list.length;
      await site.client.fault({ kind: 'affinity_change', count: 1, path: '/System/Messages' });
      await chat.agentSends('Are you still with me?');
      await eventually(() => net.list.some((e, i) => i >= from && e.resource === 'Chasitor/ChasitorResyncState' && e.status === 200),
        { what: 'the handover to finish with ChasitorResyncState' });
      await net.settle();
      const after = net.list.slice(from);
      const ctx = `\n${net.describe(from)}`;
      const i503 = after.findIndex((e) => e.status === 503);
      assert.ok(i503 >= 0, `the 503 reached the widget through the relay${ctx}`);
      const iRec = after.findIndex((e, i) => i > i503 && e.resource === 'System/ReconnectSession' && e.status === 200);
      assert.ok(iRec > i503, `ReconnectSession answered 200 after the 503${ctx}`);
      const data = after.find((e, i) => i > iRec && e.resource === 'System/Messages' && e.json);
      assert.equal(data?.json.messages?.[0]?.type, 'ChasitorSessionData', `the first poll answer after ReconnectSession starts with ChasitorSessionData${ctx}`);
      await chat.ui.message('agent', 'Are you still with me?').waitFor({ state: 'visible' });
      await chat.visitorSays('Yes, still here.');
      await chat.agentSays('Good, the line moved but we are fine.');
      const s = await chat.verify();
      assert.equal(s.received.filter((r) => r.type === 'ChasitorResyncState').length, 1, 'one ChasitorResyncState');
      await checkBudget(chat, site, { handovers: 1 });
    });
  });

  test('the upstream drops the connection (polls, then the message POST): the browser sees no answer, as without a relay; retried, nothing lost or doubled', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'nginx-drop', async (w) => {
      const site = env.main;
      const { net, chat } = await chatWithWarmup(w, site, 'dropped connections');
      // Chromium resends a request by itself once when a reused connection closes without a byte
      // (see faults.test.mjs), so one try of the widget takes one or two drops: with 3 drops
      // pending, the widget sees at least one failure.
      const DROPS = 3;
      const pendingDrops = async () => (await site.client.request('GET', '/_sim/faults'))
        .filter((f) => f.kind === 'drop').reduce((n, f) => n + f.count, 0);
      let from = net.list.length;
      await site.client.fault({ kind: 'drop', count: DROPS, path: '/System/Messages' });
      const polls = await eventually(async () => {
        if (await pendingDrops()) return false;
        const p = net.list.slice(from).filter((e) => e.resource === 'System/Messages' && e.tDone !== undefined);
        const first = p.findIndex((e) => e.failed || e.status >= 500);
        const ok = p.findIndex((e, i) => i > first && (e.status === 200 || e.status === 204));
        return first >= 0 && ok > first ? p.slice(first, ok + 1) : false;
      }, { what: 'the drops used up, a failed poll and an answered one after it', timeout: 30_000 });
      let ctx = `\n${net.describe(from)}`;
      assert.ok(polls.slice(0, -1).every((e) => e.failed),
        `the failed polls got no answer, as without a relay (not a gateway error: the relay closes the connection)${ctx}`);
      assert.ok([200, 204].includes(polls.at(-1).status), `the poll after the drops is answered${ctx}`);
      assert.equal(new Set(polls.map(ackOf)).size, 1, `the retries poll with the same ack${ctx}`);
      if (polls.length > 2) assert.ok(polls[1].t - polls[0].tDone >= 375 - 60, `a backoff before the retry (${polls[1].t - polls[0].tDone} ms)${ctx}`);
      const dropped = (await simRequests(site.client, chat.id)).filter((r) => r.status === 0);
      assert.equal(dropped.length, DROPS, `the server closed ${DROPS} polls without an answer: ${JSON.stringify(dropped)}`);

      // The message POST's upstream connection dropped: resent as it was (same sequence), once in.
      const text = 'Sent through a flaky line.';
      await chat.compose(text);
      from = net.list.length;
      await site.client.fault({ kind: 'drop', count: DROPS, path: MESSAGE_PATH });
      await chat.pressEnter(text);
      await chat.delivered(text);
      ctx = `\n${net.describe(from)}`;
      assert.equal(await pendingDrops(), 0, `the drops were used up${ctx}`);
      const carrying = net.postsWith(text);
      assert.ok(carrying.length >= 2 && carrying.slice(0, -1).every((e) => e.failed) && carrying.at(-1).status === 200,
        `the message: failed tries, then accepted${ctx}`);
      assert.equal(new Set(carrying.map((e) => e.sequence)).size, 1, `every try keeps the message's X-LIVEAGENT-SEQUENCE${ctx}`);
      assert.ok(!net.list.some((e) => e.status === 502 || e.status === 504), `no gateway error reached the widget${ctx}`);
      await chat.agentSays('Received it once.');
      const s = await chat.verify();
      assert.deepEqual(visitorTexts(s).filter((t) => t === text), [text], 'the server has the message once');
      await checkBudget(chat, site, { faults: 2 * DROPS });
    });
  });

  test('500 on the poll and on the message POST, through the relay: retried after a backoff, delivered once', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'nginx-500', async (w) => {
      const site = env.main;
      const { net, chat } = await chatWithWarmup(w, site, '500s');
      let from = net.list.length;
      await site.client.fault({ kind: 'server_error', count: 1, path: '/System/Messages' });
      await eventually(() => net.list.some((e, i) => i >= from && e.resource === 'System/Messages' && e.status === 500), { what: 'a poll to get the 500' });
      await chat.agentSays('Sent after the 500.');
      const polls = net.list.slice(from).filter((e) => e.resource === 'System/Messages');
      const i500 = polls.findIndex((e) => e.status === 500);
      assert.ok(polls[i500 + 1], `a poll after the 500\n${net.describe(from)}`);
      assert.equal(ackOf(polls[i500 + 1]), ackOf(polls[i500]), 'the same ack again');

      const text = 'This one meets a 500.';
      await chat.compose(text);
      from = net.list.length;
      await site.client.fault({ kind: 'server_error', count: 1, path: MESSAGE_PATH });
      await chat.pressEnter(text);
      await chat.delivered(text);
      const carrying = net.postsWith(text);
      assert.deepEqual(carrying.map((e) => e.status), [500, 200], `the message: 500, then accepted\n${net.describe(from)}`);
      assert.ok(carrying[1].t - carrying[0].tDone >= 375 - 60, 'a backoff before the resend');
      await chat.visitorSays('Still here.');
      await chat.verify();
      await checkBudget(chat, site, { faults: 2 });
    });
  });

  test(`a poll held ${LONG_HOLD} seconds passes the relay (no 504), and the chat goes on`, { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'nginx-held-poll', async (w) => {
      const site = env.long;
      const { net, chat } = await chatWithWarmup(w, site, 'a long hold');
      // The poll on its way now, after the last message: the server holds it.
      const pending = await eventually(() => net.list.findLast((e) => e.resource === 'System/Messages' && e.tDone === undefined) ?? false,
        { what: 'a poll on its way' });
      const from = pending.n;
      const held = await eventually(() => net.list.find((e, i) => i >= from && e.resource === 'System/Messages' && e.tDone !== undefined) ?? false,
        { what: `the held poll to be answered (held ${LONG_HOLD} s)`, timeout: (LONG_HOLD + 15) * 1000, interval: 250 });
      const ctx = `\n${net.describe(from)}`;
      assert.equal(held.status, 204, `the held poll ends with the server's 204, not nginx's 504${ctx}`);
      const waited = held.tDone - held.t;
      assert.ok(waited >= (LONG_HOLD - 1) * 1000, `the poll was held about ${LONG_HOLD} s by the server (${waited} ms)${ctx}`);
      // The chat goes on: the next poll is held, and an agent message answers it at once.
      await eventually(() => net.list.some((e, i) => i > held.n && e.resource === 'System/Messages' && e.tDone === undefined), { what: 'the next poll to be held' });
      const t0 = Date.now();
      await chat.agentSays('Still here after the long wait.', { timeout: 5_000 });
      process.stderr.write(`# held poll: answered 204 after ${waited} ms; the next agent message showed after ${Date.now() - t0} ms\n`);
      await chat.visitorSays('Me too.');
      await chat.verify();
      assert.ok(!net.list.some((e) => e.status >= 500), `no 5xx at all${ctx}`);
    });
  });

  test('cross origin: the files from the files\' host (CORS), the page and the relay on the site\'s origin', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'nginx-cross-origin', async (w) => {
      const site = { ...env.main, hostUrl: `${env.main.relay.pageOrigin}/cross.html` };
      const { relay } = site;
      const files = watchFiles(w.page);
      const net = watchNet(w.page);
      const chat = await startChat(w, site, { net });
      await chat.agentSays('Hello from the site, the widget from its files\' host.');
      await chat.visitorSays('Hello back.');
      await chat.verify();
      const got = files.filter((f) => !f.request && f.url.includes(FILES_PATH) && !f.url.includes('/chat/rest/'));
      const { js, wasm } = hashedFiles();
      for (const f of ['chasitor.js', js, wasm]) {
        const r = got.find((x) => x.url === `${relay.cdnOrigin}${FILES_PATH}${f}`);
        assert.ok(r, `${f} came from the files' host: ${JSON.stringify(got.map((x) => x.url))}`);
        assert.equal(r.status, 200);
        if (f !== 'chasitor.js') assert.equal(r.headers['access-control-allow-origin'], relay.pageOrigin, `${f}: CORS for the page`);
      }
      const origins = new Set(files.filter((f) => f.request).map((f) => new URL(f.url).origin));
      assert.deepEqual([...origins], [relay.pageOrigin], 'the chat went through the relay on the page\'s origin');
      assert.deepEqual(cspViolations(w), [], 'no CSP violation (the files\' host is in the policy)');
    });
  });

  test('Enhanced Chat: the files from nginx, the API reached directly through the org\'s CORS allowlist', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'nginx-enhanced-chat', async (w) => {
      const { relay, client, scrtOrigin, hostUrl } = env.miaw;
      const files = watchFiles(w.page);
      const ui = widget(w.page);
      await w.page.goto(hostUrl);
      await ui.launcher.click();
      const field = (name) => ui.prechat.locator(`[name="${name}"]`);
      await field('_firstName').fill('Ada');
      await field('_email').fill('ada@example.com');
      await ui.start.click();
      const conv = await client.waitForSession((x) => x.api === 'miaw' && x.state === 'queued', { what: 'the conversation to be created' });
      await client.accept(conv.id, 'Andy L.');
      await client.message(conv.id, 'Hello from Enhanced Chat.');
      await ui.message('agent', 'Hello from Enhanced Chat.').waitFor({ state: 'visible' });
      await ui.composer.fill('Hi, files from nginx!');
      await ui.composer.press('Enter');
      const row = ui.message('visitor', 'Hi, files from nginx!');
      await eventually(async () => (await row.getAttribute('data-status')) === 'sent', { what: 'the message to be sent' });
      const s = await client.session(conv.id);
      assert.deepEqual(s.received.filter((r) => r.type === 'Message').map((r) => r.body.message.staticContent.text), ['Hi, files from nginx!']);
      // The API went straight to its host (no relay), the files came from nginx's files' host.
      const apiOrigins = new Set(files.filter((f) => f.request && /\/(iamessage|eventrouter)\//.test(f.url)).map((f) => new URL(f.url).origin));
      assert.deepEqual([...apiOrigins], [scrtOrigin], 'the Enhanced Chat API on its own origin');
      const { wasm } = hashedFiles().enhanced;
      const got = files.find((f) => !f.request && f.url === `${relay.cdnOrigin}${FILES_PATH}${wasm}`);
      assert.equal(got?.status, 200, 'the wasm from nginx');
      assert.deepEqual(cspViolations(w), [], 'no CSP violation with the SCRT2 host in connect-src');
    });
  });

  test('a page on an origin the files\' host does not allow: the widget does not load, and the console says why', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'nginx-origin-refused', async (w) => {
      const { relay, client } = env.main;
      const files = watchFiles(w.page);
      await w.page.goto(`${relay.otherOrigin}/cross.html`);
      // The loader itself is a classic script (no CORS needed): it paints the launcher and tries
      // to load the widget, which the browser refuses without Access-Control-Allow-Origin.
      await w.page.locator('[part~=launcher]').waitFor({ state: 'visible' });
      const ready = await w.page.evaluate(() => window.Chasitor.ready);
      assert.equal(ready, false, 'Chasitor.ready settles false');
      const loaderError = await eventually(() => w.consoleErrors.find((t) => t.startsWith('chasitor: could not load the chat widget: ')) ?? false,
        { what: 'the loader\'s console error' });
      assert.ok(loaderError.includes(`${relay.cdnOrigin}${FILES_PATH}`), `the error names the files' host: ${loaderError}`);
      const cors = w.consoleErrors.find((t) => /CORS|Access-Control-Allow-Origin/.test(t));
      assert.ok(cors, `the browser says it is CORS: ${JSON.stringify(w.consoleErrors)}`);
      process.stderr.write(`# refused origin, console: ${loaderError} | ${cors}\n`);
      assert.ok(!files.some((f) => /_bg\.wasm$/.test(f.url) && !f.request && f.status === 200 && f.headers['access-control-allow-origin']),
        'no file came with CORS for this origin');
      assert.deepEqual(await client.sessions(), [], 'no chat was started');
      await w.screenshot('refused');
    });
  });
});

// The soak test of issue 6 (item 4): one long chat in headless Chromium against the simulator,
// 500 messages each way in bursts, random agent typing, two 503 handovers and five dropped
// connections spread through it, and two spells of 90 s offline (issue 13) while both sides write. Then: zero lost and zero doubled in both directions (the DOM
// transcript and the simulator's `received` list), one poll open at a time throughout
// (maxOpenPolls 1, also sampled after every round), a bound on the requests made, and the page's
// JS heap, wasm memory and DOM node count (shadow root included) printed at the end.
//
// The "10-minute chat" runs on a shortened clock: the simulator holds a poll 1 s instead of 30 s,
// so the chat goes through as many poll cycles as a much longer real one. Run:
//   CHASITOR_TEST_OUTPUT=test-output node --test --test-concurrency=1 tests/e2e/soak.test.mjs
// SOAK_SEED=n replays one random schedule of agent typing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, withPage } from './harness.mjs';
import {
  assertBudget,
  countRequests,
  requestBudget,
  simRequests,
  startChat,
  useSites,
  visitorTexts,
  watchNet,
} from './fault-kit.mjs';

const HOLD = 1;
const PER_SIDE = 500;
const BURST = 25;
const ROUNDS = PER_SIDE / BURST;
/** Rounds (0-based) with a 503 handover: on the poll before the agent's burst, and in the middle of the visitor's. */
const HANDOVER_POLL_ROUND = 6;
const HANDOVER_MID_BURST_ROUND = 14;
/** Rounds spent offline (issue 13): the browser loses the network for OFFLINE_MS while both sides write. */
const OFFLINE_ROUNDS = [7, 14];
const OFFLINE_MS = 90_000;
/** Rounds with a dropped connection (3 drops each, so the widget itself sees at least one; see fault-kit). */
const DROPS = [
  { round: 2, path: '/System/Messages' },
  { round: 5, path: '/Chasitor' },
  { round: 10, path: '/System/Messages' },
  { round: 12, path: '/System/MultiNoun' },
  { round: 17, path: '/Chasitor' },
];
const BURST_TIMEOUT = 60_000;

let env;
let browser;

useSites([
  // The server keeps an idle chat 10 minutes (the offline spells are longer than the default minute).
  { name: 'soak', holdSeconds: HOLD, extraArgs: ['--idle-timeout-seconds', '600'] },
], (e, b) => { env = e; browser = b; });

/** A small seeded PRNG (mulberry32), so a failing schedule can be replayed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n) => String(n).padStart(3, '0');

test('soak: 500 messages each way with typing, two 503 handovers, five dropped connections and two 90 s offline spells', { timeout: 15 * 60_000 }, async () => {
  const seed = Number(process.env.SOAK_SEED || Date.now() % 100_000);
  const rand = prng(seed);
  process.stderr.write(`# soak: seed ${seed} (SOAK_SEED=${seed} replays it)\n`);
  await withPage(browser, 'soak', async (w) => {
    const site = env.sims.soak;
    const c = site.client;
    const net = watchNet(w.page);
    const started = Date.now();
    const chat = await startChat(w, site, { net });
    const { ui } = chat;
    const agentRows = ui.message('agent');
    const openPollSamples = [];
    let faults = 0;

    for (let round = 0; round < ROUNDS; round++) {
      for (const d of DROPS.filter((x) => x.round === round)) {
        await c.fault({ kind: 'drop', count: 3, path: d.path });
        faults += 3;
      }
      if (round === HANDOVER_POLL_ROUND) {
        await c.fault({ kind: 'affinity_change', count: 1, path: '/System/Messages' });
      }
      const offline = OFFLINE_ROUNDS.includes(round);
      const offlineSince = Date.now();
      if (offline) {
        await w.context.setOffline(true);
        await ui.page.locator('[part~=window] [part~=connection][data-connection=offline]').waitFor({ state: 'visible' });
        // The poll held when the network went may still bring what the agent writes next; once it
        // has settled nothing is on its way, and the agent's burst waits for the network.
        await eventually(() => net.list.every((e) => e.resource !== 'System/Messages' || e.tDone !== undefined),
          { what: `round ${round}: the held poll to settle`, timeout: BURST_TIMEOUT, interval: 50 });
      }

      // The agent's burst, with typing now and then.
      if (rand() < 0.6) await chat.agentTyping(true);
      for (let i = 0; i < BURST; i++) {
        const n = round * BURST + i + 1;
        if (rand() < 0.08) await chat.agentTyping(rand() < 0.5);
        await chat.agentSends(`Agent message ${pad(n)} of ${PER_SIDE}.`);
      }
      if (rand() < 0.5) await chat.agentTyping(false);
      const agentWant = (round + 1) * BURST;
      const agentShown = () => eventually(async () => (await ui.showAll(), await agentRows.count()) >= agentWant,
        { what: `round ${round}: ${agentWant} agent messages in the transcript`, timeout: BURST_TIMEOUT, interval: 100 });
      // Offline, the agent's burst waits on the server until the network is back.
      if (!offline) await agentShown();

      // The visitor's burst: type and press Enter, without waiting for each to go.
      for (let i = 0; i < BURST; i++) {
        const n = round * BURST + i + 1;
        if (round === HANDOVER_MID_BURST_ROUND && i === Math.floor(BURST / 2)) {
          // The server moves the session while the visitor's messages are on their way.
          await c.action(chat.id, 'affinity-change', {});
        }
        await chat.visitorTypes(`Visitor message ${pad(n)} of ${PER_SIDE}.`);
      }
      if (offline) {
        // Offline, the visitor's rows show as they are typed and the agent's when the network is
        // back: in the transcript this round's visitor burst comes before the agent's.
        const burst = chat.expected.splice(-2 * BURST);
        chat.expected.push(...burst.slice(BURST), ...burst.slice(0, BURST));
        await w.page.waitForTimeout(Math.max(0, OFFLINE_MS - (Date.now() - offlineSince)));
        assert.equal(await ui.ended.count(), 0, `round ${round}: the chat did not end while offline`);
        await w.context.setOffline(false);
        await agentShown();
      }
      const visitorWant = (round + 1) * BURST;
      await eventually(async () => {
        const s = await chat.session();
        openPollSamples.push(s.openPolls);
        return visitorTexts(s).length >= visitorWant;
      }, { what: `round ${round}: the simulator to receive ${visitorWant} visitor messages`, timeout: BURST_TIMEOUT, interval: 100 });
      await eventually(async () => {
        await ui.showAll();
        const statuses = await ui.message('visitor').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
        return statuses.length >= visitorWant && statuses.every((x) => x === 'sent');
      }, { what: `round ${round}: every visitor message shown as sent`, timeout: BURST_TIMEOUT, interval: 100 });
      const s = await chat.session();
      assert.ok(s.maxOpenPolls <= 1, `round ${round}: maxOpenPolls ${s.maxOpenPolls}`);
      assert.equal(s.state, 'established', `round ${round}: the chat goes on`);
      if (round % 5 === 4) process.stderr.write(`# soak: round ${round + 1}/${ROUNDS} done at ${Math.round((Date.now() - started) / 1000)} s\n`);
    }
    await w.screenshot('soak-end');

    // Zero lost, zero doubled, in order, both directions.
    const s = await chat.verify('the soak chat');
    assert.equal(s.maxOpenPolls, 1, 'one poll open at a time throughout');
    assert.ok(openPollSamples.every((n) => n <= 1), `openPolls sampled: ${[...new Set(openPollSamples)]}`);
    assert.equal(visitorTexts(s).length, PER_SIDE);
    assert.equal((await agentRows.count()), PER_SIDE);

    // The faults happened, and were handled as such.
    const log = await simRequests(c, chat.id);
    const counts = countRequests(log);
    const reconnects = log.filter((r) => r.path.endsWith('/System/ReconnectSession') && r.status === 200).length;
    const resyncs = s.received.filter((r) => r.type === 'ChasitorResyncState').length;
    const drops = log.filter((r) => r.status === 0 && r.path.startsWith('/chat/rest/')).length;
    const widgetFailures = net.list.filter((e) => e.failed && !/ERR_ABORTED/.test(e.failed)).length;
    assert.equal(reconnects, 2, `two handovers: ${reconnects} ReconnectSession`);
    assert.equal(resyncs, 2, `two ChasitorResyncState: ${resyncs}`);
    assert.ok(drops >= 15, `the 15 drops were used: ${drops} connections closed without an answer`);
    assert.ok(widgetFailures >= 5, `the widget saw the dropped connections: ${widgetFailures} failed requests`);
    const budget = requestBudget({
      spanMs: counts.spanMs, holdSeconds: HOLD, agentEvents: chat.agentEvents, visitorMessages: PER_SIDE,
      handovers: 2, faults,
    });
    assertBudget(counts, budget, 'the soak chat');

    // The page's footprint after 1,000 messages.
    const cdp = await w.context.newCDPSession(w.page);
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    const dom = await w.page.evaluate(async () => {
      let all = 0; let elements = 0; let inShadow = 0;
      const walk = (root, shadow) => {
        const it = document.createNodeIterator(root, NodeFilter.SHOW_ALL);
        for (let n = it.nextNode(); n; n = it.nextNode()) {
          all++;
          if (shadow) inShadow++;
          if (n.nodeType === 1) {
            elements++;
            if (n.shadowRoot) walk(n.shadowRoot, true);
          }
        }
      };
      walk(document, false);
      // The wasm module's linear memory: the module's init answers its exports again once loaded.
      let wasmBytes = null;
      try {
        const url = performance.getEntriesByType('resource').map((e) => e.name).find((u) => /chasitor-(liveagent-)?[0-9a-f]+\.js$/.test(u));
        const mod = await import(url);
        const exports = await mod.default();
        wasmBytes = exports.memory.buffer.byteLength;
      } catch { /* not reachable: leave it out */ }
      return {
        all, elements, inShadow, wasmBytes,
        usedJSHeapSize: performance.memory?.usedJSHeapSize ?? null,
        storageChars: Object.keys(sessionStorage).reduce((n, k) => n + k.length + (sessionStorage.getItem(k) || '').length, 0),
      };
    });
    const mb = (x) => (x == null ? 'n/a' : `${(x / 1048576).toFixed(1)} MB`);
    const elapsed = Math.round((Date.now() - started) / 1000);
    const report = [
      `soak: ${PER_SIDE} messages each way in ${elapsed} s, 2 handovers, ${DROPS.length} drop episodes (${drops} connections dropped, ${widgetFailures} failures seen by the widget)`,
      `soak: requests ${counts.total} (polls ${counts.polls}, POSTs ${counts.posts}, control ${counts.control}; bounds ${JSON.stringify(budget)})`,
      `soak: JS heap used ${mb(m.JSHeapUsedSize)} (performance.memory ${mb(dom.usedJSHeapSize)}), total ${mb(m.JSHeapTotalSize)}, wasm memory ${mb(dom.wasmBytes)}`,
      `soak: DOM nodes ${dom.all} (${dom.elements} elements; ${dom.inShadow} inside the shadow root; CDP Nodes ${m.Nodes}), JS event listeners ${m.JSEventListeners}`,
      `soak: sessionStorage ${dom.storageChars} characters`,
    ];
    for (const line of report) process.stderr.write(`# ${line}\n`);
  });
});

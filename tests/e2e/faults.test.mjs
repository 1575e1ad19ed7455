// The fault matrix of issue 6 (item 1): whole chats in headless Chromium against the simulator with
// faults injected through `POST /_sim/faults` (and the other control API extras). Each test checks
//   - the simulator's `received` list: every visitor message exactly once, in order;
//   - the widget's transcript in the DOM: every agent and visitor message exactly once, in order;
//   - `maxOpenPolls <= 1`;
//   - an upper bound on the `/chat/rest` requests the widget made (the simulator's request log),
//     so a retry storm fails the test;
// plus what the fault is about (the request sequence the widget sent, as the page saw it).
//
// The simulators here hold a long poll 1 s (so `clientPollTimeout` is ceil(1) + 10 = 11 s, and the
// widget abandons a poll after 11 + 5 = 16 s). Run:
//   CHASITOR_TEST_OUTPUT=test-output node --test --test-concurrency=1 tests/e2e/faults.test.mjs
//
// No blind sleeps: every wait polls an observable condition with a deadline. The only fixed
// windows are QUIET_MS, where a test asserts that NOTHING more happens (no request after the chat
// ended).

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { eventually, launchBrowser, withPage } from './harness.mjs';
import {
  assertBudget, countRequests, openWidget, postsIdle, requestBudget, simRequests, startChat, startSites, stopSites,
  visitorTexts, watchNet,
} from './fault-kit.mjs';

const HOLD = 1;
/** clientPollTimeout the simulator announces for HOLD: ceil(hold) + 10 s. */
const CLIENT_POLL_TIMEOUT_S = Math.ceil(HOLD) + 10;
/** The engine's margin over clientPollTimeout before a poll counts as dead (POLL_MARGIN_MS). */
const POLL_MARGIN_MS = 5_000;
/** The window in which nothing more may happen after a chat ended (explicit, small). */
const QUIET_MS = 3_000;
const TEST_TIMEOUT = 120_000;
/** The POST of a visitor message typed with `chat.compose` (it goes alone, not in a MultiNoun). */
const MESSAGE_PATH = '/Chasitor/ChatMessage';

let env;
let browser;

before(async () => {
  env = await startSites([
    { name: 'faults', holdSeconds: HOLD },
    // The agent side times a session out after 2 s without a poll (see the 403 test).
    { name: 'idle', holdSeconds: HOLD, extraArgs: ['--idle-timeout-seconds', '2'] },
    // Killed and started again on the same port by the restart test.
    { name: 'restart', holdSeconds: HOLD },
  ]);
  browser = await launchBrowser();
}, { timeout: 30 * 60_000 });

after(async () => {
  await browser?.close().catch(() => {});
  await stopSites(env);
});

beforeEach(async () => {
  await Promise.all(env.all.map((s) => s.client.reset().catch(() => {})));
});

/** A page watched for its /chat/rest traffic, a chat started and accepted, one message each way. */
async function chatWithWarmup(w, site, tag) {
  const net = watchNet(w.page);
  const chat = await startChat(w, site, { net });
  await chat.agentSays(`Hello, this is Andy (${tag}).`);
  await chat.visitorSays(`Hi Andy, a question about ${tag}.`);
  return { net, chat };
}

/** The simulator's log for the chat, checked against the budget; returns the counts. */
async function checkBudget(chat, site, opts) {
  const entries = await simRequests(site.client, chat.id);
  const counts = countRequests(entries);
  const budget = requestBudget({
    spanMs: counts.spanMs, holdSeconds: HOLD, agentEvents: chat.agentEvents, visitorMessages: chat.visitor.length, ...opts,
  });
  process.stderr.write(`# requests: ${counts.total} (polls ${counts.polls}, POSTs ${counts.posts}, control ${counts.control}) over ${(counts.spanMs / 1000).toFixed(1)} s; bounds ${JSON.stringify(budget)}\n`);
  assertBudget(counts, budget, `the requests of chat ${chat.id}`);
  return counts;
}

/** The session's log entries of `resource` (e.g. 'System/Messages'), in the order they were answered. */
async function logOf(site, id, resource) {
  return (await simRequests(site.client, id)).filter((r) => r.path.endsWith(`/${resource}`));
}

/**
 * The 503 handover as the widget performed it, from the first 503 at or after request `from`:
 * cancel, `GET ReconnectSession?ReconnectSession.offset=<last offset>`, a poll from ack=-1 whose
 * answer starts with ChasitorSessionData, then ChasitorResyncState before any other POST.
 * Returns the index of the ResyncState request.
 */
async function assertHandover(net, from, what) {
  await net.settle();
  const L = net.list;
  const ctx = () => `\n${what}; requests from #${from}:\n${net.describe(from)}`;
  const i503 = L.findIndex((e, i) => i >= from && e.status === 503);
  assert.ok(i503 >= 0, `a 503 reached the widget${ctx()}`);
  // The last offset the widget had seen before the 503.
  const lastAnswer = L.slice(0, i503).filter((e) => e.resource === 'System/Messages' && e.status === 200 && e.json && e.json.offset != null).pop();
  assert.ok(lastAnswer, `a poll answer with an offset before the 503${ctx()}`);
  const offset = lastAnswer.json.offset;
  const iRec = L.findIndex((e, i) => i > i503 && e.resource === 'System/ReconnectSession');
  assert.ok(iRec > i503, `GET ReconnectSession after the 503${ctx()}`);
  const rec = L[iRec];
  assert.equal(new URLSearchParams(rec.query).get('ReconnectSession.offset'), String(offset),
    `ReconnectSession carries the last offset ${offset}${ctx()}`);
  // Nothing but aborted/late answers of old requests between the 503 and ReconnectSession: no new POST.
  const postsBefore = L.slice(i503 + 1, iRec).filter((e) => e.method === 'POST');
  assert.deepEqual(postsBefore.map((e) => e.resource), [], `no POST between the 503 and ReconnectSession${ctx()}`);
  const recOk = L.findIndex((e, i) => i >= iRec && e.resource === 'System/ReconnectSession' && e.status === 200);
  assert.ok(recOk >= iRec, `ReconnectSession answered 200${ctx()}`);
  const iPoll = L.findIndex((e, i) => i > recOk && e.resource === 'System/Messages');
  assert.ok(iPoll > recOk, `a poll after ReconnectSession${ctx()}`);
  assert.equal(new URLSearchParams(L[iPoll].query).get('ack'), '-1', `the first poll after ReconnectSession has ack=-1${ctx()}`);
  const iData = L.findIndex((e, i) => i >= iPoll && e.resource === 'System/Messages' && e.status === 200 && e.json);
  assert.ok(iData >= iPoll, `a poll answered 200 after ReconnectSession${ctx()}`);
  assert.equal(L[iData].json.messages?.[0]?.type, 'ChasitorSessionData', `its first message is ChasitorSessionData${ctx()}`);
  const iResync = L.findIndex((e, i) => i > recOk && e.method === 'POST');
  assert.ok(iResync > iData, `the first POST after ReconnectSession comes after ChasitorSessionData${ctx()}`);
  assert.equal(L[iResync].resource, 'Chasitor/ChasitorResyncState', `the first POST after ReconnectSession is ChasitorResyncState${ctx()}`);
  assert.match(L[iResync].body ?? '', /"organizationId"/, `ChasitorResyncState carries organizationId${ctx()}`);
  return iResync;
}

/**
 * The gaps between the arrivals of consecutive failed requests and the one after them grow
 * like the engine's backoff (500 ms doubling, capped at 10 s, minus up to a quarter of jitter).
 */
function assertBackoff(arrivals, what) {
  const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]);
  for (const [i, g] of gaps.entries()) {
    const nominal = Math.min(500 * 2 ** i, 10_000);
    assert.ok(g >= nominal * 0.75 - 60 && g <= nominal + 1500,
      `${what}: retry ${i + 1} came ${g} ms after the previous try; backoff wants ${nominal * 0.75}-${nominal} ms (gaps ${JSON.stringify(gaps)})`);
  }
  return gaps;
}

/**
 * Drops the connection of the widget's requests to `resource` until the widget itself has seen
 * `want` failures in a row, then lets it through; returns the widget's tries (from the first
 * failed one to the first answered one), the number of drop faults used, and the waits between a
 * failure and the next try, checked against the engine's backoff.
 *
 * Chromium resends a request by itself (on another socket) when a reused keep-alive connection
 * closes without a byte of answer, so one try of the widget can eat one to three `drop` faults.
 * So before each try of the widget three drops are pending (topped up after each failure it
 * sees), and once it has seen `want` failures the drops left are used up by the test itself
 * (requests without a session, which the per-session counts ignore), before the widget's next
 * try (its backoff leaves over a second for that).
 */
async function dropInARow(site, net, resource, { want = 3, start, onFailure } = {}) {
  const from = net.list.length;
  const tries = () => net.list.filter((e, i) => i >= from && e.resource === resource);
  const failures = () => tries().filter((e) => e.failed).length;
  const pending = async () => (await site.client.request('GET', '/_sim/faults'))
    .filter((f) => f.kind === 'drop').reduce((n, f) => n + f.count, 0);
  let drops = 0;
  for (let seen = 0; seen < want;) {
    const top = 3 - (await pending());
    if (top > 0) {
      await site.client.fault({ kind: 'drop', count: top, path: `/${resource}` });
      drops += top;
    }
    if (seen === 0 && start) await start();
    await eventually(() => failures() > seen, { what: `the widget to see failure ${seen + 1} of ${resource}`, interval: 10 });
    seen = failures();
    if (onFailure && seen < want) await onFailure();
  }
  for (let left = await pending(), guard = 0; left > 0 && guard < 10; left = await pending(), guard++) {
    await fetch(`${site.sim.base}/chat/rest/${resource}`, { method: resource === 'System/Messages' ? 'GET' : 'POST' }).catch(() => {});
    drops--;
  }
  assert.equal(await pending(), 0, 'the drops left were used up');
  const list = await eventually(() => {
    const all = tries();
    const first = all.findIndex((e) => e.failed);
    const ok = all.findIndex((e, i) => i > first && e.status !== undefined);
    return ok > first ? all.slice(first, ok + 1) : false;
  }, { what: `a try of ${resource} answered after the failures`, timeout: 30_000 });
  const ctx = `\n${net.describe(from)}`;
  assert.ok(list.slice(0, -1).every((e) => e.failed), `failures in a row, then an answer${ctx}`);
  assert.ok(list.length - 1 >= want, `the widget saw at least ${want} failures in a row${ctx}`);
  assert.ok(list.length - 1 <= drops, `no more tries than drops${ctx}`);
  assert.ok(list.at(-1).status >= 200 && list.at(-1).status < 300, `the try after the drops succeeded${ctx}`);
  const gaps = list.slice(1).map((e, i) => e.t - list[i].tDone);
  for (const [i, g] of gaps.entries()) {
    const nominal = Math.min(500 * 2 ** i, 10_000);
    assert.ok(g >= nominal * 0.75 - 50 && g <= nominal + 1000,
      `retry ${i + 1} of ${resource} came ${g} ms after the failure; the backoff wants ${nominal * 0.75}-${nominal} ms (waits ${JSON.stringify(gaps)})${ctx}`);
  }
  return { tries: list, drops, gaps };
}

async function waitSession(site, id, pred, what) {
  return eventually(async () => {
    const s = await site.client.session(id);
    if (!pred(s)) throw new Error(JSON.stringify({ state: s.state, endedBy: s.endedBy, openPolls: s.openPolls }));
    return s;
  }, { what });
}

/** Requests in the simulator's whole log, for counting what happens after the chat ended. */
async function logLength(site) {
  return (await site.client.requests()).length;
}

// ------------------------------------------------------------------------------------------------

describe('fault matrix', () => {
  test('503 affinity change on the long poll: ReconnectSession, ChasitorSessionData, ResyncState, nothing lost', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'fault-503-poll', async (w) => {
      const site = env.sims.faults;
      const { net, chat } = await chatWithWarmup(w, site, '503 on a poll');
      const from = net.list.length;
      await site.client.fault({ kind: 'affinity_change', count: 1, path: '/System/Messages' });
      // An agent message while the handover runs (it reaches the visitor before or after it).
      await chat.agentSends('Are you still with me?');
      await eventually(() => net.list.some((e, i) => i >= from && e.resource === 'Chasitor/ChasitorResyncState' && e.status === 200),
        { what: 'the handover to finish with ChasitorResyncState' });
      await assertHandover(net, from, 'after an affinity change on the poll');
      await w.screenshot('after-handover');
      await chat.ui.message('agent', 'Are you still with me?').waitFor({ state: 'visible' });
      await chat.visitorSays('Yes, still here.');
      await chat.agentSays('Good, the line moved but we are fine.');
      await chat.visitorSays('Great.');
      const s = await chat.verify();
      assert.equal(s.received.filter((r) => r.type === 'ChasitorResyncState').length, 1, 'one ChasitorResyncState');
      assert.equal((await logOf(site, chat.id, 'System/ReconnectSession')).length, 1, 'one ReconnectSession');
      await checkBudget(chat, site, { handovers: 1 });
    });
  });

  test('503 affinity change on the ChatMessage POST: the cancelled message is resent once after the resync', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'fault-503-post', async (w) => {
      const site = env.sims.faults;
      const { net, chat } = await chatWithWarmup(w, site, '503 on a POST');
      const text = 'This one meets the 503.';
      // The fault must hit the POST carrying the message, not a typing notice: type first, let the
      // typing notices finish (compose), then queue the fault and press Enter.
      await chat.compose(text);
      const from = net.list.length;
      await site.client.fault({ kind: 'affinity_change', count: 1, path: MESSAGE_PATH });
      await chat.pressEnter(text);
      await chat.delivered(text);
      const iResync = await assertHandover(net, from, 'after an affinity change on the message POST');
      const carrying = net.postsWith(text);
      assert.equal(carrying.length, 2, `the message went twice: the 503 and one resend\n${net.describe(from)}`);
      assert.equal(carrying[0].status, 503, `the first try got the 503\n${net.describe(from)}`);
      assert.ok(carrying[1].n > iResync && carrying[1].status === 200, `the resend follows ChasitorResyncState and is accepted\n${net.describe(from)}`);
      await chat.agentSays('Got it, despite the move.');
      await chat.visitorSays('Thanks.');
      const s = await chat.verify();
      assert.equal(s.received.filter((r) => r.type === 'ChasitorResyncState').length, 1, 'one ChasitorResyncState');
      await checkBudget(chat, site, { handovers: 1 });
    });
  });

  test('connection dropped on the poll 3 times in a row: retries with backoff, nothing lost', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'fault-drop-poll', async (w) => {
      const site = env.sims.faults;
      const { net, chat } = await chatWithWarmup(w, site, 'dropped polls');
      const { tries, drops, gaps } = await dropInARow(site, net, 'System/Messages');
      process.stderr.write(`# dropped polls: ${drops} drops, the widget saw ${tries.length - 1} failures; retry waits ${JSON.stringify(gaps)} ms\n`);
      // The same ack after the failures: nothing was acknowledged that did not arrive.
      const acks = new Set(tries.map((e) => new URLSearchParams(e.query).get('ack')));
      assert.equal(acks.size, 1, `the retries poll with the same ack: ${[...acks]}`);
      await chat.agentSays('Sent after the line dropped.');
      await chat.visitorSays('The line was bad for a moment.');
      await chat.agentSays('All good now.');
      await chat.verify();
      await checkBudget(chat, site, { faults: drops });
    });
  });

  test('connection dropped on the message POST 3 times in a row: "sending", then delivered once', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'fault-drop-post', async (w) => {
      const site = env.sims.faults;
      const { net, chat } = await chatWithWarmup(w, site, 'dropped POSTs');
      const text = 'Sent through a flaky line.';
      await chat.compose(text);
      const row = chat.ui.message('visitor', text);
      const statuses = [];
      const { tries, drops, gaps } = await dropInARow(site, net, 'Chasitor/ChatMessage', {
        start: () => chat.pressEnter(text),
        // After each failure the widget saw, while it waits to retry: the row says "sending".
        onFailure: async () => { statuses.push(await row.getAttribute('data-status', { timeout: 1000 })); },
      });
      process.stderr.write(`# dropped POSTs: ${drops} drops, the widget saw ${tries.length - 1} failures; retry waits ${JSON.stringify(gaps)} ms; statuses ${JSON.stringify(statuses)}\n`);
      assert.ok(statuses.every((x) => x === 'sending'), `the row shows "sending" while the POST is retried: ${JSON.stringify(statuses)}`);
      await chat.delivered(text);
      // Every try of the message was the same request (same sequence), so the server could drop a
      // repeat; the simulator processed it once (checked by verify).
      const seqs = new Set(tries.map((e) => e.sequence));
      assert.equal(seqs.size, 1, `the retries keep the message's X-LIVEAGENT-SEQUENCE: ${[...seqs]}`);
      await w.screenshot('delivered');
      await chat.agentSays('Received it once.');
      await chat.visitorSays('Perfect.');
      await chat.verify();
      await checkBudget(chat, site, { faults: drops });
    });
  });

  test('500 on the message POST: retried after a backoff, delivered once', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'fault-500-post', async (w) => {
      const site = env.sims.faults;
      const { net, chat } = await chatWithWarmup(w, site, '500 on a POST');
      const text = 'This one meets a 500.';
      await chat.compose(text);
      const t0 = Date.now();
      await site.client.fault({ kind: 'server_error', count: 1, path: MESSAGE_PATH });
      await chat.pressEnter(text);
      await chat.delivered(text);
      const tries = (await logOf(site, chat.id, 'Chasitor/ChatMessage')).filter((r) => r.atMs >= t0).sort((a, b) => a.atMs - b.atMs);
      assert.deepEqual(tries.map((r) => r.status), [500, 200], `a 500 then one accepted try: ${JSON.stringify(tries)}`);
      assertBackoff(tries.map((r) => r.atMs), 'POST retry after a 500');
      await chat.agentSays('Server hiccup, all fine.');
      await chat.visitorSays('Good.');
      await chat.verify();
      await checkBudget(chat, site, { faults: 1 });
    });
  });

  test('400 on the message POST: the message is marked "Not sent", not retried, and the chat goes on', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'fault-400-post', async (w) => {
      const site = env.sims.faults;
      const { chat } = await chatWithWarmup(w, site, '400 on a POST');
      const text = 'The server refuses this one.';
      await chat.compose(text);
      const t0 = Date.now();
      await site.client.fault({ kind: 'bad_request', count: 1, path: MESSAGE_PATH });
      await chat.pressEnter(text);
      chat.visitor.pop(); // the server never takes it; its row stays in the transcript
      const row = chat.ui.message('visitor', text);
      await eventually(async () => (await row.getAttribute('data-status', { timeout: 1000 })) === 'failed',
        { what: 'the refused message to show as not sent' });
      assert.match(await row.textContent(), /Not sent/);
      await w.screenshot('not-sent');
      await chat.visitorSays('And this one?');
      await chat.agentSays('That one arrived.');
      const tries = (await logOf(site, chat.id, 'Chasitor/ChatMessage')).filter((r) => r.atMs >= t0).sort((a, b) => a.atMs - b.atMs);
      assert.deepEqual(tries.map((r) => r.status), [400, 200], `the refused message is not retried: ${JSON.stringify(tries)}`);
      assert.equal(await row.getAttribute('data-status'), 'failed', 'still marked not sent');
      await chat.verify();
      await checkBudget(chat, site, { faults: 1 });
    });
  });

  test('500 on the long poll: polled again after a backoff with the same ack, nothing lost', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'fault-500-poll', async (w) => {
      const site = env.sims.faults;
      const { net, chat } = await chatWithWarmup(w, site, '500 on a poll');
      const from = net.list.length;
      await site.client.fault({ kind: 'server_error', count: 1, path: '/System/Messages' });
      await eventually(() => net.list.some((e, i) => i >= from && e.resource === 'System/Messages' && e.status === 500),
        { what: 'a poll to get the 500' });
      await chat.agentSays('Sent after the 500.');
      const polls = net.list.slice(from).filter((e) => e.resource === 'System/Messages');
      const i500 = polls.findIndex((e) => e.status === 500);
      const retry = polls[i500 + 1];
      assert.ok(retry, `a poll after the 500\n${net.describe(from)}`);
      assert.equal(new URLSearchParams(retry.query).get('ack'), new URLSearchParams(polls[i500].query).get('ack'), 'the same ack again');
      assert.ok(retry.t - polls[i500].tDone >= 375 - 60, `the poll after the 500 waited a backoff (${retry.t - polls[i500].tDone} ms)`);
      await chat.visitorSays('Still here.');
      await chat.verify();
      await checkBudget(chat, site, { faults: 1 });
    });
  });

  test('a poll answered slower than clientPollTimeout is abandoned and replaced, never two open', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'fault-slow-poll', async (w) => {
      const site = env.sims.faults;
      const { net, chat } = await chatWithWarmup(w, site, 'a slow poll');
      await net.settle();
      const sid = net.list.find((e) => e.resource === 'System/SessionId' && e.json);
      assert.equal(Number(sid.json.clientPollTimeout), CLIENT_POLL_TIMEOUT_S, 'the clientPollTimeout the simulator announces');
      const abandonMs = CLIENT_POLL_TIMEOUT_S * 1000 + POLL_MARGIN_MS;
      const from = net.list.length;
      // The next poll's answer waits longer than the widget waits for it.
      await site.client.fault({ kind: 'delay', count: 1, ms: abandonMs + 8_000, path: '/System/Messages' });
      // The slow poll: one on its way for longer than a hold (a normal one answers 204 after HOLD).
      const slow = await eventually(() => net.list.find((e, i) => i >= from && e.resource === 'System/Messages' && e.tDone === undefined && Date.now() - e.t > HOLD * 1000 + 1000) ?? false,
        { what: 'a poll held past the hold time (the delayed one)', timeout: 10_000 });
      // The POSTs do not wait for the poll.
      await chat.visitorSays('My message goes out anyway.');
      await chat.agentSends('Sent while the poll hangs.');
      await chat.ui.message('agent', 'Sent while the poll hangs.').waitFor({ state: 'visible', timeout: abandonMs + 10_000 });
      assert.ok(slow.failed, `the slow poll was aborted by the widget (${JSON.stringify(slow)})`);
      const waited = slow.tDone - slow.t;
      assert.ok(waited >= abandonMs - 1000 && waited <= abandonMs + 3000,
        `the slow poll was abandoned after clientPollTimeout + margin (${abandonMs} ms), not after ${waited} ms`);
      const replacement = net.list.find((e) => e.n > slow.n && e.resource === 'System/Messages');
      assert.ok(replacement && replacement.t >= slow.tDone - 50 && replacement.t - slow.tDone < 2000,
        `a new poll right after the abandoned one\n${net.describe(from)}`);
      // The polls the page sent never overlapped.
      const polls = net.list.filter((e) => e.resource === 'System/Messages');
      for (let i = 1; i < polls.length; i++) {
        assert.ok(polls[i - 1].tDone !== undefined && polls[i - 1].tDone <= polls[i].t + 5,
          `poll #${polls[i].n} went out before poll #${polls[i - 1].n} was done (${polls[i - 1].tDone - polls[i].t} ms later)\n${net.describe()}`);
      }
      // The server's side of the abandoned poll: it shows in the log as a poll whose client went
      // away (status 0), at the latest when the delay is over. Only then is the chat checked again,
      // so a stale poll coming alive on the server after its delay would show as a second poll.
      const gone = await eventually(async () => (await logOf(site, chat.id, 'System/Messages')).find((r) => r.status === 0) ?? false,
        { what: 'the abandoned poll to show in the simulator log as closed by the client', timeout: 15_000 });
      process.stderr.write(`# slow poll: abandoned after ${waited} ms; the server logged it ${gone.atMs ? 'as gone' : ''}\n`);
      await chat.visitorSays('Back to normal?');
      await chat.agentSays('Back to normal.');
      const s = await chat.verify();
      assert.equal(s.state, 'established', 'the chat goes on');
      await checkBudget(chat, site, { faults: 1 });
    });
  });

  test('409 (duplicate poll): the chat ends with a clear message, and no request storm follows', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'fault-409', async (w) => {
      const site = env.sims.faults;
      const { chat } = await chatWithWarmup(w, site, 'a duplicate poll');
      await site.client.fault({ kind: 'duplicate_poll', count: 1, path: '/System/Messages' });
      await chat.ui.ended.waitFor({ state: 'visible' });
      const ended = (await chat.ui.ended.innerText()).replace(/\s+/g, ' ').trim();
      await chat.ui.composer.waitFor({ state: 'hidden' });
      await w.screenshot('ended-409');
      const s = await site.client.session(chat.id);
      assert.equal(s.endedBy, 'duplicate_poll');
      // Nothing more: count the requests over an explicit quiet window.
      const n0 = await logLength(site);
      await new Promise((r) => setTimeout(r, QUIET_MS));
      const later = (await site.client.requests()).slice(n0);
      assert.ok(later.length <= 2, `at most 2 requests in the ${QUIET_MS} ms after the 409, saw ${later.length}: ${JSON.stringify(later)}`);
      await chat.verify('the transcript kept after the 409');
      await checkBudget(chat, site, { faults: 1 });

      // Checked last, so the checks above run whatever the wording. The server ended the session
      // (endedBy duplicate_poll; later requests get 403): the view must say the chat ended, not
      // that it goes on somewhere.
      assert.match(ended, /\bended\b|\bover\b/i, `the ended view says the chat ended: ${JSON.stringify(ended)}`);
      assert.doesNotMatch(ended, /goes on|continu|still open/i, `the ended view does not say the chat goes on: ${JSON.stringify(ended)}`);
    });
  });

  test('403 after the server timed the session out: ended calmly, no retry loop', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'fault-403-timeout', async (w) => {
      // The most faithful way to get a server-side idle timeout: the visitor's network goes away
      // (every /chat/rest request fails in the browser, as with a laptop asleep or a dead Wi-Fi),
      // so the server sees no poll for its idle timeout (2 s on this simulator) and ends the
      // session on its own (endedBy "timeout"). When the network comes back, the widget's next
      // request gets 403 from the server, as the real one answers for an expired session.
      const site = env.sims.idle;
      const { chat } = await chatWithWarmup(w, site, 'a session that times out');
      const blocked = [];
      const route = (r) => { blocked.push(Date.now()); return r.abort('internetdisconnected'); };
      await w.page.route('**/chat/rest/**', route);
      await waitSession(site, chat.id, (s) => s.state === 'ended' && s.endedBy === 'timeout', 'the simulator to time the session out');
      const blockedWhileDown = blocked.length;
      await w.page.unroute('**/chat/rest/**', route);
      // Still the chat view meanwhile: a network failure alone does not end the chat.
      await chat.ui.ended.waitFor({ state: 'visible', timeout: 20_000 });
      const ended = (await chat.ui.ended.innerText()).replace(/\s+/g, ' ').trim();
      assert.match(ended, /end|expired/i, `the ended view says the chat ended: ${JSON.stringify(ended)}`);
      await chat.ui.composer.waitFor({ state: 'hidden' });
      await w.screenshot('ended-403');
      const after403 = (await simRequests(site.client, chat.id)).filter((r) => r.status === 403);
      assert.ok(after403.length >= 1 && after403.length <= 2, `one 403 (at most 2) reached the widget: ${JSON.stringify(after403)}`);
      // While the network was down the widget backed off (a few tries over ~2-3 s, not hundreds).
      assert.ok(blockedWhileDown <= 8, `${blockedWhileDown} requests tried while the network was down`);
      const n0 = await logLength(site);
      await new Promise((r) => setTimeout(r, QUIET_MS));
      const later = (await site.client.requests()).slice(n0);
      assert.ok(later.length <= 1, `no retry loop after the 403: ${later.length} requests in ${QUIET_MS} ms: ${JSON.stringify(later)}`);
      await chat.verify('the transcript kept after the 403');
      await checkBudget(chat, site, { faults: 2 });
    });
  });

  test('a page reload while a visitor message is in flight: delivered exactly once, the chat goes on', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'fault-reload-inflight', async (w) => {
      const site = env.sims.faults;
      const { net, chat } = await chatWithWarmup(w, site, 'a reload mid-send');
      const text = 'Sent just before the reload.';
      await chat.compose(text);
      await site.client.fault({ kind: 'delay', count: 1, ms: 3_000, path: MESSAGE_PATH });
      const from = net.list.length;
      await chat.pressEnter(text);
      await eventually(() => net.list.some((e, i) => i >= from && e.tDone === undefined && net.postsWith(text).includes(e)),
        { what: 'the message POST to be on its way', interval: 20 });
      await w.page.reload();
      await chat.ui.transcript.waitFor({ state: 'visible' });
      await chat.delivered(text);
      await w.screenshot('after-reload');
      // The reloaded page resent the message whose answer it never got, as the same request (same
      // X-LIVEAGENT-SEQUENCE), so a server that did process the first one drops the repeat.
      const carrying = net.postsWith(text);
      assert.ok(carrying.length >= 2, `the message was resent after the reload\n${net.describe(from)}`);
      assert.equal(new Set(carrying.map((e) => e.sequence)).size, 1,
        `the resend keeps the sequence of the unanswered try: ${carrying.map((e) => e.sequence)}\n${net.describe(from)}`);
      await chat.agentSays('I got your message once.');
      await chat.visitorSays('Thanks!');
      const s = await chat.verify('the chat across the reload');
      assert.equal(s.received.filter((r) => r.type === 'ChasitorInit').length, 1, 'one ChasitorInit: the same chat after the reload');
      await checkBudget(chat, site, { faults: 1, reloads: 1 });
    });
  });

  test('a page reload while a 503 handover is under way: the message is delivered once, the chat goes on', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'fault-reload-handover', async (w) => {
      const site = env.sims.faults;
      const { net, chat } = await chatWithWarmup(w, site, 'a reload mid-handover');
      await site.client.fault({ kind: 'delay', count: 1, ms: 3_000, path: '/System/ReconnectSession' });
      const from = net.list.length;
      await site.client.action(chat.id, 'affinity-change', {});
      await eventually(() => net.list.some((e, i) => i >= from && e.resource === 'System/ReconnectSession' && e.tDone === undefined),
        { what: 'ReconnectSession to be on its way (delayed)', interval: 20 });
      // During the handover: a visitor message waits in the widget, an agent message on the server.
      const text = 'Typed during the handover.';
      await chat.visitorTypes(text);
      await chat.agentSends('Sent during the handover.');
      await chat.ui.message('visitor', text).waitFor({ state: 'visible' });
      await w.page.reload();
      await chat.ui.transcript.waitFor({ state: 'visible' });
      await chat.delivered(text);
      await chat.ui.message('agent', 'Sent during the handover.').waitFor({ state: 'visible' });
      await w.screenshot('after-reload');
      await chat.agentSays('And the chat goes on.');
      await chat.visitorSays('Indeed.');
      const s = await chat.verify('the chat across the reload');
      assert.ok(s.received.filter((r) => r.type === 'ChasitorResyncState').length >= 1, 'the reloaded page resynchronised');
      assert.equal(s.received.filter((r) => r.type === 'ChasitorInit').length, 1, 'one ChasitorInit: the same chat after the reload');
      await checkBudget(chat, site, { handovers: 2, faults: 1, reloads: 1 });
    });
  });

  for (const how of ['restart', 'reset']) {
    const title = how === 'restart'
      ? 'the simulator restarted mid-chat (process killed and started again on the same port)'
      : 'the simulator reset mid-chat (POST /_sim/reset drops every session)';
    test(`${title}: the visitor is told the chat ended, and a new chat starts`, { timeout: TEST_TIMEOUT }, async () => {
      await withPage(browser, `fault-sim-${how}`, async (w) => {
        const site = how === 'restart' ? env.sims.restart : env.sims.faults;
        const { chat } = await chatWithWarmup(w, site, `a server ${how}`);
        if (how === 'restart') {
          // Kill the process and start a new one on the same port: held connections break, the
          // new server knows no session.
          const sim = site.sim;
          await sim.stop();
          sim.name = 'restart-2';
          await sim.start();
        } else {
          // All sessions gone at once: the held poll wakes up and answers 403.
          await site.client.reset();
        }
        const t0 = Date.now();
        await chat.ui.ended.waitFor({ state: 'visible', timeout: 20_000 });
        process.stderr.write(`# sim ${how}: ended view ${Date.now() - t0} ms after it\n`);
        const ended = (await chat.ui.ended.innerText()).replace(/\s+/g, ' ').trim();
        assert.match(ended, /end/i, `the ended view says the chat ended: ${JSON.stringify(ended)}`);
        await chat.ui.composer.waitFor({ state: 'hidden' });
        await w.screenshot(`ended-after-${how}`);
        // The old chat's transcript is still shown as it was (its received list was checked by
        // the warm-up; the server no longer knows it).
        const rows = (await chat.ui.rows()).filter(([a]) => a !== 'system');
        assert.deepEqual(rows, chat.expected, 'the old transcript, each message once');
        // Nothing hangs and nothing storms: the server saw at most a few requests of the old
        // session (its key unknown now), and none in a quiet window after the ended view.
        const n0 = await logLength(site);
        await new Promise((r) => setTimeout(r, QUIET_MS));
        const orphans = (await site.client.requests()).filter((r) => r.session == null);
        assert.ok(orphans.length <= 3, `requests of the dead session after the ${how}: ${JSON.stringify(orphans)}`);
        assert.ok((await logLength(site)) - n0 <= 1, 'no requests in the quiet window after the chat ended');
        // A new chat.
        await chat.ui.newChat.click();
        await chat.ui.prechat.waitFor({ state: 'visible' });
        const chat2 = await startChat(w, site, { reuseUi: chat.ui, net: chat.net, agentName: 'Nia B.' });
        assert.notEqual(chat2.id, chat.id, 'a new session');
        await chat2.agentSays(`Hello again, after the ${how}.`);
        await chat2.visitorSays('Hello, new chat.');
        await chat2.verify('the new chat');
        await checkBudget(chat2, site, {});
      });
    });
  }
});

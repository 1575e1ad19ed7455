// A peer client against the simulator's Enhanced Chat API: `sample-client.js` reproduces the
// requests, stream reading and event handling of Salesforce's own sample client
// (Salesforce-Async-Messaging/messaging-web-api-sample-app at commit
// 1782a9fe33b2ef315fc0e26b1588ac5956e72c12), run in headless Chromium on a page served from
// another origin than the simulator, so the browser's CORS rules apply (the stream's preflight asks
// for cache-control, authorization, last-event-id and x-org-id). The agent's side is played through
// the control API. If the simulator answered something that client could not read, or CORS refused
// one of its headers, this fails. About 10 seconds.

import assert from 'node:assert/strict';
import { describe, test, before, after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSim, eventually, freePort, launchBrowser, startSim, withPage } from './harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TEST_TIMEOUT = 60_000;

let api; // the simulator (Enhanced Chat API), allowing the page's origin
let pageSim; // another simulator serving only the page and the client script
let tmp;
let browser;
let pageUrl;
let deployment;

before(async () => {
  buildSim();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chasitor-sample-client-'));
  fs.copyFileSync(path.join(HERE, 'sample-client.js'), path.join(tmp, 'sample-client.js'));
  fs.writeFileSync(path.join(tmp, 'index.html'), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>sample client</title></head>
<body><h1>Salesforce's sample client's requests, on another origin</h1><script src="/sample-client.js"></script></body></html>
`);
  const pagePort = await freePort();
  const pageOrigin = `http://127.0.0.1:${pagePort}`;
  api = await startSim({ name: 'sample-client-api', corsOrigin: pageOrigin });
  pageSim = await startSim({ name: 'sample-client-page', staticDir: tmp }, pagePort);
  pageUrl = `${pageSim.base}/index.html`;
  assert.notEqual(new URL(pageUrl).origin, new URL(api.base).origin, 'the page is on another origin');
  [deployment] = await (await fetch(`${api.base}/_sim/enhanced-chat`)).json();
  browser = await launchBrowser();
}, { timeout: 30 * 60_000 });

after(async () => {
  await browser?.close().catch(() => {});
  await api?.stop();
  await pageSim?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** What the client's handlers saw so far. */
const seen = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.sampleClient.seen)));

/** Waits until `pick(seen)` is truthy; returns it. */
function until(page, what, pick) {
  return eventually(async () => {
    const s = await seen(page);
    assert.deepEqual(s.errors, [], 'the client had no error handling an event');
    const v = pick(s);
    if (!v) throw new Error(`not yet: ${JSON.stringify({ entries: s.entries.map((e) => `${e.event}:${e.messageType}:${e.actorName}`), typing: s.typing, acks: s.acks, closed: s.closed, streamErrors: s.streamErrors })}`);
    return v;
  }, { what, timeout: 10_000 });
}

const sessionOf = async (id) => (await api.client.session(id));

describe('Salesforce\'s sample client against the simulator, cross-origin', () => {
  test('token, conversation, stream, agent, receipts, 417 and a new session, reload, close', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'sample client journey', async (w) => {
      const { page } = w;
      // The browser's own view of the stream requests: the headers it really sent.
      const streamRequests = [];
      page.on('request', async (r) => {
        if (new URL(r.url()).pathname === '/eventrouter/v1/sse') streamRequests.push({ method: r.method(), url: r.url(), headers: await r.allHeaders() });
      });
      await page.goto(pageUrl);

      // CORS is in force on this page: a header the simulator does not allow makes the browser
      // refuse the request (so a missing cache-control would refuse the stream the same way).
      const refused = await page.evaluate(async (url) => {
        try {
          await fetch(`${url}/iamessage/api/v2/conversation/list`, { mode: 'cors', headers: { 'X-Not-Allowed': '1' } });
          return false;
        } catch (e) {
          return e instanceof TypeError;
        }
      }, api.base);
      assert.equal(refused, true, 'a header outside the allowed ones is refused by the browser');

      // Token, conversation, stream.
      const started = await page.evaluate((o) => window.sampleClient.start(o), {
        url: api.base, orgId: deployment.orgId, esDeveloperName: deployment.esDeveloperName,
        routingAttributes: { _firstName: 'Ada', _lastName: 'Lovelace', _email: 'ada@example.com' },
      });
      const { conversationId: id, token } = started;
      assert.equal(typeof token.accessToken, 'string');
      assert.equal(token.accessToken.split('.').length, 3, 'a JWT');
      assert.equal(typeof token.lastEventId, 'string');
      assert.equal(typeof token.context.configuration.embeddedServiceConfig, 'object');
      assert.equal(token.context.configuration.embeddedServiceConfig.name, deployment.esDeveloperName);
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      let s = await sessionOf(id);
      assert.equal(s.state, 'queued');
      assert.equal(s.visitorName, 'Ada Lovelace');
      const create = s.received.find((r) => r.type === 'CreateConversation').body;
      assert.deepEqual(Object.keys(create).sort(), ['conversationId', 'esDeveloperName', 'routingAttributes']);

      // The stream: its URL and headers as the polyfill sends them, open on the simulator.
      const stream = await eventually(() => streamRequests.find((r) => r.method === 'GET') || false, { what: 'the stream request' });
      assert.match(new URL(stream.url).search, /^\?_ts=\d{13}$/);
      assert.equal(stream.headers['cache-control'], 'no-cache');
      assert.equal(stream.headers.accept, 'text/event-stream');
      assert.equal(stream.headers.authorization, `Bearer ${token.accessToken}`);
      assert.equal(stream.headers['x-org-id'], deployment.orgId);
      assert.equal(stream.headers['last-event-id'], token.lastEventId);
      const log = await api.client.requests();
      assert.ok(log.some((r) => r.method === 'GET' && r.path === '/eventrouter/v1/sse' && /^_ts=\d+$/.test(r.query || '') && r.status === 200),
        `the stream opened: ${JSON.stringify(log.filter((r) => r.path === '/eventrouter/v1/sse'))}`);
      await eventually(async () => (await sessionOf(id)).openStreams === 1, { what: 'one open stream' });
      // The routing result of the queue, read by createConversationEntry (routingType).
      await until(page, 'the routing result', (x) => x.entries.find((e) => e.event === 'CONVERSATION_ROUTING_RESULT' && e.messageType === 'Initial'));

      // The agent joins, types and writes.
      await api.client.accept(id, 'Andy L.');
      const joined = await until(page, 'the agent joining', (x) => x.entries.find((e) => e.event === 'CONVERSATION_PARTICIPANT_CHANGED' && e.joined));
      assert.equal(joined.messageType, 'add');
      assert.equal(joined.participant, 'Andy L.');
      await api.client.typing(id, true);
      const typing = await until(page, 'the agent typing', (x) => x.typing.find((t) => t.event === 'CONVERSATION_TYPING_STARTED_INDICATOR'));
      assert.equal(typing.role, 'Agent');
      await api.client.message(id, 'Hello! How can I help?');
      const hello = await until(page, 'the agent message', (x) => x.entries.find((e) => e.entryType === 'Message' && !e.isEndUserMessage));
      assert.deepEqual([hello.actorName, hello.actorType, hello.messageType, hello.text], ['Andy L.', 'Agent', 'StaticContentMessage', 'Hello! How can I help?']);

      // The visitor types and writes; the message echoes; the agent's receipts come back.
      assert.equal(await page.evaluate(() => window.sampleClient.typing(true)), 202);
      assert.equal((await sessionOf(id)).visitorTyping, true);
      const sent = await page.evaluate(() => window.sampleClient.send('Where is my order?'));
      assert.equal(sent.ok, true, JSON.stringify(sent));
      const echo = await until(page, 'the echo', (x) => x.entries.find((e) => e.messageId === sent.messageId));
      assert.deepEqual([echo.isEndUserMessage, echo.text, echo.actorName], [true, 'Where is my order?', 'Ada Lovelace']);
      await api.client.action(id, 'delivered', {});
      await api.client.action(id, 'read', {});
      const acks = await until(page, 'both receipts', (x) => x.acks.length >= 2 && x.acks);
      assert.deepEqual(acks.map((a) => [a.event, a.messageId]), [
        ['CONVERSATION_DELIVERY_ACKNOWLEDGEMENT', sent.messageId],
        ['CONVERSATION_READ_ACKNOWLEDGEMENT', sent.messageId],
      ]);
      for (const a of acks) assert.equal(typeof a.acknowledgementTimestamp, 'number');

      // The agent ends: the session ends, the conversation stays open; the next message gets a
      // 417 and goes again with isNewMessagingSession and the routing attributes, same id.
      await api.client.end(id);
      await until(page, 'the agent leaving', (x) => x.entries.find((e) => e.event === 'CONVERSATION_PARTICIPANT_CHANGED' && !e.joined));
      const failed = await page.evaluate(() => window.sampleClient.send('Hello again'));
      assert.deepEqual([failed.ok, failed.status], [false, 417]);
      const again = await page.evaluate((m) => window.sampleClient.send('Hello again', { isNewMessagingSession: true, routingAttributes: { _firstName: 'Ada', _email: 'ada@example.com' }, messageId: m }), failed.messageId);
      assert.equal(again.ok, true, JSON.stringify(again));
      s = await sessionOf(id);
      assert.equal(s.state, 'queued');
      const resent = s.received.filter((r) => r.type === 'Message').at(-1).body;
      assert.equal(resent.isNewMessagingSession, true);
      assert.equal(resent.message.id, failed.messageId);
      await until(page, 'the new session routed', (x) => x.entries.filter((e) => e.event === 'CONVERSATION_ROUTING_RESULT').length >= 2);
      await api.client.accept(id, 'Bea K.');
      await until(page, 'Bea joining', (x) => x.entries.find((e) => e.joined && e.participant === 'Bea K.'));

      // A reload: the continuation token, the open conversation, its history, the stream again
      // from the stored last event id.
      const before = await page.evaluate(() => window.sampleClient.facts());
      await page.reload();
      await api.client.message(id, 'Bea here, while you were away.');
      const resumed = await page.evaluate((orgId) => window.sampleClient.resume(orgId), deployment.orgId);
      assert.equal(resumed.conversationId, id);
      let after = await seen(page);
      assert.equal(typeof after.continuation.accessToken, 'string');
      assert.notEqual(after.continuation.accessToken, before.jwt);
      assert.equal(after.list.openConversationsFound, 1);
      assert.equal(after.list.conversations[0].conversationId, id);
      const texts = after.history.filter((e) => e.entryType === 'Message').map((e) => [e.isEndUserMessage, e.text]);
      assert.deepEqual(texts, [
        [false, 'Hello! How can I help?'], [true, 'Where is my order?'], [true, 'Hello again'], [false, 'Bea here, while you were away.'],
      ], 'history, oldest first after the reverse');
      assert.deepEqual([...new Set(after.history.map((e) => e.entryType))].sort(), ['Message', 'ParticipantChanged', 'RoutingResult']);
      const ts = after.history.map((e) => e.transcriptedTimestamp);
      assert.deepEqual(ts, [...ts].sort((a, b) => a - b));
      const resumedStream = await eventually(() => streamRequests.filter((r) => r.method === 'GET')[1] || false, { what: 'the second stream request' });
      assert.equal(resumedStream.headers['last-event-id'], before.lastEventId);
      assert.equal(resumedStream.headers.authorization, `Bearer ${after.continuation.accessToken}`);
      // Only what was missed replays: the message written during the reload.
      const replayed = await until(page, 'the missed message', (x) => x.entries.find((e) => e.text === 'Bea here, while you were away.'));
      assert.ok(Number(replayed.id) > Number(before.lastEventId));
      after = await seen(page);
      assert.ok(after.entries.every((e) => Number(e.id) > Number(before.lastEventId)), 'nothing older replayed');
      await api.client.message(id, 'Anything else?');
      await until(page, 'a live message after the reload', (x) => x.entries.find((e) => e.text === 'Anything else?'));

      // The visitor closes: the close event arrives, the conversation is no longer listed.
      assert.equal(await page.evaluate(() => window.sampleClient.close()), 204);
      await until(page, 'the close event', (x) => x.closed.length === 1);
      s = await sessionOf(id);
      assert.equal(s.state, 'ended');
      assert.equal(s.endedBy, 'visitor');
      const final = await seen(page);
      assert.deepEqual(final.streamErrors, []);
      assert.deepEqual(final.errors, []);
      await page.evaluate(() => window.sampleClient.stop());
    });
  });
});

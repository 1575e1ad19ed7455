// End-to-end tests of the widget on Enhanced Chat (Messaging for In-App and Web): the same widget
// and page as the Live Agent journey with `data-scrt-url`, `data-org-id` and
// `data-es-developer-name` on the script tag, against the simulator's Enhanced Chat routes (REST and
// the event stream, read with fetch). The agent's side is played through the control API.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertAxe, eventually, startSite, useSuite, waitAttr, waitText, widget, widgetReady, withPage } from './harness.mjs';
import { agentRows, accepted as acceptedOn, received as receivedBy, startChat as startOn, visitorSays } from './miaw-kit.mjs';

const startChat = (w, opts) => startOn(site, pageUrl, w, opts);
const accepted = (w, agentName) => acceptedOn(site, pageUrl, w, agentName);
const received = (id) => receivedBy(site, id);

const TEST_TIMEOUT = 120_000;
const ES_NAME = 'Chasitor_Demo';

let site;
let browser;
let pageUrl;

useSuite({
  start: async () => {
    const s = await startSite({ name: 'miaw' });
    return s;
  },
  stop: (s) => s?.stop(),
  reset: (s) => s.client.reset(),
}, (s, b) => {
  site = s;
  browser = b;
  pageUrl = site.page('miaw', { miaw: { scrtUrl: site.base, orgId: site.config.orgId, esDeveloperName: ES_NAME } });
});

describe('Enhanced Chat end to end', () => {
  test('the journey: pre-chat, queue, chat both ways with typing and receipts, reload with history, end', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'miaw journey', async (w) => {
      const wasm = [];
      w.page.on('request', (r) => { if (/_bg\.wasm$/.test(r.url())) wasm.push(new URL(r.url()).pathname); });
      const { ui, id, conv } = await startChat(w, {
        check: async () => {
          await w.screenshot('prechat');
          await assertAxe(w, 'the deployment\'s pre-chat form');
        },
      });
      // The page loaded the Enhanced Chat-only build: nothing of Live Agent's.
      assert.ok(wasm.length > 0 && wasm.every((p) => /\/chasitor-miaw-[0-9a-f]+_bg\.wasm$/.test(p)), `the wasm loaded: ${wasm}`);
      // The pre-chat answers went as Salesforce's standard pre-chat fields.
      assert.equal(conv.visitorName, 'Ada Lovelace');
      assert.deepEqual(conv.routingAttributes, {
        _firstName: 'Ada', _lastName: 'Lovelace', _email: 'ada@example.com', Topic: 'Delivery', PageUrl: 'https://shop.example/cart',
      });
      await w.screenshot('queued');
      await assertAxe(w, 'queue');

      await site.client.accept(id, 'Andy L.');
      await ui.composer.waitFor({ state: 'visible' });
      await waitText(ui.window, /Andy L\./, 'the agent name');

      // Typing both ways.
      await site.client.typing(id, true);
      await ui.typing.waitFor({ state: 'visible' });
      await site.client.typing(id, false);
      await ui.typing.waitFor({ state: 'hidden' });
      await site.client.message(id, 'Hello! How can I help?');
      await ui.message('agent', 'Hello! How can I help?').waitFor({ state: 'visible' });

      await ui.composer.click();
      await ui.composer.pressSequentially('Where is my order?');
      await site.client.waitForSession((s) => s.id === id && s.visitorTyping === true, { what: 'the visitor typing to reach the simulator' });
      await ui.composer.press('Enter');
      const row = ui.message('visitor', 'Where is my order?');
      await waitAttr(row, 'data-status', 'sent', 'the message to be sent');
      assert.deepEqual(await received(id), ['Where is my order?']);

      // Receipts from the agent's side.
      await site.client.action(id, 'delivered', {});
      await waitAttr(row, 'data-status', 'delivered', 'the message to show as delivered');
      await site.client.action(id, 'read', {});
      await waitAttr(row, 'data-status', 'read', 'the message to show as read');
      await w.screenshot('chatting');
      await assertAxe(w, 'chat with receipts');

      // A reload: the agent writes while the page is away; afterwards everything shows once.
      const reload = w.page.reload();
      await site.client.message(id, 'Your parcel left this morning.');
      await reload;
      await widgetReady(w.page);
      await ui.message('agent', 'Your parcel left this morning.').waitFor({ state: 'visible' });
      assert.deepEqual(await agentRows(ui), ['Hello! How can I help?', 'Your parcel left this morning.']);
      await waitAttr(ui.message('visitor', 'Where is my order?'), 'data-status', 'read', 'the receipt kept');
      await visitorSays(ui, 'Thanks!');
      assert.deepEqual(await received(id), ['Where is my order?', 'Thanks!']);
      // One conversation, never more than one stream at a time.
      const s = await site.client.session(id);
      assert.equal(s.state, 'established');
      assert.equal(s.maxOpenStreams, 1);

      // The visitor ends the chat.
      await ui.end.click();
      await ui.endConfirm.click();
      await ui.ended.waitFor({ state: 'visible' });
      await site.client.waitForSession((x) => x.id === id && x.state === 'ended', { what: 'the conversation to close' });
      assert.deepEqual(w.pageErrors, []);
    });
  });

  test('faults: a stream cut mid-event, a duplicate event and a 500 on send lose and double nothing', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'miaw faults', async (w) => {
      // The first stream is cut after its first event (in the middle of the next frame, when one
      // is there); the next one sends its first event twice. Before the agent accepts: the
      // widget has to be back on the stream, with the last event id, to see the agent join.
      await site.client.fault({ kind: 'drop', path: '/eventrouter/v1/sse' });
      await site.client.fault({ kind: 'duplicate_event', path: '/eventrouter/v1/sse' });
      const { ui, id } = await accepted(w);
      for (const text of ['one', 'two', 'three']) await site.client.message(id, text);
      await ui.message('agent', 'three').waitFor({ state: 'visible' });
      const rows = await ui.rows();
      assert.deepEqual(rows.filter(([a]) => a === 'agent').map(([, t]) => t), ['one', 'two', 'three']);
      assert.equal(rows.filter(([a, t]) => a === 'system' && /Andy L\. joined/.test(t)).length, 1, JSON.stringify(rows));
      const log = await site.client.requests();
      const streams = log.filter((r) => r.path === '/eventrouter/v1/sse');
      assert.ok(streams.length >= 2, `reconnected after the cut: ${streams.length} stream requests`);

      // A 500 on the send: retried, taken once.
      await site.client.fault({ kind: 'server_error', path: `/iamessage/api/v2/conversation/${id}/message` });
      await visitorSays(ui, 'after a 500');
      assert.deepEqual(await received(id), ['after a 500']);
      assert.deepEqual(w.pageErrors, []);
    });
  });

  test('too many requests (429): the send waits out the backoff and goes once', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'miaw 429', async (w) => {
      const { ui, id } = await accepted(w);
      await site.client.fault({ kind: 'rate_limited', path: `/iamessage/api/v2/conversation/${id}/message`, count: 2 });
      await visitorSays(ui, 'slow down?');
      assert.deepEqual(await received(id), ['slow down?']);
      const limited = (await site.client.requests()).filter((r) => r.status === 429);
      assert.equal(limited.length, 2, 'both 429s were met and waited out');
      await eventually(async () => (await ui.page.locator('[part~=connection]').count()) === 0,
        { what: 'the connection line to go once sent' });
    });
  });

  test('the messaging session ended (417): the next message starts a new one and reaches an agent', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'miaw 417', async (w) => {
      const { ui, id } = await accepted(w);
      await site.client.action(id, 'end-session', {});
      await visitorSays(ui, 'Hello again');
      const s = await site.client.waitForSession((x) => x.id === id && x.state === 'queued', { what: 'the conversation to be routed again' });
      const sent = s.received.filter((r) => r.type === 'Message');
      assert.equal(sent.at(-1).body.isNewMessagingSession, true);
      // Routed again with the visitor's pre-chat answers (the site's hidden one included).
      assert.deepEqual(sent.at(-1).body.routingAttributes,
        { _firstName: 'Ada', _lastName: 'Lovelace', _email: 'ada@example.com', Topic: 'Delivery', PageUrl: 'https://shop.example/cart' });
      await site.client.accept(id, 'Bea');
      await site.client.message(id, 'Bea here.');
      await ui.message('agent', 'Bea here.').waitFor({ state: 'visible' });
    });
  });

  test('the token expired (401): the chat says it cannot go on and offers a new one', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'miaw 401', async (w) => {
      const { ui, id } = await accepted(w);
      await site.client.action(id, 'expire-token', {});
      // The next request (the typing indicator) gets 401.
      await ui.composer.click();
      await ui.composer.pressSequentially('anyone?');
      await ui.ended.waitFor({ state: 'visible' });
      await waitText(ui.ended, /expired/, 'the ended view saying why');
      await ui.newChat.click();
      await ui.prechat.waitFor({ state: 'visible' });
    });
  });

  test('two tabs: a duplicated tab shows the notice and opens no stream; "Continue here" moves the chat', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'miaw tabs', async (w) => {
      const { ui, id } = await accepted(w);
      await site.client.message(id, 'first');
      await ui.message('agent', 'first').waitFor({ state: 'visible' });

      // A copy of the tab (its sessionStorage copied, as the browser does).
      const storage = await w.page.evaluate(() => Object.fromEntries(Object.entries(window.sessionStorage)));
      const copy = await w.context.newPage();
      await copy.addInitScript((st) => {
        if (window.sessionStorage.getItem('chasitor:snapshot') === null) {
          for (const [k, v] of Object.entries(st)) window.sessionStorage.setItem(k, v);
        }
      }, storage);
      await copy.goto(pageUrl);
      const uiB = widget(copy);
      const notice = copy.locator('[part~=other-tab]');
      await notice.waitFor({ state: 'visible' });
      await site.client.message(id, 'second');
      await ui.message('agent', 'second').waitFor({ state: 'visible' });
      assert.equal((await site.client.session(id)).maxOpenStreams, 1, 'the copy opened no stream');

      // Continue in the copy: the first tab lets go.
      await copy.locator('[part~=continue-here]').click();
      await uiB.composer.waitFor({ state: 'visible' });
      await w.page.locator('[part~=other-tab]').waitFor({ state: 'visible' });
      await site.client.message(id, 'third');
      await uiB.message('agent', 'third').waitFor({ state: 'visible' });
      assert.deepEqual(await agentRows(uiB), ['first', 'second', 'third']);
      await visitorSays(uiB, 'written in the copy');
      assert.deepEqual(await received(id), ['written in the copy']);
      await copy.close();
    });
  });

  test('bad settings: a missing developer name is one console error and the launcher says unavailable', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'miaw bad settings', async (w) => {
      const url = site.page('miaw-bad', { attrs: `data-api="miaw" data-scrt-url="${site.base}" data-org-id="${site.config.orgId}"` });
      const ui = widget(w.page);
      await w.page.goto(url);
      await eventually(() => w.consoleErrors.some((m) => /data-es-developer-name is missing/.test(m)), { what: 'the console error naming data-es-developer-name' });
      await waitAttr(ui.launcher, 'data-unavailable', 'true', 'the launcher marked unavailable');
    });
  });
});

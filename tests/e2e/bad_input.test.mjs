// Bad input (issue 6, item 3), in headless Chromium against the simulator:
// - a malformed or missing setting: one console error naming it, and the "Chat unavailable" launcher;
// - poll answers that are not JSON, truncated, of the wrong shape, with unknown message types, with
//   HTML and scripts in every text field, with a 1 MB text, fed mid-chat through the simulator's
//   `POST /_sim/sessions/{id}/raw`: no panic, the transcript kept in order, the chat goes on, HTML
//   shown as literal text, the huge text rendered in bounded time;
// - a visitor text of 100,000 characters: cut to the configured maximum, and the visitor is told so.
// None may panic the wasm module (withPage fails on a page error or "panicked" in the console).
// Run: node --test --test-concurrency=1 tests/e2e/bad_input.test.mjs

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { waitAttr, widget, withPage } from './harness.mjs';
import { startChat, useSites } from './fault-kit.mjs';

const TEST_TIMEOUT = 240_000;
const HOLD_SECONDS = 2;

let sites;
let site;
let browser;

useSites([{ name: 'bad-input', holdSeconds: HOLD_SECONDS }], (e, b) => {
  sites = e;
  site = e.sims['bad-input'];
  browser = b;
});

/** A host page on the simulator's site with the script tag's attributes given as a string. */
function hostPage(name, attributes) {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${name}</title></head>
<body><h1>${name}</h1><script src="/chasitor.js" ${attributes} async></script></body></html>
`;
  fs.writeFileSync(path.join(sites.siteDir, `${name}.html`), html);
  return `${site.sim.base}/${name}.html`;
}

/** The normal attributes, with `changes` (name → value, or null to leave it out). */
function attributes(changes) {
  const attrs = {
    'data-endpoint': '/chat/rest', 'data-org-id': site.cfg.orgId,
    'data-deployment-id': site.cfg.deploymentId, 'data-button-id': site.buttonId, ...changes,
  };
  return Object.entries(attrs).filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}='${String(v).replace(/&/g, '&amp;').replace(/'/g, '&#39;')}'`).join(' ');
}

/** The poll's next answer is exactly `body` (with `status`, default 200). */
async function rawAnswer(id, body, { status = 200, contentType } = {}) {
  return site.client.action(id, 'raw', { status, body, contentType });
}

describe('bad settings', () => {
  // One row per setting of the script tag: a value it refuses (or the setting left out).
  const CASES = [
    ['data-endpoint', { 'data-endpoint': null }],
    ['data-endpoint', { 'data-endpoint': 'javascript:alert(1)' }],
    ['data-org-id', { 'data-org-id': null }],
    ['data-org-id', { 'data-org-id': '00D<script>' }],
    ['data-deployment-id', { 'data-deployment-id': '572-000' }],
    ['data-button-id', { 'data-button-id': null }],
    ['data-api-version', { 'data-api-version': 'v56' }],
    ['data-language', { 'data-language': 'en US' }],
    ['data-position', { 'data-position': 'top' }],
    ['data-theme', { 'data-theme': 'pink' }],
    ['data-max-message-length', { 'data-max-message-length': '0' }],
    ['data-prechat-fields', { 'data-prechat-fields': 'not json' }],
    ['data-labels', { 'data-labels': '{"nope":"x"}' }],
  ];

  test('each malformed or missing setting: one console error naming it, the unavailable launcher', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'bad input: settings', async (w) => {
      for (const [i, [setting, changes]] of CASES.entries()) {
        const url = hostPage(`bad-setting-${i}`, attributes(changes));
        const before = w.consoleErrors.length;
        await w.page.goto(url);
        const ui = widget(w.page);
        await ui.launcher.waitFor({ state: 'visible' });
        await waitAttr(ui.launcher, 'data-unavailable', 'true', `${setting}: the launcher says unavailable`);
        assert.match(await ui.launcher.innerText(), /Chat unavailable/, `${setting}: the launcher's text`);
        const errors = w.consoleErrors.slice(before).filter((t) => t.startsWith('chasitor:'));
        assert.equal(errors.length, 1, `${setting}: exactly one chasitor console error, got ${JSON.stringify(errors)}`);
        assert.ok(errors[0].includes(setting), `${setting}: the error names it: ${errors[0]}`);
        // The broken launcher does nothing (no window, no request).
        await ui.launcher.click({ force: true });
        assert.equal(await ui.window.count(), 0, `${setting}: no chat window`);
      }
      assert.equal((await site.client.requests()).length, 0, 'no request reached the chat API');
    });
  });
});

describe('bad server answers mid-chat', () => {
  test('not JSON, truncated, wrong shapes, unknown types, HTML everywhere, 1 MB: kept, literal, going on', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'bad input: server answers', async (w) => {
      const chat = await startChat(w, site);
      const { ui } = chat;
      await chat.agentSays('Hello, how can I help?');
      await chat.visitorSays('Hi there.');

      // Answers the widget cannot read: each logged, the poll retried with the same ack, and the
      // next agent message arrives.
      const unreadable = [
        ['not JSON', '<html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html'],
        ['truncated', '{"messages":[{"type":"ChatMessage","message":{"name":"Andy L.","text":"cut off'],
        ['a JSON array', '[1,2,3]'],
        ['JSON null', 'null'],
        ['a bare string', '"messages"'],
      ];
      for (const [what, body, contentType] of unreadable) {
        const warnings = w.console.length;
        await rawAnswer(chat.id, body, { contentType });
        await chat.agentSays(`After ${what}.`);
        const logged = w.console.slice(warnings).some((m) => /Messages: could not read the answer/.test(m.text));
        assert.ok(logged, `${what}: the widget logged the unreadable answer`);
      }

      // Answers of the wrong shape that are still JSON objects: nothing in them is usable, the
      // chat goes on.
      for (const [what, body] of [
        ['messages not a list', '{"messages":"nope","sequence":"x","offset":{}}'],
        ['messages of the wrong kinds', '{"messages":[42,null,"x",{"type":7},{"message":{}},{"type":"ChatMessage","message":"not an object"}]}'],
        ['fields of the wrong types', '{"messages":[{"type":"ChatMessage","message":{"name":["x"],"text":{"a":1}}},{"type":"QueueUpdate","message":{"position":"<b>3</b>","estimatedWaitTime":"<script>alert(1)</script>"}},{"type":"AgentTyping","message":null}]}'],
        ['an empty object', '{}'],
        ['an empty body', ''],
      ]) {
        await rawAnswer(chat.id, body);
        await chat.agentSays(`After ${what}.`);
      }

      // Unknown message types around a good one: the good one shows, the rest is skipped.
      await rawAnswer(chat.id, JSON.stringify({
        messages: [
          { type: 'SomethingNew', message: { text: 'not for the transcript' } },
          { type: 'ChatMessage', message: { name: 'Andy L.', text: 'Next to unknown types.' } },
          { type: 'AnotherNewThing' },
        ],
      }));
      chat.expected.push(['agent', 'Next to unknown types.']);
      await ui.message('agent', 'Next to unknown types.').waitFor({ state: 'visible' });
      await chat.agentSays('After unknown types.');

      // HTML and scripts in every text field: agent name (transfer, and a message's name),
      // message, custom event type and data, queue values (above). Shown as text, never run.
      const evil = (n) => `<img src=x onerror="window.__chasitorXss=${n}"><script>window.__chasitorXss=${n}</script><b>bold ${n}</b>`;
      await chat.c.transfer(chat.id, `Eve ${evil(1)}`);
      await ui.message('system').filter({ hasText: '<script>window.__chasitorXss=1</script>' }).waitFor({ state: 'visible' });
      await chat.agentSays(`Message ${evil(2)}`);
      await chat.c.customEvent(chat.id, `type ${evil(3)}`, `data ${evil(4)}`);
      await rawAnswer(chat.id, JSON.stringify({
        messages: [{ type: 'ChatMessage', message: { name: `<i>Mallory</i>${evil(5)}`, text: `Raw ${evil(6)}` } }],
      }));
      chat.expected.push(['agent', `Raw ${evil(6)}`]);
      await ui.message('agent', `Raw ${evil(6)}`).waitFor({ state: 'visible' });
      await chat.agentSays('After the HTML.');
      const dom = await w.page.evaluate(() => {
        const root = document.getElementById('chasitor-host').shadowRoot;
        return {
          xss: window.__chasitorXss ?? null,
          elements: root.querySelectorAll('[part~=transcript] img, [part~=transcript] script, [part~=transcript] b, [part~=header] img, [part~=header] script, [part~=header] b').length,
          header: root.querySelector('[part~=header]').textContent,
          names: [...root.querySelectorAll('[part~=message][data-author=agent] .who')].map((e) => e.textContent),
        };
      });
      assert.equal(dom.xss, null, 'no injected script or handler ran');
      assert.equal(dom.elements, 0, 'no injected element in the transcript or header');
      assert.ok(dom.header.includes(`Eve ${evil(1)}`), `the transferred agent's name as literal text in the header: ${dom.header}`);
      assert.ok(dom.names.includes(`<i>Mallory</i>${evil(5)}`), `a message's agent name as literal text: ${JSON.stringify(dom.names)}`);

      // A 1 MB text renders in bounded time and the chat goes on.
      const huge = `BIG ${'0123456789abcdef'.repeat(65_536)}`;
      const started = Date.now();
      await chat.c.message(chat.id, huge);
      chat.expected.push(['agent', huge]);
      const row = ui.message('agent', 'BIG 0123456789abcdef');
      await row.waitFor({ state: 'visible', timeout: 20_000 });
      const length = await row.locator('[part~=text]').evaluate((e) => e.textContent.length);
      const took = Date.now() - started;
      assert.equal(length, huge.length, 'the whole 1 MB text is shown');
      assert.ok(took < 20_000, `the 1 MB text rendered in ${took} ms`);
      await chat.agentSays('After the huge text.');
      await chat.visitorSays('Still here, everything works.');

      // Everything before is still there, in order, each once; one poll at a time throughout.
      const s = await chat.verify('after the bad answers');
      assert.equal(s.state, 'established');
      assert.equal(s.endedBy, null);
      await w.screenshot('after-bad-answers');
    });
  });
});

describe('a visitor text longer than the maximum', () => {
  test('100,000 characters are cut to the maximum with a visible notice and counter; what is sent is the cut text', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'bad input: 100000 characters', async (w) => {
      const chat = await startChat(w, site);
      const { ui } = chat;
      const long = 'abcdefghij'.repeat(10_000); // 100,000 characters
      await ui.composer.fill(long);
      const value = await ui.composer.inputValue();
      assert.equal(value.length, 5000, 'the box holds the first 5000 characters (data-max-message-length default)');
      assert.equal(value, long.slice(0, 5000));
      const notice = w.page.locator('[part~=shortened]');
      await notice.waitFor({ state: 'visible' });
      assert.match(await notice.innerText(), /cut to 5000 characters/);
      const counter = w.page.locator('[part~=counter]');
      assert.match(await counter.innerText(), /^0 characters left$/);
      await w.screenshot('composer-shortened');

      // Shortening the text takes the notice away; pasting again brings it back.
      await ui.composer.press('Backspace');
      await notice.waitFor({ state: 'hidden' });
      assert.match(await counter.innerText(), /^1 characters left$/);
      await ui.composer.fill(long);
      await notice.waitFor({ state: 'visible' });

      await ui.composer.press('Enter');
      await notice.waitFor({ state: 'hidden' });
      const sent = long.slice(0, 5000);
      chat.expected.push(['visitor', sent]);
      chat.visitor.push(sent);
      await chat.delivered(sent);
      await chat.verify('after the long message');
    });
  });
});

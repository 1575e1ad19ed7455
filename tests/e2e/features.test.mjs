// End-to-end tests of issue 7: the site owner's API (window.Chasitor, its command queue and
// events, breadcrumbs), availability and the offline view, agent-side signals (sneak peek,
// transfer, disconnect and pick-up, idle warning), accessibility (axe-core on every stage, focus,
// keyboard), language and look (German, RTL, dark, accent, phones) and what comes after the chat
// (transcript download, sound). Run: node --test --test-concurrency=1 tests/e2e/features.test.mjs
//
// The pages are written next to the widget's files in the same-origin simulator's static folder.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  assertAxe,
  eventually,
  screenshot,
  SCREENSHOTS,
  useEnvironment,
  waitAttr,
  waitText,
  widget,
  widgetReady,
  withPage,
} from './harness.mjs';

const VISITOR = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };
const TEST_TIMEOUT = 180_000;

let env;
let browser;

useEnvironment((e, b) => { env = e; browser = b; });

// ------------------------------------------------------------------------------------------------
// Pages and steps

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * Writes a host page into the same-origin site and returns its URL. `data` adds data-* settings;
 * `sync` loads the loader without `async` (so a script after it finds the stubs); `beforeTag` and
 * `afterTag` are inline scripts around the tag; `htmlDir` sets `<html dir>`.
 */
function page(name, { data = {}, sync = false, beforeTag = '', afterTag = '', htmlDir, lang = 'en', head = '' } = {}) {
  const s = env.same;
  const attrs = {
    endpoint: '/chat/rest', 'org-id': s.cfg.orgId, 'deployment-id': s.cfg.deploymentId, 'button-id': s.buttonId, ...data,
  };
  const dataAttrs = Object.entries(attrs).map(([k, v]) => `data-${k}="${esc(v)}"`).join(' ');
  const html = `<!doctype html>
<html lang="${lang}"${htmlDir ? ` dir="${htmlDir}"` : ''}>
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>${esc(name)}</title>${head}</head>
<body>
  <main><h1>${esc(name)}</h1><p>A page of a site with the chat widget.</p></main>
  ${beforeTag ? `<script>${beforeTag}</script>` : ''}
  <script src="/chasitor.js" ${dataAttrs}${sync ? '' : ' async'}></script>
  ${afterTag ? `<script>${afterTag}</script>` : ''}
</body>
</html>
`;
  fs.writeFileSync(path.join(env.tmp, 'site', `${name}.html`), html);
  return `${s.sim.base}/${name}.html`;
}

async function load(w, url, { state = 'visible' } = {}) {
  const ui = widget(w.page);
  await w.page.goto(url);
  await ui.launcher.waitFor({ state });
  if (state === 'visible') await widgetReady(w.page);
  return ui;
}

/** Opens the window unless it is open already (the open state is kept in sessionStorage). */
async function open(ui) {
  if ((await ui.launcher.getAttribute('aria-expanded')) !== 'true') await ui.launcher.click();
  await waitAttr(ui.launcher, 'aria-expanded', 'true');
}

async function fill(ui) {
  await ui.firstName.fill(VISITOR.firstName);
  await ui.lastName.fill(VISITOR.lastName);
  await ui.email.fill(VISITOR.email);
}

/** Opens, fills, starts and gets the chat queued; returns the session. */
async function queued(ui, client) {
  if ((await ui.launcher.getAttribute('aria-expanded')) !== 'true') await ui.launcher.click();
  await ui.prechat.waitFor({ state: 'visible' });
  await fill(ui);
  await ui.start.click();
  const s = await client.waitForSession((x) => x.state === 'queued', { what: 'the chat to be queued' });
  await ui.queue.waitFor({ state: 'visible' });
  return s;
}

async function established(ui, client, agent = 'Andy L.') {
  const s = await queued(ui, client);
  await client.accept(s.id, agent);
  await ui.composer.waitFor({ state: 'visible' });
  await waitText(ui.window, new RegExp(agent.replace('.', '\\.')), `${agent} in the window`);
  return s;
}

const received = (s, type) => (s.received || []).filter((r) => r.type === type);

// ------------------------------------------------------------------------------------------------

describe('issue 7 features', () => {
  test('window.Chasitor: queued calls replayed, methods, events, breadcrumbs', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'api', async (w) => {
      const c = env.same.client;
      // The loader loads synchronously; the page script right after it calls the API before the
      // wasm is there: the stubs queue the calls and the widget replays them.
      const url = page('api', {
        sync: true,
        afterTag: `
          window.__events = [];
          window.__queuedBeforeWasm = Array.isArray(Chasitor.q);
          ['ready','open','close','chatStarted','agentJoined','message','customEvent','chatEnded','unread','error']
            .forEach(function (n) { Chasitor.on(n, function (d) { window.__events.push([n, d]); }); });
          Chasitor.setPrechat({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
          Chasitor.open();
          window.__queueLength = Chasitor.q.length;`,
      });
      const wasm = [];
      w.page.on('request', (r) => { if (/_bg\.wasm$/.test(r.url())) wasm.push(new URL(r.url()).pathname); });
      const ui = await load(w, url);
      const events = () => w.page.evaluate(() => window.__events);
      const names = async () => (await events()).map(([n]) => n);
      assert.equal(await w.page.evaluate(() => window.__queuedBeforeWasm), true, 'the loader defines the stubs and the queue');
      assert.ok((await w.page.evaluate(() => window.__queueLength)) >= 12, 'the calls were queued');
      await eventually(async () => (await names()).includes('ready'), { what: 'the ready event' });
      // A Live Agent page loads the Live Agent-only build: nothing of Enhanced Chat's.
      assert.ok(wasm.length > 0 && wasm.every((p) => /\/chasitor-liveagent-[0-9a-f]+_bg\.wasm$/.test(p)), `the wasm loaded: ${wasm}`);
      await eventually(async () => (await names()).includes('open'), { what: 'the open event' });
      await waitAttr(ui.launcher, 'aria-expanded', 'true', 'the queued open() to open the window');
      await ui.prechat.waitFor({ state: 'visible' });
      assert.equal(await ui.firstName.inputValue(), 'Ada', 'setPrechat filled the first name');
      assert.equal(await ui.email.inputValue(), 'ada@example.com', 'setPrechat filled the email');
      // Numbers are written as JavaScript writes them (Rust would write 1e21 out in full).
      await w.page.evaluate(() => Chasitor.setPrechat({ firstName: 1e21 }));
      await eventually(async () => (await ui.firstName.inputValue()) === '1e+21', { what: 'a number given to setPrechat' });
      await w.page.evaluate(() => Chasitor.setPrechat({ firstName: 'Ada' }));
      await eventually(async () => (await ui.firstName.inputValue()) === 'Ada', { what: 'the first name again' });
      assert.equal(await w.page.evaluate(() => Chasitor.q.length), 0, 'the queue was replayed and emptied');

      await ui.start.click();
      const s = await c.waitForSession((x) => x.state === 'queued', { what: 'the prefilled chat to be queued' });
      assert.match(s.visitorName, /Ada Lovelace/);
      await eventually(async () => (await names()).includes('chatStarted'), { what: 'chatStarted' });
      await c.accept(s.id, 'Andy L.');
      await eventually(async () => (await events()).some(([n, d]) => n === 'agentJoined' && d.name === 'Andy L.'), { what: 'agentJoined' });
      await c.message(s.id, 'Hello from Andy');
      await eventually(async () => (await events()).some(([n, d]) => n === 'message' && d.author === 'agent' && d.text === 'Hello from Andy'), { what: 'message (agent)' });
      await ui.composer.fill('Hi Andy');
      await ui.composer.press('Enter');
      await eventually(async () => (await events()).some(([n, d]) => n === 'message' && d.author === 'visitor' && d.text === 'Hi Andy'), { what: 'message (visitor)' });
      await c.customEvent(s.id, 'coupon', 'SAVE10');
      await eventually(async () => (await events()).some(([n, d]) => n === 'customEvent' && d.type === 'coupon' && d.data === 'SAVE10'), { what: 'customEvent' });

      // sendCustomEvent reaches the agent; an object is sent as JSON.
      await w.page.evaluate(() => Chasitor.sendCustomEvent('cart', { items: 3 }));
      await c.waitForSession((x) => received(x, 'CustomEvent').some((r) => r.body?.type === 'cart' && r.body?.data === '{"items":3}'),
        { what: 'the CustomEvent "cart" in the simulator' });

      // Breadcrumbs: pushState and popstate send the new URL to the chat's agent.
      await w.page.evaluate(() => history.pushState({}, '', '/api.html?step=checkout'));
      await c.waitForSession((x) => (x.breadcrumbs || []).some((b) => b.location.endsWith('/api.html?step=checkout')),
        { what: 'the pushState breadcrumb' });
      await w.page.evaluate(() => history.back());
      await c.waitForSession((x) => (x.breadcrumbs || []).some((b) => b.location.endsWith('/api.html')),
        { what: 'the popstate breadcrumb' });

      // close(), an agent message while closed (unread), toggle(), endChat().
      await w.page.evaluate(() => Chasitor.close());
      await waitAttr(ui.launcher, 'aria-expanded', 'false', 'close()');
      await eventually(async () => (await names()).includes('close'), { what: 'the close event' });
      await c.message(s.id, 'Still there?');
      await eventually(async () => (await events()).some(([n, d]) => n === 'unread' && d.count === 1), { what: 'unread 1' });
      await w.page.evaluate(() => Chasitor.toggle());
      await waitAttr(ui.launcher, 'aria-expanded', 'true', 'toggle()');
      await w.page.evaluate(() => Chasitor.endChat());
      await ui.ended.waitFor({ state: 'visible' });
      await eventually(async () => (await events()).some(([n, d]) => n === 'chatEnded' && d.reason === 'visitor'), { what: 'chatEnded' });
      await c.waitForSession((x) => x.state === 'ended' && x.endedBy === 'visitor', { what: 'ChatEnd in the simulator' });

      // off() removes a listener; on('ready') after ready calls at once.
      const late = await w.page.evaluate(() => new Promise((resolve) => Chasitor.on('ready', () => resolve(true))));
      assert.equal(late, true);
      await w.screenshot('api-ended');
    });
  });

  test('availability: offline launcher, offline message and contact link, then online with the wait', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'availability', async (w) => {
      const c = env.same.client;
      await c.setButton(env.same.buttonId, { available: false });
      const url = page('availability', {
        data: { 'offline-message': 'We answer from 9 to 5.', 'contact-url': 'https://example.com/contact' },
      });
      const ui = await load(w, url);
      await waitAttr(ui.launcher, 'data-available', 'false', 'the launcher to show offline');
      const log = await c.requests();
      const avail = log.filter((r) => r.path.endsWith('/Visitor/Availability'));
      assert.ok(avail.length >= 1, 'Visitor/Availability on load');
      assert.match(decodeURIComponent(avail[0].query), /Availability\.needEstimatedWaitTime=1/);
      await ui.launcher.click();
      await ui.offline.waitFor({ state: 'visible' });
      await waitText(ui.offline, /We answer from 9 to 5\./, 'the configured offline message');
      const link = w.page.locator('[part~=offline] [part~=contact]');
      assert.equal(await link.getAttribute('href'), 'https://example.com/contact');
      assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
      assert.equal(await ui.prechat.count(), 0, 'no pre-chat form while offline');
      await assertAxe(w, 'offline');
      await w.screenshot('offline');

      // Online again, with a known wait: "Check again" shows the form with "about 2 min".
      await c.setButton(env.same.buttonId, { available: true, estimatedWaitTime: 120 });
      await w.page.locator('[part~=check-again]').click();
      await ui.prechat.waitFor({ state: 'visible' });
      await waitAttr(ui.launcher, 'data-available', 'true', 'the launcher to show online');
      await waitText(w.page.locator('[part~=wait-estimate]'), /about 2 min/, 'the estimated wait before the chat');
      await w.screenshot('online-wait');
    });
  });

  test('agent signals: debounced sneak peek, transfer, disconnect and pick-up, idle warning; sneak peek off', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'agent-signals', async (w) => {
      const c = env.same.client;
      const ui = await load(w, env.same.hostUrl);
      const s = await established(ui, c);
      await ui.composer.click();
      await ui.composer.pressSequentially('Do you ship abroad', { delay: 20 });
      const after = await c.waitForSession((x) => x.id === s.id && x.sneakPeek === 'Do you ship abroad',
        { what: 'the sneak peek with the whole text' });
      const peeks = received(after, 'ChasitorSneakPeek').length;
      assert.ok(peeks >= 1 && peeks <= 3, `sneak peeks are debounced: ${peeks} for 18 keystrokes`);
      await ui.composer.press('Enter');
      await c.waitForSession((x) => received(x, 'ChatMessage').some((r) => r.body?.text === 'Do you ship abroad'), { what: 'the message' });

      await c.transfer(s.id, 'Bea K.');
      await ui.message('system', 'You are now chatting with Bea K.').waitFor({ state: 'visible' });
      await c.disconnect(s.id);
      await ui.message('system', 'The agent left the chat').waitFor({ state: 'visible' });
      await c.accept(s.id, 'Carl M.');
      await ui.message('system', 'Carl M. joined the chat').waitFor({ state: 'visible' });
      await c.message(s.id, 'Carl here.');
      await ui.message('agent', 'Carl here.').waitFor({ state: 'visible' });

      await c.action(s.id, 'idle-warning', { event: 'triggered' });
      const banner = w.page.locator('[part~=window] .banner');
      await waitText(banner, /Are you still there\?/, 'the idle warning');
      await w.screenshot('idle-warning');
      await c.action(s.id, 'idle-warning', { event: 'cleared' });
      await banner.waitFor({ state: 'detached' });
    });

    await withPage(browser, 'sneak-peek-off', async (w) => {
      const c = env.same.client;
      await c.reset();
      const ui = await load(w, page('no-peek', { data: { 'sneak-peek': 'false' } }));
      const s = await established(ui, c);
      await ui.composer.click();
      await ui.composer.pressSequentially('private draft', { delay: 20 });
      await c.waitForSession((x) => x.id === s.id && x.visitorTyping === true, { what: 'ChasitorTyping still goes' });
      await new Promise((r) => setTimeout(r, 800)); // longer than the debounce: a peek would be there now
      const now = await c.session(s.id);
      assert.equal(received(now, 'ChasitorSneakPeek').length, 0, 'no sneak peek with data-sneak-peek="false"');
      assert.equal(now.sneakPeek, null);
    });
  });

  test('accessibility: axe on every stage, focus in and out, Escape, keyboard only', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'a11y', async (w) => {
      const c = env.same.client;
      const ui = await load(w, env.same.hostUrl);
      const { page: pg } = w;
      assert.equal(await ui.launcher.evaluate((e) => e.tagName), 'BUTTON');
      await waitAttr(ui.launcher, 'aria-expanded', 'false');
      await assertAxe(w, 'closed');
      await w.screenshot('closed');

      // Keyboard: focus the launcher, Enter opens, the focus is in the first field.
      await ui.launcher.focus();
      await pg.keyboard.press('Enter');
      await waitAttr(ui.launcher, 'aria-expanded', 'true');
      await eventually(async () => (await pg.evaluate(() => document.querySelector('#chasitor-host').shadowRoot.activeElement?.getAttribute('name'))) === 'firstName',
        { what: 'the focus in the first pre-chat field' });
      assert.equal(await ui.window.getAttribute('role'), 'dialog');
      assert.ok(await ui.window.getAttribute('aria-labelledby'));
      assert.equal(await ui.launcher.getAttribute('aria-expanded'), 'true');
      await assertAxe(w, 'prechat');
      await w.screenshot('prechat');
      // Escape closes and gives the focus back to the launcher.
      await pg.keyboard.press('Escape');
      await waitAttr(ui.launcher, 'aria-expanded', 'false', 'Escape to close');
      await eventually(async () => (await pg.evaluate(() => document.querySelector('#chasitor-host').shadowRoot.activeElement?.getAttribute('part'))) === 'launcher',
        { what: 'the focus back on the launcher' });

      // The whole form by keyboard: Space opens, type, Tab, Enter submits.
      await pg.keyboard.press(' ');
      await waitAttr(ui.launcher, 'aria-expanded', 'true');
      await eventually(async () => (await pg.evaluate(() => document.querySelector('#chasitor-host').shadowRoot.activeElement?.getAttribute('name'))) === 'firstName');
      await pg.keyboard.type('Ada');
      await pg.keyboard.press('Tab');
      await pg.keyboard.type('Lovelace');
      await pg.keyboard.press('Tab');
      await pg.keyboard.type('ada@example.com');
      await pg.keyboard.press('Enter');
      const s = await c.waitForSession((x) => x.state === 'queued', { what: 'the chat queued by keyboard' });
      await ui.queue.waitFor({ state: 'visible' });
      await c.queue(s.id, 2, 60);
      await waitText(ui.queue, /2/);
      await assertAxe(w, 'queue');
      await w.screenshot('queue');
      assert.equal(await ui.transcript.getAttribute('role'), 'log');
      assert.equal(await ui.transcript.getAttribute('aria-live'), 'polite');

      await c.accept(s.id, 'Andy L.');
      await ui.composer.waitFor({ state: 'visible' });
      await c.message(s.id, 'Hello Ada!');
      await ui.message('agent', 'Hello Ada!').waitFor({ state: 'visible' });
      await ui.composer.focus();
      await pg.keyboard.type('Hi!');
      await pg.keyboard.press('Enter');
      await ui.message('visitor', 'Hi!').waitFor({ state: 'visible' });
      await assertAxe(w, 'chat');
      await w.screenshot('chat');

      // End by keyboard: Tab to "End chat"... (focus it), Enter, then the confirm button.
      await ui.end.focus();
      await pg.keyboard.press('Enter');
      await ui.endConfirm.focus();
      await pg.keyboard.press('Enter');
      await ui.ended.waitFor({ state: 'visible' });
      await assertAxe(w, 'ended');
      await w.screenshot('ended');
    });
  });

  test('language and look: German, RTL, dark, accent and launcher size, narrow phone', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'look', async (w) => {
      const { page: pg } = w;
      // German from data-language, a custom accent, launcher size and z-index, left.
      let ui = await load(w, page('german', { data: { language: 'de-DE', accent: '#6b2fbf', 'launcher-size': '64', 'z-index': '1000', position: 'left' } }));
      await waitText(ui.launcher, /Chatten Sie mit uns/, 'the German launcher');
      assert.equal(await ui.launcher.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(107, 47, 191)');
      assert.equal(await ui.launcher.evaluate((e) => e.getBoundingClientRect().height), 64);
      assert.equal(await ui.launcher.evaluate((e) => getComputedStyle(e).zIndex), '1000');
      assert.ok((await ui.launcher.boundingBox()).x < 100, 'left position');
      await open(ui);
      await waitText(ui.prechat, /Chat starten/);
      await assertAxe(w, 'prechat (German)');
      await w.screenshot('german-accent');

      // Light and dark.
      ui = await load(w, page('light', {}));
      await open(ui);
      await ui.prechat.waitFor({ state: 'visible' });
      await copyShot(w, 'light');
      ui = await load(w, page('dark', { data: { theme: 'dark' } }));
      await open(ui);
      await ui.prechat.waitFor({ state: 'visible' });
      assert.equal(await ui.window.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(27, 31, 37)');
      await assertAxe(w, 'prechat (dark)');
      await copyShot(w, 'dark');

      // Right to left from the host page's dir.
      ui = await load(w, page('rtl', { htmlDir: 'rtl', lang: 'ar' }));
      await open(ui);
      await ui.prechat.waitFor({ state: 'visible' });
      assert.equal(await pg.evaluate(() => document.querySelector('#chasitor-host').shadowRoot.querySelector('.chasitor').getAttribute('dir')), 'rtl');
      assert.equal(await ui.window.evaluate((e) => getComputedStyle(e).direction), 'rtl');
      await copyShot(w, 'rtl');

      // A narrow phone: the window fills the screen.
      await pg.setViewportSize({ width: 375, height: 700 });
      // (The launcher hides while the window fills a phone's screen, and the window is still open.)
      ui = await load(w, page('phone', {}), { state: 'attached' });
      await open(ui);
      await ui.prechat.waitFor({ state: 'visible' });
      const box = await ui.window.boundingBox();
      assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 375, 700], 'full screen on a phone');
      await copyShot(w, 'phone');
    });
  });

  test('after the chat: transcript download, sound on a hidden agent message (off by default)', { timeout: TEST_TIMEOUT }, async () => {
    const countBeeps = `
      window.__beeps = 0;
      const Real = window.AudioContext;
      window.AudioContext = function () {
        const ctx = new Real();
        const make = ctx.createOscillator.bind(ctx);
        ctx.createOscillator = function () { const o = make(); const start = o.start.bind(o); o.start = function (t) { window.__beeps++; return start(t); }; return o; };
        return ctx;
      };`;
    await withPage(browser, 'after-chat', async (w) => {
      const c = env.same.client;
      await w.context.addInitScript(countBeeps);
      const ui = await load(w, page('sound', { data: { sound: 'true' } }));
      const s = await established(ui, c);
      await c.message(s.id, 'Your order ships today.');
      await ui.message('agent', 'Your order ships today.').waitFor({ state: 'visible' });
      assert.equal(await w.page.evaluate(() => window.__beeps), 0, 'no beep while the window is open');
      await ui.close.click();
      await c.message(s.id, 'Anything else?');
      await eventually(async () => (await w.page.evaluate(() => window.__beeps)) === 1, { what: 'one beep for the hidden message' });
      await ui.launcher.click();
      await ui.composer.fill('No, thanks!');
      await ui.composer.press('Enter');
      await ui.message('visitor', 'No, thanks!').waitFor({ state: 'visible' });
      await c.end(s.id);
      await ui.ended.waitFor({ state: 'visible' });
      const [download] = await Promise.all([
        w.page.waitForEvent('download'),
        w.page.locator('[part~=download]').click(),
      ]);
      assert.match(download.suggestedFilename(), /^chat-transcript-\d{4}-\d{2}-\d{2}\.txt$/);
      const text = fs.readFileSync(await download.path(), 'utf8');
      assert.match(text, /^Chat transcript\n/);
      assert.match(text, /Andy L\.: Your order ships today\./);
      assert.match(text, /Andy L\.: Anything else\?/);
      assert.match(text, /You: No, thanks!/);
      await w.screenshot('ended-download');
    });

    await withPage(browser, 'no-sound-by-default', async (w) => {
      const c = env.same.client;
      await c.reset();
      await w.context.addInitScript(countBeeps);
      const ui = await load(w, env.same.hostUrl);
      const s = await established(ui, c);
      await ui.close.click();
      await c.message(s.id, 'Hidden message');
      await waitText(ui.unread, /1/, 'the unread count');
      assert.equal(await w.page.evaluate(() => window.__beeps), 0, 'no sound unless data-sound="true"');
    });
  });
});

describe('content security policy', () => {
  test('the README policy: the widget loads and chats under default-src none', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'csp', async (w) => {
      const c = env.same.client;
      const policy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self'; img-src data:";
      const ui = await load(w, page('csp', { head: `<meta http-equiv="Content-Security-Policy" content="${policy}">` }));
      const s = await established(ui, c);
      await c.message(s.id, 'Under a strict policy');
      await ui.message('agent', 'Under a strict policy').waitFor({ state: 'visible' });
      assert.equal(await ui.launcher.evaluate((e) => getComputedStyle(e).position), 'fixed', 'the widget is styled');
      const violations = w.console.filter((m) => /Content Security Policy|Refused to/i.test(m.text));
      assert.deepEqual(violations, [], 'no CSP violation');
    });
  });
});

/** A screenshot of the layouts the issue asks for, under a stable name. */
async function copyShot(w, layout) {
  await screenshot(w.page, `layout-${layout}`);
  assert.ok(fs.existsSync(path.join(SCREENSHOTS, `layout-${layout}.png`)));
}

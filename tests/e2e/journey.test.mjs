// End-to-end tests of the widget (issue 5, item 4): the trunk build on generated host pages, served
// by the LiveAgent simulator, driven in headless Chromium with playwright-core; the agent's side is
// played through the simulator's control API. Run: node --test --test-concurrency=1 tests/e2e/
//
// Every wait is bounded and waits for an observable condition (a part of the widget, an attribute,
// the simulator's state); screenshots of each stage land in $CHASITOR_TEST_OUTPUT/screenshots/.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertAxe, eventually, useEnvironment, waitAttr, waitText, widget, widgetReady, withPage } from './harness.mjs';

const VISITOR = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };
const TEST_TIMEOUT = 180_000;

let env;
let browser;

useEnvironment((e, b) => { env = e; browser = b; });

// ------------------------------------------------------------------------------------------------
// Steps shared by the tests

/** Loads the host page and waits for the widget's launcher, closed. */
async function loadPage(w, url) {
  const ui = widget(w.page);
  await w.page.goto(url);
  await ui.launcher.waitFor({ state: 'visible' });
  // The loader's early launcher first, then the widget's own: the tests read the widget's.
  await widgetReady(w.page);
  await waitAttr(ui.launcher, 'aria-expanded', 'false', 'the launcher to start closed');
  return ui;
}

/** Opens the launcher: the window with the pre-chat form shows. */
async function openLauncher(ui) {
  await ui.launcher.click();
  await waitAttr(ui.launcher, 'aria-expanded', 'true', 'the launcher to say the window is open');
  await ui.window.waitFor({ state: 'visible' });
  await ui.prechat.waitFor({ state: 'visible' });
}

async function fillPrechat(ui, v = VISITOR) {
  await ui.firstName.fill(v.firstName);
  await ui.lastName.fill(v.lastName);
  await ui.email.fill(v.email);
}

/** Submits the pre-chat form and waits for the chat to be queued in the simulator. */
async function submitPrechat(ui, client) {
  await ui.start.click();
  const s = await client.waitForSession((x) => x.state === 'queued', { what: 'the chat to be queued in the simulator' });
  await ui.queue.waitFor({ state: 'visible' });
  return s;
}

/** The agent accepts: the queue view goes, the composer shows, the agent's name is on screen. */
async function accept(ui, client, id, agentName) {
  await client.accept(id, agentName);
  await ui.queue.waitFor({ state: 'hidden' });
  await ui.composer.waitFor({ state: 'visible' });
  await waitText(ui.window, new RegExp(escapeRe(agentName)), `the agent's name ${agentName} in the chat window`);
}

/** Loads, opens, fills the pre-chat form, submits, gets accepted. Returns the session. */
async function startChat(w, site, agentName = 'Andy L.') {
  const ui = await loadPage(w, site.hostUrl);
  await openLauncher(ui);
  await fillPrechat(ui);
  const s = await submitPrechat(ui, site.client);
  await accept(ui, site.client, s.id, agentName);
  return { ui, id: s.id };
}

/**
 * The agent types (the indicator shows), stops (it goes), then sends `text`, which appears once in
 * the transcript as an agent message.
 */
async function agentSays(w, ui, client, id, text, { typing = true, shot } = {}) {
  if (typing) {
    await client.typing(id, true);
    await ui.typing.waitFor({ state: 'visible' });
    if (shot) await w.screenshot(`${shot}-agent-typing`);
    await client.typing(id, false);
    await ui.typing.waitFor({ state: 'hidden' });
  }
  await client.message(id, text);
  // waitFor is strict: two rows with this text (a duplicate) fail here.
  await ui.message('agent', text).waitFor({ state: 'visible' });
}

/**
 * The visitor types `text` in the composer and presses Enter: the box empties, the row shows as
 * sent, and the simulator has processed the ChatMessage.
 */
async function visitorSays(ui, client, id, text, { checkTyping = false } = {}) {
  await ui.composer.click();
  await ui.composer.pressSequentially(text);
  if (checkTyping) {
    // The visitor's typing reaches the agent (ChasitorTyping, debounced) before the message is sent.
    await client.waitForSession((s) => s.id === id && s.visitorTyping === true, { what: 'ChasitorTyping to reach the simulator' });
  }
  await ui.composer.press('Enter');
  await sentAndReceived(ui, client, id, text);
}

async function sentAndReceived(ui, client, id, text) {
  await eventually(async () => (await ui.composer.inputValue()) === '', { what: 'the composer to empty after Enter' });
  const row = ui.message('visitor', text.split('\n')[0]);
  await row.waitFor({ state: 'visible' });
  await waitAttr(row, 'data-status', 'sent', `the visitor message ${JSON.stringify(text)} to show as sent`);
  await client.waitForSession(
    (s) => s.id === id && s.received.some((r) => r.type === 'ChatMessage' && r.body?.text === text),
    { what: `the simulator to receive the visitor message ${JSON.stringify(text)}` },
  );
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const norm = (s) => s.replace(/\s+/g, ' ').trim();
const withoutSystem = (rows) => rows.filter(([author]) => author !== 'system');
const visitorTexts = (s) => s.received.filter((r) => r.type === 'ChatMessage').map((r) => r.body?.text);

async function storageKeys(page) {
  return page.evaluate(() => Object.keys(window.sessionStorage));
}

// ------------------------------------------------------------------------------------------------

describe('chasitor end to end', () => {
  test('same origin: the whole chat, with a reload in the middle', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'journey', async (w) => {
      const { page } = w;
      const c = env.same.client;
      const ui = await loadPage(w, env.same.hostUrl);
      await w.screenshot('launcher');

      // Open, pre-chat.
      await openLauncher(ui);
      await w.screenshot('prechat');
      await fillPrechat(ui);
      await w.screenshot('prechat-filled');

      // Queued, with the visitor's name and pre-chat details.
      const queued = await submitPrechat(ui, c);
      const id = queued.id;
      assert.match(queued.visitorName ?? '', /Ada/, 'visitorName comes from the pre-chat form');
      const values = (queued.prechatDetails ?? []).map((d) => d.value);
      for (const v of Object.values(VISITOR)) {
        assert.ok(values.includes(v), `prechatDetails carry ${v}: ${JSON.stringify(queued.prechatDetails)}`);
      }
      await w.screenshot('queued');

      // A queue update: position 3, about 2 minutes.
      await c.queue(id, 3, 120);
      await waitText(ui.queue, /(^|\D)3(\D|$)/, 'the queue position 3');
      await waitText(ui.queue, /2\s*min/, 'the estimated wait of about 2 min');
      await w.screenshot('queue-position');

      // Accepted by Andy L.
      await accept(ui, c, id, 'Andy L.');
      await w.screenshot('accepted');

      const a = ['Hello Ada, this is Andy. How can I help?', 'Which size do you need?', 'Size 42 is in stock.'];
      const v = ['Hi Andy! I have a question about boots.', 'Size 42, please.', 'Great, thank you!\nOne more thing'];
      const expected = [];

      // Two messages each way, with the agent's typing shown and hidden, and the visitor's typing
      // reaching the agent.
      await agentSays(w, ui, c, id, a[0], { shot: 'message-1' });
      expected.push(['agent', a[0]]);
      await visitorSays(ui, c, id, v[0], { checkTyping: true });
      expected.push(['visitor', v[0]]);
      await w.screenshot('exchange-1');
      await agentSays(w, ui, c, id, a[1]);
      expected.push(['agent', a[1]]);
      await visitorSays(ui, c, id, v[1]);
      expected.push(['visitor', v[1]]);
      await w.screenshot('exchange-2');

      // The session is in sessionStorage, under chasitor: keys only.
      const keys = await storageKeys(page);
      assert.ok(keys.length > 0, 'the chat is kept in sessionStorage');
      for (const k of keys) assert.ok(k.startsWith('chasitor:'), `sessionStorage key ${k} starts with chasitor:`);

      // Reload in the middle of the chat: the same transcript, the window still open, the chat goes on.
      const before = await ui.rows();
      assert.deepEqual(withoutSystem(before), expected, 'the transcript before the reload');
      await page.reload();
      await ui.launcher.waitFor({ state: 'visible' });
      await ui.transcript.waitFor({ state: 'visible' });
      let afterReload;
      try {
        afterReload = await ui.waitRows((rows) => assert.deepEqual(rows, before), 'the same transcript after the reload');
      } catch (e) {
        e.message += `\nbefore the reload: ${JSON.stringify(before)}`;
        throw e;
      }
      assert.deepEqual(afterReload, before);
      await waitAttr(ui.launcher, 'aria-expanded', 'true', 'the window to reopen open after the reload');
      await ui.composer.waitFor({ state: 'visible' });
      assert.equal(await ui.prechat.count(), 0, 'no pre-chat form after the reload');
      await w.screenshot('after-reload');

      // The third message each way, after the reload; the visitor's is two lines (Shift+Enter).
      await agentSays(w, ui, c, id, a[2], { shot: 'message-3' });
      expected.push(['agent', a[2]]);
      const [line1, line2] = v[2].split('\n');
      await ui.composer.click();
      await ui.composer.pressSequentially(line1);
      await ui.composer.press('Shift+Enter');
      await ui.composer.pressSequentially(line2);
      assert.equal(await ui.composer.inputValue(), v[2], 'Shift+Enter makes a new line in the composer');
      await ui.composer.press('Enter');
      await sentAndReceived(ui, c, id, v[2]);
      expected.push(['visitor', norm(v[2])]);
      await w.screenshot('exchange-3');

      // Transferred to Ryan S.: shown in the transcript; Ryan answers.
      await c.transfer(id, 'Ryan S.');
      await ui.message('system', 'Ryan S.').waitFor({ state: 'visible' });
      await w.screenshot('transferred');
      const r = 'Hi, Ryan here. I can help with returns.';
      await agentSays(w, ui, c, id, r, { typing: false });
      expected.push(['agent', r]);

      // The whole transcript, in order, each message once.
      const rows = await ui.rows();
      assert.deepEqual(withoutSystem(rows), expected, 'the transcript after the transfer');

      // The visitor ends the chat.
      await ui.end.click();
      await ui.endConfirm.waitFor({ state: 'visible' });
      await w.screenshot('end-confirm');
      await ui.endConfirm.click();
      await ui.ended.waitFor({ state: 'visible' });
      await ui.newChat.waitFor({ state: 'visible' });
      await ui.composer.waitFor({ state: 'hidden' });
      await w.screenshot('ended');

      // The simulator's view: every visitor message exactly once, in order, across the reload; one
      // ChatEnd with the client reason; never two long polls at once.
      const s = await c.waitForSession((x) => x.id === id && x.state === 'ended', { what: 'the chat to end in the simulator' });
      assert.deepEqual(visitorTexts(s), v, 'the visitor messages the simulator received, in order, once each');
      const ends = s.received.filter((x) => x.type === 'ChatEnd');
      assert.equal(ends.length, 1, `one ChatEnd: ${JSON.stringify(ends)}`);
      assert.deepEqual(ends[0].body, { type: 'ChatEndReason', reason: 'client' });
      assert.equal(s.maxOpenPolls, 1, 'at most one long poll open at any time');
      assert.equal(s.received.filter((x) => x.type === 'ChasitorInit').length, 1, 'one ChasitorInit');
    });
  });

  test('the agent ends the chat', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'agent-ends', async (w) => {
      const c = env.same.client;
      const { ui, id } = await startChat(w, env.same);
      await agentSays(w, ui, c, id, 'Anything else I can do?', { typing: false });
      await visitorSays(ui, c, id, 'No, that was all.');
      await w.screenshot('chatting');

      await c.end(id);
      await ui.ended.waitFor({ state: 'visible' });
      const text = await waitText(ui.ended, /ended/i, 'the ended view');
      assert.match(text, /agent|Andy L\./i, `the ended view says the agent ended the chat: ${JSON.stringify(text)}`);
      await ui.composer.waitFor({ state: 'hidden' });
      await w.screenshot('ended-by-agent');

      const s = await c.waitForSession((x) => x.id === id && x.state === 'ended');
      assert.equal(s.received.filter((x) => x.type === 'ChatEnd').length, 0, 'the visitor sent no ChatEnd');
      assert.equal(s.maxOpenPolls, 1, 'at most one long poll open at any time');

      // A new chat starts from the pre-chat form.
      await ui.newChat.click();
      await ui.prechat.waitFor({ state: 'visible' });
      await w.screenshot('new-chat');
    });
  });

  test('the button is unavailable: ChatRequestFail shows the offline view', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'offline', async (w) => {
      const c = env.same.client;
      const ui = await loadPage(w, env.same.hostUrl);
      await openLauncher(ui);
      await fillPrechat(ui);
      // No agent is online any more when the visitor asks for a chat.
      await c.setButton(env.same.buttonId, { available: false });
      await ui.start.click();

      const s = await c.waitForSession((x) => x.state === 'ended', { what: 'the chat request to fail in the simulator' });
      assert.equal(s.received.filter((x) => x.type === 'ChasitorInit').length, 1, 'the widget sent ChasitorInit');
      await ui.offline.waitFor({ state: 'visible' });
      await ui.composer.waitFor({ state: 'hidden' });
      await ui.queue.waitFor({ state: 'hidden' });
      await w.screenshot('offline');
    });
  });

  test('cross origin: the widget and /chat/rest on another origin than the page', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'cross-origin', async (w) => {
      const x = env.cross;
      const c = x.client;
      const { ui, id } = await startChat(w, x);
      assert.equal(new URL(w.page.url()).origin, x.pageOrigin);
      await w.screenshot('accepted');
      await agentSays(w, ui, c, id, 'Hello from another origin.', { shot: 'cross' });
      await visitorSays(ui, c, id, 'Hello back across origins.');
      await w.screenshot('chatting');
      // All the chat went to the widget's origin; the page's server saw no chat.
      assert.deepEqual(await x.pageClient.sessions(), []);
      const s = await c.waitForSession((y) => y.id === id);
      assert.deepEqual(visitorTexts(s), ['Hello back across origins.']);
    });
  });

  test('agent text with HTML shows as literal text; web addresses become safe links', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'xss', async (w) => {
      const c = env.same.client;
      const { ui, id } = await startChat(w, env.same);
      const texts = ['<img src=x onerror=alert(1)>', '<script>alert(2)</script>'];
      for (const t of texts) {
        await c.message(id, t);
      }
      // A plain message after them: once it shows, the two before it have been rendered (and an
      // image error handler would have had its chance to run).
      await c.message(id, 'That was a test of the transcript.');
      await ui.message('agent', 'That was a test of the transcript.').waitFor({ state: 'visible' });
      const agentRows = (await ui.rows()).filter(([author]) => author === 'agent').map(([, t]) => t);
      assert.deepEqual(agentRows, [...texts, 'That was a test of the transcript.']);
      assert.equal(await ui.transcript.locator('img[src=x]').count(), 0, 'no <img> made from the agent text');
      assert.equal(await ui.transcript.locator('script', { hasText: 'alert(2)' }).count(), 0, 'no <script> made from the agent text');

      // The visitor's own markup is literal too.
      await visitorSays(ui, c, id, '<b>bold?</b>');
      assert.equal(await ui.transcript.locator('b', { hasText: 'bold?' }).count(), 0, 'no <b> made from the visitor text');
      assert.equal(await ui.message('visitor', '<b>bold?</b>').count(), 1);
      assert.deepEqual(w.dialogs, [], 'no dialog');
      await w.screenshot('literal-html');

      // Web addresses become links: http(s) only, as written, in a new tab without an opener;
      // the text reads as it was sent.
      const page = env.same.hostUrl;
      const said = `Track it at ${page}?id=42. Not javascript:alert(3) or (see https://example.com/a_(b)).`;
      await c.message(id, said);
      const row = ui.message('agent', 'Track it at');
      await row.waitFor({ state: 'visible' });
      const links = (row) => row.locator('a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.target, a.rel, a.textContent]));
      assert.deepEqual(await links(row), [
        [`${page}?id=42`, '_blank', 'noopener noreferrer', `${page}?id=42`],
        ['https://example.com/a_(b)', '_blank', 'noopener noreferrer', 'https://example.com/a_(b)'],
      ]);
      assert.equal(await row.locator('[part~=text]').textContent(), said);
      const [tab] = await Promise.all([w.page.waitForEvent('popup'), row.locator('a').first().click()]);
      await tab.waitForLoadState();
      assert.equal(tab.url(), `${page}?id=42`);
      assert.equal(await tab.evaluate(() => window.opener), null, 'the opened page has no handle on this one');
      await tab.close();
      await visitorSays(ui, c, id, 'Mine: https://shop.example/cart');
      assert.deepEqual(await links(ui.message('visitor', 'Mine:')), [
        ['https://shop.example/cart', '_blank', 'noopener noreferrer', 'https://shop.example/cart'],
      ]);
      await w.screenshot('links');
    });
  });

  test('a hostile host page (* { all: unset }, button { display: none !important }) still shows a working widget', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'hostile-css', async (w) => {
      const c = env.same.client;
      const ui = await loadPage(w, env.same.hostileUrl);
      // The host page's CSS is in force on its own elements...
      assert.equal(await w.page.locator('body > button').isVisible(), false, "the host page's CSS hides its own buttons");
      // ...but not on the widget.
      const box = await ui.launcher.boundingBox();
      assert.ok(box && box.width > 0 && box.height > 0, `the launcher has a size: ${JSON.stringify(box)}`);
      const vp = w.page.viewportSize();
      assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= vp.width && box.y + box.height <= vp.height,
        `the launcher is inside the viewport: ${JSON.stringify(box)}`);
      await w.screenshot('launcher');

      await openLauncher(ui);
      const win = await ui.window.boundingBox();
      assert.ok(win && win.width > 0 && win.height > 0, `the window has a size: ${JSON.stringify(win)}`);
      await fillPrechat(ui);
      const s = await submitPrechat(ui, c);
      await accept(ui, c, s.id, 'Andy L.');
      await agentSays(w, ui, c, s.id, 'Hello despite the host CSS.', { typing: false });
      await visitorSays(ui, c, s.id, 'It works here too.');
      await w.screenshot('chatting');
    });
  });

  test('pre-chat checks: required fields and the email address, no chat until they pass', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'prechat-checks', async (w) => {
      const c = env.same.client;
      const ui = await loadPage(w, env.same.hostUrl);
      await openLauncher(ui);
      const invalid = (name) => w.page.locator(`[part~=prechat] input[name=${name}][aria-invalid=true]`);

      // Empty: the required first name and email are flagged, nothing is sent.
      await ui.start.click();
      await invalid('firstName').waitFor({ state: 'visible' });
      await invalid('email').waitFor({ state: 'visible' });
      await w.screenshot('required');
      // A bad email address is flagged too.
      await fillPrechat(ui, { ...VISITOR, email: 'not-an-address' });
      await ui.start.click();
      await invalid('email').waitFor({ state: 'visible' });
      assert.equal(await invalid('firstName').count(), 0, 'the filled first name is no longer flagged');
      await w.screenshot('bad-email');
      assert.deepEqual(await c.sessions(), [], 'no chat requested while the form has problems');
      await ui.prechat.waitFor({ state: 'visible' });

      // Fixed: one chat request.
      await ui.email.fill(VISITOR.email);
      const s = await submitPrechat(ui, c);
      assert.equal(s.received.filter((x) => x.type === 'ChasitorInit').length, 1);
      assert.ok(s.prechatDetails.some((d) => d.value === VISITOR.email));
    });
  });

  test('no queue position from the server: a plain waiting message', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'queue-waiting', async (w) => {
      const c = env.same.client;
      // Routing that does not track positions reports 0, and no estimated wait.
      await c.setButton(env.same.buttonId, { queuePosition: 0, estimatedWaitTime: -1 });
      const ui = await loadPage(w, env.same.hostUrl);
      await openLauncher(ui);
      await fillPrechat(ui);
      await submitPrechat(ui, c);
      const text = await waitText(ui.queue, /waiting/i, 'a plain waiting message');
      assert.doesNotMatch(text, /\d/, `no position or wait shown: ${JSON.stringify(text)}`);
      await w.screenshot('waiting');
    });
  });

  test('the agent disconnects, another agent picks the chat up', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'agent-disconnect', async (w) => {
      const c = env.same.client;
      const { ui, id } = await startChat(w, env.same);
      await agentSays(w, ui, c, id, 'Let me check.', { typing: false });
      await c.disconnect(id);
      await ui.message('system', 'left').waitFor({ state: 'visible' });
      await w.screenshot('agent-left');
      await c.accept(id, 'Mia K.');
      await ui.message('system', 'Mia K.').waitFor({ state: 'visible' });
      await agentSays(w, ui, c, id, 'Mia here, I have your answer.', { typing: false });
      await visitorSays(ui, c, id, 'Thanks, Mia.');
      await w.screenshot('picked-up');
      const rows = withoutSystem(await ui.rows());
      assert.deepEqual(rows, [['agent', 'Let me check.'], ['agent', 'Mia here, I have your answer.'], ['visitor', 'Thanks, Mia.']]);
    });
  });

  test('minimised: unread agent messages are counted, a reload keeps it minimised', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'unread', async (w) => {
      const c = env.same.client;
      const { ui, id } = await startChat(w, env.same);
      await agentSays(w, ui, c, id, 'Welcome!', { typing: false });

      // Minimise with the window's close control.
      await ui.close.click();
      await waitAttr(ui.launcher, 'aria-expanded', 'false', 'the launcher to say the window is closed');
      await ui.window.waitFor({ state: 'hidden' });
      await c.message(id, 'Are you still there?');
      await waitText(ui.unread, /(^|\D)1(\D|$)/, 'an unread count of 1');
      await c.message(id, 'I will wait.');
      await waitText(ui.unread, /(^|\D)2(\D|$)/, 'an unread count of 2');
      await w.screenshot('unread');

      // A reload keeps the chat minimised.
      await w.page.reload();
      await ui.launcher.waitFor({ state: 'visible' });
      await waitAttr(ui.launcher, 'aria-expanded', 'false', 'the window to stay minimised after the reload');
      assert.equal(await ui.window.isVisible(), false);

      // Opening shows both messages, once each, and clears the count.
      await ui.launcher.click();
      await waitAttr(ui.launcher, 'aria-expanded', 'true');
      await ui.message('agent', 'Are you still there?').waitFor({ state: 'visible' });
      await ui.message('agent', 'I will wait.').waitFor({ state: 'visible' });
      await ui.unread.waitFor({ state: 'hidden' });
      const agentRows = (await ui.rows()).filter(([author]) => author === 'agent').map(([, t]) => t);
      assert.deepEqual(agentRows, ['Welcome!', 'Are you still there?', 'I will wait.']);
      await visitorSays(ui, c, id, 'Yes, sorry!');
      await w.screenshot('reopened');
    });
  });

  test('what the visitor typed and did not send is still in the composer after a reload', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'draft', async (w) => {
      const c = env.same.client;
      const { ui, id } = await startChat(w, env.same);
      await ui.composer.click();
      await ui.composer.pressSequentially('My order number is 4');
      await w.page.reload();
      await widgetReady(w.page);
      await ui.composer.waitFor({ state: 'visible' });
      await eventually(async () => (await ui.composer.inputValue()) === 'My order number is 4', { what: 'the draft back in the composer' });
      // Finished and sent as one message.
      await ui.composer.pressSequentially('2');
      await ui.composer.press('Enter');
      await sentAndReceived(ui, c, id, 'My order number is 42');
      // Sent: the next reload finds the composer empty.
      await w.page.reload();
      await widgetReady(w.page);
      await ui.message('visitor', 'My order number is 42').waitFor({ state: 'visible' });
      assert.equal(await ui.composer.inputValue(), '');
    });
  });

  test('reading earlier messages: new ones do not scroll them away; "New messages" and sending go to the newest', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'scroll', async (w) => {
      const c = env.same.client;
      const { ui, id } = await startChat(w, env.same);
      const newer = ui.page.locator('[part~=transcript] [part~=newer]');
      // How far the transcript is from its bottom, once the next frame is drawn.
      const gap = () => ui.transcript.evaluate((el) => new Promise((done) => requestAnimationFrame(
        () => requestAnimationFrame(() => done(el.scrollHeight - el.scrollTop - el.clientHeight)))));
      const atBottom = (what) => eventually(async () => (await gap()) <= 2, { what });

      // Enough rows to scroll; following the newest all along.
      for (let i = 1; i <= 14; i++) await c.message(id, `Line ${i} of a long answer.`);
      await ui.message('agent', 'Line 14 of a long answer.').waitFor({ state: 'visible' });
      await atBottom('the transcript to follow the newest row');
      assert.ok(await ui.transcript.evaluate((el) => el.scrollHeight > el.clientHeight * 1.5), 'the transcript scrolls');
      assert.equal(await newer.count(), 0);

      // The visitor scrolls up to read: an agent message arrives and the transcript stays put.
      await ui.transcript.hover();
      await w.page.mouse.wheel(0, -10_000);
      await eventually(async () => (await ui.transcript.evaluate((el) => el.scrollTop)) === 0, { what: 'the transcript scrolled to the top' });
      await c.message(id, 'One more thing.');
      await ui.message('agent', 'One more thing.').waitFor({ state: 'attached' });
      await newer.waitFor({ state: 'visible' });
      assert.equal(await ui.transcript.evaluate((el) => el.scrollTop), 0, 'the rows the visitor reads stay in place');
      await w.screenshot('new-messages');
      await assertAxe(w, 'new messages');

      // "New messages" takes them to the newest row, and goes.
      await newer.click();
      await atBottom('"New messages" to scroll to the newest row');
      await newer.waitFor({ state: 'detached' });
      assert.ok(await ui.composer.evaluate((el) => el.getRootNode().activeElement === el), 'the focus moved on to the composer');

      // Reading earlier rows again: the visitor's own message brings the transcript to it.
      await w.page.mouse.wheel(0, -10_000);
      await eventually(async () => (await ui.transcript.evaluate((el) => el.scrollTop)) === 0, { what: 'the transcript scrolled to the top again' });
      await visitorSays(ui, c, id, 'Got it.');
      await atBottom('the visitor\'s message to bring the transcript to the newest row');
      assert.equal(await newer.count(), 0);
    });
  });
});

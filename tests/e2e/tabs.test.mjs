// One poller per chat across tabs (issue 6, item 2): a duplicated tab (its sessionStorage copied)
// must not open a second long poll, which would make the server answer 409 and end the chat. The
// second tab shows "This chat is open in another tab" with "Continue here", which moves the chat
// over cleanly; messages keep flowing both ways in whichever tab has it, none lost or doubled.
//
// Two pages in one browser context (Chromium's "duplicate tab" is not scriptable headless): the
// second page gets a copy of the first one's sessionStorage through an init script, exactly what
// a duplicated tab starts with. Run: node --test --test-concurrency=1 tests/e2e/tabs.test.mjs

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { widget, withPage } from './harness.mjs';
import { startChat, useSites } from './fault-kit.mjs';

const TEST_TIMEOUT = 180_000;
const HOLD_SECONDS = 2;

let site;
let browser;

useSites([{ name: 'tabs', holdSeconds: HOLD_SECONDS }], (e, b) => {
  site = e.sims.tabs;
  browser = b;
});

/** The widget's parts of this feature, on top of the harness's. */
function tabUi(page) {
  const ui = widget(page);
  ui.otherTab = page.locator('[part~=other-tab]');
  ui.continueHere = page.locator('[part~=continue-here]');
  return ui;
}

/** Watches a second page the way the harness watches the first: page errors and panics fail. */
function watchPage(page, label) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`${label}: uncaught page error: ${e.stack || e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /panicked|RuntimeError|unreachable/i.test(m.text())) problems.push(`${label}: panic: ${m.text()}`);
  });
  return () => assert.deepEqual(problems, [], problems.join('\n'));
}

/** A second page of the same context starting with a copy of `page`'s sessionStorage. */
async function duplicate(w, page) {
  const storage = await page.evaluate(() => Object.fromEntries(Object.entries(window.sessionStorage)));
  assert.ok(storage['chasitor:snapshot'], 'the first tab has a saved chat to duplicate');
  const copy = await w.context.newPage();
  await copy.addInitScript((st) => {
    // Only the first load: a duplicated tab's copy, then its own storage (as in a real tab).
    if (window.sessionStorage.getItem('chasitor:snapshot') === null) {
      for (const [k, v] of Object.entries(st)) window.sessionStorage.setItem(k, v);
    }
  }, storage);
  await copy.goto(site.hostUrl);
  return copy;
}

/** The simulator never held two polls of the chat, never answered 409 and the chat is alive. */
async function assertOnePoller(chat, what) {
  const s = await chat.session();
  assert.equal(s.maxOpenPolls, 1, `${what}: one long poll at a time (maxOpenPolls ${s.maxOpenPolls})`);
  assert.equal(s.endedBy, null, `${what}: the chat is not ended (endedBy ${s.endedBy})`);
  assert.equal(s.state, 'established', `${what}: the chat is established`);
  const conflicts = (await site.client.requests()).filter((r) => r.status === 409);
  assert.deepEqual(conflicts, [], `${what}: no request answered 409`);
}

/** The tab showing the notice has no composer and no transcript of its own. */
async function showsNotice(ui, what) {
  await ui.otherTab.waitFor({ state: 'visible' });
  await ui.continueHere.waitFor({ state: 'visible' });
  assert.match(await ui.otherTab.innerText(), /open in another tab/i, `${what}: the notice's text`);
  assert.equal(await ui.composer.count(), 0, `${what}: no composer while another tab has the chat`);
}

describe('one poller per chat across tabs', () => {
  test('a duplicated tab shows the notice; "Continue here" moves the chat back and forth', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'tabs: duplicated tab and continue here', async (w) => {
      const chat = await startChat(w, site);
      const uiA = chat.ui;
      await chat.agentSays('Hello, how can I help?');
      await chat.visitorSays('My order did not arrive.');

      // Duplicate the tab: the copy finds the chat owned by the first tab.
      const pageB = await duplicate(w, w.page);
      const cleanB = watchPage(pageB, 'tab B');
      const uiB = tabUi(pageB);
      await showsNotice(uiB, 'the duplicated tab');
      await w.screenshot('duplicate-shows-notice').catch(() => {});

      // The first tab goes on as if nothing happened; the copy never polls.
      await chat.agentSays('Let me check that for you.');
      await chat.visitorSays('Thanks, order 4711.');
      await chat.verify('tab A after the duplicate');
      // Longer than a hold: a second poller would have collided by now.
      await pageB.waitForTimeout(HOLD_SECONDS * 1000 + 500);
      await assertOnePoller(chat, 'with the duplicate open');

      // Continue in the copy: the first tab lets go and shows the notice.
      await uiB.continueHere.click();
      await tabUi(w.page).otherTab.waitFor({ state: 'visible' });
      await showsNotice(tabUi(w.page), 'the first tab after "continue here" in the copy');
      chat.ui = uiB;
      await uiB.composer.waitFor({ state: 'visible' });
      await chat.verify('tab B after taking over');
      await chat.agentSays('Found it: it ships tomorrow.');
      await chat.visitorSays('Great, written in tab B.');
      await chat.verify('tab B');
      await assertOnePoller(chat, 'after moving to tab B');

      // And back to the first tab.
      await tabUi(w.page).continueHere.click();
      await showsNotice(uiB, 'tab B after "continue here" in tab A');
      chat.ui = uiA;
      await uiA.composer.waitFor({ state: 'visible' });
      await chat.agentSays('Anything else?');
      await chat.visitorSays('No, that is all. Back in tab A.');
      const s = await chat.verify('tab A again');
      await assertOnePoller(chat, 'after moving back to tab A');

      // Nothing lost, nothing doubled on the agent's side either: every agent message was
      // delivered once (the transcript check above is strict), every visitor message received once.
      assert.deepEqual(
        s.received.filter((r) => r.type === 'ChatMessage').map((r) => r.body.text),
        chat.visitor,
      );
      cleanB();
      await pageB.close();
    });
  });

  test('a reloaded duplicate still defers; closing the owner lets the copy continue with the latest state', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'tabs: reload duplicate, close owner', async (w) => {
      const chat = await startChat(w, site);
      await chat.agentSays('Welcome!');
      const pageB = await duplicate(w, w.page);
      const cleanB = watchPage(pageB, 'tab B');
      const uiB = tabUi(pageB);
      await showsNotice(uiB, 'the duplicated tab');
      await pageB.reload();
      await showsNotice(uiB, 'the duplicated tab after a reload');

      // The owner goes on (its ack moves past the copy's), then closes without handing over.
      await chat.agentSays('A message after the copy was made.');
      await chat.visitorSays('Reply from tab A.');
      await chat.agentSays('And one more.');
      await assertOnePoller(chat, 'before closing the owner');
      const ownerPage = w.page;
      await ownerPage.close({ runBeforeUnload: true });

      // The copy continues with the state the owner left: its ack is current (an old one gets 409).
      chat.ui = uiB;
      await uiB.continueHere.click();
      await uiB.composer.waitFor({ state: 'visible' });
      await chat.verify('tab B after the owner closed');
      await chat.agentSays('Still with you in the other tab.');
      await chat.visitorSays('Thanks, tab B works.');
      await chat.verify('tab B');
      await assertOnePoller(chat, 'after the owner closed');
      cleanB();
      // withPage closes the context (and tab B with it).
    });
  });
});

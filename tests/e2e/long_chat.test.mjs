// A long chat (issue 8): the transcript keeps only the newest chunks of rows in the page (a few
// hundred), says how many rows there are in all (data-rows), and "Show earlier messages" brings the
// rest back; once the visitor has asked for them, new messages hide nothing.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, launchBrowser, startSite, widget, withPage } from './harness.mjs';

const AGENT_MESSAGES = 620; // 6 chunks of 100 rows and more: more than the widget keeps in the page
const KEPT_ROWS = 500; // SHOWN_CHUNKS (5) × ROWS_PER_CHUNK (100), src/ui/chat.rs

let sim;
let browser;

before(async () => {
  sim = await startSite({ name: 'long-chat' });
  browser = await launchBrowser();
}, { timeout: 10 * 60_000 });

after(async () => {
  await browser?.close().catch(() => {});
  await sim?.stop();
});

test('a long chat keeps the newest rows in the page; "Show earlier messages" brings back the rest', { timeout: 180_000 }, async () => {
  await withPage(browser, 'long-chat', async (w) => {
    const pg = w.page;
    const c = sim.client;
    const ui = widget(pg);
    await pg.goto(sim.page('long'));
    await ui.launcher.click();
    await ui.firstName.fill('Ada');
    await ui.email.fill('ada@example.com');
    await ui.start.click();
    const s = await c.waitForSession((x) => x.state === 'queued', { what: 'the chat to be queued' });
    await c.accept(s.id, 'Andy L.');
    await ui.composer.waitFor({ state: 'visible' });

    // The agent sends many messages, a few at a time.
    let next = 0;
    const worker = async () => {
      while (next < AGENT_MESSAGES) {
        const i = next++;
        await c.message(s.id, `line ${i}`);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    const last = `line ${AGENT_MESSAGES - 1}`;
    await ui.message('agent', last).waitFor({ state: 'visible', timeout: 60_000 });

    const transcript = ui.page.locator('[part~=transcript]');
    const total = Number(await transcript.getAttribute('data-rows'));
    assert.ok(total >= AGENT_MESSAGES + 1, `data-rows counts every row (${total})`); // + "Andy L. joined"
    const inPage = () => ui.messages.count();
    const kept = await inPage();
    assert.ok(kept <= KEPT_ROWS && kept > KEPT_ROWS - 100, `the page keeps the newest rows only: ${kept} of ${total}`);
    assert.equal(await ui.message('agent', 'line 0').count(), 0, 'the oldest rows are not in the page');
    const earlier = ui.page.locator('[part~=transcript] [part~=earlier]');
    assert.equal(await earlier.innerText(), 'Show earlier messages');
    await w.screenshot('long-chat');

    await earlier.click();
    await eventually(async () => (await inPage()) === total, { what: 'every row after "Show earlier messages"' });
    assert.equal(await earlier.count(), 0, 'nothing left to show');
    await ui.message('agent', 'line 0').first().waitFor({ state: 'attached' });

    // With the whole chat shown, more messages add rows and hide none.
    for (let i = 0; i < 110; i++) await c.message(s.id, `more ${i}`);
    await ui.message('agent', 'more 109').waitFor({ state: 'visible' });
    assert.equal(await inPage(), total + 110, 'nothing hidden while the visitor reads the whole chat');
    assert.equal(await earlier.count(), 0);
  });
});

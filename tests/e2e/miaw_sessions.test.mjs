// End-to-end tests of Enhanced Chat as the real server speaks it (issue 25), in headless Chromium
// against the simulator: a messaging session the agent ends while the conversation goes on, a
// bot that answers first and hands over to a person, customer inactivity and back, the queue
// position. Each state is checked with axe; the screenshots of the bot's handover and of the
// agent's end are the README's (docs/screenshots/).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertAxe, startSite, useSuite, waitText, withPage } from './harness.mjs';
import { accepted, received, startChat, visitorSays } from './miaw-kit.mjs';

const TEST_TIMEOUT = 120_000;
const ES_NAME = 'Chasitor_Demo';

let site;
let browser;
let pageUrl;

useSuite({
  start: () => startSite({ name: 'miaw-sessions' }),
  stop: (s) => s?.stop(),
  reset: (s) => s.client.reset(),
}, (s, b) => {
  site = s;
  browser = b;
  pageUrl = site.page('miaw-sessions', { miaw: { scrtUrl: site.base, orgId: site.config.orgId, esDeveloperName: ES_NAME } });
});

/** The system rows of the transcript. */
async function notes(ui) {
  return (await ui.rows()).filter(([a]) => a === 'system').map(([, t]) => t);
}

describe('Enhanced Chat sessions', () => {
  test('the agent ends the session: told who ended it, the visitor writes again, a second agent takes it; then starting afresh', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'miaw session ended', async (w) => {
      const { ui, id } = await accepted(site, pageUrl, w, 'Andy L.');
      await site.client.message(id, 'Anything else I can do?');
      await visitorSays(ui, 'No, thank you!');
      await site.client.action(id, 'end', {});
      const between = ui.page.locator('[part~=session-ended]');
      await between.waitFor({ state: 'visible' });
      await waitText(between, /Write a message to continue/, 'the way on');
      await ui.waitRows((rows) => rows.some(([a, t]) => a === 'system' && /Andy L\. ended the chat/.test(t)), 'the note naming who ended it');
      // The conversation is open on the server; the visitor can still write and still end it.
      const s = await site.client.session(id);
      assert.equal(s.state, 'session-ended');
      assert.equal(await ui.composer.isVisible(), true);
      assert.equal(await ui.end.isVisible(), true);
      await w.screenshot('session-ended-by-agent');
      await assertAxe(w, 'a session ended by the agent');

      // Writing again: a new messaging session, routed with the visitor's answers.
      await ui.composer.click();
      await ui.composer.pressSequentially('Actually, one more question');
      await ui.composer.press('Enter');
      await ui.queue.waitFor({ state: 'visible' });
      const queued = await site.client.waitForSession((x) => x.id === id && x.state === 'queued', { what: 'the conversation routed again' });
      const sent = queued.received.filter((r) => r.type === 'Message').at(-1);
      assert.equal(sent.body.isNewMessagingSession, true);
      assert.equal(sent.body.routingAttributes._firstName, 'Ada');
      await waitText(ui.queue, /number 1 in line/, 'the queue position');
      await assertAxe(w, 'queued again');
      await site.client.accept(id, 'Bea');
      await ui.waitRows((rows) => rows.some(([a, t]) => a === 'system' && /Bea joined the chat/.test(t)), 'the second agent joining');
      await site.client.message(id, 'Bea here, go ahead.');
      await ui.message('agent', 'Bea here, go ahead.').waitFor({ state: 'visible' });
      assert.deepEqual(await received(site, id), ['No, thank you!', 'Actually, one more question']);
      await assertAxe(w, 'the second session');

      // Ended again, the visitor starts afresh: the conversation closes, the form comes back.
      await site.client.action(id, 'end', {});
      await ui.page.locator('[part~=session-ended] [part~=new-chat]').click();
      await ui.prechat.waitFor({ state: 'visible' });
      await site.client.waitForSession((x) => x.id === id && x.state === 'ended', { what: 'the old conversation closed' });
      assert.equal(await ui.messages.count(), 0, 'a new chat starts empty');
      assert.deepEqual(w.pageErrors, []);
    });
  });

  test('a bot answers first and hands over to a person as one change', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'miaw bot handover', async (w) => {
      const { ui, id } = await startChat(site, pageUrl, w);
      await waitText(ui.queue, /number 1 in line/, 'the queue position');
      await site.client.action(id, 'accept', { agentName: 'Astro', role: 'Chatbot' });
      await ui.composer.waitFor({ state: 'visible' });
      await waitText(ui.header, /Astro/, 'the bot named in the header');
      await site.client.message(id, 'Hi, I am Astro, the shop assistant. What can I do for you?');
      await ui.message('agent', 'Hi, I am Astro').waitFor({ state: 'visible' });
      await visitorSays(ui, 'I want to talk to a person');
      await assertAxe(w, 'chatting with a bot');

      // The bot transfers to the queue; a person accepts.
      await site.client.action(id, 'transfer', {});
      await site.client.waitForSession((x) => x.id === id && x.state === 'queued', { what: 'the transfer to wait in the queue' });
      await site.client.accept(id, 'Ada Agent');
      await ui.waitRows((rows) => rows.some(([a, t]) => a === 'system' && /now chatting with Ada Agent/.test(t)), 'the handover');
      await waitText(ui.header, /Ada Agent/, 'the person named in the header');
      await site.client.message(id, 'Hello, Ada here. How can I help?');
      await ui.message('agent', 'Ada here').waitFor({ state: 'visible' });
      // One change: the bot's join and the handover, nothing about anyone leaving.
      assert.deepEqual(await notes(ui), ['Astro joined the chat.', 'You are now chatting with Ada Agent.']);
      await w.screenshot('bot-handover');
      await assertAxe(w, 'after the handover');
      assert.deepEqual(w.pageErrors, []);
    });
  });

  test('customer inactivity pauses the chat calmly and the next message routes it again', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'miaw inactivity', async (w) => {
      const { ui, id } = await accepted(site, pageUrl, w, 'Andy L.');
      await site.client.action(id, 'inactivate', {});
      const banner = ui.page.locator('[part~=window] p.banner:not(.connection)');
      await waitText(banner, /paused/, 'the inactive status line');
      assert.equal((await site.client.session(id)).state, 'inactive');
      await assertAxe(w, 'inactive');
      await ui.composer.click();
      await ui.composer.pressSequentially('Sorry, I was away');
      await ui.composer.press('Enter');
      await ui.queue.waitFor({ state: 'visible' });
      await banner.waitFor({ state: 'detached' });
      const s = await site.client.waitForSession((x) => x.id === id && x.state === 'queued', { what: 'the session waiting again' });
      assert.equal(s.received.filter((r) => r.type === 'Message').at(-1).body.isNewMessagingSession, undefined);
      await site.client.accept(id, 'Andy L.');
      await ui.waitRows((rows) => rows.filter(([a, t]) => a === 'system' && /Andy L\. joined/.test(t)).length === 2, 'the agent back');
      await ui.composer.waitFor({ state: 'visible' });
      await assertAxe(w, 'back from inactivity');
      assert.deepEqual(w.pageErrors, []);
    });
  });
});

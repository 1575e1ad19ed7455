// A chat survives the visitor's own network (issue 13): tunnels, sleeping laptops, switching
// Wi-Fi. While the browser is offline or the page frozen, the widget spends no retry budget and
// sends nothing; when the network or the page is back it resumes at once, with everything typed
// meanwhile delivered once and in order and everything the agent wrote meanwhile shown once. It
// ends a chat only when the server says so (or fails, reachable, for the whole budget), and then
// no row is left "Waiting" or "Sending".
// Run: node --test --test-concurrency=1 tests/e2e/network.test.mjs

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { eventually, waitAttr, waitText, withPage } from './harness.mjs';
import { startChat, useSites } from './fault-kit.mjs';

const TEST_TIMEOUT = 300_000;
/** The outages of the issue: two minutes, longer than any retry budget. */
const OUTAGE_MS = 120_000;

let sites;
let browser;

useSites([
  // The server keeps an idle chat for 10 minutes, as the setting.
  { name: 'network', holdSeconds: 2, extraArgs: ['--idle-timeout-seconds', '600'] },
  // A server that forgets an idle chat after 8 s.
  { name: 'forgetful', holdSeconds: 2, extraArgs: ['--idle-timeout-seconds', '8'] },
], (e, b) => { sites = e; browser = b; });

/** The status line while the connection has trouble. */
const connectionLine = (page) => page.locator('[part~=window] [part~=connection]');

/** No visitor row says "Waiting" or "Sending". */
async function noRowPending(ui, what) {
  const statuses = await ui.message('visitor').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
  assert.ok(!statuses.some((s) => s === 'queued' || s === 'sending'), `${what}: a row still waits: ${statuses}`);
  return statuses;
}

describe('the visitor\'s own network', () => {
  test('two minutes offline mid-chat: messages both ways meanwhile, none lost or doubled', { timeout: TEST_TIMEOUT }, async () => {
    const site = sites.sims.network;
    await withPage(browser, 'network: two minutes offline', async (w) => {
      const chat = await startChat(w, site);
      await chat.agentSays('Hello, how can I help?');
      await chat.visitorSays('Hi, a question about my order.');

      await w.context.setOffline(true);
      await waitAttr(connectionLine(w.page), 'data-connection', 'offline', 'the offline status line');
      await waitText(connectionLine(w.page), /Connection lost/, 'the status line says so');
      await chat.visitorTypes('Typed in the tunnel.');
      await waitAttr(chat.ui.message('visitor', 'Typed in the tunnel.'), 'data-status', 'queued', 'the row to wait');
      await chat.agentSends('Written while you were offline.');
      await chat.agentSends('And a second one.');
      await w.page.waitForTimeout(OUTAGE_MS);
      assert.equal(await chat.ui.ended.count(), 0, 'the chat did not end while offline');
      assert.equal(await chat.ui.message('visitor', 'Typed in the tunnel.').getAttribute('data-status'), 'queued');
      await w.screenshot('offline-status-line').catch(() => {});

      await w.context.setOffline(false);
      await connectionLine(w.page).waitFor({ state: 'detached' });
      await chat.delivered('Typed in the tunnel.');
      await chat.verify('after two minutes offline');
      const s = await chat.session();
      assert.equal(s.state, 'established', 'the chat is still established');
      await chat.agentSays('Welcome back.');
      await chat.visitorSays('Thanks!');
      await chat.verify('the chat going on');
    });
  });

  test('the page frozen for two minutes and resumed: the chat goes on, nothing lost', { timeout: TEST_TIMEOUT }, async () => {
    const site = sites.sims.network;
    await withPage(browser, 'network: frozen page', async (w) => {
      const chat = await startChat(w, site);
      await chat.agentSays('Hello!');
      const cdp = await w.context.newCDPSession(w.page);
      await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
      await chat.agentSends('Written while the page slept.');
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      await cdp.send('Page.setWebLifecycleState', { state: 'active' });
      await chat.ui.message('agent', 'Written while the page slept.').waitFor({ state: 'visible' });
      await chat.visitorSays('I am back.');
      await chat.verify('after the page was frozen');
      assert.equal((await chat.session()).state, 'established');
    });
  });

  test('a reload while offline keeps the unsent message and delivers it once when back', { timeout: TEST_TIMEOUT }, async () => {
    const site = sites.sims.network;
    await withPage(browser, 'network: reload while offline', async (w) => {
      const chat = await startChat(w, site);
      await chat.agentSays('Hello!');
      await w.context.setOffline(true);
      await chat.visitorTypes('Sent before the reload.');
      await waitAttr(chat.ui.message('visitor', 'Sent before the reload.'), 'data-status', 'queued', 'the row to wait');
      // The reload fails offline (the browser's error page); the next one, online, resumes.
      await w.page.reload().catch(() => {});
      await w.context.setOffline(false);
      await w.page.goto(site.hostUrl);
      await chat.ui.composer.waitFor({ state: 'visible' });
      await chat.delivered('Sent before the reload.');
      await chat.verify('after the reload');
    });
  });

  test('the simulator restarted mid-chat: a calm end, no row left waiting, no request storm', { timeout: TEST_TIMEOUT }, async () => {
    const site = sites.sims.network;
    await withPage(browser, 'network: server restarted', async (w) => {
      const chat = await startChat(w, site);
      await chat.agentSays('Hello!');
      await site.sim.stop();
      await chat.visitorTypes('Typed while the server is down.');
      await site.sim.start();
      await chat.ui.ended.waitFor({ state: 'visible', timeout: 30_000 });
      await waitText(chat.ui.ended, /ended/i, 'the ended view');
      const statuses = await noRowPending(chat.ui, 'after the restart');
      assert.equal(statuses.at(-1), 'failed', 'the message the server never got is marked not sent');
      await waitText(chat.ui.message('visitor', 'Typed while the server is down.'), /Not sent/, 'the row says "Not sent"');
      // The downloaded transcript says so too.
      const [download] = await Promise.all([
        w.page.waitForEvent('download'),
        w.page.locator('[part~=download]').click(),
      ]);
      const text = fs.readFileSync(await download.path(), 'utf8');
      assert.match(text, /Typed while the server is down\. \(Not sent\)/, text);
      assert.match(text, /Hello!\n/, 'the agent message as it was');
      const count = () => w.page.evaluate(() => performance.getEntriesByType('resource')
        .filter((e) => /\/chat\/rest\/(System|Chasitor)\//.test(e.name)).length);
      const before = await count();
      await w.page.waitForTimeout(10_000);
      assert.ok((await count()) - before <= 0, 'no chat request after the end');
      const stored = await w.page.evaluate(() => Object.entries(sessionStorage)
        .filter(([k]) => k.startsWith('chasitor:transcript')).map(([, v]) => v).join(''));
      assert.ok(!/"status":"(Queued|Sending)"/.test(stored), 'sessionStorage has no row waiting either');
    });
  });

  test('a long outage after which the server has forgotten the chat: calm ended view, rows not sent', { timeout: TEST_TIMEOUT }, async () => {
    const site = sites.sims.forgetful;
    await withPage(browser, 'network: session timed out meanwhile', async (w) => {
      const chat = await startChat(w, site);
      await chat.agentSays('Hello!');
      await w.context.setOffline(true);
      await chat.visitorTypes('Nobody will read this.');
      await eventually(async () => (await site.client.session(chat.id)).endedBy !== null,
        { what: 'the simulator to time the idle chat out', timeout: 30_000, interval: 500 });
      await w.context.setOffline(false);
      await chat.ui.ended.waitFor({ state: 'visible', timeout: 30_000 });
      await waitText(chat.ui.ended, /session expired/i, 'the calm ended view');
      await waitAttr(chat.ui.message('visitor', 'Nobody will read this.'), 'data-status', 'failed', 'the row marked not sent');
      await noRowPending(chat.ui, 'after the timeout');
      await chat.ui.newChat.waitFor({ state: 'visible' });
    });
  });
});

// Chasitor.destroy() (issue 12): the site tears the widget down (a single-page app logging the
// visitor out, say). Afterwards nothing of the widget runs: no request, no timer callback, no
// element in the page, the chat's Web Lock released. The chat is left resumable: open() boots the
// widget again and the chat goes on where it was, with what the agent wrote meanwhile shown once.
// Run: node --test --test-concurrency=1 tests/e2e/destroy.test.mjs

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withPage } from './harness.mjs';
import { startChat, useSites } from './fault-kit.mjs';

const HOLD_SECONDS = 2;
/** Longer than a poll's hold and timeout together: a poller still alive would show by then. */
const QUIET_MS = 35_000;

let site;
let browser;

useSites([{ name: 'destroy', holdSeconds: HOLD_SECONDS }], (e, b) => {
  site = e.sims.destroy;
  browser = b;
});

describe('Chasitor.destroy()', () => {
  test('stops every request, timer and element, releases the lock; open() resumes the chat', { timeout: 180_000 }, async () => {
    await withPage(browser, 'destroy and boot again', async (w) => {
      // Counts the timer callbacks that run once the page says so (setTimeout, setInterval,
      // requestAnimationFrame), whoever set them.
      await w.page.addInitScript(() => {
        window.__timersAfter = 0;
        window.__counting = false;
        const wrap = (name) => {
          const original = window[name];
          window[name] = function (f, ...rest) {
            if (typeof f !== 'function') return original.call(this, f, ...rest);
            return original.call(this, function (...args) {
              if (window.__counting) window.__timersAfter++;
              return f.apply(this, args);
            }, ...rest);
          };
        };
        ['setTimeout', 'setInterval', 'requestAnimationFrame'].forEach(wrap);
      });
      const chat = await startChat(w, site);
      await chat.agentSays('Hello, how can I help?');
      await chat.visitorSays('Where is my parcel?');

      const requestsAfter = [];
      w.page.on('request', (r) => {
        if (r.url().includes('/chat/rest/')) requestsAfter.push(r.url());
      });
      const locksBefore = await w.page.evaluate(async () => (await navigator.locks.query()).held.map((l) => l.name));
      assert.ok(locksBefore.some((n) => n.startsWith('chasitor:poll:')), `the chat's lock is held: ${locksBefore}`);

      requestsAfter.length = 0;
      await w.page.evaluate(() => { window.__counting = true; window.Chasitor.destroy(); });
      assert.equal(await w.page.locator('#chasitor-host').count(), 0, 'no element of the widget in the page');
      const locksAfter = await w.page.evaluate(async () => (await navigator.locks.query()).held.map((l) => l.name));
      assert.deepEqual(locksAfter.filter((n) => n.startsWith('chasitor:')), [], 'the lock is released');

      // The agent writes meanwhile; the widget is gone and must not fetch it.
      await site.client.message(chat.id, 'Are you still there?');
      chat.expected.push(['agent', 'Are you still there?']);
      chat.agentEvents++;
      await w.page.waitForTimeout(QUIET_MS);
      // Requests that had already started before destroy() settle as aborted; none starts after.
      assert.deepEqual(requestsAfter, [], 'no request after destroy()');
      assert.equal(await w.page.evaluate(() => window.__timersAfter), 0, 'no timer callback after destroy()');
      const s = await chat.session();
      assert.equal(s.state, 'established', 'the chat is still open on the server');

      // open() boots the widget again: the same chat, everything shown once, and it goes on.
      await w.page.evaluate(() => { window.__counting = false; window.Chasitor.open(); });
      await chat.ui.composer.waitFor({ state: 'visible' });
      await chat.verify('after open() boots the widget again');
      await chat.agentSays('Found it, it ships today.');
      await chat.visitorSays('Thank you!');
      await chat.verify('the chat going on');
    });
  });
});

// Availability at the server's ping rate (issue 7, item 1): while the launcher is closed and no chat
// runs, the widget asks Visitor/Availability again every `pingRate` (from Visitor/Settings), so the
// launcher follows the button going offline without the visitor doing anything, and it asks no more
// often than that. The simulator announces a 10 s ping rate (the widget's lower bound).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { availableButton, eventually, launchBrowser, startSite, waitAttr, widget, withPage } from './harness.mjs';

const PING_SECONDS = 10;
let sim;
let browser;

before(async () => {
  sim = await startSite({ name: 'ping-rate', extraArgs: ['--ping-rate-seconds', String(PING_SECONDS)] });
  browser = await launchBrowser();
}, { timeout: 10 * 60_000 });

after(async () => {
  await browser?.close().catch(() => {});
  await sim?.stop();
});

test('the closed launcher re-checks availability at the ping rate, and no more often', { timeout: 120_000 }, async () => {
  await withPage(browser, 'availability-ping', async (w) => {
    const c = sim.client;
    const buttonId = availableButton(sim.config);
    const ui = widget(w.page);
    await w.page.goto(sim.page('ping'));
    await waitAttr(ui.launcher, 'data-available', 'true', 'the launcher to show online');

    const checks = async () => (await c.requests()).filter((r) => r.path.endsWith('/Visitor/Availability'));
    const first = await checks();
    assert.equal(first.length, 1, 'one Visitor/Availability on load');

    // The button goes offline on the server; the page is left alone.
    await c.setButton(buttonId, { available: false });
    await eventually(async () => (await ui.launcher.getAttribute('data-available')) === 'false', {
      timeout: (PING_SECONDS + 10) * 1000, what: 'the launcher to follow the server to offline',
    });

    const log = await checks();
    assert.equal(log.length, 2, `exactly one re-check so far: ${JSON.stringify(log)}`);
    const gap = log[1].atMs - log[0].atMs;
    assert.ok(gap >= (PING_SECONDS - 1) * 1000, `re-checked after the ping rate (${PING_SECONDS} s), not sooner: ${gap} ms`);
    assert.ok(gap <= (PING_SECONDS + 5) * 1000, `re-checked at the ping rate, not much later: ${gap} ms`);
    await w.screenshot('offline-after-ping');
  });
});

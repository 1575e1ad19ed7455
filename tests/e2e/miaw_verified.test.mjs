// End-to-end tests of the customer's own conversation on Enhanced Chat (issue 27), in headless
// Chromium against the simulator: a verified customer chats in one browser context, a second
// context ("the phone") with an identity token for the same subject finds the same conversation
// and its history, both write and see each other; logout revokes and clears; an anonymous chat
// survives a closed tab with data-persist="browser" (and does not without it); the transcript
// downloaded is the PDF the simulator served (the widget's text where the deployment says no).
// Identity tokens come from the simulator's /_sim/identity-token, which stands in for the site's
// own server (test-only key, sim/testdata).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { openPage, startSite, useSuite, waitText, widget, widgetReady, withPage } from './harness.mjs';
import { accepted, received, visitorSays } from './miaw-kit.mjs';

const TEST_TIMEOUT = 120_000;

let site;
let browser;

useSuite({
  start: () => startSite({ name: 'miaw-verified' }),
  stop: (s) => s?.stop(),
  reset: (s) => s.client.reset(),
}, (s, b) => {
  site = s;
  browser = b;
});

function pageFor(name, esDeveloperName, attrs) {
  return site.page(name, { attrs, miaw: { scrtUrl: site.base, orgId: site.config.orgId, esDeveloperName } });
}

/** An identity token for `sub`, as the site's server would mint it. */
async function identityToken(sub) {
  return (await site.client.request('POST', '/_sim/identity-token', { sub })).token;
}

/** Loads the page and gives the widget the customer's identity, with a refresh function. */
async function signIn(w, url, sub) {
  await w.page.goto(url);
  await widgetReady(w.page);
  const token = await identityToken(sub);
  const fresh = await identityToken(sub);
  await w.page.evaluate(([t, f]) => window.Chasitor.identify(t, () => Promise.resolve(f)), [token, fresh]);
}

/** The window's banner (its line under the header). */
const banner = (ui) => ui.window.locator('.banner:not(.connection)');

describe('The customer\'s own conversation', () => {
  test('a verified customer\'s conversation follows them to another browser; logout clears it', { timeout: TEST_TIMEOUT }, async () => {
    const url = pageFor('verified', 'Chasitor_Verified', 'data-user-verification="true"');
    await withPage(browser, 'verified laptop', async (laptop) => {
      const ui = widget(laptop.page);
      await laptop.page.goto(url);
      await widgetReady(laptop.page);
      await ui.launcher.click();
      // Before the site says who the customer is: sign in first, no form.
      await waitText(banner(ui), /Sign in to chat with us/, 'the sign-in line');
      assert.equal(await ui.prechat.count(), 0, 'no pre-chat form before the identity');
      await laptop.screenshot('verified-sign-in');
      const token = await identityToken('cust-e2e');
      await laptop.page.evaluate((t) => window.Chasitor.identify(t), token);
      // No open conversation: the form starts one.
      const field = (name) => ui.prechat.locator(`[name="${name}"]`);
      await field('_firstName').fill('Ada');
      await field('_email').fill('ada@example.com');
      await ui.start.click();
      const conv = await site.client.waitForSession((s) => s.api === 'miaw' && s.state === 'queued', { what: 'the conversation' });
      assert.equal(conv.verified, 'cust-e2e', 'the simulator sees a verified customer');
      await site.client.accept(conv.id, 'Andy L.');
      await ui.composer.waitFor({ state: 'visible' });
      await visitorSays(ui, 'Written on my laptop');
      await site.client.message(conv.id, 'Hello Ada, how can I help?');
      await ui.message('agent', 'Hello Ada').waitFor();

      // "The phone": another browser context, the same customer.
      const phone = await openPage(browser, 'verified phone');
      try {
        const pui = widget(phone.page);
        await signIn(phone, url, 'cust-e2e');
        await pui.launcher.click();
        await pui.waitRows((rows) => rows.some(([a, t]) => a === 'visitor' && t === 'Written on my laptop')
          && rows.some(([a, t]) => a === 'agent' && t === 'Hello Ada, how can I help?'), 'the history on the phone');
        assert.equal(await pui.prechat.count(), 0, 'no form: the conversation goes on');
        await phone.screenshot('verified-phone-history');
        await visitorSays(pui, 'And this from my phone');
        assert.deepEqual(await received(site, conv.id), ['Written on my laptop', 'And this from my phone']);
        // The laptop sees the phone's message as the customer's, and the other way round.
        await ui.message('visitor', 'And this from my phone').waitFor();
        await visitorSays(ui, 'Laptop again');
        await pui.message('visitor', 'Laptop again').waitFor();
        await site.client.message(conv.id, 'I see both of you.');
        await pui.message('agent', 'I see both of you.').waitFor();
        await ui.message('agent', 'I see both of you.').waitFor();
        const sessions = await site.client.sessions();
        assert.equal(sessions.filter((s) => s.api === 'miaw').length, 1, 'one conversation for the customer');

        // Logout on the phone: revoked, cleared, back to "sign in".
        await phone.page.evaluate(() => window.Chasitor.logout());
        await waitText(banner(pui), /Sign in to chat with us/, 'the sign-in line after logout');
        assert.equal(await pui.messages.count(), 0, 'the transcript is gone');
        const log = await site.client.requests();
        assert.ok(
          log.some((r) => r.method === 'DELETE' && r.path.endsWith('/authorization/authenticated/access-token') && r.status === 204),
          'the access token was revoked',
        );
        const stored = await phone.page.evaluate(() => Object.keys(sessionStorage).concat(Object.keys(localStorage))
          .filter((k) => k.startsWith('chasitor:'))
          .map((k) => [k, sessionStorage.getItem(k) ?? localStorage.getItem(k)]));
        for (const [k, v] of stored) {
          assert.ok(!/Written on my laptop|accessToken|"token":"ey/.test(v), `nothing of the customer stays in ${k}: ${v}`);
        }
        phone.assertClean();
      } finally {
        await phone.close();
      }
      // The laptop goes on.
      await visitorSays(ui, 'Still here on the laptop');
    });
  });

  test('a refused identity token: the visitor is asked to sign in again, the site owner told why', { timeout: TEST_TIMEOUT }, async () => {
    const url = pageFor('verified-refused', 'Chasitor_Verified', 'data-user-verification="true"');
    await withPage(browser, 'verified refused', async (w) => {
      const ui = widget(w.page);
      await w.page.goto(url);
      await widgetReady(w.page);
      await ui.launcher.click();
      const expired = (await site.client.request('POST', '/_sim/identity-token', { sub: 'cust-x', expiresInSeconds: 0 })).token;
      await w.page.evaluate((t) => window.Chasitor.identify(t), expired);
      await waitText(banner(ui), /could not confirm who you are/, 'the calm line');
      assert.ok(w.console.some((m) => /identity token/.test(m.text)), 'the console says why');
      assert.equal(await ui.prechat.count(), 0);
      // A good token: the form.
      await w.page.evaluate(async (t) => window.Chasitor.identify(t), await identityToken('cust-x'));
      await ui.prechat.waitFor({ state: 'visible' });
    });
  });

  for (const persist of [true, false]) {
    test(`a closed tab ${persist ? 'finds' : 'does not find'} the anonymous conversation ${persist ? 'with' : 'without'} data-persist="browser"`, { timeout: TEST_TIMEOUT }, async () => {
      const url = pageFor(`persist-${persist}`, 'Chasitor_Demo', persist ? 'data-persist="browser"' : '');
      await withPage(browser, `persist ${persist}`, async (w) => {
        const { ui, id } = await accepted(site, url, w);
        await visitorSays(ui, 'Before closing the tab');
        // The tab closes; a new one in the same browser opens the page.
        await w.page.close();
        w.page = await w.context.newPage();
        const again = widget(w.page);
        await w.page.goto(url);
        await widgetReady(w.page);
        // The window's state comes back with the chat (open): open() either way.
        await w.page.evaluate(() => window.Chasitor.open());
        if (persist) {
          await again.message('visitor', 'Before closing the tab').waitFor();
          await visitorSays(again, 'Back again');
          assert.deepEqual(await received(site, id), ['Before closing the tab', 'Back again']);
          const keys = await w.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('chasitor:')));
          assert.ok(keys.length > 0, 'kept in localStorage');
          // A second tab open at the same time: one stream between them, the other tab says so.
          const second = await w.context.newPage();
          await second.goto(url);
          await widgetReady(second);
          await second.evaluate(() => window.Chasitor.open());
          await second.locator('[part~=other-tab]').waitFor({ state: 'visible' });
          const s = await site.client.session(id);
          assert.equal(s.maxOpenStreams, 1, 'never two streams');
          await second.close();
        } else {
          await again.prechat.waitFor({ state: 'visible' });
          assert.equal(await again.messages.count(), 0);
          const keys = await w.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('chasitor:')));
          assert.deepEqual(keys, [], 'nothing in localStorage');
        }
      });
    });
  }

  test('the transcript downloaded is the PDF the simulator served; the text one where the deployment says no', { timeout: TEST_TIMEOUT }, async () => {
    const url = pageFor('transcript', 'Chasitor_Demo', '');
    await withPage(browser, 'transcript pdf', async (w) => {
      const { ui, id } = await accepted(site, url, w);
      await visitorSays(ui, 'Please send me a copy');
      await site.client.message(id, 'Here it comes.');
      await ui.message('agent', 'Here it comes.').waitFor();
      await ui.end.click();
      await ui.endConfirm.click();
      await ui.ended.waitFor({ state: 'visible' });
      const button = ui.window.locator('[part~=download]');
      const [download] = await Promise.all([w.page.waitForEvent('download'), button.click()]);
      assert.equal(download.suggestedFilename(), `transcript-${id}.pdf`);
      const pdf = fs.readFileSync(await download.path());
      assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
      assert.ok(pdf.toString('latin1').trimEnd().endsWith('%%EOF'));
      const text = pdf.toString('latin1');
      assert.ok(text.includes('Please send me a copy') && text.includes('Here it comes.'), 'the chat is in it');
      const log = await site.client.requests();
      const served = log.filter((r) => r.path.endsWith(`/conversation/${id}/transcript`));
      assert.equal(served.length, 1);
      assert.equal(served[0].status, 200);
    });
    // A deployment that does not allow it: the widget's own text transcript.
    await site.client.reset();
    await site.client.request('POST', '/_sim/enhanced-chat/settings', { esDeveloperName: 'Chasitor_Demo', allowTranscriptDownload: false });
    await withPage(browser, 'transcript text', async (w) => {
      const { ui, id } = await accepted(site, url, w);
      await visitorSays(ui, 'No PDF here');
      await ui.end.click();
      await ui.endConfirm.click();
      await ui.ended.waitFor({ state: 'visible' });
      const [download] = await Promise.all([w.page.waitForEvent('download'), ui.window.locator('[part~=download]').click()]);
      assert.match(download.suggestedFilename(), /\.txt$/);
      assert.match(fs.readFileSync(await download.path(), 'utf8'), /No PDF here/);
      const log = await site.client.requests();
      assert.equal(log.filter((r) => r.path.endsWith(`/conversation/${id}/transcript`)).length, 0);
    });
  });
});


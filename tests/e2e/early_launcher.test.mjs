// The early launcher (issue 8): the loader paints the launcher itself, before the wasm, then loads
// the widget when the page is idle, on the visitor's intent, at once when the tab has a chat to
// resume, or when the page calls the API; `data-load="intent"` skips the idle load. The widget then
// takes the launcher over: it must look the same before and after, and a click made while the wasm
// was on its way must open the chat.
//
// The wasm (and Visitor/Availability, whose answer adds the presence dot) are held back with
// Playwright's request routing: the real files and the real simulator answer, only later.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hasMark, hold, launchBrowser, startSite, widget, withPage } from './harness.mjs';

let sim;
let browser;

before(async () => {
  sim = await startSite({ name: 'early-launcher' });
  browser = await launchBrowser();
}, { timeout: 10 * 60_000 });

after(async () => {
  await browser?.close().catch(() => {});
  await sim?.stop();
});

const page = (name, attrs, htmlAttrs) => sim.page(name, { attrs, htmlAttrs });

const mark = (pg, name) => pg.waitForFunction((n) => performance.getEntriesByName(n).length > 0, name, { polling: 20 });

/** What the visitor sees of the closed launcher. */
function look(pg) {
  return pg.evaluate(() => {
    const root = document.getElementById('chasitor-host').shadowRoot;
    const b = root.querySelector('[part~=launcher]');
    const cs = getComputedStyle(b);
    const r = b.getBoundingClientRect();
    const icon = b.querySelector('svg').getBoundingClientRect();
    const px = (x) => Math.round(x * 10) / 10;
    return {
      rect: [px(r.x), px(r.y), px(r.width), px(r.height)],
      icon: [px(icon.x - r.x), px(icon.y - r.y), px(icon.width), px(icon.height)],
      text: b.textContent.trim(),
      expanded: b.getAttribute('aria-expanded'),
      dir: getComputedStyle(b).direction,
      style: ['background-color', 'color', 'font-family', 'font-size', 'font-weight', 'border-radius', 'box-shadow', 'padding', 'z-index', 'cursor']
        .map((p) => `${p}: ${cs.getPropertyValue(p)}`),
    };
  });
}

const LOOKS = [
  { name: 'default', attrs: '', text: 'Chat with us' },
  {
    name: 'configured',
    attrs: 'data-language="de" data-position="left" data-theme="dark" data-accent="#6b2fbf" data-launcher-size="64" data-z-index="77" data-dir="rtl"',
    text: 'Chatten Sie mit uns',
  },
  { name: 'page-rtl-labels', attrs: `data-labels='{"launcher":"Talk to us"}'`, html: 'lang="he" dir="rtl"', text: 'Talk to us' },
];

for (const c of LOOKS) {
  test(`the launcher is painted before the wasm and looks the same after it (${c.name})`, { timeout: 60_000 }, async () => {
    await withPage(browser, `early-look-${c.name}`, async (w) => {
      const pg = w.page;
      const wasm = await hold(pg, '**/*_bg.wasm');
      const availability = await hold(pg, '**/Visitor/Availability**');
      await pg.goto(page(`look-${c.name}`, c.attrs, c.html));
      const ui = widget(pg);
      await ui.launcher.waitFor({ state: 'visible' });
      assert.equal(await ui.host.getAttribute('data-chasitor-early'), '', 'the loader painted this launcher');
      assert.equal(await hasMark(pg, 'chasitor:widget-ready'), false, 'the widget is not here yet');
      const early = await look(pg);
      assert.equal(early.text, c.text);

      // The page went idle: the loader asked for the wasm.
      await eventuallySeen(wasm, 'the wasm to be requested at idle');
      wasm.release();
      await mark(pg, 'chasitor:widget-ready');
      assert.equal(await ui.host.getAttribute('data-chasitor-early'), null, 'the widget took the host over');
      assert.equal(await pg.evaluate(() => document.querySelectorAll('#chasitor-host').length), 1);
      const after = await look(pg);
      assert.deepEqual(after, early, 'the widget\'s launcher looks like the early one');
      availability.release();
    });
  });
}

async function eventuallySeen(h, what) {
  const t0 = Date.now();
  while (h.seen === 0) {
    if (Date.now() - t0 > 15_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a click on the launcher before the wasm is here opens the chat once it is, focus in the form', { timeout: 60_000 }, async () => {
  await withPage(browser, 'early-click', async (w) => {
    const pg = w.page;
    const wasm = await hold(pg, '**/*_bg.wasm');
    await pg.goto(page('click'));
    const ui = widget(pg);
    await ui.launcher.click();
    assert.equal(await ui.launcher.getAttribute('aria-busy'), 'true', 'the launcher says the chat is on its way');
    // The loader's window shell says so too (tests/e2e/loader_shell.test.mjs tests it in full).
    assert.equal(await ui.window.isVisible(), true, 'the window shell is open before the widget is here');
    assert.equal(await ui.prechat.count(), 0, 'no pre-chat form before the widget is here');
    wasm.release();
    await ui.firstName.waitFor({ state: 'visible' });
    assert.equal(await ui.launcher.getAttribute('aria-expanded'), 'true');
    await pg.waitForFunction(() => {
      const a = document.getElementById('chasitor-host').shadowRoot.activeElement;
      return a && a.getAttribute('name') === 'firstName';
    }, null, { polling: 20 });
  });
});

test('keyboard focus on the early launcher stays on the launcher when the widget takes over', { timeout: 60_000 }, async () => {
  await withPage(browser, 'early-focus', async (w) => {
    const pg = w.page;
    const wasm = await hold(pg, '**/*_bg.wasm');
    await pg.goto(page('focus', 'data-load="intent"'));
    const ui = widget(pg);
    await ui.launcher.waitFor({ state: 'visible' });
    await ui.launcher.focus(); // intent: the wasm is asked for
    await eventuallySeen(wasm, 'the wasm to be requested on focus');
    wasm.release();
    await mark(pg, 'chasitor:widget-ready');
    await pg.waitForFunction(() => {
      const a = document.getElementById('chasitor-host').shadowRoot.activeElement;
      return a && a.getAttribute('part') === 'launcher';
    }, null, { polling: 20 });
    await pg.keyboard.press('Enter');
    await ui.firstName.waitFor({ state: 'visible' });
  });
});

test('data-load="intent": no wasm until the visitor reaches for the launcher', { timeout: 60_000 }, async () => {
  await withPage(browser, 'early-intent', async (w) => {
    const pg = w.page;
    await sim.client.reset();
    // Requests of the widget's module or wasm, counted when they start (not when they finish).
    const widgetFiles = [];
    pg.on('request', (r) => { if (/\/chasitor-[^/]*(\.js|_bg\.wasm)$/.test(r.url())) widgetFiles.push(r.url()); });
    await pg.goto(page('intent', 'data-load="intent"'));
    const ui = widget(pg);
    await ui.launcher.waitFor({ state: 'visible' });
    // The point where the default page asks for the wasm (after load, when idle) has passed.
    await pg.evaluate(() => new Promise((resolve) => {
      const idle = () => requestIdleCallback(() => requestIdleCallback(resolve, { timeout: 2000 }), { timeout: 2000 });
      if (document.readyState === 'complete') idle();
      else addEventListener('load', idle, { once: true });
    }));
    const wasmRequests = () => widgetFiles.filter((u) => u.endsWith('_bg.wasm')).length;
    assert.deepEqual(widgetFiles, [], 'no module and no wasm while the visitor has not reached for the chat');
    assert.equal((await sim.client.requests()).filter((r) => r.path.includes('/chat/rest/')).length, 0, 'no chat API request either');
    await ui.launcher.hover();
    await mark(pg, 'chasitor:widget-ready');
    assert.equal(wasmRequests(), 1);
  });
});

test('data-load="intent": a chat to resume, or a call to the API, loads the widget at once', { timeout: 60_000 }, async () => {
  await withPage(browser, 'early-resume', async (w) => {
    const pg = w.page;
    const url = page('resume', 'data-load="intent"');
    await pg.goto(url);
    await pg.evaluate(() => window.Chasitor.open());
    const ui = widget(pg);
    await ui.firstName.waitFor({ state: 'visible' });
    // The open window is remembered for this tab (sessionStorage "chasitor:..."): after a reload
    // the widget comes back at once, open, with nobody touching the launcher.
    assert.ok(await pg.evaluate(() => Object.keys(sessionStorage).some((k) => k.startsWith('chasitor:'))));
    await pg.reload();
    await mark(pg, 'chasitor:widget-ready');
    await ui.firstName.waitFor({ state: 'visible' });
  });
});

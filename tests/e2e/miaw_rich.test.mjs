// End-to-end tests of Enhanced Chat beyond plain text (issue 26), in headless Chromium against
// the simulator: a bot's menu answered by mouse and by keyboard only, quick replies, a carousel,
// a link card, the agent's files (downloaded, an image opened), a web view, an error, citations,
// a form, a message the widget cannot show; the visitor's files: seen by the agent byte for byte,
// too large, of a refused type, cut by the network and retried, cut by a reload. axe checks each
// format on screen; the screenshots are the README's (docs/screenshots/).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import { assertAxe, eventually, startSite, useSuite, waitAttr, waitText, withPage } from './harness.mjs';
import { startChat } from './miaw-kit.mjs';

const TEST_TIMEOUT = 120_000;
const ES_NAME = 'Chasitor_Demo';

let site;
let browser;
let pageUrl;

useSuite({
  start: () => startSite({ name: 'miaw-rich' }),
  stop: (s) => s?.stop(),
  reset: (s) => s.client.reset(),
}, (s, b) => {
  site = s;
  browser = b;
  pageUrl = site.page('miaw-rich', { miaw: { scrtUrl: site.base, orgId: site.config.orgId, esDeveloperName: ES_NAME } });
});

/** A chat taken by a bot. */
async function withBot(w) {
  const chat = await startChat(site, pageUrl, w);
  await site.client.action(chat.id, 'accept', { agentName: 'Chasitor Bot', role: 'Chatbot' });
  await chat.ui.composer.waitFor({ state: 'visible' });
  return chat;
}

/** The agent's row of `kind` (the newest). */
function rowOf(ui, kind) {
  return ui.page.locator(`[part~=transcript] [part~=message][data-author=agent][data-kind=${kind}]`).last();
}

/** The conversation's lines in the simulator of `kind`. */
async function lines(id, kind) {
  const s = await site.client.session(id);
  return s.transcript.filter((l) => l.kind === kind);
}

/** The element the keyboard's focus is on, inside the widget's shadow root: its part and text. */
function focused(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return { part: el?.getAttribute('part') || '', text: (el?.textContent || '').trim() };
  });
}

/** How many of `locator`'s elements are shown. */
function shown(locator) {
  return locator.evaluateAll((els) => els.filter((e) => e.checkVisibility()).length);
}

/** A file for the file input. */
function file(name, mimeType, size) {
  return { name, mimeType, buffer: crypto.randomBytes(size) };
}

async function attach(ui, files) {
  await ui.page.locator('[part~=attach]').waitFor({ state: 'visible' });
  await ui.page.locator('.file-input').setInputFiles(files);
}

/** The visitor's file row of `name`. */
function upload(ui, name) {
  return ui.page.locator('[part~=transcript] [part~=message][data-author=visitor][data-kind=file]').filter({ hasText: name });
}

/** The bytes the simulator serves for the visitor's upload of `name`. */
async function uploaded(id, name) {
  const [line] = (await lines(id, 'upload')).filter((l) => l.files?.[0]?.name === name);
  assert.ok(line, `the simulator has ${name}`);
  const res = await fetch(new URL(line.files[0].url, site.base));
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

describe('Enhanced Chat beyond plain text', () => {
  test('a bot\'s menu answered by mouse and by keyboard only, quick replies, a carousel', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'miaw menus', async (w) => {
      const { ui, id } = await withBot(w);
      const page = ui.page;

      // Buttons, by mouse.
      await site.client.action(id, 'rich', { kind: 'buttons' });
      const menu = rowOf(ui, 'buttons');
      const buttons = menu.locator('[part~=choice]');
      await buttons.first().waitFor({ state: 'visible' });
      const [menuLine] = await lines(id, 'buttons');
      assert.deepEqual(await buttons.allTextContents(), menuLine.options.map((o) => o.title));
      await w.screenshot('enhanced-chat-buttons');
      await assertAxe(w, 'a menu of buttons');
      await buttons.nth(1).click();
      const answer = ui.message('visitor', menuLine.options[1].title);
      await waitAttr(answer, 'data-status', 'sent', 'the answer to show as sent');
      let [choice] = await lines(id, 'choice');
      assert.equal(choice.inReplyToMessageId, menuLine.messageId);
      assert.equal(choice.optionIdentifier, menuLine.options[1].optionIdentifier);
      assert.equal(choice.title, menuLine.options[1].title);
      // Answered: it cannot be answered twice.
      assert.equal(await buttons.nth(0).isDisabled(), true);
      await buttons.nth(0).click({ force: true });
      assert.equal((await lines(id, 'choice')).length, 1);

      // Buttons, by keyboard only: from the composer back to the menu, then Enter.
      await site.client.action(id, 'rich', { kind: 'buttons' });
      const second = rowOf(ui, 'buttons');
      await eventually(async () => assert.equal(await page.locator('[data-kind=buttons]').count(), 2), { what: 'the second menu' });
      await second.locator('[part~=choice]').first().waitFor({ state: 'visible' });
      const target = (await lines(id, 'buttons'))[1].options.at(-1).title;
      await ui.composer.focus();
      let at = await focused(page);
      for (let i = 0; i < 12 && !(at.part.includes('choice') && at.text === target); i++) {
        await page.keyboard.press('Shift+Tab');
        at = await focused(page);
      }
      assert.deepEqual(at, { part: 'choice', text: target }, 'the keyboard reaches the menu');
      await page.keyboard.press('Enter');
      await waitAttr(ui.message('visitor', target).last(), 'data-status', 'sent', 'the keyboard answer');
      assert.deepEqual((await lines(id, 'choice')).map((l) => l.title), [choice.title, target]);
      assert.equal((await focused(page)).part, 'composer', 'the focus moves on to the composer');

      // Quick replies: chips, gone once answered; the next ones gone once another message comes.
      await site.client.action(id, 'rich', { kind: 'quick-replies' });
      const chips = rowOf(ui, 'quick-replies').locator('[part~=choice]');
      await chips.first().waitFor({ state: 'visible' });
      await w.screenshot('enhanced-chat-quick-replies');
      await assertAxe(w, 'quick replies');
      await chips.filter({ hasText: 'Yes' }).click();
      await waitAttr(ui.message('visitor', 'Yes'), 'data-status', 'sent', 'the quick reply');
      await eventually(async () => assert.equal(await shown(chips), 0), { what: 'the chips to go once answered' });
      await site.client.action(id, 'rich', { kind: 'quick-replies' });
      await eventually(async () => assert.equal(await shown(rowOf(ui, 'quick-replies').locator('[part~=choice]')), 2), { what: 'new chips' });
      await site.client.message(id, 'Or just tell me.');
      await ui.message('agent', 'Or just tell me.').waitFor({ state: 'visible' });
      await eventually(async () => assert.equal(await shown(rowOf(ui, 'quick-replies').locator('[part~=choice]')), 0), { what: 'the chips to go once another message came' });

      // A carousel: cards with their images, scrollable sideways, a card's button answers.
      await site.client.action(id, 'rich', { kind: 'carousel', count: 4 });
      const carousel = rowOf(ui, 'carousel').locator('[part~=carousel]');
      await carousel.waitFor({ state: 'visible' });
      const cards = carousel.locator('[part~=card]');
      assert.equal(await cards.count(), 4);
      // Each card has its image (loaded lazily: the first at once, the others as they scroll in).
      const [carouselLine] = await lines(id, 'carousel');
      assert.equal(await carousel.locator('img').count(), 4);
      await eventually(async () => assert.ok(await carousel.locator('img').first().evaluate((i) => i.complete && i.naturalWidth > 0)), { what: 'the first card\'s image' });
      const scroll = await carousel.evaluate((el) => ({ wide: el.scrollWidth > el.clientWidth, tab: el.tabIndex }));
      assert.deepEqual(scroll, { wide: true, tab: 0 }, 'scrollable sideways, and by keyboard');
      await carousel.focus();
      await page.keyboard.press('ArrowRight');
      await eventually(async () => assert.ok(await carousel.evaluate((el) => el.scrollLeft > 0)), { what: 'the arrow key to scroll the cards' });
      await w.screenshot('enhanced-chat-carousel');
      await assertAxe(w, 'a carousel');
      const pick = carouselLine.options[2];
      await carousel.locator('[part~=choice]').filter({ hasText: pick.title }).first().click();
      await waitAttr(ui.message('visitor', pick.title), 'data-status', 'sent', 'the card\'s answer');
      choice = (await lines(id, 'choice')).at(-1);
      assert.equal(choice.optionIdentifier, pick.optionIdentifier);
      assert.equal(choice.inReplyToMessageId, carouselLine.messageId);
      assert.deepEqual(w.pageErrors, []);
    });
  });

  test('a link card, the agent\'s files (downloaded, an image opened), a web view, an error, citations, a form, a message it cannot show', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'miaw static content', async (w) => {
      const { ui, id } = await withBot(w);
      const newTab = (a) => a.evaluate((el) => [el.getAttribute('target'), el.getAttribute('rel')]);

      await site.client.action(id, 'rich', { kind: 'link' });
      const card = rowOf(ui, 'link').locator('[part~=link-card]');
      await card.waitFor({ state: 'visible' });
      assert.equal(await card.getAttribute('href'), 'https://example.com/help/returns');
      assert.deepEqual(await newTab(card), ['_blank', 'noopener noreferrer']);
      await waitText(card, /How returns work/, 'the card\'s title');
      await eventually(async () => assert.ok(await card.locator('img').evaluate((i) => i.naturalWidth > 0)), { what: 'the card\'s image' });

      await site.client.action(id, 'rich', { kind: 'file' });
      const files = rowOf(ui, 'file');
      await files.locator('[part~=file]').nth(1).waitFor({ state: 'visible' });
      const [fileLine] = await lines(id, 'file');
      const pdf = files.locator('[part~=download]').filter({ hasText: 'invoice.pdf' });
      const href = await pdf.getAttribute('href');
      assert.equal(href, fileLine.files.find((f) => f.name === 'invoice.pdf').url);
      assert.deepEqual(await newTab(pdf), ['_blank', 'noopener noreferrer']);
      // Downloaded: the browser saves what the simulator serves.
      const [download] = await Promise.all([ui.page.waitForEvent('download'), pdf.click()]);
      const saved = await download.path();
      const fs = await import('node:fs');
      const served = Buffer.from(await (await fetch(href)).arrayBuffer());
      assert.ok(served.subarray(0, 5).toString() === '%PDF-', 'a PDF');
      assert.deepEqual(fs.readFileSync(saved), served);
      // The image: a thumbnail that opens the full one in a new tab.
      const thumb = files.locator('[part~=thumb]');
      await eventually(async () => assert.ok(await thumb.locator('img').evaluate((i) => i.naturalWidth > 0)), { what: 'the thumbnail' });
      const [opened] = await Promise.all([ui.page.context().waitForEvent('page'), thumb.click()]);
      await opened.waitForLoadState();
      assert.equal(opened.url(), fileLine.files.find((f) => f.name === 'photo.png').url);
      assert.equal(await opened.evaluate(() => window.opener), null, 'no handle on the chat\'s page');
      await opened.close();
      await w.screenshot('enhanced-chat-link-and-files');
      await assertAxe(w, 'a link card and files');

      await site.client.action(id, 'rich', { kind: 'webview' });
      const web = rowOf(ui, 'webview').locator('[part~=webview]');
      await waitText(web, /Take our 1-minute survey/, 'the web view\'s button');
      assert.equal(await web.getAttribute('href'), 'https://example.com/survey');
      assert.deepEqual(await newTab(web), ['_blank', 'noopener noreferrer']);

      await site.client.action(id, 'rich', { kind: 'error' });
      await waitText(rowOf(ui, 'error'), /Error: We could not look up your order — The order service is not answering\./, 'the error');

      await site.client.action(id, 'rich', { kind: 'citations' });
      const cites = rowOf(ui, 'citations').locator('[part~=citations] a');
      await cites.first().waitFor({ state: 'visible' });
      assert.deepEqual(await cites.allTextContents(), ['Return policy', 'Refunds']);
      assert.deepEqual(await newTab(cites.first()), ['_blank', 'noopener noreferrer']);

      await site.client.action(id, 'rich', { kind: 'form' });
      await waitText(rowOf(ui, 'form'), /Shipping address.*This form cannot be filled in here\./s, 'the form\'s line');

      await site.client.action(id, 'rich', { kind: 'unknown' });
      await ui.waitRows((rows) => rows.some(([a, t]) => a === 'system' && /Chasitor Bot sent a message that cannot be shown here/.test(t)), 'the unshowable message said');
      await w.screenshot('enhanced-chat-webview-error-citations');
      await assertAxe(w, 'a web view, an error, citations, a form');

      // Nothing from the server is HTML, and no link leaves http(s).
      await site.client.action(id, 'rich', { message: { messageType: 'StaticContentMessage',
        staticContent: { formatType: 'RichLink', text: '<img src=x onerror="window.__pwned=1">',
          linkItem: { url: 'javascript:window.__pwned=2', titleItem: { title: 'Click me' } } } } });
      await ui.waitRows((rows) => rows.some(([, t]) => t.includes('<img src=x')), 'the markup shown as text');
      assert.equal(await ui.page.evaluate(() => window.__pwned), undefined);
      assert.equal(await ui.page.locator('[part~=transcript] a[href^="javascript"]').count(), 0);
      assert.deepEqual(w.pageErrors, []);
    });
  });

  test('the visitor\'s files: seen by the agent byte for byte, too large, of a refused type', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'miaw uploads', async (w) => {
      const { ui, id } = await withBot(w);
      const photo = file('photo.png', 'image/png', 300_000);
      await attach(ui, [photo]);
      const row = upload(ui, 'photo.png');
      await waitAttr(row, 'data-status', 'sent', 'the upload to show as sent');
      await waitText(row, /image\/png · 293 KB/, 'the file\'s type and size');
      assert.deepEqual(await uploaded(id, 'photo.png'), photo.buffer, 'the agent gets the same bytes');
      await eventually(async () => {
        const [line] = await lines(id, 'upload');
        assert.equal(line.status, 'Completed');
      }, { what: 'the server to finish the upload' });
      await assertAxe(w, 'an upload');

      // Over the deployment's 5 MB: refused before it goes, said under the composer.
      const before = (await site.client.requests()).filter((r) => r.path?.endsWith('/file')).length;
      await attach(ui, [file('scan.pdf', 'application/pdf', 5 * 1024 * 1024 + 1)]);
      const problem = ui.page.locator('[part~=file-problem]');
      await waitText(problem, /scan\.pdf is too large to send: files can be up to 5\.0 MB\./, 'the limit said');
      // A type the widget does not offer.
      await attach(ui, [file('setup.exe', 'application/x-msdownload', 1000)]);
      await waitText(problem, /setup\.exe cannot be sent/, 'the type said');
      assert.equal((await site.client.requests()).filter((r) => r.path?.endsWith('/file')).length, before, 'nothing went');
      await w.screenshot('enhanced-chat-file-too-large');
      await assertAxe(w, 'a refused file');

      // A type the server refuses (415): marked not sent, said in the transcript.
      await attach(ui, [file('list.csv', 'text/csv', 2000)]);
      await waitAttr(upload(ui, 'list.csv'), 'data-status', 'failed', 'the refused upload');
      await ui.waitRows((rows) => rows.some(([a, t]) => a === 'system' && /does not accept files of this type/.test(t)), 'the 415 said');
      // The server's later refusal (MessageUpdated with an error) marks it not sent too.
      await site.client.action(id, 'upload-error', { errorType: 'AttachmentUploadNotAllowed' });
      await attach(ui, [file('late.pdf', 'application/pdf', 1000)]);
      await waitAttr(upload(ui, 'late.pdf'), 'data-status', 'failed', 'the server\'s later refusal');
      await ui.waitRows((rows) => rows.some(([a, t]) => a === 'system' && /The file could not be delivered/.test(t)), 'the refusal said');
      assert.deepEqual(w.pageErrors, []);
    });
  });

  test('an upload cut by the network is retried; one cut by a reload is never shown as sent', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, 'miaw upload faults', async (w) => {
      const { ui, id } = await withBot(w);
      // Chromium sends a request cut on a reused connection once more by itself: two drops.
      const FILE_PATH = '/iamessage/api/v2/conversation/*/file';
      await site.client.fault({ kind: 'drop', count: 2, path: FILE_PATH });
      const doc = file('report.pdf', 'application/pdf', 1_000_000);
      await attach(ui, [doc]);
      const row = upload(ui, 'report.pdf');
      await waitAttr(row, 'data-status', 'failed', 'the cut upload');
      const retry = row.locator('[part~=retry]');
      await retry.waitFor({ state: 'visible' });
      await w.screenshot('enhanced-chat-upload-failed');
      await assertAxe(w, 'a failed upload');
      await retry.click();
      await waitAttr(row, 'data-status', 'sent', 'the retried upload');
      assert.deepEqual(await uploaded(id, 'report.pdf'), doc.buffer);
      assert.equal((await lines(id, 'upload')).length, 1, 'taken once');

      // A slow server: the upload shows its progress and can be cancelled.
      await site.client.fault({ kind: 'delay', ms: 8000, count: 1, path: '/iamessage/api/v2/conversation/*/file' });
      await attach(ui, [file('slow.pdf', 'application/pdf', 2_000_000)]);
      const slow = upload(ui, 'slow.pdf');
      await slow.locator('[part~=progress]').waitFor({ state: 'visible' });
      await slow.locator('[part~=cancel]').click();
      await waitAttr(slow, 'data-status', 'failed', 'the cancelled upload');
      await slow.locator('[part~=retry]').waitFor({ state: 'visible' });

      // Cut by a reload: after it, the row says not sent (its bytes went with the page).
      await site.client.fault({ kind: 'delay', ms: 20000, count: 1, path: '/iamessage/api/v2/conversation/*/file' });
      await attach(ui, [file('reload.pdf', 'application/pdf', 500_000)]);
      await waitAttr(upload(ui, 'reload.pdf'), 'data-status', 'sending', 'the upload on its way');
      await ui.page.reload();
      const again = upload(ui, 'reload.pdf');
      await waitAttr(again, 'data-status', 'failed', 'the upload cut by the reload');
      assert.equal(await shown(again.locator('[part~=retry]')), 0, 'no retry without the file');
      await waitAttr(upload(ui, 'report.pdf'), 'data-status', 'sent', 'the earlier upload still sent');
      assert.deepEqual(w.pageErrors, []);
    });
  });
});

// What the Enhanced Chat end-to-end suites share: a chat started through the deployment's
// pre-chat form, an agent accepting it, the visitor writing, what the simulator received.

import assert from 'node:assert/strict';
import { waitAttr, waitText, widget, widgetReady } from './harness.mjs';

/**
 * Loads the page, opens the window, fills the deployment's pre-chat form (from the token's answer:
 * the simulator's demo deployment has first and last name, e-mail, a Topic choice list and a hidden
 * PageUrl the site fills) and starts: queued in the simulator.
 */
export async function startChat(site, pageUrl, w, { check } = {}) {
  const ui = widget(w.page);
  await w.page.goto(pageUrl);
  await widgetReady(w.page);
  await w.page.evaluate(() => window.Chasitor.setPrechat({ PageUrl: 'https://shop.example/cart' }));
  await ui.launcher.click();
  await ui.prechat.waitFor({ state: 'visible' });
  const field = (name) => ui.prechat.locator(`[name="${name}"]`);
  await field('Topic').waitFor({ state: 'visible' });
  if (check) await check(ui);
  await field('_firstName').fill('Ada');
  await field('_lastName').fill('Lovelace');
  await field('_email').fill('ada@example.com');
  await field('Topic').selectOption('Delivery');
  assert.equal(await field('PageUrl').count(), 0, 'the hidden field is not shown');
  await ui.start.click();
  const conv = await site.client.waitForSession((s) => s.api === 'miaw' && s.state === 'queued', { what: 'the conversation to be created' });
  await ui.queue.waitFor({ state: 'visible' });
  return { ui, id: conv.id, conv };
}

export async function accepted(site, pageUrl, w, agentName = 'Andy L.') {
  const chat = await startChat(site, pageUrl, w);
  await site.client.accept(chat.id, agentName);
  await chat.ui.composer.waitFor({ state: 'visible' });
  await waitText(chat.ui.window, new RegExp(agentName.replace('.', '\\.')), 'the agent name in the window');
  return chat;
}

export async function visitorSays(ui, text) {
  await ui.composer.click();
  await ui.composer.pressSequentially(text);
  await ui.composer.press('Enter');
  const row = ui.message('visitor', text);
  await row.waitFor({ state: 'visible' });
  await waitAttr(row, 'data-status', 'sent', `${JSON.stringify(text)} to show as sent`);
  return row;
}

/** The visitor messages the simulator took, in order. */
export async function received(site, id) {
  const s = await site.client.session(id);
  return s.received.filter((r) => r.type === 'Message').map((r) => r.body?.message?.staticContent?.text);
}

export async function agentRows(ui) {
  return (await ui.rows()).filter(([a]) => a === 'agent').map(([, t]) => t);
}

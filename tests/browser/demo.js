// One demo server and one browser per test file, and what the demo-page tests share: opening
// the page on a phone, page errors collected and printed at the end, a new dossier, a party.
// `server` and `browser` are live bindings, set by the `before` hook `useDemo()` registers.

import { after, before } from 'node:test';
import { field, launchBrowser, prepare, startServer, waitControlled } from './harness.js';

export const FORM = 'abjuan-dossier-form';
export const PHONE = '/volumeB/parties/0/mobile';
export const SUMMARY = '/header/summary';

export let server;
export let browser;
const pageErrors = [];

/** Starts the demo server and the browser before the file's tests, stops them after. */
export function useDemo() {
  before(async () => {
    prepare();
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (pageErrors.length) console.log(`page errors:\n${pageErrors.join('\n')}`);
  });
}

/** Collects the page's uncaught errors and console errors, named after `who`. */
export function watch(page, who) {
  page.on('pageerror', (e) => pageErrors.push(`${who}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`${who} console: ${m.text()}`);
  });
}

/** The demo page in `context`, its service worker in control and the form ready. */
export async function openDemo(context, who, hash = '') {
  const page = await context.newPage();
  watch(page, who);
  await page.goto(`${server.url}/web/index.html${hash}`);
  await waitControlled(page);
  await page.evaluate(() => document.querySelector('abjuan-dossier-form').whenReady());
  return page;
}

/** 新建卷宗: a new dossier on this phone; returns its id. */
export async function newDossier(page) {
  await page.getByRole('button', { name: '新建卷宗' }).click();
  await page.waitForFunction(() => location.hash.length > 30);
  await field(page, SUMMARY).waitFor();
  return page.evaluate(() => location.hash.slice(1));
}

/** Adds a party to volume B with the form's add button. */
export async function addParty(page) {
  await page
    .locator(`${FORM} button[data-action="add-item"][data-pointer="/volumeB/parties"]`)
    .click();
}

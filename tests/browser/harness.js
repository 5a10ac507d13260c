// What the browser tests stand on: the real server binary (built by cargo), the built WASM
// package (wasm-forms/pkg-web), and Debian's chromium driven by playwright-core.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = join(ROOT, 'tests/artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Builds what the tests need unless it is there (`ABJUAN_SKIP_BUILD=1` skips cargo). */
export function prepare() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/test.d/50-browser.sh (it installs it)`);
  }
  if (!existsSync(join(ROOT, 'wasm-forms/pkg-web/abjuan_wasm_forms.js'))) {
    execFileSync('bash', ['scripts/build-wasm-forms.sh'], { cwd: ROOT, stdio: 'inherit' });
  }
  if (process.env.ABJUAN_SKIP_BUILD !== '1') {
    execFileSync('cargo', ['build', '-q', '-p', 'abjuan-server'], { cwd: ROOT, stdio: 'inherit' });
  }
  mkdirSync(ARTIFACTS, { recursive: true });
}

/** The `abjuan` binary of the dev build. */
export const BIN = join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), 'debug/abjuan');

/** Runs `abjuan admin --data-dir DATA …` (it works while the server runs); returns stdout. */
export function admin(data, ...args) {
  return execFileSync(BIN, ['admin', '--data-dir', data, ...args], { cwd: ROOT, encoding: 'utf8' });
}

/**
 * Starts `abjuan serve` on a free port with a fresh data dir; resolves `{url, data, stop, log}`
 * (`data`: the data dir, for `admin`).
 */
export function startServer() {
  const data = mkdtempSync(join(tmpdir(), 'abjuan-browser-'));
  const bin = BIN;
  const child = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data-dir', data], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const stop = async () => {
    if (child.exitCode == null && child.signalCode == null) {
      child.kill('SIGTERM');
      await new Promise((r) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          r();
        }, 3000);
        child.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
    rmSync(data, { recursive: true, force: true });
  };
  return new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`server did not say "listening on" within 30 s:\n${log}`));
    }, 30000);
    const onData = (chunk) => {
      log += chunk;
      const m = /listening on (http:\/\/[^\s]+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolveUrl({ url: m[1].replace(/\/$/, ''), data, stop, log: () => log });
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log}`));
    });
  });
}

/** Headless Debian chromium (Playwright gives every launch a fresh --user-data-dir). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--disable-dev-shm-usage',
      '--lang=zh-CN',
    ],
  });
}

/** A phone-sized browser context (360 px wide), Chinese locale, China time. */
export function phoneContext(browser) {
  return browser.newContext({
    viewport: { width: 360, height: 780 },
    deviceScaleFactor: 1,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    serviceWorkers: 'allow',
  });
}

/** The control of a field by JSON pointer, inside the form's shadow root. */
export function field(page, pointer) {
  return page.locator(`abjuan-dossier-form [data-pointer="${pointer}"]`).first();
}

/** The message slot tied to a field by aria-describedby. */
export async function messageOf(page, pointer) {
  const id = await field(page, pointer).getAttribute('aria-describedby');
  return page.locator(`abjuan-dossier-form [id="${id}"]`);
}

/** Waits until the service worker controls the page (reloads once if it does not yet). */
export async function waitControlled(page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  const controlled = await page.evaluate(() => !!navigator.serviceWorker.controller);
  if (!controlled) {
    await page.reload();
    await page.evaluate(() => navigator.serviceWorker.ready);
  }
  await page.waitForFunction(() => !!navigator.serviceWorker.controller);
}

/** The sync status line's data: `{online, pending, lastSync, text}`. */
export function syncStatus(page) {
  return page.evaluate(() => {
    const el = document.querySelector('abjuan-dossier-form').shadowRoot.querySelector('.sync');
    return {
      online: el.dataset.online === 'true',
      pending: Number(el.dataset.pending),
      lastSync: el.dataset.lastSync,
      text: el.textContent,
    };
  });
}

/** Waits until the form has synced and has nothing waiting. */
export async function waitSynced(page, timeout = 20000) {
  await page.waitForFunction(
    () => {
      const el = document.querySelector('abjuan-dossier-form')?.shadowRoot?.querySelector('.sync');
      return el?.dataset.lastSync && el.dataset.pending === '0';
    },
    null,
    { timeout, polling: 100 },
  );
}

/** The dossier JSON the form holds. */
export function dossierOf(page) {
  return page.evaluate(() => document.querySelector('abjuan-dossier-form').dossier);
}

/** A valid resident ID number (GB 11643-1999 check character) from its first 17 digits. */
export function withCheckDigit(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

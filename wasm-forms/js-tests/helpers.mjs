// Shared by the node:test files: the built package (pkg-node, or $ABJUAN_WASM_FORMS_PKG),
// fixtures, a fixed clock and device actor ids.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '..', '..');
export const pkgDir = process.env.ABJUAN_WASM_FORMS_PKG
  ? resolve(process.env.ABJUAN_WASM_FORMS_PKG)
  : join(root, 'wasm-forms', 'pkg-node');

const require = createRequire(import.meta.url);
/** The wasm-bindgen package built for Node (CommonJS, ready on require). */
export const wasm = require(join(pkgDir, 'abjuan_wasm_forms.js'));

/** The clock every fixture test uses: 2025-06-01 12:00 Beijing time. */
export const NOW = '2025-06-01T12:00:00+08:00';
export const ALICE = 'aa01aa01aa01aa01aa01aa01aa01aa01';
export const BOB = 'bb02bb02bb02bb02bb02bb02bb02bb02';

export const fixturesDir = join(root, 'shared', 'fixtures');
/** A valid fixture dossier, parsed. */
export function fixture(name) {
  return JSON.parse(readFileSync(join(fixturesDir, 'valid', name), 'utf8'));
}
export function fixtureNames(sub) {
  return readdirSync(join(fixturesDir, sub))
    .filter((f) => f.endsWith('.json'))
    .sort();
}

/** Asserts that `fn` throws an Error carrying `code`. */
export function throwsCode(assert, fn, code) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, `an Error, not ${typeof e}`);
    assert.equal(e.code, code, `code of: ${e.message}`);
    return true;
  });
}

// ---- the real server -------------------------------------------------------------------

/** The `abjuan` binary the server tests start (`$ABJUAN_BIN`, else the debug build). */
export const serverBin = process.env.ABJUAN_BIN ?? join(root, 'target', 'debug', 'abjuan');
/** A node:test `skip` value: the reason when there is no binary and none is required. */
export const serverSkip =
  !existsSync(serverBin) && process.env.ABJUAN_REQUIRE_SERVER !== '1'
    ? `no server binary at ${serverBin}`
    : false;

/**
 * Starts `abjuan serve` on a free loopback port with a fresh data dir: `{base, stop, dataDir}`.
 */
export async function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), 'abjuan-wasm-forms-'));
  const server = spawn(serverBin, ['serve', '--listen', '127.0.0.1:0'], {
    cwd: root,
    env: { ...process.env, ABJUAN_DATA_DIR: dataDir, ABJUAN_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () => {
    server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  const base = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('the server did not start in 30 s')), 30_000);
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        ok(m[1].replace(/\/$/, ''));
      }
    });
    server.on('exit', (code) => fail(new Error(`the server exited with ${code}`)));
  }).catch((e) => {
    stop();
    throw e;
  });
  return { base, stop, dataDir };
}

/** Runs `abjuan admin --data-dir DATA_DIR ...args` and returns its standard output. */
export function admin(dataDir, ...args) {
  return execFileSync(serverBin, ['admin', '--data-dir', dataDir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ABJUAN_LOG: 'warn' },
  });
}

export const b64 = (bytes) => Buffer.from(bytes).toString('base64');
export const unb64 = (text) => new Uint8Array(Buffer.from(text, 'base64'));

/** `POST /v1/sync` as device `device` (demo mode), JSON: `{status, reply}`. */
export async function postSync(base, device, body) {
  const res = await fetch(`${base}/v1/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-abjuan-device': device },
    body: JSON.stringify(body),
  });
  return { status: res.status, reply: await res.json() };
}

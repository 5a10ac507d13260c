// Shared by the node:test files: the built package (pkg-node, or $ABJUAN_WASM_FORMS_PKG),
// fixtures, a fixed clock and device actor ids.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
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
  return readdirSync(join(fixturesDir, sub)).filter((f) => f.endsWith('.json')).sort();
}

/** Asserts that `fn` throws an Error carrying `code`. */
export function throwsCode(assert, fn, code) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, `an Error, not ${typeof e}`);
    assert.equal(e.code, code, `code of: ${e.message}`);
    return true;
  });
}

// The validator-only package (pkg-validator-node: no automerge) validates and grades exactly
// like the full one, has no editing classes, and both .wasm files stay within their size
// budgets (gzip -9 of the optimised .wasm: < 700 KB full, < 200 KB validator-only).
// scripts/test.d/40-wasm-forms.sh builds it (`--validator`) and sets ABJUAN_REQUIRE_VALIDATOR,
// so in the test suite a missing package fails instead of skipping.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { fixture, fixtureNames, NOW, pkgDir, root, wasm } from './helpers.mjs';

const validatorDir =
  process.env.ABJUAN_WASM_FORMS_VALIDATOR_PKG ?? join(root, 'wasm-forms', 'pkg-validator-node');
const built = existsSync(join(validatorDir, 'abjuan_wasm_forms.js'));
if (!built && process.env.ABJUAN_REQUIRE_VALIDATOR) {
  throw new Error(`${validatorDir} is missing: run scripts/build-wasm-forms.sh --validator`);
}
const skip = built
  ? false
  : 'pkg-validator-node not built (scripts/build-wasm-forms.sh --validator)';
const validator = built
  ? createRequire(import.meta.url)(join(validatorDir, 'abjuan_wasm_forms.js'))
  : null;

/** The valid fixture dossiers and some broken text (the invalid fixtures are compared with native reports in same-reports.test.mjs). */
function inputs() {
  const out = fixtureNames('valid').map((n) => [n, JSON.stringify(fixture(n))]);
  const broken = ['{', '[]', '{}', '', '{"id": '];
  return out.concat(broken.map((t) => [JSON.stringify(t), t]));
}

test("the validator-only package gives the full package's reports and grades", { skip }, () => {
  for (const [name, input] of inputs()) {
    for (const locale of ['zh-CN', 'en']) {
      const opts = { now: NOW, locale };
      assert.equal(
        validator.validateDossierJson(input, opts),
        wasm.validateDossierJson(input, opts),
        `${name} ${locale}`,
      );
      assert.deepEqual(
        validator.validateStructure(input, opts),
        wasm.validateStructure(input, opts),
        `${name} ${locale}`,
      );
    }
  }
  const d = fixture('follow-up-marriage.json');
  assert.deepEqual(validator.grade(d), wasm.grade(d));
  assert.deepEqual(validator.dossierSchema('en'), wasm.dossierSchema('en'));
  assert.deepEqual(
    validator.validateField('/volumeB/parties/0/mobile', '123', d, { now: NOW }),
    wasm.validateField('/volumeB/parties/0/mobile', '123', d, { now: NOW }),
  );
});

test('the validator-only package has no editing or sync classes', { skip }, () => {
  assert.equal(validator.DossierDoc, undefined);
  assert.equal(validator.SyncState, undefined);
  assert.equal(typeof wasm.DossierDoc, 'function');
});

function gzipped(dir) {
  return gzipSync(readFileSync(join(dir, 'abjuan_wasm_forms_bg.wasm')), { level: 9 }).length;
}

// Budgets for two form types (the AB dossier and the site inspection, ~30 KB gzipped more than
// the dossier alone: each form's model brings its own parser and validators).
test('the full .wasm is under 740 KB gzipped', () => {
  const size = gzipped(pkgDir);
  assert.ok(size < 740_000, `${size} bytes gzipped`);
});

test('the validator-only .wasm is under 230 KB gzipped', { skip }, () => {
  const size = gzipped(validatorDir);
  assert.ok(size < 230_000, `${size} bytes gzipped`);
});

// The same fixture records (AB dossiers and site inspections) give byte-identical validation
// reports natively (Rust, the
// `native_reports` example) and in WASM, in both languages, with the same fixed clock.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NOW, root, wasm } from './helpers.mjs';

function nativeReports() {
  // scripts/test.d/40-wasm-forms.sh prints them once; otherwise run the example here.
  const text = process.env.ABJUAN_NATIVE_REPORTS
    ? readFileSync(process.env.ABJUAN_NATIVE_REPORTS, 'utf8')
    : execFileSync(
        'cargo',
        ['run', '-q', '--locked', '-p', 'abjuan-wasm-forms', '--example', 'native_reports'],
        {
          cwd: root,
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
  return JSON.parse(text);
}

test('fixture reports are byte-identical natively and in WASM', () => {
  const cases = nativeReports();
  // Dossiers: 4 valid and 42 invalid fixtures today; inspections: 3 and 31; two languages each.
  assert.ok(cases.length >= 2 * 80, `only ${cases.length} cases`);
  const inspections = cases.filter(
    (c) => c.name.startsWith('site_inspection/invalid/') && !JSON.parse(c.report).valid,
  );
  assert.ok(inspections.length >= 2 * 30, `${inspections.length} invalid inspection reports`);
  let invalid = 0;
  for (const { name, locale, input, report } of cases) {
    const opts = { now: NOW, locale };
    assert.equal(wasm.validateDossierJson(input, opts), report, `${name} (${locale})`);
    // The object form is the same report (JSON numbers: -90.0 and -90 are one value).
    assert.deepEqual(wasm.validateDossier(input, opts), JSON.parse(report), `${name} (${locale})`);
    if (name.startsWith('invalid/') && !JSON.parse(report).valid) invalid += 1;
  }
  assert.ok(invalid > 0, 'the invalid fixtures are invalid');
});

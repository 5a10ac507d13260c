// Side by side: validating the realistic fixture (shared/fixtures/valid/follow-up-marriage.json)
// from JavaScript with ajv (compiled once from the exported JSON Schema, with ajv-formats) and
// with this package: structural rules only, then every rule. Prints medians and ratios.
//
//   bash scripts/build-wasm-forms.sh && (cd wasm-forms && npm ci && node bench/validate-vs-ajv.mjs)
//
// Each sample times a batch of calls; the figure is the median over samples, per call.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const require = createRequire(import.meta.url);
// The full package and, when built (`--validator`), the validator-only one; or one given.
const pkgs = process.env.ABJUAN_WASM_FORMS_PKG
  ? [process.env.ABJUAN_WASM_FORMS_PKG]
  : ['pkg-node', 'pkg-validator-node']
      .map((d) => join(root, 'wasm-forms', d))
      .filter((d) => existsSync(join(d, 'abjuan_wasm_forms.js')));
const packages = pkgs.map((dir) => [basename(dir), require(join(dir, 'abjuan_wasm_forms.js'))]);
const wasm = packages[0][1];

const text = readFileSync(
  join(root, 'shared', 'fixtures', 'valid', 'follow-up-marriage.json'),
  'utf8',
);
const dossier = JSON.parse(text);
const opts = { now: '2025-06-01T12:00:00+08:00' };

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// schemars' numeric formats: what they promise, so ajv checks as much as the schema says.
const intIn = (max) => ({
  type: 'number',
  validate: (n) => Number.isInteger(n) && n >= 0 && n <= max,
});
ajv.addFormat('uint32', intIn(2 ** 32 - 1));
ajv.addFormat('uint64', intIn(Number.MAX_SAFE_INTEGER));
ajv.addFormat('double', { type: 'number', validate: Number.isFinite });
const ajvValidate = ajv.compile(wasm.dossierSchema('en'));
if (!ajvValidate(dossier))
  throw new Error(`ajv rejects the fixture: ${JSON.stringify(ajvValidate.errors)}`);
for (const [name, pkg] of packages) {
  if (!pkg.validateDossier(text, opts).valid) throw new Error(`${name} rejects the fixture`);
  if (!pkg.validateStructure(text, opts).valid) throw new Error(`${name} rejects the fixture`);
}

const ROUNDS = Number(process.env.ROUNDS ?? 12);
const SAMPLES = Number(process.env.SAMPLES ?? 15);
const BATCH = Number(process.env.BATCH ?? 50);

/** Median per-call time (µs) of SAMPLES batches of BATCH calls. */
function median(fn) {
  const perCall = [];
  for (let s = 0; s < SAMPLES; s += 1) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i += 1) fn();
    perCall.push(Number(process.hrtime.bigint() - t0) / BATCH / 1000);
  }
  perCall.sort((a, b) => a - b);
  return perCall[Math.floor(perCall.length / 2)];
}

const cases = [
  ['ajv, structural (parsed object)', () => ajvValidate(dossier)],
  ['ajv, structural (JSON text: JSON.parse + validate)', () => ajvValidate(JSON.parse(text))],
  // What handing an object to any WASM code costs before it validates anything.
  ['JSON.stringify of the object alone (no validation)', () => JSON.stringify(dossier)],
];
for (const [name, pkg] of packages) {
  cases.push(
    [`${name} validateStructure (JSON text)`, () => pkg.validateStructure(text, opts)],
    [`${name} validateStructure (object)`, () => pkg.validateStructure(dossier, opts)],
    [`${name} validateDossier, all rules (JSON text)`, () => pkg.validateDossier(text, opts)],
    [`${name} validateDossier, all rules (object)`, () => pkg.validateDossier(dossier, opts)],
  );
}
for (const [, fn] of cases) for (let i = 0; i < BATCH * 6; i += 1) fn(); // warm up (JIT, caches)
// Rounds interleave the cases, and each keeps its best median: on a shared machine, other
// processes slow some rounds, never speed one up.
const best = cases.map(() => Infinity);
for (let r = 0; r < ROUNDS; r += 1) {
  cases.forEach(([, fn], i) => {
    best[i] = Math.min(best[i], median(fn));
  });
}
const rows = cases.map(([name], i) => [name, best[i]]);

const ajvObject = rows[0][1];
const ajvText = rows[1][1];
console.log(
  `fixture: follow-up-marriage.json (${text.length} bytes); best of ${ROUNDS} rounds of the median of ${SAMPLES} × ${BATCH} calls; node ${process.version}; ${pkgs.join(', ')}`,
);
console.log('| what | median µs/call | ÷ ajv (object) | ÷ ajv (text) |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, us] of rows) {
  console.log(
    `| ${name} | ${us.toFixed(1)} | ${(us / ajvObject).toFixed(2)}× | ${(us / ajvText).toFixed(2)}× |`,
  );
}

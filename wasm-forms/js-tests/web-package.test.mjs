// The browser package (pkg-web, --target web) initialises from bytes and behaves like the
// Node one; package.json and .d.ts are there for npm and TypeScript users.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ALICE, fixture, NOW, root } from './helpers.mjs';

const webDir = process.env.ABJUAN_WASM_FORMS_WEB_PKG ?? join(root, 'wasm-forms', 'pkg-web');

test('pkg-web: initSync from bytes, then validate, grade and edit', async () => {
  const m = await import(pathToFileURL(join(webDir, 'abjuan_wasm_forms.js')).href);
  m.initSync({ module: readFileSync(join(webDir, 'abjuan_wasm_forms_bg.wasm')) });
  const dossier = fixture('follow-up-marriage.json');
  assert.equal(m.validateDossier(dossier, { now: NOW }).valid, true);
  assert.ok(m.grade(dossier).level);
  const doc = m.DossierDoc.create(dossier, ALICE, NOW);
  assert.equal(doc.dossierId(), dossier.id);
});

test('both packages are npm-ready with typed declarations', () => {
  for (const dir of [webDir, join(root, 'wasm-forms', 'pkg-node')]) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const f of pkg.files) assert.ok(existsSync(join(dir, f)), `${dir}/${f}`);
    const dts = readFileSync(join(dir, pkg.types), 'utf8');
    for (const decl of [
      'export function validateDossier(json: string | Dossier, opts?: ValidateOptions | null): ValidationReport;',
      'export function grade(json: string | Dossier, localRules?: LocalRules | string | null): Grade;',
      'export function dossierSchema(locale?: string | null): JsonSchema;',
      'static create(dossier: Dossier | string, actorHex: string, now?: string | null): DossierDoc;',
      'changesSince(volume: Volume, heads: string[]): Uint8Array[] | null;',
      'assess(opts?: ValidateOptions | null): Assessment;',
    ])
      assert.ok(dts.includes(decl), `${dir}: ${decl}`);
  }
});

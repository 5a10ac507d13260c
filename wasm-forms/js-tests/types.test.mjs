// The generated TypeScript declarations type the API as documented: a usage file compiles
// with `tsc --strict` against the built package (as the npm package `abjuan-wasm-forms`).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pkgDir, root } from './helpers.mjs';

const tsc = join(root, 'wasm-forms', 'node_modules', 'typescript', 'bin', 'tsc');

test('a strict TypeScript program using the whole API compiles', {
  skip: !existsSync(tsc) && 'typescript not installed (npm ci in wasm-forms/)',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'abjuan-ts-'));
  try {
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          skipLibCheck: false,
          types: [],
          lib: ['esnext', 'dom'],
          paths: { 'abjuan-wasm-forms': [join(pkgDir, 'abjuan_wasm_forms.d.ts')] },
        },
        files: [join(root, 'wasm-forms', 'js-tests', 'types', 'usage.ts')],
      }),
    );
    execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (e) {
    assert.fail(`tsc: ${e.stdout ?? ''}${e.stderr ?? e.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// validateDossier, validateField, grade and dossierSchema from JS: Chinese messages by default,
// English on request, errors as Error objects with a stable code.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, NOW, throwsCode, wasm } from './helpers.mjs';

const marriage = fixture('follow-up-marriage.json');

test('a valid dossier is valid, from an object or from JSON text', () => {
  const fromObject = wasm.validateDossier(marriage, { now: NOW });
  assert.equal(fromObject.valid, true, JSON.stringify(fromObject.issues));
  assert.equal(fromObject.stage, 'closing');
  assert.deepEqual(wasm.validateDossier(JSON.stringify(marriage), { now: NOW }), fromObject);
});

test('messages are Chinese by default and English on request', () => {
  const bad = structuredClone(marriage);
  bad.volumeB.parties[0].mobile = '12345';
  const zh = wasm.validateDossier(bad, { now: NOW });
  assert.equal(zh.valid, false);
  const issue = zh.issues.find((i) => i.code === 'phone_format');
  assert.ok(issue, JSON.stringify(zh.issues));
  assert.equal(issue.path, '/volumeB/parties/0/mobile');
  assert.equal(issue.severity, 'error');
  assert.match(issue.message, /电话号码格式不正确/);
  const en = wasm.validateDossier(bad, { now: NOW, locale: 'en' });
  assert.match(en.issues.find((i) => i.code === 'phone_format').message, /Not a phone number/);
});

test('a missing required field and broken JSON are reported in Chinese', () => {
  const bad = structuredClone(marriage);
  delete bad.header.station;
  const r = wasm.validateDossier(bad, { now: NOW });
  assert.deepEqual(
    r.issues.map((i) => [i.path, i.code]),
    [['/header/station', 'required']],
  );
  assert.equal(r.issues[0].message, '此项为必填项');
  const broken = wasm.validateDossier('{"id": ', { now: NOW });
  assert.equal(broken.valid, false);
  assert.match(broken.issues[0].message, /不是有效的JSON|类型不正确/);
});

test('the status option judges a draft as if it were closing', () => {
  const draft = fixture('draft-neighbour.json');
  assert.equal(wasm.validateDossier(draft, { now: NOW }).stage, 'draft');
  const closing = wasm.validateDossier(draft, { now: NOW, status: 'resolved' });
  assert.equal(closing.stage, 'closing');
  assert.equal(closing.valid, false);
  assert.ok(closing.issues.some((i) => i.severity === 'error'));
});

test('"now" defaults to the device clock: a session in 2030 is in the future', () => {
  const future = structuredClone(marriage);
  future.header.reportedAt = '2030-01-01T00:00:00+08:00';
  const r = wasm.validateDossier(future);
  assert.ok(
    r.issues.some((i) => i.path === '/header/reportedAt'),
    JSON.stringify(r.issues),
  );
});

test('validateField returns the issues of that field only', () => {
  const issues = wasm.validateField('/volumeB/parties/0/idNumber', '110105194912310021', marriage, {
    now: NOW,
  });
  assert.ok(issues.length > 0);
  assert.ok(
    issues.every((i) => i.path.startsWith('/volumeB/parties/0/idNumber')),
    JSON.stringify(issues),
  );
  const fine = wasm.validateField('/header/summary', '双方因彩礼返还发生争执。', marriage, {
    now: NOW,
  });
  assert.deepEqual(fine, []);
  const removed = wasm.validateField('/header/station', undefined, marriage, { now: NOW });
  assert.deepEqual(
    removed.map((i) => i.code),
    ['required'],
  );
  throwsCode(assert, () => wasm.validateField('/nowhere/at/all', 1, marriage), 'unknown_path');
});

test('grade: level, computed level and the fired rules with reasons', () => {
  const g = wasm.grade(marriage);
  assert.ok(['blue', 'yellow', 'orange', 'red'].includes(g.level));
  assert.ok(g.fired.length > 0);
  assert.ok(g.fired.every((f) => f.id && f.reason.zh && f.reason.en));
  const calm = fixture('draft-neighbour.json');
  assert.deepEqual(wasm.grade(calm), { level: 'blue', computed: 'blue', fired: [] });
  const rules = {
    rules: [
      {
        id: 'bureau.elderly',
        level: 'yellow',
        reason: { zh: '涉及老年人', en: 'An elderly party' },
        when: { path: '/volumeB/parties/*/vulnerable/elderly', op: 'truthy' },
      },
    ],
  };
  const local = wasm.grade(calm, rules);
  assert.equal(local.level, 'yellow');
  assert.equal(local.fired[0].source, 'local');
  assert.deepEqual(wasm.grade(JSON.stringify(calm), JSON.stringify(rules)), local);
});

test('errors are Error objects with a stable code', () => {
  throwsCode(assert, () => wasm.grade('{}'), 'invalid_dossier');
  throwsCode(assert, () => wasm.grade(marriage, { rules: 'nope' }), 'rules_invalid');
  throwsCode(assert, () => wasm.validateDossier(marriage, { status: 'closed' }), 'invalid_status');
  throwsCode(
    assert,
    () => wasm.validateDossier(marriage, { now: 'tomorrow' }),
    'invalid_timestamp',
  );
  throwsCode(assert, () => wasm.validateDossier(undefined), 'invalid_argument');
  const cyclic = {};
  cyclic.self = cyclic;
  throwsCode(assert, () => wasm.validateDossier(cyclic), 'invalid_json');
});

test('hostile input gives reports or coded errors, never a crash', () => {
  for (const input of [
    '',
    'null',
    '[]',
    '"x"',
    '{"id": 1e999}',
    '\u0000',
    '{'.repeat(5000),
    'x'.repeat(5 * 1024 * 1024),
  ]) {
    const r = wasm.validateDossier(input, { now: NOW });
    assert.equal(r.valid, false);
  }
  // Still alive afterwards.
  assert.equal(wasm.validateDossier(marriage, { now: NOW }).valid, true);
});

test('dossierSchema: JSON Schema with UI hints in the chosen language', () => {
  const zh = wasm.dossierSchema();
  assert.equal(zh.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(zh.title, '矛盾纠纷警情化解AB卷');
  assert.ok(zh.properties.header['x-ui'].label.zh);
  assert.equal(zh.$defs.VolumeB['x-personal'], true);
  assert.equal(wasm.dossierSchema('en').title, 'Dispute resolution AB dossier');
});

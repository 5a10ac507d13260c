// A bureau's local rule published with `abjuan admin rules add` changes the grade the WASM
// `grade` gives offline for the same dossier: the phone learns the version from GET /v1/me,
// fetches the set at GET /v1/rules/{version}, and grades (and validates) with it with no
// server in the loop; the grade names the version. Retiring it brings the core-only grade back.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { admin, fixture, NOW, serverSkip as skip, startServer, wasm } from './helpers.mjs';

let server;
let token;

before(async () => {
  if (skip) return;
  server = await startServer();
  const d = server.dataDir;
  admin(d, 'bureau', 'add', 'yongji', '永济市公安局');
  admin(d, 'station', 'add', 'yongji-puzhou', '蒲州派出所', '--bureau', 'yongji');
  admin(
    d,
    'person',
    'add',
    'wang',
    '--name',
    '王警官',
    '--role',
    'officer',
    '--station',
    'yongji-puzhou',
  );
  const code = admin(d, 'device', 'enrol', 'wang').trim().split('\n').pop();
  token = admin(d, 'device', 'redeem', code).trim().split('\n').pop();
});

after(() => server?.stop());

async function get(path) {
  const res = await fetch(`${server.base}${path}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: await res.json() };
}

/** The version GET /v1/me names, once it is `want` (the server reads CLI changes within 1 s). */
async function meNames(want) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { status, body } = await get('/v1/me');
    assert.equal(status, 200, JSON.stringify(body));
    const seen = body.ruleSet?.version ?? null;
    if (seen === want) return body.ruleSet;
    assert.ok(Date.now() < deadline, `GET /v1/me still names ${seen}, not ${want}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

const NEIGHBOUR_RULE = {
  id: 'yongji.neighbour_escalates',
  level: 'orange',
  reason: { zh: '邻里纠纷一律从严', en: 'Neighbour disputes are taken seriously here' },
  when: { path: '/header/category', op: 'eq', value: 'neighbour' },
};

test('a rule added with abjuan admin rules changes the offline grade', { skip }, async () => {
  const dossier = fixture('draft-neighbour.json');
  const before = wasm.grade(dossier);
  assert.equal(before.level, 'blue');
  assert.equal(before.ruleSet, undefined, 'core rules only');
  assert.equal(await meNames(null), null);

  const file = join(server.dataDir, 'rules.json');
  writeFileSync(file, JSON.stringify({ rules: [NEIGHBOUR_RULE] }));
  admin(server.dataDir, 'rules', 'add', 'yongji', file, '--note', '邻里从严');
  assert.deepEqual(await meNames(1), { bureau: 'yongji', version: 1 });
  const { status, body } = await get('/v1/rules/1');
  assert.equal(status, 200, JSON.stringify(body));
  const ruleSet = body.ruleSet;
  assert.deepEqual(
    [ruleSet.bureau, ruleSet.version, ruleSet.rules.map((r) => r.id)],
    ['yongji', 1, ['yongji.neighbour_escalates']],
  );

  // Offline from here: the same dossier, graded with the set the phone keeps.
  const g = wasm.grade(dossier, ruleSet);
  assert.equal(g.level, 'orange');
  assert.deepEqual(g.ruleSet, { bureau: 'yongji', version: 1 }, 'the grade names the version');
  const fired = g.fired.find((f) => f.id === 'yongji.neighbour_escalates');
  assert.ok(fired, JSON.stringify(g.fired));
  assert.equal(fired.source, 'local');
  assert.equal(fired.reason.zh, '邻里纠纷一律从严');
  assert.deepEqual(wasm.grade(JSON.stringify(dossier), JSON.stringify(ruleSet)), g, 'as text too');
  // The level decides what validation asks for: an orange dossier needs a follow-up plan.
  const plain = wasm.validateDossier(dossier, { now: NOW });
  const ruled = wasm.validateDossier(dossier, { now: NOW, localRules: ruleSet });
  assert.ok(!plain.issues.some((i) => i.code === 'follow_up_plan_required'));
  assert.ok(ruled.issues.some((i) => i.code === 'follow_up_plan_required'));

  admin(server.dataDir, 'rules', 'retire', 'yongji', '1');
  assert.equal(await meNames(null), null, 'retired: core rules only again');
  assert.deepEqual((await get('/v1/rules')).body, { ruleSet: null });
});

test('a rule set the phone cannot read is refused with its code', () => {
  assert.throws(
    () => wasm.grade(fixture('draft-neighbour.json'), { bureau: 'yongji', version: 1, rules: 7 }),
    (e) => e.code === 'rules_invalid',
  );
  const dup = { bureau: 'yongji', version: 1, rules: [NEIGHBOUR_RULE, NEIGHBOUR_RULE] };
  assert.throws(
    () => wasm.grade(fixture('draft-neighbour.json'), dup),
    (e) => e.code === 'rules_bad_id',
  );
});

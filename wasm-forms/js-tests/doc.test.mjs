// DossierDoc offline: create, edit, save, load, merge two officers' edits (fast path and sync
// protocol), conflicts, history, assessment; hostile bytes give coded errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALICE, BOB, fixture, NOW, throwsCode, wasm } from './helpers.mjs';

const { DossierDoc, SyncState } = wasm;
const LATER = '2025-06-01T12:05:00+08:00';

/** Sends each volume's missing changes from `from` to `to` (the phone API's fast path). */
function push(from, to) {
  let applied = 0;
  for (const v of ['a', 'b']) {
    // `to` may have changes `from` never saw: then send everything (applying is idempotent).
    const changes = from.changesSince(v, to.heads(v)) ?? from.changesSince(v, []);
    applied += to.applyChanges(v, changes);
  }
  return applied;
}

test('create, edit, save, load: the dossier survives the round trip', () => {
  const original = fixture('draft-neighbour.json');
  const doc = DossierDoc.create(original, ALICE, NOW);
  assert.equal(doc.dossierId(), original.id);
  assert.deepEqual(doc.toJSON().header.summary, original.header.summary);
  assert.deepEqual(JSON.parse(JSON.stringify(doc)).volumeB.parties[0].name, '王桂兰');

  const edit = doc.setField('/header/facts/peopleInvolved', 4, LATER);
  assert.match(edit.a, /^[0-9a-f]{64}$/);
  assert.equal(edit.b, null);
  doc.spliceText('/header/summary', 0, 2, '两户邻居', LATER);
  assert.ok(doc.toJSON().header.summary.startsWith('两户邻居因楼道'));
  doc.addParty(
    { id: '0193f0a0-0000-7000-8000-000000000070', name: '刘明', side: 'respondent' },
    LATER,
  );
  doc.changeStatus('mediating', LATER);
  doc.addSession(
    {
      id: '0193f0a0-0000-7000-8000-000000000071',
      at: LATER,
      method: 'on_site',
      attendees: ['0193f0a0-0000-7000-8000-00000000006f'],
      narrative: '现场调解，双方同意清理杂物。',
    },
    LATER,
  );

  const a = doc.saveA();
  const b = doc.saveB();
  assert.ok(a instanceof Uint8Array && b instanceof Uint8Array);
  const back = DossierDoc.load(a, b, BOB);
  assert.deepEqual(back.toJSON(), doc.toJSON());
  assert.equal(back.toJSON().header.status, 'mediating');
  assert.equal(back.toJSON().volumeB.parties.length, 2);
  assert.equal(back.toJSON().volumeA.sessions.length, 1);

  const history = back.history('a');
  assert.ok(history.length >= 4);
  assert.equal(history[0].actor, ALICE);
  assert.equal(history[0].message, 'create dossier');
  assert.ok(
    history.some((h) => h.paths.includes('/header/facts/peopleInvolved')),
    JSON.stringify(history),
  );
  assert.equal(back.history('b', false)[0].paths.length, 0);
});

test('two officers edit offline; their edits merge; a conflict is shown and resolved', () => {
  const phone1 = DossierDoc.create(fixture('follow-up-marriage.json'), ALICE, NOW);
  const phone2 = DossierDoc.load(phone1.saveA(), phone1.saveB(), BOB);
  phone1.setField('/header/facts/priorCalls', 3, LATER);
  phone2.setField('/header/facts/priorCalls', 4, LATER);
  phone1.spliceText('/header/summary', 0, 0, '【重点】', LATER);
  phone2.setField('/volumeB/parties/0/mobile', '13900000000', LATER);

  assert.ok(push(phone2, phone1) > 0);
  assert.ok(push(phone1, phone2) > 0);
  assert.equal(push(phone1, phone2), 0, 'nothing left to send');
  assert.deepEqual(phone1.toJSON(), phone2.toJSON());
  const merged = phone1.toJSON();
  assert.ok(merged.header.summary.startsWith('【重点】'));
  assert.equal(merged.volumeB.parties[0].mobile, '13900000000');

  const conflicts = phone1.conflicts();
  assert.equal(conflicts.length, 1);
  assert.equal(conflicts[0].path, '/header/facts/priorCalls');
  assert.equal(conflicts[0].volume, 'a');
  assert.deepEqual(conflicts[0].values.map((v) => v.value).sort(), [3, 4]);
  assert.equal(conflicts[0].values.filter((v) => v.winner).length, 1);

  const assessed = phone1.assess({ now: LATER });
  assert.equal(assessed.conflicts.length, 1);
  assert.equal(typeof assessed.report.valid, 'boolean');
  assert.ok(assessed.grade.level);

  phone1.resolveConflict('/header/facts/priorCalls', 4, LATER);
  push(phone1, phone2);
  assert.deepEqual(phone2.conflicts(), []);
  assert.equal(phone2.toJSON().header.facts.priorCalls, 4);
});

test('the sync protocol converges, and sync states persist as bytes', () => {
  const phone = DossierDoc.create(fixture('referred-debt.json'), ALICE, NOW);
  const other = DossierDoc.empty(phone.dossierId(), BOB);
  const states = { a: [new SyncState(), new SyncState()], b: [new SyncState(), new SyncState()] };
  const syncUntilQuiet = (v) => {
    const [s1, s2] = states[v];
    for (let round = 0; round < 20; round += 1) {
      const m1 = phone.generateSyncMessage(v, s1);
      if (m1) other.receiveSyncMessage(v, s2, m1);
      const m2 = other.generateSyncMessage(v, s2);
      if (m2) phone.receiveSyncMessage(v, s1, m2);
      if (m1 === null && m2 === null) return round;
    }
    return assert.fail('no convergence in 20 rounds');
  };
  for (const v of ['a', 'b']) {
    syncUntilQuiet(v);
    assert.deepEqual(other.heads(v), phone.heads(v));
  }
  assert.deepEqual(other.toJSON(), phone.toJSON());

  // The app restarts: the phone keeps its sync states as bytes; an edit syncs from there.
  for (const v of ['a', 'b']) states[v][0] = SyncState.decode(states[v][0].encode());
  phone.setField('/header/facts/priorCalls', 5, LATER);
  syncUntilQuiet('a');
  assert.deepEqual(other.heads('a'), phone.heads('a'));
  assert.equal(other.toJSON().header.facts.priorCalls, 5);
});

test('refused edits and hostile bytes give coded errors and change nothing', () => {
  const doc = DossierDoc.create(fixture('draft-neighbour.json'), ALICE, NOW);
  const heads = doc.heads('a');
  throwsCode(assert, () => doc.changeStatus('archived', LATER), 'status_transition');
  throwsCode(assert, () => doc.changeStatus('closed', LATER), 'invalid_status');
  throwsCode(
    assert,
    () => doc.setField('/header/facts/peopleInvolved', 'many', LATER),
    'edit_invalid',
  );
  throwsCode(assert, () => doc.spliceText('/header/station', 0, 0, 'x', LATER), 'edit_invalid');
  throwsCode(assert, () => doc.addParty({ name: 42 }, LATER), 'invalid_dossier');
  throwsCode(
    assert,
    () => doc.update({ ...doc.toJSON(), id: '0193f0a0-0000-7000-8000-0000000000ff' }, LATER),
    'doc_wrong_dossier',
  );
  throwsCode(assert, () => doc.setField('/header/summary', 'x', 'not a time'), 'invalid_timestamp');
  assert.deepEqual(doc.heads('a'), heads);

  throwsCode(
    assert,
    () => DossierDoc.load(new Uint8Array([1, 2, 3]), new Uint8Array(), ALICE),
    'doc_corrupt',
  );
  throwsCode(assert, () => DossierDoc.load(new Uint8Array(), new Uint8Array(), ALICE), 'doc_shape');
  throwsCode(
    assert,
    () => DossierDoc.create(fixture('draft-neighbour.json'), 'not-hex', NOW),
    'invalid_actor',
  );
  throwsCode(assert, () => doc.heads('c'), 'invalid_volume');
  throwsCode(
    assert,
    () => doc.applyChanges('a', [new Uint8Array([0x85, 0x6f, 0x4a, 0x83, 9, 9])]),
    'doc_corrupt',
  );
  throwsCode(assert, () => doc.applyChanges('a', ['text']), 'invalid_argument');
  throwsCode(assert, () => doc.changesSince('a', ['zz']), 'invalid_heads');
  assert.equal(doc.changesSince('a', ['ab'.repeat(32)]), null);
  throwsCode(
    assert,
    () => doc.receiveSyncMessage('a', new SyncState(), new Uint8Array([0x42, 1])),
    'doc_corrupt',
  );
  throwsCode(assert, () => SyncState.decode(new Uint8Array([0x99, 1, 2])), 'sync_state_corrupt');

  const other = DossierDoc.create(fixture('follow-up-marriage.json'), BOB, NOW);
  throwsCode(assert, () => doc.applyChanges('a', other.changesSince('a', [])), 'doc_wrong_dossier');
  assert.deepEqual(doc.heads('a'), heads);
  // Still usable.
  doc.setField('/header/facts/peopleInvolved', 2, LATER);
  assert.equal(doc.toJSON().header.facts.peopleInvolved, 2);
});

// The full offline story against the real server (`abjuan serve`): two phones edit offline,
// save and reload (as from IndexedDB), sync through POST /v1/sync (JSON + base64), converge;
// a phone with a stale idea of the server falls back to the sync protocol.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ALICE,
  BOB,
  b64,
  unb64 as bytes,
  fixture,
  NOW,
  postSync,
  serverSkip as skip,
  startServer,
  wasm,
} from './helpers.mjs';

const { DossierDoc, SyncState } = wasm;
const VOLUMES = ['a', 'b'];
const LATER = '2025-06-01T12:10:00+08:00';

let server;

before(async () => {
  if (!skip) server = await startServer();
});

after(() => server?.stop());

async function post(device, body) {
  const { status, reply } = await postSync(server.base, device, body);
  assert.equal(status, 200, JSON.stringify(reply));
  return reply;
}

/**
 * A phone: its documents (kept as saved bytes between "app launches"), the server heads it
 * saw last, and sync states for the fallback.
 */
class Phone {
  constructor(device, actor, doc) {
    this.device = device;
    this.actor = actor;
    this.doc = doc;
    this.serverHeads = { a: [], b: [] };
    this.states = { a: new SyncState(), b: new SyncState() };
  }

  /** Saves to "IndexedDB" and loads again, as after an app restart. */
  restart() {
    const a = this.doc.saveA();
    const b = this.doc.saveB();
    this.doc.free();
    this.doc = DossierDoc.load(a, b, this.actor);
  }

  /** One fast-path round trip for both volumes; returns the reply. */
  async sync() {
    const id = this.doc.dossierId();
    const docs = VOLUMES.map((volume) => ({
      dossier: id,
      volume,
      heads: this.serverHeads[volume],
      changes: (this.doc.changesSince(volume, this.serverHeads[volume]) ?? []).map(b64),
    }));
    const reply = await post(this.device, { docs });
    for (const d of reply.docs) {
      assert.equal(d.ok, true, JSON.stringify(d));
      this.doc.applyChanges(d.volume, d.changes.map(bytes));
      if (d.fallback) await this.fallback(d.volume, d.sync);
      else this.serverHeads[d.volume] = d.heads;
    }
    return reply;
  }

  /** automerge's sync protocol until neither side has anything to say. */
  async fallback(volume, first) {
    const id = this.doc.dossierId();
    if (first) this.doc.receiveSyncMessage(volume, this.states[volume], bytes(first));
    for (let round = 0; round < 20; round += 1) {
      const msg = this.doc.generateSyncMessage(volume, this.states[volume]);
      const reply = await post(this.device, {
        docs: [{ dossier: id, volume, heads: [], changes: [], ...(msg ? { sync: b64(msg) } : {}) }],
      });
      const d = reply.docs[0];
      assert.equal(d.ok, true, JSON.stringify(d));
      if (d.sync) this.doc.receiveSyncMessage(volume, this.states[volume], bytes(d.sync));
      if (!msg && !d.sync) {
        this.serverHeads[volume] = d.heads;
        return;
      }
    }
    assert.fail('the sync protocol did not settle in 20 rounds');
  }
}

test('offline edit → save → load → sync → a second phone → merge, against the real server', {
  skip,
}, async () => {
  const dossier = fixture('follow-up-marriage.json');
  const phone1 = new Phone('phone-1', ALICE, DossierDoc.create(dossier, ALICE, NOW));
  phone1.doc.setField('/header/facts/priorCalls', 3, LATER);
  phone1.restart();

  const first = await phone1.sync();
  assert.ok(
    first.docs.every((d) => d.applied > 0),
    JSON.stringify(first.docs),
  );
  const summary = first.dossiers[dossier.id];
  assert.ok(summary, 'the reply assesses the dossier');
  assert.equal(typeof summary.report.valid, 'boolean');
  assert.ok(summary.grade.level);
  assert.deepEqual(
    await phone1.sync().then((r) => r.docs.map((d) => d.applied)),
    [0, 0],
    'a retry changes nothing',
  );

  // A second officer's phone gets the dossier from the server alone.
  const phone2 = new Phone('phone-2', BOB, DossierDoc.empty(dossier.id, BOB));
  await phone2.sync();
  assert.deepEqual(phone2.doc.toJSON(), phone1.doc.toJSON());

  // Both edit offline, one of them restarts the app, both sync.
  phone1.doc.spliceText('/header/summary', 0, 0, '【回访】', LATER);
  phone2.doc.setField('/volumeB/parties/0/mobile', '13900000000', LATER);
  phone2.restart();
  await phone2.sync();
  await phone1.sync();
  await phone2.sync();
  const merged = phone1.doc.toJSON();
  assert.deepEqual(phone2.doc.toJSON(), merged);
  assert.ok(merged.header.summary.startsWith('【回访】'));
  assert.equal(merged.volumeB.parties[0].mobile, '13900000000');
  assert.equal(merged.header.facts.priorCalls, 3);
  for (const v of VOLUMES) assert.deepEqual(phone2.doc.heads(v), phone1.doc.heads(v));
  assert.equal(phone1.doc.assess({ now: LATER }).report.valid, true);
});

test('a phone whose idea of the server is stale falls back to the sync protocol', {
  skip,
}, async () => {
  const dossier = fixture('referred-debt.json');
  const phone = new Phone(
    'phone-3',
    'cc03cc03cc03cc03cc03cc03cc03cc03',
    DossierDoc.create(dossier, 'cc03cc03cc03cc03cc03cc03cc03cc03', NOW),
  );
  await phone.sync();
  phone.doc.setField('/header/facts/priorCalls', 2, LATER);
  phone.serverHeads = { a: ['ab'.repeat(32)], b: ['cd'.repeat(32)] }; // heads the server never had
  const reply = await phone.sync();
  assert.ok(
    reply.docs.some((d) => d.fallback),
    JSON.stringify(reply.docs),
  );
  // After the fallback the fast path works again and the server has the edit.
  const other = new Phone(
    'phone-4',
    'dd04dd04dd04dd04dd04dd04dd04dd04',
    DossierDoc.empty(dossier.id, 'dd04dd04dd04dd04dd04dd04dd04dd04'),
  );
  await other.sync();
  assert.equal(other.doc.toJSON().header.facts.priorCalls, 2);
  assert.deepEqual(other.doc.toJSON(), phone.doc.toJSON());
});

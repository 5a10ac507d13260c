// An independent client against the sync API: the official automerge JS package
// (@automerge/automerge, the npm registry's build, not ours) builds the dossier's two documents
// the way a JS developer naturally would (`A.from(json)`: every JS string becomes a text
// object), syncs them through POST /v1/sync by the fast path and by the generic sync protocol,
// and edits them together with our WASM form package. The server must take text-valued
// strings (ids, station, status, every field) as the strings they are, and still refuse a
// text id edited into another dossier's.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as A from '@automerge/automerge';
import {
  ALICE,
  b64,
  fixture,
  postSync,
  serverSkip as skip,
  startServer,
  unb64,
  wasm,
} from './helpers.mjs';

const { DossierDoc } = wasm;
const LATER = '2025-06-01T12:10:00+08:00';

let server;
before(async () => {
  if (!skip) server = await startServer();
});
after(() => server?.stop());

async function sync(device, docs) {
  const { status, reply } = await postSync(server.base, device, { docs });
  assert.equal(status, 200, JSON.stringify(reply));
  return reply;
}

/** The two documents of a dossier as automerge-js makes them from its JSON. */
function jsDocs(dossier) {
  const { volumeB, ...a } = dossier;
  return { a: A.from(a), b: A.from({ dossierId: dossier.id, volumeB }) };
}

/**
 * Keys sorted at every level (automerge maps come back in key order); a scalar string (how our
 * crate writes strings, which automerge-js reads as an ImmutableString) as the string it is.
 */
function canonical(v) {
  if (A.isImmutableString(v)) return v.toString();
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical(v[k])]),
    );
  }
  return v;
}

/** A JS client's fast-path round trip for both volumes: uploads, applies what comes back. */
async function roundTrip(device, id, docs, heads) {
  const reply = await sync(
    device,
    ['a', 'b'].map((volume) => ({
      dossier: id,
      volume,
      heads: heads[volume],
      changes: A.getChanges(A.view(docs[volume], heads[volume]), docs[volume]).map(b64),
    })),
  );
  for (const d of reply.docs) {
    assert.equal(d.ok, true, JSON.stringify(d));
    assert.equal(d.fallback, false);
    [docs[d.volume]] = A.applyChanges(docs[d.volume], d.changes.map(unb64));
    heads[d.volume] = d.heads;
  }
  return reply;
}

test('a dossier built by automerge-js (text strings) is stored, assessed and read back', {
  skip,
}, async () => {
  const dossier = fixture('follow-up-marriage.json');
  const docs = jsDocs(dossier);
  assert.ok(A.getObjectId(docs.a, 'id'), 'automerge-js made the id a text object');
  const heads = { a: [], b: [] };
  const reply = await roundTrip('js-1', dossier.id, docs, heads);
  assert.deepEqual(
    reply.docs.map((d) => d.applied > 0),
    [true, true],
    JSON.stringify(reply.docs),
  );
  const entry = reply.dossiers[dossier.id];
  assert.equal(entry.report.valid, true, JSON.stringify(entry.report.issues));
  assert.equal(entry.grade.level, 'yellow');

  const res = await fetch(`${server.base}/v1/dossiers/${dossier.id}`);
  assert.equal(res.status, 200);
  const stored = await res.json();
  assert.deepEqual(canonical(stored.dossier ?? stored), canonical(dossier));
  const list = await (await fetch(`${server.base}/v1/dossiers`)).json();
  const row = list.dossiers.find((r) => r.id === dossier.id);
  assert.equal(row?.station, dossier.header.station, 'the station is read from text too');
});

test('automerge-js and our WASM package edit one dossier offline and converge', {
  skip,
}, async () => {
  const dossier = fixture('referred-debt.json');
  const js = jsDocs(dossier);
  const jsHeads = { a: [], b: [] };
  const first = await roundTrip('js-2', dossier.id, js, jsHeads);
  // Its counts are f64 to automerge-js (0, not 0.0, to the model); the server reads them so.
  assert.equal(dossier.header.facts.priorCalls, 0);
  assert.equal(
    first.dossiers[dossier.id].report.valid,
    true,
    JSON.stringify(first.dossiers[dossier.id].report),
  );

  // Our form's document, filled from the server alone.
  const ours = DossierDoc.empty(dossier.id, ALICE);
  const ourHeads = { a: [], b: [] };
  const ourSync = async () => {
    const reply = await sync(
      'wasm-2',
      ['a', 'b'].map((volume) => ({
        dossier: dossier.id,
        volume,
        heads: ourHeads[volume],
        changes: (ours.changesSince(volume, ourHeads[volume]) ?? []).map(b64),
      })),
    );
    for (const d of reply.docs) {
      assert.equal(d.ok, true, JSON.stringify(d));
      ours.applyChanges(d.volume, d.changes.map(unb64));
      ourHeads[d.volume] = d.heads;
    }
    return reply;
  };
  await ourSync();
  assert.deepEqual(canonical(ours.toJSON()), canonical(dossier));

  // Offline, both edit: automerge-js splices the summary and sets a number; our package
  // splices the same text and overwrites a string field automerge-js wrote as text.
  js.a = A.change(js.a, (d) => {
    A.splice(d, ['header', 'summary'], 0, 0, '【JS】');
    d.header.facts.priorCalls = 4;
  });
  ours.spliceText('/header/summary', dossier.header.summary.length, 0, '（WASM）', LATER);
  ours.setField('/volumeB/parties/0/occupation', '个体户', LATER);

  await roundTrip('js-2', dossier.id, js, jsHeads);
  await ourSync();
  await roundTrip('js-2', dossier.id, js, jsHeads);

  const merged = ours.toJSON();
  assert.deepEqual(
    canonical({ ...A.toJS(js.a), volumeB: A.toJS(js.b).volumeB }),
    canonical(merged),
  );
  assert.equal(merged.header.summary, `【JS】${dossier.header.summary}（WASM）`);
  assert.equal(merged.header.facts.priorCalls, 4);
  assert.equal(merged.volumeB.parties[0].occupation, '个体户');
  assert.equal(ours.assess({ now: LATER }).report.valid, true);
});

test('a fresh automerge-js client catches up by the generic sync protocol', { skip }, async () => {
  const dossier = fixture('draft-neighbour.json');
  const source = jsDocs(dossier);
  await roundTrip('js-3', dossier.id, source, { a: [], b: [] });

  let doc = A.init();
  let state = A.initSyncState();
  for (let round = 0; ; round += 1) {
    assert.ok(round < 20, 'the sync protocol settles');
    let msg;
    [state, msg] = A.generateSyncMessage(doc, state);
    const reply = await sync('js-4', [
      {
        dossier: dossier.id,
        volume: 'a',
        heads: [],
        changes: [],
        ...(msg ? { sync: b64(msg) } : {}),
      },
    ]);
    const d = reply.docs[0];
    assert.equal(d.ok, true, JSON.stringify(d));
    if (d.sync) [doc, state] = A.receiveSyncMessage(doc, state, unb64(d.sync));
    if (!msg && !d.sync) break;
  }
  const { volumeB, ...a } = dossier;
  assert.deepEqual(canonical(A.toJS(doc)), canonical(a));
});

test('a text id edited into another dossier is refused and nothing is stored', {
  skip,
}, async () => {
  const dossier = fixture('follow-up-marriage.json');
  dossier.id = '0193f0a0-0000-7000-8000-0000000000a1';
  const docs = jsDocs(dossier);
  const heads = { a: [], b: [] };
  await roundTrip('js-5', dossier.id, docs, heads);

  // Rewrite the last character of the text id, and also add an honest edit in the same change.
  const edited = A.change(docs.a, (d) => {
    A.splice(d, ['id'], dossier.id.length - 1, 1, '2');
    d.header.facts.priorCalls = 9;
  });
  const reply = await sync('js-5', [
    {
      dossier: dossier.id,
      volume: 'a',
      heads: heads.a,
      changes: A.getChanges(docs.a, edited).map(b64),
    },
  ]);
  assert.equal(reply.docs[0].ok, false);
  assert.equal(reply.docs[0].error.code, 'doc_wrong_dossier');
  const stored = await (await fetch(`${server.base}/v1/dossiers/${dossier.id}`)).json();
  assert.equal((stored.dossier ?? stored).id, dossier.id);
  assert.equal((stored.dossier ?? stored).header.facts.priorCalls, dossier.header.facts.priorCalls);

  // A text id claiming another dossier from the start is refused too.
  const other = jsDocs({ ...dossier, id: '0193f0a0-0000-7000-8000-0000000000b2' });
  const refused = await sync('js-5', [
    {
      dossier: '0193f0a0-0000-7000-8000-0000000000c3',
      volume: 'a',
      heads: [],
      changes: A.getAllChanges(other.a).map(b64),
    },
  ]);
  assert.equal(refused.docs[0].error?.code, 'doc_wrong_dossier', JSON.stringify(refused.docs[0]));
});

// The form's pure modules in Node (no browser): time formatting, schema helpers, and the sync
// client's protocol steps against a scripted server.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { at, escapePointer, resolve, skeleton } from '../../wasm-forms/web/form/render.js';
import {
  fromBase64,
  pendingChanges,
  syncDossier,
  toBase64,
} from '../../wasm-forms/web/form/sync.js';
import { clock, fromLocalInput, toLocalInput } from '../../wasm-forms/web/form/text.js';
import { ROOT } from './harness.js';

describe('China time', () => {
  it('shows stored timestamps in China time and stores input with +08:00', () => {
    assert.equal(toLocalInput('2025-03-01T13:15:00Z'), '2025-03-01T21:15');
    assert.equal(toLocalInput('2025-03-01T21:15:00+08:00'), '2025-03-01T21:15');
    assert.equal(fromLocalInput('2025-03-01T21:15'), '2025-03-01T21:15:00+08:00');
    assert.equal(clock(Date.parse('2025-03-01T13:15:00Z')), '21:15');
  });
});

describe('schema helpers', () => {
  // The schema as the WASM package exports it (pkg-node), else as the Rust example prints it.
  const schemaText = (() => {
    try {
      const pkg = createRequire(import.meta.url)(
        join(ROOT, 'wasm-forms/pkg-node/abjuan_wasm_forms.js'),
      );
      return JSON.stringify(pkg.dossierSchema('zh'));
    } catch {
      // no pkg-node
    }
    try {
      return execFileSync('cargo', ['run', '-q', '-p', 'abjuan-shared', '--example', 'schema'], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      return null;
    }
  })();

  it('resolves references and nullability, and makes new items the model accepts', (t) => {
    if (!schemaText) return t.skip('schema example not buildable here');
    const schema = JSON.parse(schemaText);
    const party = resolve(schema, schema.$defs.VolumeB.properties.parties.items).def;
    const p = skeleton(schema, party);
    assert.match(p.id, /^[0-9a-f-]{36}$/);
    assert.equal(p.side, 'applicant');
    assert.equal(p.name, '');
    assert.equal(p.vulnerable.minor, false);
    const { nullable } = resolve(schema, schema.$defs.Party.properties.mobile);
    assert.equal(nullable, true);
    const session = skeleton(schema, schema.$defs.MediationSession);
    assert.equal(session.narrative, '');
    assert.deepEqual(session.attendees, []);
    assert.match(session.at, /\+08:00$/);
  });

  it('reads JSON pointers with escapes', () => {
    const doc = { a: { 'b/c': [{ 'd~e': 1 }] } };
    assert.equal(at(doc, `/a/${escapePointer('b/c')}/0/${escapePointer('d~e')}`), 1);
    assert.equal(at(doc, '/a/x/y'), undefined);
  });
});

/** A replica whose documents are lists of change strings (enough for the protocol steps). */
function fakeReplica(local) {
  const docs = { a: [...local.a], b: [...local.b] };
  const syncLog = [];
  return {
    docs,
    syncLog,
    heads: (v) => (docs[v].length ? [docs[v].at(-1)] : []),
    changesSince(v, heads) {
      if (!heads.length) return docs[v].map((c) => new TextEncoder().encode(c));
      const i = docs[v].indexOf(heads[0]);
      if (i < 0) return null;
      return docs[v].slice(i + 1).map((c) => new TextEncoder().encode(c));
    },
    applyChanges(v, changes) {
      let n = 0;
      for (const c of changes.map((b) => new TextDecoder().decode(b))) {
        if (!docs[v].includes(c)) {
          docs[v].push(c);
          n += 1;
        }
      }
      return n;
    },
    newSyncState: () => ({ rounds: 0 }),
    generateSyncMessage(v, state) {
      state.rounds += 1;
      syncLog.push(['generate', v, state.rounds]);
      return state.rounds <= 1 ? new TextEncoder().encode(`msg-${v}`) : null;
    },
    receiveSyncMessage(v, _state, msg) {
      syncLog.push(['receive', v, new TextDecoder().decode(msg)]);
    },
  };
}

function scriptedServer(replies) {
  const requests = [];
  const fetchImpl = async (url, init) => {
    const body = JSON.parse(init.body);
    requests.push({ url: String(url), headers: init.headers, body });
    const reply = replies.shift()(body);
    return { ok: true, status: 200, json: async () => reply };
  };
  return { fetchImpl, requests };
}

describe('sync client', () => {
  it('base64 round trip', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
  });

  it('fast path: sends what the server lacks, applies what it sends, keeps its heads', async () => {
    const replica = fakeReplica({ a: ['a1', 'a2'], b: [] });
    const { fetchImpl, requests } = scriptedServer([
      (body) => ({
        docs: body.docs.map((d) => ({
          dossier: d.dossier,
          volume: d.volume,
          ok: true,
          heads: d.volume === 'a' ? ['a3'] : [],
          changes: d.volume === 'a' ? [toBase64(new TextEncoder().encode('a3'))] : [],
        })),
      }),
    ]);
    const r = await syncDossier({
      server: 'http://s/',
      device: 'dev',
      replica,
      dossierId: 'x',
      heads: { a: ['a1'], b: [] },
      fetchImpl,
    });
    assert.equal(requests.length, 1);
    assert.equal(requests[0].url, 'http://s/v1/sync');
    assert.equal(requests[0].headers['X-Abjuan-Device'], 'dev');
    const a = requests[0].body.docs.find((d) => d.volume === 'a');
    assert.deepEqual(a.heads, ['a1']);
    assert.deepEqual(
      a.changes.map((c) => new TextDecoder().decode(fromBase64(c))),
      ['a2'],
    );
    assert.deepEqual(replica.docs.a, ['a1', 'a2', 'a3']);
    assert.deepEqual(r.heads, { a: ['a3'], b: [] });
    assert.equal(r.applied, 1);
    assert.equal(r.rounds, 1);
    assert.equal(r.fallback, false);
    assert.equal(pendingChanges(replica, r.heads), 0);
  });

  it('a head we do not know: everything since nothing', async () => {
    const replica = fakeReplica({ a: ['a1'], b: ['b1'] });
    const { fetchImpl, requests } = scriptedServer([
      (body) => ({
        docs: body.docs.map((d) => ({
          ...d,
          ok: true,
          heads: d.volume === 'a' ? ['a1'] : ['b1'],
          changes: [],
        })),
      }),
    ]);
    await syncDossier({
      server: 'http://s',
      replica,
      dossierId: 'x',
      heads: { a: ['zz'], b: ['b1'] },
      fetchImpl,
    });
    const a = requests[0].body.docs.find((d) => d.volume === 'a');
    assert.deepEqual(a.heads, []);
    assert.equal(a.changes.length, 1);
  });

  it('fallback: the generic protocol until both sides are quiet, then the reply heads', async () => {
    const replica = fakeReplica({ a: ['a1'], b: ['b1'] });
    const { fetchImpl, requests } = scriptedServer([
      // 1: the server does not know our heads for A.
      (body) => ({
        docs: body.docs.map((d) =>
          d.volume === 'a'
            ? {
                dossier: d.dossier,
                volume: 'a',
                ok: true,
                fallback: true,
                sync: toBase64(new TextEncoder().encode('s1')),
                heads: ['S'],
              }
            : { dossier: d.dossier, volume: 'b', ok: true, heads: ['b1'], changes: [] },
        ),
      }),
      // 2: our sync message arrives; the server has nothing more to say.
      (body) => {
        assert.deepEqual(
          body.docs.map((d) => d.volume),
          ['a'],
        );
        assert.equal(new TextDecoder().decode(fromBase64(body.docs[0].sync)), 'msg-a');
        return {
          docs: [
            { dossier: 'x', volume: 'a', ok: true, fallback: true, sync: null, heads: ['a1'] },
          ],
        };
      },
    ]);
    const r = await syncDossier({
      server: 'http://s',
      replica,
      dossierId: 'x',
      heads: { a: ['a1'], b: ['b1'] },
      fetchImpl,
    });
    assert.equal(requests.length, 2);
    assert.equal(r.fallback, true);
    assert.equal(r.rounds, 2);
    assert.deepEqual(r.heads, { a: ['a1'], b: ['b1'] });
    assert.deepEqual(replica.syncLog, [
      ['receive', 'a', 's1'],
      ['generate', 'a', 1],
      ['generate', 'a', 2],
    ]);
  });

  it('a refused volume is reported and keeps its old heads', async () => {
    const replica = fakeReplica({ a: ['a1'], b: ['b1'] });
    const { fetchImpl } = scriptedServer([
      (body) => ({
        docs: body.docs.map((d) =>
          d.volume === 'b'
            ? {
                dossier: d.dossier,
                volume: 'b',
                ok: false,
                error: { code: 'forbidden', message: 'no' },
              }
            : { dossier: d.dossier, volume: 'a', ok: true, heads: ['a1'], changes: [] },
        ),
      }),
    ]);
    const r = await syncDossier({
      server: 'http://s',
      replica,
      dossierId: 'x',
      heads: { a: [], b: [] },
      fetchImpl,
    });
    assert.deepEqual(r.errors, [{ volume: 'b', code: 'forbidden', message: 'no' }]);
    assert.deepEqual(r.heads, { a: ['a1'], b: [] });
  });

  it('a whole-request error carries the server code', async () => {
    const replica = fakeReplica({ a: [], b: [] });
    const fetchImpl = async () => ({
      ok: false,
      status: 503,
      json: async () => ({ code: 'storage', message: 'retry' }),
    });
    await assert.rejects(
      syncDossier({ server: 'http://s', replica, dossierId: 'x', heads: {}, fetchImpl }),
      (e) => e.code === 'storage' && e.status === 503,
    );
  });
});

// Server CPU per dossier-sync for phones written with the npm registry's @automerge/automerge
// the natural way (`A.from(json)`: every JS string a text object, every number an f64), against
// the real server binary on loopback. Prints markdown tables: per edit kind, warm (dossiers in
// the server's cache) and cold (just after a restart), and per length of history.
//
//   cargo build --profile dist -p abjuan-server
//   node wasm-forms/bench/server-cpu.mjs [--bin target/dist/abjuan] [--dossiers 200]
//        [--rounds 10] [--histories 100,1000,10000 | none] [--kinds scalar,follow,keystrokes]
//        [--stop term | kill]
//
// The cold round follows a restart: `--stop term` (the default) stops the server as an
// operator or a supervisor does (SIGTERM: it folds the change tails of the dossiers it holds
// into snapshots before exiting); `--stop kill` kills it (SIGKILL: the next start replays the
// changes stored after each snapshot).
//
// CPU is read from /proc/PID/stat (user + system) just before and after each request, so it
// counts the server's work for that request only; the phones' own work is in this process.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as A from '@automerge/automerge';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const bin = resolve(arg('bin', join(root, 'target', 'dist', 'abjuan')));
const N = Number(arg('dossiers', '200'));
const ROUNDS = Number(arg('rounds', '10'));
const HISTORIES = arg('histories', '100,1000,10000').split(',').filter(Number).map(Number);
// Only the edit kinds whose name contains one of these words (e.g. `--kinds follow,keystrokes`).
const KINDS = arg('kinds', '').split(',').filter(Boolean);
const TICK_MS = 1000 / 100; // USER_HZ: 100 on Linux
const RESTART_SIGNAL = arg('stop', 'term') === 'kill' ? 'SIGKILL' : 'SIGTERM';

const fixture = JSON.parse(
  readFileSync(join(root, 'shared/fixtures/valid/follow-up-marriage.json'), 'utf8'),
);
const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const unb64 = (text) => new Uint8Array(Buffer.from(text, 'base64'));

/** CPU time the process has used, in ms. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

class Server {
  constructor(dir) {
    this.dir = dir;
  }

  async start() {
    this.proc = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data-dir', this.dir], {
      env: { ...process.env, ABJUAN_LOG: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.base = await new Promise((ok, fail) => {
      let out = '';
      this.proc.stdout.on('data', (chunk) => {
        out += chunk;
        const m = out.match(/listening on (http:\/\/\S+)/);
        if (m) ok(m[1].replace(/\/$/, ''));
      });
      this.proc.on('exit', (code) => fail(new Error(`the server exited with ${code}`)));
    });
  }

  async stop(signal = 'SIGTERM') {
    const exited = new Promise((ok) => this.proc.on('exit', ok));
    this.proc.kill(signal);
    await exited;
  }

  /** POST /v1/sync; returns the reply and the server CPU ms the request took. */
  async sync(docs) {
    const before = cpuMs(this.proc.pid);
    const res = await fetch(`${this.base}/v1/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-abjuan-device': 'js-phones' },
      body: JSON.stringify({ docs }),
    });
    const reply = await res.json();
    const cpu = cpuMs(this.proc.pid) - before;
    if (res.status !== 200) throw new Error(JSON.stringify(reply));
    for (const d of reply.docs) if (!d.ok) throw new Error(JSON.stringify(d));
    return { reply, cpu };
  }
}

/** A phone's copy of one dossier, made with A.from. */
function newDossier() {
  const id = randomUUID();
  const { volumeB, ...a } = structuredClone({ ...fixture, id });
  return {
    id,
    docs: { a: A.from(a), b: A.from({ dossierId: id, volumeB }) },
    heads: { a: [], b: [] },
  };
}

/** The fast-path request items of these dossiers (both volumes). */
function items(dossiers) {
  return dossiers.flatMap((d) =>
    ['a', 'b'].map((volume) => ({
      dossier: d.id,
      volume,
      heads: d.heads[volume],
      changes: A.getChanges(A.view(d.docs[volume], d.heads[volume]), d.docs[volume]).map(b64),
    })),
  );
}

function absorb(dossiers, reply) {
  const byId = new Map(dossiers.map((d) => [d.id, d]));
  for (const r of reply.docs) {
    const d = byId.get(r.dossier);
    [d.docs[r.volume]] = A.applyChanges(d.docs[r.volume], r.changes.map(unb64));
    d.heads[r.volume] = r.heads;
  }
}

const EDITS = {
  'one scalar edit (priorCalls)': (d, i) => {
    d.docs.a = A.change(d.docs.a, (x) => {
      x.header.facts.priorCalls = 2 + (i % 5);
    });
  },
  'one added follow-up': (d, i) => {
    d.docs.a = A.change(d.docs.a, (x) => {
      x.volumeA.followUps.push({
        id: randomUUID(),
        at: '2025-05-20T10:00:00+08:00',
        by: '王警官',
        method: 'phone',
        partiesSaid: `双方表示已和好 ${i}`,
        flaredUp: false,
        notes: '',
      });
    });
  },
  'ten keystrokes into a narrative': (d) => {
    for (let k = 0; k < 10; k++) {
      d.docs.a = A.change(d.docs.a, (x) => {
        A.splice(x, ['volumeA', 'sessions', 0, 'narrative'], 5 + k, 0, '字');
      });
    }
  },
};

const per = (cpu, n) => (cpu / n).toFixed(2);

async function upload(server, dossiers, batch = 50) {
  for (let i = 0; i < dossiers.length; i += batch) {
    const part = dossiers.slice(i, i + batch);
    absorb(part, (await server.sync(items(part))).reply);
  }
}

async function editKinds() {
  const dir = mkdtempSync(join(tmpdir(), 'abjuan-cpu-'));
  const server = new Server(dir);
  await server.start();
  const dossiers = Array.from({ length: N }, newDossier);
  await upload(server, dossiers);
  const rows = [];
  for (const [kind, edit] of Object.entries(EDITS)) {
    if (KINDS.length && !KINDS.some((k) => kind.includes(k))) continue;
    let warm = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (const d of dossiers) edit(d, r);
      const { reply, cpu } = await server.sync(items(dossiers));
      absorb(dossiers, reply);
      warm += cpu;
    }
    await server.stop(RESTART_SIGNAL);
    await server.start();
    for (const d of dossiers) edit(d, ROUNDS);
    const { reply, cpu: cold } = await server.sync(items(dossiers));
    absorb(dossiers, reply);
    rows.push(`| ${kind} | ${per(warm, ROUNDS * N)} | ${per(cold, N)} |`);
  }
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `\n${N} dossiers (A.from, ${fixture.id ? 'follow-up-marriage.json' : ''}), all in one request per step; warm: mean of ${ROUNDS} rounds\n`,
  );
  console.log(
    `| edit (then one sync) | server CPU ms per dossier-sync, warm | cold (after a restart, ${RESTART_SIGNAL}) |`,
  );
  console.log('| --- | --- | --- |');
  for (const r of rows) console.log(r);
}

async function histories() {
  console.log('\nOne scalar edit on dossiers with a long history (keystrokes into the summary)\n');
  console.log('| changes of history | dossiers | server CPU ms per dossier-sync, warm | cold |');
  console.log('| --- | --- | --- | --- |');
  for (const h of HISTORIES) {
    const n = Math.max(4, Math.min(50, Math.round(20000 / h)));
    const dir = mkdtempSync(join(tmpdir(), 'abjuan-cpu-'));
    const server = new Server(dir);
    await server.start();
    const dossiers = Array.from({ length: n }, newDossier);
    for (const d of dossiers) {
      for (let k = 0; k < h; k++) {
        d.docs.a = A.change(d.docs.a, (x) => {
          A.splice(x, ['header', 'summary'], k % 20, 0, '字');
        });
      }
    }
    await upload(server, dossiers, 1);
    const edit = EDITS['one scalar edit (priorCalls)'];
    let warm = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (const d of dossiers) edit(d, r);
      const { reply, cpu } = await server.sync(items(dossiers));
      absorb(dossiers, reply);
      warm += cpu;
    }
    await server.stop(RESTART_SIGNAL);
    await server.start();
    for (const d of dossiers) edit(d, ROUNDS);
    const { cpu: cold } = await server.sync(items(dossiers));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    console.log(`| ${h} | ${n} | ${per(warm, ROUNDS * n)} | ${per(cold, n)} |`);
  }
}

console.log(`server: ${bin}`);
await editKinds();
await histories();

// The phone sync API (docs/sync-api.md), fast path: send the changes the server may lack
// since the heads it last told us, receive the changes we lack. Every request is safe to
// retry; a stale idea of the server's heads falls back to "since nothing" (still one round
// trip, and applying a change twice changes nothing).

export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

export function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export const VOLUMES = ['a', 'b'];

/** Local changes the server has not acknowledged (per volume, given its last heads). */
export function pendingChanges(replica, heads) {
  let n = 0;
  for (const v of VOLUMES) {
    const since = replica.changesSince(v, heads?.[v] ?? []);
    n += since == null ? replica.changesSince(v, []).length : since.length;
  }
  return n;
}

export class SyncError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

async function post({ server, credential, device, fetchImpl }, docs, lacking) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (credential) headers.Authorization = `Bearer ${credential}`;
  // Names this device to the server (its per-device sync state) until credentials carry it.
  if (device) headers['X-Abjuan-Device'] = device;
  const url = new URL('v1/sync', server.endsWith('/') ? server : `${server}/`);
  const res = await (fetchImpl ?? fetch)(url, {
    method: 'POST',
    headers,
    body: JSON.stringify(lacking?.length ? { docs, lacking } : { docs }),
    cache: 'no-store',
  });
  if (!res.ok) throw await failure(res);
  return res.json();
}

/** The server's refusal as a SyncError: its `{code, message}` body, else the HTTP status. */
async function failure(res) {
  let code = 'http_error';
  let message = `HTTP ${res.status}`;
  try {
    const body = await res.json();
    code = body.code ?? code;
    message = body.message ?? message;
  } catch {
    // not JSON
  }
  return new SyncError(message, code, res.status);
}

/**
 * Registers this device's actor id with the server (`POST /v1/actors`), so the changes it
 * uploads are accepted as its own. Only with a credential: an open demo server has no
 * devices. A server without the route (404/405) needs no registration.
 */
export async function registerActor({ server, credential, device, fetchImpl }) {
  const url = new URL('v1/actors', server.endsWith('/') ? server : `${server}/`);
  const res = await (fetchImpl ?? fetch)(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      Authorization: `Bearer ${credential}`,
      'X-Abjuan-Device': device,
    },
    body: JSON.stringify({ actors: [device] }),
    cache: 'no-store',
  });
  if (res.ok || res.status === 404 || res.status === 405) return true;
  throw await failure(res);
}

const MAX_ROUNDS = 10;

/**
 * Syncs one dossier: one round trip on the fast path; when the server does not know the heads
 * we remember (`fallback: true`), automerge's generic sync protocol for that volume until
 * neither side has more to say, then the reply's heads and the fast path again. Returns
 * `{heads, applied, rounds, fallback, errors, extra}`: the server heads per volume, how many
 * changes reached this device, round trips, whether the generic protocol ran, refused volumes,
 * and the server's per-dossier extras (report, grade, conflicts, may, and `blobs`: which of the
 * dossier's attachments the server lacks and which this device may fetch). `lacking`: the
 * addresses of attachments the dossier references that this device does not hold (asked
 * about in the first round).
 */
export async function syncDossier({
  server,
  credential,
  device,
  replica,
  dossierId,
  heads,
  lacking,
  fetchImpl,
}) {
  const http = { server, credential, device, fetchImpl };
  const next = { a: heads?.a ?? [], b: heads?.b ?? [] };
  const generic = {}; // volume -> {state, replyHadSync, heads}
  const errors = [];
  let applied = 0;
  let rounds = 0;
  let fallback = false;
  let extra = null;
  let volumes = [...VOLUMES];
  try {
    while (volumes.length && rounds < MAX_ROUNDS) {
      const docs = [];
      for (const volume of volumes) {
        const g = generic[volume];
        if (g) {
          const msg = replica.generateSyncMessage(volume, g.state);
          if (!msg && !g.replyHadSync) {
            next[volume] = g.heads; // both sides are done: back to the fast path
            g.state.free?.();
            delete generic[volume];
            continue;
          }
          const doc = { dossier: dossierId, volume, heads: [], changes: [] };
          if (msg) doc.sync = toBase64(msg);
          docs.push(doc);
          continue;
        }
        let since = next[volume];
        let changes = replica.changesSince(volume, since);
        if (changes == null) {
          // We do not know a head we were told: start from nothing (always safe).
          since = [];
          changes = replica.changesSince(volume, []) ?? [];
        }
        docs.push({ dossier: dossierId, volume, heads: since, changes: changes.map(toBase64) });
      }
      if (!docs.length) break;
      rounds += 1;
      const body = await post(http, docs, rounds === 1 ? lacking : null);
      extra = body.dossiers?.[dossierId] ?? extra;
      const again = [];
      for (const d of body.docs ?? []) {
        if (d.dossier !== dossierId || !VOLUMES.includes(d.volume)) continue;
        if (!d.ok) {
          errors.push({ volume: d.volume, ...(d.error ?? {}) });
          continue;
        }
        const changes = (d.changes ?? []).map(fromBase64);
        if (changes.length) applied += replica.applyChanges(d.volume, changes) ?? changes.length;
        if (d.fallback || generic[d.volume]) {
          fallback = true;
          generic[d.volume] ??= { state: replica.newSyncState() };
          const g = generic[d.volume];
          if (d.sync) {
            const before = replica.heads(d.volume).join();
            replica.receiveSyncMessage(d.volume, g.state, fromBase64(d.sync));
            if (replica.heads(d.volume).join() !== before) applied += 1;
          }
          g.replyHadSync = d.sync != null;
          g.heads = d.heads ?? [];
          again.push(d.volume);
          continue;
        }
        next[d.volume] = d.heads ?? [];
      }
      volumes = again;
    }
  } finally {
    // Out of rounds (or failed) mid-protocol: next time starts from nothing for that volume.
    for (const [volume, g] of Object.entries(generic)) {
      next[volume] = [];
      g.state.free?.();
    }
  }
  return { heads: next, applied, rounds, fallback, errors, extra };
}

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

/**
 * One round trip for one dossier. Returns `{heads, applied, fallback, extra}`: the server heads
 * per volume, how many changes were applied locally, whether a volume needs another round
 * (the server did not know our heads), and the server's per-dossier extras (report, grade,
 * conflicts).
 */
export async function syncDossier({ server, credential, device, replica, dossierId, heads, fetchImpl }) {
  const docs = VOLUMES.map((volume) => {
    let since = heads?.[volume] ?? [];
    let changes = replica.changesSince(volume, since);
    if (changes == null) {
      since = [];
      changes = replica.changesSince(volume, []) ?? [];
    }
    return { dossier: dossierId, volume, heads: since, changes: changes.map(toBase64) };
  });
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (credential) headers.Authorization = `Bearer ${credential}`;
  // Names this device to the server (its per-client sync state) until credentials carry it.
  if (device) headers['X-Abjuan-Device'] = device;
  const url = new URL('v1/sync', server.endsWith('/') ? server : `${server}/`);
  const res = await (fetchImpl ?? fetch)(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ docs }),
    cache: 'no-store',
  });
  if (!res.ok) {
    let code = 'http_error';
    let message = `HTTP ${res.status}`;
    try {
      const body = await res.json();
      code = body.code ?? code;
      message = body.message ?? message;
    } catch {
      // not JSON
    }
    throw new SyncError(message, code, res.status);
  }
  const body = await res.json();
  const next = { a: heads?.a ?? [], b: heads?.b ?? [] };
  let applied = 0;
  let fallback = false;
  const errors = [];
  for (const d of body.docs ?? []) {
    if (d.dossier !== dossierId || !VOLUMES.includes(d.volume)) continue;
    if (!d.ok) {
      errors.push({ volume: d.volume, ...(d.error ?? {}) });
      continue;
    }
    if (d.fallback) {
      // The server did not know our heads: next round sends everything since nothing.
      next[d.volume] = [];
      fallback = true;
      continue;
    }
    const changes = (d.changes ?? []).map(fromBase64);
    if (changes.length) {
      replica.applyChanges(d.volume, changes);
      applied += changes.length;
    }
    next[d.volume] = d.heads ?? [];
  }
  return { heads: next, applied, fallback, errors, extra: body.dossiers?.[dossierId] ?? null };
}

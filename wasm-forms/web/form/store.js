// What this device keeps: its automerge actor id (localStorage), per dossier the two
// documents' saved bytes plus the server heads seen in the last sync reply, per server the
// bureau's warning rule set in use, and the bytes of attachments by content address (IndexedDB).

const DB_NAME = 'abjuan-forms';
const STORE = 'dossiers';
const RULES = 'ruleSets';
const BLOBS = 'blobs';
const ACTOR_KEY = 'abjuan.actor';

/** This device's actor id: 16 random bytes as hex, made once and kept in localStorage. */
export function deviceActor() {
  let actor = null;
  try {
    actor = localStorage.getItem(ACTOR_KEY);
  } catch {
    // storage blocked: a fresh id per page load still merges correctly
  }
  if (!actor || !/^[0-9a-f]{32}$/.test(actor)) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    actor = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    try {
      localStorage.setItem(ACTOR_KEY, actor);
    } catch {
      // see above
    }
  }
  return actor;
}

let dbPromise = null;

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 3);
      req.onupgradeneeded = () => {
        // Version 1 had the dossiers only; version 2 adds the rule sets beside them, version 3
        // the attachments' bytes (by SHA-256, with whether the server has them yet).
        const db = req.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'id' });
        if (!db.objectStoreNames.contains(RULES))
          db.createObjectStore(RULES, { keyPath: 'server' });
        if (!db.objectStoreNames.contains(BLOBS)) {
          db.createObjectStore(BLOBS, { keyPath: 'sha256' }).createIndex('state', 'state');
        }
      };
      req.onsuccess = () => {
        const db = req.result;
        // A newer page wants to upgrade the database: let it (this page reopens on next use).
        db.onversionchange = () => {
          db.close();
          dbPromise = null;
        };
        resolve(db);
      };
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

function run(mode, fn, store = STORE) {
  return openDb().then(
    (db) =>
      new Promise((resolve, reject) => {
        const tx = db.transaction(store, mode);
        const result = fn(tx.objectStore(store));
        tx.oncomplete = () => resolve(result && 'result' in result ? result.result : undefined);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      }),
  );
}

/**
 * One dossier as stored: `{id, a, b, heads: {a, b}, lastSync, summary, status, updatedAt}`;
 * `a` and `b` are the documents' saved bytes, `heads` the server heads of the last reply.
 */
export function loadDossier(id) {
  return run('readonly', (s) => s.get(id));
}

export function saveDossier(record) {
  return run('readwrite', (s) => s.put(record));
}

/** Forgets one dossier on this device. */
export function deleteDossier(id) {
  return run('readwrite', (s) => s.delete(id));
}

/**
 * A new editing identity for this device from the next page load on. To the server a new
 * credential is a new device, and an actor id belongs to the device that first used it.
 */
export function renewActor() {
  try {
    localStorage.removeItem(ACTOR_KEY);
  } catch {
    // storage blocked: every page load has a fresh id anyway
  }
}

/**
 * Forgets every dossier kept on this device, and every attachment (ID-card copies among them):
 * another person takes the device over.
 */
export async function forgetDossiers() {
  await run('readwrite', (s) => s.clear(), BLOBS);
  return run('readwrite', (s) => s.clear());
}

/** Every dossier kept on this device (for an offline list). */
export function listDossiers() {
  return run('readonly', (s) => s.getAll());
}

/**
 * The rule set this device grades with for `server`: `{server, ruleSet, checkedAt}`, where
 * `ruleSet` is `{bureau, version, rules}` as GET /v1/rules gave it (null: core rules only).
 */
export function loadRuleSet(server) {
  return run('readonly', (s) => s.get(server), RULES);
}

export function saveRuleSet(record) {
  return run('readwrite', (s) => s.put(record), RULES);
}

/**
 * One attachment's bytes as kept here: `{sha256, type, size, bytes: Blob, thumb: Blob|null,
 * state: 'pending'|'stored'|'failed', code?, keptAt}`; `pending`: the server has not confirmed
 * it yet (the upload queue), `failed`: the server refused it for good (`code`).
 */
export function loadBlob(sha256) {
  return run('readonly', (s) => s.get(sha256), BLOBS);
}

export function saveBlob(record) {
  return run('readwrite', (s) => s.put(record), BLOBS);
}

/** The attachments waiting for upload. */
export function pendingBlobs() {
  return run('readonly', (s) => s.index('state').getAll('pending'), BLOBS);
}

/** How many attachments wait for upload. */
export function countPendingBlobs() {
  return run('readonly', (s) => s.index('state').count('pending'), BLOBS);
}

/** Which of `shas` this device holds the bytes of. */
export function heldBlobs(shas) {
  return run(
    'readonly',
    (s) => {
      const held = new Set();
      for (const sha of shas) {
        const req = s.getKey(sha);
        req.onsuccess = () => {
          if (req.result !== undefined) held.add(sha);
        };
      }
      return { result: held };
    },
    BLOBS,
  );
}

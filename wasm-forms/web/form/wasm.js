// The WASM module (wasm-forms/pkg-web, served under /pkg/) behind a small face, so the element
// does not care whether a binding takes or returns JSON text or JS values.

let modulePromise = null;

/** Loads and initialises the WASM package once; `pkgUrl` is the URL of abjuan_wasm_forms.js. */
export function loadWasm(pkgUrl) {
  if (!modulePromise) {
    modulePromise = import(pkgUrl).then(async (m) => {
      await m.default();
      return m;
    });
  }
  return modulePromise;
}

const parsed = (v) => (typeof v === 'string' ? JSON.parse(v) : v);

/** Validation report `{valid, stage, issues}` of a dossier (JS value). */
export function validate(m, dossier, opts) {
  return parsed(m.validateDossier(JSON.stringify(dossier), opts));
}

/** Issues of one field's raw value, in the context of the dossier. */
export function validateField(m, path, value, dossier, opts) {
  const r = parsed(m.validateField(path, value, dossier, opts));
  return Array.isArray(r) ? r : (r?.issues ?? []);
}

/**
 * Warning grade `{level, computed, fired, ruleSet?}`, with the bureau's rule set when one is
 * given (`{bureau, version, rules}` as GET /v1/rules gave it).
 */
export function grade(m, dossier, ruleSet) {
  return parsed(m.grade(JSON.stringify(dossier), ruleSet ?? undefined));
}

/**
 * SHA-256 of `bytes` (Uint8Array) as 64 lowercase hex digits: the attachment's address (the
 * browser's digest; a secure context, as every page of the server is).
 */
export async function contentAddress(bytes) {
  if (!globalThis.crypto?.subtle) {
    throw Object.assign(new Error('attachments need a secure context (HTTPS)'), {
      code: 'insecure_context',
    });
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The JSON Schema with UI hints of a form type (`formType` absent: the AB dossier's), from the
 * package's `formSchema(formType, locale)`. A package from before the registry
 * (`dossierSchema` only) knows the AB dossier alone.
 */
export function schema(m, locale, formType) {
  if (typeof m.formSchema === 'function') {
    return parsed(m.formSchema(formType ?? 'ab_dossier/v1', locale));
  }
  if (formType && formType !== 'ab_dossier/v1') {
    throw Object.assign(new Error(`unknown form type ${formType}`), { code: 'unknown_form_type' });
  }
  return parsed(m.dossierSchema(locale));
}

/** The registered form types, `[{code, label: {zh, en}}]` (the AB dossier first). */
export function forms(m) {
  if (typeof m.forms === 'function') return parsed(m.forms()) ?? [];
  return [{ code: 'ab_dossier/v1', label: { zh: '案件AB卷', en: 'AB dossier' } }];
}

/** An error's stable code (`edit_invalid`, `status_transition`...), if it has one. */
export function errorCode(e) {
  return e?.code ?? (typeof e === 'string' ? e : 'error');
}

/**
 * A dossier's two automerge documents on this device (DossierDoc of the WASM package), with
 * plain-JS results.
 */
export class Replica {
  constructor(m, doc, actor) {
    this.m = m;
    this.doc = doc;
    this.actor = actor;
  }

  static create(m, dossier, actor) {
    return new Replica(m, m.DossierDoc.create(dossier, actor), actor);
  }

  static load(m, a, b, actor) {
    return new Replica(m, m.DossierDoc.load(a, b, actor), actor);
  }

  /** Empty documents for a dossier this device has not seen yet, filled by the first sync. */
  static empty(m, dossierId, actor) {
    return new Replica(m, m.DossierDoc.empty(dossierId, actor), actor);
  }

  json() {
    return parsed(this.doc.toJSON());
  }

  saveA() {
    return this.doc.saveA();
  }

  saveB() {
    return this.doc.saveB();
  }

  update(dossier, message) {
    return this.doc.update(dossier, undefined, message);
  }

  setField(pointer, value) {
    return this.doc.setField(pointer, value);
  }

  spliceText(pointer, pos, del, insert) {
    return this.doc.spliceText(pointer, pos, del, insert);
  }

  addSession(session) {
    return this.doc.addSession(session);
  }

  addFollowUp(followUp) {
    return this.doc.addFollowUp(followUp);
  }

  addParty(party) {
    return this.doc.addParty(party);
  }

  changeStatus(status) {
    return this.doc.changeStatus(status);
  }

  resolveConflict(pointer, value) {
    return this.doc.resolveConflict(pointer, value);
  }

  conflicts() {
    return parsed(this.doc.conflicts()) ?? [];
  }

  heads(volume) {
    return parsed(this.doc.heads(volume)) ?? [];
  }

  changesSince(volume, heads) {
    const r = this.doc.changesSince(volume, heads);
    return r == null ? null : Array.from(r);
  }

  applyChanges(volume, changes) {
    return this.doc.applyChanges(volume, changes);
  }

  /** Changes of one document, oldest first (without the touched paths: cheap). */
  history(volume) {
    return parsed(this.doc.history(volume, false)) ?? [];
  }

  /** A fresh sync state of automerge's generic protocol (the fallback path). */
  newSyncState() {
    return new this.m.SyncState();
  }

  generateSyncMessage(volume, state) {
    return this.doc.generateSyncMessage(volume, state) ?? null;
  }

  receiveSyncMessage(volume, state, message) {
    this.doc.receiveSyncMessage(volume, state, message);
  }

  dossierId() {
    return this.doc.dossierId() ?? null;
  }

  free() {
    this.doc.free?.();
  }
}

// <abjuan-dossier-form>: the whole AB dossier form as one element, for any web page or a phone
// app's web view. Plain JS, no build step.
//
//   <script type="module" src="https://SERVER/web/abjuan-dossier-form.js"></script>
//   <abjuan-dossier-form server="https://SERVER/" dossier-id="…" credential="…" locale="zh">
//   </abjuan-dossier-form>
//
// Attributes: `server` (sync server base URL; absent = this device only), `dossier-id`,
// `credential` (device bearer token), `locale` (`zh` default, `en`), `readonly`,
// `poll-interval` (ms between background syncs, default 10000), `rules-interval` (ms between
// asking the server which version of the bureau's warning rule set is current, default 60000),
// `pkg` (URL of abjuan_wasm_forms.js; default: ../pkg/ next to this file). Property `ruleSet`:
// `{bureau, version}` of the rule set the grade uses (fetched from the server, kept offline).
// Events: `change` {pointer, value}, `validated` {report}, `synced` {dossierId, heads, applied},
// `conflict` {conflicts}, `error` {code, message}, `attached` {pointer, attachments}. Property `credentialProvider`: an (async)
// function returning the bearer token, for hosts that renew credentials (wins over the
// attribute).
//
// Every edit lands in the local automerge documents (WASM DossierDoc; narratives by text
// splices) and in IndexedDB at once; syncing is the element's business, not the officer's.
//
// This file is the element's public face, lifecycle and opening of a dossier; the rest of its
// methods live by area in form/ (draw, edit, checks, conflicts, history, status, persist,
// replicate, rules, attachments) and join the class below.

import { attachments } from './form/attachments.js';
import { checks } from './form/checks.js';
import { conflicts } from './form/conflicts.js';
import { drawing } from './form/draw.js';
import { editing } from './form/edit.js';
import { AB_DOSSIER, formTypeOf, newRecord } from './form/forms.js';
import { history } from './form/history.js';
import { persistence } from './form/persist.js';
import { escapePointer, resolve } from './form/render.js';
import { syncing } from './form/replicate.js';
import { ruleSets } from './form/rules.js';
import { status } from './form/status.js';
import { deviceActor, loadDossier } from './form/store.js';
import { STYLES } from './form/styles.js';
import { pendingChanges } from './form/sync.js';
import { words } from './form/text.js';
import { errorCode, forms, loadWasm, Replica, schema } from './form/wasm.js';

export { forgetDossiers, listDossiers, renewActor } from './form/store.js';

let instances = 0;

export class AbjuanDossierForm extends HTMLElement {
  static get observedAttributes() {
    return ['dossier-id', 'locale', 'readonly', 'server', 'credential'];
  }

  constructor() {
    super();
    this._prefix = `abf${++instances}-`;
    this._root = this.attachShadow({ mode: 'open' });
    this._root.innerHTML = `<style>${STYLES}</style>
      <div class="root">
        <p class="sync" role="status" aria-live="polite"></p>
        <section class="stuck" role="alert" hidden></section>
        <section class="grade" aria-live="polite" hidden></section>
        <section class="summary" hidden></section>
        <form class="form" novalidate></form>
        <details class="history" hidden><summary></summary><ol></ol></details>
      </div>`;
    this._els = {
      root: this._root.querySelector('.root'),
      sync: this._root.querySelector('.sync'),
      stuck: this._root.querySelector('.stuck'),
      grade: this._root.querySelector('.grade'),
      summary: this._root.querySelector('.summary'),
      form: this._root.querySelector('.form'),
      history: this._root.querySelector('.history'),
    };
    this._els.history.addEventListener('toggle', () => this._showHistory());
    this._replica = null;
    this._json = null;
    this._heads = { a: [], b: [] };
    this._lastSync = null;
    this._fieldIssues = new Map();
    this._report = null;
    this._conflicts = [];
    this._conflictSig = '';
    this._failures = 0;
    this._retryAt = null;
    this._syncing = null;
    this._composing = false;
    this._pathIndex = new Map();
    this._ready = null;
    this._bind();
  }

  // ---- public face --------------------------------------------------------------------

  get locale() {
    return this.getAttribute('locale') === 'en' ? 'en' : 'zh';
  }

  /**
   * Read-only: the `readonly` attribute, or the server said this caller may not change the
   * dossier (a bureau supervisor: `may.writeA` false in its last sync reply).
   */
  get readonly() {
    return this.hasAttribute('readonly') || this._may?.writeA === false;
  }

  /**
   * What the server said this caller may do to the open dossier (its last sync reply's
   * `may`: `{writeA, writeB, close, resolveConflicts}`), or null before the first sync.
   */
  get rights() {
    return this._may ? { ...this._may } : null;
  }

  /**
   * The bureau rule set the form grades with (`{bureau, version}`, as the server named it and
   * this device keeps it), or null: core rules only.
   */
  get ruleSet() {
    return this._ruleSet ? { bureau: this._ruleSet.bureau, version: this._ruleSet.version } : null;
  }

  /** The dossier as the form holds it now (JSON), or null. */
  get dossier() {
    return this._json ? structuredClone(this._json) : null;
  }

  /**
   * `{online, pending, lastSync, attachmentsPending}`: `attachmentsPending` counts the
   * attachments kept on this device that the server has not confirmed yet.
   */
  get syncState() {
    return {
      online: navigator.onLine,
      pending: this._replica ? pendingChanges(this._replica, this._heads) : 0,
      lastSync: this._lastSync,
      attachmentsPending: this._blobsPending ?? 0,
    };
  }

  /** The open record's form type (`ab_dossier/v1`, `site_inspection/v1`...), or null. */
  get formType() {
    return this._json ? formTypeOf(this._json) : null;
  }

  /**
   * The form types this element can create, `[{code, label: {zh, en}}]` (the registry's
   * catalogue, the AB dossier first); empty until the WASM package is loaded.
   */
  get formTypes() {
    return structuredClone(this._forms ?? []);
  }

  /** Resolves once the WASM module and schema are loaded. */
  whenReady() {
    return this._ensureReady();
  }

  /** Starts a new AB dossier on this device and opens it; returns its id. */
  createDossier(header = {}) {
    return this.createRecord(AB_DOSSIER, header);
  }

  /**
   * Starts a new record of `formType` (one of `formTypes`) on this device and opens it;
   * `header` goes into its header (`{station}`); returns its id.
   */
  async createRecord(formType = AB_DOSSIER, header = {}) {
    await this._ensureReady();
    const form = this._schemaFor(formType);
    if (!form) {
      throw Object.assign(new Error(`unknown form type ${formType}`), {
        code: 'unknown_form_type',
      });
    }
    const record = newRecord(formType, form, header);
    const id = record.id;
    this._retire();
    this._replica = Replica.create(this._m, record, this._actor);
    this._heads = { a: [], b: [] };
    this._lastSync = null;
    this._openId = id;
    await this._persistNow();
    this.setAttribute('dossier-id', id);
    this._refresh({ rerender: true });
    this._scheduleSync(0);
    return id;
  }

  /** Syncs now (when online and a server is set). */
  sync() {
    return this._syncNow();
  }

  // ---- lifecycle ----------------------------------------------------------------------

  connectedCallback() {
    this._onOnline = () => {
      this._failures = 0;
      this._showStatus();
      this._scheduleSync(0);
    };
    this._onOffline = () => this._showStatus();
    window.addEventListener('online', this._onOnline);
    window.addEventListener('offline', this._onOffline);
    const every = Number(this.getAttribute('poll-interval')) || 10000;
    this._poll = setInterval(() => {
      if (!this._syncing && navigator.onLine && document.visibilityState !== 'hidden') {
        this._syncNow();
      }
    }, every);
    this._ensureReady()
      .then(() => this._open(this.getAttribute('dossier-id')))
      .catch((e) => this._fail(e));
  }

  disconnectedCallback() {
    window.removeEventListener('online', this._onOnline);
    window.removeEventListener('offline', this._onOffline);
    clearInterval(this._poll);
    clearTimeout(this._syncTimer);
  }

  attributeChangedCallback(name, oldValue, value) {
    if (oldValue === value || !this._m) return;
    if (name === 'dossier-id') this._open(value).catch((e) => this._fail(e));
    else if (name === 'locale' || name === 'readonly') this._refresh({ rerender: true });
    else if (name === 'server') {
      this._ruleSet = null;
      this._ruleSetCheckedAt = 0;
      this._loadRuleSet().then(() => this._refresh());
      this._scheduleSync(0);
    } else this._scheduleSync(0);
  }

  _ensureReady() {
    if (!this._ready) {
      const pkg =
        this.getAttribute('pkg') ?? new URL('../pkg/abjuan_wasm_forms.js', import.meta.url).href;
      this._ready = loadWasm(pkg).then(async (m) => {
        this._m = m;
        this._schemas = new Map();
        this._forms = forms(m);
        this._schema = this._schemaFor(AB_DOSSIER);
        this._actor = deviceActor();
        await this._loadRuleSet();
      });
      this._showNotice(words(this.locale).loading);
    }
    return this._ready;
  }

  /** The JSON Schema of a form type (kept once loaded), or null when no form has that code. */
  _schemaFor(formType) {
    if (!this._schemas.has(formType)) {
      let s = null;
      try {
        s = schema(this._m, 'zh', formType);
      } catch {
        s = null;
      }
      this._schemas.set(formType, s);
    }
    return this._schemas.get(formType);
  }

  async _open(id) {
    if (!id) {
      this._retire();
      this._openId = null;
      this._showNotice(words(this.locale).noDossier);
      this._showStatus();
      return;
    }
    if (this._openId === id && this._replica) return;
    this._openId = id;
    const rec = await loadDossier(id);
    if (this._openId !== id) return;
    this._retire();
    let loaded = null;
    if (rec) {
      try {
        loaded = Replica.load(this._m, rec.a, rec.b, this._actor);
      } catch (e) {
        // Damaged local copy: start empty and take the server's (local-only edits are lost).
        this._emit('error', { code: errorCode(e), message: String(e?.message ?? e) });
      }
    }
    if (loaded) {
      this._replica = loaded;
      this._heads = rec.heads ?? { a: [], b: [] };
      this._lastSync = rec.lastSync ?? null;
      this._names = rec.names ?? {};
      this._may = rec.may ?? null;
    } else {
      this._replica = Replica.empty(this._m, id, this._actor);
      this._heads = { a: [], b: [] };
      this._lastSync = null;
    }
    this._refresh({ rerender: true });
    this._scheduleSync(0);
  }

  /** Lets go of the open dossier's documents (a sync in flight keeps them until it ends). */
  _retire() {
    this._dropThumbs();
    const old = this._replica;
    if (old && !this._syncing) old.free();
    this._replica = null;
    this._json = null;
    this._fieldIssues.clear();
    this._conflicts = [];
    this._conflictSig = '';
    this._gradeSig = '';
    this._names = {};
    this._may = null;
    this._stuck = null;
    this._showStuck();
  }

  // ---- drawing, status, checks, conflicts, history, editing, keeping, syncing: form/*.js

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  _fail(e) {
    this._showNotice(`${words(this.locale).editRefused}: ${e?.message ?? e}`);
    this._emit('error', { code: errorCode(e), message: String(e?.message ?? e) });
  }
}

// The element's behaviour by area (form/draw.js, status.js, checks.js, conflicts.js,
// history.js, edit.js, persist.js, replicate.js): each area's methods join the class as if
// written in it (non-enumerable; `this` is the element).
for (const area of [
  drawing,
  status,
  checks,
  conflicts,
  history,
  editing,
  persistence,
  syncing,
  ruleSets,
  attachments,
]) {
  for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(area))) {
    if (Object.hasOwn(AbjuanDossierForm.prototype, name))
      throw new Error(`duplicate method ${name}`);
    Object.defineProperty(AbjuanDossierForm.prototype, name, { ...d, enumerable: false });
  }
}

if (!customElements.get('abjuan-dossier-form')) {
  customElements.define('abjuan-dossier-form', AbjuanDossierForm);
}

export { escapePointer, resolve };

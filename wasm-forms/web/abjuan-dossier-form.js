// <abjuan-dossier-form>: the whole AB dossier form as one element, for any web page or a phone
// app's web view. Plain JS, no build step.
//
//   <script type="module" src="https://SERVER/web/abjuan-dossier-form.js"></script>
//   <abjuan-dossier-form server="https://SERVER/" dossier-id="…" credential="…" locale="zh">
//   </abjuan-dossier-form>
//
// Attributes: `server` (sync server base URL; absent = this device only), `dossier-id`,
// `credential` (device bearer token), `locale` (`zh` default, `en`), `readonly`,
// `poll-interval` (ms between background syncs, default 10000), `pkg` (URL of
// abjuan_wasm_forms.js; default: ../pkg/ next to this file).
// Events: `change` {pointer, value}, `validated` {report}, `synced` {dossierId, heads, applied},
// `conflict` {conflicts}, `error` {code, message}. Property `credentialProvider`: an (async)
// function returning the bearer token, for hosts that renew credentials (wins over the
// attribute).
//
// Every edit lands in the local automerge documents (WASM DossierDoc; narratives by text
// splices) and in IndexedDB at once; syncing is the element's business, not the officer's.

import { loadWasm, validate, validateField, grade, schema, errorCode, Replica } from './form/wasm.js';
import { deviceActor, loadDossier, saveDossier } from './form/store.js';
import { syncDossier, registerActor, pendingChanges } from './form/sync.js';
import { renderForm, at, skeleton, resolve, escapePointer } from './form/render.js';
import { words, fromLocalInput, nowIso, clock, stamp } from './form/text.js';
import { STYLES } from './form/styles.js';

export { listDossiers } from './form/store.js';

const FORM_TYPE = 'ab_dossier/v1';
let instances = 0;

function css(s) {
  return globalThis.CSS?.escape ? CSS.escape(s) : s.replace(/["\\]/g, '\\$&');
}

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
        <section class="grade" aria-live="polite" hidden></section>
        <section class="summary" hidden></section>
        <form class="form" novalidate></form>
        <details class="history" hidden><summary></summary><ol></ol></details>
      </div>`;
    this._els = {
      root: this._root.querySelector('.root'),
      sync: this._root.querySelector('.sync'),
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

  get readonly() {
    return this.hasAttribute('readonly');
  }

  /** The dossier as the form holds it now (JSON), or null. */
  get dossier() {
    return this._json ? structuredClone(this._json) : null;
  }

  /** `{online, pending, lastSync}`. */
  get syncState() {
    return {
      online: navigator.onLine,
      pending: this._replica ? pendingChanges(this._replica, this._heads) : 0,
      lastSync: this._lastSync,
    };
  }

  /** Resolves once the WASM module and schema are loaded. */
  whenReady() {
    return this._ensureReady();
  }

  /** Starts a new dossier on this device and opens it; returns its id. */
  async createDossier(header = {}) {
    await this._ensureReady();
    const id = crypto.randomUUID();
    const dossier = {
      id,
      formType: FORM_TYPE,
      header: {
        station: header.station ?? 'station',
        category: header.category ?? 'other',
        source: header.source ?? 'walk_in',
        reportedAt: header.reportedAt ?? nowIso(),
        summary: header.summary ?? '',
        status: 'registered',
        ...header,
      },
      volumeA: { sessions: [], followUps: [] },
      volumeB: { parties: [], relations: [], legalEducation: [] },
    };
    this._retire();
    this._replica = Replica.create(this._m, dossier, this._actor);
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
    else this._scheduleSync(0);
  }

  _ensureReady() {
    if (!this._ready) {
      const pkg =
        this.getAttribute('pkg') ?? new URL('../pkg/abjuan_wasm_forms.js', import.meta.url).href;
      this._ready = loadWasm(pkg).then((m) => {
        this._m = m;
        this._schema = schema(m, 'zh');
        this._actor = deviceActor();
      });
      this._showNotice(words(this.locale).loading);
    }
    return this._ready;
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
    const old = this._replica;
    if (old && !this._syncing) old.free();
    this._replica = null;
    this._json = null;
    this._fieldIssues.clear();
    this._conflicts = [];
    this._conflictSig = '';
    this._gradeSig = '';
    this._names = {};
  }

  // ---- drawing ------------------------------------------------------------------------

  _showNotice(text) {
    this._els.form.replaceChildren();
    const p = document.createElement('p');
    p.className = 'notice';
    p.textContent = text;
    this._els.form.append(p);
    this._els.grade.hidden = true;
    this._els.summary.hidden = true;
    this._els.history.hidden = true;
  }

  /**
   * Who changed what and when (both documents, newest first). A run of keystrokes by one
   * device in one field is one line.
   */
  _showHistory() {
    const w = words(this.locale);
    const box = this._els.history;
    box.querySelector('summary').textContent = w.history;
    if (!box.open || !this._replica || !this._json) return;
    let entries = [];
    try {
      entries = ['a', 'b'].flatMap((v) => this._replica.history(v));
    } catch {
      entries = [];
    }
    entries.sort((x, y) => y.time - x.time);
    const rows = [];
    for (const e of entries) {
      const last = rows.at(-1);
      if (last && last.actor === e.actor && last.message === e.message && last.time - e.time < 10 * 60000) {
        last.count += 1;
        continue;
      }
      rows.push({ ...e, count: 1 });
      if (rows.length >= 100) break;
    }
    const label = (pointer) => {
      const target = this._targetFor(pointer);
      return target?.querySelector(':scope > label, :scope > legend')?.textContent ?? pointer;
    };
    const ol = box.querySelector('ol');
    ol.replaceChildren(
      ...rows.map((r) => {
        const li = document.createElement('li');
        const [verb, pointer] = String(r.message ?? '').split(' ');
        const what = pointer?.startsWith('/') ? `${w.verbs[verb] ?? verb} ${label(pointer)}` : (w.verbs[r.message] ?? r.message ?? '');
        li.textContent = `${stamp(r.time)} · ${this._who(r.actor)} · ${what}${r.count > 1 ? ` ×${r.count}` : ''}`;
        return li;
      }),
    );
  }

  /** Re-reads the documents; redraws the form when asked (keeps focus and caret). */
  _refresh({ rerender = false, reread = true, conflicts = true } = {}) {
    this._els.root.lang = this.locale === 'en' ? 'en' : 'zh-CN';
    const w = words(this.locale);
    if (reread || !this._json) this._json = this._replica ? this._replica.json() : null;
    if (!this._json || !this._json.id || !this._json.header) {
      this._json = null;
      this._showNotice(navigator.onLine && this._lastSync ? w.notFound : w.notLocal);
      this._showStatus();
      return;
    }
    if (rerender) this._draw();
    this._els.history.hidden = false;
    if (rerender) this._showHistory();
    this._validate();
    if (conflicts) this._showConflicts();
    if (reread) this._showStatus();
    else this._showStatusSoon();
  }

  /** The status line after a burst of keystrokes (counting pending changes has a cost). */
  _showStatusSoon() {
    // A local edit always leaves at least one change waiting; the exact count follows.
    const el = this._els.sync;
    if (!(Number(el.dataset.pending) > 0)) el.dataset.pending = '1';
    if (this._statusTimer) return;
    this._statusTimer = setTimeout(() => {
      this._statusTimer = null;
      this._showStatus();
    }, 250);
  }

  /**
   * Mirrors a successful one-field edit in the cached JSON, so a keystroke does not re-read
   * the whole documents (the next sync or structural edit re-reads them anyway).
   */
  _patchJson(pointer, value) {
    const segs = pointer.split('/').slice(1).map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
    let obj = this._json;
    for (const s of segs.slice(0, -1)) {
      if (obj == null || typeof obj !== 'object') return false;
      obj = obj[s];
    }
    if (obj == null || typeof obj !== 'object') return false;
    if (value === null && !Array.isArray(obj)) delete obj[segs.at(-1)];
    else obj[segs.at(-1)] = structuredClone(value);
    return true;
  }

  _draw() {
    // Keep the officer's place: the focused control (by its id, which follows its pointer) and
    // the caret, moved by what a remote edit inserted or deleted before it.
    const active = this._root.activeElement;
    const keep = active
      ? {
          id: active.id || null,
          action: active.dataset?.action,
          pointer: active.dataset?.pointer,
          value: typeof active.value === 'string' ? active.value : null,
          start: active.selectionStart ?? null,
          end: active.selectionEnd ?? null,
        }
      : null;
    const parties = this._json.volumeB?.parties ?? [];
    const { tree, items } = renderForm({
      schema: this._schema,
      dossier: this._json,
      locale: this.locale,
      readonly: this.readonly,
      idPrefix: this._prefix,
      parties,
    });
    this._items = items;
    this._els.form.replaceChildren(tree);
    this._pathIndex = new Map();
    for (const e of this._els.form.querySelectorAll('[data-path]')) {
      this._pathIndex.set(e.dataset.path, e);
    }
    if (!keep) return;
    const target = keep.id
      ? this._root.getElementById(keep.id)
      : keep.action
        ? this._els.form.querySelector(
            `[data-action="${keep.action}"][data-pointer="${css(keep.pointer ?? '')}"]`,
          )
        : null;
    if (!target) return;
    target.focus({ preventScroll: true });
    if (keep.start == null || !target.setSelectionRange || keep.value == null) return;
    let { start, end } = keep;
    const now = target.value;
    if (now !== keep.value) {
      let p = 0;
      while (p < now.length && p < keep.value.length && now[p] === keep.value[p]) p++;
      const delta = now.length - keep.value.length;
      if (p < start) start = Math.max(p, start + delta);
      if (p < end) end = Math.max(p, end + delta);
    }
    try {
      target.setSelectionRange(start, end);
    } catch {
      // not a text control
    }
  }

  /** The element that shows messages for `path`: the field itself or its nearest ancestor. */
  _targetFor(path) {
    let p = path;
    while (p) {
      const e = this._pathIndex.get(p);
      if (e) return e;
      p = p.slice(0, p.lastIndexOf('/'));
    }
    return null;
  }

  _validate() {
    if (!this._json) return;
    let report;
    try {
      report = validate(this._m, this._json, { locale: this.locale });
    } catch (e) {
      report = { valid: false, stage: 'error', issues: [] };
      this._emit('error', { code: errorCode(e), message: String(e?.message ?? e) });
    }
    this._report = report;
    const issues = [...(report.issues ?? [])];
    // Values the model refused (they stay in their inputs), in the current locale.
    for (const [path, issuesOf] of this._fieldIssues) {
      issues.push(...issuesOf().map((i) => ({ ...i, path })));
    }
    this._showIssues(issues);
    this._showGrade();
    this._emit('validated', { report });
  }

  _showIssues(issues) {
    const w = words(this.locale);
    const byTarget = new Map();
    for (const issue of issues) {
      const target = this._targetFor(issue.path ?? '');
      if (!target) continue;
      if (!byTarget.has(target)) byTarget.set(target, []);
      byTarget.get(target).push(issue);
    }
    // Touch only what changed, so a screen reader hears a message once, not every keystroke.
    for (const msg of this._els.form.querySelectorAll('.msg')) {
      const target = msg.parentElement;
      const list = byTarget.get(target) ?? [];
      const text = [...new Set(list.map((i) => i.message))].join(' ');
      if (msg.textContent !== text) msg.textContent = text;
      msg.classList.toggle('warning', list.length > 0 && list.every((i) => i.severity === 'warning'));
      const input = target.querySelector(':scope > [data-pointer]') ?? target;
      if (list.some((i) => i.severity !== 'warning')) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    const summary = this._els.summary;
    const errors = issues.filter((i) => i.severity !== 'warning');
    const warnings = issues.filter((i) => i.severity === 'warning');
    summary.replaceChildren();
    summary.hidden = false;
    summary.classList.toggle('has-errors', errors.length > 0);
    const h = document.createElement('h2');
    h.textContent = issues.length ? w.issues(errors.length, warnings.length) : w.noIssues;
    summary.append(h);
    if (issues.length) {
      const ul = document.createElement('ul');
      for (const issue of [...errors, ...warnings]) {
        const li = document.createElement('li');
        li.className = issue.severity === 'warning' ? 'warning' : 'error';
        const target = this._targetFor(issue.path ?? '');
        const name = target?.querySelector(':scope > label, :scope > legend')?.textContent;
        li.textContent = name ? `${name}${w.colon}${issue.message}` : issue.message;
        if (target) {
          const b = document.createElement('button');
          b.type = 'button';
          b.textContent = w.gotoField;
          b.dataset.goto = target.dataset.path;
          li.append(b);
        }
        ul.append(li);
      }
      summary.append(ul);
    }
  }

  _showGrade() {
    const w = words(this.locale);
    const box = this._els.grade;
    let g;
    try {
      g = grade(this._m, this._json);
    } catch {
      box.hidden = true;
      return;
    }
    const sig = JSON.stringify([g, this.locale]);
    if (sig === this._gradeSig && !box.hidden) return;
    this._gradeSig = sig;
    const labels = this._schema.$defs?.WarningLevel?.['x-enum-labels'] ?? {};
    const levelName = labels[g.level]?.[this.locale] ?? g.level;
    box.className = `grade level-${g.level}`;
    box.dataset.level = g.level;
    box.replaceChildren();
    const h = document.createElement('h2');
    h.textContent = `${w.warningLevel}${w.colon}${levelName}`;
    box.append(h);
    const ul = document.createElement('ul');
    for (const f of g.fired ?? []) {
      const li = document.createElement('li');
      li.dataset.rule = f.id;
      const lvl = labels[f.level]?.[this.locale] ?? f.level;
      li.textContent = `${lvl}${w.colon}${f.reason?.[this.locale] ?? f.reason?.zh ?? f.id}`;
      ul.append(li);
    }
    if (!ul.children.length) {
      const li = document.createElement('li');
      li.textContent = w.noRules;
      ul.append(li);
    }
    box.append(ul);
    box.hidden = false;
  }

  /** "this device" or "device 1a2b3c4d", with the officer's name when the server named them. */
  _who(actor) {
    const w = words(this.locale);
    const device = actor === this._actor ? w.thisDevice : w.device(String(actor).slice(0, 8));
    const name = this._names?.[actor];
    return name ? `${name}（${device}）` : device;
  }

  /** Learns who owns which actor id from the server's conflicts (`by: {person, name}`). */
  _learnNames(extra) {
    this._names ??= {};
    for (const c of extra?.conflicts ?? []) {
      for (const v of c.values ?? []) {
        const name = v.by?.name ?? v.by?.person;
        if (v.actor && name) this._names[v.actor] = String(name);
      }
    }
  }

  _showConflicts() {
    const w = words(this.locale);
    let list = [];
    try {
      list = this._replica?.conflicts() ?? [];
    } catch {
      list = [];
    }
    this._conflicts = list;
    for (const slot of this._els.form.querySelectorAll('.conflict')) {
      slot.hidden = true;
      slot.replaceChildren();
    }
    for (const c of list) {
      const target = this._targetFor(c.path);
      const slot = target?.querySelector(':scope > .conflict');
      if (!slot) continue;
      slot.hidden = false;
      slot.setAttribute('role', 'group');
      slot.setAttribute('aria-label', w.conflict(c.values.length));
      slot.dataset.conflictPath = c.path;
      const p = document.createElement('p');
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = this.locale === 'en' ? 'Conflict' : '冲突';
      p.append(badge, ` ${w.conflict(c.values.length)}`);
      const ul = document.createElement('ul');
      c.values.forEach((v, i) => {
        const li = document.createElement('li');
        li.dataset.actor = v.actor;
        const val = document.createElement('span');
        val.className = 'val';
        val.textContent = v.value == null || v.value === '' ? w.none : `「${String(v.value)}」`;
        const who = document.createElement('span');
        who.className = 'who';
        who.textContent = `${this._who(v.actor)}${v.winner ? `（${w.shown}）` : ''}`;
        li.append(val, who);
        if (!this.readonly) {
          const b = document.createElement('button');
          b.type = 'button';
          b.textContent = w.keep;
          b.dataset.action = 'keep';
          b.dataset.pointer = c.path;
          b.dataset.index = String(i);
          b.setAttribute('aria-label', `${w.keep}${w.colon}${String(v.value)} (${this._who(v.actor)})`);
          li.append(b);
        }
        ul.append(li);
      });
      slot.replaceChildren(p, ul);
    }
    const sig = JSON.stringify(list);
    if (sig !== this._conflictSig) {
      this._conflictSig = sig;
      this._emit('conflict', { conflicts: list });
    }
  }

  _showStatus() {
    const w = words(this.locale);
    const el = this._els.sync;
    const online = navigator.onLine;
    const server = this._server();
    const pending = this._replica && this._json ? pendingChanges(this._replica, this._heads) : 0;
    const parts = [online ? w.online : w.offline];
    if (!server) parts.push(w.localOnly);
    else {
      if (pending) parts.push(w.pending(pending));
      else if (this._lastSync) parts.push(w.allSynced);
      if (this._syncing) parts.push(w.syncing);
      else if (this._retryAt && online) {
        parts.push(w.retry(Math.max(1, Math.round((this._retryAt - Date.now()) / 1000))));
      }
      parts.push(this._lastSync ? w.lastSync(clock(this._lastSync)) : w.neverSynced);
    }
    el.textContent = parts.join(' · ');
    el.dataset.online = String(online);
    el.dataset.pending = String(pending);
    el.dataset.lastSync = this._lastSync ? String(this._lastSync) : '';
  }

  // ---- editing ------------------------------------------------------------------------

  _bind() {
    const form = this._els.form;
    form.addEventListener('submit', (e) => e.preventDefault());
    form.addEventListener('compositionstart', () => {
      this._composing = true;
    });
    form.addEventListener('compositionend', (e) => {
      this._composing = false;
      this._onEdit(e.target, 'input');
    });
    form.addEventListener('input', (e) => {
      if (e.isComposing || this._composing) return;
      this._onEdit(e.target, 'input');
    });
    form.addEventListener('change', (e) => this._onEdit(e.target, 'change'));
    form.addEventListener('click', (e) => {
      const b = e.target.closest?.('button[data-action]');
      if (b) this._onAction(b);
    });
    this._els.summary.addEventListener('click', (e) => {
      const b = e.target.closest?.('button[data-goto]');
      if (!b) return;
      const target = this._pathIndex.get(b.dataset.goto);
      const focusable = target?.matches('[data-pointer]:not(fieldset)')
        ? target
        : target?.querySelector('input, select, textarea, button');
      focusable?.focus();
      target?.scrollIntoView?.({ block: 'center' });
    });
  }

  _onEdit(target, type) {
    if (!this._replica || !this._json || this.readonly) return;
    const choices = target.closest?.('fieldset[data-kind]');
    if (target.dataset?.member != null && choices) {
      if (type !== 'change') return;
      const boxes = choices.querySelectorAll('input[data-member]');
      const value = [...boxes].filter((b) => b.checked).map((b) => b.dataset.member);
      this._set(choices.dataset.pointer, value);
      return;
    }
    const pointer = target.dataset?.pointer;
    if (!pointer) return;
    const kind = target.dataset.kind;
    const nullable = target.dataset.nullable === '1';
    const live = ['text', 'textarea', 'narrative', 'phone', 'id-number', 'station', 'number', 'gps'];
    if (type === 'input' && !live.includes(kind)) return;
    if (type === 'change' && live.includes(kind)) return;
    const raw = target.value;
    switch (kind) {
      case 'narrative':
        this._editText(pointer, raw, nullable);
        return;
      case 'gps':
        this._editGps(pointer);
        return;
      case 'status':
        this._changeStatus(raw, target);
        return;
      case 'checkbox':
        this._set(pointer, target.checked);
        return;
      case 'number':
        if (raw === '') this._set(pointer, nullable ? null : undefined, raw);
        else if (Number.isFinite(Number(raw))) this._set(pointer, Number(raw), raw);
        else this._set(pointer, undefined, raw);
        return;
      case 'datetime':
        this._set(pointer, raw ? fromLocalInput(raw) : nullable ? null : undefined, raw);
        return;
      case 'tags':
        this._set(
          pointer,
          raw
            .split(/[,，、;；\s]+/)
            .map((s) => s.trim())
            .filter(Boolean),
        );
        return;
      default:
        if (raw !== '') this._set(pointer, raw, raw);
        else if (nullable) this._set(pointer, null);
        else if (['text', 'textarea', 'station'].includes(kind)) this._set(pointer, '');
        else this._set(pointer, undefined, raw);
    }
  }

  /** Writes one field; a value the model refuses stays in the input with a message. */
  _set(pointer, value, raw) {
    if (value === undefined) {
      this._refuse(pointer, raw ?? '', null);
      return;
    }
    let direct;
    try {
      direct = this._writeField(pointer, value);
    } catch (e) {
      this._refuse(pointer, value, e);
      return;
    }
    this._fieldIssues.delete(pointer);
    this._afterEdit(pointer, value, { patched: direct && this._patchJson(pointer, value) });
  }

  _writeField(pointer, value) {
    try {
      this._replica.setField(pointer, value);
      return true;
    } catch (e) {
      if (errorCode(e) !== 'edit_invalid' || at(this._json, pointer.slice(0, pointer.lastIndexOf('/'))) != null) {
        throw e;
      }
      // The parent object does not exist yet: write the whole dossier with it created.
      const next = structuredClone(this._json);
      const segs = pointer.split('/').slice(1);
      let obj = next;
      for (const s of segs.slice(0, -1)) {
        obj[s] ??= {};
        obj = obj[s];
      }
      obj[segs.at(-1)] = value;
      this._replica.update(next, `set ${pointer}`);
      return false;
    }
  }

  _refuse(pointer, value, error) {
    this._fieldIssues.set(pointer, () => {
      let issues = [];
      try {
        issues = validateField(this._m, pointer, value, this._json, { locale: this.locale });
      } catch {
        issues = [];
      }
      return issues.length
        ? issues
        : [{ code: errorCode(error), severity: 'error', message: words(this.locale).editRefused }];
    });
    this._validate();
  }

  _editText(pointer, next, nullable) {
    const cur = at(this._json, pointer);
    if (typeof cur !== 'string' || (nullable && next === '')) {
      this._set(pointer, next === '' && nullable ? null : next);
      return;
    }
    const a = Array.from(cur);
    const b = Array.from(next);
    let p = 0;
    while (p < a.length && p < b.length && a[p] === b[p]) p++;
    let s = 0;
    while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
    const del = a.length - p - s;
    const ins = b.slice(p, b.length - s).join('');
    if (!del && !ins) return;
    try {
      this._replica.spliceText(pointer, p, del, ins);
    } catch {
      this._set(pointer, next);
      return;
    }
    this._fieldIssues.delete(pointer);
    this._afterEdit(pointer, next, { patched: this._patchJson(pointer, next) });
  }

  _editGps(latOrLonPointer) {
    const gpsPointer = latOrLonPointer.slice(0, latOrLonPointer.lastIndexOf('/'));
    const read = (k) => this._els.form.querySelector(`[data-pointer="${css(`${gpsPointer}/${k}`)}"]`)?.value ?? '';
    const lat = read('lat');
    const lon = read('lon');
    if (lat === '' && lon === '') this._set(gpsPointer, null);
    else if (lat === '' || lon === '') this._set(gpsPointer, undefined, { lat, lon });
    else this._set(gpsPointer, { lat: Number(lat), lon: Number(lon) });
  }

  _changeStatus(to, select) {
    try {
      this._replica.changeStatus(to);
    } catch (e) {
      select.value = this._json.header.status;
      const from = this._json.header.status;
      const code = errorCode(e);
      this._fieldIssues.set('/header/status', () => {
        const labels = this._schema.$defs?.Status?.['x-enum-labels'] ?? {};
        const name = (s) => labels[s]?.[this.locale] ?? s;
        const message =
          code === 'status_transition'
            ? words(this.locale).statusRefused(name(from), name(to))
            : words(this.locale).editRefused;
        return [{ code, severity: 'error', message }];
      });
      this._validate();
      return;
    }
    this._fieldIssues.delete('/header/status');
    this._afterEdit('/header/status', to);
  }

  _afterEdit(pointer, value, { rerender = false, patched = false } = {}) {
    this._edits = (this._edits ?? 0) + 1;
    // A local write cannot create a conflict (it supersedes what it overwrites): look again
    // only when there were conflicts to clear.
    this._refresh(
      patched ? { rerender, reread: false, conflicts: this._conflicts.length > 0 } : { rerender },
    );
    this._persist();
    this._emit('change', { pointer, value });
    this._scheduleSync(600);
  }

  _onAction(button) {
    const { action, pointer } = button.dataset;
    if (this.readonly || !this._replica) return;
    try {
      if (action === 'add-item') this._addItem(pointer);
      else if (action === 'remove-item') this._removeAt(pointer);
      else if (action === 'add-group') {
        this._writeField(pointer, skeleton(this._schema, this._items.get(pointer)));
      } else if (action === 'remove-group') this._writeField(pointer, null);
      else if (action === 'keep') {
        const c = this._conflicts.find((x) => x.path === pointer);
        const v = c?.values?.[Number(button.dataset.index)];
        if (!v) return;
        this._replica.resolveConflict(pointer, v.value);
      } else if (action === 'locate') {
        this._locate(pointer);
        return;
      } else return;
    } catch (e) {
      this._emit('error', { code: errorCode(e), message: String(e?.message ?? e) });
      return;
    }
    this._afterEdit(pointer, null, { rerender: true });
    if (action === 'add-item') {
      // Focus the first control of the new item.
      const list = this._pathIndex.get(pointer);
      const items = list?.querySelectorAll(':scope > fieldset.item');
      items?.[items.length - 1]?.querySelector('input, select, textarea')?.focus();
    }
  }

  _addItem(pointer) {
    const item = skeleton(this._schema, this._items.get(pointer));
    if (pointer === '/volumeA/sessions') this._replica.addSession(item);
    else if (pointer === '/volumeA/followUps') this._replica.addFollowUp(item);
    else if (pointer === '/volumeB/parties') this._replica.addParty(item);
    else {
      const next = structuredClone(this._json);
      const segs = pointer.split('/').slice(1);
      let obj = next;
      for (const s of segs.slice(0, -1)) obj = obj[s] ??= {};
      (obj[segs.at(-1)] ??= []).push(item);
      this._replica.update(next, `add ${pointer}`);
    }
  }

  _removeAt(itemPointer) {
    const next = structuredClone(this._json);
    const segs = itemPointer.split('/').slice(1);
    let obj = next;
    for (const s of segs.slice(0, -1)) obj = obj[s];
    obj.splice(Number(segs.at(-1)), 1);
    this._replica.update(next, `remove ${itemPointer}`);
  }

  _locate(gpsPointer) {
    navigator.geolocation?.getCurrentPosition(
      (pos) => {
        const value = {
          lat: Math.round(pos.coords.latitude * 1e6) / 1e6,
          lon: Math.round(pos.coords.longitude * 1e6) / 1e6,
        };
        try {
          this._writeField(gpsPointer, value);
          this._afterEdit(gpsPointer, value, { rerender: true });
        } catch (e) {
          this._refuse(gpsPointer, value, e);
        }
      },
      () => {},
      { enableHighAccuracy: true, timeout: 15000 },
    );
  }

  // ---- keeping and syncing --------------------------------------------------------------

  _persist() {
    if (this._persistQueued) return;
    this._persistQueued = true;
    queueMicrotask(() => {
      this._persistQueued = false;
      this._persistNow().catch((e) => this._emit('error', { code: 'storage', message: String(e) }));
    });
  }

  async _persistNow() {
    const json = this._replica?.json();
    const id = json?.id;
    if (!id) return; // nothing yet (a dossier still to come from the server)
    await saveDossier({
      id,
      a: this._replica.saveA(),
      b: this._replica.saveB(),
      heads: this._heads,
      lastSync: this._lastSync,
      names: this._names ?? {},
      summary: json?.header?.summary ?? '',
      status: json?.header?.status ?? null,
      category: json?.header?.category ?? null,
      reportedAt: json?.header?.reportedAt ?? null,
      updatedAt: Date.now(),
    });
  }

  _server() {
    const s = this.getAttribute('server');
    if (s == null) return null;
    const url = new URL(s || '.', document.baseURI);
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  }

  _scheduleSync(delay) {
    clearTimeout(this._syncTimer);
    this._syncTimer = setTimeout(() => this._syncNow(), delay);
  }

  _syncNow() {
    const server = this._server();
    const id = this._openId;
    if (!server || !id || !this._replica || !navigator.onLine) {
      this._showStatus();
      return Promise.resolve(false);
    }
    if (this._syncing) {
      this._syncAgain = true;
      return this._syncing;
    }
    this._syncing = this._syncRounds(server, id).finally(() => {
      this._syncing = null;
      this._showStatus();
      if (this._syncAgain) {
        this._syncAgain = false;
        this._scheduleSync(100);
      }
    });
    this._showStatus();
    return this._syncing;
  }

  async _syncRounds(server, id) {
    const replica = this._replica;
    const editsBefore = this._edits ?? 0;
    let result;
    try {
      // The credential: a provider the host page set (an app that renews tokens), else the
      // attribute.
      const credential =
        typeof this.credentialProvider === 'function'
          ? await this.credentialProvider()
          : this.getAttribute('credential');
      if (credential && this._registered !== `${server} ${credential}`) {
        await registerActor({ server, credential, device: this._actor });
        this._registered = `${server} ${credential}`;
      }
      result = await syncDossier({
        server,
        credential,
        device: this._actor,
        replica,
        dossierId: id,
        heads: this._heads,
      });
      if (replica !== this._replica) return false;
      this._heads = result.heads;
      this._serverExtra = result.extra;
      this._learnNames(result.extra);
    } catch (e) {
      this._failures += 1;
      const delay = Math.min(60000, 1000 * 2 ** Math.min(this._failures, 6)) * (0.75 + Math.random() / 2);
      this._retryAt = Date.now() + delay;
      this._scheduleSync(delay);
      this._emit('error', { code: e.code ?? 'network', message: String(e.message ?? e) });
      return false;
    }
    const { applied, rounds, fallback } = result;
    this._failures = 0;
    this._retryAt = null;
    this._lastSync = Date.now();
    await this._persistNow();
    const composing = this._composing;
    this._refresh({ rerender: applied > 0 && !composing });
    // Edits made while the request was in flight go out at once; a volume the server refused
    // (for example volume B to a partner mediator) waits for the next poll, not a busy loop.
    if ((this._edits ?? 0) !== editsBefore) this._syncAgain = true;
    for (const e of result.errors) {
      this._emit('error', { code: e.code ?? 'sync_refused', message: `volume ${e.volume}: ${e.message ?? ''}` });
    }
    this._emit('synced', { dossierId: id, heads: this._heads, applied, rounds, fallback });
    return true;
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  _fail(e) {
    this._showNotice(`${words(this.locale).editRefused}: ${e?.message ?? e}`);
    this._emit('error', { code: errorCode(e), message: String(e?.message ?? e) });
  }
}

if (!customElements.get('abjuan-dossier-form')) {
  customElements.define('abjuan-dossier-form', AbjuanDossierForm);
}

export { resolve, escapePointer };

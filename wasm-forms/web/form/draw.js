// Drawing the form: re-reading the documents, redrawing the tree while keeping the officer's
// place (focus and caret), the field index by path, and the one-field patch of the cached
// JSON that spares a keystroke a full re-read. Methods of <abjuan-dossier-form>, joined to
// its class (`this` is the element).

import { chromeOf, formTypeOf } from './forms.js';
import { renderForm } from './render.js';
import { words } from './text.js';

/** A string safe inside a CSS attribute selector. */
export function css(s) {
  return globalThis.CSS?.escape ? CSS.escape(s) : s.replace(/["\\]/g, '\\$&');
}

export const drawing = {
  /** Re-reads the documents; redraws the form when asked (keeps focus and caret). */
  _refresh({ rerender = false, reread = true, conflicts = true } = {}) {
    this._els.root.lang = this.locale === 'en' ? 'en' : 'zh-CN';
    const w = words(this.locale);
    if (reread || !this._json) this._json = this._replica ? this._replica.json() : null;
    if (!this._json?.id || !this._json.header) {
      this._json = null;
      this._showNotice(navigator.onLine && this._lastSync ? w.notFound : w.notLocal);
      this._showStatus();
      return;
    }
    // The schema of the record's own form (a dossier, an inspection...).
    const form = this._schemaFor(formTypeOf(this._json));
    if (!form) {
      this._json = null;
      this._showNotice(w.unknownForm);
      this._showStatus();
      return;
    }
    if (form !== this._schema) {
      this._schema = form;
      rerender = true;
    }
    if (rerender) this._draw();
    this._els.history.hidden = false;
    if (rerender) this._showHistory();
    this._validate();
    if (conflicts) this._showConflicts();
    if (reread) this._showStatus();
    else this._showStatusSoon();
  },

  /**
   * Mirrors a successful one-field edit in the cached JSON, so a keystroke does not re-read
   * the whole documents (the next sync or structural edit re-reads them anyway).
   */
  _patchJson(pointer, value) {
    const segs = pointer
      .split('/')
      .slice(1)
      .map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
    let obj = this._json;
    for (const s of segs.slice(0, -1)) {
      if (obj == null || typeof obj !== 'object') return false;
      obj = obj[s];
    }
    if (obj == null || typeof obj !== 'object') return false;
    if (value === null && !Array.isArray(obj)) delete obj[segs.at(-1)];
    else obj[segs.at(-1)] = structuredClone(value);
    return true;
  },

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
      statusMachine: chromeOf(formTypeOf(this._json)).statusMachine,
    });
    this._items = items;
    this._els.form.replaceChildren(tree);
    this._fillGallery();
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
  },

  /** The element that shows messages for `path`: the field itself or its nearest ancestor. */
  _targetFor(path) {
    let p = path;
    while (p) {
      const e = this._pathIndex.get(p);
      if (e) return e;
      p = p.slice(0, p.lastIndexOf('/'));
    }
    return null;
  },
};

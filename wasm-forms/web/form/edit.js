// Editing: the form's events turned into writes to the documents (field values, narrative
// text splices, status changes, added and removed items, GPS, conflict resolution), and the
// messages for values the model refuses. Methods of <abjuan-dossier-form>, joined to its
// class (`this` is the element).

import { css } from './draw.js';
import { at, skeleton } from './render.js';
import { fromLocalInput, words } from './text.js';
import { errorCode, validateField } from './wasm.js';

export const editing = {
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
    this._bindAttachments();
  },

  _onEdit(target, type) {
    if (!this._replica || !this._json || this.readonly) return;
    const choices = target.closest?.('fieldset[data-kind]');
    if (target.dataset?.member != null && choices) {
      if (type !== 'change' || this._locked?.has(choices.dataset.pointer)) return;
      const boxes = choices.querySelectorAll('input[data-member]');
      const value = [...boxes].filter((b) => b.checked).map((b) => b.dataset.member);
      this._set(choices.dataset.pointer, value);
      return;
    }
    const pointer = target.dataset?.pointer;
    if (!pointer) return;
    if (this._locked?.has(pointer)) return; // conflicted, and not this caller's to settle
    const kind = target.dataset.kind;
    const nullable = target.dataset.nullable === '1';
    const live = [
      'text',
      'textarea',
      'narrative',
      'phone',
      'id-number',
      'station',
      'number',
      'gps',
    ];
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
  },

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
  },

  _writeField(pointer, value) {
    try {
      this._replica.setField(pointer, value);
      return true;
    } catch (e) {
      if (
        errorCode(e) !== 'edit_invalid' ||
        at(this._json, pointer.slice(0, pointer.lastIndexOf('/'))) != null
      ) {
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
  },

  _refuse(pointer, value, error) {
    this._fieldIssues.set(pointer, () => {
      let issues = [];
      try {
        issues = validateField(this._m, pointer, value, this._json, this._checkOptions());
      } catch {
        issues = [];
      }
      return issues.length
        ? issues
        : [{ code: errorCode(error), severity: 'error', message: words(this.locale).editRefused }];
    });
    this._validate();
  },

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
  },

  _editGps(latOrLonPointer) {
    const gpsPointer = latOrLonPointer.slice(0, latOrLonPointer.lastIndexOf('/'));
    const read = (k) =>
      this._els.form.querySelector(`[data-pointer="${css(`${gpsPointer}/${k}`)}"]`)?.value ?? '';
    const lat = read('lat');
    const lon = read('lon');
    if (lat === '' && lon === '') this._set(gpsPointer, null);
    else if (lat === '' || lon === '') this._set(gpsPointer, undefined, { lat, lon });
    else this._set(gpsPointer, { lat: Number(lat), lon: Number(lon) });
  },

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
  },

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
  },

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
        if (this._may?.resolveConflicts === false) return;
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
  },

  _addItem(pointer) {
    const item = skeleton(this._schema, this._items.get(pointer));
    if (pointer === '/volumeA/sessions') this._replica.addSession(item);
    else if (pointer === '/volumeA/followUps') this._replica.addFollowUp(item);
    else if (pointer === '/volumeB/parties') this._replica.addParty(item);
    else {
      const next = structuredClone(this._json);
      const segs = pointer.split('/').slice(1);
      let obj = next;
      for (const s of segs.slice(0, -1)) {
        obj[s] ??= {};
        obj = obj[s];
      }
      const last = segs.at(-1);
      obj[last] ??= [];
      obj[last].push(item);
      this._replica.update(next, `add ${pointer}`);
    }
  },

  _removeAt(itemPointer) {
    const next = structuredClone(this._json);
    const segs = itemPointer.split('/').slice(1);
    let obj = next;
    for (const s of segs.slice(0, -1)) obj = obj[s];
    obj.splice(Number(segs.at(-1)), 1);
    this._replica.update(next, `remove ${itemPointer}`);
  },

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
  },
};

// Conflict badges: where two officers changed the same field at once, the values side by
// side with "keep this value" buttons (the click is handled with the other edits). Methods
// of <abjuan-dossier-form>, joined to its class (`this` is the element).
//
// Who decides: the station chief (the server's `may.resolveConflicts` for this caller). For
// everyone else a conflicted field is locked (read-only, no "keep" buttons, "awaiting the
// station chief"): any later write to it would settle the conflict, and that decision is the
// chief's. Likewise the closing statuses are disabled for whoever lacks `may.close`. The
// server refuses a close without the right, and a refused change would hold back every later
// change of this phone to the dossier, so the form does not let it be made. Before the first
// sync (no `may` yet) nothing is locked.

import { chromeOf, formTypeOf } from './forms.js';
import { words } from './text.js';

/** Read-only (text) or disabled (choices), and back. */
function lock(el, on) {
  if (el.tagName === 'SELECT' || el.type === 'checkbox' || el.type === 'radio') el.disabled = on;
  else el.readOnly = on;
  if (on) el.dataset.locked = 'conflict';
  else delete el.dataset.locked;
}

export const conflicts = {
  /** Locks the controls of conflicted fields (none when this caller may resolve them). */
  _lockConflicted(list) {
    const locked = new Set();
    if (this._may?.resolveConflicts === false && !this.readonly) {
      for (const c of list) locked.add(c.path);
    }
    // What the last pass locked is released, then the fields in conflict now are locked.
    for (const el of this._els.form.querySelectorAll('[data-locked]')) lock(el, false);
    this._locked = locked;
    if (!locked.size) return;
    const hit = (p) => [...locked].some((path) => p === path || p.startsWith(`${path}/`));
    for (const el of this._els.form.querySelectorAll('[data-pointer]')) {
      if (!hit(el.dataset.pointer) || el.closest('.conflict')) continue;
      if (el.matches('input, select, textarea')) lock(el, true);
      else if (el.matches('fieldset'))
        for (const m of el.querySelectorAll('input[data-member]')) lock(m, true);
    }
  },

  /** Disables the statuses this caller may not move the dossier to. */
  _limitClosing() {
    const select = this._els.form.querySelector('select[data-pointer="/header/status"]');
    if (!select || this.readonly) return;
    // Statuses that need the close right to move to (the dossier's: the shared policy's
    // `closing_needs`), per form.
    const { closing, archived } = chromeOf(formTypeOf(this._json));
    const current = this._json?.header?.status ?? '';
    const mayClose = this._may?.close !== false;
    for (const o of select.options) {
      const needs =
        o.value !== current &&
        o.value !== '' &&
        (closing.has(o.value) || (archived != null && current === archived));
      o.disabled = !mayClose && needs;
    }
  },

  _showConflicts() {
    const w = words(this.locale);
    const mayResolve = this._may?.resolveConflicts !== false;
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
        if (!this.readonly && mayResolve) {
          const b = document.createElement('button');
          b.type = 'button';
          b.textContent = w.keep;
          b.dataset.action = 'keep';
          b.dataset.pointer = c.path;
          b.dataset.index = String(i);
          b.setAttribute(
            'aria-label',
            `${w.keep}${w.colon}${String(v.value)} (${this._who(v.actor)})`,
          );
          li.append(b);
        }
        ul.append(li);
      });
      slot.replaceChildren(p, ul);
      if (!mayResolve && !this.readonly) {
        const wait = document.createElement('p');
        wait.className = 'await';
        wait.textContent = w.awaitChief;
        slot.append(wait);
      }
    }
    this._lockConflicted(list);
    this._limitClosing();
    const sig = JSON.stringify(list);
    if (sig !== this._conflictSig) {
      this._conflictSig = sig;
      this._emit('conflict', { conflicts: list });
    }
  },
};

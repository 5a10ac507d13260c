// Conflict badges: where two officers changed the same field at once, the values side by
// side with "keep this value" buttons (the click is handled with the other edits). Methods
// of <abjuan-dossier-form>, joined to its class (`this` is the element).

import { words } from './text.js';

export const conflicts = {
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
  },
};

// Who changed what: the history view and the names of devices and officers (learnt from the
// server's conflict reports). Methods of <abjuan-dossier-form>, joined to its class (`this`
// is the element).

import { stamp, words } from './text.js';

export const history = {
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
      if (
        last &&
        last.actor === e.actor &&
        last.message === e.message &&
        last.time - e.time < 10 * 60000
      ) {
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
        const what = pointer?.startsWith('/')
          ? `${w.verbs[verb] ?? verb} ${label(pointer)}`
          : (w.verbs[r.message] ?? r.message ?? '');
        li.textContent = `${stamp(r.time)} · ${this._who(r.actor)} · ${what}${r.count > 1 ? ` ×${r.count}` : ''}`;
        return li;
      }),
    );
  },

  /** "this device" or "device 1a2b3c4d", with the officer's name when the server named them. */
  _who(actor) {
    const w = words(this.locale);
    const device = actor === this._actor ? w.thisDevice : w.device(String(actor).slice(0, 8));
    const name = this._names?.[actor];
    return name ? `${name}（${device}）` : device;
  },

  /** Learns who owns which actor id from the server's conflicts (`by: {person, name}`). */
  _learnNames(extra) {
    this._names ??= {};
    for (const c of extra?.conflicts ?? []) {
      for (const v of c.values ?? []) {
        const name = v.by?.name ?? v.by?.person;
        if (v.actor && name) this._names[v.actor] = String(name);
      }
    }
  },
};

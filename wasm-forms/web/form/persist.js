// Keeping the open dossier on this device (IndexedDB through store.js) after every edit and
// sync. Methods of <abjuan-dossier-form>, joined to its class (`this` is the element).

import { listingOf } from './forms.js';
import { saveDossier } from './store.js';

export const persistence = {
  _persist() {
    if (this._persistQueued) return;
    this._persistQueued = true;
    queueMicrotask(() => {
      this._persistQueued = false;
      this._persistNow().catch((e) => this._emit('error', { code: 'storage', message: String(e) }));
    });
  },

  async _persistNow() {
    const json = this._replica?.json();
    const id = json?.id;
    if (!id) return; // nothing yet (a dossier still to come from the server)
    const listed = listingOf(json);
    await saveDossier({
      id,
      a: this._replica.saveA(),
      b: this._replica.saveB(),
      heads: this._heads,
      lastSync: this._lastSync,
      names: this._names ?? {},
      may: this._may ?? null,
      // What the offline list shows, whatever the form (an inspection's place and date).
      formType: listed.formType,
      summary: listed.summary,
      status: listed.status,
      category: listed.category,
      reportedAt: listed.at,
      updatedAt: Date.now(),
    });
  },
};

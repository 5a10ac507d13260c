// The element's status line (online, changes waiting, attachments waiting for upload, last
// sync, retry countdown) and the
// notice that stands in for the form when there is nothing to show. Methods of
// <abjuan-dossier-form>, joined to its class (`this` is the element).

import { pendingChanges } from './sync.js';
import { clock, words } from './text.js';

export const status = {
  _showNotice(text) {
    this._els.form.replaceChildren();
    const p = document.createElement('p');
    p.className = 'notice';
    p.textContent = text;
    this._els.form.append(p);
    this._els.grade.hidden = true;
    this._els.summary.hidden = true;
    this._els.history.hidden = true;
  },

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
  },

  /** The notice of changes the server will never take, with the way out. */
  _showStuck() {
    const el = this._els.stuck;
    const stuck = this._stuck;
    el.hidden = !stuck;
    if (!stuck) {
      el.replaceChildren();
      return;
    }
    const w = words(this.locale);
    const p = document.createElement('p');
    p.textContent = w.stuck(stuck.code);
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.action = 'discard-local';
    b.textContent = w.discard;
    b.addEventListener('click', () => this._discardLocal().catch((e) => this._fail(e)));
    el.dataset.code = stuck.code;
    el.replaceChildren(p, b);
  },

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
      else if (this._lastSync && !this._blobsPending) parts.push(w.allSynced);
      if (this._blobsPending) parts.push(w.blobsPending(this._blobsPending));
      if (this._syncing) parts.push(w.syncing);
      else if (this._retryAt && online) {
        parts.push(w.retry(Math.max(1, Math.round((this._retryAt - Date.now()) / 1000))));
      }
      parts.push(this._lastSync ? w.lastSync(clock(this._lastSync)) : w.neverSynced);
    }
    el.textContent = parts.join(' · ');
    el.dataset.online = String(online);
    el.dataset.pending = String(pending);
    el.dataset.attachmentsPending = String(this._blobsPending ?? 0);
    el.dataset.lastSync = this._lastSync ? String(this._lastSync) : '';
  },
};

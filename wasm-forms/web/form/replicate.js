// Background syncing: when to sync (soon after an edit, on a timer, with backoff after a
// failure), one sync at a time, and what a sync reply changes in the element. The protocol
// itself is sync.js. Methods of <abjuan-dossier-form>, joined to its class (`this` is the
// element).

import { deleteDossier } from './store.js';
import { registerActor, syncDossier } from './sync.js';
import { words } from './text.js';

/**
 * Refusals no retry will change: the server will never take these local changes (the caller
 * lost a right while offline, say), and every later change of this phone to the volume
 * depends on them. The officer is told, and may discard this device's unsynced changes.
 */
const STUCK = new Set([
  'doc_forbidden',
  'doc_close_forbidden',
  'doc_actor_not_registered',
  'doc_wrong_dossier',
  'doc_too_large',
  'doc_too_deep',
  'doc_corrupt',
]);

export const syncing = {
  _server() {
    const s = this.getAttribute('server');
    if (s == null) return null;
    const url = new URL(s || '.', document.baseURI);
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  },

  _scheduleSync(delay) {
    clearTimeout(this._syncTimer);
    this._syncTimer = setTimeout(() => this._syncNow(), delay);
  },

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
  },

  async _syncRounds(server, id) {
    const replica = this._replica;
    const editsBefore = this._edits ?? 0;
    let result;
    let rightsChanged = false;
    let credential;
    try {
      // The credential: a provider the host page set (an app that renews tokens), else the
      // attribute.
      credential =
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
        lacking: await this._lackingBlobs(),
      });
      if (replica !== this._replica) return false;
      this._heads = result.heads;
      this._serverExtra = result.extra;
      this._learnNames(result.extra);
      const may = result.extra?.may ?? null;
      if (may && JSON.stringify(may) !== JSON.stringify(this._may)) {
        this._may = may;
        rightsChanged = true;
      }
    } catch (e) {
      this._failures += 1;
      const delay =
        Math.min(60000, 1000 * 2 ** Math.min(this._failures, 6)) * (0.75 + Math.random() / 2);
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
    // The rule set the server graded with (null: core rules only), when the reply has a grade.
    const grade = result.extra?.grade;
    await this._checkRuleSet(server, credential, grade ? (grade.ruleSet ?? null) : undefined);
    if (replica !== this._replica) return false;
    const composing = this._composing;
    this._refresh({ rerender: (applied > 0 || rightsChanged) && !composing });
    // Edits made while the request was in flight go out at once; a volume the server refused
    // (for example volume B to a partner mediator) waits for the next poll, not a busy loop.
    if ((this._edits ?? 0) !== editsBefore) this._syncAgain = true;
    // A refusal matters when this device has changes to that volume the server lacks (a
    // partner mediator is refused volume B on every sync, with nothing of its own in it).
    this._stuck =
      result.errors.find(
        (e) =>
          STUCK.has(e.code) &&
          (replica.changesSince(e.volume, this._heads[e.volume]) ?? [null]).length > 0,
      ) ?? null;
    this._showStuck();
    for (const e of result.errors) {
      this._emit('error', {
        code: e.code ?? 'sync_refused',
        message: `volume ${e.volume}: ${e.message ?? ''}`,
      });
    }
    this._emit('synced', { dossierId: id, heads: this._heads, applied, rounds, fallback });
    // Attachments follow the dossier: upload what waits, fetch what this device lacks.
    this._syncBlobs(result.extra?.blobs ?? null);
    return true;
  },

  /**
   * Throws away this device's unsynced changes to the open dossier (after the officer
   * confirms) and loads it again from the server. The discarded version goes out with the
   * `discarded` event, so a host app can keep it.
   */
  async _discardLocal() {
    const id = this._openId;
    if (!id || !globalThis.confirm(words(this.locale).discardConfirm)) return false;
    const dossier = this.dossier;
    await deleteDossier(id);
    this._retire();
    this._openId = null;
    this._emit('discarded', { dossierId: id, dossier });
    await this._open(id);
    return true;
  },
};

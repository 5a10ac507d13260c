// Attachments in the element: taking a photo or choosing a file (downscaled and kept in
// IndexedDB at once, offline too: the reference goes into the dossier like any edit), the
// upload queue (every kept attachment the server has not confirmed, uploaded after each sync
// while online, resumed where the server's copy stands), fetching the attachments of the open
// dossier this device lacks (the sync reply's `blobs` says which the server has), the
// thumbnails and their state, the full-size view, and the count of attachments waiting for
// upload in the status line. Methods of <abjuan-dossier-form>, joined to its class (`this` is
// the element).

import { attachmentLimits, attachmentsOf, download, prepare, upload } from './blobs.js';
import { css } from './draw.js';
import { countPendingBlobs, heldBlobs, loadBlob, pendingBlobs, saveBlob } from './store.js';
import { isoAt, words } from './text.js';
import { contentAddress, errorCode } from './wasm.js';

/** Refusals no retry changes: the attachment is marked failed (the officer sees why). */
const FINAL = new Set([
  'blob_hash_mismatch',
  'blob_type',
  'blob_too_large',
  'invalid_blob_address',
]);

const PERSON_KEY = 'abjuan.person';

export const attachments = {
  _bindAttachments() {
    this._thumbUrls = new Map();
    this._uploading = new Map();
    this._fetching = new Set();
    this._notYet = new Set();
    this._blobsPending = 0;
    const form = this._els.form;
    form.addEventListener('change', (e) => {
      const input = e.target.closest?.('input[type="file"][data-attach]');
      if (!input) return;
      const files = [...(input.files ?? [])];
      input.value = '';
      if (files.length) {
        this._attachFiles(input.dataset.attach, files).catch((err) => this._fail(err));
      }
    });
    form.addEventListener('click', (e) => {
      const b = e.target.closest?.('button[data-action="open-attachment"]');
      if (b) this._openAttachment(b.dataset.sha).catch((err) => this._fail(err));
    });
    this._countBlobs();
  },

  /** Who attaches: the person the server named in /v1/me, else this device. */
  _attacher() {
    try {
      return this._person ?? localStorage.getItem(PERSON_KEY) ?? this._actor;
    } catch {
      return this._person ?? this._actor;
    }
  },

  /** Remembers who the server says this device belongs to (GET /v1/me). */
  _learnPerson(person) {
    if (!person) return;
    this._person = person;
    try {
      localStorage.setItem(PERSON_KEY, person);
    } catch {
      // storage blocked: the device's actor id names the attacher instead
    }
  },

  /** Keeps `files` (downscaled) and adds their references to the list at `pointer`. */
  async _attachFiles(pointer, files) {
    if (!this._replica || !this._json || this.readonly) return;
    const { maxBytes } = attachmentLimits(this._schema);
    const added = [];
    for (const file of files) {
      let prepared;
      try {
        prepared = await prepare(file);
      } catch (e) {
        this._attachRefused(pointer, errorCode(e) === 'error' ? 'attachment_type' : errorCode(e));
        continue;
      }
      const bytes = new Uint8Array(await prepared.blob.arrayBuffer());
      if (bytes.length > maxBytes) {
        this._attachRefused(pointer, 'attachment_size');
        continue;
      }
      const sha256 = await contentAddress(bytes);
      if (!(await loadBlob(sha256))) {
        await saveBlob({
          sha256,
          type: prepared.type,
          size: bytes.length,
          bytes: new Blob([bytes], { type: prepared.type }),
          thumb: prepared.thumb,
          state: 'pending',
          keptAt: Date.now(),
        });
      }
      added.push({
        id: crypto.randomUUID(),
        sha256,
        mediaType: prepared.type,
        size: bytes.length,
        takenAt: isoAt(Math.min(Date.now(), file.lastModified || Date.now())),
        by: this._attacher(),
      });
    }
    if (!added.length) return;
    const next = structuredClone(this._json);
    const segs = pointer.split('/').slice(1);
    let obj = next;
    for (const s of segs.slice(0, -1)) {
      obj[s] ??= {};
      obj = obj[s];
    }
    obj[segs.at(-1)] ??= [];
    obj[segs.at(-1)].push(...added);
    this._replica.update(next, `attach ${pointer}`);
    this._fieldIssues.delete(pointer);
    this._afterEdit(pointer, null, { rerender: true });
    this._emit('attached', { pointer, attachments: added });
    await this._countBlobs();
  },

  _attachRefused(pointer, code) {
    this._fieldIssues.set(pointer, () => [
      { code, severity: 'error', message: words(this.locale).attachRefused(code) },
    ]);
    this._validate();
  },

  /** The open dossier's references whose bytes this device does not hold. */
  async _lackingBlobs() {
    if (!this._json) return [];
    const shas = [...new Set(attachmentsOf(this._json).map((r) => r.sha256))];
    if (!shas.length) return [];
    const held = await heldBlobs(shas).catch(() => new Set());
    return shas.filter((s) => !held.has(s));
  },

  /** How many attachments wait for upload (the status line shows it). */
  async _countBlobs() {
    const n = await countPendingBlobs().catch(() => 0);
    if (n !== this._blobsPending) {
      this._blobsPending = n;
      this._showStatus();
    }
    return n;
  },

  /**
   * After a sync (and when the network returns): uploads what waits, then fetches what the
   * open dossier references and this device lacks. `lists` is the sync reply's
   * `{serverLacks, phoneLacks}` for the open dossier, when it said anything.
   */
  _syncBlobs(lists) {
    if (lists) {
      for (const sha of lists.serverLacks ?? []) this._notYet.add(sha);
      for (const sha of lists.phoneLacks ?? []) this._notYet.delete(sha);
    }
    if (this._blobSyncing) {
      this._blobAgain = true;
      return this._blobSyncing;
    }
    this._blobSyncing = this._blobRound()
      .catch((e) => this._emit('error', { code: errorCode(e), message: String(e?.message ?? e) }))
      .finally(() => {
        this._blobSyncing = null;
        if (this._blobAgain) {
          this._blobAgain = false;
          this._syncBlobs();
        }
      });
    return this._blobSyncing;
  },

  async _blobRound() {
    const server = this._server();
    if (!server || !navigator.onLine) return;
    const credential =
      typeof this.credentialProvider === 'function'
        ? await this.credentialProvider()
        : this.getAttribute('credential');
    const http = { server, credential, device: this._actor };
    for (const rec of await pendingBlobs()) {
      this._uploading.set(rec.sha256, 0);
      this._fillGallery();
      try {
        await upload({
          ...http,
          rec,
          progress: (p) => {
            this._uploading.set(rec.sha256, p);
            this._fillGallery();
          },
        });
        await saveBlob({ ...rec, state: 'stored', code: undefined });
        this._notYet.delete(rec.sha256);
      } catch (e) {
        const code = errorCode(e);
        this._emit('error', {
          code,
          message: `attachment ${rec.sha256.slice(0, 8)}: ${e.message}`,
        });
        if (!FINAL.has(code)) break; // offline again, over the day's allowance…: next time
        await saveBlob({ ...rec, state: 'failed', code });
      } finally {
        this._uploading.delete(rec.sha256);
        await this._countBlobs();
        this._fillGallery();
      }
    }
    for (const sha of await this._lackingBlobs()) {
      if (this._notYet.has(sha) || !navigator.onLine) continue;
      this._fetching.add(sha);
      this._fillGallery();
      try {
        const got = await download({
          ...http,
          sha256: sha,
          address: contentAddress,
        });
        if (!got) this._notYet.add(sha);
      } catch (e) {
        this._emit('error', {
          code: errorCode(e),
          message: `attachment ${sha.slice(0, 8)}: ${e.message}`,
        });
      } finally {
        this._fetching.delete(sha);
        this._fillGallery();
      }
    }
  },

  /** Fills the thumbnails' pictures and states from what this device keeps. */
  _fillGallery() {
    if (this._galleryQueued) return;
    this._galleryQueued = true;
    queueMicrotask(async () => {
      this._galleryQueued = false;
      const w = words(this.locale);
      const server = this._server();
      for (const li of this._els.form.querySelectorAll('li.thumb[data-sha]')) {
        const sha = li.dataset.sha;
        const rec = await loadBlob(sha).catch(() => null);
        let state;
        let text;
        if (this._uploading.has(sha)) {
          state = 'uploading';
          text = w.blobState.uploading(Math.round(this._uploading.get(sha) * 100));
        } else if (rec?.state === 'failed') {
          state = 'failed';
          text = w.blobState.failed(rec.code);
        } else if (rec) {
          state = rec.state === 'stored' ? 'stored' : server ? 'pending' : 'local';
          text = w.blobState[state];
        } else if (this._fetching.has(sha)) {
          state = 'fetching';
          text = w.blobState.fetching;
        } else {
          state = this._notYet.has(sha) ? 'waiting' : 'missing';
          text = w.blobState[state];
        }
        li.dataset.state = state;
        const label = li.querySelector('.state');
        if (label && label.textContent !== text) label.textContent = text;
        const img = li.querySelector('img');
        if (img && rec && !img.getAttribute('src')) {
          let url = this._thumbUrls.get(sha);
          if (!url) {
            url = URL.createObjectURL(rec.thumb ?? rec.bytes);
            this._thumbUrls.set(sha, url);
          }
          img.src = url;
        }
      }
    });
  },

  /** Shows an attachment full size (fetching it first when this device lacks it). */
  async _openAttachment(sha) {
    let rec = await loadBlob(sha);
    const server = this._server();
    if (!rec && server && navigator.onLine) {
      await this._syncBlobs();
      rec = await loadBlob(sha);
    }
    const w = words(this.locale);
    this._closeViewer();
    const viewer = document.createElement('div');
    viewer.className = 'viewer';
    viewer.setAttribute('role', 'dialog');
    viewer.setAttribute('aria-modal', 'true');
    viewer.setAttribute('aria-label', w.openFull);
    viewer.dataset.sha = sha;
    const close = document.createElement('button');
    close.type = 'button';
    close.textContent = w.close;
    close.addEventListener('click', () => this._closeViewer());
    viewer.append(close);
    if (rec) {
      const url = URL.createObjectURL(rec.bytes);
      viewer.dataset.url = url;
      const shown = document.createElement(rec.type === 'application/pdf' ? 'iframe' : 'img');
      shown.src = url;
      shown.className = 'full';
      if (shown.tagName === 'IMG') {
        const li = this._els.form.querySelector(`li.thumb[data-sha="${css(sha)}"] img`);
        shown.alt = li?.alt ?? w.attachment;
      } else shown.title = w.attachment;
      viewer.append(shown);
    } else {
      const p = document.createElement('p');
      p.textContent = this._notYet.has(sha) ? w.blobState.waiting : w.blobState.missing;
      viewer.append(p);
    }
    viewer.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this._closeViewer();
    });
    this._els.root.append(viewer);
    close.focus();
  },

  _closeViewer() {
    for (const v of this._els.root.querySelectorAll('.viewer')) {
      if (v.dataset.url) URL.revokeObjectURL(v.dataset.url);
      v.remove();
    }
  },

  /** Lets go of the thumbnails' object URLs (the dossier is closed). */
  _dropThumbs() {
    for (const url of this._thumbUrls?.values() ?? []) URL.revokeObjectURL(url);
    this._thumbUrls?.clear();
    this._notYet?.clear();
    this._closeViewer();
  },
};

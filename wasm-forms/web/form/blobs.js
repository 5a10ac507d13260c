// Attachment bytes on the phone: a photo downscaled in the browser before it is kept (long edge
// 1,600 px, JPEG: a few hundred KB, and the re-encoding drops the camera's EXIF, GPS included),
// a thumbnail beside it, and the two conversations with the server: an upload that asks first
// how much the server already holds (HEAD, `Upload-Offset`) and sends the rest in parts
// (`PUT … Content-Range`), so a dropped connection costs only the part in flight, and a
// download. Plain functions; the element's attachment area (attachments.js) decides when.

import { loadBlob, saveBlob } from './store.js';
import { SyncError } from './sync.js';

/**
 * Where attachment references stand (the places of `abjuan_shared::attachment::LISTS`, which
 * the server indexes them by): `[pointer of the list, volume]`, `*` for every party.
 */
const LISTS = [
  ['/volumeA/agreement/attachments', 'a'],
  ['/volumeA/attachments', 'a'],
  ['/volumeB/parties/*/attachments', 'b'],
  // The site inspection's photos and material.
  ['/attachments', 'a'],
];

/**
 * Every attachment reference of a dossier (JSON) with a well-formed address:
 * `[{sha256, volume, pointer, mediaType, size, caption}]`.
 */
export function attachmentsOf(dossier) {
  const out = [];
  const walk = (value, segs, pointer, volume) => {
    if (!segs.length) {
      (Array.isArray(value) ? value : []).forEach((a, i) => {
        if (typeof a?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(a.sha256)) {
          out.push({ ...a, volume, pointer: `${pointer}/${i}` });
        }
      });
      return;
    }
    const [head, ...rest] = segs;
    if (head === '*') {
      (Array.isArray(value) ? value : []).forEach((v, i) => {
        walk(v, rest, `${pointer}/${i}`, volume);
      });
    } else if (value && typeof value === 'object') {
      walk(value[head], rest, `${pointer}/${head}`, volume);
    }
  };
  for (const [list, volume] of LISTS) walk(dossier, list.split('/').slice(1), '', volume);
  return out;
}

/**
 * The schema's limits on an attachment: `{maxBytes, mediaTypes}` (from `$defs.Attachment`, the
 * rules the WASM validation checks references by).
 */
export function attachmentLimits(schema) {
  const props = schema?.$defs?.Attachment?.properties ?? {};
  return {
    maxBytes: props.size?.maximum ?? 10 * 1024 * 1024,
    mediaTypes: props.mediaType?.enum ?? ['image/jpeg', 'image/png', 'application/pdf'],
  };
}

/** The long edge of a photo as kept and uploaded. */
export const LONG_EDGE = 1600;
/** JPEG quality of the kept photo. */
export const QUALITY = 0.85;
/** The long edge of a thumbnail. */
export const THUMB_EDGE = 320;
/** Bytes per upload request: a dropped connection loses at most this much. */
export const PART = 512 * 1024;

/** Draws `source` (an ImageBitmap) into a JPEG of at most `edge` px on its long side. */
async function jpeg(source, edge, quality) {
  const scale = Math.min(1, edge / Math.max(source.width, source.height));
  const w = Math.max(1, Math.round(source.width * scale));
  const h = Math.max(1, Math.round(source.height * scale));
  const draw = (ctx) => {
    // JPEG has no transparency: a PNG's clear pixels become white, not black.
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(source, 0, 0, w, h);
  };
  if (typeof OffscreenCanvas !== 'undefined') {
    const c = new OffscreenCanvas(w, h);
    draw(c.getContext('2d'));
    return { blob: await c.convertToBlob({ type: 'image/jpeg', quality }), width: w, height: h };
  }
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  draw(c.getContext('2d'));
  const blob = await new Promise((resolve) => c.toBlob(resolve, 'image/jpeg', quality));
  return { blob, width: w, height: h };
}

/** A thumbnail of an image blob (null for what is not an image). */
export async function thumbnail(blob) {
  if (!blob.type.startsWith('image/')) return null;
  const bitmap = await createImageBitmap(blob);
  try {
    return (await jpeg(bitmap, THUMB_EDGE, 0.7)).blob;
  } finally {
    bitmap.close?.();
  }
}

/**
 * A chosen or photographed file as it will be kept: images downscaled and re-encoded as JPEG,
 * a PDF as it is. Returns `{blob, type, thumb}`; throws an Error with `code` for what cannot be
 * attached (`attachment_type`).
 */
export async function prepare(file) {
  if (file.type === 'application/pdf') return { blob: file, type: file.type, thumb: null };
  if (!file.type.startsWith('image/')) {
    throw Object.assign(new Error(file.type || 'unknown type'), { code: 'attachment_type' });
  }
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    const full = await jpeg(bitmap, LONG_EDGE, QUALITY);
    const thumb = await jpeg(bitmap, THUMB_EDGE, 0.7);
    return { blob: full.blob, type: 'image/jpeg', thumb: thumb.blob };
  } finally {
    bitmap.close?.();
  }
}

function headersFor({ credential, device }) {
  const h = {};
  if (credential) h.Authorization = `Bearer ${credential}`;
  if (device) h['X-Abjuan-Device'] = device;
  return h;
}

async function refusal(res) {
  let code = 'http_error';
  let message = `HTTP ${res.status}`;
  try {
    const body = await res.json();
    code = body.code ?? code;
    message = body.message ?? message;
  } catch {
    // not JSON (a HEAD has no body)
  }
  return new SyncError(message, code, res.status);
}

/**
 * Uploads one kept attachment (`rec` from IndexedDB) to `server`, resuming where the server's
 * copy of this device's upload stands. Calls `progress(fraction)` after each part. Resolves
 * when the server holds it; throws a SyncError (`code`: `blob_hash_mismatch`, `blob_type`,
 * `blob_too_large`, `blob_quota`, `blob_upload_busy`, … or `network`).
 */
export async function upload({ server, credential, device, rec, progress, fetchImpl }) {
  const f = fetchImpl ?? fetch;
  const url = new URL(`v1/blobs/${rec.sha256}`, server);
  const auth = headersFor({ credential, device });
  const head = await f(url, { method: 'HEAD', headers: auth, cache: 'no-store' });
  if (head.ok) return;
  if (head.status !== 404) throw await refusal(head);
  const total = rec.size;
  let at = Number(head.headers.get('Upload-Offset') ?? 0) || 0;
  if (at > total) at = 0;
  for (let tries = 0; tries < 1000; tries++) {
    const end = Math.min(total, at + PART);
    const res = await f(url, {
      method: 'PUT',
      headers: {
        ...auth,
        'Content-Type': rec.type,
        'Content-Range': `bytes ${at}-${end - 1}/${total}`,
      },
      body: rec.bytes.slice(at, end),
      cache: 'no-store',
    });
    if (res.status === 409 && res.headers.get('Upload-Offset') != null) {
      at = Number(res.headers.get('Upload-Offset'));
      continue;
    }
    if (!res.ok) throw await refusal(res);
    const body = await res.json();
    if (body.complete) {
      progress?.(1);
      return;
    }
    at = Number(body.received);
    progress?.(at / total);
  }
  throw new SyncError('upload did not finish', 'blob_upload_busy', 0);
}

/**
 * Fetches an attachment this device lacks and keeps it (checked against its address with
 * `address(bytes)`, an async SHA-256). Resolves to the kept record, or null when the
 * server does not have it (or will not give it).
 */
export async function download({ server, credential, device, sha256, address, fetchImpl }) {
  const f = fetchImpl ?? fetch;
  const res = await f(new URL(`v1/blobs/${sha256}`, server), {
    headers: headersFor({ credential, device }),
    cache: 'no-store',
  });
  if (res.status === 404) return null;
  if (!res.ok) throw await refusal(res);
  const blob = await res.blob();
  const bytes = new Uint8Array(await blob.arrayBuffer());
  if ((await address(bytes)) !== sha256) {
    throw new SyncError('damaged download', 'blob_hash_mismatch', 0);
  }
  const type = (res.headers.get('Content-Type') ?? blob.type).split(';')[0];
  const typed = new Blob([bytes], { type });
  const rec = {
    sha256,
    type,
    size: bytes.length,
    bytes: typed,
    thumb: await thumbnail(typed).catch(() => null),
    state: 'stored',
    keptAt: Date.now(),
  };
  if (!(await loadBlob(sha256))) await saveBlob(rec);
  return rec;
}

// The `attachments` widget: a list of attachment references drawn as thumbnails, each with its
// caption (an ordinary text field of the form), when it was taken, where its bytes are (kept
// here and uploaded, waiting for upload, on the server only, not uploaded by anyone yet) and a
// button that opens it full size; under them "拍照" (the camera) and "选择文件". The thumbnails'
// pictures and the badges are filled in after drawing, from IndexedDB (attachments.js).

import { words } from './text.js';

function kb(bytes) {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function when(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})/.exec(iso ?? '');
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}` : '';
}

/**
 * Draws one list of references. `ctx` is render.js's context plus its helpers `el`,
 * `messageSlots` and `fieldId`.
 */
export function renderGallery(ctx, pointer, items, text) {
  const { el } = ctx;
  const w = words(ctx.locale);
  const fs = el('fieldset', {
    class: 'attachments',
    dataset: { path: pointer, gallery: pointer },
  });
  fs.append(el('legend', { text: `${text}（${items.length}）` }));
  const { msg, msgId, conflict } = ctx.messageSlots(ctx, pointer);
  fs.setAttribute('aria-describedby', msgId);
  const list = el('ul', { class: 'thumbs' });
  items.forEach((item, i) => {
    const ip = `${pointer}/${i}`;
    const caption = item?.caption ?? '';
    const name = caption || `${w.attachment} ${i + 1}`;
    const li = el('li', {
      class: 'thumb',
      dataset: { path: ip, sha: item?.sha256 ?? '', type: item?.mediaType ?? '' },
    });
    const open = el(
      'button',
      {
        type: 'button',
        class: 'open',
        'aria-label': `${w.openFull}${w.colon}${name}`,
        dataset: { action: 'open-attachment', sha: item?.sha256 ?? '' },
      },
      item?.mediaType === 'application/pdf'
        ? el('span', { class: 'pdf', text: 'PDF' })
        : el('img', { alt: name, loading: 'lazy', decoding: 'async' }),
    );
    const id = ctx.fieldId(ctx, `${ip}/caption`);
    const s = ctx.messageSlots(ctx, `${ip}/caption`);
    const captionInput = el('input', {
      id,
      type: 'text',
      maxlength: 200,
      value: caption,
      placeholder: w.caption,
      readonly: ctx.readonly,
      'aria-describedby': s.msgId,
      dataset: { pointer: `${ip}/caption`, kind: 'text', nullable: '1' },
    });
    li.append(
      open,
      el(
        'div',
        { class: 'field', dataset: { path: `${ip}/caption` } },
        el('label', { for: id, class: 'sr', text: w.caption }),
        captionInput,
        s.msg,
        s.conflict,
      ),
      el('p', {
        class: 'meta',
        text: [when(item?.takenAt), item?.size ? kb(item.size) : ''].filter(Boolean).join(' · '),
      }),
      el('p', { class: 'state', 'aria-live': 'polite' }),
    );
    if (!ctx.readonly) {
      li.append(
        el('button', {
          type: 'button',
          class: 'remove',
          text: `${w.remove}${ctx.locale === 'en' ? ' ' : ''}${name}`,
          dataset: { action: 'remove-item', pointer: ip },
        }),
      );
    }
    list.append(li);
  });
  fs.append(list);
  if (!items.length) fs.append(el('p', { class: 'empty', text: w.none }));
  if (!ctx.readonly) {
    const pick = (label, attrs) => {
      const inputId = `${ctx.fieldId(ctx, pointer)}-${attrs.capture ? 'camera' : 'file'}`;
      return el(
        'span',
        { class: 'pick' },
        el('label', { for: inputId, class: 'button', text: label }),
        el('input', {
          id: inputId,
          type: 'file',
          class: 'sr',
          dataset: { attach: pointer },
          ...attrs,
        }),
      );
    };
    fs.append(
      el(
        'div',
        { class: 'picks' },
        pick(w.takePhoto, { accept: 'image/*', capture: 'environment' }),
        pick(w.chooseFile, {
          accept: 'image/jpeg,image/png,image/webp,application/pdf',
          multiple: true,
        }),
      ),
    );
  }
  fs.append(msg, conflict);
  return fs;
}

// The dossier form drawn from the exported JSON Schema and its UI hints
// (`x-ui: {label, widget, order}`, `x-enum-labels`): one DOM tree per render, every input
// tagged with the JSON pointer of its field (`data-pointer`), every field wrapper with its
// path (`data-path`), a message slot tied to the input by aria-describedby, and a slot for a
// conflict badge. The element listens to the tree; this module only draws it.

import { renderGallery } from './gallery.js';
import { nowIso, today, toLocalInput, words } from './text.js';
import { baseType, resolve, widgetOf } from './widgets.js';

export { resolve };

/** Built-in dispute categories (shared/src/model/category.rs). */
export const CATEGORIES = [
  ['marriage', '婚姻家庭', 'Marriage and family'],
  ['romance', '感情', 'Romantic relationship'],
  ['neighbour', '邻里', 'Neighbours'],
  ['debt', '债务', 'Debt'],
  ['land', '土地/宅基地', 'Land and homestead'],
  ['wages', '劳资', 'Wages'],
  ['property', '物业', 'Property management'],
  ['traffic', '交通事故', 'Traffic accident'],
  ['other', '其他', 'Other'],
];

export function escapePointer(segment) {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The value at a JSON pointer, or undefined. */
export function at(json, pointer) {
  let v = json;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (v == null || typeof v !== 'object') return undefined;
    v = v[seg];
  }
  return v;
}

function ordered(def) {
  return Object.entries(def.properties ?? {}).sort(
    ([, a], [, b]) => (a['x-ui']?.order ?? 99) - (b['x-ui']?.order ?? 99),
  );
}

function label(ui, locale, fallback) {
  return ui?.label?.[locale === 'en' ? 'en' : 'zh'] ?? fallback;
}

function enumLabel(def, value, locale) {
  return def['x-enum-labels']?.[value]?.[locale === 'en' ? 'en' : 'zh'] ?? value;
}

/** A new object of `def` with its required members and defaults filled in. */
export function skeleton(root, def) {
  const out = {};
  const required = new Set(def.required ?? []);
  for (const [key, prop] of Object.entries(def.properties ?? {})) {
    const { def: d, nullable } = resolve(root, prop);
    if ('default' in prop) {
      out[key] = structuredClone(prop.default);
      continue;
    }
    if (!required.has(key) || nullable) continue;
    out[key] = initial(root, d, key);
  }
  return out;
}

function initial(root, def, key) {
  const t = baseType(def);
  if (key === 'id' || /\[0-9a-fA-F\]\{8\}-/.test(def.pattern ?? '')) return crypto.randomUUID();
  if (def.enum) return def.enum[0];
  if (def.format === 'date-time') return nowIso();
  if (def.format === 'date') return today();
  if (t === 'string') return '';
  if (t === 'integer' || t === 'number') return 0;
  if (t === 'boolean') return false;
  if (t === 'array') return [];
  if (t === 'object') return skeleton(root, def);
  return null;
}

/**
 * Draws the form. Returns `{tree, items}`; `items` maps list pointers to their item schema and
 * group pointers to their object schema (what the add buttons create).
 */
export function renderForm({
  schema,
  dossier,
  locale,
  readonly,
  idPrefix,
  parties,
  statusMachine = true,
}) {
  const w = words(locale);
  const ctx = { schema, locale, readonly, idPrefix, w, parties, statusMachine, items: new Map() };
  // The helpers a widget of its own module draws with (gallery.js).
  Object.assign(ctx, { el, messageSlots, fieldId });
  const tree = document.createElement('div');
  tree.className = 'volumes';
  for (const [key, prop] of ordered(schema)) {
    const widget = prop['x-ui']?.widget;
    if (widget === 'hidden') continue;
    tree.append(renderProp(ctx, prop, `/${key}`, dossier?.[key], true));
  }
  return { tree, items: ctx.items };
}

function fieldId(ctx, pointer) {
  return `${ctx.idPrefix}${pointer.replace(/[^A-Za-z0-9]/g, '_')}`;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.filter((c) => c != null));
  return e;
}

function messageSlots(ctx, pointer) {
  const id = `${fieldId(ctx, pointer)}-msg`;
  return {
    msgId: id,
    msg: el('p', { class: 'msg', id, 'aria-live': 'polite' }),
    conflict: el('div', { class: 'conflict', hidden: true, dataset: { conflictFor: pointer } }),
  };
}

function renderProp(ctx, prop, pointer, value, topLevel = false) {
  const ui = prop['x-ui'] ?? {};
  const { def, nullable } = resolve(ctx.schema, prop);
  const text = label(ui, ctx.locale, pointer.split('/').pop());
  const widget = widgetOf(ctx.schema, ui, def);
  switch (widget) {
    case 'group':
      return renderGroup(ctx, def, nullable, pointer, value, text, topLevel);
    case 'list':
      return renderList(ctx, def, pointer, value ?? [], text);
    case 'multiselect':
    case 'party-refs':
      return renderChoices(ctx, def, widget, pointer, value ?? [], text);
    case 'gps':
      return renderGps(ctx, def, nullable, pointer, value, text);
    case 'attachments':
      ctx.items.set(pointer, resolve(ctx.schema, def.items ?? {}).def);
      return renderGallery(ctx, pointer, value ?? [], text);
    default:
      return renderInput(ctx, def, nullable, widget, pointer, value, text, prop);
  }
}

function renderGroup(ctx, def, nullable, pointer, value, text, topLevel) {
  const fs = el('fieldset', {
    class: topLevel ? 'group volume' : 'group',
    dataset: { path: pointer },
  });
  const legend = el('legend', { text });
  fs.append(legend);
  const { msg, msgId, conflict } = messageSlots(ctx, pointer);
  fs.setAttribute('aria-describedby', msgId);
  if (value == null && pointer === '/volumeB') {
    // Volume B is personal data: absent when the server withholds it from this device.
    fs.append(el('p', { class: 'empty', text: ctx.w.volumeBWithheld }), msg, conflict);
    return fs;
  }
  if (value == null && nullable) {
    ctx.items.set(pointer, def);
    if (!ctx.readonly) {
      fs.append(
        el('button', {
          type: 'button',
          class: 'add',
          text: `${ctx.w.add}${ctx.locale === 'en' ? ' ' : ''}${text}`,
          dataset: { action: 'add-group', pointer },
        }),
      );
    } else {
      fs.append(el('p', { class: 'empty', text: ctx.w.none }));
    }
    fs.append(msg, conflict);
    return fs;
  }
  const obj = value ?? {};
  for (const [key, prop] of ordered(def)) {
    if (prop['x-ui']?.widget === 'hidden') continue;
    fs.append(renderProp(ctx, prop, `${pointer}/${escapePointer(key)}`, obj[key]));
  }
  if (nullable && !topLevel && !ctx.readonly) {
    fs.append(
      el('button', {
        type: 'button',
        class: 'remove',
        text: `${ctx.w.remove}${ctx.locale === 'en' ? ' ' : ''}${text}`,
        dataset: { action: 'remove-group', pointer },
      }),
    );
  }
  fs.append(msg, conflict);
  return fs;
}

function renderList(ctx, listDef, pointer, items, text) {
  const itemDef = resolve(ctx.schema, listDef.items ?? {}).def;
  ctx.items.set(pointer, itemDef);
  const itemLabel = label(itemDef['x-ui'], ctx.locale, text);
  const fs = el('fieldset', { class: 'list', dataset: { path: pointer } });
  fs.append(el('legend', { text: `${text}（${items.length}）` }));
  const { msg, msgId, conflict } = messageSlots(ctx, pointer);
  fs.setAttribute('aria-describedby', msgId);
  items.forEach((item, i) => {
    const ip = `${pointer}/${i}`;
    const box = el('fieldset', { class: 'item', dataset: { path: ip, itemId: item?.id ?? '' } });
    const name = item?.name ? `：${item.name}` : '';
    box.append(el('legend', { text: `${ctx.w.item(itemLabel, i + 1)}${name}` }));
    for (const [key, prop] of ordered(itemDef)) {
      if (prop['x-ui']?.widget === 'hidden') continue;
      box.append(renderProp(ctx, prop, `${ip}/${escapePointer(key)}`, item?.[key]));
    }
    const s = messageSlots(ctx, ip);
    box.setAttribute('aria-describedby', s.msgId);
    box.append(s.msg, s.conflict);
    if (!ctx.readonly) {
      box.append(
        el('button', {
          type: 'button',
          class: 'remove',
          text: `${ctx.w.remove}${ctx.locale === 'en' ? ' ' : ''}${ctx.w.item(itemLabel, i + 1)}`,
          dataset: { action: 'remove-item', pointer: ip },
        }),
      );
    }
    fs.append(box);
  });
  if (!ctx.readonly) {
    fs.append(
      el('button', {
        type: 'button',
        class: 'add',
        text: `${ctx.w.add}${ctx.locale === 'en' ? ' ' : ''}${itemLabel}`,
        dataset: { action: 'add-item', pointer },
      }),
    );
  }
  fs.append(msg, conflict);
  return fs;
}

function renderChoices(ctx, def, widget, pointer, value, text) {
  const fs = el('fieldset', {
    class: 'choices',
    dataset: { path: pointer, pointer, kind: widget },
  });
  fs.append(el('legend', { text }));
  const { msg, msgId, conflict } = messageSlots(ctx, pointer);
  fs.setAttribute('aria-describedby', msgId);
  let options;
  if (widget === 'party-refs') {
    options = ctx.parties.map((p, i) => [p.id, p.name || `#${i + 1}`]);
    for (const id of value) if (!options.some(([v]) => v === id)) options.push([id, id]);
  } else {
    const itemDef = resolve(ctx.schema, def.items ?? {}).def;
    options = (itemDef.enum ?? []).map((v) => [v, enumLabel(itemDef, v, ctx.locale)]);
  }
  const row = el('div', { class: 'options' });
  options.forEach(([v, l], i) => {
    const id = `${fieldId(ctx, pointer)}-${i}`;
    const box = el('input', {
      type: 'checkbox',
      id,
      checked: value.includes(v),
      disabled: ctx.readonly,
      dataset: { member: v },
    });
    row.append(el('span', { class: 'option' }, box, el('label', { for: id, text: l })));
  });
  if (!options.length) row.append(el('span', { class: 'empty', text: ctx.w.none }));
  fs.append(row, msg, conflict);
  return fs;
}

function renderGps(ctx, def, _nullable, pointer, value, text) {
  const fs = el('fieldset', { class: 'gps', dataset: { path: pointer } });
  fs.append(el('legend', { text }));
  const { msg, msgId, conflict } = messageSlots(ctx, pointer);
  for (const [key, prop] of ordered(def)) {
    const p = `${pointer}/${key}`;
    const id = fieldId(ctx, p);
    const input = el('input', {
      id,
      type: 'number',
      step: 'any',
      inputmode: 'decimal',
      value: value?.[key] ?? '',
      readonly: ctx.readonly,
      'aria-describedby': msgId,
      dataset: { pointer: p, kind: 'gps' },
    });
    fs.append(
      el(
        'div',
        { class: 'field inline', dataset: { path: p } },
        el('label', { for: id, text: label(prop['x-ui'], ctx.locale, key) }),
        input,
      ),
    );
  }
  if (!ctx.readonly) {
    fs.append(
      el('button', { type: 'button', text: ctx.w.locate, dataset: { action: 'locate', pointer } }),
    );
  }
  fs.append(msg, conflict);
  return fs;
}

function renderInput(ctx, def, nullable, widget, pointer, value, text, prop) {
  const id = fieldId(ctx, pointer);
  const { msg, msgId, conflict } = messageSlots(ctx, pointer);
  const wrap = el('div', { class: `field w-${widget}`, dataset: { path: pointer } });
  const common = {
    id,
    'aria-describedby': msgId,
    dataset: { pointer, kind: widget, nullable: nullable ? '1' : '' },
  };
  const required = !nullable && !('default' in prop);
  let input;
  switch (widget) {
    case 'textarea':
    case 'narrative':
      input = el('textarea', {
        ...common,
        rows: widget === 'narrative' ? 5 : 3,
        readonly: ctx.readonly,
      });
      input.value = value ?? '';
      if (def.maxLength) input.maxLength = def.maxLength;
      break;
    case 'select':
    case 'category': {
      // The dossier's status moves through its transitions; another form's is a plain field.
      const kind = pointer === '/header/status' && ctx.statusMachine ? 'status' : widget;
      input = el('select', {
        ...common,
        disabled: ctx.readonly,
        dataset: { ...common.dataset, kind },
      });
      // An open list (an inspection's place type: built-in codes and a bureau's own) has its
      // built-in choices in `x-enum-labels` only; a value outside them is shown as its code.
      const codes = def.enum ?? Object.keys(def['x-enum-labels'] ?? {});
      const opts =
        widget === 'category'
          ? CATEGORIES.map(([c, zh, en]) => [c, ctx.locale === 'en' ? en : zh])
          : codes.map((v) => [v, enumLabel(def, v, ctx.locale)]);
      const empty = value == null || value === '';
      if (!empty && !opts.some(([v]) => v === value)) opts.push([value, value]);
      if (nullable || empty) input.append(el('option', { value: '', text: '—' }));
      for (const [v, l] of opts)
        input.append(el('option', { value: v, text: l, selected: v === value }));
      input.value = value ?? '';
      break;
    }
    case 'party-ref': {
      input = el('select', { ...common, disabled: ctx.readonly });
      input.append(el('option', { value: '', text: '—' }));
      for (const p of ctx.parties)
        input.append(el('option', { value: p.id, text: p.name || p.id }));
      if (value && !ctx.parties.some((p) => p.id === value)) {
        input.append(el('option', { value, text: value }));
      }
      input.value = value ?? '';
      break;
    }
    case 'checkbox':
      input = el('input', {
        ...common,
        type: 'checkbox',
        checked: !!value,
        disabled: ctx.readonly,
      });
      wrap.classList.add('check');
      wrap.append(input, el('label', { for: id, text }), msg, conflict);
      return wrap;
    case 'number':
      input = el('input', {
        ...common,
        type: 'number',
        inputmode: 'numeric',
        min: def.minimum,
        max: def.maximum,
        step: baseType(def) === 'integer' ? '1' : 'any',
        value: value ?? '',
        readonly: ctx.readonly,
      });
      break;
    case 'date':
      input = el('input', { ...common, type: 'date', value: value ?? '', readonly: ctx.readonly });
      break;
    case 'datetime':
      input = el('input', {
        ...common,
        type: 'datetime-local',
        value: toLocalInput(value),
        readonly: ctx.readonly,
      });
      break;
    case 'tags':
      input = el('input', {
        ...common,
        type: 'text',
        value: (value ?? []).join('，'),
        placeholder: ctx.w.tagsHint,
        readonly: ctx.readonly,
      });
      break;
    case 'phone':
      input = el('input', {
        ...common,
        type: 'tel',
        inputmode: 'tel',
        autocomplete: 'off',
        maxlength: 16,
        value: value ?? '',
        readonly: ctx.readonly,
      });
      break;
    case 'id-number':
      input = el('input', {
        ...common,
        type: 'text',
        autocomplete: 'off',
        autocapitalize: 'characters',
        spellcheck: 'false',
        maxlength: 18,
        value: value ?? '',
        readonly: ctx.readonly,
      });
      break;
    default:
      input = el('input', {
        ...common,
        type: 'text',
        maxlength: def.maxLength,
        value: value ?? '',
        readonly: ctx.readonly,
      });
  }
  if (required) input.setAttribute('aria-required', 'true');
  wrap.append(el('label', { for: id, text }), input, msg, conflict);
  return wrap;
}

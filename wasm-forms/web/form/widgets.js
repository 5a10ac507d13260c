// Reading a form's JSON Schema for drawing: `$ref` and nullable types resolved, a field's base
// type, and the widget a field is drawn with (its `x-ui.widget` hint, else one inferred from
// its type, so a form whose schema names a widget this page lacks is still editable).

/** Resolves `$ref`, `anyOf [X, null]` and `type: [T, "null"]`: `{def, nullable}`. */
export function resolve(root, prop) {
  let nullable = false;
  let s = prop;
  if (Array.isArray(s.anyOf)) {
    const real = s.anyOf.find((x) => x.type !== 'null');
    nullable = s.anyOf.some((x) => x.type === 'null');
    s = real ?? s;
  }
  if (s.$ref) s = root.$defs[s.$ref.split('/').pop()];
  if (Array.isArray(s.type)) {
    nullable = nullable || s.type.includes('null');
  }
  return { def: s, nullable };
}

export function baseType(def) {
  const t = Array.isArray(def.type) ? def.type.find((x) => x !== 'null') : def.type;
  return t ?? (def.enum ? 'string' : def.properties ? 'object' : undefined);
}

/** The widgets this renderer draws (`x-ui.widget`). */
const WIDGETS = new Set([
  'group',
  'list',
  'multiselect',
  'party-refs',
  'gps',
  'attachments',
  'text',
  'textarea',
  'narrative',
  'select',
  'category',
  'party-ref',
  'checkbox',
  'number',
  'date',
  'datetime',
  'tags',
  'phone',
  'id-number',
  'station',
  'hidden',
]);

/**
 * The widget of a field: its hint when this renderer knows it, else one inferred from the
 * field's type (so a form whose schema names a widget this page lacks is still editable).
 */
export function widgetOf(root, ui, def) {
  if (WIDGETS.has(ui.widget)) return ui.widget;
  const t = baseType(def);
  if (def.enum) return 'select';
  if (t === 'integer' || t === 'number') return 'number';
  if (t === 'boolean') return 'checkbox';
  if (t === 'object') return 'group';
  if (t === 'array') {
    const item = resolve(root, def.items ?? {}).def;
    if (item.properties || baseType(item) === 'object') return 'list';
    return item.enum ? 'multiselect' : 'tags';
  }
  if (def.format === 'date') return 'date';
  if (def.format === 'date-time') return 'datetime';
  return 'text';
}

// The form types the element knows how to draw (`shared/src/forms`: the registry; the WASM
// package's `forms()` lists them): what the chrome needs per form beyond its JSON Schema (the
// status machine, the closing statuses, what a list shows of a record, a short badge), and a
// new record of any form built from its schema. A form the page does not know still works:
// it is drawn from its schema with the generic chrome.

import { skeleton } from './render.js';
import { nowIso } from './text.js';

/** The AB dossier: the default form (a record without `formType` is one). */
export const AB_DOSSIER = 'ab_dossier/v1';
/** The year-end site inspection (岁末清查整治). */
export const SITE_INSPECTION = 'site_inspection/v1';

/** The form a record (JSON) is. */
export function formTypeOf(record) {
  return typeof record?.formType === 'string' && record.formType ? record.formType : AB_DOSSIER;
}

const text = (v) => (typeof v === 'string' ? v : '');

/**
 * Per form: `statusMachine` (status moves go through `changeStatus`, which checks the dossier's
 * transitions; otherwise the status is a plain field), `closing` (statuses that need the close
 * right), `bureauRules` (the bureau's warning rule set grades it), `print` (the print page
 * lays it out), `badge` (a short name for lists), `listing` (what a list shows of it).
 */
const CHROME = {
  [AB_DOSSIER]: {
    statusMachine: true,
    closing: new Set(['resolved', 'archived', 'referred', 'failed']),
    archived: 'archived',
    bureauRules: true,
    print: true,
    badge: { zh: 'AB卷', en: 'AB' },
    newLabel: { zh: '新建卷宗', en: 'New dossier' },
    listing: (r) => ({
      summary: text(r?.header?.summary),
      status: r?.header?.status ?? null,
      category: r?.header?.category ?? null,
      at: r?.header?.reportedAt ?? null,
    }),
  },
  [SITE_INSPECTION]: {
    statusMachine: false,
    closing: new Set(['closed']),
    archived: null,
    bureauRules: false,
    print: false,
    badge: { zh: '清查', en: 'Inspection' },
    newLabel: { zh: '新建清查记录', en: 'New inspection' },
    listing: (r) => ({
      // As the server's index lists it (the form's `listing`): the place's name.
      summary: text(r?.place?.name),
      status: r?.header?.status ?? null,
      category: r?.place?.type ?? null,
      at: r?.header?.inspectedAt ?? null,
    }),
  },
};

const GENERIC = {
  statusMachine: false,
  closing: new Set(),
  archived: null,
  bureauRules: false,
  print: false,
  badge: null,
  newLabel: null,
  listing: (r) => ({
    summary: text(r?.header?.summary),
    status: r?.header?.status ?? null,
    category: null,
    at: null,
  }),
};

/** What the chrome needs to know of a form (the generic chrome for a form it does not know). */
export function chromeOf(formType) {
  return CHROME[formType] ?? GENERIC;
}

/** A short name for a list's badge: the known one, else the registry's label. */
export function badgeOf(formType, locale, catalogue = []) {
  const l = locale === 'en' ? 'en' : 'zh';
  const known = chromeOf(formType).badge?.[l];
  if (known) return known;
  return catalogue.find((f) => f.code === formType)?.label?.[l] ?? formType;
}

/** The words of the "new record" button of a form. */
export function newLabelOf(form, locale) {
  const l = locale === 'en' ? 'en' : 'zh';
  return (
    chromeOf(form.code).newLabel?.[l] ??
    `${l === 'en' ? 'New ' : '新建'}${form.label?.[l] ?? form.code}`
  );
}

/** What a list shows of a record: `{formType, summary, status, category, at}`. */
export function listingOf(record) {
  const formType = formTypeOf(record);
  return { formType, ...chromeOf(formType).listing(record) };
}

/**
 * A new record of `formType` drawn from its schema: every required member and default filled
 * in (the entity lists are created with the record, so two phones never each create the same
 * missing list), a fresh id, `header` merged with what the caller gives.
 */
export function newRecord(formType, schema, header = {}) {
  if (formType === AB_DOSSIER) {
    return {
      id: crypto.randomUUID(),
      formType,
      header: {
        station: header.station ?? 'station',
        category: header.category ?? 'other',
        source: header.source ?? 'walk_in',
        reportedAt: header.reportedAt ?? nowIso(),
        summary: header.summary ?? '',
        status: 'registered',
        ...header,
      },
      volumeA: { sessions: [], followUps: [], attachments: [] },
      volumeB: { parties: [], relations: [], legalEducation: [] },
    };
  }
  const record = skeleton(schema, schema);
  record.id = crypto.randomUUID();
  record.formType = formType;
  const headerDef = schema.properties?.header;
  if (headerDef || Object.keys(header).length) {
    record.header = { ...(record.header ?? {}), ...header };
    if (!record.header.station) record.header.station = 'station';
  }
  return record;
}

// Compiled (not run) by types.test.mjs with `tsc --strict --noEmit`: the package's .d.ts
// types the whole API, optional arguments included.
import {
  type Assessment,
  type Conflict,
  type Dossier,
  DossierDoc,
  dossierSchema,
  type EditOutcome,
  type Grade,
  grade,
  type HistoryEntry,
  type JsonSchema,
  type RuleSet,
  SyncState,
  type ValidationIssue,
  type ValidationReport,
  validateDossier,
  validateDossierJson,
  validateField,
  validateStructure,
} from 'abjuan-wasm-forms';

declare const dossier: Dossier;
const report: ValidationReport = validateDossier(dossier);
const withOpts: ValidationReport = validateDossier(JSON.stringify(dossier), {
  locale: 'en',
  status: 'resolved',
  now: '2025-06-01T12:00:00+08:00',
});
const structural: ValidationReport = validateStructure(dossier);
const text: string = validateDossierJson(dossier, { locale: 'zh-CN' });
const issues: ValidationIssue[] = validateField('/header/summary', 'x', dossier);
const g: Grade = grade(dossier);
const g2: Grade = grade(dossier, { rules: [] });
const published: RuleSet = { bureau: 'yongji', version: 3, rules: [] };
const g3: Grade = grade(dossier, published);
const usedVersion: number | undefined = g3.ruleSet?.version;
const schema: JsonSchema = dossierSchema();
const levels: string[] = [g.level, g2.computed, ...g.fired.map((f) => f.reason.zh)];
const versions: (number | undefined)[] = [
  usedVersion,
  validateDossier(dossier, { localRules: published }).issues.length,
];

const doc: DossierDoc = DossierDoc.create(dossier, 'aa01');
const loaded: DossierDoc = DossierDoc.load(doc.saveA(), doc.saveB(), 'bb02');
const empty: DossierDoc = DossierDoc.empty(doc.dossierId(), 'cc03');
const e1: EditOutcome = doc.setField('/header/facts/priorCalls', 2);
const e2: EditOutcome = doc.spliceText(
  '/header/summary',
  0,
  0,
  '【】',
  '2025-06-01T12:00:00+08:00',
);
const e3: EditOutcome = doc.changeStatus('mediating');
const conflicts: Conflict[] = doc.conflicts();
const history: HistoryEntry[] = doc.history('a');
const assessed: Assessment = doc.assess();
const assessedEn: Assessment = doc.assess({ locale: 'en' });
const heads: string[] = doc.heads('b');
const changes: Uint8Array[] | null = doc.changesSince('a', heads);
const applied: number = loaded.applyChanges('a', changes ?? []);
const state = new SyncState();
const msg: Uint8Array | null = doc.generateSyncMessage('a', state);
if (msg) empty.receiveSyncMessage('a', SyncState.decode(state.encode()), msg);
const back: Dossier = doc.toJSON();

export const used = [
  report,
  withOpts,
  structural,
  text,
  issues,
  schema,
  levels,
  versions,
  e1,
  e2,
  e3,
  conflicts,
  history,
  assessed,
  assessedEn,
  changes,
  applied,
  back,
];

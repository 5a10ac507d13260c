//! TypeScript types of the values that cross the boundary as plain objects. The bindings name
//! them with `unchecked_param_type` / `unchecked_return_type`, so the generated `.d.ts` is
//! typed throughout.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Message language. */
export type Locale = "zh-CN" | "en";
/** A dossier's status code. */
export type DossierStatus =
  | "registered" | "mediating" | "resolved" | "follow_up" | "archived" | "referred" | "failed";
export type WarningLevel = "blue" | "yellow" | "orange" | "red";
/** A dossier as JSON (shape: `dossierSchema()`). */
export type Dossier = { id: string; header: Record<string, unknown>; [key: string]: unknown };
export type MediationSession = Record<string, unknown>;
export type FollowUp = Record<string, unknown>;
export type Party = Record<string, unknown>;
/** A JSON Schema (draft 2020-12) with `x-ui` hints. */
export type JsonSchema = Record<string, unknown>;

/** One registered form type (`forms()`). */
export interface FormInfo {
  /** The `formType` value: `ab_dossier/v1`, `site_inspection/v1`. */
  code: string;
  label: { zh: string; en: string };
}
/**
 * A bureau's warning rule set as `GET /v1/rules` gives it: version `version` of bureau
 * `bureau`'s local rules (format: shared/src/warning/local.rs). Bare `{rules}` is accepted too
 * (a page's own rules: bureau "", version 0).
 */
export interface LocalRules { bureau?: string; version?: number; rules: unknown[] }
/** A published rule set (bureau and version always present). */
export type RuleSet = Required<LocalRules>;
/** Which rule set a grade used. */
export interface RuleSetId { bureau: string; version: number }

export interface ValidateOptions {
  /** Message language; default "zh-CN". */
  locale?: Locale | string;
  /** Judge as if the dossier had this status ("may I close now?"). */
  status?: DossierStatus;
  /** RFC 3339; default: the device clock. */
  now?: string;
  /** A bureau's rule set (object or JSON text): it decides the grade, and so the checks. */
  localRules?: LocalRules | string;
}

export interface ValidationIssue {
  /** JSON pointer; "" for the whole dossier. */
  path: string;
  /** Stable code: match on it, never on the message. */
  code: string;
  severity: "error" | "warning";
  params: Record<string, unknown>;
  message: string;
}

export interface ValidationReport {
  valid: boolean;
  stage: "draft" | "closing";
  issues: ValidationIssue[];
}

export interface FiredRule {
  id: string;
  level: WarningLevel;
  source: "core" | "local" | "manual";
  reason: { zh: string; en: string };
}

/** The validation report of a dossier (JSON text or object). Messages in zh-CN by default. */
export function validateDossier(json: string | Dossier, opts?: ValidateOptions | null): ValidationReport;
/**
 * The structural part of the report only: what the exported JSON Schema also checks (types,
 * required fields, enum values, lengths, ranges, formats). Faster; no cross-field rules.
 */
export function validateStructure(json: string | Dossier, opts?: ValidateOptions | null): ValidationReport;
/** The same report as JSON text, byte for byte what the server's validation writes. */
export function validateDossierJson(json: string | Dossier, opts?: ValidateOptions | null): string;
/**
 * As-you-type check: the issues at `path` (or under it) once the field at `path` holds
 * `value` (`undefined` removes the field), in the context of `dossier`.
 */
export function validateField(
  path: string, value: unknown, dossier: string | Dossier, opts?: ValidateOptions | null,
): ValidationIssue[];
/** The warning grade: core rules plus a bureau's local rules. */
export function grade(json: string | Dossier, localRules?: LocalRules | string | null): Grade;

export interface Grade {
  level: WarningLevel;
  computed: WarningLevel;
  fired: FiredRule[];
  ignoredRaise?: { level: WarningLevel; at: string };
  /** The rule set whose local rules were applied; absent: core rules only. */
  ruleSet?: RuleSetId;
}
"#;

#[cfg(feature = "doc")]
#[wasm_bindgen(typescript_custom_section)]
const TS_DOC_TYPES: &'static str = r#"
/** "a": header and volume A; "b": volume B (personal data). */
export type Volume = "a" | "b";

/** The new change hash per document an edit touched (null: unchanged). */
export interface EditOutcome { a: string | null; b: string | null }

export interface Conflict {
  path: string;
  volume: Volume;
  values: { value: unknown; actor: string; winner: boolean }[];
}

export interface HistoryEntry {
  hash: string;
  actor: string;
  seq: number;
  /** Milliseconds since the epoch, by the author's device. */
  time: number;
  message: string | null;
  paths: string[];
}

export interface DossierDoc {
  /** Validation report, grade and conflicts of the current (merged) state. */
  assess(opts?: ValidateOptions | null): Assessment;
}

export interface Assessment {
  report: ValidationReport;
  grade: Grade | null;
  conflicts: Conflict[];
}
"#;

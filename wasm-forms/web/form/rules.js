// The bureau's warning rule set on this device (the "N" of 3+N): the server names its current
// version in GET /v1/me; when that is not the version kept here, the form fetches the set at
// GET /v1/rules/{version} and keeps it in IndexedDB, so the grade and the checks use exactly
// the server's rules, offline too, and the grade names the version. Asked after a sync when
// the last answer is older than the `rules-interval` attribute (ms, default a minute), and at
// once when a sync reply's grade names a version this device does not have. Methods of
// <abjuan-dossier-form>, joined to its class (`this` is the element).

import { chromeOf, formTypeOf } from './forms.js';
import { loadRuleSet, saveRuleSet } from './store.js';
import { errorCode } from './wasm.js';

/** How often the form asks the server which rule set is current, at most, by default. */
const CHECK_EVERY_MS = 60 * 1000;

function sameSet(a, b) {
  return (
    (a?.bureau ?? null) === (b?.bureau ?? null) && (a?.version ?? null) === (b?.version ?? null)
  );
}

async function getJson(server, path, credential) {
  const headers = { Accept: 'application/json' };
  if (credential) headers.Authorization = `Bearer ${credential}`;
  const res = await fetch(new URL(path, server), { headers, cache: 'no-store' });
  if (!res.ok) return null;
  return res.json();
}

export const ruleSets = {
  /** The rule set to grade with: the one kept for this server, or null (core rules only). */
  async _loadRuleSet() {
    const server = this._server();
    if (!server) return;
    try {
      const rec = await loadRuleSet(server);
      this._ruleSet = rec?.ruleSet ?? null;
      this._ruleSetCheckedAt = rec?.checkedAt ?? 0;
    } catch {
      // no IndexedDB: core rules until the server names a set
    }
  },

  /**
   * Whether the bureau's rule set grades the open record (the AB dossier's warning rules; an
   * inspection has its own risk rules).
   */
  _bureauRules() {
    return chromeOf(formTypeOf(this._json)).bureauRules;
  },

  /** Options for the checks: the locale, and the rule set that decides the level. */
  _checkOptions() {
    return this._ruleSet && this._bureauRules()
      ? { locale: this.locale, localRules: this._ruleSet }
      : { locale: this.locale };
  },

  /**
   * After a sync: asks the server which version of the bureau's rule set is current when the
   * last answer is older than a few minutes or `seen` (the rule set a sync reply's grade
   * named) differs from the one in use; fetches and keeps a new version. Returns whether the
   * set in use changed (the caller checks the dossier again).
   */
  async _checkRuleSet(server, credential, seen) {
    const every = Number(this.getAttribute('rules-interval')) || CHECK_EVERY_MS;
    const stale = Date.now() - (this._ruleSetCheckedAt ?? 0) > every;
    const news =
      seen !== undefined && !sameSet(seen, this._ruleSet) && !sameSet(seen, this._ruleSetAsked);
    if (!stale && !news) return false;
    // A grade naming another set is asked about once (a partner mediator, who may not fetch
    // rule sets, would otherwise ask after every sync).
    if (seen !== undefined) this._ruleSetAsked = seen;
    const me = await getJson(server, 'v1/me', credential).catch(() => null);
    this._learnPerson(me?.person);
    if (!me || !('ruleSet' in me)) return false; // offline, refused, or an older server
    this._ruleSetCheckedAt = Date.now();
    const want = me.ruleSet ?? null;
    let next = this._ruleSet ?? null;
    if (!sameSet(want, next)) {
      if (want == null) {
        next = null;
      } else {
        const got = await getJson(server, `v1/rules/${want.version}`, credential).catch(() => null);
        if (!got?.ruleSet) return false;
        try {
          // Only a set the WASM package reads replaces the one in use (`grade` reads the set
          // before the dossier, so a set it cannot read fails with a `rules_*` code).
          this._m.grade(JSON.stringify(this._json ?? {}), got.ruleSet);
        } catch (e) {
          if (errorCode(e).startsWith('rules_')) {
            this._emit('error', { code: errorCode(e), message: String(e?.message ?? e) });
            return false;
          }
        }
        next = got.ruleSet;
      }
    }
    const changed = !sameSet(next, this._ruleSet);
    this._ruleSet = next;
    await saveRuleSet({ server, ruleSet: next, checkedAt: this._ruleSetCheckedAt }).catch(() => {});
    return changed;
  },
};

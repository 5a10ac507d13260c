// Validation shown on the form: the messages next to the fields, the summary with its
// "go to" buttons, and the warning grade. Methods of <abjuan-dossier-form>, joined to its
// class (`this` is the element).

import { words } from './text.js';
import { errorCode, grade, validate } from './wasm.js';

export const checks = {
  _validate() {
    if (!this._json) return;
    let report;
    try {
      report = validate(this._m, this._json, this._checkOptions());
    } catch (e) {
      report = { valid: false, stage: 'error', issues: [] };
      this._emit('error', { code: errorCode(e), message: String(e?.message ?? e) });
    }
    this._report = report;
    const issues = [...(report.issues ?? [])];
    // Values the model refused (they stay in their inputs), in the current locale.
    for (const [path, issuesOf] of this._fieldIssues) {
      issues.push(...issuesOf().map((i) => ({ ...i, path })));
    }
    this._showIssues(issues);
    this._showGrade();
    this._emit('validated', { report });
  },

  _showIssues(issues) {
    const w = words(this.locale);
    const byTarget = new Map();
    for (const issue of issues) {
      const target = this._targetFor(issue.path ?? '');
      if (!target) continue;
      if (!byTarget.has(target)) byTarget.set(target, []);
      byTarget.get(target).push(issue);
    }
    // Touch only what changed, so a screen reader hears a message once, not every keystroke.
    for (const msg of this._els.form.querySelectorAll('.msg')) {
      const target = msg.parentElement;
      const list = byTarget.get(target) ?? [];
      const text = [...new Set(list.map((i) => i.message))].join(' ');
      if (msg.textContent !== text) msg.textContent = text;
      msg.classList.toggle(
        'warning',
        list.length > 0 && list.every((i) => i.severity === 'warning'),
      );
      const input = target.querySelector(':scope > [data-pointer]') ?? target;
      if (list.some((i) => i.severity !== 'warning')) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    const summary = this._els.summary;
    const errors = issues.filter((i) => i.severity !== 'warning');
    const warnings = issues.filter((i) => i.severity === 'warning');
    summary.replaceChildren();
    summary.hidden = false;
    summary.classList.toggle('has-errors', errors.length > 0);
    const h = document.createElement('h2');
    h.textContent = issues.length ? w.issues(errors.length, warnings.length) : w.noIssues;
    summary.append(h);
    if (issues.length) {
      const ul = document.createElement('ul');
      for (const issue of [...errors, ...warnings]) {
        const li = document.createElement('li');
        li.className = issue.severity === 'warning' ? 'warning' : 'error';
        const target = this._targetFor(issue.path ?? '');
        const name = target?.querySelector(':scope > label, :scope > legend')?.textContent;
        li.textContent = name ? `${name}${w.colon}${issue.message}` : issue.message;
        if (target) {
          const b = document.createElement('button');
          b.type = 'button';
          b.textContent = w.gotoField;
          b.dataset.goto = target.dataset.path;
          li.append(b);
        }
        ul.append(li);
      }
      summary.append(ul);
    }
  },

  _showGrade() {
    const w = words(this.locale);
    const box = this._els.grade;
    let g;
    try {
      g = grade(this._m, this._json, this._bureauRules() ? this._ruleSet : null);
    } catch {
      box.hidden = true;
      return;
    }
    const sig = JSON.stringify([g, this.locale]);
    if (sig === this._gradeSig && !box.hidden) return;
    this._gradeSig = sig;
    const labels = this._schema.$defs?.WarningLevel?.['x-enum-labels'] ?? w.levels;
    const levelName = labels[g.level]?.[this.locale] ?? g.level;
    box.className = `grade level-${g.level}`;
    box.dataset.level = g.level;
    box.replaceChildren();
    const h = document.createElement('h2');
    h.textContent = `${w.warningLevel}${w.colon}${levelName}`;
    box.append(h);
    const ul = document.createElement('ul');
    for (const f of g.fired ?? []) {
      const li = document.createElement('li');
      li.dataset.rule = f.id;
      const lvl = labels[f.level]?.[this.locale] ?? f.level;
      li.textContent = `${lvl}${w.colon}${f.reason?.[this.locale] ?? f.reason?.zh ?? f.id}`;
      ul.append(li);
    }
    if (!ul.children.length) {
      const li = document.createElement('li');
      li.textContent = w.noRules;
      ul.append(li);
    }
    box.append(ul);
    if (g.ruleSet) {
      // Which version of the bureau's rules graded it, so an officer comparing grades knows.
      const p = document.createElement('p');
      p.className = 'rule-set';
      p.dataset.version = String(g.ruleSet.version);
      p.textContent = w.ruleSet(g.ruleSet.version);
      box.append(p);
    }
    box.hidden = false;
  },
};

// The printed AB卷 (卷宗), laid out once for every way it is printed: the print page on a phone
// or a desk (online from /v1/print/data, offline from the phone's own copy) and the server's
// PDFs (Chromium runs this file inlined, with the data embedded; so: no imports here).
//
// Binding order of a 卷宗: cover, 卷内目录, 受理登记表, every 调解记录, 调解协议书 (a signature and
// fingerprint box per signatory), the photos of the signed papers and other material
// (ATTACHMENTS), 回访记录, 结案报告; then volume B as its own part (当事人基本情况, the parties'
// ID papers, 主要社会关系, 法治宣传), only when the data holds it (a partner mediator's never does).
// Photos come from `data.blobs` ({sha256: URL}: object URLs on a phone, files beside the page
// in the server's PDF); one this print lacks gets a box saying so.
// Each document starts on a new A4 page; Paged.js (npm) paginates, then `folio` writes
// "第 X 页 共 Y 页" on every page and the page numbers into the 卷内目录, per dossier.

/** Labels of the closed lists: `{Source: {call_110: '110警情'}, …, category: {…}}`. */
let L = {};
const label = (list, code) => (code == null || code === '' ? '' : (L[list]?.[code] ?? code));

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v != null && v !== false) e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Number.POSITIVE_INFINITY)) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

/** `2025-03-01T21:15:00+08:00` → `2025年03月01日 21:15` (the time as written, no zone maths). */
export function when(iso, withTime = true) {
  if (!iso) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2}))?/.exec(iso);
  if (!m) return iso;
  return `${m[1]}年${m[2]}月${m[3]}日${withTime && m[4] ? ` ${m[4]}` : ''}`;
}

/** A two-column table of label/value rows (empty values printed as a blank line to fill). */
function sheet(rows) {
  return el(
    'table',
    { class: 'sheet' },
    el(
      'tbody',
      null,
      rows.map(([k, v, wide]) =>
        el(
          'tr',
          null,
          el('th', { scope: 'row' }, k),
          el('td', { class: wide ? 'wide' : null }, v || ''),
        ),
      ),
    ),
  );
}

function grid(head, rows) {
  return el(
    'table',
    { class: 'grid' },
    el(
      'thead',
      null,
      el(
        'tr',
        null,
        head.map((h) => el('th', { scope: 'col' }, h)),
      ),
    ),
    el(
      'tbody',
      null,
      rows.length
        ? rows.map((r) =>
            el(
              'tr',
              null,
              r.map((c) => el('td', null, c ?? '')),
            ),
          )
        : el('tr', null, el('td', { colspan: head.length, class: 'none' }, '（无）')),
    ),
  );
}

function paragraphs(text) {
  return String(text ?? '')
    .split(/\n+/)
    .filter((p) => p.trim())
    .map((p) => el('p', { class: 'narrative' }, p));
}

function signLine(...who) {
  return el(
    'div',
    { class: 'signline' },
    who.map((w) => el('span', null, `${w}：`, el('span', { class: 'blank' }))),
  );
}

/** Where this print finds each attachment's bytes: `{sha256: URL}`. */
let BLOBS = {};
const MISSING = '照片未能载入：尚未上传到服务器，或本机没有';

/** A document of photos (`list`: attachment references), or nothing when there are none. */
function photos(doc, id, title, list, person) {
  if (!list?.length) return [];
  const pdf = (p) => `PDF文件（${Math.ceil((p.size ?? 0) / 1024)} KB），另行打印`;
  const shown = (p) =>
    BLOBS[p.sha256] && p.mediaType !== 'application/pdf'
      ? el('img', { src: BLOBS[p.sha256], alt: p.caption ?? title })
      : el('div', { class: 'photo-missing' }, p.mediaType === 'application/pdf' ? pdf(p) : MISSING);
  const caption = (p, i) =>
    `第${i + 1}张${p.caption ? `：${p.caption}` : ''} · 拍摄于${when(p.takenAt)} · ${person(p.by)} · SHA-256 ${String(p.sha256).slice(0, 12)}…`;
  return doc(
    id,
    title,
    'photos',
    el('h2', null, title),
    list.map((p, i) =>
      el('figure', { class: 'photo' }, shown(p), el('figcaption', null, caption(p, i))),
    ),
  );
}

/** Documents after the 调解协议书: the photos of the signed paper, then other material. */
export const ATTACHMENTS = [
  ['agreement-photos', '调解协议书（签字照片）', (a) => a?.agreement?.attachments],
  ['material-photos', '其他材料（照片）', (a) => a?.attachments],
].map(
  ([id, title, list]) =>
    (item, doc) =>
      photos(doc, id, title, list(item.dossier?.volumeA), (who) => item.names?.[who] ?? who),
);

/** One dossier as an `<article>`: its documents in binding order, the 卷内目录 listing them. */
function dossierArticle(item, n) {
  const d = item.dossier ?? {};
  const h = d.header ?? {};
  const a = d.volumeA ?? {};
  const b = item.volumeB && d.volumeB ? d.volumeB : null;
  const parties = new Map((b?.parties ?? []).map((p, i) => [p.id, { ...p, n: i + 1 }]));
  const partyName = (id, i) => parties.get(id)?.name ?? `当事人${i + 1}`;
  const person = (id) => item.names?.[id] ?? id;
  const level = item.level ?? '';
  const key = `d${n}`;
  const docs = [];
  const doc = (id, title, cls, ...body) => {
    docs.push({ id: `${key}-${id}`, title });
    return el(
      'section',
      { class: `doc ${cls ?? ''}`, id: `${key}-${id}`, 'data-title': title },
      body,
    );
  };
  const mediators = [
    ...new Set((a.sessions ?? []).flatMap((s) => (s.mediators ?? []).map((m) => m.name))),
  ];
  const officers = (h.assignedOfficers ?? []).map(person);
  const closing = a.closure?.at ?? '';

  const cover = el(
    'section',
    { class: 'doc cover', id: `${key}-cover` },
    el('p', { class: 'cover-org' }, item.stationName || h.station || ''),
    el('h1', null, '矛盾纠纷警情化解', el('br'), 'AB卷'),
    el('p', { class: 'cover-no' }, item.number || '（卷宗号待服务器编号）'),
    sheet([
      ['派出所', item.stationName || h.station],
      ['纠纷类型', label('category', h.category)],
      ['当事人', b ? (b.parties ?? []).map((p) => p.name).join('、') : '（B卷不在本打印件内）'],
      ['调解人员', [...new Set([...officers, ...mediators])].join('、')],
      ['立卷日期', when(h.reportedAt, false)],
      ['结案日期', when(closing, false)],
      ['预警等级', level ? `${label('WarningLevel', level)}色预警` : ''],
      ['保管期限', ''],
      ['立卷人', officers[0] ?? ''],
      ['备注', b ? '' : '本打印件不含B卷（当事人个人信息）'],
    ]),
    el('p', { class: 'cover-id' }, `卷宗编码 ${d.id ?? item.id ?? ''}`),
  );

  const register = doc(
    'register',
    '受理登记表',
    null,
    el('h2', null, '矛盾纠纷受理登记表'),
    sheet([
      ['警情编号', h.incidentNumber],
      ['来源', label('Source', h.source)],
      ['登记时间', when(h.reportedAt)],
      ['发生地点', h.place?.address],
      ['纠纷类型', label('category', h.category)],
      ['当前状态', label('Status', h.status)],
      ['承办民警', officers.join('、')],
      ['预警等级', level ? `${label('WarningLevel', level)}色` : ''],
      [
        '人工提级',
        h.warningRaise
          ? `${label('WarningLevel', h.warningRaise.level)}：${h.warningRaise.reason}`
          : '',
      ],
      [
        '要素',
        [
          h.facts?.priorCalls ? `此前报警${h.facts.priorCalls}次` : '',
          h.facts?.peopleInvolved ? `涉及${h.facts.peopleInvolved}人` : '',
          h.facts?.amountYuan != null ? `涉及金额${h.facts.amountYuan}元` : '',
          h.facts?.injuryOccurred ? '已有人受伤' : '',
          h.facts?.groupConfrontation ? '群体对峙' : '',
          h.facts?.escalating ? '矛盾激化' : '',
        ]
          .filter(Boolean)
          .join('；'),
      ],
      [
        '回访计划',
        h.followUpPlan ? `${when(h.followUpPlan.due, false)} ${h.followUpPlan.note ?? ''}` : '',
      ],
      ['简要情况', el('div', null, paragraphs(h.summary)), true],
    ]),
    signLine('登记人', '日期'),
  );

  const sessions = (a.sessions ?? []).map((s, i) =>
    doc(
      `session-${i + 1}`,
      `调解记录（第${i + 1}次）`,
      null,
      el('h2', null, `调解记录（第${i + 1}次）`),
      sheet([
        ['时间', when(s.at)],
        ['地点', s.place],
        ['方式', label('ContactMethod', s.method)],
        [
          '调解人员',
          (s.mediators ?? [])
            .map((m) => `${m.name}（${label('MediatorRole', m.role)}）`)
            .join('、'),
        ],
        ['到场当事人', (s.attendees ?? []).map(partyName).join('、')],
        ['调解情况', el('div', null, paragraphs(s.narrative)), true],
        ['结果', label('SessionOutcome', s.outcome)],
        ['下一步', s.nextStep],
      ]),
      signLine('调解人', '记录人', '当事人'),
    ),
  );

  const ag = a.agreement;
  const signatories = ag?.signatories ?? [];
  const agreement = doc(
    'agreement',
    '调解协议书',
    null,
    el('h2', null, '人民调解协议书'),
    ag
      ? [
          b
            ? grid(
                ['当事人', '性别', '身份证号', '住址', '身份'],
                signatories.map((id, i) => {
                  const p = parties.get(id);
                  return [
                    p?.name ?? partyName(id, i),
                    label('Sex', p?.sex),
                    p?.idNumber ?? '',
                    p?.currentAddress ?? p?.householdAddress ?? '',
                    label('Side', p?.side),
                  ];
                }),
              )
            : el('p', { class: 'note' }, '当事人身份信息见B卷（本打印件不含）。'),
          el('h3', null, '协议内容'),
          paragraphs(ag.terms),
          sheet([
            ['签订日期', when(ag.signedOn, false)],
            ['履行期限', when(ag.performanceDeadline, false)],
            ['履行情况', label('PerformanceStatus', ag.performanceStatus)],
          ]),
          el('h3', null, '签名及指印'),
          el(
            'div',
            { class: 'signatures' },
            (signatories.length ? signatories : ['', '']).map((id, i) =>
              el(
                'div',
                { class: 'signbox' },
                el('div', { class: 'who' }, id ? partyName(id, i) : `当事人${i + 1}`),
                el('div', { class: 'sign' }, '签名'),
                el('div', { class: 'print' }, '指印'),
              ),
            ),
          ),
          signLine('调解员', '记录人'),
          el(
            'div',
            { class: 'seal' },
            el('span', null, '（盖章）'),
            el('span', null, '年　　月　　日'),
          ),
        ]
      : el('p', { class: 'note' }, '（尚未达成调解协议）'),
  );

  const attachments = ATTACHMENTS.flatMap((make) => make(item, doc) ?? []);

  const followUps = doc(
    'followups',
    '回访记录',
    null,
    el('h2', null, '回访记录'),
    (a.followUps ?? []).length
      ? (a.followUps ?? []).map((f, i) =>
          el(
            'div',
            { class: 'visit' },
            el('h3', null, `第${i + 1}次回访`),
            sheet([
              ['时间', when(f.at)],
              ['回访人', person(f.by)],
              ['方式', label('ContactMethod', f.method)],
              ['协议履行', ag ? label('PerformanceStatus', ag.performanceStatus) : ''],
              ['当事人反映', f.partiesSaid, true],
              ['是否反复', f.flaredUp ? '是' : '否'],
              ['备注', f.notes, true],
            ]),
          ),
        )
      : el(
          'p',
          { class: 'note' },
          h.followUpPlan ? `（计划于${when(h.followUpPlan.due, false)}回访）` : '（无）',
        ),
  );

  const closure = doc(
    'closure',
    '结案报告',
    null,
    el('h2', null, '结案报告'),
    sheet([
      ['纠纷类型', label('category', h.category)],
      ['调解次数', String((a.sessions ?? []).length)],
      ['处理结果', label('Status', h.status)],
      ['移交单位', label('ReferralTarget', a.closure?.referralTarget)],
      ['结案时间', when(closing)],
      ['结案意见', el('div', null, paragraphs(a.closure?.note)), true],
    ]),
    signLine('承办民警', '所长审批', '日期'),
  );

  const partB = b
    ? [
        el(
          'section',
          { class: 'doc part-title', id: `${key}-b`, 'data-title': 'B卷' },
          el('h1', null, 'B卷'),
          el('p', null, '当事人基本情况 · 主要社会关系 · 法治宣传'),
          el(
            'p',
            { class: 'note' },
            '含个人信息，仅限公安机关内部使用，不得向调解员等合作方提供。',
          ),
        ),
        doc(
          'parties',
          '当事人基本情况',
          null,
          el('h2', null, '当事人基本情况'),
          (b.parties ?? []).map((p, i) =>
            el(
              'div',
              { class: 'party' },
              el('h3', null, `当事人${i + 1}：${p.name}`),
              sheet([
                ['身份', label('Side', p.side)],
                ['性别', label('Sex', p.sex)],
                ['身份证号', p.idNumber],
                ['出生日期', when(p.birthDate, false)],
                ['联系电话', p.mobile],
                ['户籍地', p.householdAddress],
                ['现住址', p.currentAddress],
                ['工作单位/职业', [p.workplace, p.occupation].filter(Boolean).join(' / ')],
                [
                  '特殊群体',
                  Object.entries({
                    minor: '未成年',
                    elderly: '老年',
                    disabled: '残疾',
                    pregnant: '孕期',
                  })
                    .filter(([k]) => p.vulnerable?.[k])
                    .map(([, v]) => v)
                    .join('、'),
                ],
                [
                  '风险因素',
                  Object.entries({
                    violenceHistory: '有暴力史',
                    weapons: '持有凶器',
                    threatensRevenge: '扬言报复',
                    threatensSelfHarm: '扬言轻生',
                    alcohol: '酗酒',
                    mentalIllness: '精神疾病',
                    repeatedPetitioning: '反复上访',
                    extremeStatements: '言行极端',
                  })
                    .filter(([k]) => p.risk?.[k])
                    .map(([, v]) => v)
                    .join('、'),
                ],
              ]),
            ),
          ),
        ),
        photos(
          doc,
          'id-papers',
          '当事人身份证件（照片）',
          (b.parties ?? []).flatMap((p) =>
            (p.attachments ?? []).map((a) => ({
              ...a,
              caption: `${p.name}${a.caption ? `：${a.caption}` : ''}`,
            })),
          ),
          person,
        ),
        doc(
          'relations',
          '主要社会关系',
          null,
          el('h2', null, '主要社会关系'),
          grid(
            ['当事人', '姓名', '关系', '联系电话', '可协助调解'],
            (b.relations ?? []).map((r, i) => [
              partyName(r.partyId, i),
              r.name,
              label('RelationKind', r.relation),
              r.phone ?? '',
              r.canHelp ? '是' : '否',
            ]),
          ),
        ),
        doc(
          'education',
          '法治宣传',
          null,
          el('h2', null, '法治宣传'),
          grid(
            ['时间', '内容', '资料', '宣传人', '对象'],
            (b.legalEducation ?? []).map((e) => [
              when(e.at),
              (e.topics ?? []).map((t) => label('LegalTopic', t)).join('、'),
              (e.materials ?? []).join('、'),
              person(e.by),
              (e.partyIds ?? []).map(partyName).join('、'),
            ]),
          ),
        ),
      ]
    : [];

  const toc = el(
    'section',
    { class: 'doc toc', id: `${key}-toc` },
    el('h2', null, '卷内目录'),
    el(
      'table',
      { class: 'grid toc-table' },
      el(
        'thead',
        null,
        el(
          'tr',
          null,
          ['序号', '文书名称', '页号', '备注'].map((t) => el('th', { scope: 'col' }, t)),
        ),
      ),
      el(
        'tbody',
        null,
        docs.map((x, i) =>
          el(
            'tr',
            { class: 'toc-row', 'data-target': x.id },
            el('td', null, String(i + 1)),
            el('td', null, x.title),
            el('td', { class: 'toc-page' }, ''),
            el('td', null, x.id.endsWith('-b') ? '个人信息' : ''),
          ),
        ),
      ),
    ),
  );
  const runhead = [item.number, item.stationName || h.station, label('category', h.category)]
    .filter(Boolean)
    .join(' · ');
  const article = el(
    'article',
    { class: 'dossier', 'data-dossier': d.id ?? item.id, 'data-runhead': runhead },
    cover,
    toc,
    register,
    sessions,
    agreement,
    attachments,
    followUps,
    closure,
    partB,
  );
  return article;
}

/** The whole print (one or many dossiers) as a fragment for Paged.js. */
export function layout(data) {
  L = data.labels ?? {};
  BLOBS = data.blobs ?? {};
  const frag = document.createDocumentFragment();
  (data.items ?? []).forEach((item, i) => {
    frag.append(dossierArticle(item, i + 1));
  });
  return frag;
}

/**
 * After Paged.js: per dossier, "第 X 页 共 Y 页" on every page, the running head on every page
 * but the cover, and the 卷内目录's page numbers. Returns `[{dossier, pages}]`.
 */
export function folio(root) {
  const pages = [...root.querySelectorAll('.pagedjs_page')];
  const groups = new Map();
  let current = null;
  for (const page of pages) {
    const first = page.querySelector('[data-dossier]');
    if (first) current = first;
    const id = current?.getAttribute('data-dossier') ?? '';
    if (!groups.has(id)) groups.set(id, { el: current, pages: [] });
    groups.get(id).pages.push(page);
  }
  for (const [, g] of groups) {
    g.pages.forEach((page, i) => {
      page.querySelector('.folio')?.remove();
      const box = page.querySelector('.pagedjs_pagebox') ?? page;
      box.append(el('div', { class: 'folio' }, `第 ${i + 1} 页 共 ${g.pages.length} 页`));
      if (i > 0 && !page.querySelector('.runhead')) {
        box.append(el('div', { class: 'runhead' }, g.el?.getAttribute('data-runhead') ?? ''));
      }
    });
    for (const page of g.pages) {
      for (const row of page.querySelectorAll('.toc-row')) {
        const target = root.querySelector(`[id="${row.dataset.target}"]`);
        const at = target ? g.pages.indexOf(target.closest('.pagedjs_page')) : -1;
        const cell = row.querySelector('.toc-page');
        if (cell) cell.textContent = at >= 0 ? String(at + 1) : '';
      }
    }
  }
  return [...groups.entries()].map(([dossier, g]) => ({ dossier, pages: g.pages.length }));
}

/** Paginates `data` into `target` with Paged.js and the print stylesheet `css` (text). */
export async function paginate(data, css, target) {
  const frag = layout(data);
  // Photos are laid out at their size: wait until each is decoded (a missing one is a box).
  await Promise.all([...frag.querySelectorAll('img')].map((img) => img.decode().catch(() => {})));
  const previewer = new globalThis.Paged.Previewer();
  await previewer.preview(frag, [{ [location.href]: css }], target);
  const dossiers = folio(target);
  document.documentElement.dataset.printed = JSON.stringify(dossiers);
  return dossiers;
}

/** The server's PDF page: data and stylesheet embedded, Chromium prints once this settles. */
export async function printEmbedded() {
  try {
    const data = JSON.parse(document.getElementById('print-data').textContent);
    const css = document.getElementById('print-css').textContent;
    await paginate(data, css, document.getElementById('pages'));
  } catch (e) {
    document.documentElement.dataset.printError = String(e?.stack ?? e);
  }
}

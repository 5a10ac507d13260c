// The chief's and bureau's page (/web/chief.html): every figure comes from GET /v1/figures
// (counted on the server by the one definition in server/src/report/figures.rs; nothing is
// counted here), and every number opens the dossiers behind it (GET /v1/figures/dossiers).
// Charts: Chart.js from npm, served by the binary (works offline, no CDN). The ledger and a
// month's archive print are one click away.

import { drawInspections } from './inspections.js';

const $ = (id) => document.getElementById(id);
const LEVEL_COLOURS = {
  red: '#c62828',
  orange: '#ef6c00',
  yellow: '#e0b000',
  blue: '#1e63c4',
  '': '#9e9e9e',
};
const charts = {};
let current = null; // the last /v1/figures answer
let frame = {};

function headers() {
  let token = null;
  try {
    token = localStorage.getItem('abjuan.credential');
  } catch {
    // storage blocked: demo mode still works
  }
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function query(extra = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...frame, ...extra })) {
    if (v != null && v !== '') q.set(k, v);
  }
  return q;
}

async function get(path) {
  const res = await fetch(path, {
    headers: { Accept: 'application/json', ...headers() },
    cache: 'no-store',
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = new Error(body.message ?? `HTTP ${res.status}`);
    e.code = body.code;
    throw e;
  }
  return body;
}

const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v == null) continue;
    if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v);
  }
  e.append(
    ...children
      .flat()
      .filter((c) => c != null)
      .map((c) => (c instanceof Node ? c : String(c))),
  );
  return e;
}

/** A number that opens the dossiers behind it. `cell`: the breakdown's key (month, category…). */
function figureButton(figure, value, cell = {}, text = String(value)) {
  const b = el(
    'button',
    {
      type: 'button',
      class: 'n',
      dataset: { figure, value: String(value), cell: JSON.stringify(cell) },
      'aria-label': `${text}：查看卷宗`,
    },
    text,
  );
  b.addEventListener('click', () => openList(figure, cell));
  return b;
}

function label(code) {
  return current?.definitions?.find((d) => d.code === code)?.label ?? code;
}

function cards(t) {
  const items = [
    ['resolved', '化解矛盾纠纷（起）', t.resolved],
    ['resolutionRate', '化解率', pct(t.resolutionRate), 'closed'],
    ['abDossiers', '建立AB卷（卷）', t.abDossiers],
    ['opened', '排查受理（起）', t.opened],
    ['openRedOrange', '红橙预警在办', t.openRedOrange, null, true],
    ['followUpsOverdue', '回访逾期', t.followUpsOverdue, null, true],
    ['missingVolumeB', 'B卷待补', t.missingVolumeB, null, true],
    ['open', '在办卷宗', t.open],
  ];
  $('cards').replaceChildren(
    ...items.map(([code, what, value, listOf, alert]) => {
      const card = el(
        'button',
        {
          type: 'button',
          class: `card${alert && value > 0 ? ' alert' : ''}`,
          dataset: { figure: code, value: String(value) },
        },
        el('span', { class: 'value' }, value),
        el('span', { class: 'what' }, what),
      );
      card.addEventListener('click', () => openList(listOf ?? code, {}));
      return card;
    }),
  );
}

function table(id, head, rows) {
  $(id).replaceChildren(
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
      rows.map((r) =>
        el(
          'tr',
          null,
          r.map((c, i) => el(i ? 'td' : 'th', i ? null : { scope: 'row' }, c)),
        ),
      ),
    ),
  );
}

function chart(id, config) {
  charts[id]?.destroy();
  if (!globalThis.Chart) return;
  charts[id] = new globalThis.Chart($(id), {
    ...config,
    options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
  });
}

function draw(f) {
  current = f;
  cards(f.totals);
  table(
    'trend',
    ['月份', '受理', '办结', '化解', '化解率'],
    f.trend.map((m) => [
      m.month,
      figureButton('opened', m.opened, { month: m.month }),
      figureButton('closed', m.closed, { month: m.month }),
      figureButton('resolved', m.resolved, { month: m.month }),
      pct(m.resolutionRate),
    ]),
  );
  chart('trend-chart', {
    type: 'bar',
    data: {
      labels: f.trend.map((m) => m.month),
      datasets: [
        { label: '受理', data: f.trend.map((m) => m.opened), backgroundColor: '#90a4d4' },
        { label: '化解', data: f.trend.map((m) => m.resolved), backgroundColor: '#0b3d91' },
      ],
    },
    options: {
      onClick: (_e, els) => {
        const hit = els[0];
        if (hit)
          openList(hit.datasetIndex ? 'resolved' : 'opened', { month: f.trend[hit.index].month });
      },
    },
  });
  table(
    'categories',
    ['类型', '受理', '办结', '化解', '化解率'],
    f.categories.map((c) => [
      el('span', { class: c.focus ? 'focus' : null }, c.label),
      figureButton('opened', c.opened, { category: c.code }),
      figureButton('closed', c.closed, { category: c.code }),
      figureButton('resolved', c.resolved, { category: c.code }),
      pct(c.resolutionRate),
    ]),
  );
  chart('category-chart', {
    type: 'bar',
    data: {
      labels: f.categories.map((c) => c.label),
      datasets: [
        {
          label: '受理',
          data: f.categories.map((c) => c.opened),
          backgroundColor: f.categories.map((c) => (c.focus ? '#0b3d91' : '#90a4d4')),
        },
      ],
    },
    options: {
      indexAxis: 'y',
      plugins: { legend: { display: false } },
      onClick: (_e, els) =>
        els[0] && openList('opened', { category: f.categories[els[0].index].code }),
    },
  });
  table(
    'levels',
    ['等级', '受理', '在办'],
    f.levels.map((l) => [
      el(
        'span',
        null,
        el('span', { class: 'dot', style: `background:${LEVEL_COLOURS[l.code]}` }),
        l.label,
      ),
      figureButton('opened', l.opened, { level: l.code }),
      figureButton('open', l.open, { level: l.code }),
    ]),
  );
  chart('level-chart', {
    type: 'doughnut',
    data: {
      labels: f.levels.map((l) => l.label),
      datasets: [
        {
          data: f.levels.map((l) => l.opened),
          backgroundColor: f.levels.map((l) => LEVEL_COLOURS[l.code]),
        },
      ],
    },
    options: {
      plugins: { legend: { position: 'right' } },
      onClick: (_e, els) => els[0] && openList('opened', { level: f.levels[els[0].index].code }),
    },
  });
  table(
    'officers',
    ['民警', '在办卷宗'],
    f.officers.map((o) => [
      o.name || o.officer || '（未指派）',
      figureButton('open', o.open, { officer: o.officer }),
    ]),
  );
  $('stations-section').hidden = f.stations.length < 2;
  table(
    'stations',
    ['派出所', '受理', '化解', '化解率', 'AB卷', '红橙在办'],
    f.stations.map((s) => [
      s.name,
      figureButton('opened', s.opened, { station: s.code }),
      figureButton('resolved', s.resolved, { station: s.code }),
      pct(s.resolutionRate),
      figureButton('abDossiers', s.abDossiers, { station: s.code }),
      figureButton('openRedOrange', s.openRedOrange, { station: s.code }),
    ]),
  );
  $('board').hidden = false;
  document.documentElement.dataset.ready = 'true';
}

/** The stations the picker offers (one place: GET /v1/stations once the server has it). */
function loadStations(figures) {
  return figures.stationChoices ?? [];
}

function fillStations(choices) {
  const select = $('station');
  const keep = select.value;
  select.replaceChildren(el('option', { value: '' }, choices.length > 1 ? '全部（本局）' : '全部'));
  for (const s of choices) select.append(el('option', { value: s.code }, s.name || s.code));
  select.value = choices.some((s) => s.code === keep) ? keep : '';
}

async function refresh() {
  $('status').textContent = '正在统计…';
  delete document.documentElement.dataset.ready;
  try {
    const f = await get(`/v1/figures?${query()}`);
    fillStations(loadStations(f));
    draw(f);
    // The site inspection's campaign figures, when the frame holds any.
    const stationName = (code) => loadStations(f).find((s) => s.code === code)?.name || code;
    await drawInspections(query(), { get, el, table, stationName });
    const scope = frame.station
      ? ($('station').selectedOptions[0]?.textContent ?? frame.station)
      : '全部';
    $('status').textContent =
      `${scope} · ${frame.from || '最早'} 至 ${frame.to || '今'} · 统计日 ${f.frame.today}`;
  } catch (e) {
    $('board').hidden = true;
    $('status').textContent =
      e.code === 'forbidden'
        ? '本机账号无权查看统计（需所长或县局督察）。'
        : e.code === 'unauthorized'
          ? '本机尚未绑定：请先在卷宗页绑定。'
          : `无法统计：${e.message}`;
  }
}

async function openList(figure, cell) {
  const dialog = $('list');
  const { station, ...rest } = cell;
  $('list-title').textContent =
    `${label(figure)}${Object.values(cell).filter(Boolean).length ? `（${Object.values(cell).join('、')}）` : ''}`;
  $('list-rows').replaceChildren();
  $('list-count').textContent = '正在查询…';
  if (!dialog.open) dialog.showModal();
  try {
    const body = await get(
      `/v1/figures/dossiers?${query({ figure, ...(station ? { station } : {}), ...rest, limit: 1000 })}`,
    );
    $('list-count').textContent = `共 ${body.dossiers.length} 卷`;
    $('list-rows').replaceChildren(
      ...body.dossiers.map((d) =>
        el(
          'li',
          { dataset: { id: d.id } },
          el('span', { class: 'dot', style: `background:${LEVEL_COLOURS[d.level] ?? '#9e9e9e'}` }),
          el('a', { href: `/#${d.id}` }, d.summary ? d.summary.slice(0, 60) : d.id.slice(0, 8)),
          el(
            'small',
            null,
            `${d.reportedAt.slice(0, 10)} · ${d.station} · `,
            el('a', { href: `/web/print.html?id=${d.id}` }, '打印'),
          ),
        ),
      ),
    );
  } catch (e) {
    $('list-count').textContent = `无法查询：${e.message}`;
  }
}

async function download(path, name) {
  $('status').textContent = '正在导出…';
  try {
    const res = await fetch(path, { headers: headers() });
    if (!res.ok)
      throw new Error((await res.json().catch(() => ({}))).message ?? `HTTP ${res.status}`);
    const url = URL.createObjectURL(await res.blob());
    el('a', { href: url, download: name }).click();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    $('status').textContent = '已导出';
  } catch (e) {
    $('status').textContent = `导出失败：${e.message}`;
  }
}

$('frame').addEventListener('submit', (e) => {
  e.preventDefault();
  frame = { station: $('station').value, from: $('from').value, to: $('to').value };
  history.replaceState(null, '', `?${query()}`);
  refresh();
});
$('ledger-xlsx').addEventListener('click', () =>
  download(`/v1/ledger.xlsx?${query()}`, '矛盾纠纷排查化解台账.xlsx'),
);
$('ledger-csv').addEventListener('click', () =>
  download(`/v1/ledger.csv?${query()}`, '矛盾纠纷排查化解台账.csv'),
);
$('archive').addEventListener('click', () => {
  const month = $('closed').value;
  if (!month) {
    $('closed').focus();
    return;
  }
  const q = new URLSearchParams({ closed: month });
  if (frame.station) q.set('station', frame.station);
  location.href = `/web/print.html?${q}`;
});

const start = new URLSearchParams(location.search);
frame = {
  station: start.get('station') ?? '',
  from: start.get('from') ?? '',
  to: start.get('to') ?? '',
};
$('from').value = frame.from;
$('to').value = frame.to;
const last = new Date();
$('closed').value = `${last.getFullYear()}-${String(last.getMonth() + 1).padStart(2, '0')}`;
refresh().then(() => {
  $('station').value = frame.station;
});

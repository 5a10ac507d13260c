// The year-end site inspection's campaign figures on the chief's page (岁末清查整治): places
// inspected by type, hazards found, rectified and overdue, per station and team. Everything is
// counted on the server (GET /v1/inspections/stats, from the facts its index keeps); the place
// types' names come from the inspection's schema in the WASM package (one definition). The
// section stays hidden when the frame holds no inspection or the server has no such route.

import { loadWasm, schema } from '../form/wasm.js';

let placeTypes = null;

/** `{code: name}` of the built-in place types (a bureau's own `local_` codes show as codes). */
async function placeTypeNames() {
  if (!placeTypes) {
    try {
      const m = await loadWasm('/pkg/abjuan_wasm_forms.js');
      const labels = schema(m, 'zh', 'site_inspection/v1')?.$defs?.Place?.properties?.type?.[
        'x-enum-labels'
      ];
      placeTypes = Object.fromEntries(
        Object.entries(labels ?? {}).map(([code, l]) => [code, l.zh ?? code]),
      );
    } catch {
      placeTypes = {};
    }
  }
  return placeTypes;
}

/**
 * Draws the section from `GET /v1/inspections/stats?{query}`; `ui` holds the page's helpers
 * (`get`, `el`, `table`, `stationName`). Resolves to whether there was anything to show.
 */
export async function drawInspections(query, ui) {
  const section = document.getElementById('inspections-section');
  let s;
  try {
    s = (await ui.get(`/v1/inspections/stats?${query}`))?.stats;
  } catch {
    section.hidden = true;
    return false;
  }
  const t = s?.totals;
  if (!t?.places) {
    section.hidden = true;
    return false;
  }
  const items = [
    ['places', '检查场所', t.places],
    ['hazards', '发现隐患', t.hazards],
    ['rectified', '已整改', t.rectified],
    ['unrectified', '未整改', t.hazards - t.rectified, t.hazards - t.rectified > 0],
    ['overdue', '逾期未整改', t.overdue, t.overdue > 0],
    ['serious', '重大隐患', t.serious, t.serious > 0],
  ];
  document.getElementById('inspection-cards').replaceChildren(
    ...items.map(([code, what, value, alert]) =>
      ui.el(
        'div',
        {
          class: `card${alert ? ' alert' : ''}`,
          dataset: { figure: code, value: String(value) },
        },
        ui.el('span', { class: 'value' }, value),
        ui.el('span', { class: 'what' }, what),
      ),
    ),
  );
  const names = await placeTypeNames();
  ui.table(
    'inspection-types',
    ['场所类型', '检查场所'],
    Object.entries(s.placesByType ?? {})
      .sort(([, a], [, b]) => b - a)
      .map(([code, n]) => [names[code] ?? (code || '（未填）'), n]),
  );
  const row = (station, team, x) => [station, team, x.places, x.hazards, x.rectified, x.overdue];
  ui.table(
    'inspection-teams',
    ['派出所', '检查组', '场所', '隐患', '已整改', '逾期'],
    (s.stations ?? []).flatMap((st) => [
      row(ui.stationName(st.station), '合计', st),
      ...(st.teams ?? []).map((tm) => row('', tm.team || '（未填）', tm)),
    ]),
  );
  section.hidden = false;
  return true;
}

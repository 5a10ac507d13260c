//! The figures as the chief's and bureau's page shows them (`GET /v1/figures`), the rows of
//! the statistics API (`GET /v1/stats`) and the ledger's month × category summary, all
//! counted by [`super::figures`]. Nothing here counts: it asks the store to run the one
//! definition and arranges the answers.

use std::collections::HashMap;

use abjuan_shared::model::{CategoryCatalog, Labelled, WarningLevel};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::figures::{count_sql, Dimension, Figure, Frame, Rate};
use crate::store::{StatRow, Store, StoreError};

/// One counted row: the dimensions' keys and the count of each figure.
pub type Counted = (Vec<String>, HashMap<Figure, u64>);

/// Counts of `figures` per key of `dims`.
pub fn counts(
    store: &dyn Store,
    frame: &Frame,
    dims: &[Dimension],
    figures: &[Figure],
) -> Result<Vec<Counted>, StoreError> {
    let sql = count_sql(frame, dims, figures);
    Ok(store
        .figure_counts(&sql, dims.len())?
        .into_iter()
        .map(|(keys, n)| (keys, figures.iter().copied().zip(n).collect()))
        .collect())
}

fn get(c: &HashMap<Figure, u64>, f: Figure) -> u64 {
    c.get(&f).copied().unwrap_or(0)
}

/// A rate from a row of counts (which must hold both its figures).
#[must_use]
pub fn rate(c: &HashMap<Figure, u64>, r: Rate) -> Option<f64> {
    let (num, den) = r.parts();
    Rate::of(get(c, num), get(c, den))
}

fn figures_json(c: &HashMap<Figure, u64>, figures: &[Figure]) -> Map<String, Value> {
    let mut m = Map::new();
    for &f in figures {
        m.insert(f.code().to_owned(), json!(get(c, f)));
    }
    if figures.contains(&Figure::Closed) {
        m.insert("resolutionRate".into(), json!(rate(c, Rate::Resolution)));
        if figures.contains(&Figure::Opened) {
            m.insert("handlingRate".into(), json!(rate(c, Rate::Handling)));
        }
    }
    m
}

const FLOW: &[Figure] = &[
    Figure::Opened,
    Figure::Closed,
    Figure::Resolved,
    Figure::Referred,
    Figure::Failed,
    Figure::AbDossiers,
];
const BACKLOG: &[Figure] = &[
    Figure::Open,
    Figure::OpenRedOrange,
    Figure::FollowUpsOverdue,
    Figure::MissingVolumeB,
];

/// Everything the chief's page shows for one frame. `names`: station and person names.
pub fn page(
    store: &dyn Store,
    frame: &Frame,
    stations: &HashMap<String, String>,
    people: &dyn Fn(&[String]) -> HashMap<String, String>,
) -> Result<Value, StoreError> {
    let all: Vec<Figure> = FLOW.iter().chain(BACKLOG).copied().collect();
    let totals = counts(store, frame, &[], &all)?
        .into_iter()
        .next()
        .map(|(_, c)| figures_json(&c, &all))
        .unwrap_or_default();
    let trend: Vec<Value> = counts(store, frame, &[Dimension::Month], FLOW)?
        .into_iter()
        .filter(|(k, _)| frame.from.as_ref().is_none_or(|f| k[0] >= *f))
        .map(|(k, c)| {
            let mut m = figures_json(&c, FLOW);
            m.insert("month".into(), json!(k[0]));
            Value::Object(m)
        })
        .collect();
    let catalog = CategoryCatalog::default();
    let mut by_category: HashMap<String, HashMap<Figure, u64>> =
        counts(store, frame, &[Dimension::Category], FLOW)?
            .into_iter()
            .map(|(k, c)| (k[0].clone(), c))
            .collect();
    let mut categories = Vec::new();
    // The four focus areas first, always shown; then every other category with dossiers.
    for cat in catalog.all() {
        let c = by_category.remove(&cat.code);
        if c.is_none() && !cat.focus {
            continue;
        }
        let mut m = figures_json(&c.unwrap_or_default(), FLOW);
        m.insert("code".into(), json!(cat.code));
        m.insert("label".into(), json!(cat.label_zh));
        m.insert("focus".into(), json!(cat.focus));
        categories.push(Value::Object(m));
    }
    let mut rest: Vec<_> = by_category.into_iter().collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    for (code, c) in rest {
        let mut m = figures_json(&c, FLOW);
        m.insert("label".into(), json!(code));
        m.insert("code".into(), json!(code));
        m.insert("focus".into(), json!(false));
        categories.push(Value::Object(m));
    }
    let level_figures = [Figure::Opened, Figure::Open];
    let by_level: HashMap<String, HashMap<Figure, u64>> =
        counts(store, frame, &[Dimension::Level], &level_figures)?
            .into_iter()
            .map(|(k, c)| (k[0].clone(), c))
            .collect();
    let mut levels = Vec::new();
    for code in ["red", "orange", "yellow", "blue", ""] {
        let c = by_level.get(code).cloned().unwrap_or_default();
        if code.is_empty() && c.values().all(|&n| n == 0) {
            continue;
        }
        let label = WarningLevel::from_code(code).map_or("未评级", WarningLevel::label_zh);
        let mut m = figures_json(&c, &level_figures);
        m.insert("code".into(), json!(code));
        m.insert("label".into(), json!(label));
        levels.push(Value::Object(m));
    }
    let per_officer = counts(store, frame, &[Dimension::Officer], &[Figure::Open])?;
    let ids: Vec<String> = per_officer.iter().map(|(k, _)| k[0].clone()).collect();
    let names = people(&ids);
    let mut officers: Vec<Value> = per_officer
        .into_iter()
        .filter(|(_, c)| get(c, Figure::Open) > 0)
        .map(|(k, c)| {
            let name = names.get(&k[0]).cloned().unwrap_or_else(|| k[0].clone());
            json!({ "officer": k[0], "name": name, "open": get(&c, Figure::Open) })
        })
        .collect();
    officers.sort_by_key(|o| std::cmp::Reverse(o["open"].as_u64().unwrap_or(0)));
    let station_rows: Vec<Value> = counts(store, frame, &[Dimension::Station], &all)?
        .into_iter()
        .map(|(k, c)| {
            let mut m = figures_json(&c, &all);
            m.insert("code".into(), json!(k[0]));
            m.insert("name".into(), json!(stations.get(&k[0]).unwrap_or(&k[0])));
            Value::Object(m)
        })
        .collect();
    Ok(json!({
        "frame": { "station": frame.station, "from": frame.from, "to": frame.to,
                   "today": frame.today },
        "definitions": definitions(),
        "totals": totals,
        "trend": trend,
        "categories": categories,
        "levels": levels,
        "officers": officers,
        "stations": station_rows,
    }))
}

/// The figures' codes, labels and windows (the page's legend).
#[must_use]
pub fn definitions() -> Vec<Value> {
    Figure::ALL
        .iter()
        .map(|f| {
            json!({ "code": f.code(), "label": f.label_zh(), "labelEn": f.label_en(),
                         "window": f.window() })
        })
        .collect()
}

/// The rows of `GET /v1/stats`: per station, month and category.
pub fn stat_rows(store: &dyn Store, frame: &Frame) -> Result<Vec<StatRow>, StoreError> {
    let figs = [
        Figure::Opened,
        Figure::Closed,
        Figure::Resolved,
        Figure::Referred,
        Figure::Failed,
        Figure::OpenRedOrange,
        Figure::FollowUpsOverdue,
        Figure::MissingVolumeB,
    ];
    let dims = [Dimension::Station, Dimension::Month, Dimension::Category];
    Ok(counts(store, frame, &dims, &figs)?
        .into_iter()
        .filter(|(k, _)| frame.from.as_ref().is_none_or(|f| k[1] >= *f))
        .map(|(k, c)| StatRow {
            station: k[0].clone(),
            month: k[1].clone(),
            category: k[2].clone(),
            opened: get(&c, Figure::Opened),
            resolved: get(&c, Figure::Resolved),
            referred: get(&c, Figure::Referred),
            failed: get(&c, Figure::Failed),
            resolution_rate: rate(&c, Rate::Resolution),
            open_red_orange: get(&c, Figure::OpenRedOrange),
            follow_ups_overdue: get(&c, Figure::FollowUpsOverdue),
            missing_volume_b: get(&c, Figure::MissingVolumeB),
        })
        .collect())
}

/// One line of the ledger's summary sheet (月度汇总).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SummaryLine {
    /// `YYYY-MM`.
    pub month: String,
    /// Category code.
    pub category: String,
    /// 排查数: opened.
    pub found: u64,
    /// 调处数: closed.
    pub handled: u64,
    /// 调处率: handled / found.
    pub handled_rate: Option<f64>,
    /// 成功数: resolved.
    pub succeeded: u64,
    /// 成功率: succeeded / handled.
    pub success_rate: Option<f64>,
}

/// The ledger's month × category summary.
pub fn summary_lines(store: &dyn Store, frame: &Frame) -> Result<Vec<SummaryLine>, StoreError> {
    let figs = [Figure::Opened, Figure::Closed, Figure::Resolved];
    Ok(counts(
        store,
        frame,
        &[Dimension::Month, Dimension::Category],
        &figs,
    )?
    .into_iter()
    .filter(|(k, _)| frame.from.as_ref().is_none_or(|f| k[0] >= *f))
    .map(|(k, c)| SummaryLine {
        month: k[0].clone(),
        category: k[1].clone(),
        found: get(&c, Figure::Opened),
        handled: get(&c, Figure::Closed),
        handled_rate: rate(&c, Rate::Handling),
        succeeded: get(&c, Figure::Resolved),
        success_rate: rate(&c, Rate::Resolution),
    })
    .collect())
}

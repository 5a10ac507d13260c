//! The station's outputs over HTTP: the figures of the chief's and bureau's page and the
//! dossiers behind each (`/v1/figures`, `/v1/figures/dossiers`), the ledger
//! (`/v1/ledger.xlsx`, `/v1/ledger.csv`), and the printed AB卷 (`/v1/print/data` for the print
//! page, `/v1/print.pdf` from the server), one dossier or a batch. Figures need the statistics
//! right; ledger and print rows follow the read right, volume B only where the caller may read
//! it. Every ledger and every print is recorded in the audit log.

use serde::Deserialize;
use serde_json::{json, Value};
use warp::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use warp::{Filter, Rejection, Reply};

use super::params::month_ok;
use super::{json, with_state, AppState};
use crate::audit::{AuditEvent, AuditKind};
use crate::auth::routes::authenticated;
use crate::auth::{Caller, Scope};
use crate::error::ApiError;
use crate::report::figures::{list_sql, Dimension, Figure, Reach};
use crate::report::ledger::Names;
use crate::report::{ledger, print, reach, summary};
use crate::store::reports::LedgerQuery;

/// Period and station of the figures and the ledger.
#[derive(Debug, Default, Deserialize)]
pub struct Period {
    /// Only this station.
    pub station: Option<String>,
    /// First month, `YYYY-MM`.
    pub from: Option<String>,
    /// Last month, `YYYY-MM`.
    pub to: Option<String>,
}

/// The dossiers behind a figure.
#[derive(Debug, Default, Deserialize)]
pub struct FigureList {
    /// The figure's code.
    pub figure: String,
    /// Period and station.
    #[serde(flatten)]
    pub period: Period,
    /// Only this month (a cell of the trend).
    pub month: Option<String>,
    /// Only this category.
    pub category: Option<String>,
    /// Only this level (`""` for not graded).
    pub level: Option<String>,
    /// Only this officer (`""` for none assigned).
    pub officer: Option<String>,
    /// Page size (default 100, at most 1000).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u32>,
}

/// Which dossiers to print.
#[derive(Debug, Default, Deserialize)]
pub struct PrintQuery {
    /// Comma-separated dossier ids.
    pub ids: Option<String>,
    /// Every dossier closed in this month (`YYYY-MM`), for the archive.
    pub closed: Option<String>,
    /// With `closed`: only this station.
    pub station: Option<String>,
}

fn check(p: &Period) -> Result<(), Rejection> {
    if month_ok(p.from.as_ref()) && month_ok(p.to.as_ref()) {
        Ok(())
    } else {
        Err(warp::reject::custom(ApiError::InvalidQuery))
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, Rejection> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(warp::reject::custom),
        Err(_) => Err(warp::reject::custom(ApiError::Internal)),
    }
}

fn storage(e: crate::store::StoreError) -> ApiError {
    tracing::error!(error = %e, "report read failed");
    ApiError::Storage
}

fn scope_of(s: &AppState, c: &Caller) -> Result<Scope, ApiError> {
    s.gate.scope(c).map_err(|e| ApiError::from(&e))
}

/// Records an export in the audit log.
fn audited(s: &AppState, c: &Caller, what: &str, detail: Value) {
    let mut d = json!({ "what": what });
    if let (Some(m), Value::Object(extra)) = (d.as_object_mut(), detail) {
        m.extend(extra);
    }
    s.gate.record(
        AuditEvent::new(AuditKind::Export)
            .by(&c.person, Some(&c.device))
            .bureau(&c.bureau)
            .subject(what)
            .detail(d),
    );
}

/// The report routes.
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let auth = authenticated(state.gate.clone());
    let figures = warp::path!("v1" / "figures")
        .and(warp::get())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and(warp::query::<Period>())
        .and_then(figures_page);
    let figure_list = warp::path!("v1" / "figures" / "dossiers")
        .and(warp::get())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and(warp::query::<FigureList>())
        .and_then(figure_rows);
    let ledger = warp::path!("v1" / "ledger.xlsx")
        .map(|| true)
        .or(warp::path!("v1" / "ledger.csv").map(|| false))
        .unify()
        .and(warp::get())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and(warp::query::<Period>())
        .and_then(ledger_file);
    let print_data = warp::path!("v1" / "print" / "data")
        .and(warp::get())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and(warp::query::<PrintQuery>())
        .and_then(|c, s, q| print_out(c, s, q, false));
    let print_pdf = warp::path!("v1" / "print.pdf")
        .and(warp::get())
        .and(auth)
        .and(with_state(state))
        .and(warp::query::<PrintQuery>())
        .and_then(|c, s, q| print_out(c, s, q, true));
    figures
        .or(figure_list)
        .unify()
        .or(print_data)
        .unify()
        .or(print_pdf)
        .unify()
        .or(ledger)
        .unify()
}

fn figures_frame(
    s: &AppState,
    c: &Caller,
    p: Period,
) -> Result<crate::report::figures::Frame, ApiError> {
    let scope = scope_of(s, c)?;
    reach::figures_frame(&scope, p.station, p.from, p.to).ok_or_else(|| {
        s.gate.denied(c, "figures", "statistics");
        ApiError::Forbidden
    })
}

async fn figures_page(
    c: Caller,
    s: AppState,
    p: Period,
) -> Result<warp::reply::Response, Rejection> {
    check(&p)?;
    let page = blocking(move || {
        let frame = figures_frame(&s, &c, p)?;
        let stations = reach::station_names(&s.gate, &c);
        let gate = s.gate.clone();
        let people = move |ids: &[String]| reach::person_names(&gate, ids);
        let mut page =
            summary::page(&*s.engine.store, &frame, &stations, &people).map_err(storage)?;
        // The stations the caller may pick (a bureau supervisor's, or the own one).
        let scope = scope_of(&s, &c)?;
        let mut pick: Vec<Value> = if scope.all {
            // Demo mode: the stations that have dossiers.
            page["stations"]
                .as_array()
                .map(|rows| {
                    rows.iter()
                        .map(|r| json!({ "code": r["code"], "name": r["name"] }))
                        .collect()
                })
                .unwrap_or_default()
        } else {
            stations
                .iter()
                .filter(|(code, _)| scope.stats_stations.contains(code))
                .map(|(code, name)| json!({ "code": code, "name": name }))
                .collect()
        };
        pick.sort_by(|a, b| a["code"].as_str().cmp(&b["code"].as_str()));
        page["stationChoices"] = Value::Array(pick);
        Ok(page)
    })
    .await?;
    Ok(json(&page))
}

async fn figure_rows(
    c: Caller,
    s: AppState,
    q: FigureList,
) -> Result<warp::reply::Response, Rejection> {
    check(&q.period)?;
    let figure =
        Figure::from_code(&q.figure).ok_or(warp::reject::custom(ApiError::InvalidQuery))?;
    if !month_ok(q.month.as_ref()) || !super::params::page_ok(q.limit) {
        return Err(warp::reject::custom(ApiError::InvalidQuery));
    }
    let rows = blocking(move || {
        let mut cell = Vec::new();
        for (dim, v) in [
            (Dimension::Month, q.month),
            (Dimension::Category, q.category),
            (Dimension::Level, q.level),
            (Dimension::Officer, q.officer),
        ] {
            if let Some(v) = v {
                cell.push((dim, v));
            }
        }
        let frame = figures_frame(&s, &c, q.period)?;
        let sql = list_sql(
            &frame,
            figure,
            &cell,
            q.limit.unwrap_or(100),
            q.offset.unwrap_or(0),
        );
        s.engine.store.figure_rows(&sql).map_err(storage)
    })
    .await?;
    Ok(json(&json!({ "figure": figure.code(), "dossiers": rows })))
}

async fn ledger_file(
    xlsx: bool,
    c: Caller,
    s: AppState,
    p: Period,
) -> Result<warp::reply::Response, Rejection> {
    check(&p)?;
    let (bytes, name) = blocking(move || {
        let scope = scope_of(&s, &c)?;
        let rights =
            reach::VolumeBRight::new(&s.gate, &c, &scope).map_err(|e| ApiError::from(&e))?;
        let q = LedgerQuery {
            stations: (!scope.all).then(|| scope.stations.clone()),
            ids: scope.shared.clone(),
            station: p.station.clone().filter(|x| !x.is_empty()),
            from: p.from.clone().filter(|x| !x.is_empty()),
            to: p.to.clone().filter(|x| !x.is_empty()),
            limit: 200_000,
            ..LedgerQuery::default()
        };
        let rows: Vec<_> = s
            .engine
            .store
            .ledger(&q)
            .map_err(storage)?
            .into_iter()
            .map(|r| {
                let b = rights.sees_b(&r.id, &r.station);
                (r, b)
            })
            .collect();
        let officers: Vec<String> = rows.iter().flat_map(|(r, _)| r.officers.clone()).collect();
        let names = Names {
            stations: reach::station_names(&s.gate, &c),
            people: reach::person_names(&s.gate, &officers),
        };
        let period = match (&q.from, &q.to) {
            (Some(f), Some(t)) if f == t => f.clone(),
            (f, t) => format!(
                "{}至{}",
                f.as_deref().unwrap_or("…"),
                t.as_deref().unwrap_or("今")
            ),
        };
        let place = q.station.as_ref().map_or("全部", |st| {
            names.stations.get(st).map_or(st.as_str(), String::as_str)
        });
        let title = format!("矛盾纠纷排查化解台账（{place} {period}）");
        let bytes = if xlsx {
            let frame = crate::report::figures::Frame {
                reach: Reach {
                    all: scope.all,
                    stations: scope.stations.clone(),
                    ids: scope.shared.clone(),
                },
                station: q.station.clone(),
                from: q.from.clone(),
                to: q.to.clone(),
                today: reach::today(),
            };
            let lines = summary::summary_lines(&*s.engine.store, &frame).map_err(storage)?;
            ledger::xlsx(&title, &rows, &lines, &names).map_err(|e| {
                tracing::error!(error = %e, "ledger workbook failed");
                ApiError::LedgerFailed
            })?
        } else {
            ledger::csv(&rows, &names)
        };
        let withheld = rows.iter().filter(|(_, b)| !b).count();
        audited(
            &s,
            &c,
            if xlsx { "ledger.xlsx" } else { "ledger.csv" },
            json!({ "rows": rows.len(), "withoutVolumeB": withheld, "station": q.station,
                    "from": q.from, "to": q.to }),
        );
        Ok((bytes, title))
    })
    .await?;
    let (ctype, ext) = if xlsx {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    } else {
        ("text/csv; charset=utf-8", "csv")
    };
    Ok(download(bytes, ctype, &name, ext))
}

/// A file download: `filename` ASCII, `filename*` the Chinese name.
fn download(bytes: Vec<u8>, ctype: &'static str, name: &str, ext: &str) -> warp::reply::Response {
    let encoded: String = format!("{name}.{ext}")
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"abjuan.{ext}\"; filename*=UTF-8''{encoded}");
    let mut resp = warp::reply::with_header(bytes, CONTENT_TYPE, ctype).into_response();
    if let Ok(v) = warp::http::HeaderValue::from_str(&disposition) {
        resp.headers_mut().insert(CONTENT_DISPOSITION, v);
    }
    resp
}

/// The ids a print takes: the listed ones, or those closed in a month that the caller reads.
async fn print_ids(s: &AppState, c: &Caller, q: &PrintQuery) -> Result<Vec<String>, ApiError> {
    // A month that is not `YYYY-MM` is refused as the document says, even beside `ids`.
    if q.closed
        .as_ref()
        .is_some_and(|m| m.is_empty() || !month_ok(Some(m)))
    {
        return Err(ApiError::InvalidQuery);
    }
    if let Some(ids) = &q.ids {
        if ids.is_empty() {
            return Err(ApiError::InvalidQuery);
        }
        let ids: Vec<String> = ids.split(',').map(str::to_owned).collect();
        return if ids.iter().all(|id| super::params::dossier_id_ok(id)) {
            Ok(ids)
        } else {
            Err(ApiError::InvalidDossierId)
        };
    }
    let Some(month) = q
        .closed
        .clone()
        .filter(|m| month_ok(Some(m)) && !m.is_empty())
    else {
        return Err(ApiError::InvalidQuery);
    };
    let (s2, c2, station) = (s.clone(), c.clone(), q.station.clone());
    let rows = tokio::task::spawn_blocking(move || {
        let scope = scope_of(&s2, &c2)?;
        let q = LedgerQuery {
            stations: (!scope.all).then(|| scope.stations.clone()),
            ids: scope.shared.clone(),
            station: station.filter(|x| !x.is_empty()),
            closed_from: Some(format!("{month}-01")),
            closed_to: Some(format!("{month}-31")),
            limit: u32::try_from(print::MAX_DOSSIERS + 1).unwrap_or(501),
            ..LedgerQuery::default()
        };
        s2.engine.store.ledger(&q).map_err(storage)
    })
    .await
    .map_err(|_| ApiError::Internal)??;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

async fn print_out(
    c: Caller,
    s: AppState,
    q: PrintQuery,
    pdf: bool,
) -> Result<warp::reply::Response, Rejection> {
    let ids = print_ids(&s, &c, &q).await.map_err(warp::reject::custom)?;
    let (items, withheld) = print::items(&s, &c, &ids)
        .await
        .map_err(warp::reject::custom)?;
    // Nothing to print: the listed dossiers are not there (or not the caller's to see), or,
    // for a PDF, no dossier was closed that month (no empty PDF).
    if items.is_empty() && (q.ids.is_some() || pdf) {
        return Err(warp::reject::custom(ApiError::DossierNotFound));
    }
    let printed: Vec<&str> = items.iter().filter_map(|i| i["id"].as_str()).collect();
    let data = json!({
        "items": items,
        "printedBy": c.name,
        "printedAt": chrono::Utc::now().to_rfc3339(),
        "withheld": withheld,
        "labels": print::labels(),
    });
    let what = if pdf { "print.pdf" } else { "print.data" };
    let detail = json!({ "dossiers": printed, "volumeBWithheld": withheld, "closed": q.closed });
    if !pdf {
        audited(&s, &c, what, detail);
        return Ok(json(&data));
    }
    let bytes = print::pdf(&s.web_dir, &data, &s.blobs)
        .await
        .map_err(|e| warp::reject::custom(ApiError::from(e)))?;
    audited(&s, &c, what, detail);
    let name = match &q.closed {
        Some(m) => format!("AB卷-{m}结案"),
        None if printed.len() == 1 => format!("AB卷-{}", &printed[0][..8.min(printed[0].len())]),
        None => format!("AB卷-{}卷", printed.len()),
    };
    Ok(download(bytes, "application/pdf", &name, "pdf"))
}

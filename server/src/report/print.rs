//! The printed AB卷. One layout, in the web folder (`print/render.js`, `print/print.css`,
//! paginated by Paged.js from npm), serves every way a dossier is printed: the print page on a
//! phone or a desk (online from [`items`], offline from the phone's own copy) and the server's
//! PDFs, which run that same page in Debian's Chromium (`--print-to-pdf`) with the data
//! embedded, network off. A caller who may not read volume B gets none of it in the data, so
//! neither page nor PDF can show it.
//!
//! Chromium and a CJK font are looked for at each request: without them the server answers
//! `print_unavailable` / `print_no_cjk_font` (the page can still print), never a panic.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use abjuan_shared::access::redact_dossier_json;
use abjuan_shared::doc::Volume;
use abjuan_shared::model::Labelled;
use abjuan_shared::ValidateOptions;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use super::ledger::{number_text, Names};
use super::reach;
use crate::auth::Caller;
use crate::error::{ApiError, DocFailure};
use crate::http::AppState;
use crate::store::reports::LedgerQuery;

/// Most dossiers in one print.
pub const MAX_DOSSIERS: usize = 500;

/// One Chromium at a time: a batch of 100 dossiers needs some hundreds of MB.
static CHROMIUM_PERMITS: Semaphore = Semaphore::const_new(1);

/// The print data of `ids` the caller may read (the others are left out, as if they did not
/// exist), each with its warning level, number, station name and the names of the people it
/// mentions by account id. Returns the items and whether volume B was withheld from any.
pub async fn items(
    s: &AppState,
    caller: &Caller,
    ids: &[String],
) -> Result<(Vec<Value>, bool), ApiError> {
    if ids.len() > MAX_DOSSIERS {
        return Err(ApiError::PrintTooMany);
    }
    let mut out = Vec::new();
    let mut withheld = false;
    let mut accounts: Vec<String> = Vec::new();
    let rule_set = s.engine.rule_set(&caller.bureau);
    let mut opts = ValidateOptions::new(crate::clock::now());
    opts.local_rules = rule_set.as_deref();
    if ids.iter().any(|id| uuid::Uuid::parse_str(id).is_err()) {
        return Err(ApiError::InvalidDossierId);
    }
    let rights = {
        let (gate, caller, ids) = (s.gate.clone(), caller.clone(), ids.to_vec());
        tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            crate::auth::guard::rights(&gate, &caller, &refs, &[])
        })
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(|e| ApiError::from(&e))?
    };
    for id in ids {
        let shared = s.engine.entry(id).await.map_err(|e| match e {
            DocFailure::DocStorage => ApiError::Storage,
            _ => ApiError::Internal,
        })?;
        let mut entry = shared.lock().await;
        if entry.state.is_empty() {
            continue;
        }
        let facts = entry.state.facts();
        if !rights.sees(id, &facts, Volume::A) {
            drop(entry);
            let (gate, c, d) = (s.gate.clone(), caller.clone(), id.clone());
            let _ = tokio::task::spawn_blocking(move || gate.denied(&c, &d, "print")).await;
            continue;
        }
        let sees_b = rights.sees(id, &facts, Volume::B);
        let assessed = entry.state.assessed(&opts);
        let mut dossier = entry.state.json();
        drop(entry);
        // The printed AB卷 binds AB dossiers; another form's record is not one of its items.
        if abjuan_shared::forms::of_json(&dossier).map(|f| f.code())
            != Ok(abjuan_shared::model::FORM_TYPE)
        {
            continue;
        }
        let level = assessed
            .assessment
            .grade
            .as_ref()
            .map(|g| g.level.code().to_owned());
        if !sees_b {
            redact_dossier_json(&mut dossier);
            withheld = true;
        }
        for p in ["/header/assignedOfficers"] {
            if let Some(list) = dossier.pointer(p).and_then(Value::as_array) {
                accounts.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
            }
        }
        out.push(json!({ "id": id, "dossier": dossier, "level": level, "volumeB": sees_b }));
    }
    let (gate, caller2, ids2) = (s.gate.clone(), caller.clone(), ids.to_vec());
    let store = s.engine.store.clone();
    let (names, rows) = tokio::task::spawn_blocking(move || {
        let names = Names {
            stations: reach::station_names(&gate, &caller2),
            people: reach::person_names(&gate, &accounts),
        };
        let q = LedgerQuery {
            stations: Some(Vec::new()),
            ids: ids2,
            limit: u32::try_from(MAX_DOSSIERS).unwrap_or(500),
            ..LedgerQuery::default()
        };
        (names, store.ledger(&q).unwrap_or_default())
    })
    .await
    .map_err(|_| ApiError::Internal)?;
    for item in &mut out {
        let id = item["id"].as_str().unwrap_or_default().to_owned();
        let row = rows.iter().find(|r| r.id == id);
        let station = item["dossier"]["header"]["station"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        item["number"] = json!(row.map(|r| number_text(r, &names)).unwrap_or_default());
        item["stationName"] = json!(names.stations.get(&station).unwrap_or(&station));
        item["names"] = json!(names.people);
    }
    Ok((out, withheld))
}

/// The labels of every closed list the print shows, by list (`{Source: {call_110: "110警情"}}`),
/// and the categories (`category`), from the model's own tables.
#[must_use]
pub fn labels() -> Value {
    fn list<L: Labelled>() -> Value {
        Value::Object(
            L::ALL
                .iter()
                .map(|v| (v.code().to_owned(), json!(v.label_zh())))
                .collect(),
        )
    }
    use abjuan_shared::model::{
        CategoryCatalog, ContactMethod, LegalTopic, MediatorRole, PerformanceStatus,
        ReferralTarget, RelationKind, SessionOutcome, Sex, Side, Source, Status, WarningLevel,
    };
    let categories: serde_json::Map<String, Value> = CategoryCatalog::default()
        .all()
        .iter()
        .map(|c| (c.code.clone(), json!(c.label_zh)))
        .collect();
    json!({
        "Source": list::<Source>(), "Status": list::<Status>(),
        "WarningLevel": list::<WarningLevel>(), "ContactMethod": list::<ContactMethod>(),
        "MediatorRole": list::<MediatorRole>(), "SessionOutcome": list::<SessionOutcome>(),
        "PerformanceStatus": list::<PerformanceStatus>(),
        "ReferralTarget": list::<ReferralTarget>(), "Sex": list::<Sex>(), "Side": list::<Side>(),
        "RelationKind": list::<RelationKind>(), "LegalTopic": list::<LegalTopic>(),
        "category": categories,
    })
}

/// Why no PDF could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfError {
    /// No Chromium, or the print page's files are missing.
    Unavailable,
    /// No CJK font.
    NoCjkFont,
    /// Chromium failed or took too long.
    Failed,
}

impl From<PdfError> for ApiError {
    fn from(e: PdfError) -> Self {
        match e {
            PdfError::Unavailable => ApiError::PrintUnavailable,
            PdfError::NoCjkFont => ApiError::PrintNoCjkFont,
            PdfError::Failed => ApiError::PrintFailed,
        }
    }
}

/// The Chromium to run: `ABJUAN_CHROMIUM`, else `chromium`, `chromium-browser` or
/// `google-chrome` on the PATH.
#[must_use]
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ABJUAN_CHROMIUM") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| {
            ["chromium", "chromium-browser", "google-chrome"]
                .into_iter()
                .map(move |n| dir.join(n))
        })
        .find(|p| p.is_file())
}

/// Whether fontconfig knows a font for Chinese (what Chromium will draw with).
pub async fn has_cjk_font() -> bool {
    match tokio::process::Command::new("fc-list")
        .args([":lang=zh", "family"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .await
    {
        Ok(out) => out.status.success() && !out.stdout.trim_ascii().is_empty(),
        Err(_) => false,
    }
}

/// `</` cannot end the data's script element early.
fn embed(json: &Value) -> String {
    json.to_string()
        .replace("</", "<\\/")
        .replace("<!--", "<\\!--")
}

/// The self-contained page Chromium prints: the print stylesheet, Paged.js and the layout
/// inlined from `web_dir`, the data embedded.
pub fn page_html(web_dir: &Path, data: &Value) -> Result<String, PdfError> {
    let read = |p: &str| {
        std::fs::read_to_string(web_dir.join(p)).map_err(|e| {
            tracing::error!(error = %e, file = p, "print page file missing (run scripts/npm-tools.sh)");
            PdfError::Unavailable
        })
    };
    let css = read("print/print.css")?;
    let paged = read("vendor/paged.polyfill.min.js")?;
    let render = read("print/render.js")?;
    Ok(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>AB卷</title>\
         <style id=\"print-css\" media=\"not all\">{css}</style>\
         <script>window.PagedConfig = {{ auto: false }};</script><script>{paged}</script>\
         <script type=\"application/json\" id=\"print-data\">{data}</script></head>\
         <body><div id=\"pages\"></div><script type=\"module\">{render}\n\
         printEmbedded();</script></body></html>",
        css = css.replace("</style", "<\\/style"),
        data = embed(data),
    ))
}

/// Prints `data` (as [`items`] made it) to PDF with Chromium; the photos it references are
/// copied from `blobs` beside the page.
pub async fn pdf(
    web_dir: &Path,
    data: &Value,
    blobs: &crate::blobs::Blobs,
) -> Result<Vec<u8>, PdfError> {
    let chromium = chromium().ok_or(PdfError::Unavailable)?;
    if !has_cjk_font().await {
        return Err(PdfError::NoCjkFont);
    }
    page_html(web_dir, &Value::Null)?;
    let permit = CHROMIUM_PERMITS
        .acquire()
        .await
        .map_err(|_| PdfError::Failed)?;
    let dir = std::env::temp_dir().join(format!("abjuan-print-{}", uuid::Uuid::new_v4()));
    let data = crate::blobs::print::stage(blobs, data, &dir).await;
    let result = match page_html(web_dir, &data) {
        Ok(html) => run_chromium(&chromium, &dir, &html, permit).await,
        Err(e) => Err(e),
    };
    let _ = tokio::fs::remove_dir_all(&dir).await;
    result
}

/// Runs Chromium on `html`; `permit` is held until Chromium is done, even when the request
/// that asked has gone.
async fn run_chromium(
    chromium: &Path,
    dir: &Path,
    html: &str,
    permit: tokio::sync::SemaphorePermit<'static>,
) -> Result<Vec<u8>, PdfError> {
    let io = |e: std::io::Error| {
        tracing::error!(error = %e, "print: temp files");
        PdfError::Failed
    };
    tokio::fs::create_dir_all(dir.join("profile"))
        .await
        .map_err(io)?;
    let page = dir.join("print.html");
    tokio::fs::write(&page, html).await.map_err(io)?;
    let (chromium, profile) = (chromium.to_path_buf(), dir.join("profile"));
    let printed = tokio::task::spawn_blocking(move || {
        let printed = super::chromium::print(&chromium, &profile, &page, Duration::from_secs(600));
        drop(permit);
        printed
    })
    .await
    .map_err(|_| PdfError::Failed)?;
    match printed {
        Ok(bytes) if bytes.starts_with(b"%PDF") => Ok(bytes),
        Ok(_) => Err(PdfError::Failed),
        Err(super::chromium::ChromiumError::Start(e)) => {
            tracing::error!(error = %e, "print: chromium did not start");
            Err(PdfError::Unavailable)
        }
        Err(e) => {
            tracing::error!(error = %e, "print: chromium failed");
            Err(PdfError::Failed)
        }
    }
}

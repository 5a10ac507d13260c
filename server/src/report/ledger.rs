//! The ledger (矛盾纠纷排查化解台账) as an Excel workbook (rust_xlsxwriter) and as CSV (UTF-8 with
//! a BOM, so Excel shows the Chinese). One row per dossier from the index (no document is
//! loaded), and a second sheet with the month × category summary counted by
//! [`super::figures`]. No ID number and no phone number is ever written: the index holds none,
//! names are masked, free texts are scrubbed; a row whose volume B the caller may not read
//! has no parties at all.

use std::collections::HashMap;

use abjuan_shared::model::{CategoryCatalog, Labelled, Source, WarningLevel};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::summary::SummaryLine;
use crate::store::reports::LedgerRow;

/// The ledger's columns, in order, with their width in the workbook.
pub const COLUMNS: &[(&str, f64)] = &[
    ("序号", 6.0),
    ("卷宗号", 22.0),
    ("登记时间", 17.0),
    ("来源", 11.0),
    ("纠纷类型", 11.0),
    ("当事人", 16.0),
    ("简要情况", 40.0),
    ("预警等级", 9.0),
    ("化解措施", 26.0),
    ("化解结果", 26.0),
    ("是否化解", 9.0),
    ("结案日期", 11.0),
    ("回访情况", 26.0),
    ("责任民警", 14.0),
];

/// The summary sheet's columns.
pub const SUMMARY_COLUMNS: &[&str] = &[
    "月份",
    "纠纷类型",
    "排查数",
    "调处数",
    "调处率",
    "成功数",
    "成功率",
];

/// Names the ledger needs: stations (for the dossier number) and people (officers).
#[derive(Debug, Default)]
pub struct Names {
    /// Station names by code.
    pub stations: HashMap<String, String>,
    /// People's names by id.
    pub people: HashMap<String, String>,
}

/// The dossier number (卷宗号), `（2025）蒲州调字第12号`; empty before the server numbered it.
#[must_use]
pub fn number_text(row: &LedgerRow, names: &Names) -> String {
    let station = names
        .stations
        .get(&row.number_station)
        .map_or(row.number_station.as_str(), String::as_str);
    let station = station.strip_suffix("派出所").unwrap_or(station);
    if row.seq > 0 {
        format!("（{}）{station}调字第{}号", row.year, row.seq)
    } else {
        String::new()
    }
}

/// One row as the texts of [`COLUMNS`]; `sees_b` false leaves the parties out.
#[must_use]
pub fn cells(n: usize, row: &LedgerRow, sees_b: bool, names: &Names) -> Vec<String> {
    let catalog = CategoryCatalog::default();
    let number = number_text(row, names);
    let reported = row.reported_at.get(..16).unwrap_or(&row.reported_at);
    let resolved = match row.outcome.as_str() {
        "resolved" => "是",
        "referred" | "failed" => "否",
        _ => "在办",
    };
    let officers: Vec<&str> = row
        .officers
        .iter()
        .map(|o| names.people.get(o).map_or(o.as_str(), String::as_str))
        .collect();
    vec![
        n.to_string(),
        number,
        reported.replace('T', " "),
        Source::from_code(&row.source).map_or(row.source.clone(), |s| s.label_zh().to_owned()),
        catalog
            .get(&row.category)
            .map_or(row.category.clone(), |c| c.label_zh.clone()),
        if sees_b {
            row.parties.clone()
        } else {
            "—".to_owned()
        },
        row.summary.clone(),
        WarningLevel::from_code(&row.level)
            .map_or("", WarningLevel::label_zh)
            .to_owned(),
        row.measures.clone(),
        row.result.clone(),
        resolved.to_owned(),
        row.closed_on.clone().unwrap_or_default(),
        row.follow_ups.clone(),
        officers.join("、"),
    ]
}

fn level_fill(level: &str) -> Option<(u32, u32)> {
    // (fill, font) per level, as the colours a bureau uses.
    match level {
        "red" => Some((0x00C6_2828, 0x00FF_FFFF)),
        "orange" => Some((0x00EF_6C00, 0x00FF_FFFF)),
        "yellow" => Some((0x00FF_D54F, 0x0000_0000)),
        "blue" => Some((0x0090_CAF9, 0x0000_0000)),
        _ => None,
    }
}

/// The workbook: sheet 台账 (frozen header, autofilter, level fills, A4 landscape) and sheet
/// 月度汇总.
pub fn xlsx(
    title: &str,
    rows: &[(LedgerRow, bool)],
    summary: &[SummaryLine],
    names: &Names,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0x00DD_E3EE))
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let sheet = book.add_worksheet();
    sheet.set_name("台账")?;
    for (col, (name, width)) in (0u16..).zip(COLUMNS) {
        sheet.set_column_width(col, *width)?;
        sheet.write_string_with_format(0, col, *name, &header)?;
    }
    let mut fills: HashMap<&str, Format> = HashMap::new();
    for level in ["red", "orange", "yellow", "blue"] {
        if let Some((fill, font)) = level_fill(level) {
            fills.insert(
                level,
                cell.clone()
                    .set_background_color(Color::RGB(fill))
                    .set_font_color(Color::RGB(font))
                    .set_align(FormatAlign::Center),
            );
        }
    }
    for (i, (row, sees_b)) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (col, text) in (0u16..).zip(cells(i + 1, row, *sees_b, names)) {
            let format = if col == 7 {
                fills.get(row.level.as_str()).unwrap_or(&cell)
            } else {
                &cell
            };
            if col == 0 {
                sheet.write_number_with_format(r, col, f64::from(r), format)?;
            } else {
                sheet.write_string_with_format(r, col, text, format)?;
            }
        }
    }
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let last_col = u16::try_from(COLUMNS.len() - 1).unwrap_or(0);
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row.max(1), last_col)?;
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_header(format!("&C&\"-,Bold\"{}", title.replace('&', "&&")));
    sheet.set_footer("&C第 &P 页 共 &N 页");

    let catalog = CategoryCatalog::default();
    let pct = Format::new()
        .set_num_format("0.0%")
        .set_border(FormatBorder::Thin);
    let num = Format::new().set_border(FormatBorder::Thin);
    let sum = book.add_worksheet();
    sum.set_name("月度汇总")?;
    for (col, name) in (0u16..).zip(SUMMARY_COLUMNS) {
        sum.set_column_width(col, if col < 2 { 14.0 } else { 10.0 })?;
        sum.write_string_with_format(0, col, *name, &header)?;
    }
    for (i, line) in summary.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let label = catalog
            .get(&line.category)
            .map_or(line.category.clone(), |c| c.label_zh.clone());
        sum.write_string_with_format(r, 0, &line.month, &num)?;
        sum.write_string_with_format(r, 1, &label, &num)?;
        #[allow(clippy::cast_precision_loss)]
        for (col, v) in [(2, line.found), (3, line.handled), (5, line.succeeded)] {
            sum.write_number_with_format(r, col, v as f64, &num)?;
        }
        for (col, rate) in [(4, line.handled_rate), (6, line.success_rate)] {
            match rate {
                Some(v) => sum.write_number_with_format(r, col, v, &pct)?,
                None => sum.write_string_with_format(r, col, "—", &num)?,
            };
        }
    }
    sum.set_freeze_panes(1, 0)?;
    sum.set_landscape();
    sum.set_paper_size(9);
    sum.set_repeat_rows(0, 0)?;
    book.save_to_buffer()
}

/// One CSV field, quoted when needed (RFC 4180); a field a spreadsheet would take for a
/// formula (`=`, `+`, `-`, `@` first) gets a leading `'`.
fn field(out: &mut String, text: &str) {
    let guarded;
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{text}");
        guarded.as_str()
    } else {
        text
    };
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// The ledger as CSV: UTF-8 with a BOM, CRLF line ends, the columns of [`COLUMNS`].
#[must_use]
pub fn csv(rows: &[(LedgerRow, bool)], names: &Names) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let line = |out: &mut String, cells: &[String]| {
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(out, c);
        }
        out.push_str("\r\n");
    };
    let head: Vec<String> = COLUMNS.iter().map(|(n, _)| (*n).to_owned()).collect();
    line(&mut out, &head);
    for (i, (row, sees_b)) in rows.iter().enumerate() {
        line(&mut out, &cells(i + 1, row, *sees_b, names));
    }
    out.into_bytes()
}

//! The station's outputs: the figures a station and a bureau are judged on ([`figures`], the
//! one definition; [`summary`], the page's and the statistics API's shape of them), the ledger
//! (台账) as a workbook or CSV ([`ledger`]), the printed AB卷 ([`print`]: the data the print
//! page lays out, and server-side PDFs through Debian's Chromium), who may see which of it
//! ([`reach`]), and bringing the ledger columns of older dossiers up to date ([`backfill`]).

pub mod backfill;
pub mod chromium;
pub mod figures;
pub mod inspections;
pub mod ledger;
pub mod print;
pub mod reach;
pub mod sample;
pub mod summary;

//! `abjuan admin rules …`: a bureau's warning rule sets (the "N" of 3+N) from the command
//! line: add the next version from a JSON file, list the versions, show one, retire one.

use std::io::Read as _;

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::{print_json, Failure, CLI};
use crate::admin::Admin;

/// `abjuan admin rules`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Check a rule-set file and publish it as the bureau's next version, which becomes its
    /// current one (phones fetch it on their next contact; the server grades with it).
    Add {
        /// The bureau.
        bureau: String,
        /// The rules as JSON (`{"rules": [...]}`, format in shared/src/warning/local.rs);
        /// `-` reads standard input.
        file: PathBuf,
        /// Why (kept with the version and in the audit log).
        #[arg(long)]
        note: Option<String>,
    },
    /// List the versions (JSON): which is current, how many rules, who added or retired them.
    List {
        /// Only this bureau's.
        #[arg(long)]
        bureau: Option<String>,
    },
    /// Print one version with its rules (JSON); the current one when no version is given.
    Show {
        /// The bureau.
        bureau: String,
        /// The version.
        version: Option<u32>,
    },
    /// Retire a version for good; the bureau's highest version not retired becomes current
    /// (none left: core rules only).
    Retire {
        /// The bureau.
        bureau: String,
        /// The version.
        version: u32,
    },
}

fn read_text(file: &Path) -> Result<Vec<u8>, Failure> {
    let mut text = Vec::new();
    let read = if file.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut text).map(|_| ())
    } else {
        std::fs::File::open(file).and_then(|mut f| f.read_to_end(&mut text).map(|_| ()))
    };
    read.map_err(|e| Failure::Local(format!("cannot read {}: {e}", file.display())))?;
    Ok(text)
}

fn current_words(bureau: &str, current: Option<u32>) -> String {
    match current {
        Some(v) => format!("{bureau}'s current rule set is now version {v}"),
        None => format!("{bureau} has no current rule set now: core rules only"),
    }
}

/// Runs one `rules` subcommand.
pub(super) fn run(admin: &Admin, command: RulesCommand) -> Result<i32, Failure> {
    match command {
        RulesCommand::Add { bureau, file, note } => {
            let text = read_text(&file)?;
            let record = admin.add_rules(CLI, Some(&bureau), &text, note.as_deref())?;
            println!(
                "added version {} of {bureau}'s rule set ({} rules); {}",
                record.set.version(),
                record.set.local().rules().len(),
                current_words(&bureau, Some(record.set.version()))
            );
        }
        RulesCommand::List { bureau } => {
            let listed: Vec<_> = admin
                .list_rules(CLI, bureau.as_deref())?
                .iter()
                .map(|l| l.record.summary(l.current))
                .collect();
            print_json(&listed)?;
        }
        RulesCommand::Show { bureau, version } => {
            let l = admin.show_rules(CLI, Some(&bureau), version)?;
            print_json(&l.record.full(l.current))?;
        }
        RulesCommand::Retire { bureau, version } => {
            let r = admin.retire_rules(CLI, Some(&bureau), version)?;
            println!(
                "retired version {version} of {bureau}'s rule set; {}",
                current_words(&bureau, r.current)
            );
        }
    }
    Ok(0)
}

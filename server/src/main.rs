//! The `abjuan` command: `abjuan serve`, `abjuan init`, `abjuan validate FILE`,
//! `abjuan demo-sync`. See `abjuan --help`.

use clap::Parser;

fn main() {
    let cli = abjuan_server::cli::Cli::parse();
    std::process::exit(abjuan_server::cli::run(cli));
}

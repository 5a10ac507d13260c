//! The `abjuan` command. (The server arrives with the sync-server issue.)

fn main() {}

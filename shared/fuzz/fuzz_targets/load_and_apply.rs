//! Fuzz target: loading documents, applying changes, decoding sync messages and sync states
//! from arbitrary bytes must give an error, never a panic. Run with
//! `cargo fuzz run load_and_apply` in shared/ (needs a nightly-capable toolchain); every
//! crashing input found goes to shared/tests/fuzz-crashers/, which a regular test replays.
#![no_main]

use libfuzzer_sys::fuzz_target;

static QUIET: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys aborts in its panic hook, before our guards could catch automerge's panics;
    // a quiet hook lets the guards work, and a panic that escapes them still fails the run.
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    abjuan_shared::doc::hostile::exercise(data);
});

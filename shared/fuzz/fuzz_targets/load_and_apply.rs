//! Fuzz target: loading documents, applying changes, decoding sync messages and sync states
//! from arbitrary bytes must give an error, never a panic. Run with
//! `cargo fuzz run load_and_apply` in shared/ (needs a nightly-capable toolchain); every
//! crashing input found goes to shared/tests/fuzz-crashers/, which a regular test replays.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    abjuan_shared::doc::hostile::exercise(data);
});

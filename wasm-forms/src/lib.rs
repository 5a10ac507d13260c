//! WASM bindings (arrive with the wasm-forms issue).

//! Prints the dossier JSON Schema: `cargo run -p abjuan-shared --example schema [en]`.
fn main() {
    let locale = abjuan_shared::Locale::from_tag(&std::env::args().nth(1).unwrap_or_default());
    let schema = abjuan_shared::schema::dossier_schema(locale);
    println!(
        "{}",
        serde_json::to_string_pretty(&schema).unwrap_or_default()
    );
}

//! The schemas of the sync bodies (`POST /v1/sync`'s request and reply) in
//! `server/openapi.json`, generated from the Rust types with schemars: the request from what
//! the route decodes (`http::sync::PhoneRequest`, named `SyncRequest` in the document), the
//! reply from what it encodes (`sync::wire::SyncReply`). The types derive `JsonSchema` only
//! under test, so the shipped binary does not link schemars; their doc comments are the
//! document's descriptions, and schemars attributes say where the wire form differs from the
//! Rust type (base64 bytes, hex heads, UUIDs, the error codes of `DocFailure`).
//!
//! The test here fails when the committed components are not exactly what the types generate
//! today. To rewrite them in place (the rest of the file untouched, its format kept):
//!
//! ```sh
//! ABJUAN_BLESS=1 cargo test -p abjuan-server --lib contract::bodies
//! ```
//!
//! What a synced dossier carries (`SyncedDossier`: `{report, grade, conflicts, may, blobs?}`)
//! is a JSON value the engine builds; it is described by the test-only types below, held to
//! the shared `May` and to a real reply of the engine by the tests here, and to the server's
//! replies by the contract step's schemathesis runs.

use schemars::generate::{Contract, SchemaSettings};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

use crate::error::DocFailure;

/// The command that rewrites the generated components.
pub const BLESS: &str = "ABJUAN_BLESS=1 cargo test -p abjuan-server --lib contract::bodies";

/// A dossier of the sync reply as the caller may see it after the merge.
// Read only by schemars: the engine builds this value as JSON (sync/engine/reply.rs).
#[allow(dead_code)]
#[derive(Debug, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncedDossier {
    /// Its validation report (volume B's findings left out for a caller who may not read
    /// volume B).
    report: Map<String, Value>,
    /// The warning grade {level, computed, fired, ignoredRaise?, ruleSet?}; `ruleSet: {bureau,
    /// version}` names the bureau rule set whose local rules were applied (absent: core rules
    /// only). Null when the dossier is not well formed.
    grade: Option<Map<String, Value>>,
    /// Fields with concurrent values, with the people behind each value.
    conflicts: Vec<Value>,
    /// What the caller may do to this dossier (the shared access policy), so a phone offers
    /// only that: the web form locks a conflicted field for whoever may not resolve conflicts
    /// and disables the closing statuses without `close`.
    may: May,
    /// Attachments of this dossier, only when there is something to say: `serverLacks`
    /// (referenced, not uploaded yet: the phone that holds them uploads them with PUT
    /// /v1/blobs/{sha256}) and `phoneLacks` (stored on the server and new to this phone, or
    /// asked about in `lacking`: fetch them with GET /v1/blobs/{sha256}). Only references the
    /// caller may read (volume B ones never for a partner mediator).
    #[serde(skip_serializing_if = "Option::is_none")]
    blobs: Option<Blobs>,
}

/// `abjuan_shared::access::May` as it is sent (held to it by a test below).
#[allow(dead_code)]
#[derive(Debug, JsonSchema)]
#[schemars(inline)]
#[serde(rename_all = "camelCase")]
struct May {
    /// Change the header and volume A.
    write_a: bool,
    /// Change volume B.
    write_b: bool,
    /// Move it to a closing status.
    close: bool,
    /// Settle edit conflicts for everyone.
    resolve_conflicts: bool,
}

/// The attachment lists of one dossier (blobs/reply.rs).
#[allow(dead_code)]
#[derive(Debug, JsonSchema)]
#[schemars(inline)]
#[serde(rename_all = "camelCase")]
struct Blobs {
    /// Referenced and not uploaded yet.
    server_lacks: Vec<String>,
    /// Stored and new to this phone (or asked about).
    phone_lacks: Vec<String>,
}

/// The schema of a per-document error code: one of `DocFailure`'s.
pub fn doc_error_code(_: &mut SchemaGenerator) -> Schema {
    let codes: Vec<&str> = DocFailure::ALL.iter().map(|e| e.code()).collect();
    schemars::json_schema!({ "type": "string", "enum": codes })
}

/// `T`'s schema for `contract` (what the server accepts: deserialize; what it sends:
/// serialize) as OpenAPI 3.1 components (JSON Schema 2020-12): the reference to it, and the
/// definitions it names added to `defs`.
fn generate<T: JsonSchema>(contract: Contract, defs: &mut Map<String, Value>) -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
            s.contract = contract;
        })
        .into_generator();
    let root = generator.subschema_for::<T>().to_value();
    for (name, mut schema) in generator.take_definitions(true) {
        unwrap_descriptions(&mut schema);
        if let Some(before) = defs.get(&name) {
            assert_eq!(
                before, &schema,
                "{name}: request and reply need different schemas; give them different names"
            );
        }
        defs.insert(name, schema);
    }
    root
}

/// Doc comments' line breaks inside a paragraph become spaces (schemars keeps them).
fn unwrap_descriptions(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                match x {
                    Value::String(text) if k == "description" => {
                        let paragraphs: Vec<String> =
                            text.split("\n\n").map(|p| p.replace('\n', " ")).collect();
                        *text = paragraphs.join("\n\n");
                    }
                    _ => unwrap_descriptions(x),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

/// The generated components, and the references of the request and the reply body.
pub fn generated() -> (Map<String, Value>, Value, Value) {
    let mut defs = Map::new();
    let request = generate::<crate::http::sync::PhoneRequest>(Contract::Deserialize, &mut defs);
    let reply = generate::<crate::sync::wire::SyncReply>(Contract::Serialize, &mut defs);
    (defs, request, reply)
}

/// The file's text for `doc`: what Python's `json.dumps(d, indent=1, ensure_ascii=False)`
/// and a final newline make, the format the file is kept in.
pub fn to_text(doc: &Value) -> String {
    use serde::Serialize as _;
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        serde_json::ser::PrettyFormatter::with_indent(b" "),
    );
    match doc.serialize(&mut ser) {
        Ok(()) => String::from_utf8(out).unwrap_or_default() + "\n",
        Err(e) => panic!("the document does not serialise: {e}"),
    }
}

/// `components` with the generated schemas in place: each where it stood, new ones after the
/// last generated one already there (or at the end).
pub fn with_generated(
    components: &Map<String, Value>,
    defs: &Map<String, Value>,
) -> Map<String, Value> {
    let last = components.keys().rposition(|k| defs.contains_key(k));
    let mut out = Map::new();
    let fresh = || {
        defs.iter()
            .filter(|(k, _)| !components.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
    };
    for (i, (name, schema)) in components.iter().enumerate() {
        out.insert(name.clone(), defs.get(name).unwrap_or(schema).clone());
        if Some(i) == last {
            out.extend(fresh());
        }
    }
    if last.is_none() {
        out.extend(fresh());
    }
    out
}

fn bless() -> bool {
    std::env::var("ABJUAN_BLESS").is_ok_and(|v| v == "1")
}

#[test]
fn committed_components_are_what_the_types_generate() {
    let mut doc: Value = serde_json::from_str(super::BASE).expect("openapi.json is JSON");
    assert!(
        to_text(&doc) == super::BASE,
        "server/openapi.json is not in its format (json.dumps(d, indent=1, \
         ensure_ascii=False) and a newline); `{BLESS}` rewrites it so"
    );
    let (defs, _, _) = generated();
    let components = doc["components"]["schemas"]
        .as_object()
        .expect("components.schemas");
    let stale: Vec<&String> = defs
        .iter()
        .filter(|(name, schema)| components.get(*name) != Some(*schema))
        .map(|(name, _)| name)
        .collect();
    if stale.is_empty() {
        return;
    }
    if bless() {
        let fresh = with_generated(components, &defs);
        doc["components"]["schemas"] = Value::Object(fresh);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
        std::fs::write(path, to_text(&doc)).expect("write openapi.json");
        println!("bodies: rewrote {stale:?} in {path}");
        return;
    }
    panic!(
        "server/openapi.json's components {stale:?} are not what the sync body types generate \
         (a field, a doc comment or a schemars attribute changed); run `{BLESS}` and commit \
         the file"
    );
}

#[test]
fn the_sync_operation_names_the_generated_bodies() {
    let doc: Value = serde_json::from_str(super::BASE).expect("openapi.json is JSON");
    let (_, request, reply) = generated();
    let op = &doc["paths"]["/v1/sync"]["post"];
    for media in ["application/json", "application/cbor"] {
        assert_eq!(
            op["requestBody"]["content"][media]["schema"], request,
            "{media}"
        );
        assert_eq!(
            op["responses"]["200"]["content"][media]["schema"], reply,
            "{media}"
        );
    }
}

#[test]
fn every_component_is_referenced() {
    // A generated schema renamed or dropped leaves its old component behind. (The document
    // as served: its made error responses name `Error`.)
    let doc = super::build(false).expect("document");
    let mut rest = doc.clone();
    let names: Vec<String> = doc["components"]["schemas"]
        .as_object()
        .expect("components.schemas")
        .keys()
        .cloned()
        .collect();
    for name in names {
        let own = rest["components"]["schemas"][&name].take();
        let reference = format!("\"#/components/schemas/{name}\"");
        assert!(
            rest.to_string().contains(&reference),
            "components.schemas.{name} is referenced nowhere"
        );
        rest["components"]["schemas"][&name] = own;
    }
}

#[test]
fn a_synced_dossier_says_may_as_the_shared_policy_sends_it() {
    let may = abjuan_shared::access::May {
        write_a: true,
        write_b: false,
        close: true,
        resolve_conflicts: false,
    };
    let sent = serde_json::to_value(may).expect("May serialises");
    let (defs, _, _) = generated();
    let schema = &defs["SyncedDossier"]["properties"]["may"];
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&schema["properties"]), keys(&sent), "{schema}");
    let mut required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    required.sort_unstable();
    assert_eq!(required, keys(&sent));
}

#[test]
fn new_components_go_after_the_generated_ones() {
    let components: Map<String, Value> =
        serde_json::from_str(r#"{"Error": 1, "SyncRequest": 2, "SyncReply": 3, "Person": 4}"#)
            .expect("JSON");
    let defs: Map<String, Value> =
        serde_json::from_str(r#"{"SyncReply": 30, "SyncRequest": 20, "DocReply": 50}"#)
            .expect("JSON");
    let out = with_generated(&components, &defs);
    let order: Vec<(&str, i64)> = out
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_i64().unwrap_or_default()))
        .collect();
    assert_eq!(
        order,
        [
            ("Error", 1),
            ("SyncRequest", 20),
            ("SyncReply", 30),
            ("DocReply", 50),
            ("Person", 4)
        ]
    );
}

#[tokio::test]
async fn a_real_sync_reply_is_what_the_reply_schema_says() {
    use abjuan_shared::doc::{DossierDocs, Volume};
    use abjuan_shared::sync::phone;

    use crate::sync::engine::Access;
    use crate::sync::wire::{Bytes, DocRequest, Format, SyncRequest};

    let dir = tempfile::tempdir().expect("tempdir");
    let store = crate::store::sqlite::SqliteStore::open(dir.path()).expect("store");
    let engine = crate::sync::Engine::new(
        std::sync::Arc::new(store),
        64 << 20,
        crate::sync::Limits::default(),
    );
    let id = "0193a1b2-0000-7000-8000-000000000001";
    let dossier = crate::client::sample_dossier(id, "yongji-puzhou", "neighbour", "楼上漏水");
    let docs = DossierDocs::create(
        &dossier,
        &automerge::ActorId::random(),
        crate::client::now(),
    )
    .expect("create");
    let mut wire: Vec<DocRequest> = [Volume::A, Volume::B]
        .map(|v| DocRequest {
            dossier: id.into(),
            volume: v.as_str().into(),
            heads: Vec::new(),
            changes: phone::outgoing(docs.doc(v), &[])
                .into_iter()
                .map(Bytes)
                .collect(),
            sync: None,
        })
        .into();
    // A document whose change is not one: `ok: false` with its code.
    wire.push(DocRequest {
        dossier: "0193a1b2-0000-7000-8000-000000000002".into(),
        volume: "a".into(),
        heads: Vec::new(),
        changes: vec![Bytes(vec![1, 2, 3])],
        sync: None,
    });
    let reply = engine
        .sync(&SyncRequest { docs: wire }, "phone", Access::Open)
        .await
        .expect("sync");
    let mut sent: Value =
        serde_json::from_slice(&Format::Json.encode(&reply).expect("encode")).expect("JSON");
    assert!(
        sent["docs"][0]["ok"] == true
            && sent["docs"][2]["ok"] == false
            && sent["docs"][2]["error"]["code"].is_string()
            && sent["dossiers"][id]["may"].is_object()
            && sent["dossiers"][id]["grade"].is_object(),
        "{sent}"
    );
    let (defs, _, root) = generated();
    let schema = serde_json::json!({ "$ref": root["$ref"], "components": { "schemas": defs } });
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the reply schema compiles");
    let errors = |v: &Value| -> Vec<String> {
        validator
            .iter_errors(v)
            .map(|e| format!("{} {e}", e.instance_path()))
            .collect()
    };
    assert_eq!(errors(&sent), Vec::<String>::new(), "{sent}");
    // And the schema says something: a head that is not one, a permission left out.
    sent["docs"][0]["heads"][0] = "zz".into();
    if let Some(may) = sent["dossiers"][id]["may"].as_object_mut() {
        may.remove("close");
    }
    assert_eq!(errors(&sent).len(), 2, "{:?}", errors(&sent));
}

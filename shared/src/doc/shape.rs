//! The CRDT type chosen for each field, on purpose:
//!
//! | field | automerge type | why |
//! | --- | --- | --- |
//! | narratives: `header.summary`, session `narrative`, agreement `terms`, follow-up `notes` and `partiesSaid`, closure `note` | text | two officers typing in one paragraph both survive |
//! | entity lists: sessions, follow-ups, parties, relations, legal education | list of maps, each with a stable `id` | concurrent inserts are all kept; references (signatories → parties) use ids, so reordering breaks nothing |
//! | id sets: attendees, signatories, `partyIds`, topics, assigned officers, materials | list of scalars, read as a set | concurrent adds are kept; a value added twice is read once |
//! | attachment references: `volumeA.attachments`, `volumeA.agreement.attachments`, `volumeB.parties[*].attachments` | list of maps, each with a stable `id` | two phones attaching photos offline both keep theirs; a removal removes that reference only |
//! | in a reference: `sha256`, `mediaType`, `size`, `takenAt`, `by` | scalars written once | a reference names fixed bytes: another photo is another reference, never an edit of this one |
//! | in a reference: `caption` | scalar | a short label: last writer wins, the other value stays visible as a conflict (text merging would splice two captions into one) |
//! | mediators of a session | list of maps, replaced as a whole | small, rarely edited concurrently |
//! | every other field (phone, category, status, dates, flags...) | scalar in a map | last writer wins deterministically; the losing concurrent values stay visible as conflicts |
//!
//! The attachment lists are created with the dossier, the agreement and each party (the model
//! writes them as `[]`), so two phones do not each create the same missing list: automerge would
//! show only one of the two. A dossier created before attachments existed gets its list with its
//! first attachment.
//!
//! Paths here are "schema paths": JSON-pointer segments with every list index replaced by `*`.

/// How one field is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// automerge text.
    Text,
    /// List of maps keyed by their `id` member.
    EntityList,
    /// List of scalars with set semantics.
    ScalarSet,
    /// List replaced as a whole when it changes.
    WholeList,
    /// A map (object).
    Map,
    /// A scalar.
    Scalar,
}

/// The CRDT types of one form's fields: the schema paths of its texts, entity lists and scalar
/// sets (everything else is a map, a list replaced whole, or a scalar).
#[derive(Debug)]
pub struct Shape {
    /// Texts (automerge text).
    pub text: &'static [&'static [&'static str]],
    /// Lists of maps keyed by their `id` member.
    pub entity_lists: &'static [&'static [&'static str]],
    /// Lists of scalars read as sets.
    pub scalar_sets: &'static [&'static [&'static str]],
}

/// The AB dossier's shape (the table above).
pub static AB_DOSSIER: Shape = Shape {
    text: TEXT,
    entity_lists: ENTITY_LISTS,
    scalar_sets: SCALAR_SETS,
};

const TEXT: &[&[&str]] = &[
    &["header", "summary"],
    &["volumeA", "sessions", "*", "narrative"],
    &["volumeA", "agreement", "terms"],
    &["volumeA", "followUps", "*", "notes"],
    &["volumeA", "followUps", "*", "partiesSaid"],
    &["volumeA", "closure", "note"],
];

const ENTITY_LISTS: &[&[&str]] = &[
    &["volumeA", "sessions"],
    &["volumeA", "followUps"],
    &["volumeB", "parties"],
    &["volumeB", "relations"],
    &["volumeB", "legalEducation"],
    &["volumeA", "attachments"],
    &["volumeA", "agreement", "attachments"],
    &["volumeB", "parties", "*", "attachments"],
];

const SCALAR_SETS: &[&[&str]] = &[
    &["header", "assignedOfficers"],
    &["volumeA", "sessions", "*", "attendees"],
    &["volumeA", "agreement", "signatories"],
    &["volumeB", "legalEducation", "*", "topics"],
    &["volumeB", "legalEducation", "*", "materials"],
    &["volumeB", "legalEducation", "*", "partyIds"],
];

/// Whether any registered form lists `schema_path` in the table `pick` chooses. Paths of
/// different forms never disagree (a test in `forms` holds it), so the union is exact.
fn listed(
    schema_path: &[&str],
    pick: impl Fn(&Shape) -> &'static [&'static [&'static str]],
) -> bool {
    crate::forms::REGISTRY
        .iter()
        .any(|f| pick(f.shape()).contains(&schema_path))
}

/// The storage kind of the field at `schema_path`, given the JSON value it holds.
#[must_use]
pub fn kind(schema_path: &[&str], value: &serde_json::Value) -> Kind {
    match value {
        serde_json::Value::String(_) if listed(schema_path, |s| s.text) => Kind::Text,
        serde_json::Value::Array(_) if listed(schema_path, |s| s.entity_lists) => Kind::EntityList,
        serde_json::Value::Array(_) if listed(schema_path, |s| s.scalar_sets) => Kind::ScalarSet,
        serde_json::Value::Array(_) => Kind::WholeList,
        serde_json::Value::Object(_) => Kind::Map,
        _ => Kind::Scalar,
    }
}

/// Whether the list at `schema_path` is read as a set.
#[must_use]
pub fn is_scalar_set(schema_path: &[&str]) -> bool {
    listed(schema_path, |s| s.scalar_sets)
}

//! The store's statements in plain SQL: the writer's, and the two reads of a dossier (prepared
//! once per connection).

/// The NOTIFY channel of dossier writes (payload `node:id,id,…`).
pub const CHANNEL: &str = "abjuan_dossiers";

/// A statement of the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Sql {
    /// Locks a dossier's row (made when missing) for the rest of the transaction.
    Lock,
    /// Moves the dossier's change sequence on by the changes about to be inserted.
    Bump,
    /// Inserts a change if absent, numbered from the sequence (`$3`: how far back from it).
    Change,
    /// Records who uploaded a change, if not yet recorded.
    Upload,
    /// The first snapshot of a document (none may exist).
    SnapshotFirst,
    /// A new snapshot replacing the generation `$6`, only if it still is the stored one.
    SnapshotNext,
    /// Deletes the change rows a snapshot holds, if that snapshot is the stored one.
    DropCovered,
    /// Upserts the dossier's index row.
    Index,
    /// Makes the (station, year) counter of dossier numbers when missing.
    LedgerCounter,
    /// Moves the counter on for a dossier that has no number yet.
    LedgerBump,
    /// Upserts the ledger row (the number stays the one handed out first).
    Ledger,
    /// Forgets a dossier's attachment references (written again from its index row).
    BlobRefsClear,
    /// Records one attachment reference.
    BlobRef,
    /// Forgets a dossier's pending re-index when its row was made from everything stored.
    Caught,
    /// Records that a dossier's row was made from less than everything stored.
    Behind,
    /// Keeps a generic-protocol state.
    SyncState,
    /// A hint for the other nodes, delivered at COMMIT.
    Notify,
    /// A whole dossier as stored, in one consistent read.
    Load,
    /// What was stored for a dossier after a change sequence number, in one consistent read.
    Since,
}

impl Sql {
    /// The statement.
    pub(super) fn text(self) -> &'static str {
        match self {
            Sql::Lock => {
                "INSERT INTO dossier_log (dossier, seq) VALUES ($1, 0)
                 ON CONFLICT (dossier) DO UPDATE SET seq = dossier_log.seq"
            }
            Sql::Bump => "UPDATE dossier_log SET seq = seq + $2 WHERE dossier = $1",
            Sql::Change => {
                "INSERT INTO changes (dossier, volume, seq, hash, bytes)
                 VALUES ($1, $2, (SELECT seq FROM dossier_log WHERE dossier = $1) - $3, $4, $5)
                 ON CONFLICT (dossier, volume, hash) DO NOTHING"
            }
            Sql::Upload => {
                "INSERT INTO uploads (dossier, volume, hash, device, received_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dossier, volume, hash) DO NOTHING"
            }
            Sql::SnapshotFirst => {
                "INSERT INTO snapshots (dossier, volume, generation, bytes, derived)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dossier, volume) DO NOTHING"
            }
            Sql::SnapshotNext => {
                "UPDATE snapshots SET generation = $3, bytes = $4, derived = $5
                 WHERE dossier = $1 AND volume = $2 AND generation = $6"
            }
            Sql::DropCovered => {
                "DELETE FROM changes WHERE dossier = $1 AND volume = $2
                   AND (seq <= $3 OR hash = ANY($4))
                   AND EXISTS (SELECT 1 FROM snapshots s
                               WHERE s.dossier = $1 AND s.volume = $2 AND s.generation = $5)"
            }
            Sql::Index => {
                "INSERT INTO dossiers (id, station, status, category, level, summary,
                   reported_at, month, valid, missing_volume_b, follow_up_due, outcome, open,
                   conflicts, updated_at, form_type, form_facts)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                   $17)
                 ON CONFLICT (id) DO UPDATE SET station = EXCLUDED.station,
                   form_type = EXCLUDED.form_type, form_facts = EXCLUDED.form_facts,
                   status = EXCLUDED.status, category = EXCLUDED.category,
                   level = EXCLUDED.level, summary = EXCLUDED.summary,
                   reported_at = EXCLUDED.reported_at, month = EXCLUDED.month,
                   valid = EXCLUDED.valid, missing_volume_b = EXCLUDED.missing_volume_b,
                   follow_up_due = EXCLUDED.follow_up_due, outcome = EXCLUDED.outcome,
                   open = EXCLUDED.open, conflicts = EXCLUDED.conflicts,
                   updated_at = EXCLUDED.updated_at"
            }
            Sql::LedgerCounter => {
                "INSERT INTO ledger_numbers (station, year, last) VALUES ($1, $2, 0)
                 ON CONFLICT (station, year) DO NOTHING"
            }
            Sql::LedgerBump => {
                "UPDATE ledger_numbers SET last = last + 1
                 WHERE station = $1 AND year = $2
                   AND NOT EXISTS (SELECT 1 FROM dossier_ledger WHERE id = $3)"
            }
            Sql::Ledger => {
                "INSERT INTO dossier_ledger (id, number_station, year, seq, source, parties,
                   summary, measures, result, closed_on, follow_ups, officers, version)
                 VALUES ($1, $2, $3,
                   (SELECT last FROM ledger_numbers WHERE station = $2 AND year = $3),
                   $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 ON CONFLICT (id) DO UPDATE SET source = EXCLUDED.source,
                   parties = EXCLUDED.parties, summary = EXCLUDED.summary,
                   measures = EXCLUDED.measures, result = EXCLUDED.result,
                   closed_on = EXCLUDED.closed_on, follow_ups = EXCLUDED.follow_ups,
                   officers = EXCLUDED.officers, version = EXCLUDED.version"
            }
            Sql::BlobRefsClear => "DELETE FROM blob_refs WHERE dossier = $1",
            Sql::BlobRef => {
                "INSERT INTO blob_refs (sha256, dossier, volume) VALUES ($1, $2, $3)
                 ON CONFLICT (sha256, dossier, volume) DO NOTHING"
            }
            Sql::Caught => {
                "DELETE FROM reindex WHERE dossier = $1
                   AND (SELECT seq FROM dossier_log WHERE dossier = $1) = $2"
            }
            Sql::Behind => {
                "INSERT INTO reindex (dossier)
                 SELECT $1 WHERE (SELECT seq FROM dossier_log WHERE dossier = $1) <> $2
                 ON CONFLICT (dossier) DO NOTHING"
            }
            Sql::SyncState => {
                "INSERT INTO sync_states (client, doc, state, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (client, doc) DO UPDATE SET state = EXCLUDED.state,
                   updated_at = EXCLUDED.updated_at"
            }
            Sql::Notify => "SELECT pg_notify($1, $2)",
            Sql::Load => {
                "SELECT 0, '', seq, NULL::bytea, NULL::bytea FROM dossier_log WHERE dossier = $1
                 UNION ALL
                 SELECT 1, volume, generation, bytes, derived FROM snapshots WHERE dossier = $1
                 UNION ALL
                 SELECT 2, volume, seq, bytes, NULL FROM changes WHERE dossier = $1
                 ORDER BY 1, 3"
            }
            Sql::Since => {
                "SELECT 0, '', seq, NULL::bytea FROM dossier_log WHERE dossier = $1
                 UNION ALL
                 SELECT 1, volume, generation, NULL FROM snapshots WHERE dossier = $1
                 UNION ALL
                 SELECT 2, volume, seq, bytes FROM changes WHERE dossier = $1 AND seq > $2
                 ORDER BY 1, 3"
            }
        }
    }
}

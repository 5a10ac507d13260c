//! The reads of the PostgreSQL store through the pool: loads and catch-up reads of dossiers
//! (each one statement, after this node's earlier writes of them: [`super::order`]), the list,
//! the figures, the ledger, who uploaded what, generic-protocol states, dossiers whose index
//! row is behind. The list,
//! figure and ledger statements are the ones the SQLite store runs, translated by
//! [`dialect`] (placeholders, `instr`, the officers' JSON array).

use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::sql::Sql as Statement;
use super::PgStore;
use crate::report::figures::{CountRow, Sql, OFFICER_JOIN};
use crate::store::blob_refs::{BlobRef, RefQuery};
use crate::store::reports::{LedgerQuery, LedgerRow};
use crate::store::{
    IndexRow, ListFilter, Mark, Since, StoreError, StoredDoc, StoredDossier, UploadRow,
};
use abjuan_shared::doc::Volume;

/// A statement written for SQLite in PostgreSQL's dialect: `?N` placeholders become `$N`,
/// `instr(a, b)` becomes `strpos(a, b)`, SQLite's `json_each` over the officers becomes
/// `json_array_elements_text`.
#[must_use]
pub fn dialect(text: &str) -> String {
    let text = text.replace(
        OFFICER_JOIN,
        " LEFT JOIN LATERAL json_array_elements_text(COALESCE(l.officers, '[]')::json) \
         AS o(value) ON TRUE",
    );
    let text = text.replace("instr(", "strpos(");
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

fn index_row(r: &Row) -> IndexRow {
    IndexRow {
        id: r.get(0),
        station: r.get(1),
        status: r.get(2),
        category: r.get(3),
        level: r.get(4),
        summary: r.get(5),
        reported_at: r.get(6),
        month: r.get(7),
        valid: r.get::<_, i16>(8) != 0,
        missing_volume_b: r.get::<_, i16>(9) != 0,
        follow_up_due: r.get(10),
        outcome: r.get(11),
        open: r.get::<_, i16>(12) != 0,
        conflicts: u32::try_from(r.get::<_, i64>(13)).unwrap_or(u32::MAX),
        updated_at: r.get(14),
        // Lists select the form type as column 15; the dispute figures' rows (AB dossiers
        // only) do not.
        form_type: r
            .try_get(15)
            .unwrap_or_else(|_| abjuan_shared::model::FORM_TYPE.to_owned()),
        form_facts: None,
        ledger: crate::store::ledger::LedgerFields::default(),
        attachments: Vec::new(),
        based_on: None,
    }
}

impl PgStore {
    /// A dossier as stored, once this node's earlier writes of it are answered.
    pub(super) async fn load_now(
        db: &super::Db,
        order: &super::order::Order,
        id: &str,
    ) -> Result<Option<StoredDossier>, StoreError> {
        order.settled(std::iter::once(id)).await;
        let client = db.pooled().await?;
        let stmt = client.prepare_cached(Statement::Load.text()).await?;
        Ok(loaded(&client.query(&stmt, &[&id]).await?))
    }

    /// What was stored after each mark, once this node's earlier writes of them are answered
    /// (the statements pipelined on one connection).
    pub(super) async fn since_now(
        db: &super::Db,
        order: &super::order::Order,
        asks: &[(String, Mark)],
    ) -> Result<Vec<Since>, StoreError> {
        order.settled(asks.iter().map(|(id, _)| id.as_str())).await;
        let client = db.pooled().await?;
        let stmt = client.prepare_cached(Statement::Since.text()).await?;
        let reads = asks.iter().map(|(id, mark)| {
            let (client, stmt) = (&client, &stmt);
            async move {
                let rows = client.query(stmt, &[id, &mark.seq]).await?;
                Ok::<_, tokio_postgres::Error>(since(*mark, &rows))
            }
        });
        Ok(futures_util::future::try_join_all(reads).await?)
    }

    async fn query(&self, sql: &Sql) -> Result<Vec<Row>, StoreError> {
        let client = self.db.pooled().await?;
        let args: Vec<&(dyn ToSql + Sync)> =
            sql.args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        Ok(client.query(&dialect(&sql.text), &args).await?)
    }

    pub(super) fn list_rows(&self, f: &ListFilter) -> Result<Vec<IndexRow>, StoreError> {
        let sql = crate::store::index::list_sql(f);
        self.db
            .block(async { Ok(self.query(&sql).await?.iter().map(index_row).collect()) })
    }

    pub(super) fn counts(&self, sql: &Sql, keys: usize) -> Result<Vec<CountRow>, StoreError> {
        self.db.block(async {
            let rows = self.query(sql).await?;
            Ok(rows
                .iter()
                .map(|r| {
                    let k = (0..keys)
                        .map(|i| r.get::<_, Option<String>>(i).unwrap_or_default())
                        .collect();
                    let c = (keys..r.len())
                        .map(|i| u64::try_from(r.get::<_, i64>(i)).unwrap_or(0))
                        .collect();
                    (k, c)
                })
                .collect())
        })
    }

    pub(super) fn figure_list(&self, sql: &Sql) -> Result<Vec<IndexRow>, StoreError> {
        self.db
            .block(async { Ok(self.query(sql).await?.iter().map(index_row).collect()) })
    }

    pub(super) fn facts_rows(&self, sql: &Sql) -> Result<Vec<String>, StoreError> {
        self.db
            .block(async { Ok(self.query(sql).await?.iter().map(|r| r.get(0)).collect()) })
    }

    pub(super) fn ledger_rows(&self, q: &LedgerQuery) -> Result<Vec<LedgerRow>, StoreError> {
        let sql = crate::store::reports::ledger_sql(q);
        self.db.block(async {
            let rows = self.query(&sql).await?;
            Ok(rows
                .iter()
                .map(|r| LedgerRow {
                    id: r.get(0),
                    station: r.get(1),
                    number_station: r.get(2),
                    year: r.get(3),
                    seq: r.get(4),
                    reported_at: r.get(5),
                    source: r.get(6),
                    category: r.get(7),
                    parties: r.get(8),
                    summary: r.get(9),
                    level: r.get(10),
                    measures: r.get(11),
                    result: r.get(12),
                    outcome: r.get(13),
                    closed_on: r.get(14),
                    follow_ups: r.get(15),
                    officers: serde_json::from_str(&r.get::<_, String>(16)).unwrap_or_default(),
                    status: r.get(17),
                })
                .collect())
        })
    }

    pub(super) fn stale_ledger(&self, limit: u32) -> Result<Vec<String>, StoreError> {
        self.db.block(async {
            let client = self.db.pooled().await?;
            let rows = client
                .query(
                    "SELECT d.id FROM dossiers d LEFT JOIN dossier_ledger l ON l.id = d.id
                     WHERE COALESCE(l.version, 0) < $1 AND d.form_type = 'ab_dossier/v1'
                     ORDER BY d.reported_at, d.id LIMIT $2",
                    &[&crate::store::ledger::LEDGER_VERSION, &i64::from(limit)],
                )
                .await?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    pub(super) fn upload_rows(&self, dossier: &str) -> Result<Vec<UploadRow>, StoreError> {
        self.db.block(async {
            let client = self.db.pooled().await?;
            let rows = client
                .query(
                    "SELECT volume, hash, device, received_at FROM uploads WHERE dossier = $1
                     ORDER BY received_at, volume",
                    &[&dossier],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| UploadRow {
                    volume: r.get(0),
                    hash: hex::encode(r.get::<_, Vec<u8>>(1)),
                    device: r.get(2),
                    received_at: r.get(3),
                })
                .collect())
        })
    }

    pub(super) fn blob_ref_rows(&self, q: &RefQuery) -> Result<Vec<BlobRef>, StoreError> {
        let (column, keys) = match q {
            RefQuery::Blobs(k) => ("r.sha256", k),
            RefQuery::Dossiers(k) => ("r.dossier", k),
        };
        let sql = format!(
            "SELECT r.sha256, r.dossier, COALESCE(d.station, ''), r.volume FROM blob_refs r
             LEFT JOIN dossiers d ON d.id = r.dossier WHERE {column} = ANY($1)
             ORDER BY r.sha256, r.dossier, r.volume"
        );
        self.db.block(async {
            let client = self.db.pooled().await?;
            let rows = client.query(&sql, &[keys]).await?;
            Ok(rows
                .iter()
                .map(|r| BlobRef {
                    sha256: r.get(0),
                    dossier: r.get(1),
                    station: r.get(2),
                    volume: if r.get::<_, &str>(3) == "b" {
                        Volume::B
                    } else {
                        Volume::A
                    },
                })
                .collect())
        })
    }

    pub(super) fn count_rows(&self) -> Result<u64, StoreError> {
        self.db.block(async {
            let client = self.db.pooled().await?;
            let row = client
                .query_one("SELECT COUNT(*) FROM dossiers", &[])
                .await?;
            Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
        })
    }

    pub(super) fn behind_rows(&self, limit: u32) -> Result<Vec<String>, StoreError> {
        self.db.block(async {
            let client = self.db.pooled().await?;
            let rows = client
                .query(
                    "SELECT dossier FROM reindex ORDER BY dossier LIMIT $1",
                    &[&i64::from(limit)],
                )
                .await?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    /// A kept generic-protocol state.
    pub(super) async fn state(
        db: &super::Db,
        client: &str,
        key: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let conn = db.pooled().await?;
        let row = conn
            .query_opt(
                "SELECT state FROM sync_states WHERE client = $1 AND doc = $2",
                &[&client, &key],
            )
            .await?;
        Ok(row.map(|r| r.get(0)))
    }
}

/// A dossier from the rows of [`Sql::Load`]: kind 0 the change sequence, 1 a snapshot (its
/// generation), 2 a change row.
pub(super) fn loaded(rows: &[Row]) -> Option<StoredDossier> {
    let mut d = StoredDossier::default();
    let mut any = false;
    for r in rows {
        let kind: i32 = r.get(0);
        let volume: String = r.get(1);
        let n: i64 = r.get(2);
        let i = super::writer::vi(&volume);
        let doc: &mut StoredDoc = if i == 0 { &mut d.a } else { &mut d.b };
        match kind {
            0 => d.mark.seq = n,
            1 => {
                d.mark.generation[i] = n;
                doc.snapshot = r.get(3);
                doc.derived = r.get(4);
                any = true;
            }
            _ => {
                if let Some(bytes) = r.get::<_, Option<Vec<u8>>>(3) {
                    doc.changes.push(bytes);
                    any = true;
                }
            }
        }
    }
    any.then_some(d)
}

/// What the rows of [`Sql::Since`] say against `mark`.
pub(super) fn since(mark: Mark, rows: &[Row]) -> Since {
    let mut now = Mark::default();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for r in rows {
        let kind: i32 = r.get(0);
        let volume: String = r.get(1);
        let n: i64 = r.get(2);
        match kind {
            0 => now.seq = n,
            1 => now.generation[super::writer::vi(&volume)] = n,
            _ => {
                if let Some(bytes) = r.get::<_, Option<Vec<u8>>>(3) {
                    if super::writer::vi(&volume) == 0 {
                        a.push(bytes);
                    } else {
                        b.push(bytes);
                    }
                }
            }
        }
    }
    if now.generation != mark.generation {
        Since::Reload
    } else if now.seq == mark.seq {
        Since::Current
    } else {
        Since::Changes { a, b, mark: now }
    }
}

#[cfg(test)]
mod tests {
    use super::dialect;

    #[test]
    fn sqlite_statements_read_as_postgres() {
        assert_eq!(
            dialect("SELECT 1 WHERE a = ?1 AND instr(s, ?12) > 0 AND b = '?'"),
            "SELECT 1 WHERE a = $1 AND strpos(s, $12) > 0 AND b = '?'"
        );
        let officers = dialect(&format!("FROM d{}", crate::report::figures::OFFICER_JOIN));
        assert!(officers.contains("json_array_elements_text"), "{officers}");
    }
}

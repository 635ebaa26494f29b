//! The audit log: append-only, one record per sign-in and per change, hash-chained so that an
//! edited or deleted record is detected (`duban audit verify`).
//!
//! Each record's hash is SHA-256 over the previous record's hash and the record's canonical
//! content (a JSON array of its fields, as stored). Ids are given by the chain (1, 2, 3 …), so
//! a gap is a deleted record; the single `audit_head` row holds the last id and hash, so a
//! deleted tail is seen too. Appends lock the head row first (an UPDATE, which takes the
//! row lock on PostgreSQL and the write lock on SQLite), so concurrent writers take turns.

use crate::group_commit::{JobFuture, Record};
use crate::{Result, Store, now};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// One thing that happened, as the caller describes it.
#[derive(Debug, Clone, Default)]
pub struct AuditEvent {
    /// The user who did it; `None` for a failed sign-in or the command line.
    pub actor_id: Option<i64>,
    /// The user name (as typed, for a sign-in), or `cli`, or `system`.
    pub actor: String,
    /// The client's address.
    pub ip: Option<String>,
    /// A stable key, e.g. `login`, `report.submit`, `plan.publish`.
    pub action: String,
    /// What it was done to, e.g. `/api/v1/plans/3/publish` or `user:12`.
    pub object: Option<String>,
    /// `ok`, `denied`, `failed`, or an HTTP status.
    pub outcome: String,
    /// Anything else worth keeping (before/after values), as JSON.
    pub detail: serde_json::Value,
}

/// A stored record.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub ip: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub outcome: String,
    /// JSON text.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// The content the hash covers: every field but the hashes, as a JSON array.
    fn canonical(&self) -> String {
        serde_json::json!([
            self.id,
            self.at,
            self.actor_id,
            self.actor,
            self.ip,
            self.action,
            self.object,
            self.outcome,
            self.detail
        ])
        .to_string()
    }

    fn expected_hash(&self, prev: &str) -> String {
        chain_hash(prev, &self.canonical())
    }
}

fn chain_hash(prev: &str, canonical: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(canonical.as_bytes());
    hex::encode(h.finalize())
}

/// What `verify_audit` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditCheck {
    /// Every record links to the one before and the head names the last: `records` checked.
    Intact { records: i64 },
    /// The first record that does not fit, and why.
    Broken { id: i64, reason: String },
}

/// Which records to list.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// From this day (YYYY-MM-DD), inclusive.
    pub from: Option<String>,
    /// To this day (YYYY-MM-DD), inclusive.
    pub to: Option<String>,
    pub actor: Option<String>,
    /// An action key or its prefix (`report.` matches every report action).
    pub action: Option<String>,
    /// Only records with an id below this (for paging backwards, newest first).
    pub before_id: Option<i64>,
    pub limit: i64,
}

const RECORD_COLUMNS: &str = "id, at, actor_id, actor, ip, action, object, outcome, detail, prev_hash, hash";

fn record_from_row(r: &sqlx::any::AnyRow) -> AuditRecord {
    AuditRecord {
        id: r.get("id"),
        at: r.get("at"),
        actor_id: r.get("actor_id"),
        actor: r.get("actor"),
        ip: r.get("ip"),
        action: r.get("action"),
        object: r.get("object"),
        outcome: r.get("outcome"),
        detail: r.get("detail"),
        prev_hash: r.get("prev_hash"),
        hash: r.get("hash"),
    }
}

impl Store {
    /// Appends a record to the chain and returns its id once it is committed, together with
    /// the other writes of the moment (every change writes an audit record after its own
    /// commit, and a commit of its own per record would double the flushes to disk).
    pub async fn audit(&self, e: &AuditEvent) -> Result<i64> {
        self.writes.append(self, e.clone()).await
    }

    /// Records, newest first.
    pub async fn audit_records(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
        // Fixed conditions, each with its own bound parameter; an absent filter matches all.
        let to = q.to.as_ref().map(|d| format!("{d}T99"));
        let action = q.action.as_ref().map(|a| format!("{a}%"));
        let rows = sqlx::query(sql!(
            "SELECT {RECORD_COLUMNS} FROM audit_log WHERE ($1 = '' OR at >= $1) AND ($2 = '' OR at <= $2) \
             AND ($3 = '' OR actor = $3) AND ($4 = '' OR action LIKE $4) AND id < $5 ORDER BY id DESC LIMIT $6"
        ))
        .bind(q.from.clone().unwrap_or_default())
        .bind(to.unwrap_or_default())
        .bind(q.actor.clone().unwrap_or_default())
        .bind(action.unwrap_or_default())
        .bind(q.before_id.unwrap_or(i64::MAX))
        .bind(q.limit.clamp(1, 10_000))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(record_from_row).collect())
    }

    /// Walks the whole chain and names the first record that does not fit.
    pub async fn verify_audit(&self) -> Result<AuditCheck> {
        let mut prev = String::new();
        let mut expected_id = 1;
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(sql!("SELECT {RECORD_COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT 1000"))
                .bind(after)
                .fetch_all(&self.pool)
                .await?;
            if rows.is_empty() {
                break;
            }
            for r in rows.iter().map(record_from_row) {
                if r.id != expected_id {
                    return Ok(AuditCheck::Broken {
                        id: expected_id,
                        reason: format!("审计记录 #{expected_id} 缺失(已被删除)"),
                    });
                }
                if r.prev_hash != prev {
                    return Ok(AuditCheck::Broken {
                        id: r.id,
                        reason: format!("审计记录 #{} 与前一条记录的链接不符", r.id),
                    });
                }
                if r.expected_hash(&prev) != r.hash {
                    return Ok(AuditCheck::Broken {
                        id: r.id, reason: format!("审计记录 #{} 的内容已被修改", r.id)
                    });
                }
                prev = r.hash;
                expected_id += 1;
                after = r.id;
            }
        }
        let head = sqlx::query("SELECT last_id, hash FROM audit_head WHERE id = 1").fetch_optional(&self.pool).await?;
        let Some(head) = head else {
            return Ok(AuditCheck::Broken { id: 0, reason: "审计链的链头记录缺失".into() });
        };
        let (last_id, head_hash): (i64, String) = (head.get(0), head.get(1));
        if last_id != after {
            return Ok(AuditCheck::Broken {
                id: after + 1,
                reason: format!("审计记录 #{} 至 #{last_id} 缺失(已被删除)", after + 1),
            });
        }
        if head_hash != prev {
            return Ok(AuditCheck::Broken { id: last_id, reason: format!("审计记录 #{last_id} 与链头不符") });
        }
        Ok(AuditCheck::Intact { records: after })
    }
}

/// The records as csv (see [`domain::csv_file`]: a byte-order mark, formula text neutralised).
pub fn to_csv(records: &[AuditRecord]) -> String {
    let mut file = domain::csv_file::CsvFile::new();
    file.row(["编号", "时间", "用户编号", "用户", "来源地址", "操作", "对象", "结果", "详情", "哈希"]);
    for r in records {
        file.row([
            r.id.to_string(),
            r.at.clone(),
            r.actor_id.map(|i| i.to_string()).unwrap_or_default(),
            r.actor.clone(),
            r.ip.clone().unwrap_or_default(),
            r.action.clone(),
            r.object.clone().unwrap_or_default(),
            r.outcome.clone(),
            r.detail.clone(),
            r.hash.clone(),
        ]);
    }
    // Every cell is a String, so the bytes are UTF-8.
    String::from_utf8_lossy(&file.finish()).into_owned()
}

/// A group commit appends its audit records together, after its jobs (see [`append_all`]).
impl Record for AuditEvent {
    fn append_all<'c>(conn: &'c mut sqlx::AnyConnection, records: &'c [Self]) -> JobFuture<'c, Vec<i64>> {
        Box::pin(append_all(conn, records))
    }
}

/// Appends records to the chain, in order, inside the caller's transaction; their ids.
///
/// A group commit appends every record of its writes here at once: a few statements for a
/// group's records instead of three for each.
pub(crate) async fn append_all(conn: &mut sqlx::AnyConnection, events: &[AuditEvent]) -> Result<Vec<i64>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    // Claim the ids and read the last hash in one statement: the UPDATE takes the head's
    // lock, so no other writer reads the same head (and RETURNING gives the row as updated,
    // the hash still the previous record's).
    let claimed = i64::try_from(events.len()).unwrap_or(i64::MAX);
    let head = sqlx::query("UPDATE audit_head SET last_id = last_id + $1 WHERE id = 1 RETURNING last_id, hash")
        .bind(claimed)
        .fetch_one(&mut *conn)
        .await?;
    let last_id: i64 = head.get(0);
    let mut prev: String = head.get(1);
    let at = now();
    let mut records = Vec::with_capacity(events.len());
    for (id, e) in (last_id - claimed + 1..).zip(events) {
        let mut record = AuditRecord {
            id,
            at: at.clone(),
            actor_id: e.actor_id,
            actor: e.actor.clone(),
            ip: e.ip.clone(),
            action: e.action.clone(),
            object: e.object.clone(),
            outcome: e.outcome.clone(),
            detail: if e.detail.is_null() { "{}".to_string() } else { e.detail.to_string() },
            prev_hash: prev,
            hash: String::new(),
        };
        record.hash = record.expected_hash(&record.prev_hash);
        prev = record.hash.clone();
        records.push(record);
    }
    for chunk in records.chunks(crate::sql::rows_per_statement(11)) {
        let rows = crate::sql::placeholders(chunk.len(), 11);
        let mut q = sqlx::query(sql!("INSERT INTO audit_log ({RECORD_COLUMNS}) VALUES {rows}"));
        for r in chunk {
            q = q
                .bind(r.id)
                .bind(&r.at)
                .bind(r.actor_id)
                .bind(&r.actor)
                .bind(&r.ip)
                .bind(&r.action)
                .bind(&r.object)
                .bind(&r.outcome)
                .bind(&r.detail)
                .bind(&r.prev_hash)
                .bind(&r.hash);
        }
        q.execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&prev).execute(&mut *conn).await?;
    Ok(records.iter().map(|r| r.id).collect())
}

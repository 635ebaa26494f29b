//! The ranked index: tantivy (BM25) over the `search_docs` table, one index per process,
//! kept in step with the database.
//!
//! The database is the source of truth. Every write of a document (see `add_all`) stamps its
//! row with a sequence number, the data version it raised in the same transaction; the data
//! version's row stays locked until that transaction commits, so on either database the
//! numbers become visible in order. A process builds its index from the whole table once,
//! remembers the data version it read first (its watermark), and from then on reads the rows
//! stamped above the watermark: every 250 ms in the background, before a search when this
//! process wrote since, and before a search when the last look is older than half a second.
//! A data version below the watermark means the database was replaced (a restore): the index
//! is built again.

use super::words::{JiebaTokenizer, TOKENIZER};
use crate::{Result, StoreError};
use sqlx::{AnyPool, Row};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tantivy::schema::{Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// How often a process looks for other processes' writes.
const POLL: Duration = Duration::from_millis(250);
/// A search older than this since the last look looks first (the background poll may lag
/// behind on a busy runtime); with [`POLL`] it keeps the one-second promise.
const STALE: Duration = Duration::from_millis(500);
/// Rows read per statement while building: each page is held twice (the rows as read, then
/// as documents queued for the indexing thread), so a small page keeps the build's memory
/// low; a statement per thousand rows costs the build nothing measurable.
const PAGE: i64 = 1000;
/// The indexing thread's memory budget (tantivy's minimum): segments are flushed at this size,
/// so building a province's index stays within it.
const WRITER_BUDGET: usize = 15_000_000;

/// The index's fields.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    /// "kind:ref_id", to replace a document.
    pub key: Field,
    pub kind: Field,
    pub ref_id: Field,
    pub title: Field,
    pub body: Field,
    pub link: Field,
    /// The units a document is private to (a report's, a finding's, a 督办件's lead and
    /// co-units); none for plan text, which everyone sees.
    pub owner: Field,
    /// The units a document concerns, for the unit filter (an item's responsible units too).
    pub unit: Field,
    pub plan: Field,
    pub period: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        kind: b.add_text_field("kind", STRING | STORED),
        ref_id: b.add_i64_field("ref_id", STORED),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text),
        link: b.add_text_field("link", STORED),
        owner: b.add_i64_field("owner", INDEXED),
        unit: b.add_i64_field("unit", INDEXED),
        plan: b.add_i64_field("plan", INDEXED | STORED),
        period: b.add_text_field("period", STRING | STORED),
    };
    (b.build(), fields)
}

/// A row of `search_docs` as the index takes it.
struct DocRow {
    kind: String,
    ref_id: i64,
    title: String,
    body: String,
    link: String,
    unit_id: Option<i64>,
    plan_id: Option<i64>,
    period: Option<String>,
    units: String,
}

const COLUMNS: &str = "kind, ref_id, title, body, link, unit_id, plan_id, period, units";

fn read_row(r: &sqlx::any::AnyRow) -> DocRow {
    DocRow {
        kind: r.get(0),
        ref_id: r.get(1),
        title: r.get(2),
        body: r.get(3),
        link: r.get(4),
        unit_id: r.get(5),
        plan_id: r.get(6),
        period: r.get(7),
        units: r.get(8),
    }
}

pub(crate) fn key(kind: &str, ref_id: i64) -> String {
    format!("{kind}:{ref_id}")
}

impl Fields {
    fn document(&self, r: &DocRow) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        d.add_text(self.key, key(&r.kind, r.ref_id));
        d.add_text(self.kind, &r.kind);
        d.add_i64(self.ref_id, r.ref_id);
        d.add_text(self.title, &r.title);
        d.add_text(self.body, &r.body);
        d.add_text(self.link, &r.link);
        let units: Vec<i64> = r.units.split(',').filter_map(|u| u.trim().parse().ok()).collect();
        for u in &units {
            d.add_i64(self.unit, *u);
        }
        // Who a document is private to (see `Store::search_visible`): a 督办件 its lead and
        // co-units; a report or a finding its unit; plan text nobody.
        match r.kind.as_str() {
            "directive" => units.iter().for_each(|u| d.add_i64(self.owner, *u)),
            _ => {
                if let Some(u) = r.unit_id {
                    d.add_i64(self.owner, u);
                }
            }
        }
        if let Some(p) = r.plan_id {
            d.add_i64(self.plan, p);
        }
        if let Some(p) = &r.period {
            d.add_text(self.period, p);
        }
        d
    }
}

fn index_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(sqlx::Error::Protocol(format!("检索索引出错:{e}")))
}

/// Where the index stands against the database.
struct Synced {
    /// The data version whose documents are all in the index.
    watermark: i64,
}

pub(crate) struct Engine {
    pub(crate) fields: Fields,
    pub(crate) reader: IndexReader,
    writer: Mutex<IndexWriter>,
    pool: AnyPool,
    synced: tokio::sync::Mutex<Synced>,
    /// When the last look at the database finished (ms since `born`).
    looked_at: AtomicU64,
    /// This process's write commits counted at the last look (see [`Engine::is_fresh`]).
    commits_seen: AtomicU64,
    /// Raised at every change of the index, for the answers cached by it.
    pub(crate) generation: AtomicU64,
    born: Instant,
}

impl Engine {
    /// Builds the index from the whole table and starts keeping it in step.
    pub(crate) async fn start(pool: AnyPool, commits: u64) -> Result<Arc<Engine>> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(TOKENIZER, tantivy::tokenizer::TextAnalyzer::from(JiebaTokenizer));
        let writer: IndexWriter = index.writer_with_num_threads(1, WRITER_BUDGET).map_err(index_error)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(index_error)?;
        let engine = Arc::new(Engine {
            fields,
            reader,
            writer: Mutex::new(writer),
            pool,
            synced: tokio::sync::Mutex::new(Synced { watermark: -1 }),
            looked_at: AtomicU64::new(0),
            commits_seen: AtomicU64::new(0),
            generation: AtomicU64::new(0),
            born: Instant::now(),
        });
        engine.sync(commits, true).await?;
        let weak = Arc::downgrade(&engine);
        tokio::spawn(poll(weak));
        Ok(engine)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.born.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether a search may answer without looking at the database first: this process
    /// committed no write since the last look, and that look is recent.
    pub(crate) fn is_fresh(&self, commits: u64) -> bool {
        self.commits_seen.load(Ordering::Acquire) == commits
            && self.now_ms().saturating_sub(self.looked_at.load(Ordering::Acquire)) < STALE.as_millis() as u64
    }

    /// Reads what changed since the watermark into the index. `commits` is this process's
    /// count of write commits, read before the look, so a commit during it is looked for again.
    pub(crate) async fn sync(self: &Arc<Self>, commits: u64, force: bool) -> Result<()> {
        let mut synced = self.synced.lock().await;
        if !force && self.is_fresh(commits) {
            // Another search looked while this one waited for the turn.
            return Ok(());
        }
        let version: i64 =
            sqlx::query("SELECT version FROM data_version WHERE id = 1").fetch_one(&self.pool).await?.get(0);
        if version != synced.watermark {
            if version < synced.watermark || synced.watermark < 0 {
                self.rebuild().await?;
            } else {
                let rows = sqlx::query(sql!("SELECT {COLUMNS} FROM search_docs WHERE seq > $1"))
                    .bind(synced.watermark)
                    .fetch_all(&self.pool)
                    .await?;
                let rows: Vec<DocRow> = rows.iter().map(read_row).collect();
                self.apply(rows, false).await?;
            }
            synced.watermark = version;
        }
        self.commits_seen.store(commits, Ordering::Release);
        self.looked_at.store(self.now_ms(), Ordering::Release);
        Ok(())
    }

    /// Every document again, read a page at a time (in key order) so that memory stays flat.
    async fn rebuild(self: &Arc<Self>) -> Result<()> {
        self.clear().await?;
        let (mut kind, mut ref_id) = (String::new(), i64::MIN);
        loop {
            let rows = sqlx::query(sql!(
                "SELECT {COLUMNS} FROM search_docs WHERE kind > $1 OR (kind = $1 AND ref_id > $2) \
                 ORDER BY kind, ref_id LIMIT {PAGE}"
            ))
            .bind(&kind)
            .bind(ref_id)
            .fetch_all(&self.pool)
            .await?;
            let Some(last) = rows.last() else { break };
            (kind, ref_id) = (last.get(0), last.get(1));
            let rows: Vec<DocRow> = rows.iter().map(read_row).collect();
            self.apply(rows, true).await?;
        }
        self.commit().await
    }

    async fn clear(&self) -> Result<()> {
        self.writer.lock().map_err(index_error)?.delete_all_documents().map_err(index_error)?;
        Ok(())
    }

    /// Puts rows into the index (replacing earlier versions of the same documents) and, unless
    /// `building`, commits them.
    async fn apply(self: &Arc<Self>, rows: Vec<DocRow>, building: bool) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        // The writer hands documents to its indexing thread and may wait for it, and a commit
        // waits for the thread: off the runtime.
        let this = self.clone();
        tokio::task::spawn_blocking(move || -> Result<()> {
            let writer = this.writer.lock().map_err(index_error)?;
            for r in &rows {
                if !building {
                    writer.delete_term(Term::from_field_text(this.fields.key, &key(&r.kind, r.ref_id)));
                }
                writer.add_document(this.fields.document(r)).map_err(index_error)?;
            }
            drop(writer);
            if building { Ok(()) } else { this.commit_blocking() }
        })
        .await
        .map_err(index_error)?
    }

    async fn commit(self: &Arc<Self>) -> Result<()> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.commit_blocking()).await.map_err(index_error)?
    }

    fn commit_blocking(&self) -> Result<()> {
        let mut writer = self.writer.lock().map_err(index_error)?;
        writer.commit().map_err(index_error)?;
        self.reader.reload().map_err(index_error)?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }
}

/// The background look for other processes' writes, while the engine lives.
async fn poll(engine: Weak<Engine>) {
    loop {
        tokio::time::sleep(POLL).await;
        let Some(engine) = engine.upgrade() else { return };
        if engine.pool.is_closed() {
            return;
        }
        // Not this process's commits: those are looked for by its searches.
        let commits = engine.commits_seen.load(Ordering::Acquire);
        if let Err(e) = engine.sync(commits, true).await {
            tracing::warn!("search index: {e}");
        }
    }
}

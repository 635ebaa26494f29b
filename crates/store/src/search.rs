//! Chinese full-text search over items, measures and reports. Text is cut into words with
//! jieba when it is written; a query is cut the same way and finds the documents holding
//! every word. See the schema for why this is a plain table rather than FTS5 or tsvector.

use crate::group_commit::{Batch, JobFuture};
use crate::{Result, Store};
use jieba_rs::Jieba;
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeSet;
use std::sync::LazyLock;
use utoipa::ToSchema;

/// Loading the dictionary takes a moment; do it once per process.
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// The words of a text as indexed: jieba's search-mode cut, lower-cased, without
/// punctuation and blanks.
pub fn terms(text: &str) -> BTreeSet<String> {
    JIEBA
        .cut_for_search(text, true)
        .into_iter()
        .map(|w| w.word.trim().to_lowercase())
        .filter(|w| !w.is_empty() && w.chars().any(|c| c.is_alphanumeric()))
        .filter(|w| w.chars().count() <= 32)
        .collect()
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Hit {
    /// item, measure, report, finding (of a visit) or directive (督办件)
    pub kind: String,
    pub ref_id: i64,
    pub title: String,
    /// Up to 120 characters around the first match.
    pub snippet: String,
    /// Where the hit lives in the API.
    pub link: String,
    /// The query's words, for highlighting.
    pub terms: Vec<String>,
}

/// One searchable document, its words already cut (see [`terms`]): documents are made before
/// the write transaction they go into, so that it does not wait on the cutting.
pub(crate) struct Doc {
    /// item, measure or report
    pub kind: &'static str,
    pub ref_id: i64,
    pub title: String,
    pub body: String,
    /// Where the document lives in the API.
    pub link: String,
    /// The unit whose document it is (reports), or none (plan text, visible to all).
    pub unit_id: Option<i64>,
    pub words: Vec<String>,
}

impl Doc {
    pub(crate) fn new(
        kind: &'static str,
        ref_id: i64,
        title: String,
        body: String,
        link: String,
        unit_id: Option<i64>,
    ) -> Doc {
        let words = terms(&format!("{title}\n{body}")).into_iter().collect();
        Doc { kind, ref_id, title, body, link, unit_id, words }
    }
}

/// Takes a document out of the index (before it is indexed again).
pub(crate) async fn remove(tx: &mut sqlx::AnyConnection, kind: &str, ref_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM search_terms WHERE kind = $1 AND ref_id = $2")
        .bind(kind)
        .bind(ref_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM search_docs WHERE kind = $1 AND ref_id = $2")
        .bind(kind)
        .bind(ref_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Documents are indexed by the group that commits their change (see
/// [`crate::group_commit`]); of two for the same object in one group, the later stands (a
/// report saved twice in one group is indexed once, as the later save left it). A document's
/// old words must already be gone (see [`remove`]).
impl Batch for Vec<Doc> {
    fn merge(&mut self, later: Self) {
        for doc in later {
            self.retain(|d| (d.kind, d.ref_id) != (doc.kind, doc.ref_id));
            self.push(doc);
        }
    }

    fn insert<'c>(&'c self, conn: &'c mut sqlx::AnyConnection) -> JobFuture<'c, ()> {
        Box::pin(add_all(conn, self))
    }
}

/// Indexes documents that are not in the index, a few statements for all of them.
pub(crate) async fn add_all(tx: &mut sqlx::AnyConnection, docs: &[Doc]) -> Result<()> {
    for chunk in docs.chunks(crate::sql::rows_per_statement(6)) {
        let rows = crate::sql::placeholders(chunk.len(), 6);
        let mut q =
            sqlx::query(sql!("INSERT INTO search_docs (kind, ref_id, title, body, link, unit_id) VALUES {rows}"));
        for d in chunk {
            q = q.bind(d.kind).bind(d.ref_id).bind(&d.title).bind(&d.body).bind(&d.link).bind(d.unit_id);
        }
        q.execute(&mut *tx).await?;
    }
    let words: Vec<(&str, i64, &str)> =
        docs.iter().flat_map(|d| d.words.iter().map(move |w| (d.kind, d.ref_id, w.as_str()))).collect();
    for chunk in words.chunks(crate::sql::rows_per_statement(3)) {
        let rows = crate::sql::placeholders(chunk.len(), 3);
        let mut q = sqlx::query(sql!("INSERT INTO search_terms (kind, ref_id, term) VALUES {rows}"));
        for (kind, ref_id, word) in chunk {
            q = q.bind(*kind).bind(*ref_id).bind(*word);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

fn snippet(body: &str, terms: &[String]) -> String {
    let chars: Vec<char> = body.chars().collect();
    let lower = body.to_lowercase();
    let first =
        terms.iter().filter_map(|t| lower.find(t.as_str())).min().map_or(0, |byte| lower[..byte].chars().count());
    let start = first.saturating_sub(30);
    let text: String = chars.iter().skip(start).take(120).collect();
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(&text);
    if start + 120 < chars.len() {
        out.push('…');
    }
    out
}

/// Which findings of visits and which 督办件 a search may show (the store's visit scope, as
/// search needs it: `inspections` converts its `VisitScope` into this, so search does not
/// depend on visits). A unit sees the 督办件 it leads or joins, an inspector none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingsVisible {
    /// Every finding (the office, leaders).
    All,
    /// A unit's own findings.
    Unit(i64),
    /// An inspector's: of their own visits and their assigned schools.
    Inspector(i64),
    /// None.
    Nothing,
}

impl Store {
    /// Documents holding every word of `query`, visible to `unit` (None: all units), at most
    /// `limit`, items first. A unit sees its own findings of visits, the bureau all.
    pub async fn search(&self, query: &str, unit: Option<i64>, limit: usize) -> Result<Vec<Hit>> {
        let visits = match unit {
            None => FindingsVisible::All,
            Some(u) => FindingsVisible::Unit(u),
        };
        self.search_visible(query, unit, visits, limit).await
    }

    /// As [`Store::search`], with the findings of visits as `visits` sees them: the office
    /// all, a unit its own, an inspector those of their own visits and of their assigned
    /// schools, anyone else none; and 督办件: the office all, a unit those it leads or joins,
    /// anyone else none.
    pub async fn search_visible(
        &self,
        query: &str,
        unit: Option<i64>,
        visits: FindingsVisible,
        limit: usize,
    ) -> Result<Vec<Hit>> {
        let words: Vec<String> = terms(query).into_iter().take(16).collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        // Placeholders only: the words themselves are bound.
        let placeholders: Vec<String> = (0..words.len()).map(|i| format!("${}", i + 4)).collect();
        // Which findings: a fixed clause per scope, its one value bound as $3.
        let (findings, who) = match visits {
            FindingsVisible::All => ("$3 = 0", 0),
            FindingsVisible::Unit(u) => ("d.unit_id = $3", u),
            FindingsVisible::Inspector(me) => (
                "d.ref_id IN (SELECT f.id FROM findings f JOIN inspections i ON i.id = f.inspection_id \
                 WHERE i.id IN (SELECT inspection_id FROM inspection_inspectors WHERE user_id = $3) \
                 OR f.unit_id IN (SELECT unit_id FROM inspector_schools WHERE user_id = $3) \
                 OR i.unit_id IN (SELECT unit_id FROM inspector_schools WHERE user_id = $3))",
                me,
            ),
            FindingsVisible::Nothing => ("$3 = 1", 0),
        };
        // Which 督办件: all, a unit's (led or joined, the same $3), or none.
        let directives = match visits {
            FindingsVisible::All => "$3 = 0",
            FindingsVisible::Unit(_) => "d.ref_id IN (SELECT directive_id FROM directive_units WHERE unit_id = $3)",
            FindingsVisible::Inspector(_) | FindingsVisible::Nothing => "1 = 0",
        };
        let sql = format!(
            "SELECT d.kind, d.ref_id, d.title, d.body, d.link FROM search_docs d JOIN \
             (SELECT kind, ref_id FROM search_terms WHERE term IN ({}) GROUP BY kind, ref_id HAVING COUNT(*) = $1) m \
             ON m.kind = d.kind AND m.ref_id = d.ref_id \
             WHERE (d.kind NOT IN ('finding', 'directive') AND ($2 IS NULL OR d.unit_id IS NULL OR d.unit_id = $2)) \
             OR (d.kind = 'finding' AND {findings}) \
             OR (d.kind = 'directive' AND {directives}) \
             ORDER BY CASE d.kind WHEN 'item' THEN 0 WHEN 'measure' THEN 1 WHEN 'report' THEN 2 ELSE 3 END, d.ref_id \
             LIMIT {}",
            placeholders.join(", "),
            limit.min(200)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(words.len() as i64).bind(unit).bind(who);
        for w in &words {
            q = q.bind(w.clone());
        }
        let rows = q.fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let body: String = r.get(3);
                Hit {
                    kind: r.get(0),
                    ref_id: r.get(1),
                    title: r.get(2),
                    snippet: snippet(&body, &words),
                    link: r.get(4),
                    terms: words.clone(),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_character_words_are_terms() {
        let t = terms("推进学前教育普及普惠,新建幼儿园3所。");
        for w in ["学前", "教育", "普及", "普惠", "幼儿园", "新建"] {
            assert!(t.contains(w), "{w} in {t:?}");
        }
        assert!(!t.contains(","));
    }

    fn doc(ref_id: i64, body: &str) -> Doc {
        Doc {
            kind: "report",
            ref_id,
            title: String::new(),
            body: body.into(),
            link: String::new(),
            unit_id: None,
            words: vec![body.into()],
        }
    }

    /// A report saved twice in one group is indexed once, as the later save left it.
    #[test]
    fn the_later_of_two_documents_for_one_object_stands() {
        let mut docs = vec![doc(7, "第一次"), doc(8, "另一份")];
        docs.merge(vec![doc(7, "第二次")]);
        let bodies: Vec<(i64, &str)> = docs.iter().map(|d| (d.ref_id, d.body.as_str())).collect();
        assert_eq!(bodies, [(8, "另一份"), (7, "第二次")]);
    }

    #[test]
    fn snippet_centres_on_the_match() {
        let body = format!("{}普惠性覆盖率达到94%{}", "甲".repeat(100), "乙".repeat(100));
        let s = snippet(&body, &["普惠".to_string()]);
        assert!(s.starts_with('…') && s.contains("普惠性覆盖率"), "{s}");
    }
}

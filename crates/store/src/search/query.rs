//! A search as asked (words, phrases in quotes, filters, a page) turned into a tantivy query,
//! run, and its hits dressed with snippets; answers kept per state of the index.

use super::engine::{Engine, Fields, key};
use super::words::{phrase_words, search_words};
use super::{FindingsVisible, Found, Hit, snippet};
use crate::{Result, StoreError};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery, TermSetQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

/// The kinds of documents, as the `kind` filter names them.
pub const KINDS: [&str; 5] = ["item", "measure", "report", "finding", "directive"];

/// A title match weighs this much more than one in the text.
const TITLE_BOOST: f32 = 2.0;
/// At most this many words and phrases of a query count (a pasted paragraph is not a query).
const MAX_PARTS: usize = 16;
/// Snippets are this long, in characters.
const SNIPPET_CHARS: usize = 120;
/// Answers kept per state of the index; past this, the oldest state's are dropped whole.
const CACHE_ENTRIES: usize = 512;

/// What to look for, and which page of the hits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SearchRequest {
    /// Words (all must appear, in any order) and phrases in quotes ("…" or “…”, their words
    /// in a row).
    pub text: String,
    /// Only this kind (see [`KINDS`]).
    pub kind: Option<String>,
    /// Only documents of this plan.
    pub plan: Option<i64>,
    /// Only documents concerning this unit.
    pub unit: Option<i64>,
    /// Only documents of this month (YYYY-MM).
    pub period: Option<String>,
    /// Hits per page (0 means none: the count only).
    pub limit: usize,
    /// Hits skipped before the page.
    pub offset: usize,
}

/// Who asks: the unit whose private documents they see (None: all), and their view of
/// findings and 督办件, with an inspector's findings looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Scope {
    pub unit: Option<i64>,
    pub visits: FindingsVisible,
    pub inspected: Option<Vec<i64>>,
}

/// One part of a query: a word, or a phrase's words with their offsets.
enum Part {
    Word(String),
    Phrase(Vec<(usize, String)>),
}

/// Splits the text into words and quoted phrases, and the strings a snippet marks.
fn parts(text: &str) -> (Vec<Part>, Vec<String>) {
    let mut parts = Vec::new();
    let mut marks = Vec::new();
    let mut loose = String::new();
    let mut rest = text;
    while let Some(open) = rest.find(['"', '“', '”']) {
        loose.push_str(&rest[..open]);
        loose.push(' ');
        let after = &rest[open..];
        let q = after.chars().next().map_or(1, char::len_utf8);
        let inner = &after[q..];
        match inner.find(['"', '“', '”']) {
            Some(close) => {
                let phrase = &inner[..close];
                let words = phrase_words(phrase);
                match words.len() {
                    0 => {}
                    1 => parts.push(Part::Word(words[0].1.clone())),
                    _ => parts.push(Part::Phrase(words)),
                }
                let mark = phrase.trim().to_lowercase();
                if !mark.is_empty() {
                    marks.push(mark);
                }
                rest = &inner[close + inner[close..].chars().next().map_or(1, char::len_utf8)..];
            }
            // An unclosed quote: the rest is plain words.
            None => {
                rest = inner;
                break;
            }
        }
    }
    loose.push_str(rest);
    let mut seen: Vec<String> = Vec::new();
    for (_, w) in search_words(&loose) {
        if !seen.contains(&w) {
            seen.push(w.clone());
            marks.push(w.clone());
            parts.push(Part::Word(w));
        }
    }
    parts.truncate(MAX_PARTS);
    (parts, marks)
}

fn term_in(f: tantivy::schema::Field, word: &str) -> Term {
    Term::from_field_text(f, word)
}

/// A word or phrase that must be in the title or the text; found in the title it counts
/// double.
fn part_query(f: &Fields, part: &Part) -> Box<dyn Query> {
    let in_field = |field| -> Box<dyn Query> {
        match part {
            Part::Word(w) => Box::new(TermQuery::new(term_in(field, w), IndexRecordOption::WithFreqs)),
            Part::Phrase(words) => {
                Box::new(PhraseQuery::new_with_offset(words.iter().map(|(at, w)| (*at, term_in(field, w))).collect()))
            }
        }
    };
    Box::new(BooleanQuery::new(vec![
        (Occur::Should, Box::new(BoostQuery::new(in_field(f.title), TITLE_BOOST))),
        (Occur::Should, in_field(f.body)),
    ]))
}

/// A clause that filters without scoring.
fn filter(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
}

fn kind_is(f: &Fields, kind: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(f.kind, kind), IndexRecordOption::Basic))
}

fn all_of(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Must, q)).collect()))
}

fn owned_by(f: &Fields, unit: i64) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_i64(f.owner, unit), IndexRecordOption::Basic))
}

/// What the asker may see, as a query; None when they see everything.
fn visible(f: &Fields, scope: &Scope) -> Option<Box<dyn Query>> {
    if scope.unit.is_none() && scope.visits == FindingsVisible::All {
        return None;
    }
    let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    // Plan text for everyone; reports for their unit (and the bureau).
    let plan_text = || -> Box<dyn Query> {
        Box::new(BooleanQuery::new(vec![(Occur::Should, kind_is(f, "item")), (Occur::Should, kind_is(f, "measure"))]))
    };
    match scope.unit {
        None => {
            any.push((Occur::Should, plan_text()));
            any.push((Occur::Should, kind_is(f, "report")));
        }
        Some(u) => {
            any.push((Occur::Should, plan_text()));
            any.push((Occur::Should, all_of(vec![kind_is(f, "report"), owned_by(f, u)])));
        }
    }
    match (scope.visits, &scope.inspected) {
        (FindingsVisible::All, _) => {
            any.push((Occur::Should, kind_is(f, "finding")));
            any.push((Occur::Should, kind_is(f, "directive")));
        }
        (FindingsVisible::Unit(u), _) => {
            any.push((Occur::Should, all_of(vec![kind_is(f, "finding"), owned_by(f, u)])));
            any.push((Occur::Should, all_of(vec![kind_is(f, "directive"), owned_by(f, u)])));
        }
        (FindingsVisible::Inspector(_), Some(ids)) => {
            let keys = ids.iter().map(|id| Term::from_field_text(f.key, &key("finding", *id)));
            any.push((Occur::Should, Box::new(TermSetQuery::new(keys))));
        }
        (FindingsVisible::Inspector(_), None) | (FindingsVisible::Nothing, _) => {}
    }
    Some(Box::new(BooleanQuery::new(any)))
}

/// The whole query: every part, the filters, the asker's view. None when nothing is asked.
fn build(f: &Fields, request: &SearchRequest, parts: &[Part], scope: &Scope) -> Option<Box<dyn Query>> {
    if parts.is_empty() {
        return None;
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = parts.iter().map(|p| (Occur::Must, part_query(f, p))).collect();
    if let Some(kind) = &request.kind {
        clauses.push(filter(kind_is(f, kind)));
    }
    if let Some(plan) = request.plan {
        clauses.push(filter(Box::new(TermQuery::new(Term::from_field_i64(f.plan, plan), IndexRecordOption::Basic))));
    }
    if let Some(unit) = request.unit {
        clauses.push(filter(Box::new(TermQuery::new(Term::from_field_i64(f.unit, unit), IndexRecordOption::Basic))));
    }
    if let Some(period) = &request.period {
        clauses
            .push(filter(Box::new(TermQuery::new(Term::from_field_text(f.period, period), IndexRecordOption::Basic))));
    }
    if let Some(v) = visible(f, scope) {
        clauses.push(filter(v));
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

fn search_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(sqlx::Error::Protocol(format!("检索出错:{e}")))
}

fn text_of(doc: &TantivyDocument, field: tantivy::schema::Field) -> String {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string()
}

/// Runs `request` on the index as it stands.
fn run(engine: &Engine, request: &SearchRequest, scope: &Scope) -> Result<Found> {
    let (parts, marks) = parts(&request.text);
    let f = &engine.fields;
    let Some(query) = build(f, request, &parts, scope) else {
        return Ok(Found { total: 0, hits: Vec::new() });
    };
    let searcher = engine.reader.searcher();
    let (top, total) = if request.limit == 0 {
        (Vec::new(), searcher.search(&query, &Count).map_err(search_error)?)
    } else {
        let top = TopDocs::with_limit(request.limit).and_offset(request.offset).order_by_score();
        searcher.search(&query, &(top, Count)).map_err(search_error)?
    };
    let weights = weights(&searcher, f, &marks);
    let hits = top
        .into_iter()
        .map(|(score, at)| hit(&searcher, f, at, score, &weights, &marks))
        .collect::<Result<Vec<Hit>>>()?;
    Ok(Found { total, hits })
}

/// How much each marked string counts in choosing a snippet: rarer words more (the idf
/// BM25 gives them), so the snippet shows the part of the text that made the hit.
fn weights(searcher: &Searcher, f: &Fields, marks: &[String]) -> Vec<(String, f32)> {
    let n = searcher.num_docs() as f32;
    marks
        .iter()
        .map(|m| {
            let df = searcher.doc_freq(&term_in(f.body, m)).unwrap_or(0) as f32;
            (m.clone(), (1.0 + (n - df + 0.5) / (df + 0.5)).ln().max(0.1))
        })
        .collect()
}

fn hit(
    searcher: &Searcher,
    f: &Fields,
    at: DocAddress,
    score: f32,
    weights: &[(String, f32)],
    marks: &[String],
) -> Result<Hit> {
    let doc: TantivyDocument = searcher.doc(at).map_err(search_error)?;
    let body = text_of(&doc, f.body);
    let (snippet, highlights) = snippet::best(&body, weights, SNIPPET_CHARS);
    let period = text_of(&doc, f.period);
    Ok(Hit {
        kind: text_of(&doc, f.kind),
        ref_id: doc.get_first(f.ref_id).and_then(|v| v.as_i64()).unwrap_or_default(),
        title: text_of(&doc, f.title),
        snippet,
        highlights,
        link: text_of(&doc, f.link),
        plan_id: doc.get_first(f.plan).and_then(|v| v.as_i64()),
        period: (!period.is_empty()).then_some(period),
        score,
        terms: marks.to_vec(),
    })
}

/// Answers per state of the index: the same search of the same asker costs a lookup until
/// the index changes (most searches are a few common words, asked again and again).
#[derive(Default)]
pub(crate) struct Cache {
    kept: Mutex<Kept>,
}

/// The index generation the answers were made at, and the answers by search and asker.
type Kept = (u64, HashMap<(SearchRequest, Scope), Arc<Found>>);

impl Cache {
    pub(crate) fn answer(&self, engine: &Engine, request: &SearchRequest, scope: &Scope) -> Result<Arc<Found>> {
        // The generation before the search: an index changed during it makes the answer
        // kept under the old generation, which the next search discards.
        let generation = engine.generation.load(Ordering::Acquire);
        let key = (request.clone(), scope.clone());
        {
            let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            if kept.0 == generation
                && let Some(found) = kept.1.get(&key)
            {
                return Ok(found.clone());
            }
        }
        let found = Arc::new(run(engine, request, scope)?);
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.0 != generation || kept.1.len() >= CACHE_ENTRIES {
            *kept = (generation, HashMap::new());
        }
        kept.1.insert(key, found.clone());
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_make_phrases_and_the_rest_words() {
        let (p, marks) = parts("“学前教育普及” 幼儿园 \"督导\"");
        let phrases: Vec<&Vec<(usize, String)>> =
            p.iter().filter_map(|p| if let Part::Phrase(w) = p { Some(w) } else { None }).collect();
        assert_eq!(phrases.len(), 1);
        assert_eq!(phrases[0].first().map(|(at, _)| *at), Some(0));
        let words: Vec<&str> =
            p.iter().filter_map(|p| if let Part::Word(w) = p { Some(w.as_str()) } else { None }).collect();
        assert!(words.contains(&"幼儿园") && words.contains(&"督导"), "{words:?}");
        assert!(marks.contains(&"学前教育普及".to_string()), "{marks:?}");
        // An unclosed quote is plain words.
        let (p, _) = parts("\"学前教育");
        assert!(p.iter().all(|p| matches!(p, Part::Word(_))) && !p.is_empty());
        assert!(parts(" ,。“”").0.is_empty());
        let (p, _) = parts("\"选址论证\" 廉政");
        let shape: Vec<usize> = p.iter().map(|p| if let Part::Phrase(w) = p { w.len() } else { 1 }).collect();
        let (q, _) = parts("“选址论证”");
        let other: Vec<usize> = q.iter().map(|p| if let Part::Phrase(w) = p { w.len() } else { 1 }).collect();
        assert_eq!((shape, other), (vec![2, 1], vec![2]), "{:?}", phrase_words("选址论证"));
    }
}

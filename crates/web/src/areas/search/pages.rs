//! 搜索: the plan's items and measures for everyone, reports for their unit and the bureau,
//! best first, with the words found marked in each snippet.

use super::{SearchParams, scope};
use crate::AppState;
use crate::pages::{PageResult, Viewer, render};
use askama::Template;
use axum::extract::{Query, State};
use store::StoreError;
use store::search::Hit;

pub struct Result {
    pub kind: &'static str,
    pub title: String,
    pub link: String,
    /// The snippet cut into (marked?, text) pieces.
    pub pieces: Vec<(bool, String)>,
    pub period: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    ctx: crate::pages::Ctx,
    q: String,
    kind: String,
    period: String,
    /// Filters the form does not show, carried over (a link may name a plan or a unit).
    plan: String,
    unit: String,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    total: usize,
    first: usize,
    results: Vec<Result>,
    /// Links to the pages before and after this one.
    previous: Option<String>,
    next: Option<String>,
}

/// What a kind is called on the page.
fn kind_label(kind: &str) -> &'static str {
    match kind {
        "item" => "事项",
        "measure" => "措施",
        "report" => "报告",
        "finding" => "督导问题",
        "directive" => "督办件",
        _ => "其他",
    }
}

/// The page for a hit: the API link of a plan item becomes its task page.
fn page_link(api_link: &str) -> String {
    if let Some((_, task)) = api_link.split_once("#task-") {
        return format!("/tasks/{task}");
    }
    api_link.strip_prefix("/api/v1").unwrap_or(api_link).to_string()
}

/// Cuts the snippet into pieces at its marks ([start, end) in characters).
fn pieces(snippet: &str, marks: &[[usize; 2]]) -> Vec<(bool, String)> {
    let chars: Vec<char> = snippet.chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    for [start, end] in marks.iter().copied() {
        let (start, end) = (start.min(chars.len()), end.min(chars.len()));
        if start < at || start >= end {
            continue;
        }
        if start > at {
            out.push((false, chars[at..start].iter().collect()));
        }
        out.push((true, chars[start..end].iter().collect()));
        at = end;
    }
    if at < chars.len() {
        out.push((false, chars[at..].iter().collect()));
    }
    out
}

fn result(h: &Hit) -> Result {
    Result {
        kind: kind_label(&h.kind),
        title: h.title.clone(),
        link: page_link(&h.link),
        pieces: pieces(&h.snippet, &h.highlights),
        period: h.period.clone(),
    }
}

/// The query string of this search at another offset.
fn at_offset(p: &SearchParams, offset: usize) -> String {
    let mut url = form_urlencoded::Serializer::new(String::new());
    url.append_pair("q", p.q.trim());
    for (name, value) in [("kind", &p.kind), ("period", &p.period), ("plan", &p.plan), ("unit", &p.unit)] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            url.append_pair(name, v.trim());
        }
    }
    if offset > 0 {
        url.append_pair("offset", &offset.to_string());
    }
    format!("/search?{}", url.finish())
}

pub async fn search(State(state): State<AppState>, viewer: Viewer, Query(p): Query<SearchParams>) -> PageResult {
    let text = |v: &Option<String>| v.as_deref().unwrap_or_default().trim().to_string();
    let mut page = SearchPage {
        q: p.q.trim().to_string(),
        kind: text(&p.kind),
        period: text(&p.period),
        plan: text(&p.plan),
        unit: text(&p.unit),
        kinds: store::search::KINDS.iter().map(|k| (*k, kind_label(k))).collect(),
        error: None,
        total: 0,
        first: 0,
        results: Vec::new(),
        previous: None,
        next: None,
        ctx: viewer.ctx,
    };
    if page.q.is_empty() {
        return render(&page);
    }
    let request = match p.request() {
        Ok(r) => r,
        Err(StoreError::Invalid { message, .. }) => {
            page.error = Some(message);
            return render(&page);
        }
        Err(e) => return Err(e.into()),
    };
    let (unit, visits) = scope(&page.ctx.user);
    let found = state.store.search_ranked(&request, unit, visits).await?;
    page.total = found.total;
    page.first = request.offset + 1;
    page.results = found.hits.iter().map(result).collect();
    if request.offset > 0 {
        page.previous = Some(at_offset(&p, request.offset.saturating_sub(request.limit)));
    }
    let after = request.offset + request.limit;
    if after < found.total && after <= super::MAX_OFFSET {
        page.next = Some(at_offset(&p, after));
    }
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_cut_the_snippet_into_pieces() {
        let p = pieces("…推进学前教育普及普惠,学前", &[[3, 7], [9, 11], [12, 14]]);
        let marked: Vec<&str> = p.iter().filter(|(m, _)| *m).map(|(_, t)| t.as_str()).collect();
        assert_eq!(marked, ["学前教育", "普惠", "学前"]);
        assert_eq!(p.iter().map(|(_, t)| t.as_str()).collect::<String>(), "…推进学前教育普及普惠,学前");
        // Marks out of order or beyond the text are skipped, never a panic.
        assert_eq!(pieces("短", &[[0, 9], [0, 1]]).len(), 1);
        assert_eq!(page_link("/api/v1/plans/3#task-17"), "/tasks/17");
        assert_eq!(page_link("/api/v1/assignments/5/reports/2024-03"), "/assignments/5/reports/2024-03");
    }
}

//! 搜索: the plan's items and measures for everyone, reports for their unit and the bureau,
//! with the words found highlighted.

use crate::AppState;
use crate::pages::{PageResult, Viewer, render};
use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub struct Result {
    pub kind: &'static str,
    pub title: String,
    pub link: String,
    /// The snippet cut into (highlighted?, text) pieces.
    pub pieces: Vec<(bool, String)>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    ctx: crate::pages::Ctx,
    q: String,
    error: Option<String>,
    results: Vec<Result>,
}

/// The page for a hit: the API link of a plan item becomes its task page.
fn page_link(api_link: &str) -> String {
    if let Some((_, task)) = api_link.split_once("#task-") {
        return format!("/tasks/{task}");
    }
    api_link.strip_prefix("/api/v1").unwrap_or(api_link).to_string()
}

/// Cuts `text` into pieces, marking every occurrence of any term.
fn highlight(text: &str, terms: &[String]) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let next = terms
            .iter()
            .filter(|t| !t.is_empty())
            .filter_map(|t| rest.find(t.as_str()).map(|i| (i, t.len())))
            .min_by_key(|(i, len)| (*i, usize::MAX - len));
        match next {
            Some((i, len)) => {
                if i > 0 {
                    out.push((false, rest[..i].to_string()));
                }
                out.push((true, rest[i..i + len].to_string()));
                rest = &rest[i + len..];
            }
            None => {
                out.push((false, rest.to_string()));
                break;
            }
        }
    }
    out
}

pub async fn search(State(state): State<AppState>, viewer: Viewer, Query(q): Query<SearchQuery>) -> PageResult {
    let text = q.q.trim().to_string();
    let mut page = SearchPage { q: text.clone(), error: None, results: Vec::new(), ctx: viewer.ctx };
    if text.is_empty() {
        return render(&page);
    }
    if text.chars().count() > 100 {
        page.error = Some("检索词不能超过 100 个字".into());
        return render(&page);
    }
    let unit = if page.ctx.bureau() { None } else { page.ctx.user.unit_id.or(Some(-1)) };
    let visits = store::inspections::VisitScope::of(&page.ctx.user).into();
    let hits = state.store.search_visible(&text, unit, visits, 50).await?;
    page.results = hits
        .into_iter()
        .map(|h| Result {
            kind: match h.kind.as_str() {
                "item" => "事项",
                "measure" => "措施",
                "report" => "报告",
                "finding" => "督导问题",
                "directive" => "督办件",
                _ => "其他",
            },
            pieces: highlight(&h.snippet, &h.terms),
            title: h.title,
            link: page_link(&h.link),
        })
        .collect();
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_every_term_longest_first() {
        let p = highlight("推进学前教育普及普惠,学前", &["学前".into(), "学前教育".into(), "普惠".into()]);
        let marked: Vec<&str> = p.iter().filter(|(m, _)| *m).map(|(_, t)| t.as_str()).collect();
        assert_eq!(marked, ["学前教育", "普惠", "学前"]);
        assert_eq!(p.iter().map(|(_, t)| t.as_str()).collect::<String>(), "推进学前教育普及普惠,学前");
        assert_eq!(page_link("/api/v1/plans/3#task-17"), "/tasks/17");
        assert_eq!(page_link("/api/v1/assignments/5/reports/2024-03"), "/assignments/5/reports/2024-03");
    }
}

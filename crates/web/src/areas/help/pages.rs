//! `/help`: the manual's index, a page per role, the whole manual for printing, and its
//! screenshots. Everyone may read it: a signed-in user sees it inside the usual header, a
//! signed-out one (or one who still has to change the password) with a header that leads
//! to the sign-in page.

use super::{MANUAL, ROLES, Rendered, images};
use crate::AppState;
use crate::pages::{Ctx, PageError, PageResult, Viewer, render};
use askama::Template;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;

/// One role in the manual's side list.
pub struct RoleLink {
    pub slug: &'static str,
    pub title: String,
    pub current: bool,
}

/// What every manual page shows, signed in or not.
pub struct HelpView {
    /// The page's heading.
    pub title: String,
    /// The rendered parts: one for the index or a role, every role for the print version.
    pub parts: Vec<Part>,
    pub roles: Vec<RoleLink>,
    /// The index page (which offers the printable whole).
    pub is_index: bool,
    pub is_print: bool,
}

/// One rendered document of the page.
pub struct Part {
    pub slug: &'static str,
    pub title: String,
    pub html: String,
    pub chapters: Vec<(String, String)>,
}

impl Part {
    fn of(slug: &'static str, r: &Rendered, prefix: &str) -> Part {
        // In the print version every role's chapters share one page: their anchors get the
        // role's prefix so they stay unique.
        let (html, chapters) = if prefix.is_empty() {
            (r.html.clone(), r.chapters.clone())
        } else {
            (
                r.html.replace("<h2 id=\"ch-", &format!("<h2 id=\"{prefix}ch-")),
                r.chapters.iter().map(|(id, t)| (format!("{prefix}{id}"), t.clone())).collect(),
            )
        };
        Part { slug, title: r.title.clone(), html, chapters }
    }
}

#[derive(Template)]
#[template(path = "help.html")]
struct SignedInHelp {
    ctx: Ctx,
    v: HelpView,
}

#[derive(Template)]
#[template(path = "help_open.html")]
struct OpenHelp {
    v: HelpView,
}

fn role_links(current: Option<&str>) -> Vec<RoleLink> {
    ROLES
        .iter()
        .zip(&MANUAL.roles)
        .map(|(r, doc)| RoleLink { slug: r.slug, title: doc.title.clone(), current: current == Some(r.slug) })
        .collect()
}

/// The page for whoever asks: inside the signed-in layout when the request carries a usable
/// session, the open layout otherwise.
async fn show(state: &AppState, request: Request, v: HelpView) -> PageResult {
    let (mut parts, _) = request.into_parts();
    match Viewer::from_request_parts(&mut parts, state).await {
        Ok(viewer) => render(&SignedInHelp { ctx: viewer.ctx, v }),
        Err(_) => render(&OpenHelp { v }),
    }
}

/// `GET /help`: the index of roles.
pub async fn index(State(state): State<AppState>, request: Request) -> PageResult {
    let m = &MANUAL.index;
    let v = HelpView {
        title: m.title.clone(),
        parts: vec![Part::of("", m, "")],
        roles: role_links(None),
        is_index: true,
        is_print: false,
    };
    show(&state, request, v).await
}

/// `GET /help/{role}`: one role's manual.
pub async fn role(State(state): State<AppState>, Path(slug): Path<String>, request: Request) -> PageResult {
    let Some(k) = ROLES.iter().position(|r| r.slug == slug) else { return Err(PageError::NotFound) };
    let doc = &MANUAL.roles[k];
    let v = HelpView {
        title: doc.title.clone(),
        parts: vec![Part::of(ROLES[k].slug, doc, "")],
        roles: role_links(Some(ROLES[k].slug)),
        is_index: false,
        is_print: false,
    };
    show(&state, request, v).await
}

/// `GET /help/print`: every role's manual in one document, each starting on a new page.
pub async fn print(State(state): State<AppState>, request: Request) -> PageResult {
    let parts =
        ROLES.iter().zip(&MANUAL.roles).map(|(r, doc)| Part::of(r.slug, doc, &format!("{}-", r.slug))).collect();
    let v = HelpView {
        title: format!("{}(全部角色)", MANUAL.index.title),
        parts,
        roles: role_links(None),
        is_index: false,
        is_print: true,
    };
    show(&state, request, v).await
}

/// `GET /help/images/{name}`: a screenshot compiled into the program.
pub async fn image(Path(name): Path<String>) -> PageResult {
    let Some((_, bytes)) = images().iter().find(|(n, _)| *n == name) else { return Err(PageError::NotFound) };
    let mut r = (*bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/webp"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    Ok(r)
}

/// `GET /static/manual.css`: the manual's screen and print styles.
pub async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        include_str!("../../../static/manual.css"),
    )
}

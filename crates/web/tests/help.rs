//! The user manual (操作手册) at `/help`: an index and one page per role, open to signed-out
//! and signed-in users alike, in Chinese, with every chapter of its Markdown, every
//! screenshot served as an image, a print stylesheet, and links to it from the sign-in page
//! and the signed-in header. And the repository's manual itself: the images it shows are
//! exactly the committed ones, at the sizes the browser journey takes them, and small.

mod support;

use std::collections::BTreeSet;
use support::*;
use web::areas::help::{INDEX, MANUAL, ROLES, image_refs, webp_size};

fn image_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/manual/images")
}

/// Every `src="/help/images/…"` of a page with its `width` and `height`.
fn images_of(html: &str) -> Vec<(String, u32, u32)> {
    let mut out = Vec::new();
    for tag in html.split("<img ").skip(1) {
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        let attr = |name: &str| {
            let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
            Some(tag[at..at + tag[at..].find('"')?].to_string())
        };
        let src = attr("src").expect("src");
        let w = attr("width").and_then(|w| w.parse().ok()).unwrap_or(0);
        let h = attr("height").and_then(|h| h.parse().ok()).unwrap_or(0);
        out.push((src, w, h));
    }
    out
}

/// The level-2 headings of a Markdown file: the chapters its page must show.
fn chapters_of(markdown: &str) -> Vec<String> {
    markdown.lines().filter_map(|l| l.strip_prefix("## ")).map(|t| t.trim().replace("**", "")).collect()
}

async fn get(s: &Server, cookie: Option<&str>, path: &str) -> (StatusCode, String, String) {
    let mut req = s.http.get(format!("{}{path}", s.base));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.expect("get");
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
    (r.status(), ct, r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn the_manual_is_served_to_everyone_with_every_chapter_and_image() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start_published(db.store.clone()).await;
        let reporter = s.cookie("yujiang").await;
        let leader = s.cookie("leader").await;

        // Where people find it: the sign-in page, and the header of every signed-in page.
        let (_, _, login) = get(&s, None, "/login").await;
        assert!(login.contains("href=\"/help\""), "{name}: the sign-in page links the manual");
        for cookie in [&reporter, &leader] {
            let (st, _, home) = get(&s, Some(cookie), "/home").await;
            assert_eq!(st, StatusCode::OK);
            assert!(home.contains("<a href=\"/help\">帮助</a>"), "{name}: the header links the manual");
        }

        let mut served_images = BTreeSet::new();
        for (who, cookie) in
            [("signed out", None), ("reporter", Some(reporter.as_str())), ("leader", Some(leader.as_str()))]
        {
            // The index: every role, in Chinese, inside the layout that fits the visitor.
            let (st, ct, index) = get(&s, cookie, "/help").await;
            assert_eq!(st, StatusCode::OK, "{name} {who}: /help");
            assert!(ct.starts_with("text/html"), "{ct}");
            assert!(index.contains("<html lang=\"zh-CN\">") && index.contains("督办系统操作手册"), "{name} {who}");
            assert!(index.contains("href=\"/static/manual.css\""), "{name} {who}: the manual's stylesheet");
            assert_eq!(index.contains("id=\"logout-form\""), cookie.is_some(), "{name} {who}: the layout");
            assert_eq!(index.contains("id=\"login-link\""), cookie.is_none(), "{name} {who}: the layout");
            for (role, doc) in ROLES.iter().zip(&MANUAL.roles) {
                assert!(index.contains(&format!("href=\"/help/{}\"", role.slug)), "{name} {who}: {}", role.slug);
                assert!(index.contains(&doc.title), "{name} {who}: {}", doc.title);
            }
            // Links between the Markdown files point to the served pages, not to `.md` files.
            assert!(!index.contains(".md\""), "{name} {who}: a link to a Markdown file");

            // Each role's page: its title, a contents list and every chapter of its Markdown.
            for role in ROLES {
                let path = format!("/help/{}", role.slug);
                let (st, _, page) = get(&s, cookie, &path).await;
                assert_eq!(st, StatusCode::OK, "{name} {who}: {path}");
                let title = role.markdown.lines().next().and_then(|l| l.strip_prefix("# ")).expect("a title");
                assert!(page.contains(&format!("<h1>{title}</h1>")), "{name} {who}: {path} titled {title}");
                let chapters = chapters_of(role.markdown);
                assert!(chapters.len() >= 3, "{path}: chapters {chapters:?}");
                for (k, chapter) in chapters.iter().enumerate() {
                    let heading = format!("<h2 id=\"ch-{}\">{chapter}</h2>", k + 1);
                    assert!(page.contains(&heading), "{name} {who}: {path} lacks {heading}");
                    assert!(page.contains(&format!("<a href=\"#ch-{}\">{chapter}</a>", k + 1)), "{path}: contents");
                }
                assert!(!page.contains(".md\""), "{name} {who}: {path} links a Markdown file");
                let images = images_of(&page);
                assert_eq!(images.len(), image_refs(role.markdown).len(), "{path}: every image of its Markdown");
                for (src, w, h) in images {
                    assert!(src.starts_with("/help/images/"), "{path}: {src}");
                    assert!((w, h) == (1366, 768) || (w, h) == (375, 812), "{path}: {src} sized {w}×{h}");
                    served_images.insert(src);
                }
            }
        }

        // Every image the pages show answers as an image of the size the page gives it.
        for src in &served_images {
            let r = s.http.get(format!("{}{src}", s.base)).send().await.expect("image");
            assert_eq!(r.status(), StatusCode::OK, "{name}: {src}");
            let ct = r.headers()["content-type"].to_str().expect("content-type").to_string();
            assert!(ct.starts_with("image/"), "{name}: {src} is {ct}");
            let bytes = r.bytes().await.expect("bytes");
            assert!(webp_size(&bytes).is_some(), "{name}: {src} is a WebP image");
        }

        // Printable: the stylesheet breaks pages per chapter and fits images; the bound
        // version holds every role.
        let (st, ct, css) = get(&s, None, "/static/manual.css").await;
        assert_eq!(st, StatusCode::OK);
        assert!(ct.starts_with("text/css"), "{ct}");
        let print = &css[css.find("@media print").expect("a print stylesheet")..];
        assert!(print.contains("h2 { break-before: page;"), "a page break per chapter: {print}");
        assert!(print.contains("img.shot { max-width: 100%;"), "images fit the page: {print}");
        assert!(css.contains("@page { size: A4;"), "A4 pages");
        let (st, _, all) = get(&s, None, "/help/print").await;
        assert_eq!(st, StatusCode::OK);
        for doc in &MANUAL.roles {
            assert!(all.contains(&format!("<h1 class=\"part-title\">{}</h1>", doc.title)), "{name}: {}", doc.title);
        }
        assert_eq!(images_of(&all).len(), served_images.len(), "{name}: the bound version shows every image");

        // Nothing else is served under /help.
        for path in ["/help/nobody", "/help/images/nothing.webp", "/help/images/..%2F..%2FCargo.toml"] {
            let (st, _, page) = get(&s, None, path).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{name}: {path}");
            assert!(page.contains("未找到"), "{name}: {path} answers in Chinese");
        }
        // Reading only: a POST is not a route.
        let r = s.http.post(format!("{}/help", s.base)).send().await.expect("post");
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{name}");
    }
}

#[test]
fn the_manual_shows_exactly_the_committed_screenshots_and_they_stay_small() {
    let mut shown = BTreeSet::new();
    for text in std::iter::once(INDEX).chain(ROLES.iter().map(|r| r.markdown)) {
        shown.extend(image_refs(text));
    }
    let committed: BTreeSet<String> = std::fs::read_dir(image_dir())
        .expect("docs/manual/images")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let missing: Vec<_> = shown.difference(&committed).collect();
    assert!(missing.is_empty(), "the manual shows images that are not in docs/manual/images: {missing:?}");
    let unused: Vec<_> = committed.difference(&shown).collect();
    assert!(unused.is_empty(), "images in docs/manual/images that the manual does not show: {unused:?}");
    // Every role has pictures, and the program embeds exactly these files.
    for role in ROLES {
        assert!(!image_refs(role.markdown).is_empty(), "{} has no screenshot", role.file);
    }
    let embedded: BTreeSet<String> = web::areas::help::images().iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(embedded, committed, "the program embeds the committed images");
    let mut total = 0;
    for file in &committed {
        let bytes = std::fs::read(image_dir().join(file)).expect("image");
        total += bytes.len();
        let expected = if file.contains("-375") { (375, 812) } else { (1366, 768) };
        assert_eq!(webp_size(&bytes), Some(expected), "{file}");
        assert!(bytes.len() < 300_000, "{file} is {} KB", bytes.len() / 1024);
    }
    assert!(total < 3_000_000, "the manual's images take {} KB", total / 1024);
}

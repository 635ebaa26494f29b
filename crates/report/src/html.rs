//! The bulletin as an HTML fragment for the web UI: every text escaped, charts inline SVG,
//! status cells carrying the status colour as classes (`status-green` and `fill-C6EFCE`, the
//! fill as hex), never as a style attribute: the pages' Content-Security-Policy allows no
//! inline style.

use crate::chart::escape;
use crate::outline::{Block, Table, blocks};
use domain::bulletin::{Bulletin, LEDGER_COLUMNS};
use std::fmt::Write as _;

fn table(out: &mut String, t: &Table) {
    out.push_str("<table class=\"duban-table\"><thead><tr>");
    for h in &t.header {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &t.rows {
        out.push_str("<tr>");
        for c in row {
            match c.fill {
                Some(f) => {
                    let _ = write!(out, "<td class=\"fill-{}\">{}</td>", f.hex(), escape(&c.text));
                }
                None => {
                    let _ = write!(out, "<td>{}</td>", escape(&c.text));
                }
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

pub fn render(b: &Bulletin) -> String {
    let mut out = String::from("<article class=\"duban-bulletin\">");
    // The annex being written (its label), once past the body.
    let mut annex: Option<String> = None;
    for block in blocks(b) {
        match block {
            Block::Masthead { mark, number, issuer_line } => {
                let _ = write!(
                    out,
                    "<header class=\"masthead\"><p class=\"mark\">{}</p><p class=\"doc-number\">{}</p>",
                    escape(&mark),
                    escape(&number)
                );
                if let Some((issuer, date)) = issuer_line {
                    let _ = write!(
                        out,
                        "<p class=\"issuer-line\"><span>{}</span><span>{}</span></p>",
                        escape(&issuer),
                        escape(&date)
                    );
                }
                out.push_str("</header>");
            }
            Block::Title(s) => match &annex {
                Some(label) => {
                    let _ = write!(out, "<h2>{}：{}</h2>", escape(label), escape(&s));
                }
                None => {
                    let _ = write!(out, "<h1>{}</h1>", escape(&s));
                }
            },
            Block::Addressees(s) => {
                let _ = write!(out, "<p class=\"addressees\">{}</p>", escape(&s));
            }
            Block::Heading1(s) => {
                let _ = write!(out, "<h2>{}</h2>", escape(&s));
            }
            Block::Heading2(s) => {
                let _ = write!(out, "<h3>{}</h3>", escape(&s));
            }
            Block::Para(s) => {
                let _ = write!(out, "<p>{}</p>", escape(&s));
            }
            Block::Lead { heading, text } => {
                let _ = write!(out, "<p><strong class=\"lead\">{}</strong>{}</p>", escape(&heading), escape(&text));
            }
            Block::Note(s) => {
                let _ = write!(out, "<p class=\"note\">{}</p>", escape(&s));
            }
            Block::Table(t) => table(&mut out, &t),
            Block::Chart(c) => {
                let _ = write!(out, "<figure class=\"chart\">{}</figure>", c.svg());
            }
            Block::Attachments(list) => {
                let _ = write!(out, "<p class=\"attachments\">附件：{}</p>", escape(&list.join("\u{3000}")));
            }
            Block::Signature { issuer, date } => {
                let _ = write!(out, "<p class=\"signature\">{}<br>{}</p>", escape(&issuer), escape(&date));
            }
            // Annex 1 (statistics, ranking, lagging units, the rules the body refers to) as a
            // section; then the full ledger instead of the condensed annex 2.
            Block::PageBreak if annex.is_some() => break,
            Block::PageBreak => {
                annex = Some(String::new());
                out.push_str("<section class=\"annex\">");
            }
            Block::AnnexLabel(s) => annex = Some(s),
            Block::Colophon { .. } => {}
        }
    }
    if annex.is_some() {
        out.push_str("</section>");
    }
    out.push_str("<section class=\"ledger\"><h2>附件2：任务推进台账</h2>");
    for s in &b.ledger {
        let _ = write!(out, "<h3>{}</h3><table class=\"duban-table ledger\"><thead><tr>", escape(&s.heading()));
        for h in LEDGER_COLUMNS {
            let _ = write!(out, "<th scope=\"col\">{h}</th>");
        }
        out.push_str("</tr></thead><tbody>");
        for r in &s.rows {
            out.push_str("<tr>");
            for (i, c) in r.cells().iter().enumerate() {
                if i == 11 {
                    let _ = write!(
                        out,
                        "<td class=\"status-{} fill-{}\">{}</td>",
                        r.assessment.colour.key(),
                        crate::outline::colour_fill(r.assessment.colour).hex(),
                        escape(c)
                    );
                } else {
                    let _ = write!(out, "<td>{}</td>", escape(c));
                }
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section></article>");
    out
}

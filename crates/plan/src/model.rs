//! The structured plan: what a 工作要点 document says, in the shape the rest of duban uses.
//! Serialised as the JSON of `duban plan parse --format json` (field names are a contract).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The plan's name without 《》, e.g. "2024年鹰潭市教育工作要点"; empty when none was found.
    pub title: String,
    pub meta: Meta,
    /// The overview paragraph(s) between the plan's heading and its first section.
    pub preamble: Option<String>,
    pub sections: Vec<Section>,
    /// The middle level ((一) under 一、) when a document has three levels; empty otherwise.
    pub subsections: Vec<Subsection>,
    pub items: Vec<Item>,
    pub warnings: Vec<Warning>,
    /// Detected input format: txt, docx, html, xlsx or csv.
    pub format: String,
    /// Detected text encoding for text-based inputs.
    pub encoding: Option<String>,
    /// Page furniture and the disclosure catalogue block printed before the notice.
    pub header: Option<String>,
    /// The covering notice (关于印发…的通知), its addressees and signature.
    pub notice: Option<String>,
    /// The plan's own heading line as written, when the document has one.
    pub heading: Option<String>,
    /// A web page's publication line under the heading ("发布日期:… 来源:…").
    pub byline: Option<String>,
    /// Text after the last item (signature, date, 抄送 line).
    pub closing: Option<String>,
    /// The units this document names, learned from it when the unit directory given to the
    /// parser belongs to another authority: a directory of its own, for review.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub learned_units: Vec<LearnedUnit>,
}

/// A unit named in a document, with the kind and level its name shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnedUnit {
    pub name: String,
    /// "group" (各地级以上市人民政府, 各区), "district" (a county or district government),
    /// "department" (a bureau, office or centre) or "other".
    pub kind: String,
    /// "省", "市", "区县", "乡镇" or empty when the name does not say.
    pub level: String,
    /// How many items name it.
    pub items: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub issuer: Option<String>,
    pub doc_no: Option<String>,
    /// ISO date, YYYY-MM-DD.
    pub date: Option<String>,
    pub year: Option<i32>,
    pub index_no: Option<String>,
    /// The signature line of the notice or plan (usually the issuer's full name).
    pub signature: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// Position in the document, for putting the pieces back in order (see `Plan::parts`).
    #[serde(skip)]
    pub order: u32,
    pub number: u32,
    /// The label as written, e.g. "一、".
    pub label: String,
    pub title: String,
    /// Text under the heading before the first item, if any (kept so no text is dropped).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub intro: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subsection {
    /// Position in the document, for putting the pieces back in order (see `Plan::parts`).
    #[serde(skip)]
    pub order: u32,
    pub section: u32,
    pub number: u32,
    pub label: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub intro: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Position in the document, for putting the pieces back in order (see `Plan::parts`).
    #[serde(skip)]
    pub order: u32,
    /// The number as written (items may restart in each section).
    pub number: u32,
    /// The label as written, e.g. "1." or "(一)".
    pub label: String,
    /// Number of the enclosing section; 0 when the document has no sections.
    pub section: u32,
    /// Number of the enclosing sub-section, for three-level documents.
    pub subsection: Option<u32>,
    /// The first sentence, without its closing punctuation.
    pub title: String,
    /// The punctuation (or spacing) that closed the title: "。", "：", " " or "".
    pub title_end: String,
    /// Everything after the title except the unit clause.
    pub body: String,
    /// The unit clause as written, e.g. "〔责任单位:各区(市)、基教科〕"; empty when none.
    pub units_text: String,
    pub units: Vec<UnitRef>,
    pub measures: Vec<Measure>,
    pub targets: Vec<Target>,
    /// Deadline column of a task table (完成时限), as written.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub deadline: Option<String>,
    /// Columns of a task table that have no field of their own, by header.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub extra: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// 责任单位: responsible without a lead/co distinction.
    Responsible,
    /// 牵头单位.
    Lead,
    /// 配合单位.
    Co,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRef {
    /// The directory's canonical name (or the raw name when unknown).
    pub name: String,
    /// The name as written in the document.
    pub raw: String,
    pub role: Role,
    /// A group of units (各区(市), 市直各学校, …) to be expanded to its members.
    pub group: bool,
    /// Whether the name was found in the unit directory.
    pub known: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MeasureKind {
    /// 召开/举办/开展…活动: a one-off happening with a date.
    Event,
    /// 出台/制定/印发: a document to be issued.
    Document,
    /// Carries a quantitative target.
    Target,
    /// 持续/深化/加强…: continuous work.
    Ongoing,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub text: String,
    pub kind: MeasureKind,
    /// A due date a reviewer set before publishing (YYYY-MM-DD); the milestone it becomes is
    /// then scheduled. None from the parser: documents rarely date their measures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
}

/// How a target compares (>=, <=, =, ~, range): the domain's type, so a parsed target and
/// the status computed from it can never read the sign differently.
pub use domain::Comparator;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// What is counted, e.g. "公办在园幼儿数占比".
    pub subject: String,
    pub value: f64,
    /// Upper bound of a range target ("1-2所").
    pub max: Option<f64>,
    /// "%", "所", "个", "人", ...
    pub unit: String,
    pub comparator: Comparator,
    /// Scope when the target is per school / per unit, e.g. "每个职业学校".
    pub per: Option<String>,
    /// Deadline when stated, as written ("2024年底").
    pub deadline: Option<String>,
    /// The phrase the target was read from.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The item number the warning applies to; null for document-level warnings.
    pub item: Option<u32>,
    /// Stable English key, e.g. "unclosed_bracket", "alias_applied", "unknown_unit".
    pub code: String,
    /// A sentence in Chinese for the person reviewing the plan.
    pub message: String,
}

/// One piece of the document in reading order; see [`Plan::parts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    pub kind: &'static str,
    pub text: &'a str,
}

impl Plan {
    /// Every piece of text the plan holds, in document order. Concatenated (ignoring
    /// whitespace) they reproduce the source document: this is how the tests prove that the
    /// parser drops nothing and assigns nothing twice.
    pub fn parts(&self) -> Vec<Part<'_>> {
        let mut out = Vec::new();
        for (kind, text) in [
            ("header", self.header.as_deref()),
            ("notice", self.notice.as_deref()),
            ("heading", self.heading.as_deref()),
            ("byline", self.byline.as_deref()),
            ("preamble", self.preamble.as_deref()),
        ] {
            if let Some(text) = text {
                out.push(Part { kind, text });
            }
        }
        let mut nodes: Vec<(u32, Vec<Part<'_>>)> = Vec::new();
        for s in &self.sections {
            let mut p =
                vec![Part { kind: "section_label", text: &s.label }, Part { kind: "section_title", text: &s.title }];
            if let Some(i) = &s.intro {
                p.push(Part { kind: "section_intro", text: i });
            }
            nodes.push((s.order, p));
        }
        for s in &self.subsections {
            let mut p = vec![
                Part { kind: "subsection_label", text: &s.label },
                Part { kind: "subsection_title", text: &s.title },
            ];
            if let Some(i) = &s.intro {
                p.push(Part { kind: "subsection_intro", text: i });
            }
            nodes.push((s.order, p));
        }
        for item in &self.items {
            nodes.push((
                item.order,
                vec![
                    Part { kind: "item_label", text: &item.label },
                    Part { kind: "item_title", text: &item.title },
                    Part { kind: "item_title_end", text: &item.title_end },
                    Part { kind: "item_body", text: &item.body },
                    Part { kind: "item_units", text: &item.units_text },
                ],
            ));
        }
        nodes.sort_by_key(|(order, _)| *order);
        out.extend(nodes.into_iter().flat_map(|(_, p)| p));
        if let Some(text) = self.closing.as_deref() {
            out.push(Part { kind: "closing", text });
        }
        out
    }
}

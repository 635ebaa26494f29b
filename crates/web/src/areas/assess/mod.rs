//! School data and the county assessments (优质均衡, 普及普惠). `api.rs` answers JSON,
//! `pages.rs` HTML; the upload form both read is here.

pub mod api;
pub mod pages;

use axum::extract::Multipart;
use store::schools::DataKind;

pub async fn read_import_form(form: &mut Multipart) -> Result<ImportForm, String> {
    let mut out = ImportForm {
        kind: None,
        as_of: None,
        accept_valid: false,
        note: String::new(),
        csrf: String::new(),
        file: None,
    };
    while let Some(field) = form.next_field().await.map_err(|e| format!("上传内容无法读取:{}", e.body_text()))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("data").to_string();
            let bytes = field.bytes().await.map_err(|e| format!("上传内容无法读取:{}", e.body_text()))?;
            if !bytes.is_empty() {
                out.file = Some((file_name, bytes.to_vec()));
            }
            continue;
        }
        let text = field.text().await.map_err(|e| format!("上传内容无法读取:{}", e.body_text()))?;
        match name.as_str() {
            "kind" => out.kind = DataKind::parse(text.trim()),
            "as_of" => out.as_of = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok(),
            "accept_valid" => out.accept_valid = matches!(text.trim(), "true" | "on" | "1"),
            "note" => out.note = text.trim().to_string(),
            "_csrf" => out.csrf = text,
            _ => {}
        }
    }
    Ok(out)
}

/// The fields of an import form, read from multipart.
pub struct ImportForm {
    pub kind: Option<DataKind>,
    pub as_of: Option<chrono::NaiveDate>,
    pub accept_valid: bool,
    pub note: String,
    pub csrf: String,
    pub file: Option<(String, Vec<u8>)>,
}

//! Files sent to the browser as downloads, for pages and API alike.

/// `Content-Disposition` for a download: an attachment with a UTF-8 file name, percent-encoded
/// (RFC 6266/5987), so Chinese names survive every browser.
pub(crate) fn attachment_disposition(file_name: &str) -> String {
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    format!("attachment; filename*=UTF-8''{encoded}")
}

/// An evidence file as a download: always an attachment, never rendered by the browser.
pub(crate) fn attachment(e: &store::evidence::Evidence, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let headers = [
        (header::CONTENT_TYPE, e.content_type.clone()),
        (header::CONTENT_DISPOSITION, attachment_disposition(&e.file_name)),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
    ];
    (headers, bytes).into_response()
}

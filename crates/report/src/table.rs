//! A ledger as a spreadsheet: a title, a header row and text rows, with the header frozen and
//! filterable. Pure: the caller (the 问题整改台账 page) has already chosen and formatted the
//! rows, so the file shows exactly what the page shows.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook};

/// One sheet named `sheet`: `title` in the first row, `header` in the third, then `rows`
/// (each as long as `header`; a shorter one leaves its last cells empty).
pub fn xlsx(sheet: &str, title: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, crate::Error> {
    let base = Format::new().set_font_name("宋体").set_font_size(10.5).set_border(FormatBorder::Thin);
    let head = base
        .clone()
        .set_bold()
        .set_background_color(Color::RGB(0xD9E1F2))
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let cell = base.set_text_wrap().set_align(FormatAlign::Top);
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    ws.write_string_with_format(0, 0, title, &Format::new().set_font_name("黑体").set_font_size(14).set_bold())?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &head)?;
        // Long texts (the finding, the measures) get room; short codes less.
        ws.set_column_width(c as u16, if h.chars().count() > 3 { 18 } else { 10 })?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate().take(header.len()) {
            ws.write_string_with_format(3 + r as u32, c as u16, value, &cell)?;
        }
    }
    ws.set_freeze_panes(3, 0)?;
    if !header.is_empty() {
        ws.autofilter(2, 0, 2 + rows.len() as u32, (header.len() - 1) as u16)?;
    }
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_ledger_is_a_zip_workbook() {
        let bytes = super::xlsx("台账", "问题整改台账", &["序号", "问题"], &[vec!["1".into(), "围墙破损".into()]])
            .expect("xlsx");
        assert_eq!(&bytes[..2], b"PK");
    }
}

//! The plan parser on a docx built around the input's document.xml, numbering.xml and
//! styles.xml. The regression files hold the built docx.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = plan::parse(&duban_fuzz::docx(data), duban_fuzz::directory());
});

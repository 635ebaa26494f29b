//! The plan parser on an html page: the input follows a doctype, so it is always read as
//! html. The regression files hold the whole page, doctype included.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let page = [duban_fuzz::HTML_DOCTYPE, data].concat();
    let _ = plan::parse(&page, duban_fuzz::directory());
});

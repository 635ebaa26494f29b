//! The reader of task tables written as text (pipe rows, one cell per line): never panics,
//! and the blocks it makes hold every non-blank line's text, cells included.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../text_table_check.rs"]
mod text_table_check;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        text_table_check::check(text);
    }
});

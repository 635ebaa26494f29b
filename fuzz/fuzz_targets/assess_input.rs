//! The school-data readers (schools, kindergartens, population; whole and partial) on a
//! whole file, csv or xlsx detected from its bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: duban_fuzz::let_calamine_panics_unwind(), |data: &[u8]| {
    duban_fuzz::assess_all(data);
});

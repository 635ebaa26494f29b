//! The plan parser on a whole file of any format, detected from its bytes, as `duban plan
//! parse`, `duban plan import` and the import page call it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: duban_fuzz::let_calamine_panics_unwind(), |data: &[u8]| {
    let _ = plan::parse(data, duban_fuzz::directory());
});

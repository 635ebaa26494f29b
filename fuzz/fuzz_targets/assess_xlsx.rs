//! The school-data readers on an xlsx built around the input's sheet1.xml and
//! sharedStrings.xml. The regression files hold the built xlsx.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: duban_fuzz::let_calamine_panics_unwind(), |data: &[u8]| {
    duban_fuzz::assess_all(&duban_fuzz::xlsx(data));
});

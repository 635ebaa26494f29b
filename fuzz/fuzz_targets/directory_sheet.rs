//! The unit directory sheet importer (`duban units import`, the directory page), csv or xlsx.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: duban_fuzz::let_calamine_panics_unwind(), |data: &[u8]| {
    let _ = store::directory_sheet::read(data);
});

//! CSV layer files (`code,name,parent_code,wkt` or `lon,lat` columns) as `wangge import` reads them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = wangge_formats::csv_in::read_features(text);
});

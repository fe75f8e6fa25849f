//! dBASE tables (a Shapefile's .dbf) in the encodings wangge reads them with.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wangge_formats::dbf::ldid(data);
    let _ = wangge_formats::dbf::records_are_utf8(data);
    for encoding in [encoding_rs::UTF_8, encoding_rs::GBK] {
        let _ = wangge_formats::dbf::records_decode(data, encoding);
        let _ = wangge_formats::dbf::read(data, encoding);
    }
});

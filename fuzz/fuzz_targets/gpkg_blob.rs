//! GeoPackage geometry blobs (header + WKB) and bare WKB: any bytes decode or fail, never panic
//! or allocate what the bytes merely claim; what decodes encodes again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(g) = wangge_formats::gpkg::decode(data) {
        let _ = wangge_formats::gpkg::encode(&g);
    }
    let _ = wangge_formats::wkb::read(data);
});

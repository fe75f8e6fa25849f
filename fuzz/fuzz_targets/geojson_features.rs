//! GeoJSON feature collections as `wangge import` and OGC writes read them: every input is
//! features or problems, never a panic; each feature read goes through the geometry checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wangge_core::model::Layer;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = wangge_formats::geojson::read_features(text);
    for (i, f) in parsed.features.iter().chain(&parsed.uncoded) {
        for layer in [Layer::Grid, Layer::Building] {
            let _ = wangge_core::validate::check_geometry(layer, *i, Some(&f.code), &f.geometry);
        }
    }
});

//! CQL2 text filters (`?filter=`): parsing any text ends in an expression or an error, never a
//! panic or a stack overflow; a parsed filter evaluates against a feature without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wangge_core::model::Feature;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(expr) = wangge_core::filter::parse(text) {
        let mut attrs = serde_json::Map::new();
        attrs.insert("households".into(), 420.into());
        let f = Feature {
            code: "440304006009001".into(),
            name: "网格".into(),
            parent_code: Some("440304006009".into()),
            attrs,
            geometry: geo::Geometry::Point(geo::Point::new(114.0, 22.5)),
        };
        let _ = wangge_core::filter::matches(&expr, &f);
    }
});

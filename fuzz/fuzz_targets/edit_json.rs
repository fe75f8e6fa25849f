//! Plan edits as JSON (`POST /api/v1/plans/{id}/edits`): any JSON value is an edit or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = wangge_formats::edit_json::parse_edit(&v);
    }
});

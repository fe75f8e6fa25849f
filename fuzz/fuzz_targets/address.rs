//! The address normaliser and the room-level cut (PIPL): any text normalises, and a room cut is
//! a prefix of the text it was cut from, never a panic on a byte offset.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = wangge_core::address::normalize::normalize(text);
    if let Some(cut) = wangge_core::address::redact::room_level(text) {
        assert!(text.starts_with(cut.as_str()), "{cut:?} is not a prefix of {text:?}");
    }
});

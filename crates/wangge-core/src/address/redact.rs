//! Household-level addresses (PIPL, domain.md §7): an address down to the room (室/户) identifies
//! one household; the same address cut at the building or unit does not. [`room_level`] finds the
//! room part at the end of an address so the faces can show it only to entitled callers.
//!
//! People write rooms in many ways (`502室`, `502号房`, `502房间`, `904 室`, `５０５室`, `2单元-1104`,
//! `3栋2单元 903`, `1301室(出租)`, `1001室。`, `3-2-502`). Rather than a list of suffixes, the address is
//! first reduced to a canonical sequence — full-width forms to half-width, white space dropped, trailing
//! punctuation and bracketed notes removed — that remembers where each character came from, the room
//! patterns are matched on that sequence, and the cut is made in the original text. A false positive
//! only hides a room-like tail from an unentitled caller; a false negative leaks a household, so the
//! patterns lean towards cutting.

/// One character of the canonical sequence and the byte offset in the original where it starts.
#[derive(Debug, Clone, Copy)]
struct Canon {
    c: char,
    at: usize,
}

/// Full-width ASCII forms (`５`, `－`, `（`) and the ideographic space to their half-width forms.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '—' | '–' | '‐' | '−' => '-',
        _ => c,
    }
}

/// Characters a room number is written with (digits, letters, Chinese numerals).
fn is_number_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "〇零一二三四五六七八九十百".contains(c)
}

/// Punctuation that may trail an address without changing what it names.
fn is_trailing_noise(c: char) -> bool {
    "。，,.!！;；、:：?？~·'\"“”‘’".contains(c)
}

/// Separators people put between a unit and its room (`2单元-1104`, `2单元 903`, `2单元#903`).
fn is_separator(c: char) -> bool {
    matches!(c, '-' | '#' | '/' | '_')
}

/// The canonical sequence of `address`: half-width, no white space, no trailing punctuation or
/// bracketed notes (`(出租)`, `【空置】`), each character with its origin.
fn canonical(address: &str) -> Vec<Canon> {
    let mut out: Vec<Canon> =
        address.char_indices().map(|(at, c)| Canon { c: half_width(c), at }).filter(|k| !k.c.is_whitespace()).collect();
    loop {
        let before = out.len();
        while out.last().is_some_and(|k| is_trailing_noise(k.c)) {
            out.pop();
        }
        if let Some(last) = out.last().map(|k| k.c) {
            let open = match last {
                ')' => Some('('),
                '】' => Some('【'),
                ']' => Some('['),
                '〕' => Some('〔'),
                '）' => Some('（'),
                _ => None,
            };
            if let Some(open) = open
                && let Some(i) = out.iter().rposition(|k| k.c == open)
            {
                out.truncate(i);
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Room markers after a number, longest first: `502号房`, `502房间`, `502室`, `502户`, `502房`.
const ROOM_MARKERS: [&str; 7] = ["号房间", "号房", "房间", "号室", "室", "户", "房"];

/// Markers of a container whose trailing number is a room: `2单元502`, `3栋502`, `5层502`, `B座1203`.
const CONTAINERS: [&str; 8] = ["单元", "号楼", "栋", "幢", "座", "层", "楼", "梯"];

fn ends_with(s: &[Canon], marker: &str) -> bool {
    let m: Vec<char> = marker.chars().collect();
    s.len() >= m.len() && s[s.len() - m.len()..].iter().zip(&m).all(|(k, c)| k.c == *c)
}

/// Length of the run of number characters at the end of `s`.
fn trailing_number(s: &[Canon]) -> usize {
    s.iter().rev().take_while(|k| is_number_char(k.c)).count()
}

/// If `address` names a room (`…502室`, `…502户`, `…502号房`, `…2单元502`, `…3-2-502`, in any of the
/// spellings the module doc lists), the address cut before the room, as written; otherwise `None` (the
/// address is a building, door or coarser).
pub fn room_level(address: &str) -> Option<String> {
    let s = canonical(address);
    let cut = room_start(&s)?;
    let head = address[..s[cut].at].trim_end();
    let head = head.trim_end_matches(|c: char| is_separator(half_width(c)) || c.is_whitespace());
    Some(head.to_string())
}

/// Index in `s` where the room part begins, if the address ends in one.
fn room_start(s: &[Canon]) -> Option<usize> {
    // 502室, 502号房, 502房间, 502户: a marker right after a number.
    if let Some(marker) = ROOM_MARKERS.iter().find(|m| ends_with(s, m)) {
        let head = &s[..s.len() - marker.chars().count()];
        let n = trailing_number(head);
        return (n > 0).then(|| head.len() - n).map(|i| skip_back_separators(s, i));
    }
    let n = trailing_number(s);
    if n == 0 {
        return None;
    }
    let number_at = s.len() - n;
    let mut head = &s[..number_at];
    while head.last().is_some_and(|k| is_separator(k.c)) {
        head = &head[..head.len() - 1];
    }
    // A trailing number right after a unit, building or floor marker: 2单元502, 2单元-1104, 3栋 903.
    if CONTAINERS.iter().any(|m| ends_with(head, m)) {
        return Some(head.len());
    }
    // 12号502: a door number followed by a room of three or more characters.
    if ends_with(head, "号") && n >= 3 {
        return Some(head.len());
    }
    // 3-2-502 after a door or an estate: building-unit-room.
    if head.len() < number_at && head.last().is_some_and(|k| is_number_char(k.c)) {
        let unit = trailing_number(head);
        let before_unit = &head[..head.len() - unit];
        if before_unit.last().is_some_and(|k| is_separator(k.c)) {
            let building = trailing_number(&before_unit[..before_unit.len() - 1]);
            if building > 0 {
                return Some(head.len());
            }
        }
    }
    None
}

/// Moves a room's start back over a separator that joins it to its unit (`2单元-502室` → cut at `-`).
fn skip_back_separators(s: &[Canon], mut i: usize) -> usize {
    while i > 0 && is_separator(s[i - 1].c) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "广东省深圳市福田区沙头街道新沙社区福荣路12号";

    #[test]
    fn rooms_are_found_and_cut() {
        assert_eq!(room_level(&format!("{BASE}3栋2单元502室")).as_deref(), Some(&*format!("{BASE}3栋2单元")));
        assert_eq!(room_level(&format!("{BASE}3栋2单元502")).as_deref(), Some(&*format!("{BASE}3栋2单元")));
        assert_eq!(room_level(&format!("{BASE}3栋五〇二户")).as_deref(), Some(&*format!("{BASE}3栋")));
        assert_eq!(room_level("景田花园3-2-502").as_deref(), Some("景田花园3-2"));
    }

    /// (address tail after BASE, the kept tail) — every spelling of a room seen in real address lists.
    const ROOMS: &[(&str, &str)] = &[
        ("3栋2单元502室", "3栋2单元"),
        ("3栋2单元502", "3栋2单元"),
        ("3栋2单元 903", "3栋2单元"),
        ("3栋2单元  903", "3栋2单元"),
        ("3栋2单元\u{3000}903", "3栋2单元"),
        ("3栋2单元-1104", "3栋2单元"),
        ("3栋2单元－1104", "3栋2单元"),
        ("3栋2单元—1104", "3栋2单元"),
        ("3栋2单元#1104", "3栋2单元"),
        ("3栋2单元/1104", "3栋2单元"),
        ("3栋1001室。", "3栋"),
        ("3栋1001室.", "3栋"),
        ("3栋1001室，", "3栋"),
        ("3栋1001室!", "3栋"),
        ("3栋1301室(出租)", "3栋"),
        ("3栋1301室（出租）", "3栋"),
        ("3栋1301室【空置】", "3栋"),
        ("3栋1301室[自住]", "3栋"),
        ("3栋1301室 (出租)。", "3栋"),
        ("3栋502号房", "3栋"),
        ("3栋502房间", "3栋"),
        ("3栋502号房间", "3栋"),
        ("3栋502号室", "3栋"),
        ("3栋502房", "3栋"),
        ("3栋502户", "3栋"),
        ("3栋904 室", "3栋"),
        ("3栋904　室", "3栋"),
        ("3栋 904 室 ", "3栋"),
        ("3栋５０５室", "3栋"),
        ("3栋２单元５０５", "3栋２单元"),
        ("3栋2单元５０５室", "3栋2单元"),
        ("3栋五〇二室", "3栋"),
        ("3栋五零二室", "3栋"),
        ("3栋一二零一", "3栋"),
        ("3栋A502室", "3栋"),
        ("3栋502A室", "3栋"),
        ("3栋B1203", "3栋"),
        ("B座1203", "B座"),
        ("B座1203室", "B座"),
        ("3号楼502", "3号楼"),
        ("3号楼502室", "3号楼"),
        ("3幢502", "3幢"),
        ("3幢2单元502室", "3幢2单元"),
        ("5层502", "5层"),
        ("5楼502", "5楼"),
        ("5楼502室", "5楼"),
        ("2梯1203", "2梯"),
        ("502", ""),
        ("1502", ""),
        ("-1502", ""),
        ("502室", ""),
        (" 502 室", ""),
        ("3-2-502", "3-2"),
        ("3－2－502", "3－2"),
        ("3-2-502室", "3-2"),
        ("3-2-502。", "3-2"),
        ("3-2-502(出租)", "3-2"),
        ("2单元-502室", "2单元"),
        ("3栋2单元502室 ", "3栋2单元"),
        ("3栋2单元502室\t", "3栋2单元"),
    ];

    #[test]
    fn every_spelling_of_a_room_is_cut_where_the_room_begins() {
        assert!(ROOMS.len() >= 60, "{} spellings", ROOMS.len());
        for (tail, kept) in ROOMS {
            let address = format!("{BASE}{tail}");
            let want = format!("{BASE}{kept}");
            let want = want.trim_end_matches(['-', '－', ' ']);
            assert_eq!(room_level(&address).as_deref(), Some(want), "{address:?}");
        }
    }

    #[test]
    fn doors_buildings_and_units_are_not_rooms() {
        for a in [
            "广东省深圳市福田区福保街道福保社区一号路1号",
            "景田花园3栋",
            "景田花园3栋2单元",
            "景田花园3栋2单元。",
            "景田花园3栋(东)",
            "福荣路12-1号",
            "福荣路12号",
            "福荣路12号。",
            "福荣路12号（北门）",
            "福荣路12号3栋",
            "福荣路１２号",
            "福荣路12号12",
            "室",
            "户",
            "",
            "   ",
            "福荣路",
            "新沙社区居委会",
            "福田区政府",
        ] {
            assert_eq!(room_level(a), None, "{a:?}");
        }
    }

    #[test]
    fn a_door_followed_by_a_room_number_is_a_room() {
        assert_eq!(room_level("福荣路12号502").as_deref(), Some("福荣路12号"));
        assert_eq!(room_level("福荣路12号 1502").as_deref(), Some("福荣路12号"));
    }

    #[test]
    fn cutting_never_panics_on_odd_text() {
        for a in ["(", ")", "（）", "502)", "(502", "室室室", "-", "--502", "单元-", "号502", "\u{FF10}室"] {
            let _ = room_level(a);
        }
        assert_eq!(room_level("５室").as_deref(), Some(""));
    }
}

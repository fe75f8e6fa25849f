//! Household-level addresses (PIPL, domain.md §7): an address down to the room (室/户) identifies
//! one household; the same address cut at the building or unit does not. [`room_level`] finds the
//! room part at the end of an address so the faces can show it only to entitled callers.

/// Characters a room number is written with (digits, letters, Chinese numerals).
fn is_number_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "〇零一二三四五六七八九十百".contains(c)
}

/// Whether a number part ends just before a unit, building or floor marker (so a trailing number
/// after it is a room: `2单元502`, `3栋502`).
fn ends_with_container(s: &str) -> bool {
    ["单元", "栋", "幢", "座", "号楼", "层", "楼"].iter().any(|m| s.ends_with(m))
}

/// If `address` names a room (`…502室`, `…502户`, `…502房`, `…2单元502`, `…3-2-502`), the address
/// cut before the room; otherwise `None` (the address is a building, door or coarser).
pub fn room_level(address: &str) -> Option<String> {
    let s = address.trim_end();
    // 502室 / 502户 / 502房: a marker after a number.
    if let Some(head) = s.strip_suffix('室').or_else(|| s.strip_suffix('户')).or_else(|| s.strip_suffix('房')) {
        let kept = head.trim_end_matches(is_number_char).trim_end_matches(['-', '－']);
        if kept.len() < head.len() {
            return Some(kept.to_string());
        }
        return None;
    }
    // A trailing number right after a unit or building marker.
    let head = s.trim_end_matches(is_number_char);
    if head.len() < s.len() && ends_with_container(head) {
        return Some(head.to_string());
    }
    // 3-2-502 after a door: building-unit-room.
    let parts: Vec<&str> = s.rsplitn(3, ['-', '－']).collect();
    if parts.len() == 3
        && parts[..2].iter().all(|p| !p.is_empty() && p.chars().all(is_number_char))
        && parts[2].chars().last().is_some_and(is_number_char)
    {
        let room = parts[0];
        return Some(s[..s.len() - room.len()].trim_end_matches(['-', '－']).to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_are_found_and_cut() {
        let base = "广东省深圳市福田区沙头街道新沙社区福荣路12号";
        assert_eq!(room_level(&format!("{base}3栋2单元502室")).as_deref(), Some(&*format!("{base}3栋2单元")));
        assert_eq!(room_level(&format!("{base}3栋2单元502")).as_deref(), Some(&*format!("{base}3栋2单元")));
        assert_eq!(room_level(&format!("{base}3栋五〇二户")).as_deref(), Some(&*format!("{base}3栋")));
        assert_eq!(room_level("景田花园3-2-502").as_deref(), Some("景田花园3-2"));
    }

    #[test]
    fn doors_buildings_and_units_are_not_rooms() {
        for a in
            ["广东省深圳市福田区福保街道福保社区一号路1号", "景田花园3栋", "景田花园3栋2单元", "福荣路12-1号", "室"]
        {
            assert_eq!(room_level(a), None, "{a}");
        }
    }
}

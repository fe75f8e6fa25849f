//! Splitting a normalised address into the levels of GB/T 37149-2018: province, city, district,
//! street (街道), community (社区), road, door number, estate (小区), building, unit, room.
//!
//! Names the gazetteer knows are recognised by lookup ([`Vocabulary`]), so `深南大道` is a road even
//! though `道` could end a street name; what it does not know is recognised by its suffix (`…市`,
//! `…区`, `…街道`, a door number `N号`). Upper levels left out are not guessed here: the gazetteer
//! fills them from the entry that matches.

use super::normalize::{Aliases, expand_aliases};

/// An administrative level above the road.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AdminLevel {
    /// 省 / 自治区 / 直辖市 level.
    Province,
    /// 市.
    City,
    /// 区 / 县.
    District,
    /// 街道 / 镇.
    Street,
    /// 社区.
    Community,
}

/// The names a parser can recognise by lookup; the gazetteer is one, [`NoVocabulary`] another.
pub trait Vocabulary {
    /// Byte length and level of the longest administrative name at the start of `s`.
    fn admin_at(&self, s: &str) -> Option<(usize, AdminLevel)>;
    /// Byte length of the longest road name at the start of `s`.
    fn road_at(&self, s: &str) -> Option<usize>;
    /// Byte length of the longest estate name at the start of `s`.
    fn estate_at(&self, s: &str) -> Option<usize>;
    /// Short forms of administrative names.
    fn aliases(&self) -> &Aliases;
    /// Whether some road or estate name starts with `prefix` (partial input such as `上沙椰树`).
    fn extends_to_name(&self, _prefix: &str) -> bool {
        false
    }
}

/// Parsing by suffixes alone (used when importing, before any gazetteer exists).
#[derive(Debug, Default)]
pub struct NoVocabulary(Aliases);

impl Vocabulary for NoVocabulary {
    fn admin_at(&self, _: &str) -> Option<(usize, AdminLevel)> {
        None
    }
    fn road_at(&self, _: &str) -> Option<usize> {
        None
    }
    fn estate_at(&self, _: &str) -> Option<usize> {
        None
    }
    fn aliases(&self) -> &Aliases {
        &self.0
    }
}

/// A normalised address split into levels. Every part is in normalised spelling.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ParsedAddress {
    /// 省.
    pub province: Option<String>,
    /// 市.
    pub city: Option<String>,
    /// 区 / 县.
    pub district: Option<String>,
    /// 街道 / 镇.
    pub street: Option<String>,
    /// 社区.
    pub community: Option<String>,
    /// Road, street or lane name (路 / 街 / 道 / 巷 kept).
    pub road: Option<String>,
    /// Whether `road` is a name the vocabulary knows (otherwise it is a guess from the suffix rules).
    #[serde(skip)]
    pub road_known: bool,
    /// Door number without `号` (`12`, `12-1`, `5a`).
    pub door: Option<String>,
    /// Estate (小区 / 花园 / 大厦 …).
    pub estate: Option<String>,
    /// Whether `estate` is a name the vocabulary knows.
    #[serde(skip)]
    pub estate_known: bool,
    /// Building number (from `N栋`, `N号楼`, `N幢`, `N座`).
    pub building: Option<String>,
    /// Unit number (`N单元`).
    pub unit: Option<String>,
    /// Room number (`N室`, or the trailing number).
    pub room: Option<String>,
    /// Text that fits no level (a mistyped upper level, a landmark, noise).
    pub rest: String,
}

/// Splits a normalised address; never fails, at worst everything lands in `rest`.
pub fn parse(normalized: &str, vocab: &impl Vocabulary) -> ParsedAddress {
    let expanded = expand_aliases(
        normalized,
        vocab.aliases(),
        |r| vocab.admin_at(r).map(|(n, _)| n),
        |r, n| {
            // Protected: a name starts here, or the text goes on to spell one (`上沙椰树` is not
            // `上沙社区` + `椰树`).
            let next = r[n..].chars().next().map_or(n, |c| n + c.len_utf8());
            vocab.road_at(r).is_some()
                || vocab.estate_at(r).is_some()
                || (next > n && vocab.extends_to_name(&r[..next]))
        },
    );
    let mut p = ParsedAddress::default();
    let mut rest = expanded.as_str();
    let mut last: Option<AdminLevel> = None;
    while !rest.is_empty() && vocab.road_at(rest).is_none() && vocab.estate_at(rest).is_none() {
        let Some((n, level)) = vocab.admin_at(rest).or_else(|| admin_by_suffix(rest)) else { break };
        if last.is_some_and(|l| level <= l) {
            break;
        }
        let slot = match level {
            AdminLevel::Province => &mut p.province,
            AdminLevel::City => &mut p.city,
            AdminLevel::District => &mut p.district,
            AdminLevel::Street => &mut p.street,
            AdminLevel::Community => &mut p.community,
        };
        *slot = Some(rest[..n].to_string());
        last = Some(level);
        rest = &rest[n..];
    }
    rest = take_road_or_estate(rest, vocab, &mut p);
    if let Some((door, after)) = door_at(rest) {
        p.door = Some(door.to_string());
        rest = after;
    }
    if p.estate.is_none() {
        if let Some(n) = vocab.estate_at(rest) {
            p.estate = Some(rest[..n].to_string());
            p.estate_known = true;
            rest = &rest[n..];
        } else {
            let n = rest.find(|c: char| c.is_ascii_alphanumeric()).unwrap_or(rest.len());
            if rest[..n].chars().count() >= 2 && n < rest.len() {
                p.estate = Some(rest[..n].to_string());
                rest = &rest[n..];
            }
        }
    }
    rest = take_building_unit_room(rest, &mut p);
    p.rest.push_str(rest);
    p
}

/// Recognises an unknown administrative name by its suffix (`…市`, `…区`, `…街道`, `…社区`).
fn admin_by_suffix(s: &str) -> Option<(usize, AdminLevel)> {
    const SUFFIXES: [(&str, AdminLevel); 9] = [
        ("特别行政区", AdminLevel::Province),
        ("自治区", AdminLevel::Province),
        ("省", AdminLevel::Province),
        ("市", AdminLevel::City),
        ("街道", AdminLevel::Street),
        ("社区", AdminLevel::Community),
        ("镇", AdminLevel::Street),
        ("区", AdminLevel::District),
        ("县", AdminLevel::District),
    ];
    for (count, (i, c)) in s.char_indices().enumerate() {
        if count >= 8 || c.is_ascii_alphanumeric() || matches!(c, '-' | '路' | '号' | '栋' | '巷') {
            return None;
        }
        if count == 0 {
            continue;
        }
        for (suffix, level) in SUFFIXES {
            if s[i..].starts_with(suffix) && !(level == AdminLevel::District && s[..i].ends_with('小')) {
                return Some((i + suffix.len(), level));
            }
        }
    }
    None
}

fn take_road_or_estate<'a>(rest: &'a str, vocab: &impl Vocabulary, p: &mut ParsedAddress) -> &'a str {
    for (i, _) in rest.char_indices() {
        let tail = &rest[i..];
        if let Some(n) = vocab.road_at(tail) {
            p.rest.push_str(&rest[..i]);
            p.road = Some(tail[..n].to_string());
            p.road_known = true;
            return &tail[n..];
        }
        if let Some(n) = vocab.estate_at(tail) {
            p.rest.push_str(&rest[..i]);
            p.estate = Some(tail[..n].to_string());
            p.estate_known = true;
            return &tail[n..];
        }
    }
    // Unknown road: the text before the door number, or before the first digit.
    let end = door_start(rest).or_else(|| rest.find(|c: char| c.is_ascii_digit())).unwrap_or(rest.len());
    let piece = &rest[..end];
    if piece.is_empty() {
        return rest;
    }
    const ESTATE_SUFFIXES: [&str; 10] = ["小区", "花园", "大厦", "公寓", "广场", "苑", "园", "庭", "阁", "府"];
    if door_start(rest).is_none() && ESTATE_SUFFIXES.iter().any(|s| piece.ends_with(s)) {
        p.estate = Some(piece.to_string());
    } else {
        p.road = Some(piece.to_string());
    }
    &rest[end..]
}

/// Byte position of a door number `N号` (not `N号街`/`N号路`, which are road names).
fn door_start(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_digit()) {
            let (_, after) = split_digits(&s[i..]);
            if let Some(rest) = after.strip_prefix('号')
                && !rest.starts_with(['街', '路', '道', '巷'])
                && i > 0
            {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

fn split_digits(s: &str) -> (&str, &str) {
    let n = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(n)
}

/// A door number at the start of `s`: `12号`, `12-1号`, or a bare `12`/`5a` not followed by a
/// building, unit or room marker.
fn door_at(s: &str) -> Option<(&str, &str)> {
    let (digits, after) = split_digits(s);
    if digits.is_empty() {
        return None;
    }
    if let Some(r) = after.strip_prefix('号') {
        return Some((digits, r));
    }
    if let Some(r) = after.strip_prefix('-') {
        let (more, after2) = split_digits(r);
        if !more.is_empty()
            && let Some(r2) = after2.strip_prefix('号')
        {
            return Some((&s[..digits.len() + 1 + more.len()], r2));
        }
    }
    let mut chars = after.chars();
    match chars.next() {
        None => Some((digits, after)),
        Some(c) if c.is_ascii_lowercase() && !chars.next().is_some_and(|c| c.is_ascii_digit()) => {
            let n = digits.len() + 1;
            if after[1..].starts_with('栋') { None } else { Some((&s[..n], &s[n..])) }
        }
        Some(c) if !c.is_ascii_digit() && !matches!(c, '栋' | '单' | '室' | '层' | '楼' | '-') => {
            Some((digits, after))
        }
        _ => None,
    }
}

fn take_building_unit_room<'a>(mut rest: &'a str, p: &mut ParsedAddress) -> &'a str {
    // 3-2-502: building, unit, room.
    let parts: Vec<&str> = rest.split('-').collect();
    if parts.len() == 3 && parts.iter().all(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit())) {
        p.building = Some(parts[0].to_string());
        p.unit = Some(parts[1].to_string());
        p.room = Some(parts[2].to_string());
        return "";
    }
    let (digits, after) = split_digits(rest);
    let (label, after) = if digits.is_empty() && rest.starts_with(|c: char| c.is_ascii_lowercase()) {
        (&rest[..1], &rest[1..])
    } else {
        (digits, after)
    };
    if !label.is_empty()
        && let Some(r) = after.strip_prefix('栋')
    {
        p.building = Some(label.to_string());
        rest = r;
    }
    let (digits, after) = split_digits(rest);
    if !digits.is_empty()
        && let Some(r) = after.strip_prefix("单元")
    {
        p.unit = Some(digits.to_string());
        rest = r;
    }
    let (digits, after) = split_digits(rest);
    if !digits.is_empty() && (after.is_empty() || after.starts_with('室')) {
        p.room = Some(digits.to_string());
        rest = after.strip_prefix('室').unwrap_or(after);
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::super::normalize::normalize;
    use super::*;
    use serde_json::json;

    fn split(s: &str) -> ParsedAddress {
        parse(&normalize(s), &NoVocabulary::default())
    }

    #[test]
    fn full_address_by_suffixes() {
        let p = split("广东省深圳市福田区沙头街道新沙社区福荣路十二号3栋2单元502室");
        assert_eq!(p.province.as_deref(), Some("广东省"));
        assert_eq!(p.city.as_deref(), Some("深圳市"));
        assert_eq!(p.district.as_deref(), Some("福田区"));
        assert_eq!(p.street.as_deref(), Some("沙头街道"));
        assert_eq!(p.community.as_deref(), Some("新沙社区"));
        assert_eq!(p.road.as_deref(), Some("福荣路"));
        assert_eq!(p.door.as_deref(), Some("12"));
        assert_eq!((p.building.as_deref(), p.unit.as_deref(), p.room.as_deref()), (Some("3"), Some("2"), Some("502")));
        assert_eq!(p.rest, "");
    }

    /// Checks the parts named in `want` (as the parse serialises them) of `s` parsed.
    fn parses_to(s: &str, want: serde_json::Value) {
        let got = serde_json::to_value(split(s)).unwrap();
        for (part, value) in want.as_object().unwrap() {
            assert_eq!(&got[part], value, "{s}: {part}");
        }
    }

    #[test]
    fn road_names_with_numbers_and_estates() {
        parses_to("十七号街5号", json!({"road": "17号街", "door": "5"}));
        parses_to(
            "泰然九路8号景田花园A座1单元",
            json!({"road": "泰然9路", "estate": "景田花园", "building": "a", "unit": "1"}),
        );
        parses_to("景田花园3号楼", json!({"estate": "景田花园", "building": "3"}));
        parses_to("福荣路12号3-2-502", json!({"building": "3", "unit": "2", "room": "502"}));
    }

    #[test]
    fn latin_addresses_and_partial_input() {
        parses_to("Mannerheimintie 5 A", json!({"road": "mannerheimintie", "door": "5a"}));
        parses_to("福荣", json!({"road": "福荣"}));
        parses_to("深南大道", json!({"road": "深南大道"}));
        assert_eq!(split(""), ParsedAddress::default());
    }
}

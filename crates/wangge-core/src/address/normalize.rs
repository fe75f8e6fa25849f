//! Normalisation: the one canonical spelling that both the gazetteer and every query are reduced to
//! before they are compared.
//!
//! Rules, in order (see README "地址查询 / Address lookup"):
//! 1. full-width ASCII → half-width (`１２号` → `12号`), ideographic space → space, Latin to lower case;
//! 2. whitespace and punctuation dropped, except `-` (for `3-2-502`); `#` read as `号`;
//! 3. runs of Chinese numerals → Arabic digits (`十二号` → `12号`, `五〇二` → `502`, `一百零五` → `105`);
//!    `两` only before a counter (`两栋` → `2栋`), since elsewhere it is an ordinary word;
//! 4. building suffixes unified: `号楼`, `幢`, `座` → `栋`; `号房`, `房` → `室`.
//!
//! Abbreviations of upper levels (`深圳` → `深圳市`, `福田` → `福田区`) depend on the names the
//! gazetteer knows, so they are expanded by [`expand_aliases`] with a table built from those names.

use std::collections::HashMap;

/// Reduces an address to its canonical spelling (see the module documentation).
pub fn normalize(input: &str) -> String {
    let mut chars: Vec<char> = Vec::with_capacity(input.len());
    for c in input.chars() {
        let c = half_width(c);
        if c == '#' {
            chars.push('号');
        } else if matches!(c, '-' | '‐' | '‑' | '–' | '—' | '－' | '~') {
            chars.push('-');
        } else if c.is_whitespace() || c.is_ascii_punctuation() || is_cjk_punctuation(c) {
            continue;
        } else {
            chars.extend(c.to_lowercase());
        }
    }
    let digits = numerals_to_digits(&chars);
    unify_suffixes(&digits)
}

fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn is_cjk_punctuation(c: char) -> bool {
    // 〇 (U+3007) sits among the CJK punctuation but is the numeral zero.
    c != '〇'
        && matches!(c, '\u{3001}'..='\u{303F}' | '\u{FF01}'..='\u{FF0F}' | '·' | '•' | '“' | '”' | '‘' | '’' | '…')
        || matches!(c, '（' | '）' | '，' | '：' | '；' | '！' | '？')
}

fn digit_of(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' | '○' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn multiplier_of(c: char) -> Option<u32> {
    match c {
        '十' => Some(10),
        '百' => Some(100),
        '千' => Some(1000),
        _ => None,
    }
}

fn is_numeral(c: char) -> bool {
    digit_of(c).is_some() || multiplier_of(c).is_some()
}

/// Characters after which `两` is a number (two of something) rather than part of a word.
fn is_counter(c: char) -> bool {
    matches!(c, '号' | '栋' | '幢' | '座' | '单' | '室' | '层' | '楼')
}

fn numerals_to_digits(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_numeral(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_numeral(chars[i]) {
            i += 1;
        }
        let run = &chars[start..i];
        let lone_liang = run.iter().all(|&c| c == '两') && !chars.get(i).is_some_and(|&c| is_counter(c));
        if lone_liang {
            out.extend_from_slice(run);
        } else {
            out.extend(run_value(run).chars());
        }
    }
    out
}

/// The value of a numeral run: positional (`二十三` = 23) when it has 十/百/千, otherwise read digit by
/// digit as door and room numbers are spoken (`五〇二` = 502).
fn run_value(run: &[char]) -> String {
    if !run.iter().any(|&c| multiplier_of(c).is_some()) {
        return run.iter().filter_map(|&c| digit_of(c)).map(|d| char::from(b'0' + d as u8)).collect();
    }
    let (mut total, mut pending) = (0u64, None::<u64>);
    for &c in run {
        if let Some(d) = digit_of(c) {
            pending = Some(u64::from(d));
        } else if let Some(m) = multiplier_of(c) {
            // A bare 十 at the start means 一十.
            total += pending.take().unwrap_or(1) * u64::from(m);
        }
    }
    (total + pending.unwrap_or(0)).to_string()
}

fn unify_suffixes(chars: &[char]) -> String {
    let s: String = chars.iter().collect();
    s.replace("号楼", "栋").replace(['幢', '座'], "栋").replace("号房", "室").replace('房', "室")
}

/// Short forms of upper-level names, e.g. `深圳` for `深圳市`, built from the names a gazetteer knows.
#[derive(Debug, Clone, Default)]
pub struct Aliases {
    short_to_full: HashMap<String, String>,
    longest: usize,
}

/// Suffixes an administrative name may be written without.
const ADMIN_SUFFIXES: [&str; 9] = ["特别行政区", "自治区", "街道", "社区", "省", "市", "区", "县", "镇"];

impl Aliases {
    /// Builds the table from full (normalised) names; a short form claimed by two names is dropped,
    /// because expanding it would pick one of them at random.
    pub fn new<'a>(full_names: impl IntoIterator<Item = &'a str>) -> Aliases {
        let mut short_to_full: HashMap<String, Option<String>> = HashMap::new();
        for full in full_names {
            if let Some(short) = ADMIN_SUFFIXES.iter().find_map(|s| full.strip_suffix(s))
                && short.chars().count() >= 2
            {
                let slot = short_to_full.entry(short.to_string()).or_insert_with(|| Some(full.to_string()));
                if slot.as_deref() != Some(full) {
                    *slot = None;
                }
            }
        }
        let short_to_full: HashMap<String, String> =
            short_to_full.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect();
        let longest = short_to_full.keys().map(String::len).max().unwrap_or(0);
        Aliases { short_to_full, longest }
    }

    /// The full name for a short form at the start of `s`, with the short form's byte length.
    fn at_start(&self, s: &str) -> Option<(usize, &str)> {
        let mut best = None;
        for (i, _) in s.char_indices().skip(1).chain(std::iter::once((s.len(), ' '))) {
            if i > self.longest {
                break;
            }
            if let Some(full) = self.short_to_full.get(&s[..i]) {
                best = Some((i, full.as_str()));
            }
        }
        best
    }
}

/// Expands abbreviated upper levels at the start of a normalised address (`深圳福田沙头…` →
/// `深圳市福田区沙头…`). Expansion stops at the first piece that is neither a full name (`is_full`)
/// nor a short form, and a short form of byte length `n` is left alone where `is_protected(rest, n)`
/// says a longer name starts there (so `香梅路` is not read as `香梅社区` + `路`).
pub fn expand_aliases(
    s: &str,
    aliases: &Aliases,
    full_len_at: impl Fn(&str) -> Option<usize>,
    is_protected: impl Fn(&str, usize) -> bool,
) -> String {
    let mut out = String::with_capacity(s.len() + 12);
    let mut rest = s;
    loop {
        if let Some(n) = full_len_at(rest) {
            out.push_str(&rest[..n]);
            rest = &rest[n..];
        } else if let Some((n, full)) = aliases.at_start(rest).filter(|&(n, _)| !is_protected(rest, n)) {
            out.push_str(full);
            rest = &rest[n..];
        } else {
            break;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks each `(written, normalised)` pair, naming the input that fails.
    fn normalizes(cases: &[(&str, &str)]) {
        for (written, want) in cases {
            assert_eq!(normalize(written), *want, "{written}");
        }
    }

    #[test]
    fn full_width_digits_and_punctuation() {
        normalizes(&[
            ("福荣路１２号　３栋", "福荣路12号3栋"),
            ("福荣路 12 号，（东门）", "福荣路12号东门"),
            ("Mannerheimintie 5 A", "mannerheimintie5a"),
            ("3－2－502", "3-2-502"),
            ("3#楼", "3栋"),
        ]);
    }

    #[test]
    fn chinese_numerals() {
        normalizes(&[
            ("十二号", "12号"),
            ("二十号", "20号"),
            ("二十三号", "23号"),
            ("一百零五号", "105号"),
            ("三千二百号", "3200号"),
            ("五〇二室", "502室"),
            ("泰然九路", "泰然9路"),
            ("十七号街", "17号街"),
            ("两栋", "2栋"),
            ("两岸路", "两岸路"),
        ]);
    }

    #[test]
    fn building_suffixes() {
        normalizes(&[("3号楼2单元502房", "3栋2单元502室"), ("A座", "a栋"), ("5幢", "5栋"), ("12号房", "12室")]);
    }

    #[test]
    fn aliases_expand_only_upper_levels() {
        let aliases = Aliases::new(["深圳市", "福田区", "香梅社区", "沙头街道"]);
        let full = ["深圳市", "福田区", "沙头街道", "香梅社区"];
        let full_len = |s: &str| full.iter().find(|f| s.starts_with(*f)).map(|f| f.len());
        let protected = |s: &str, _: usize| s.starts_with("香梅路");
        assert_eq!(expand_aliases("深圳福田沙头福荣路", &aliases, full_len, protected), "深圳市福田区沙头街道福荣路");
        assert_eq!(expand_aliases("香梅路1号", &aliases, full_len, protected), "香梅路1号");
        assert_eq!(expand_aliases("福田区香梅1号", &aliases, full_len, protected), "福田区香梅社区1号");
    }
}

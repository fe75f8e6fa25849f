//! Search: a free-text address → ranked candidates, each with a confidence in 0–1 and the level at
//! which it matched.
//!
//! Scoring (all factors multiply):
//! - the level: the exact door 1.0; the road (door missing or unknown) 0.8, or 0.6 when a door was
//!   asked for and the road has none of that number; an estate 0.8; a community 0.6, a street 0.5,
//!   a district 0.4;
//! - how the name was found: exactly 1.0; within one edit (a wrong, missing or extra character)
//!   0.9; as a prefix of a longer name (partial input) 0.75–0.95 by the share typed;
//! - agreement with upper levels the query names: each known district, street or community that
//!   contradicts the candidate's ×0.85 (so homonymous roads in different districts rank by it);
//!   text that fits no level (e.g. a misspelt community) ×0.95.

use super::gazetteer::{Gazetteer, Hierarchy, Named, deletion_variants, door_number};
use super::normalize::normalize;
use super::parse::{ParsedAddress, parse};
use fst::automaton::Automaton;
use fst::{IntoStreamer, Streamer};
use geo::Coord;
use std::borrow::Cow;

/// The level at which a candidate matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchLevel {
    /// The exact door number on the road.
    Door,
    /// A building (栋) of an estate, when the query named both.
    Building,
    /// The road (a representative or the nearest door).
    Road,
    /// The estate (小区).
    Estate,
    /// The community (社区).
    Community,
    /// The street (街道).
    Street,
    /// The district (区).
    District,
}

/// One ranked answer.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    /// The address (or road / division name) shown to people.
    pub address: String,
    /// Confidence, 0–1.
    pub score: f64,
    /// Level matched.
    pub level: MatchLevel,
    /// WGS 84 lon/lat.
    pub point: Coord,
    /// Building code, for door-level answers.
    pub building: Option<&'a str>,
    /// Grid, community, street, district (made for a grid's place, see [`Gazetteer::hierarchy`]).
    pub hierarchy: Cow<'a, Hierarchy>,
    /// The gazetteer entry, for door and road answers.
    pub entry: Option<u32>,
    /// For an answer wider than one building (road, estate): the grids its addresses lie in,
    /// by code. One point cannot say which grid a road belongs to, so the faces show these.
    pub grids: Vec<Named>,
}

/// The answer to a search.
#[derive(Debug, Clone)]
pub struct SearchResult<'a> {
    /// The query in canonical spelling.
    pub normalized: String,
    /// The query split into levels.
    pub parsed: ParsedAddress,
    /// Best first.
    pub candidates: Vec<Candidate<'a>>,
}

/// How a name was found, as a score factor.
type NameHit = (u32, f64);

impl Gazetteer {
    /// Searches for `query`, returning at most `limit` candidates, best first.
    pub fn search(&self, query: &str, limit: usize) -> SearchResult<'_> {
        let normalized = normalize(query);
        let parsed = parse(&normalized, self);
        let mut out = Vec::new();
        let roads = match &parsed.road {
            Some(r) if parsed.road_known => self.key_of(r).map(|k| vec![(k, 1.0)]).unwrap_or_default(),
            Some(r) => self.fuzzy(r, |k| !k.road.is_empty()),
            None => Vec::new(),
        };
        for (key, factor) in roads {
            self.road_candidates(key, factor, &parsed, &mut out);
        }
        let estates = match &parsed.estate {
            Some(e) if parsed.estate_known => self.key_of(e).map(|k| vec![(k, 1.0)]).unwrap_or_default(),
            Some(e) if out.is_empty() => self.fuzzy(e, |k| !k.estate.is_empty()),
            _ => Vec::new(),
        };
        for (key, factor) in estates {
            let postings = &self.key(key).estate;
            let Some(&first) = postings.first() else { continue };
            // The building the query names, when an address of the estate is in it.
            let building = parsed.building.as_deref().and_then(|b| {
                let marker = format!("{b}栋");
                postings
                    .iter()
                    .copied()
                    .find(|&i| self.entry(i).building.is_some() && normalize(&self.entry(i).address).contains(&marker))
            });
            match building {
                Some(id) => out.push(self.entry_candidate(id, factor, MatchLevel::Building, None)),
                None => {
                    let mut c =
                        self.entry_candidate(first, factor * 0.8, MatchLevel::Estate, Some(&self.key(key).display));
                    c.grids = self.grids_of(postings);
                    out.push(c);
                }
            }
        }
        if out.is_empty() {
            self.admin_candidates(&parsed, &mut out);
        }
        for c in &mut out {
            c.score *= agreement(&parsed, &c.hierarchy);
            c.score = (c.score * 1000.0).round() / 1000.0;
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.level.cmp(&b.level)).then(a.address.cmp(&b.address)));
        out.dedup_by(|a, b| a.address == b.address && a.level == b.level);
        out.truncate(limit);
        SearchResult { normalized, parsed, candidates: out }
    }

    /// Names that `want` accepts, close to `text`: one edit away (a wrong, missing or extra
    /// character), or starting with it.
    fn fuzzy(&self, text: &str, want: impl Fn(&super::gazetteer::NameKey) -> bool) -> Vec<NameHit> {
        let len = text.chars().count();
        let mut hits: Vec<NameHit> = Vec::new();
        if len < 2 {
            return hits;
        }
        let consider = |id: u32, hits: &mut Vec<NameHit>| {
            if hits.iter().any(|h| h.0 == id) || !want(self.key(id)) {
                return;
            }
            let d = edit_distance(text, &self.key(id).norm);
            if d == 1 {
                hits.push((id, 0.9));
            }
        };
        // The query is a variant of a name (a character missing), or shares a variant with one
        // (a character wrong), or has a variant that is a name (a character too many).
        let lists = |v: &str| self.variants.get(v).map(|i| self.variant_lists[i as usize].as_slice()).unwrap_or(&[]);
        for &id in lists(text) {
            consider(id, &mut hits);
        }
        for v in deletion_variants(text) {
            for &id in lists(&v) {
                consider(id, &mut hits);
            }
            if let Some(id) = self.key_of(&v) {
                consider(id, &mut hits);
            }
        }
        let prefix = fst::automaton::Str::new(text).starts_with();
        let mut stream = self.names.search(prefix).into_stream();
        let mut n = 0;
        while let Some((name, id)) = stream.next() {
            let id = id as u32;
            if want(self.key(id)) && !hits.iter().any(|h| h.0 == id) {
                let share = len as f64 / std::str::from_utf8(name).map_or(1, |s| s.chars().count()).max(1) as f64;
                hits.push((id, 0.75 + 0.2 * share));
                n += 1;
                if n >= 20 {
                    break;
                }
            }
        }
        hits
    }

    fn entry_candidate(&self, id: u32, score: f64, level: MatchLevel, name: Option<&str>) -> Candidate<'_> {
        let e = self.entry(id);
        let h = self.hierarchy(e.place);
        let address = match (level, name) {
            (MatchLevel::Door, _) | (_, None) => e.address.to_string(),
            (_, Some(n)) => {
                format!("{}{}{n}", h.city.unwrap_or(""), h.district.as_ref().map_or("", |d| &*d.name))
            }
        };
        Candidate {
            address,
            score,
            level,
            point: e.point,
            building: if matches!(level, MatchLevel::Door | MatchLevel::Building) {
                e.building.as_deref()
            } else {
                None
            },
            hierarchy: h,
            entry: Some(id),
            grids: Vec::new(),
        }
    }

    /// The distinct grids of some addresses, in first-seen order.
    fn grids_of(&self, entries: &[u32]) -> Vec<Named> {
        self.places.grids_of(entries.iter().map(|&i| self.entry(i).place))
    }

    fn road_candidates<'a>(&'a self, key: u32, factor: f64, p: &ParsedAddress, out: &mut Vec<Candidate<'a>>) {
        let postings = &self.key(key).road;
        let display = self.key(key).display.as_str();
        if postings.is_empty() {
            return;
        }
        if let Some(door) = &p.door {
            let num = door_number(door);
            let doors = &self.key(key).road_doors;
            let lo = doors.partition_point(|&d| d < num);
            let hi = lo + doors[lo..].partition_point(|&d| d <= num);
            let exact: Vec<u32> =
                postings[lo..hi].iter().copied().filter(|&i| self.entry(i).door.as_deref() == Some(door)).collect();
            let exact = if exact.is_empty() { postings[lo..hi].to_vec() } else { exact };
            if !exact.is_empty() {
                out.extend(exact.into_iter().map(|i| self.entry_candidate(i, factor, MatchLevel::Door, None)));
                return;
            }
            // No such door: the nearest numbers on the road, on either side.
            let grids = self.grids_of(postings);
            for &i in postings[lo.saturating_sub(1)..(lo + 1).min(postings.len())].iter() {
                let mut c = self.entry_candidate(i, factor * 0.6, MatchLevel::Road, Some(display));
                c.grids = grids.clone();
                out.push(c);
            }
            return;
        }
        // No door: one representative per district (the middle door), since a name may recur.
        let mut seen: Vec<Option<&str>> = Vec::new();
        let mut groups: Vec<Vec<u32>> = Vec::new();
        for &i in postings {
            let d = self.places.district_code(self.entry(i).place);
            match seen.iter().position(|s| *s == d) {
                Some(k) => groups[k].push(i),
                None => {
                    seen.push(d);
                    groups.push(vec![i]);
                }
            }
        }
        for g in groups {
            let mut c = self.entry_candidate(g[g.len() / 2], factor * 0.8, MatchLevel::Road, Some(display));
            c.grids = self.grids_of(&g);
            out.push(c);
        }
    }

    fn admin_candidates<'a>(&'a self, p: &ParsedAddress, out: &mut Vec<Candidate<'a>>) {
        use super::parse::AdminLevel as L;
        let wanted = [(&p.community, L::Community, 0.6), (&p.street, L::Street, 0.5), (&p.district, L::District, 0.4)];
        for (name, level, score) in wanted {
            let Some(key) = name.as_deref().and_then(|n| self.key_of(n)) else { continue };
            for &a in &self.key(key).admin {
                let place = self.admin_place(a);
                let Some(point) = place.point.filter(|_| place.level == level) else { continue };
                let h = self.hierarchy(place.place);
                let prefix = format!("{}{}", h.city.unwrap_or(""), h.district.as_ref().map_or("", |d| &*d.name));
                let street = h.street.as_ref().filter(|_| level == L::Community).map_or("", |s| &*s.name);
                let address = if level == L::District {
                    format!("{}{}", h.city.unwrap_or(""), place.name)
                } else {
                    format!("{prefix}{street}{}", place.name)
                };
                let match_level = match level {
                    L::Community => MatchLevel::Community,
                    L::Street => MatchLevel::Street,
                    _ => MatchLevel::District,
                };
                out.push(Candidate {
                    address,
                    score,
                    level: match_level,
                    point,
                    building: None,
                    hierarchy: h,
                    entry: None,
                    grids: self.grids_within(level, place.place),
                });
            }
            if !out.is_empty() {
                return;
            }
        }
    }
}

impl Gazetteer {
    /// The grids inside the division of `level` that `place` names, by code.
    fn grids_within(&self, level: super::parse::AdminLevel, place: u32) -> Vec<Named> {
        use super::parse::AdminLevel as L;
        let h = self.hierarchy(place);
        let division = match level {
            L::Community => &h.community,
            L::Street => &h.street,
            L::District => &h.district,
            _ => &None,
        };
        match division {
            Some(d) => self.places.grids_within(level, &d.code),
            None => Vec::new(),
        }
    }
}

/// Score factor for how well the upper levels named in the query agree with a candidate's.
fn agreement(p: &ParsedAddress, h: &Hierarchy) -> f64 {
    let mut f = 1.0;
    let pairs = [(&p.district, &h.district), (&p.street, &h.street), (&p.community, &h.community)];
    for (asked, has) in pairs {
        if let (Some(asked), Some(has)) = (asked, has)
            && normalize(&has.name) != *asked
        {
            f *= 0.85;
        }
    }
    if !p.rest.is_empty() {
        f *= 0.95;
    }
    f
}

/// Levenshtein distance between two strings, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::super::AddressRecord;
    use super::*;

    fn record(code: &str, road: Option<&str>, door: Option<&str>, estate: Option<&str>, x: f64) -> AddressRecord {
        AddressRecord {
            code: code.into(),
            address: format!(
                "{}{}{}",
                road.unwrap_or(""),
                door.map(|d| format!("{d}号")).unwrap_or_default(),
                estate.unwrap_or("")
            ),
            road: road.map(Into::into),
            door: door.map(Into::into),
            estate: estate.map(Into::into),
            point: Coord { x, y: 22.5 },
            building: None,
            grid: None,
            source: "test".into(),
            illustrative: true,
        }
    }

    #[test]
    fn doors_roads_estates_typos_and_partial_input() {
        let g = Gazetteer::build(
            vec![
                record("1", Some("福荣路"), Some("12"), None, 114.0),
                record("2", Some("福荣路"), Some("14"), None, 114.001),
                record("3", Some("泰然九路"), Some("5"), None, 114.002),
                record("4", None, None, Some("景田花园"), 114.003),
            ],
            &crate::snapshot::Snapshot::empty(),
        );
        let top = |q: &str| {
            let r = g.search(q, 3);
            r.candidates.first().map(|c| (c.address.clone(), c.level, c.score))
        };
        assert_eq!(top("福荣路十二号"), Some(("福荣路12号".into(), MatchLevel::Door, 1.0)));
        assert_eq!(top("泰然9路5号"), Some(("泰然九路5号".into(), MatchLevel::Door, 1.0)));
        assert_eq!(top("福容路14号"), Some(("福荣路14号".into(), MatchLevel::Door, 0.9)));
        assert_eq!(top("景田花园3栋2单元").map(|t| t.1), Some(MatchLevel::Estate));
        assert_eq!(top("福荣路13号").map(|t| (t.1, t.2)), Some((MatchLevel::Road, 0.6)));
        assert_eq!(top("福荣").map(|t| t.1), Some(MatchLevel::Road));
        assert_eq!(top("!!!"), None);
        assert_eq!(top(""), None);
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("福荣路", "福荣路"), 0);
        assert_eq!(edit_distance("福容路", "福荣路"), 1);
        assert_eq!(edit_distance("深南道", "深南大道"), 1);
        assert_eq!(edit_distance("", "ab"), 2);
    }
}

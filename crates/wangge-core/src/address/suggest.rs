//! Type-ahead: the names of the gazetteer (roads, estates, communities, streets, districts) that
//! start with what has been typed so far, for a suggestion list under a search box.
//!
//! Only the name index (the FST) is walked, never the addresses, so an answer costs a prefix
//! search and a short sort, whatever the size of the gazetteer.

use super::gazetteer::Gazetteer;
use super::normalize::normalize;
use super::parse::AdminLevel;
use super::search::MatchLevel;
use fst::automaton::Automaton;
use fst::{IntoStreamer, Streamer};

/// How many names the prefix walk looks at before ranking: enough for a useful list, few enough
/// to stay fast on a one-character prefix.
const SCAN: usize = 400;

/// One suggested name.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion<'a> {
    /// The name as written.
    pub name: &'a str,
    /// What the name is: road, estate, community, street or district.
    pub level: MatchLevel,
    /// How many addresses carry it (roads and estates), 0 for divisions.
    pub addresses: usize,
}

impl Gazetteer {
    /// Names starting with the normalised `prefix`, best first: exact names first, then shorter
    /// (closer) names, then the busier ones; at most `limit`.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<Suggestion<'_>> {
        let norm = normalize(prefix);
        if norm.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut found: Vec<(u32, Suggestion<'_>)> = Vec::new();
        let mut stream = self.names.search(fst::automaton::Str::new(&norm).starts_with()).into_stream();
        let mut scanned = 0;
        while let Some((_, id)) = stream.next() {
            scanned += 1;
            if scanned > SCAN {
                break;
            }
            let key = self.key(id as u32);
            let (level, addresses) = if !key.road.is_empty() {
                (MatchLevel::Road, key.road.len())
            } else if !key.estate.is_empty() {
                (MatchLevel::Estate, key.estate.len())
            } else if let Some(&a) = key.admin.first() {
                match self.admin_place(a).level {
                    AdminLevel::Community => (MatchLevel::Community, 0),
                    AdminLevel::Street => (MatchLevel::Street, 0),
                    AdminLevel::District => (MatchLevel::District, 0),
                    // Provinces and cities are no place to go to on a city's map.
                    _ => continue,
                }
            } else {
                continue;
            };
            found.push((id as u32, Suggestion { name: key.display.as_str(), level, addresses }));
        }
        found.sort_by(|(a, x), (b, y)| {
            let exact = |id: &u32| self.key(*id).norm != norm;
            exact(a)
                .cmp(&exact(b))
                .then(self.key(*a).norm.chars().count().cmp(&self.key(*b).norm.chars().count()))
                .then(y.addresses.cmp(&x.addresses))
                .then(x.name.cmp(y.name))
        });
        found.into_iter().take(limit).map(|(_, s)| s).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::AddressRecord;
    use super::*;
    use geo::Coord;

    fn record(code: &str, road: &str, door: &str) -> AddressRecord {
        AddressRecord {
            code: code.into(),
            address: format!("{road}{door}号"),
            road: Some(road.into()),
            door: Some(door.into()),
            estate: None,
            point: Coord { x: 114.0, y: 22.5 },
            building: None,
            grid: None,
            source: "test".into(),
            illustrative: true,
        }
    }

    #[test]
    fn names_starting_with_the_input_exact_and_short_first() {
        let g = Gazetteer::build(
            vec![
                record("1", "深南大道", "1"),
                record("2", "深南大道", "2"),
                record("3", "深南大道辅路", "1"),
                record("4", "福荣路", "1"),
            ],
            &crate::snapshot::Snapshot::empty(),
        );
        let names = |q: &str| {
            g.suggest(q, 5).into_iter().map(|s| (s.name.to_string(), s.level, s.addresses)).collect::<Vec<_>>()
        };
        assert_eq!(
            names("深南"),
            vec![("深南大道".into(), MatchLevel::Road, 2), ("深南大道辅路".into(), MatchLevel::Road, 1)]
        );
        assert_eq!(names("深南大道辅路")[0].0, "深南大道辅路");
        assert_eq!(names("福").len(), 1);
        assert!(names("华强北").is_empty());
        assert!(names("").is_empty());
        assert_eq!(g.suggest("深", 1).len(), 1);
    }
}

//! Generated building codes (domain.md §3, Xi'an: buildings within a community are numbered
//! 00001–99999): a building read without a code gets its community's code followed by a
//! five-digit sequence number.
//!
//! # Order
//! Within one community, buildings are numbered west→east, north→south (the order DB11/T
//! 2157-2023 §5.4 gives grid sequence numbers), made exact like this:
//! 1. each building's *representative point* is its interior point (`geo::InteriorPoint`: a point
//!    guaranteed inside a polygon; the point itself for a point geometry);
//! 2. points fall into latitude *rows* [`ROW_DEG`] high, counted from the equator
//!    (`floor(lat / ROW_DEG)`), so a building's row does not depend on which other buildings came
//!    with it;
//! 3. rows are taken from north to south; within a row, by longitude from west to east; equal
//!    longitudes by latitude from north to south, then by input position.
//!
//! Numbers start after the highest sequence number already used in the community (stored, or
//! given in the same input), so a code is never reused, not even one freed by a deletion that left
//! higher numbers behind. A community whose numbers would pass 99,999 gets
//! one [`Rule::CodeSpaceFull`] and no building of it is numbered.

use crate::feature_ref::FeatureRef;
use crate::model::{Feature, Layer};
use crate::problem::{Problem, Rule};
use crate::snapshot::Snapshot;
use geo::{Coord, InteriorPoint};
use std::collections::{BTreeMap, HashMap};

/// Height of one numbering row, in degrees of latitude (about 22 m): buildings whose
/// representative points are closer north–south than about one building depth share a row.
pub const ROW_DEG: f64 = 0.0002;

/// Digits of a building's sequence number within its community.
pub const SEQUENCE_DIGITS: usize = 5;

/// Highest sequence number (99999).
pub const MAX_SEQUENCE: u32 = 99_999;

/// Codes buildings `uncoded` (each with its input position, code empty) and returns them, in input
/// order. `given` are buildings of the same input that came with a code: their numbers are taken.
/// A building's community is its grid's parent; its grid is `parent_code`, or when that is absent
/// the grid of `current` holding its representative point (then written into `parent_code`).
///
/// Buildings whose community cannot be found keep no code and are returned as problems
/// ([`Rule::UnknownParent`] or [`Rule::MissingProperty`] `parent_code`); a community whose
/// numbers would pass [`MAX_SEQUENCE`] is one [`Rule::CodeSpaceFull`] and none of its buildings is
/// returned.
pub fn number_buildings(
    uncoded: Vec<(usize, Feature)>,
    given: &[(usize, Feature)],
    current: &Snapshot,
) -> (Vec<(usize, Feature)>, Vec<Problem>) {
    let grids = current.layer(Layer::Grid);
    let mut problems = Vec::new();
    // community code → (representative point, input position, feature)
    let mut by_community: BTreeMap<String, Vec<(Coord, usize, Feature)>> = BTreeMap::new();
    for (i, mut f) in uncoded {
        let Some(at) = f.geometry.interior_point().map(|p| p.0) else {
            problems.push(Problem::new(Some(i), None, Rule::EmptyGeometry));
            continue;
        };
        if f.parent_code.is_none() {
            f.parent_code = current.lookup(at).grid.map(|g| g.code().to_string());
        }
        let Some(grid_code) = f.parent_code.clone() else {
            problems.push(Problem::new(Some(i), None, Rule::MissingProperty { key: "parent_code".into() }));
            continue;
        };
        let Some(community) = grids.get(&grid_code).and_then(|g| g.parent_code().map(str::to_string)) else {
            problems.push(Problem::new(Some(i), None, Rule::UnknownParent { parent_code: grid_code }));
            continue;
        };
        by_community.entry(community).or_default().push((at, i, f));
    }
    let taken =
        highest_taken(current.layer(Layer::Building).iter().chain(given.iter().map(|(_, f)| FeatureRef::from(f))));
    let mut out = Vec::new();
    for (community, mut members) in by_community {
        members.sort_by(|(a, ia, _), (b, ib, _)| {
            row(b.y).cmp(&row(a.y)).then(a.x.total_cmp(&b.x)).then(b.y.total_cmp(&a.y)).then(ia.cmp(ib))
        });
        let first = taken.get(community.as_str()).map_or(1, |&n| n + 1);
        let last = first as u64 + members.len() as u64 - 1;
        if last > u64::from(MAX_SEQUENCE) {
            let available = (MAX_SEQUENCE + 1).saturating_sub(first) as usize;
            // One problem for the community (at its first building in numbering order), not one
            // per building: a hundred thousand identical lines would bury it.
            let rule = Rule::CodeSpaceFull { community: community.clone(), needed: members.len(), available };
            problems.push(Problem::new(Some(members[0].1), None, rule));
            continue;
        }
        for (n, (_, i, mut f)) in members.into_iter().enumerate() {
            f.code = format!("{community}{:0width$}", first as usize + n, width = SEQUENCE_DIGITS);
            if f.name.is_empty() {
                f.name = f.code.clone();
            }
            out.push((i, f));
        }
    }
    out.sort_by_key(|(i, _)| *i);
    (out, problems)
}

/// The row of latitude `lat` (see the module documentation).
fn row(lat: f64) -> i64 {
    (lat / ROW_DEG).floor() as i64
}

/// Highest sequence number used per community by building codes of the form community code +
/// five digits (the community is the building's grid code without its own three digits, or the
/// code's leading part when the grid is unknown).
fn highest_taken<'a>(buildings: impl Iterator<Item = FeatureRef<'a>>) -> HashMap<&'a str, u32> {
    let mut out: HashMap<&str, u32> = HashMap::new();
    for b in buildings {
        let code = b.code();
        let Some(split) = code.len().checked_sub(SEQUENCE_DIGITS) else { continue };
        let (Some(community), Some(seq)) = (code.get(..split), code.get(split..)) else { continue };
        let Ok(n) = seq.parse::<u32>() else { continue };
        if !seq.bytes().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let e = out.entry(community).or_default();
        *e = (*e).max(n);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Attrs;
    use geo::{Geometry, Point, Rect};

    fn feature(code: &str, parent: Option<&str>, geometry: Geometry<f64>) -> Feature {
        Feature {
            code: code.into(),
            name: String::new(),
            parent_code: parent.map(str::to_string),
            attrs: Attrs::new(),
            geometry,
        }
    }

    fn city() -> Snapshot {
        let community =
            feature("440304006009", Some("440304006"), Rect::new((0.0, 0.0), (1.0, 1.0)).to_polygon().into());
        let grid =
            feature("440304006009001", Some("440304006009"), Rect::new((0.0, 0.0), (1.0, 1.0)).to_polygon().into());
        Snapshot::new([(Layer::Community, vec![community]), (Layer::Grid, vec![grid])])
    }

    fn at(x: f64, y: f64) -> Geometry<f64> {
        Point::new(x, y).into()
    }

    #[test]
    fn rows_north_to_south_then_west_to_east() {
        let g = Some("440304006009001");
        // Input order deliberately scrambled; the two northern points share a row (0.00005° apart).
        let uncoded = vec![
            (0, feature("", g, at(0.2, 0.5))),
            (1, feature("", g, at(0.6, 0.90005))),
            (2, feature("", g, at(0.1, 0.9))),
            (3, feature("", g, at(0.1, 0.5))),
        ];
        let (coded, problems) = number_buildings(uncoded, &[], &city());
        assert!(problems.is_empty(), "{problems:?}");
        let codes: Vec<(usize, &str)> = coded.iter().map(|(i, f)| (*i, f.code.as_str())).collect();
        assert_eq!(
            codes,
            [(0, "44030400600900004"), (1, "44030400600900002"), (2, "44030400600900001"), (3, "44030400600900003")]
        );
    }

    #[test]
    fn numbers_follow_the_highest_taken_and_the_parent_is_found_by_location() {
        let given = [(9, feature("44030400600900007", Some("440304006009001"), at(0.5, 0.5)))];
        let (coded, problems) = number_buildings(vec![(0, feature("", None, at(0.5, 0.4)))], &given, &city());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(coded[0].1.code, "44030400600900008");
        assert_eq!(coded[0].1.parent_code.as_deref(), Some("440304006009001"));
    }

    #[test]
    fn a_full_community_is_one_problem_and_none_of_its_buildings_is_numbered() {
        let given = [(9, feature("44030400600999999", Some("440304006009001"), at(0.5, 0.5)))];
        let uncoded = vec![(3, feature("", Some("440304006009001"), at(0.5, 0.4)))];
        let (coded, problems) = number_buildings(uncoded, &given, &city());
        assert!(coded.is_empty());
        assert_eq!(
            problems,
            [Problem::new(
                Some(3),
                None,
                Rule::CodeSpaceFull { community: "440304006009".into(), needed: 1, available: 0 }
            )]
        );
        let unknown = number_buildings(vec![(0, feature("", Some("nope"), at(0.5, 0.4)))], &[], &city()).1;
        assert_eq!(unknown[0].rule, Rule::UnknownParent { parent_code: "nope".into() });
    }
}

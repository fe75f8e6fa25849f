//! The places of a gazetteer: where each address, and each division answered by name, sits in the
//! hierarchy ([`Hierarchy`]), numbered so that an [`super::gazetteer::Entry`] names its place in
//! four bytes.
//!
//! Every grid has a place, with addresses or not (a street's answer lists the grids inside it), and
//! at national scale those are almost all of them. Nothing in a grid's place is new: its code and
//! name are the grid's, and its community, street and district follow from parent codes. So a grid
//! place keeps only the position of its community (4 bytes); its [`Hierarchy`] is made when an
//! answer asks for it, from the grid layer (shared with the snapshot, not copied) and one table
//! per division layer whose [`Named`] every grid under that division shares. Materialised, a
//! grid's hierarchy took ≈ 230 bytes (the struct, and a code and a name allocated for it).
//!
//! Divisions, the provinces and cities above them, and addresses outside every grid keep their
//! hierarchy as built: there are few of them, and some come from a geometric lookup.
//!
//! Numbering: the places stored before the grids (divisions), then one per grid in the grid
//! layer's code order (grid `i` is place `first + i`), then the places stored after (addresses
//! outside every grid).

use super::divisions::{city_of, province_of};
use super::gazetteer::{Hierarchy, Named};
use super::parse::AdminLevel;
use crate::feature_ref::FeatureRef;
use crate::model::Layer;
use crate::snapshot::{LayerData, Snapshot};
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

/// A position that names nothing (no parent, or a parent code that no feature has). Indexing a
/// table with it finds nothing (`get` answers `None`), which is how a chain of parents stops.
const NONE: u32 = u32::MAX;

/// Every place of a gazetteer (see the module documentation).
#[derive(Default)]
pub(super) struct Places {
    /// Places other than grids, in place order with the grids left out.
    stored: Vec<Hierarchy>,
    grids: GridPlaces,
}

/// The grids' places: the layer and one community position per grid, and the divisions above.
#[derive(Default)]
struct GridPlaces {
    /// The place of grid 0.
    first: u32,
    /// The grid layer, shared with the snapshot the gazetteer was built from.
    layer: Option<Arc<LayerData>>,
    /// Per grid, in the layer's order: the position of its community in `communities`, or [`NONE`].
    community: Vec<u32>,
    /// Per community of the snapshot: its name and the position of its street in `streets`.
    communities: Vec<Division>,
    /// Per street: its name and the position of its district in `districts`.
    streets: Vec<Division>,
    /// Per district: its name (`up` is [`NONE`]).
    districts: Vec<Division>,
}

/// A division's shared name and the position of its parent one level up.
struct Division {
    named: Named,
    up: u32,
}

/// One grid of an answer, before its [`Named`] is made: a grid of the layer by position, or the
/// grid a stored place names.
#[derive(Clone, Copy)]
enum GridRef<'a> {
    Layer(usize),
    Stored(&'a Named),
}

/// A division or grid as shown in answers, with its own copy of the code and name.
pub(super) fn named(f: FeatureRef<'_>) -> Named {
    Named { code: f.code().into(), name: f.name().into() }
}

/// The hierarchy with the province and city its district's code implies.
pub(super) fn with_upper(mut h: Hierarchy) -> Hierarchy {
    if let Some(d) = &h.district {
        h.province = province_of(&d.code);
        h.city = city_of(&d.code);
    }
    h
}

impl Places {
    /// Stores a place that is not a grid; its number.
    pub(super) fn push(&mut self, h: Hierarchy) -> u32 {
        let i = self.stored.len() as u32;
        self.stored.push(h);
        // Places pushed once the grids are numbered come after them.
        if i >= self.grids.first { i + self.grids.community.len() as u32 } else { i }
    }

    /// Numbers the grids of `snapshot` as the next places: grid `i` is the place returned plus `i`.
    /// A grid's community is the community its parent code names, that community's street the
    /// street its parent code names, and so on up (no geometric fallback, as for every grid place).
    pub(super) fn add_grids(&mut self, snapshot: &Snapshot) -> u32 {
        let layer = snapshot.layer_shared(Layer::Grid);
        let divisions = |layer: Layer, up: Option<Layer>| -> Vec<Division> {
            let parents = up.map(|l| snapshot.layer(l));
            let mut last = None;
            snapshot
                .layer(layer)
                .iter()
                .map(|f| Division { named: named(f), up: parents.map_or(NONE, |p| parent(p, f, &mut last)) })
                .collect()
        };
        let communities = snapshot.layer(Layer::Community);
        // Grids come in code order, so runs of them share a community: one comparison with the last
        // one found replaces most binary searches over the community codes.
        let mut last = None;
        let community = layer.iter().map(|g| parent(communities, g, &mut last)).collect();
        self.grids = GridPlaces {
            first: self.stored.len() as u32,
            communities: divisions(Layer::Community, Some(Layer::Street)),
            streets: divisions(Layer::Street, Some(Layer::District)),
            districts: divisions(Layer::District, None),
            community,
            layer: Some(layer),
        };
        self.grids.first
    }

    /// Gives back the spare room of the growing vectors (one place per grid at national scale).
    pub(super) fn shrink_to_fit(&mut self) {
        self.stored.shrink_to_fit();
    }

    /// The grid of `place` when it is a grid place.
    fn grid_position(&self, place: u32) -> Option<usize> {
        let i = place.checked_sub(self.grids.first)? as usize;
        (i < self.grids.community.len()).then_some(i)
    }

    /// The stored hierarchy of a place that is not a grid.
    fn stored(&self, place: u32) -> &Hierarchy {
        let n = self.grids.community.len() as u32;
        let i = if place < self.grids.first { place } else { place - n };
        &self.stored[i as usize]
    }

    /// The divisions above grid `i`: community, street, district.
    fn chain(&self, i: usize) -> [Option<&Division>; 3] {
        let g = &self.grids;
        let community = g.communities.get(g.community[i] as usize);
        let street = community.and_then(|c| g.streets.get(c.up as usize));
        let district = street.and_then(|s| g.districts.get(s.up as usize));
        [community, street, district]
    }

    fn grid_feature(&self, i: usize) -> FeatureRef<'_> {
        // A grid place exists only for a grid of the layer, so the layer is there.
        self.grids.layer.as_ref().expect("a grid place has its layer").feature(i)
    }

    /// Where `place` sits in the hierarchy; made for a grid place, borrowed for the others.
    pub(super) fn hierarchy(&self, place: u32) -> Cow<'_, Hierarchy> {
        let Some(i) = self.grid_position(place) else { return Cow::Borrowed(self.stored(place)) };
        let [community, street, district] = self.chain(i).map(|d| d.map(|d| d.named.clone()));
        Cow::Owned(with_upper(Hierarchy {
            grid: Some(named(self.grid_feature(i))),
            community,
            street,
            district,
            ..Hierarchy::default()
        }))
    }

    fn grid_ref(&self, place: u32) -> Option<GridRef<'_>> {
        match self.grid_position(place) {
            Some(i) => Some(GridRef::Layer(i)),
            None => self.stored(place).grid.as_ref().map(GridRef::Stored),
        }
    }

    fn code_of<'a>(&'a self, g: GridRef<'a>) -> &'a str {
        match g {
            GridRef::Layer(i) => self.grid_feature(i).code(),
            GridRef::Stored(n) => &n.code,
        }
    }

    fn named_of(&self, g: GridRef<'_>) -> Named {
        match g {
            GridRef::Layer(i) => named(self.grid_feature(i)),
            GridRef::Stored(n) => n.clone(),
        }
    }

    /// The code of the district of `place`, without making its hierarchy.
    pub(super) fn district_code(&self, place: u32) -> Option<&str> {
        match self.grid_position(place) {
            Some(i) => self.chain(i)[2].map(|d| &*d.named.code),
            None => self.stored(place).district.as_ref().map(|d| &*d.code),
        }
    }

    /// The distinct grids of `places`, by code, in first-seen order.
    pub(super) fn grids_of(&self, places: impl Iterator<Item = u32>) -> Vec<Named> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut out = Vec::new();
        for g in places.filter_map(|p| self.grid_ref(p)) {
            if seen.insert(self.code_of(g)) {
                out.push(self.named_of(g));
            }
        }
        out
    }

    /// The grids inside the division of `level` with `code`, by code: every grid place whose
    /// hierarchy names that division at that level, and the grids of the stored places that do.
    pub(super) fn grids_within(&self, level: AdminLevel, code: &str) -> Vec<Named> {
        let at = match level {
            AdminLevel::Community => 0,
            AdminLevel::Street => 1,
            AdminLevel::District => 2,
            _ => return Vec::new(),
        };
        // Which communities lie inside, decided once per community rather than once per grid.
        let g = &self.grids;
        let inside: Vec<bool> = (0..g.communities.len())
            .map(|c| {
                let street = g.streets.get(g.communities[c].up as usize);
                let district = street.and_then(|s| g.districts.get(s.up as usize));
                [Some(&g.communities[c]), street, district][at].is_some_and(|d| &*d.named.code == code)
            })
            .collect();
        let mut found: Vec<GridRef<'_>> = (0..g.community.len())
            .filter(|&i| inside.get(g.community[i] as usize).copied().unwrap_or(false))
            .map(GridRef::Layer)
            .collect();
        for h in &self.stored {
            let division = [&h.community, &h.street, &h.district][at];
            if let Some(grid) = &h.grid
                && division.as_ref().is_some_and(|d| &*d.code == code)
            {
                found.push(GridRef::Stored(grid));
            }
        }
        // Stable: of the places naming one grid code, the first in place order is kept.
        found.sort_by(|a, b| self.code_of(*a).cmp(self.code_of(*b)));
        found.dedup_by(|a, b| self.code_of(*a) == self.code_of(*b));
        found.into_iter().map(|g| self.named_of(g)).collect()
    }
}

/// The position in `parents` of the feature `child` names as its parent, or [`NONE`]; `last`
/// remembers the previous answer, which features in code order often share.
fn parent(parents: &LayerData, child: FeatureRef<'_>, last: &mut Option<u32>) -> u32 {
    let Some(code) = child.parent_code() else { return NONE };
    if let Some(i) = *last
        && parents.feature(i as usize).code() == code
    {
        return i;
    }
    match parents.position(code) {
        Some(i) => {
            *last = Some(i);
            i
        }
        None => NONE,
    }
}

#[cfg(test)]
mod tests {
    use super::super::search::MatchLevel;
    use super::super::{AddressRecord, Gazetteer};
    use super::*;
    use crate::model::Feature;
    use geo::{Coord, Rect};

    fn area(code: &str, name: &str, parent: Option<&str>, x0: f64, x1: f64, y1: f64) -> Feature {
        let square = Rect::new(Coord { x: x0, y: 22.5 }, Coord { x: x1, y: y1 }).to_polygon();
        Feature::with_default_name(
            code.into(),
            Some(name.into()),
            parent.map(Into::into),
            Default::default(),
            square.into(),
        )
    }

    fn record(code: &str, grid: Option<&str>, x: f64, y: f64) -> AddressRecord {
        AddressRecord {
            code: code.into(),
            address: format!("红荔路{code}号"),
            road: Some("红荔路".into()),
            door: Some(code.into()),
            estate: None,
            point: Coord { x, y },
            building: None,
            grid: grid.map(Into::into),
            source: "test".into(),
            illustrative: true,
        }
    }

    fn n(code: &str, name: &str) -> Option<Named> {
        Some(Named { code: code.into(), name: name.into() })
    }

    /// A district with one street and two communities, the second naming a street that does not
    /// exist; four grids, one naming no community.
    fn gazetteer() -> Gazetteer {
        let snapshot = Snapshot::new([
            (Layer::District, vec![area("440304", "福田区", None, 114.0, 114.4, 22.9)]),
            (Layer::Street, vec![area("440304001", "园岭街道", Some("440304"), 114.0, 114.4, 22.9)]),
            (
                Layer::Community,
                vec![
                    area("440304001001", "红荔社区", Some("440304001"), 114.0, 114.3, 22.9),
                    area("440304001002", "孤岛社区", Some("440304999"), 114.3, 114.4, 22.9),
                ],
            ),
            (
                Layer::Grid,
                vec![
                    area("G1", "一格", Some("440304001001"), 114.0, 114.1, 22.6),
                    area("G2", "二格", Some("440304001002"), 114.3, 114.35, 22.6),
                    area("G3", "三格", None, 114.35, 114.4, 22.6),
                    area("G4", "四格", Some("440304001001"), 114.1, 114.2, 22.6),
                ],
            ),
        ]);
        let records = vec![
            record("1", Some("G1"), 114.05, 22.55),
            record("2", None, 114.15, 22.55),
            // A grid code the layer lacks: placed by its point, as an address outside every grid.
            record("3", Some("GX"), 114.15, 22.56),
            // In a community but in no grid; the community names no street, so the district is
            // the one holding the point.
            record("4", None, 114.35, 22.8),
            record("5", Some("G2"), 114.32, 22.55),
            record("6", Some("G3"), 114.38, 22.55),
        ];
        Gazetteer::build(records, &snapshot)
    }

    #[test]
    fn grid_places_make_the_hierarchy_their_parent_codes_give() {
        let g = gazetteer();
        let place = |code: &str| (0..g.len() as u32).find(|&i| &*g.entry(i).code == code).map(|i| g.entry(i).place);
        let h = |code: &str| place(code).map(|p| g.hierarchy(p).into_owned());
        let chain = |grid: Option<Named>| Hierarchy {
            province: Some("广东省"),
            city: Some("深圳市"),
            district: n("440304", "福田区"),
            street: n("440304001", "园岭街道"),
            community: n("440304001001", "红荔社区"),
            grid,
        };
        assert_eq!(h("1"), Some(chain(n("G1", "一格"))));
        assert_eq!(h("2"), Some(chain(n("G4", "四格"))));
        assert_eq!(h("3"), Some(chain(n("G4", "四格"))));
        assert_ne!(place("3"), place("2"), "an unknown grid code makes a place of its own");
        let outside = Hierarchy { community: n("440304001002", "孤岛社区"), street: None, ..chain(None) };
        assert_eq!(h("4"), Some(outside));
        // The chain stops where a parent code names nothing; no province without a district.
        let lone =
            Hierarchy { community: n("440304001002", "孤岛社区"), grid: n("G2", "二格"), ..Hierarchy::default() };
        assert_eq!(h("5"), Some(lone));
        assert_eq!(h("6"), Some(Hierarchy { grid: n("G3", "三格"), ..Hierarchy::default() }));
        assert!(matches!(g.hierarchy(place("4").unwrap_or(0)), Cow::Borrowed(_)));
    }

    #[test]
    fn division_and_road_answers_list_their_grids() {
        let g = gazetteer();
        let grids = |q: &str| {
            let r = g.search(q, 5);
            let c = r.candidates.first().unwrap_or_else(|| panic!("{q}: no answer"));
            (c.level, c.grids.iter().map(|n| format!("{}{}", n.code, n.name)).collect::<Vec<_>>())
        };
        let both = || vec!["G1一格".to_string(), "G4四格".to_string()];
        assert_eq!(grids("红荔社区"), (MatchLevel::Community, both()));
        assert_eq!(grids("孤岛社区"), (MatchLevel::Community, vec!["G2二格".to_string()]));
        assert_eq!(grids("园岭街道"), (MatchLevel::Street, both()));
        assert_eq!(grids("福田区"), (MatchLevel::District, both()));
        // A road: its addresses' grids in first-seen order (by door), the duplicate G4 and the
        // gridless address left out; the other district group (none) has G2 and G3.
        let r = g.search("红荔路", 5);
        let roads: Vec<Vec<&str>> = r.candidates.iter().map(|c| c.grids.iter().map(|n| &*n.code).collect()).collect();
        assert!(roads.contains(&vec!["G1", "G4"]), "{roads:?}");
        assert!(roads.contains(&vec!["G2", "G3"]), "{roads:?}");
    }
}

//! The difference between two states of the hierarchy: features added, removed, reshaped (with
//! the change of area in m²), attributes changed, and which buildings — with their households —
//! move between grids, per building and per pair of grids.

use super::distance::geodesic_area_m2;
use super::feature_ref::FeatureRef;
use super::model::Layer;
use super::snapshot::{Snapshot, as_multipolygon};
use geo::orient::{Direction, Orient};
use geo::{Area, BooleanOps, BoundingRect, MultiPolygon};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One feature that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changed {
    /// Layer.
    pub layer: Layer,
    /// Code.
    pub code: String,
    /// `added`, `removed`, `reshaped` or `attributes` (same shape, other properties changed).
    pub change: &'static str,
    /// Area before, m² (area layers).
    pub area_before_m2: Option<f64>,
    /// Area after, m².
    pub area_after_m2: Option<f64>,
    /// Area after minus area before, m² (when both are known).
    pub area_change_m2: Option<f64>,
    /// Properties that differ (`name`, `parent_code` and every attribute), before and after.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, AttributeChange>,
}

/// One property's value before and after (`null` when absent).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributeChange {
    /// Value before.
    pub before: Value,
    /// Value after.
    pub after: Value,
}

/// Buildings that move from one grid to another, with their households, summed per pair of grids.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridMove {
    /// Grid before (None for new buildings).
    pub from: Option<String>,
    /// Grid after (None for removed buildings).
    pub to: Option<String>,
    /// Building codes, in code order.
    pub buildings: Vec<String>,
    /// Their households.
    pub households: i64,
}

/// A building whose grid changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moved {
    /// Building code.
    pub building: String,
    /// Grid before (None if the building is new).
    pub from: Option<String>,
    /// Grid after (None if removed).
    pub to: Option<String>,
    /// Its households.
    pub households: i64,
}

/// Everything that differs between two states.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Diff {
    /// Features added, removed or changed, by layer and code.
    pub changed: Vec<Changed>,
    /// Buildings that change grid.
    pub buildings_moved: Vec<Moved>,
    /// Households that change grid, in all.
    pub households_moved: i64,
    /// The same moves summed per pair of grids (from → to).
    pub grid_moves: Vec<GridMove>,
}

fn properties(f: FeatureRef<'_>) -> BTreeMap<String, Value> {
    let mut out: BTreeMap<String, Value> = f.attrs().iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    out.insert("name".into(), Value::String(f.name().to_string()));
    out.insert("parent_code".into(), f.parent_code().map_or(Value::Null, |p| Value::String(p.to_string())));
    out
}

/// The properties that differ between two versions of a feature.
pub fn attribute_changes(
    before: Option<FeatureRef<'_>>,
    after: Option<FeatureRef<'_>>,
) -> BTreeMap<String, AttributeChange> {
    let (Some(b), Some(a)) = (before, after) else { return BTreeMap::new() };
    let (pb, pa) = (properties(b), properties(a));
    let keys: std::collections::BTreeSet<&String> = pb.keys().chain(pa.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (vb, va) = (pb.get(k).cloned().unwrap_or(Value::Null), pa.get(k).cloned().unwrap_or(Value::Null));
            (vb != va).then(|| (k.clone(), AttributeChange { before: vb, after: va }))
        })
        .collect()
}

/// The pieces of area a reshaped, added or removed area feature gained (`gained`) or lost
/// (`lost`), in degrees like the features themselves. Empty pieces are left out.
pub fn changed_pieces(
    before: Option<FeatureRef<'_>>,
    after: Option<FeatureRef<'_>>,
) -> Vec<(&'static str, MultiPolygon<f64>)> {
    let mp = |f: Option<FeatureRef<'_>>| {
        f.map_or_else(|| MultiPolygon::new(vec![]), |f| as_multipolygon(&f.geometry()).orient(Direction::Default))
    };
    let (b, a) = (mp(before), mp(after));
    [("gained", a.difference(&b)), ("lost", b.difference(&a))]
        .into_iter()
        .filter(|(_, p)| p.unsigned_area() > 0.0)
        .collect()
}

/// Area in m² on the WGS 84 ellipsoid (`None` for a feature with no extent).
pub fn area_m2(f: FeatureRef<'_>) -> Option<f64> {
    let mp = as_multipolygon(&f.geometry());
    mp.bounding_rect()?;
    Some(geodesic_area_m2(&mp))
}

/// Area of a multipolygon in m² on the WGS 84 ellipsoid (0 for an empty one).
pub fn multipolygon_area_m2(mp: &MultiPolygon<f64>) -> f64 {
    geodesic_area_m2(mp)
}

/// Features that differ between two states, per layer: (before, after), either side `None`.
pub type Changes<'a> = BTreeMap<(Layer, String), (Option<FeatureRef<'a>>, Option<FeatureRef<'a>>)>;

/// What changed from `before` to `after`.
pub fn changes<'a>(before: &'a Snapshot, after: &'a Snapshot) -> Changes<'a> {
    let mut out = Changes::new();
    for layer in Layer::ALL {
        let (b, a) = (before.layer(layer), after.layer(layer));
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for f in b.iter() {
            seen.insert(f.code());
            let now = a.get(f.code());
            if now != Some(f) {
                out.insert((layer, f.code().to_string()), (Some(f), now));
            }
        }
        for f in a.iter().filter(|f| !seen.contains(f.code())) {
            out.insert((layer, f.code().to_string()), (None, Some(f)));
        }
    }
    out
}

/// What changes from `before` to `after`.
pub fn diff(before: &Snapshot, after: &Snapshot) -> Diff {
    let mut out = Diff::default();
    for layer in Layer::ALL {
        let (b, a) = (before.layer(layer), after.layer(layer));
        let area = |f: Option<FeatureRef<'_>>| if layer.is_area_layer() { f.and_then(area_m2) } else { None };
        for f in b.iter() {
            let now = a.get(f.code());
            let change = match now {
                None => "removed",
                Some(n) if n.geometry() != f.geometry() => "reshaped",
                Some(n) if n != f => "attributes",
                Some(_) => continue,
            };
            let (before_m2, after_m2) = (area(Some(f)), area(now));
            out.changed.push(Changed {
                layer,
                code: f.code().to_string(),
                change,
                area_before_m2: before_m2,
                area_after_m2: after_m2,
                area_change_m2: before_m2.zip(after_m2).map(|(b, a)| a - b),
                attributes: attribute_changes(Some(f), now),
            });
        }
        for f in a.iter().filter(|f| b.get(f.code()).is_none()) {
            out.changed.push(Changed {
                layer,
                code: f.code().to_string(),
                change: "added",
                area_before_m2: None,
                area_after_m2: area(Some(f)),
                area_change_m2: None,
                attributes: BTreeMap::new(),
            });
        }
    }
    let (b, a) = (before.layer(Layer::Building), after.layer(Layer::Building));
    let codes: std::collections::BTreeSet<&str> = b.iter().chain(a.iter()).map(|f| f.code()).collect();
    for code in codes {
        let (from, to) = (b.get(code), a.get(code));
        let grid = |f: Option<FeatureRef<'_>>| f.and_then(|f| f.parent_code().map(str::to_string));
        if grid(from) != grid(to) {
            let households = to.or(from).and_then(|f| f.int_attr("households")).unwrap_or(0);
            out.households_moved += households;
            out.buildings_moved.push(Moved { building: code.to_string(), from: grid(from), to: grid(to), households });
        }
    }
    let mut pairs: BTreeMap<(Option<String>, Option<String>), GridMove> = BTreeMap::new();
    for m in &out.buildings_moved {
        let entry = pairs.entry((m.from.clone(), m.to.clone())).or_insert_with(|| GridMove {
            from: m.from.clone(),
            to: m.to.clone(),
            buildings: Vec::new(),
            households: 0,
        });
        entry.buildings.push(m.building.clone());
        entry.households += m.households;
    }
    out.grid_moves = pairs.into_values().collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{Draft, Edit};
    use crate::rules::tests::{city, feature, rect};

    #[test]
    fn nothing_changed_is_an_empty_diff() {
        assert_eq!(diff(&city(), &city()), Diff::default());
    }

    #[test]
    fn a_moved_boundary_and_a_reassigned_building_show_up() {
        let mut d = Draft::from_snapshot(&city(), |n| n.to_string());
        let mut b = feature("44030400600900001", "440304006009001", rect(0.2, 0.2, 0.1, 0.1));
        b.attrs.insert("households".into(), 30.into());
        d.apply(&Edit::Create { layer: Layer::Building, feature: b }).unwrap();
        let before = d.to_snapshot();
        let codes = vec!["440304006009002".to_string(), "440304006009001".to_string()];
        d.apply(&Edit::Merge { layer: Layer::Grid, codes }).unwrap();
        d.apply(&Edit::ReassignBuildings {
            buildings: vec!["44030400600900001".into()],
            grid: "440304006009002".into(),
        })
        .unwrap();
        let out = diff(&before, &d.to_snapshot());
        let kinds: Vec<(&str, &str)> = out.changed.iter().map(|c| (c.code.as_str(), c.change)).collect();
        assert!(kinds.contains(&("440304006009001", "removed")) && kinds.contains(&("440304006009002", "reshaped")));
        let grown = out.changed.iter().find(|c| c.code == "440304006009002").unwrap();
        let ratio = grown.area_after_m2.unwrap() / grown.area_before_m2.unwrap();
        assert!((ratio - 2.0).abs() < 1e-6, "{ratio}");
        assert_eq!(out.households_moved, 30);
        assert_eq!(out.buildings_moved[0].to.as_deref(), Some("440304006009002"));
        let pair = &out.grid_moves[0];
        assert_eq!((pair.from.as_deref(), pair.to.as_deref()), (Some("440304006009001"), Some("440304006009002")));
        assert_eq!((pair.buildings.len(), pair.households), (1, 30));
        assert!((grown.area_change_m2.unwrap() - grown.area_before_m2.unwrap()).abs() < 1e-3);
        let moved = out.changed.iter().find(|c| c.code == "44030400600900001").unwrap();
        assert_eq!(moved.change, "attributes");
        assert_eq!(moved.attributes["parent_code"].after, "440304006009002");
        let before_f = before.layer(Layer::Grid).get("440304006009002");
        let after_snapshot = d.to_snapshot();
        let pieces = changed_pieces(before_f, after_snapshot.layer(Layer::Grid).get("440304006009002"));
        assert_eq!(pieces.iter().map(|p| p.0).collect::<Vec<_>>(), vec!["gained"]);
    }
}

//! The difference between two states of the hierarchy: features added, removed, reshaped (with
//! the change of area in m²), and which buildings — with their households — move between grids.

use super::model::{Feature, Layer};
use super::rules::frame::Frame;
use super::snapshot::{Snapshot, as_multipolygon};
use geo::{Area, BoundingRect};
use serde::Serialize;

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
}

/// Area in m², measured in a frame centred on the feature.
pub fn area_m2(f: &Feature) -> Option<f64> {
    let mp = as_multipolygon(&f.geometry);
    let bbox = mp.bounding_rect()?;
    Some(Frame::around(bbox).project(&mp).unsigned_area())
}

/// What changes from `before` to `after`.
pub fn diff(before: &Snapshot, after: &Snapshot) -> Diff {
    let mut out = Diff::default();
    for layer in Layer::ALL {
        let (b, a) = (before.layer(layer), after.layer(layer));
        let area = |f: Option<&Feature>| if layer.is_area_layer() { f.and_then(area_m2) } else { None };
        for f in b.features() {
            let now = a.get(&f.code);
            let change = match now {
                None => "removed",
                Some(n) if n.geometry != f.geometry => "reshaped",
                Some(n) if n != f => "attributes",
                Some(_) => continue,
            };
            out.changed.push(Changed {
                layer,
                code: f.code.clone(),
                change,
                area_before_m2: area(Some(f)),
                area_after_m2: area(now),
            });
        }
        for f in a.features().iter().filter(|f| b.get(&f.code).is_none()) {
            out.changed.push(Changed {
                layer,
                code: f.code.clone(),
                change: "added",
                area_before_m2: None,
                area_after_m2: area(Some(f)),
            });
        }
    }
    let (b, a) = (before.layer(Layer::Building), after.layer(Layer::Building));
    let codes: std::collections::BTreeSet<&str> =
        b.features().iter().chain(a.features()).map(|f| f.code.as_str()).collect();
    for code in codes {
        let (from, to) = (b.get(code), a.get(code));
        let grid = |f: Option<&Feature>| f.and_then(|f| f.parent_code.clone());
        if grid(from) != grid(to) {
            let households = to.or(from).and_then(|f| f.int_attr("households")).unwrap_or(0);
            out.households_moved += households;
            out.buildings_moved.push(Moved { building: code.to_string(), from: grid(from), to: grid(to), households });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::edit::{Draft, Edit};
    use crate::core::rules::tests::{city, feature, rect};

    #[test]
    fn nothing_changed_is_an_empty_diff() {
        assert_eq!(diff(&city(), &city()), Diff::default());
    }

    #[test]
    fn a_moved_boundary_and_a_reassigned_building_show_up() {
        let mut d = Draft::from_snapshot(&city());
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
    }
}

//! The planning rules: named, configurable checks over a whole [`Snapshot`], one file per family.
//!
//! Each check returns [`Finding`]s — values that carry the rule id, a severity (an error blocks
//! publishing, a warning does not), the feature, a [`Message`] (key and values, rendered by `wangge-text`) and the source of
//! the rule in `shared/domain.md`. Boolean operations run in a local metric frame (see [`crate::distance::LocalFrame`]) and
//! the areas they produce are measured on the WGS 84 ellipsoid, so tolerances are in m² and
//! metres, never in degrees.

pub mod buildings;
pub mod codes;
pub mod config;
pub mod containment;
pub mod coverage;
pub mod finding;
pub mod geometry;
pub mod incremental;
pub mod sizes;
pub mod staffing;

pub use config::{RuleSetting, RulesConfig};
pub use finding::{Finding, Message, Severity};

use super::snapshot::Snapshot;

/// Every rule id, in the order the checks run; configuration keys use these names.
pub const RULE_IDS: &[&str] = &[
    geometry::ID,
    containment::UNKNOWN_PARENT,
    containment::OUTSIDE_PARENT,
    coverage::OVERLAP,
    coverage::GAP,
    sizes::GRID_HOUSEHOLDS,
    sizes::GRID_RESIDENTS,
    sizes::COMMUNITY_HOUSEHOLDS,
    codes::LAYOUT,
    codes::PREFIX,
    codes::UNIQUE,
    staffing::GRID_WORKER,
    staffing::WORKER_SHARED,
    staffing::COMMUNITY_WORKERS,
    buildings::DUPLICATE,
    buildings::OVERLAP,
    buildings::ROLLUP,
];

/// Runs every enabled rule over `snapshot`; all findings at once, errors first, then by layer and code.
pub fn run_rules(snapshot: &Snapshot, config: &RulesConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(geometry::check(snapshot));
    out.extend(containment::check(snapshot, config));
    out.extend(coverage::check(snapshot, config));
    out.extend(sizes::check(snapshot, config));
    out.extend(codes::check_snapshot(snapshot, config));
    out.extend(staffing::check(snapshot, config));
    out.extend(buildings::check(snapshot, config));
    let mut out = config.apply(out);
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.layer.cmp(&b.layer)).then(a.code.cmp(&b.code)));
    out
}

/// Whether any finding blocks publishing.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// A small tiled city for the rules' unit tests: one district, street and community, three grids.
#[cfg(test)]
pub(crate) mod tests {
    use crate::model::{Attrs, Feature, Layer};
    use crate::snapshot::Snapshot;
    use geo::{Geometry, Rect, coord};
    use serde_json::json;

    /// Cell side in degrees (a binary fraction, so shared edges are bit-identical).
    pub const STEP: f64 = 1.0 / 256.0;

    /// A rectangle `w` × `h` cells from cell (`x`, `y`) of a grid anchored at 114°E, 22.5°N.
    pub fn rect(x: f64, y: f64, w: f64, h: f64) -> Geometry<f64> {
        let (x0, y0) = (114.0 + x * STEP, 22.5 + y * STEP);
        Geometry::Polygon(
            Rect::new(coord! { x: x0, y: y0 }, coord! { x: x0 + w * STEP, y: y0 + h * STEP }).to_polygon(),
        )
    }

    /// An `n` × `n` square of cells.
    pub fn square(x: i32, y: i32, n: i32) -> Geometry<f64> {
        rect(x as f64, y as f64, n as f64, n as f64)
    }

    /// A feature with no attributes.
    pub fn feature(code: &str, parent: &str, geometry: Geometry<f64>) -> Feature {
        let parent_code = (!parent.is_empty()).then(|| parent.to_string());
        Feature { code: code.into(), name: code.into(), parent_code, attrs: Attrs::new(), geometry }
    }

    /// The three grids 440304006009001–003, 400 households each, one worker each.
    pub fn grids() -> Vec<Feature> {
        (0..3)
            .map(|i| {
                let mut g = feature(&format!("440304006009{:03}", i + 1), "440304006009", square(i, 0, 1));
                for (k, v) in [("kind", json!("综合")), ("households", json!(400)), ("residents", json!(1000))] {
                    g.attrs.insert(k.into(), v);
                }
                g.attrs.insert("worker".into(), json!(format!("网格员 {}", i + 1)));
                g
            })
            .collect()
    }

    /// The city with these grids.
    pub fn city_with(grids: Vec<Feature>) -> Snapshot {
        let whole = || rect(0.0, 0.0, 3.0, 1.0);
        let mut community = feature("440304006009", "440304006", whole());
        community.attrs.insert("households".into(), json!(1200));
        community.attrs.insert("community_workers".into(), json!(4));
        Snapshot::new([
            (Layer::District, vec![feature("440304", "", whole())]),
            (Layer::Street, vec![feature("440304006", "440304", whole())]),
            (Layer::Community, vec![community]),
            (Layer::Grid, grids),
        ])
    }

    /// The clean city.
    pub fn city() -> Snapshot {
        city_with(grids())
    }

    /// The clean city plus `extra` grids.
    pub fn with_grids(extra: Vec<Feature>) -> Snapshot {
        let mut gs = grids();
        gs.extend(extra);
        city_with(gs)
    }

    /// With the default configuration every rule is on, so this is each family's own pass case
    /// too: the families' tests start from this city and break one thing.
    #[test]
    fn the_test_city_passes_every_rule() {
        let found = super::run_rules(&city(), &super::RulesConfig::default());
        assert!(found.is_empty(), "{found:?}");
    }
}

//! Rule family "sizes": households and residents per comprehensive grid, households per community.
//! These are local rules whose bounds differ by city, so they are warnings with configurable bounds.

use super::config::RulesConfig;
use super::finding::{Finding, Message, Severity};
use crate::feature_ref::FeatureRef;
use crate::model::Layer;
use crate::snapshot::Snapshot;

/// Rule id: households of a comprehensive grid outside `grid_households`.
pub const GRID_HOUSEHOLDS: &str = "grid_households";
/// Rule id: residents of a comprehensive grid above `grid_max_residents`.
pub const GRID_RESIDENTS: &str = "grid_residents";
/// Rule id: households of a community outside `community_households`.
pub const COMMUNITY_HOUSEHOLDS: &str = "community_households";

/// Source of the grid bounds.
pub const GRID_SOURCE: &str = "domain.md §2: 城市综合网格 300–500 户、不超过 2,000–2,500 人（各地规定）";
/// Source of the community bounds.
pub const COMMUNITY_SOURCE: &str = "domain.md §1: 社区不足 1,000 户或超过 3,000 户应拆分或合并（太原）";

/// Whether a grid is a comprehensive (residential) grid; 专属 grids serve one site and have no size rule.
pub fn is_comprehensive(f: FeatureRef<'_>) -> bool {
    !matches!(f.attr("kind").as_deref().and_then(|v| v.as_str()), Some("专属" | "exclusive"))
}

/// The feature's stated `households` when it lies outside `lo..=hi`.
fn households_outside(f: FeatureRef<'_>, lo: i64, hi: i64) -> Option<i64> {
    f.int_attr("households").filter(|h| !(lo..=hi).contains(h))
}

/// Checks every grid and community that states its households/residents; features that do not are skipped.
pub fn check(snapshot: &Snapshot, config: &RulesConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    for g in snapshot.layer(Layer::Grid).iter() {
        out.extend(check_grid(g, config));
    }
    for c in snapshot.layer(Layer::Community).iter() {
        out.extend(check_community(c, config));
    }
    out
}

/// The size findings of one grid: households and residents of a comprehensive grid.
pub fn check_grid(g: FeatureRef<'_>, config: &RulesConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    if !is_comprehensive(g) {
        return out;
    }
    let ([lo, hi], max) = (config.grid_households, config.grid_max_residents);
    let warn = |rule, message| Finding::new(rule, Severity::Warning, Layer::Grid, g.code(), message, GRID_SOURCE);
    if let Some(h) = households_outside(g, lo, hi) {
        out.push(warn(GRID_HOUSEHOLDS, Message::GridHouseholds { households: h, lo, hi }));
    }
    if let Some(r) = g.int_attr("residents").filter(|r| *r > max) {
        out.push(warn(GRID_RESIDENTS, Message::GridResidents { residents: r, max }));
    }
    out
}

/// The size finding of one community, if its households are outside the bounds.
pub fn check_community(c: FeatureRef<'_>, config: &RulesConfig) -> Option<Finding> {
    let [lo, hi] = config.community_households;
    let h = households_outside(c, lo, hi)?;
    let message = Message::CommunityHouseholds { households: h, lo, hi };
    Some(Finding::new(COMMUNITY_HOUSEHOLDS, Severity::Warning, Layer::Community, c.code(), message, COMMUNITY_SOURCE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tests::{city, city_with, grids};
    use serde_json::json;

    #[test]
    fn too_many_households_and_residents_warn_but_exclusive_grids_do_not() {
        let mut gs = grids();
        gs[0].attrs.insert("households".into(), json!(620));
        gs[0].attrs.insert("residents".into(), json!(2600));
        gs[1].attrs.insert("households".into(), json!(10));
        gs[1].attrs.insert("kind".into(), json!("专属"));
        let found = check(&city_with(gs), &RulesConfig::default());
        let ids: Vec<(&str, &str)> = found.iter().map(|f| (f.rule, f.code.as_str())).collect();
        assert_eq!(ids, vec![(GRID_HOUSEHOLDS, "440304006009001"), (GRID_RESIDENTS, "440304006009001")]);
        assert!(found.iter().all(|f| f.severity == Severity::Warning));
        assert_eq!(found[0].message, Message::GridHouseholds { households: 620, lo: 300, hi: 500 });
        assert_eq!(found[0].source, GRID_SOURCE);
        // Another city's bounds.
        let wide = RulesConfig { grid_households: [0, 1000], grid_max_residents: 3000, ..RulesConfig::default() };
        let mut gs = grids();
        gs[0].attrs.insert("households".into(), json!(620));
        assert!(check(&city_with(gs), &wide).is_empty());
    }

    #[test]
    fn a_small_community_warns() {
        let small = RulesConfig { community_households: [2_000, 3_000], ..RulesConfig::default() };
        let found = check(&city(), &small);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, COMMUNITY_HOUSEHOLDS);
        assert_eq!(found[0].message.key(), "rule.community_households.below");
    }
}

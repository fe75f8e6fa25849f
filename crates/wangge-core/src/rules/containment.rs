//! Rule family "containment": every feature names a parent that exists (a grid belongs to exactly
//! one community, a community to one street, …) and lies inside it within `tolerance_m` metres.
//! Wraps [`check_hierarchy`], whose probes measure the distance outside in metres.

use super::config::RulesConfig;
use super::finding::Finding;
use crate::hierarchy::{HierarchyRules, check_hierarchy};
use crate::model::Layer;
use crate::problem::Rule;
use crate::snapshot::Snapshot;

/// Rule id: missing or unknown parent.
pub const UNKNOWN_PARENT: &str = "unknown_parent";
/// Rule id: reaching outside the parent beyond the tolerance.
pub const OUTSIDE_PARENT: &str = "outside_parent";

/// Source of both rules.
pub const SOURCE: &str = "domain.md §1: 每个网格只属于一个社区（Xi'an DB6101/T 3185-2024 §5）";

/// Checks the parent of every feature of every layer below the district.
pub fn check(snapshot: &Snapshot, config: &RulesConfig) -> Vec<Finding> {
    let rules = HierarchyRules { tolerance_m: config.tolerance_m, existing_codes_conflict: false };
    let mut out = Vec::new();
    for layer in Layer::ALL {
        for p in check_hierarchy(layer, snapshot.layer(layer).iter(), snapshot, rules) {
            let id = match p.rule {
                Rule::MissingProperty { .. } | Rule::UnknownParent { .. } => UNKNOWN_PARENT,
                Rule::OutsideParent { .. } => OUTSIDE_PARENT,
                // Duplicates are the codes family's business.
                _ => continue,
            };
            out.push(Finding::from_problem(id, layer, &p, SOURCE));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tests::{city, feature, square, with_grids};

    #[test]
    fn grids_inside_their_community_pass() {
        assert!(check(&city(), &RulesConfig::default()).is_empty());
    }

    #[test]
    fn unknown_parent_and_reaching_outside_fail() {
        let stray = feature("440304006099001", "440304006099", square(0, 0, 1));
        let wide = feature("440304006009003", "440304006009", square(0, 0, 3));
        let found = check(&with_grids(vec![stray, wide]), &RulesConfig::default());
        let ids: Vec<&str> = found.iter().map(|f| f.rule).collect();
        assert_eq!(ids, vec![OUTSIDE_PARENT, UNKNOWN_PARENT], "{found:?}");
        let super::super::finding::Message::Problem(p) = &found[0].message else { panic!("{found:?}") };
        assert!(matches!(&p.rule, Rule::OutsideParent { parent_code, .. } if parent_code == "440304006009"));
        // A tolerance larger than the overreach (two cells, 865 m) lets it pass.
        let lax = RulesConfig { tolerance_m: 1_000.0, ..RulesConfig::default() };
        let wide = feature("440304006009003", "440304006009", square(0, 0, 3));
        assert!(check(&with_grids(vec![wide]), &lax).is_empty());
    }
}

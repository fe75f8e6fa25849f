//! Rule family "codes": the code layout (length and digits per layer, 15 digits for grids by
//! default), the parent's code as prefix, and uniqueness within a layer.

use super::config::RulesConfig;
use super::finding::{Finding, Message, Severity};
use crate::feature_ref::FeatureRef;
use crate::model::Layer;
use crate::snapshot::Snapshot;
use std::collections::HashSet;

/// Rule id: wrong length or non-digits.
pub const LAYOUT: &str = "code_layout";
/// Rule id: the code does not start with its parent's (for buildings: its community's) code.
pub const PREFIX: &str = "code_prefix";
/// Rule id: the code occurs twice in the layer.
pub const UNIQUE: &str = "code_unique";

/// Source of the three rules.
pub const SOURCE: &str = "domain.md §3: DB11/T 2157-2023 §5.2 — 15 位网格编码 = 6 位区县 + 3 位街道 + 3 位社区 + 3 位顺序号；以上级编码开头；唯一";

/// Checks the codes of every layer in `snapshot`.
pub fn check_snapshot(snapshot: &Snapshot, config: &RulesConfig) -> Vec<Finding> {
    Layer::ALL.iter().flat_map(|&l| check_layer(l, snapshot.layer(l).iter(), config)).collect()
}

/// Checks the codes of `features`, destined for `layer`.
pub fn check_layer<'f>(
    layer: Layer,
    features: impl IntoIterator<Item = FeatureRef<'f>>,
    config: &RulesConfig,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let want = config.code_lengths.get(layer.id()).copied();
    let community_len = config.code_lengths.get(Layer::Community.id()).copied();
    let mut seen = HashSet::new();
    for f in features {
        let code = f.code();
        let finding = |rule, message| Finding::new(rule, Severity::Error, layer, code, message, SOURCE);
        if !seen.insert(code) {
            out.push(finding(UNIQUE, Message::CodeUnique { code: code.to_string() }));
        }
        if let Some(n) = want
            && (code.len() != n || !code.bytes().all(|b| b.is_ascii_digit()))
        {
            out.push(finding(LAYOUT, Message::CodeLayout { code: code.to_string(), digits: n }));
        }
        let Some(parent) = f.parent_code() else { continue };
        let prefix = match layer {
            // Buildings are numbered within their community (Xi'an: 00001–99999), not within the grid.
            Layer::Building => community_len.and_then(|n| parent.get(..n)).unwrap_or(parent),
            Layer::ServiceCentre => continue,
            _ => parent,
        };
        if !code.starts_with(prefix) {
            out.push(finding(PREFIX, Message::CodePrefix { code: code.to_string(), prefix: prefix.to_string() }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tests::{city, city_with, grids};
    use std::collections::BTreeMap;

    #[test]
    fn wrong_length_wrong_prefix_and_duplicates_fail() {
        let mut gs = grids();
        gs[0].code = "44030400600900A".into();
        gs[1].code = "440304006011002".into();
        gs[2].code = "440304006011002".into();
        let found = check_layer(Layer::Grid, gs.iter().map(FeatureRef::from), &RulesConfig::default());
        let ids: Vec<&str> = found.iter().map(|f| f.rule).collect();
        assert_eq!(ids, vec![LAYOUT, PREFIX, UNIQUE, PREFIX], "{found:?}");
        assert_eq!(found[0].message, Message::CodeLayout { code: "44030400600900A".into(), digits: 15 });
    }

    #[test]
    fn the_layout_is_configuration() {
        // A 14-digit layout (CJ/T 213-2005) makes today's 15-digit codes wrong, and no layout at all passes.
        let fourteen =
            RulesConfig { code_lengths: BTreeMap::from([("grid".to_string(), 14)]), ..RulesConfig::default() };
        assert_eq!(check_snapshot(&city_with(grids()), &fourteen).len(), 3);
        let none = RulesConfig { code_lengths: BTreeMap::new(), ..RulesConfig::default() };
        assert!(check_snapshot(&city(), &none).is_empty());
    }
}

//! Rule family "staffing": one full-time grid worker per grid ("一格一员"), and about one community
//! worker per 300 households. Warnings: staffing is reported, it does not block a boundary change.
//!
//! A grid names its worker in the `worker` attribute; a community states its worker count in
//! `community_workers`. Communities that do not state it are not checked (no data is not a finding).

use super::config::RulesConfig;
use super::finding::{Finding, Message, Severity};
use crate::feature_ref::FeatureRef;
use crate::model::Layer;
use crate::snapshot::Snapshot;
use std::collections::HashMap;

/// Rule id: a grid without a worker.
pub const GRID_WORKER: &str = "grid_worker";
/// Rule id: one worker named for several grids.
pub const WORKER_SHARED: &str = "grid_worker_shared";
/// Rule id: too few community workers for the households.
pub const COMMUNITY_WORKERS: &str = "community_workers";

/// Source of the grid-worker rules.
pub const GRID_SOURCE: &str = "domain.md §1: 一格一员（西宁、广州）";
/// Source of the community-worker rule.
pub const COMMUNITY_SOURCE: &str = "domain.md §1: 按每300户左右配备1名社区工作者（汾阳）";

/// Checks every grid's worker and every community's worker count.
pub fn check(snapshot: &Snapshot, config: &RulesConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut by_worker: HashMap<String, Vec<&str>> = HashMap::new();
    for g in snapshot.layer(Layer::Grid).iter() {
        match worker(g) {
            Some(w) => by_worker.entry(w).or_default().push(g.code()),
            None => out.extend(missing_worker(g)),
        }
    }
    let mut shared_by: Vec<(String, Vec<&str>)> = by_worker.into_iter().filter(|(_, gs)| gs.len() > 1).collect();
    shared_by.sort();
    for (worker, grids) in shared_by {
        out.extend(shared(&worker, &grids));
    }
    for c in snapshot.layer(Layer::Community).iter() {
        out.extend(check_community(c, config));
    }
    out
}

/// The worker a grid names, trimmed; `None` when it names none.
pub fn worker(g: FeatureRef<'_>) -> Option<String> {
    g.attr("worker").as_deref().and_then(|v| v.as_str()).map(str::trim).filter(|w| !w.is_empty()).map(str::to_string)
}

/// The finding of a grid that names no worker.
pub fn missing_worker(g: FeatureRef<'_>) -> Option<Finding> {
    worker(g)
        .is_none()
        .then(|| Finding::new(GRID_WORKER, Severity::Warning, Layer::Grid, g.code(), Message::GridWorker, GRID_SOURCE))
}

/// The findings of one worker named for `grids` (in code order): one per grid when there are
/// several, none otherwise.
pub fn shared(worker: &str, grids: &[&str]) -> Vec<Finding> {
    if grids.len() < 2 {
        return Vec::new();
    }
    grids
        .iter()
        .map(|code| {
            Finding::new(
                WORKER_SHARED,
                Severity::Warning,
                Layer::Grid,
                code,
                Message::WorkerShared {
                    worker: worker.to_string(),
                    grids: grids.iter().map(|g| g.to_string()).collect(),
                },
                GRID_SOURCE,
            )
        })
        .collect()
}

/// The finding of a community with too few community workers for its households, if so.
pub fn check_community(c: FeatureRef<'_>, config: &RulesConfig) -> Option<Finding> {
    let ratio = config.households_per_community_worker;
    let (h, w) = (c.int_attr("households")?, c.int_attr("community_workers")?);
    let needed = h as f64 / ratio as f64;
    ((w as f64) < needed - config.community_worker_slack).then(|| {
        let n = needed.round() as i64;
        Finding::new(
            COMMUNITY_WORKERS,
            Severity::Warning,
            Layer::Community,
            c.code(),
            Message::CommunityWorkers { households: h, workers: w, ratio, needed: n },
            COMMUNITY_SOURCE,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tests::{city, city_with, grids};
    use serde_json::json;

    #[test]
    fn missing_and_shared_workers_warn() {
        let mut gs = grids();
        gs[0].attrs.remove("worker");
        gs[2].attrs.insert("worker".into(), json!("网格员 2"));
        let found = check(&city_with(gs), &RulesConfig::default());
        let ids: Vec<(&str, &str)> = found.iter().map(|f| (f.rule, f.code.as_str())).collect();
        assert_eq!(
            ids,
            vec![
                (GRID_WORKER, "440304006009001"),
                (WORKER_SHARED, "440304006009002"),
                (WORKER_SHARED, "440304006009003")
            ]
        );
        let Message::WorkerShared { grids, .. } = &found[1].message else { panic!("{found:?}") };
        assert_eq!(grids.len(), 2);
    }

    #[test]
    fn too_few_community_workers_warn() {
        let strict = RulesConfig { households_per_community_worker: 200, ..RulesConfig::default() };
        let found = check(&city(), &strict);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rule, COMMUNITY_WORKERS);
        assert!(matches!(found[0].message, Message::CommunityWorkers { needed: 6, .. }), "{found:?}");
    }
}

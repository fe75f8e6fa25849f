//! Comparing any two states of the hierarchy: what is published, a past revision, or a plan (its
//! base revision with its edits applied). Refs are written `published`, `revision:N`, `plan:N`.

use super::plan::PlanServiceError;
use serde_json::{Value, json};
use std::str::FromStr;
use wangge_core::diff::changes;
use wangge_core::diff::{Diff, changed_pieces, diff, multipolygon_area_m2};
use wangge_core::edit::Draft;
use wangge_core::snapshot::Snapshot;
use wangge_formats::edit_json::parse_edit;
use wangge_formats::geojson::geometry_to_json;
use wangge_store::Db;
use wangge_store::history::AsOf;
use wangge_store::plans::PlanError;

/// One side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateRef {
    /// What is published now.
    Published,
    /// As published by revision N (0: before any plan).
    Revision(i64),
    /// Plan N: its base revision with its edits applied.
    Plan(i64),
}

impl FromStr for StateRef {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "published" {
            return Ok(StateRef::Published);
        }
        let (kind, n) = s.split_once(':').ok_or_else(|| format!("\"{s}\""))?;
        let n: i64 = n.parse().ok().filter(|n| *n >= 0).ok_or_else(|| format!("\"{s}\""))?;
        match kind {
            "revision" => Ok(StateRef::Revision(n)),
            "plan" => Ok(StateRef::Plan(n)),
            _ => Err(format!("\"{s}\"")),
        }
    }
}

/// The state a ref names; unknown revisions and plans are [`PlanError::NotFound`].
pub fn state_of(store: &dyn Db, r: StateRef) -> Result<Snapshot, PlanServiceError> {
    let current = store.current_revision()?;
    let at_revision = |rev: i64| -> Result<Snapshot, PlanServiceError> {
        // The live tables are the current revision; history rows are only read for older ones.
        Ok(if rev == current { store.load_snapshot()? } else { store.snapshot_as_of(&AsOf::Revision(rev))? })
    };
    match r {
        StateRef::Published => Ok(store.load_snapshot()?),
        StateRef::Revision(n) if n > current => Err(PlanError::NotFound(n).into()),
        StateRef::Revision(n) => at_revision(n),
        StateRef::Plan(id) => {
            let plan = store.plan(id)?.ok_or(PlanError::NotFound(id))?;
            let mut draft = Draft::from_snapshot(&at_revision(plan.base_revision)?, wangge_text::split_piece_name);
            for (index, v) in store.plan_edits(id)?.iter().enumerate() {
                let edit = parse_edit(v).map_err(|detail| super::plan::bad_json(index, detail))?;
                draft.apply(&edit).map_err(|e| super::plan::bad_edit(index, &e))?;
            }
            Ok(draft.to_snapshot())
        }
    }
}

/// The difference between two refs, with both states (for [`changed_geojson`]).
pub fn compare(store: &dyn Db, from: StateRef, to: StateRef) -> Result<(Diff, Snapshot, Snapshot), PlanServiceError> {
    let (a, b) = (state_of(store, from)?, state_of(store, to)?);
    Ok((diff(&a, &b), a, b))
}

/// The changed pieces as a GeoJSON FeatureCollection: for every area feature that differs, the
/// area it gained and the area it lost (added features gain all, removed ones lose all); moved
/// buildings and other changed point features as they are after (or before, if removed).
pub fn changed_geojson(before: &Snapshot, after: &Snapshot) -> Value {
    let mut features = Vec::new();
    for ((layer, code), (old, new)) in changes(before, after) {
        let change = match (old, new) {
            (None, _) => "added",
            (_, None) => "removed",
            (Some(o), Some(n)) if o.geometry() != n.geometry() => "reshaped",
            _ => "attributes",
        };
        let props = |piece: &str| json!({ "layer": layer, "code": code, "change": change, "piece": piece });
        if layer.is_area_layer() && change != "attributes" {
            for (piece, mp) in changed_pieces(old, new) {
                let mut p = props(piece);
                p["area_m2"] = json!(multipolygon_area_m2(&mp));
                features.push(json!({
                    "type": "Feature",
                    "properties": p,
                    "geometry": geometry_to_json(&geo::Geometry::MultiPolygon(mp)),
                }));
            }
        } else if let Some(f) = new.or(old) {
            features.push(json!({
                "type": "Feature",
                "properties": props("feature"),
                "geometry": geometry_to_json(&f.geometry()),
            }));
        }
    }
    json!({ "type": "FeatureCollection", "features": features })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_parse_and_bad_ones_are_refused() {
        assert_eq!("published".parse(), Ok(StateRef::Published));
        assert_eq!("revision:12".parse(), Ok(StateRef::Revision(12)));
        assert_eq!("plan:3".parse(), Ok(StateRef::Plan(3)));
        for bad in ["", "plan", "plan:", "plan:-1", "rev:1", "revision:x", "plan:1.5"] {
            assert!(bad.parse::<StateRef>().is_err(), "{bad}");
        }
    }
}

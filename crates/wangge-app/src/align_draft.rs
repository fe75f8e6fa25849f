//! Opening the slivers of an alignment report in a draft plan: each chosen piece is given to the
//! grid the report suggests (our boundary snapped onto theirs), as one all-or-nothing batch of
//! plan edits — a `move_boundary` per piece and a `reassign_buildings` for the buildings that
//! stand in it, so their households move with the piece.

use crate::align::{Level, report};
use crate::plan::{PlanCache, PlanServiceError};
use geo::{BooleanOps, Contains, Coord, Geometry, InteriorPoint, MultiPolygon, Point};
use serde_json::{Value, json};
use wangge_core::align::AlignConfig;
use wangge_core::edit::{Draft, Edit};
use wangge_core::model::{Feature, Layer};
use wangge_core::snapshot::{Snapshot, as_multipolygon};
use wangge_formats::geojson::geometry_to_json;
use wangge_store::Db;
use wangge_store::plans::{Author, PlanRow};
use wangge_text::{Lang, Text};

/// One piece of the report, named by the pair it is the intersection of.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
pub struct PieceRef {
    /// Our feature's code.
    pub ours: String,
    /// Their feature's code.
    pub theirs: String,
}

/// Why a draft was not created.
#[derive(Debug, thiserror::Error)]
pub enum AlignDraftError {
    /// A request field is wrong (400): no pieces, or a level other than `grid`.
    #[error("{detail}")]
    BadRequest {
        /// English.
        detail: String,
        /// 简体中文.
        detail_zh: String,
    },
    /// A piece cannot be snapped (422): it is not in the report, not a sliver, its suggested snap
    /// is on their side, or the plan engine refuses the edit. Nothing was written.
    #[error("piece {ours}/{theirs}: {detail}")]
    Piece {
        /// Our feature's code.
        ours: String,
        /// Their feature's code.
        theirs: String,
        /// English.
        detail: String,
        /// 简体中文.
        detail_zh: String,
    },
    /// The plan store refused (not found, stale, store failure).
    #[error(transparent)]
    Plan(#[from] PlanServiceError),
}

impl AlignDraftError {
    fn piece(p: &PieceRef, detail: impl Into<String>, detail_zh: impl Into<String>) -> AlignDraftError {
        AlignDraftError::Piece {
            ours: p.ours.clone(),
            theirs: p.theirs.clone(),
            detail: detail.into(),
            detail_zh: detail_zh.into(),
        }
    }
}

/// The edits that snap our grids onto network `network` at the chosen `pieces`, checked in order
/// against a working copy of `snapshot`: per piece a `move_boundary` giving the parts of it that
/// border the receiving grid (the report's `draft_to`) to that grid, then a `reassign_buildings`
/// for the buildings whose point it now holds.
pub fn snap_edits(
    snapshot: &Snapshot,
    level: Level,
    network: (&str, i64, &[Feature]),
    pieces: &[PieceRef],
) -> Result<Vec<Value>, AlignDraftError> {
    if level != Level::Grid {
        return Err(AlignDraftError::BadRequest {
            detail: format!("level {}: only grid boundaries are snapped in a draft", level.id()),
            detail_zh: format!("层级 {}：只能在方案中调整网格边界", level.id()),
        });
    }
    if pieces.is_empty() {
        return Err(AlignDraftError::BadRequest {
            detail: "\"pieces\" is empty: name at least one sliver {ours, theirs}".into(),
            detail_zh: "\"pieces\" 为空：请至少选择一个碎片 {ours, theirs}".into(),
        });
    }
    let (value, alignment) = report(snapshot, level, network, &AlignConfig::default());
    let rows = value["pairs"].as_array().cloned().unwrap_or_default();
    let slivers = value["slivers"].as_array().cloned().unwrap_or_default();
    let mut draft = Draft::from_snapshot(snapshot, wangge_text::split_piece_name);
    let mut edits = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in pieces {
        if !seen.insert(p.clone()) {
            continue;
        }
        let k = rows.iter().position(|r| r["ours"] == p.ours.as_str() && r["theirs"] == p.theirs.as_str());
        let Some(k) = k else {
            return Err(AlignDraftError::piece(
                p,
                "no such piece in the report (our and their codes do not meet)",
                "报告中没有该碎片（双方编码不相交）",
            ));
        };
        let sliver = slivers.iter().find(|s| s["ours"] == p.ours.as_str() && s["theirs"] == p.theirs.as_str());
        let Some(sliver) = sliver else {
            return Err(AlignDraftError::piece(
                p,
                "not a sliver: only slivers are snapped",
                "不是碎片：只能对碎片进行吸附",
            ));
        };
        let Some(to) = sliver["draft_to"].as_str().map(str::to_string) else {
            return Err(AlignDraftError::piece(
                p,
                "no grid of the same community borders the piece to take it: move the community boundary first",
                "同一社区内没有与该碎片相邻、可接收它的网格：请先调整社区边界",
            ));
        };
        let grow = draft.feature(Layer::Grid, &to).map(|f| as_multipolygon(&f.geometry));
        let Some(grow) = grow else {
            return Err(AlignDraftError::piece(p, format!("grid {to} does not exist"), format!("网格 {to} 不存在")));
        };
        // Only the parts of the piece that border the receiving grid move: a part elsewhere
        // (the same pair can meet again across the grid) stays where it is.
        let piece = crate::align::touching(&alignment.pairs[k].piece, &grow);
        if piece.0.is_empty() {
            return Err(AlignDraftError::piece(
                p,
                format!("no part of the piece borders grid {to}"),
                format!("碎片没有与网格 {to} 相邻的部分"),
            ));
        }
        let geometry = Geometry::MultiPolygon(grow.union(&piece));
        let edit = Edit::MoveBoundary { layer: Layer::Grid, grow: to.clone(), shrink: p.ours.clone(), geometry };
        let before: Vec<(String, Coord)> = draft
            .features(Layer::Building)
            .filter(|b| b.parent_code.as_deref() == Some(p.ours.as_str()))
            .filter_map(|b| Some((b.code.clone(), point_of(&b.geometry)?)))
            .collect();
        draft.apply(&edit).map_err(|e| AlignDraftError::piece(p, e.message(Lang::En), e.message(Lang::Zh)))?;
        let Edit::MoveBoundary { geometry, .. } = &edit else { unreachable!() };
        edits.push(json!({ "op": "move_boundary", "layer": "grid", "grow": to, "shrink": p.ours,
            "geometry": geometry_to_json(geometry) }));
        // The buildings of the shrunk grid that now stand in the grown one move with the piece.
        let area = |code: &str| {
            draft.feature(Layer::Grid, code).map_or_else(|| MultiPolygon::new(vec![]), |f| as_multipolygon(&f.geometry))
        };
        let (grown, kept) = (area(&to), area(&p.ours));
        let moving: Vec<String> = before
            .into_iter()
            .filter(|(_, at)| grown.contains(&Point(*at)) && !kept.contains(&Point(*at)))
            .map(|(code, _)| code)
            .collect();
        if !moving.is_empty() {
            let edit = Edit::ReassignBuildings { buildings: moving.clone(), grid: to.clone() };
            draft.apply(&edit).map_err(|e| AlignDraftError::piece(p, e.message(Lang::En), e.message(Lang::Zh)))?;
            edits.push(json!({ "op": "reassign_buildings", "buildings": moving, "grid": to }));
        }
    }
    Ok(edits)
}

/// A building's point: itself, or its footprint's interior point (as the report counts it).
fn point_of(g: &Geometry<f64>) -> Option<Coord> {
    match g {
        Geometry::Point(p) => Some(p.0),
        g => g.interior_point().map(|p| p.0),
    }
}

/// Creates a draft plan named `name` holding [`snap_edits`] for `pieces`, all or nothing.
#[allow(clippy::too_many_arguments)]
pub fn create_draft(
    store: &mut dyn Db,
    cache: &PlanCache,
    snapshot: &Snapshot,
    level: Level,
    network: (&str, i64, &[Feature]),
    pieces: &[PieceRef],
    name: &str,
    author: Author,
) -> Result<(PlanRow, Vec<Value>), AlignDraftError> {
    let edits = snap_edits(snapshot, level, network, pieces)?;
    let row = cache.create_with_edits(store, name, author, &edits, None)?;
    Ok((row, edits))
}

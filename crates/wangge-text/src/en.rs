//! English. Every text here is what the service has always printed with `--lang en` / `?lang=en`.

use crate::Catalog;
use wangge_core::edit::{EditError, EditProblem};
use wangge_core::filter::{FilterError, FilterErrorKind};
use wangge_core::model::{GeometryKind, Layer};
use wangge_core::problem::Rule;
use wangge_core::rules::{Message, Severity};
use wangge_core::tiles::TileIdError;

/// The English catalog.
pub(crate) struct En;

impl Catalog for En {
    fn layer(&self, layer: Layer) -> &'static str {
        match layer {
            Layer::District => "district",
            Layer::Street => "street",
            Layer::Community => "community",
            Layer::Grid => "grid",
            Layer::Building => "building",
            Layer::ServiceCentre => "service centre",
        }
    }

    fn severity(&self, severity: Severity) -> &'static str {
        match severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    fn problem_subject(&self, index: Option<usize>, code: Option<&str>) -> String {
        match (index, code) {
            (Some(i), Some(c)) => format!("feature #{i} (code {c})"),
            (Some(i), None) => format!("feature #{i}"),
            (None, Some(c)) => format!("code {c}"),
            (None, None) => "input".to_string(),
        }
    }

    fn colon(&self) -> &'static str {
        ": "
    }

    fn rule(&self, rule: &Rule) -> String {
        match rule {
            Rule::Malformed { detail } => format!("cannot be read: {detail}"),
            Rule::MissingProperty { key } => format!("property \"{key}\" is missing or empty"),
            Rule::WrongGeometryType { layer, found } => {
                let want = match layer.geometry_kind() {
                    GeometryKind::Area => "Polygon or MultiPolygon",
                    GeometryKind::Point => "Point",
                    GeometryKind::PointOrArea => "Point, Polygon or MultiPolygon",
                };
                format!("geometry type {found} is not allowed in the {} layer (expected {want})", self.layer(*layer))
            }
            Rule::UnclosedRing { ring } => format!("ring {ring} is not closed (first and last positions differ)"),
            Rule::TooFewPoints { ring } => format!("ring {ring} has fewer than 3 distinct positions"),
            Rule::TooManyVertices { count, limit } => {
                format!("the geometry has too many vertices: {count}, the limit is {limit}")
            }
            Rule::EmptyGeometry => "the geometry is empty (no positions)".to_string(),
            Rule::ZeroArea { ring } => format!("ring {ring} encloses no area (all positions lie on one line)"),
            Rule::SelfIntersection { ring, at } => {
                let place = at.map(|[x, y]| format!(" ({x:.7}, {y:.7})")).unwrap_or_default();
                format!("ring {ring} intersects itself{place}")
            }
            Rule::InvalidRings { detail } => format!("invalid rings: {detail}"),
            Rule::NonFiniteCoordinate { vertex } => format!("vertex {vertex} is not a finite number (NaN or infinite)"),
            Rule::OutOfRange { at: [x, y], looks_projected } => {
                let hint = if *looks_projected {
                    "; this looks like projected metres: name the CRS with --crs, e.g. EPSG:4547"
                } else {
                    ""
                };
                format!("position ({x}, {y}) is outside longitude ±180 / latitude ±90{hint}")
            }
            Rule::Crs { detail } => format!("coordinate conversion failed: {detail}"),
            Rule::DuplicateCode { first: Some(i) } => format!("duplicate code (same as feature #{i})"),
            Rule::DuplicateCode { first: None } => "code already exists in the layer".to_string(),
            Rule::NotACount { key, found } => {
                format!("property \"{key}\" must be a whole number of zero or more, not {found}")
            }
            Rule::UnknownParent { parent_code } => format!("parent code {parent_code} does not exist"),
            Rule::OutsideParent { parent_code, metres, tolerance_m, at: [x, y] } => format!(
                "reaches {metres:.1} m outside its parent {parent_code} (tolerance {tolerance_m} m) at ({x:.7}, {y:.7})"
            ),
            Rule::CodeSpaceFull { community, needed, available } => format!(
                "cannot generate a building code: community {community} needs {needed} new codes but only {available} of 00001–99999 are left"
            ),
        }
    }

    fn finding(&self, message: &Message) -> String {
        match message {
            Message::Problem(p) => format!(
                "[{}] {}{}{}",
                p.rule.id(),
                self.problem_subject(p.index, p.code.as_deref()),
                self.colon(),
                self.rule(&p.rule)
            ),
            Message::Overlap { layer, other, m2, tolerance_m2 } => {
                format!("overlaps {} {other} by {m2:.1} m² (tolerance {tolerance_m2} m²)", self.layer(*layer))
            }
            Message::Gap { parent_layer, parent, child_layer, pieces, m2 } => format!(
                "{} {parent} has {pieces} piece(s) covered by no {}, {m2:.1} m² in all",
                self.layer(*parent_layer),
                self.layer(*child_layer)
            ),
            Message::GridHouseholds { households, lo, hi } => {
                format!("comprehensive grid has {households} households, outside {lo}–{hi}")
            }
            Message::GridResidents { residents, max } => {
                format!("comprehensive grid has {residents} residents, more than {max}")
            }
            Message::CommunityHouseholds { households, lo, hi } => {
                let verb = if households < lo { "merged" } else { "split" };
                format!("community has {households} households, outside {lo}–{hi}; consider it to be {verb}")
            }
            Message::CodeUnique { code } => format!("code {code} occurs more than once"),
            Message::CodeLayout { code, digits } => format!("code {code} should be {digits} digits"),
            Message::CodePrefix { code, prefix } => {
                format!("code {code} does not start with its parent's code {prefix}")
            }
            Message::GridWorker => "grid has no grid worker (attribute worker)".to_string(),
            Message::WorkerShared { worker, grids } => {
                format!("worker {worker} serves {} grids ({})", grids.len(), grids.join(", "))
            }
            Message::CommunityWorkers { households, workers, ratio, needed } => format!(
                "community has {households} households and {workers} community workers; one per {ratio} households means about {needed}"
            ),
            Message::BuildingDuplicate { other, point } => {
                let what = if *point { "point" } else { "footprint" };
                format!("has the same {what} as building {other} (entered twice)")
            }
            Message::BuildingOverlap { other, m2, percent, limit_percent } => format!(
                "overlaps building {other} by {m2:.1} m², {percent:.0} % of the smaller (limit {limit_percent:.0} %)"
            ),
            Message::GridHouseholdsRollup { declared, sum, tolerance_percent } => format!(
                "grid declares {declared} households, its buildings add up to {sum} (tolerance {tolerance_percent:.0} %)"
            ),
        }
    }

    fn with_source(&self, text: &str, source: &str) -> String {
        format!("{text} (source: {source})")
    }

    fn edit_problem(&self, problem: &EditProblem) -> String {
        match problem {
            EditProblem::NoArea => "the feature has no area".into(),
            EditProblem::EmptyLine => "the split line has no points".into(),
            EditProblem::DegenerateLine => "the split line needs two distinct finite end points".into(),
            EditProblem::LineDoesNotCut => {
                "the split line does not cut the feature in two (it must cross it from outside to outside)".into()
            }
            EditProblem::MergeNeedsTwo => "merge needs at least two codes".into(),
            EditProblem::MergeListedTwice(code) => format!("code {code} is listed twice in the merge"),
            EditProblem::NotAdjacent(n) => format!("the features are not adjacent: their union has {n} separate parts"),
            EditProblem::NeighbourEmptied => "the new boundary leaves one of the two neighbours empty".into(),
            EditProblem::HasChildren { layer, code, children } => format!(
                "{} {code} still has {children} feature(s) below it; say where they go with \"reassign_to\" (a {} code)",
                self.layer(*layer),
                self.layer(*layer)
            ),
            EditProblem::ReassignToItself(code) => format!("\"reassign_to\" names the deleted feature {code} itself"),
            EditProblem::MergeAcrossParents { code, parent, survivor_parent } => format!(
                "{code} belongs to {parent}, the first feature to {survivor_parent}: features of different parents cannot merge"
            ),
            EditProblem::InvalidFeature(p) => {
                use crate::Text;
                format!("the result would not be valid: {}", p.message(crate::Lang::En))
            }
        }
    }

    /// The layer is named by its id (`grid`, `service_centre`), as the English text always has.
    fn edit_error(&self, error: &EditError) -> String {
        match error {
            EditError::NotFound { layer, code } => format!("{}: no feature with code {code}", layer.id()),
            EditError::Exists { layer, code } => format!("{}: code {code} already exists", layer.id()),
            EditError::Invalid(p) => self.edit_problem(p),
        }
    }

    fn tile(&self, error: &TileIdError) -> String {
        let max = error.max();
        match error {
            TileIdError::Zoom(raw) => format!("tile zoom z \"{raw}\" is not valid: expected a whole number 0..={max}"),
            TileIdError::Column(raw, z) => {
                format!("tile column x \"{raw}\" is not valid: at zoom {z} expected 0..={max}")
            }
            TileIdError::Row(raw, z) => format!("tile row y \"{raw}\" is not valid: at zoom {z} expected 0..={max}"),
        }
    }

    fn filter(&self, error: &FilterError) -> String {
        let what = match &error.kind {
            FilterErrorKind::UnexpectedEnd { expected } => format!("unexpected end of filter, expected {expected}"),
            FilterErrorKind::Unexpected { found, expected } => format!("unexpected '{found}', expected {expected}"),
            FilterErrorKind::UnterminatedString => "unterminated string literal".to_string(),
            FilterErrorKind::BadCharacter(c) => format!("unexpected character '{c}'"),
            FilterErrorKind::BadNumber(n) => format!("'{n}' is not a number"),
            FilterErrorKind::BadGeometry(d) => format!("geometry literal: {d}"),
            FilterErrorKind::TooDeep(n) => format!("the filter nests deeper than {n} levels (parentheses and NOT)"),
            FilterErrorKind::TooLong(n) => format!("the filter is longer than {n} bytes"),
        };
        format!("CQL2 filter, character {}: {what}", error.position)
    }
}

//! Findings about input data, as values: each names the feature (position and code), the rule it
//! breaks, and where. `wangge-text` renders them in Chinese or English.

use super::model::Layer;
use geo::Coord;
use serde::Serialize;

/// Which rule a finding is about. The `id` strings are stable: clients match on them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// The input could not be read as a feature (bad JSON shape, bad WKT, bad number…).
    Malformed {
        /// What was wrong.
        detail: String,
    },
    /// A required property is missing or empty.
    MissingProperty {
        /// The property name.
        key: String,
    },
    /// The geometry type is not one the layer accepts.
    WrongGeometryType {
        /// The target layer.
        layer: Layer,
        /// The type found.
        found: String,
    },
    /// A polygon ring whose first and last positions differ.
    UnclosedRing {
        /// Ring number within the feature (0 = first exterior).
        ring: usize,
    },
    /// A ring with fewer than 3 distinct positions.
    TooFewPoints {
        /// Ring number within the feature.
        ring: usize,
    },
    /// More positions than one feature may have ([`crate::validate::MAX_VERTICES`]).
    TooManyVertices {
        /// Positions found.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// An empty Polygon or MultiPolygon (or an empty part): nothing to look up, draw or export.
    EmptyGeometry,
    /// A ring enclosing no area: all its positions lie on one line.
    ZeroArea {
        /// Ring number within the feature.
        ring: usize,
    },
    /// A ring that crosses or touches itself.
    SelfIntersection {
        /// Ring number within the feature.
        ring: usize,
        /// Where (lon, lat), when found.
        at: Option<[f64; 2]>,
    },
    /// Rings of one polygon crossing, or a hole outside its shell.
    InvalidRings {
        /// Geometry library's description.
        detail: String,
    },
    /// NaN or infinite coordinate.
    NonFiniteCoordinate {
        /// Vertex number within the feature.
        vertex: usize,
    },
    /// Longitude outside [-180, 180] or latitude outside [-90, 90].
    OutOfRange {
        /// The offending position as given.
        at: [f64; 2],
        /// Whether it looks like projected metres (a CRS mistake).
        looks_projected: bool,
    },
    /// Coordinate conversion failed.
    Crs {
        /// What the converter said.
        detail: String,
    },
    /// The code occurs twice in the input, or already exists in the layer.
    DuplicateCode {
        /// Input position of the first occurrence, or `None` if it is already stored.
        first: Option<usize>,
    },
    /// A count attribute ([`crate::model::COUNT_ATTRS`]) that is not a non-negative whole number.
    NotACount {
        /// The attribute.
        key: String,
        /// The value given, as JSON text.
        found: String,
    },
    /// `parent_code` names no feature in the parent layer.
    UnknownParent {
        /// The code given.
        parent_code: String,
    },
    /// The feature reaches outside its parent by more than the tolerance.
    OutsideParent {
        /// The parent's code.
        parent_code: String,
        /// How far outside, in metres.
        metres: f64,
        /// The tolerance, in metres.
        tolerance_m: f64,
        /// The farthest outside position found.
        at: [f64; 2],
    },
    /// Generated building codes would pass the community's last sequence number (99999).
    CodeSpaceFull {
        /// The community's code.
        community: String,
        /// Buildings to be numbered.
        needed: usize,
        /// Numbers still free after the highest one used.
        available: usize,
    },
}

impl Rule {
    /// Stable machine-readable name of the rule.
    pub fn id(&self) -> &'static str {
        match self {
            Rule::Malformed { .. } => "malformed",
            Rule::MissingProperty { .. } => "missing_property",
            Rule::WrongGeometryType { .. } => "wrong_geometry_type",
            Rule::UnclosedRing { .. } => "unclosed_ring",
            Rule::TooFewPoints { .. } => "too_few_points",
            Rule::TooManyVertices { .. } => "too_many_vertices",
            Rule::EmptyGeometry => "empty_geometry",
            Rule::ZeroArea { .. } => "zero_area",
            Rule::SelfIntersection { .. } => "self_intersection",
            Rule::InvalidRings { .. } => "invalid_rings",
            Rule::NonFiniteCoordinate { .. } => "non_finite_coordinate",
            Rule::OutOfRange { .. } => "out_of_range",
            Rule::Crs { .. } => "crs",
            Rule::DuplicateCode { .. } => "duplicate_code",
            Rule::NotACount { .. } => "not_a_count",
            Rule::UnknownParent { .. } => "unknown_parent",
            Rule::OutsideParent { .. } => "outside_parent",
            Rule::CodeSpaceFull { .. } => "code_space_full",
        }
    }
}

/// One finding about one input feature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// Position of the feature in the input (0-based), if it came from an input.
    pub index: Option<usize>,
    /// The feature's code, if it has one.
    pub code: Option<String>,
    /// The rule broken, with its particulars.
    #[serde(flatten)]
    pub rule: Rule,
}

impl Problem {
    /// A finding about the feature at `index` with `code`.
    pub fn new(index: Option<usize>, code: Option<&str>, rule: Rule) -> Problem {
        Problem { index, code: code.map(str::to_string), rule }
    }
}

/// Turns a coordinate into the `[lon, lat]` form findings carry.
pub fn pos(c: Coord) -> [f64; 2] {
    [c.x, c.y]
}

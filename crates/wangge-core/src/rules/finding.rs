//! A finding of a planning rule, as a value: which rule, how serious, which feature, what (a
//! [`Message`]: a stable key and its named values), where the rule comes from, and the offending
//! piece of geometry if any. The text people read is rendered at the faces by `wangge-text`.

use crate::model::Layer;
use crate::problem::Problem;
use geo::{Geometry, MultiPolygon};
use serde_json::{Value, json};

/// How serious a finding is. Errors block publishing; warnings are reported and allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported; does not block publishing.
    Warning,
    /// Blocks publishing.
    Error,
}

/// One finding of one rule about one feature (or a pair of features, for overlaps).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable rule id, e.g. `sibling_overlap`; configuration uses the same names.
    pub rule: &'static str,
    /// Error or warning (after configuration).
    pub severity: Severity,
    /// The layer of the feature.
    pub layer: Layer,
    /// The feature's code.
    pub code: String,
    /// The other feature involved (the overlapping sibling, or the parent a gap is in).
    pub other: Option<String>,
    /// What was found, as a key and values; rendered in a language by `wangge-text`.
    pub message: Message,
    /// Where the rule comes from, citing `shared/domain.md`.
    pub source: &'static str,
    /// The offending pieces (overlaps, gaps), WGS 84 longitude–latitude.
    pub geometry: Option<MultiPolygon<f64>>,
}

impl Finding {
    /// A finding with no geometry and no other feature.
    pub fn new(
        rule: &'static str,
        severity: Severity,
        layer: Layer,
        code: &str,
        message: Message,
        source: &'static str,
    ) -> Finding {
        Finding { rule, severity, layer, code: code.to_string(), other: None, message, source, geometry: None }
    }

    /// Wraps a geometry or hierarchy [`Problem`] as a finding of `rule`.
    pub fn from_problem(rule: &'static str, layer: Layer, p: &Problem, source: &'static str) -> Finding {
        Finding::new(rule, Severity::Error, layer, p.code.as_deref().unwrap_or(""), Message::Problem(p.clone()), source)
    }

    /// The finding as JSON with `message` (already rendered in the request's language) as its
    /// `message` field; `geometry` is GeoJSON when present. The core builds the JSON so that every
    /// face returns the same fields; only the text comes from outside.
    pub fn to_json_with(&self, message: String) -> Value {
        let mut v = json!({
            "rule": self.rule,
            "severity": self.severity,
            "layer": self.layer,
            "code": self.code,
            "message": message,
            "source": self.source,
        });
        if let Some(o) = &self.other {
            v["other"] = Value::String(o.clone());
        }
        if let Some(g) = &self.geometry {
            v["geometry"] = serde_json::to_value(geojson::Geometry::from(&Geometry::MultiPolygon(g.clone())))
                .unwrap_or(Value::Null);
        }
        v
    }
}

/// What a finding says, one variant per message: the variant is the key (see [`Message::key`]) and
/// its fields are the named values the catalogs put into the text. A typed enum rather than a
/// string key with a map of arguments, so that a catalog that forgets a message, or a message whose
/// values change, does not compile.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A geometry or hierarchy problem, rendered as `[rule id] problem`.
    Problem(Problem),
    /// The feature overlaps a sibling by more than the tolerance.
    Overlap {
        /// The layer of both siblings.
        layer: Layer,
        /// The sibling's code.
        other: String,
        /// The overlap, m².
        m2: f64,
        /// The tolerance, m².
        tolerance_m2: f64,
    },
    /// Part of a parent is covered by no child.
    Gap {
        /// The parent's layer.
        parent_layer: Layer,
        /// The parent's code.
        parent: String,
        /// The children's layer.
        child_layer: Layer,
        /// How many separate pieces.
        pieces: usize,
        /// Their total area, m².
        m2: f64,
    },
    /// A comprehensive grid's households are outside the bounds.
    GridHouseholds {
        /// Households stated.
        households: i64,
        /// Lower bound.
        lo: i64,
        /// Upper bound.
        hi: i64,
    },
    /// A comprehensive grid has more residents than allowed.
    GridResidents {
        /// Residents stated.
        residents: i64,
        /// The maximum.
        max: i64,
    },
    /// A community's households are outside the bounds; below `lo` it should be merged, above
    /// `hi` split.
    CommunityHouseholds {
        /// Households stated.
        households: i64,
        /// Lower bound.
        lo: i64,
        /// Upper bound.
        hi: i64,
    },
    /// The code occurs more than once in the layer.
    CodeUnique {
        /// The code.
        code: String,
    },
    /// The code is not the configured number of digits.
    CodeLayout {
        /// The code.
        code: String,
        /// The digits it should have.
        digits: usize,
    },
    /// The code does not start with its parent's code.
    CodePrefix {
        /// The code.
        code: String,
        /// The prefix it should start with.
        prefix: String,
    },
    /// A grid names no worker.
    GridWorker,
    /// One worker is named for several grids.
    WorkerShared {
        /// The worker's name.
        worker: String,
        /// The grids' codes, in order.
        grids: Vec<String>,
    },
    /// A community has too few community workers for its households.
    CommunityWorkers {
        /// Households stated.
        households: i64,
        /// Community workers stated.
        workers: i64,
        /// Households per worker (configuration).
        ratio: i64,
        /// Workers needed, rounded.
        needed: i64,
    },
    /// A building has the identical footprint (or point) of an earlier one: entered twice.
    BuildingDuplicate {
        /// The earlier building's code.
        other: String,
        /// Whether the buildings are points (the same position) rather than footprints.
        point: bool,
    },
    /// Two building footprints overlap by more than the share of the smaller.
    BuildingOverlap {
        /// The other building's code.
        other: String,
        /// The shared area, m².
        m2: f64,
        /// The shared area as a percentage of the smaller footprint.
        percent: f64,
        /// The limit, percent (configuration).
        limit_percent: f64,
    },
    /// A grid's declared households differ from the sum over its buildings by more than the tolerance.
    GridHouseholdsRollup {
        /// Households the grid declares.
        declared: i64,
        /// Households of its buildings, summed.
        sum: i64,
        /// The tolerance, percent (configuration).
        tolerance_percent: f64,
    },
}

impl Message {
    /// Stable key of the message, e.g. `rule.grid_households.outside`; a wrapped problem is
    /// `rule.problem` and names its own rule in [`crate::problem::Rule::id`].
    pub fn key(&self) -> &'static str {
        match self {
            Message::Problem(_) => "rule.problem",
            Message::Overlap { .. } => "rule.sibling_overlap",
            Message::Gap { .. } => "rule.parent_gap",
            Message::GridHouseholds { .. } => "rule.grid_households.outside",
            Message::GridResidents { .. } => "rule.grid_residents.above",
            Message::CommunityHouseholds { households, lo, .. } if households < lo => "rule.community_households.below",
            Message::CommunityHouseholds { .. } => "rule.community_households.above",
            Message::CodeUnique { .. } => "rule.code_unique",
            Message::CodeLayout { .. } => "rule.code_layout",
            Message::CodePrefix { .. } => "rule.code_prefix",
            Message::GridWorker => "rule.grid_worker",
            Message::WorkerShared { .. } => "rule.grid_worker_shared",
            Message::CommunityWorkers { .. } => "rule.community_workers",
            Message::BuildingDuplicate { .. } => "rule.building_duplicate",
            Message::BuildingOverlap { .. } => "rule.building_overlap",
            Message::GridHouseholdsRollup { .. } => "rule.grid_households_rollup",
        }
    }
}

/// Counts of errors and warnings.
pub fn tally(findings: &[Finding]) -> (usize, usize) {
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    (errors, findings.len() - errors)
}

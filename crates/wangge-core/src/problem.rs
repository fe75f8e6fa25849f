//! Findings about input data, as values: each names the feature (position and code), the rule it
//! breaks, and where — and renders itself in Chinese or English.

use super::model::Layer;
use crate::i18n::Lang;
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
            Rule::UnknownParent { .. } => "unknown_parent",
            Rule::OutsideParent { .. } => "outside_parent",
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

    /// The finding as one line of text, e.g. `要素 #3（编码 440304006009001）：外环未闭合`.
    pub fn message(&self, lang: Lang) -> String {
        let who = match (&self.index, &self.code) {
            (Some(i), Some(c)) => {
                lang.pick(&format!("要素 #{i}（编码 {c}）"), &format!("feature #{i} (code {c})")).to_string()
            }
            (Some(i), None) => lang.pick(&format!("要素 #{i}"), &format!("feature #{i}")).to_string(),
            (None, Some(c)) => lang.pick(&format!("编码 {c}"), &format!("code {c}")).to_string(),
            (None, None) => lang.pick("输入", "input").to_string(),
        };
        format!("{who}{}{}", lang.pick("：", ": "), self.what(lang))
    }

    fn what(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match &self.rule {
            Rule::Malformed { detail } => {
                if zh {
                    format!("无法读取：{detail}")
                } else {
                    format!("cannot be read: {detail}")
                }
            }
            Rule::MissingProperty { key } => {
                if zh {
                    format!("缺少属性 \"{key}\"")
                } else {
                    format!("property \"{key}\" is missing or empty")
                }
            }
            Rule::WrongGeometryType { layer, found } => {
                let want = match layer.geometry_kind() {
                    super::model::GeometryKind::Area => lang.pick("Polygon 或 MultiPolygon", "Polygon or MultiPolygon"),
                    super::model::GeometryKind::Point => "Point",
                    super::model::GeometryKind::PointOrArea => {
                        lang.pick("Point、Polygon 或 MultiPolygon", "Point, Polygon or MultiPolygon")
                    }
                };
                if zh {
                    format!("几何类型 {found} 不适用于{}图层（应为 {want}）", layer.label(lang))
                } else {
                    format!("geometry type {found} is not allowed in the {} layer (expected {want})", layer.label(lang))
                }
            }
            Rule::UnclosedRing { ring } => {
                if zh {
                    format!("第 {ring} 个环未闭合（首尾坐标不同）")
                } else {
                    format!("ring {ring} is not closed (first and last positions differ)")
                }
            }
            Rule::TooFewPoints { ring } => {
                if zh {
                    format!("第 {ring} 个环少于 3 个不同的点")
                } else {
                    format!("ring {ring} has fewer than 3 distinct positions")
                }
            }
            Rule::TooManyVertices { count, limit } => {
                if zh {
                    format!("几何坐标点过多：{count} 个，上限为 {limit} 个")
                } else {
                    format!("the geometry has too many vertices: {count}, the limit is {limit}")
                }
            }
            Rule::EmptyGeometry => {
                lang.pick("几何为空（没有坐标）", "the geometry is empty (no positions)").to_string()
            }
            Rule::ZeroArea { ring } => {
                if zh {
                    format!("第 {ring} 个环的面积为零（所有点在一条直线上）")
                } else {
                    format!("ring {ring} encloses no area (all positions lie on one line)")
                }
            }
            Rule::SelfIntersection { ring, at } => {
                let place = at.map(|[x, y]| format!(" ({x:.7}, {y:.7})")).unwrap_or_default();
                if zh {
                    format!("第 {ring} 个环自相交{place}")
                } else {
                    format!("ring {ring} intersects itself{place}")
                }
            }
            Rule::InvalidRings { detail } => {
                if zh {
                    format!("环的关系无效：{detail}")
                } else {
                    format!("invalid rings: {detail}")
                }
            }
            Rule::NonFiniteCoordinate { vertex } => {
                if zh {
                    format!("第 {vertex} 个坐标不是有限数（NaN 或无穷）")
                } else {
                    format!("vertex {vertex} is not a finite number (NaN or infinite)")
                }
            }
            Rule::OutOfRange { at: [x, y], looks_projected } => {
                let hint = match (looks_projected, zh) {
                    (true, true) => "；看起来是投影坐标（米），请用 --crs 指明，例如 EPSG:4547",
                    (true, false) => "; this looks like projected metres: name the CRS with --crs, e.g. EPSG:4547",
                    _ => "",
                };
                if zh {
                    format!("坐标 ({x}, {y}) 超出经度 ±180、纬度 ±90 的范围{hint}")
                } else {
                    format!("position ({x}, {y}) is outside longitude ±180 / latitude ±90{hint}")
                }
            }
            Rule::Crs { detail } => {
                if zh {
                    format!("坐标转换失败：{detail}")
                } else {
                    format!("coordinate conversion failed: {detail}")
                }
            }
            Rule::DuplicateCode { first: Some(i) } => {
                if zh {
                    format!("编码重复（与要素 #{i} 相同）")
                } else {
                    format!("duplicate code (same as feature #{i})")
                }
            }
            Rule::DuplicateCode { first: None } => {
                if zh {
                    "编码已存在于该图层".to_string()
                } else {
                    "code already exists in the layer".to_string()
                }
            }
            Rule::UnknownParent { parent_code } => {
                if zh {
                    format!("上级编码 {parent_code} 不存在")
                } else {
                    format!("parent code {parent_code} does not exist")
                }
            }
            Rule::OutsideParent { parent_code, metres, tolerance_m, at: [x, y] } => {
                if zh {
                    format!(
                        "超出上级 {parent_code} 的范围 {metres:.1} 米（容差 {tolerance_m} 米），位置 ({x:.7}, {y:.7})"
                    )
                } else {
                    format!(
                        "reaches {metres:.1} m outside its parent {parent_code} (tolerance {tolerance_m} m) at ({x:.7}, {y:.7})"
                    )
                }
            }
        }
    }
}

/// Turns a coordinate into the `[lon, lat]` form findings carry.
pub fn pos(c: Coord) -> [f64; 2] {
    [c.x, c.y]
}

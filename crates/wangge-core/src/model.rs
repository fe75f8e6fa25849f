//! Domain types: the layers of the governance hierarchy and the features in them.
//!
//! Coordinates are WGS 84 / CGCS2000 longitude–latitude in degrees (x = longitude, y = latitude);
//! at map scale the two datums are the same, so wangge stores one and calls it WGS 84.

pub use crate::attrs::Attrs;
use geo::Geometry;
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// One level of the hierarchy district 区 → street 街道 → community 社区 → grid 网格 → building 楼栋,
/// plus the service centres that serve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// 区 (county-level district).
    District,
    /// 街道 (sub-district).
    Street,
    /// 社区 (residents' community).
    Community,
    /// 网格 (governance grid; kind 综合 or 专属).
    Grid,
    /// 楼栋 (building), a point or a polygon.
    Building,
    /// 服务中心 such as 党群服务中心, a point.
    ServiceCentre,
}

/// What geometry a layer accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    /// Polygon or MultiPolygon.
    Area,
    /// Point only.
    Point,
    /// Point, Polygon or MultiPolygon.
    PointOrArea,
}

impl Layer {
    /// Every layer, parents before children.
    pub const ALL: [Layer; 6] =
        [Layer::District, Layer::Street, Layer::Community, Layer::Grid, Layer::Building, Layer::ServiceCentre];

    /// The identifier used in URLs, CLI flags and table names.
    pub fn id(self) -> &'static str {
        match self {
            Layer::District => "district",
            Layer::Street => "street",
            Layer::Community => "community",
            Layer::Grid => "grid",
            Layer::Building => "building",
            Layer::ServiceCentre => "service_centre",
        }
    }

    /// The layer a feature's `parent_code` points into. A service centre may belong to a
    /// community or to a street, so its parent is looked up in either (see [`Layer::parent_layers`]).
    pub fn parent_layers(self) -> &'static [Layer] {
        match self {
            Layer::District => &[],
            Layer::Street => &[Layer::District],
            Layer::Community => &[Layer::Street],
            Layer::Grid => &[Layer::Community],
            Layer::Building => &[Layer::Grid],
            Layer::ServiceCentre => &[Layer::Community, Layer::Street],
        }
    }

    /// The geometry this layer accepts.
    pub fn geometry_kind(self) -> GeometryKind {
        match self {
            Layer::District | Layer::Street | Layer::Community | Layer::Grid => GeometryKind::Area,
            Layer::Building => GeometryKind::PointOrArea,
            Layer::ServiceCentre => GeometryKind::Point,
        }
    }

    /// Whether the layer's features tile their parents (so point-in-polygon lookups apply).
    pub fn is_area_layer(self) -> bool {
        self.geometry_kind() == GeometryKind::Area
    }
}

impl serde::Serialize for Layer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A layer name that is not one of [`Layer::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown layer '{0}' (district, street, community, grid, building, service_centre)")]
pub struct UnknownLayer(pub String);

impl FromStr for Layer {
    type Err = UnknownLayer;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "district" | "区" => Ok(Layer::District),
            "street" | "街道" => Ok(Layer::Street),
            "community" | "社区" => Ok(Layer::Community),
            "grid" | "网格" => Ok(Layer::Grid),
            "building" | "楼栋" => Ok(Layer::Building),
            "service_centre" | "service_center" | "服务中心" => Ok(Layer::ServiceCentre),
            other => Err(UnknownLayer(other.to_string())),
        }
    }
}

/// Attributes holding a person's contact details (a grid worker's phone number): personal
/// information, so the faces show them to entitled roles only and public tiles leave them out.
pub const CONTACT_ATTRS: &[&str] = &["worker_phone"];

/// One feature of a layer: identity, place in the hierarchy, free attributes and geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Unique code within the layer (e.g. a 15-digit grid code).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Code of the feature one level up; `None` only for districts.
    pub parent_code: Option<String>,
    /// Every other property as it came in (`households`, `residents`, `kind`, `worker`, …).
    pub attrs: Attrs,
    /// WGS 84 longitude–latitude geometry.
    pub geometry: Geometry<f64>,
}

impl Feature {
    /// A feature read from a table whose name column may be empty or absent: the name is then
    /// the code, as every importer has always named such features.
    pub fn with_default_name(
        code: String,
        name: Option<String>,
        parent_code: Option<String>,
        attrs: Attrs,
        geometry: Geometry<f64>,
    ) -> Feature {
        Feature { name: name.unwrap_or_else(|| code.clone()), code, parent_code, attrs, geometry }
    }

    /// Releases the spare capacity a decoder leaves behind: every ring's coordinates shrunk to
    /// their length (a decoded ring reserves room up to the next power of two; over a million
    /// features of a served snapshot that slack was the largest single item after the coordinates
    /// themselves). [`Attrs`] are always held at their exact size. Answers are unchanged.
    pub fn compact(&mut self) {
        let shrink_polygon = |p: &mut geo::Polygon<f64>| {
            p.exterior_mut(|r| r.0.shrink_to_fit());
            p.interiors_mut(|rings| rings.iter_mut().for_each(|r| r.0.shrink_to_fit()));
        };
        match &mut self.geometry {
            Geometry::Polygon(p) => shrink_polygon(p),
            Geometry::MultiPolygon(mp) => {
                mp.0.shrink_to_fit();
                mp.0.iter_mut().for_each(shrink_polygon);
            }
            Geometry::LineString(l) => l.0.shrink_to_fit(),
            _ => {}
        }
    }

    /// An integer attribute such as `households`, if present and a whole number.
    pub fn int_attr(&self, key: &str) -> Option<i64> {
        self.attrs.get(key).and_then(Value::as_i64)
    }

    /// The first count attribute ([`COUNT_ATTRS`]) that is not a non-negative whole number, with
    /// its value; a whole-valued float (`120.0`, as some DBF and CSV writers give counts) is
    /// rewritten as the integer first, so the rules, which read integers, see it. `null` is
    /// taken for "not stated".
    pub fn normalize_counts(&mut self) -> Option<(&'static str, Value)> {
        for key in COUNT_ATTRS {
            let Some(v) = self.attrs.get_mut(key) else { continue };
            match v {
                Value::Null => {}
                Value::Number(n) if n.as_u64().is_some() => {}
                Value::Number(n)
                    if n.as_f64().is_some_and(|x| x >= 0.0 && x.fract() == 0.0 && x < 9.007_199_254_740_992e15) =>
                {
                    *v = Value::from(n.as_f64().unwrap_or_default() as u64);
                }
                other => return Some((key, other.clone())),
            }
        }
        None
    }
}

/// The attributes that are counts of people or homes: non-negative whole numbers wherever they
/// are stated (the rules sum and compare them; `/queryables` declares them integers).
pub const COUNT_ATTRS: [&str; 3] = ["households", "residents", "community_workers"];

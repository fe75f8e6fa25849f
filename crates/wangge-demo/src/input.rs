//! Reading the three real inputs: OSM roads, coarse district outlines and the official division list.
//!
//! Coordinates are WGS 84 longitude/latitude in degrees, as in the files.

use std::path::Path;

use serde_json::Value;

use super::error::DemoError;

/// Road classes that bound blocks. Footways, paths, steps and service ways are left out so that parks and
/// estates do not shatter into slivers.
const MAJOR: &[&str] = &[
    "primary",
    "secondary",
    "tertiary",
    "residential",
    "unclassified",
    "living_street",
    "trunk",
    "primary_link",
    "secondary_link",
    "tertiary_link",
    "trunk_link",
];

/// Road classes whose presence in a block suggests homes (used for the density estimate).
const HOMELY: &[&str] = &["residential", "living_street", "service"];

/// Road classes nobody walks on.
const UNWALKABLE: &[&str] = &["motorway", "motorway_link", "trunk", "trunk_link"];

/// One OSM road segment.
#[derive(Debug, Clone)]
pub struct Road {
    /// Vertices, longitude/latitude, exactly as read.
    pub coords: Vec<[f64; 2]>,
    /// The `highway` value as in the file (may be a stringified list).
    pub highway: String,
    /// The `highway` classes, the list unpacked.
    pub classes: Vec<String>,
    /// Chinese name, if any.
    pub name: Option<String>,
    /// OSM way id, kept as in the file.
    pub osmid: Value,
    /// Length in metres as given by OSMnx.
    pub length_m: Value,
    /// The geometry object as read, so the copy keeps its coordinates bit for bit.
    pub geometry: Value,
}

impl Road {
    fn any_of(&self, list: &[&str]) -> bool {
        self.classes.iter().any(|c| list.contains(&c.as_str()))
    }
    /// Whether this road bounds blocks.
    pub fn is_major(&self) -> bool {
        self.any_of(MAJOR)
    }
    /// Whether this road suggests homes nearby.
    pub fn is_homely(&self) -> bool {
        self.any_of(HOMELY)
    }
    /// Whether pedestrians use this road.
    pub fn is_walkable(&self) -> bool {
        !self.classes.iter().all(|c| UNWALKABLE.contains(&c.as_str()))
    }
}

/// One district outline.
#[derive(Debug, Clone)]
pub struct District {
    /// 6-digit GB/T 2260 code, e.g. `440304`.
    pub code: String,
    /// Chinese name, e.g. 福田区.
    pub name: String,
    /// Polygons as rings of longitude/latitude, outer ring first.
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
    /// The geometry object as read.
    pub geometry: Value,
}

/// One street (街道) or community (社区) of the official division list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Division {
    /// `street` or `community`.
    pub level: String,
    /// 9-digit (street) or 12-digit (community) code.
    pub code: String,
    /// Display name, with the 居委会 suffix removed.
    pub name: String,
    /// Code of the parent division.
    pub parent_code: String,
}

fn read_json(path: &Path) -> Result<Value, DemoError> {
    let text = std::fs::read_to_string(path).map_err(|source| DemoError::Read { path: path.into(), source })?;
    serde_json::from_str(&text).map_err(|source| DemoError::Json { path: path.into(), source })
}

fn malformed(path: &Path, what: impl Into<String>) -> DemoError {
    DemoError::Malformed { path: path.into(), what: what.into() }
}

fn features<'a>(path: &Path, doc: &'a Value) -> Result<&'a Vec<Value>, DemoError> {
    doc.get("features").and_then(Value::as_array).ok_or_else(|| malformed(path, "not a FeatureCollection"))
}

fn position(path: &Path, v: &Value) -> Result<[f64; 2], DemoError> {
    let pair = v.as_array().filter(|a| a.len() >= 2);
    match pair.map(|a| (a[0].as_f64(), a[1].as_f64())) {
        Some((Some(x), Some(y))) if x.is_finite() && y.is_finite() => Ok([x, y]),
        _ => Err(malformed(path, format!("bad position {v}"))),
    }
}

fn positions(path: &Path, v: &Value) -> Result<Vec<[f64; 2]>, DemoError> {
    let list = v.as_array().ok_or_else(|| malformed(path, "coordinates are not a list"))?;
    list.iter().map(|p| position(path, p)).collect()
}

/// Unpacks OSMnx's stringified lists such as `['steps', 'footway']`.
fn classes(highway: &str) -> Vec<String> {
    highway
        .trim_matches(|c| c == '[' || c == ']')
        .split(',')
        .map(|s| s.trim().trim_matches('\'').trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Reads `roads.geojson`: LineStrings with `highway`, `name`, `osmid`, `length_m`.
pub fn read_roads(path: &Path) -> Result<Vec<Road>, DemoError> {
    let doc = read_json(path)?;
    let mut roads = Vec::new();
    for f in features(path, &doc)? {
        let geometry = f.get("geometry").cloned().unwrap_or(Value::Null);
        if geometry.get("type").and_then(Value::as_str) != Some("LineString") {
            return Err(malformed(path, "a road is not a LineString"));
        }
        let coords = positions(path, geometry.get("coordinates").unwrap_or(&Value::Null))?;
        let props = f.get("properties").cloned().unwrap_or(Value::Null);
        let highway = props.get("highway").and_then(Value::as_str).unwrap_or("").to_string();
        roads.push(Road {
            coords,
            classes: classes(&highway),
            highway,
            name: props.get("name").and_then(Value::as_str).map(str::to_string),
            osmid: props.get("osmid").cloned().unwrap_or(Value::Null),
            length_m: props.get("length_m").cloned().unwrap_or(Value::Null),
            geometry,
        });
    }
    Ok(roads)
}

/// Reads `shenzhen_districts.geojson`: (Multi)Polygons with `name` and `gb` (`156` + 6-digit code).
pub fn read_districts(path: &Path) -> Result<Vec<District>, DemoError> {
    let doc = read_json(path)?;
    let mut out = Vec::new();
    for f in features(path, &doc)? {
        let props = f.get("properties").cloned().unwrap_or(Value::Null);
        let gb = props.get("gb").and_then(Value::as_str).unwrap_or("");
        let code = gb.strip_prefix("156").filter(|c| c.len() == 6).ok_or_else(|| malformed(path, "bad gb code"))?;
        let geometry = f.get("geometry").cloned().unwrap_or(Value::Null);
        let coords = geometry.get("coordinates").cloned().unwrap_or(Value::Null);
        let polys: Vec<Value> = match geometry.get("type").and_then(Value::as_str) {
            Some("MultiPolygon") => coords.as_array().cloned().unwrap_or_default(),
            Some("Polygon") => vec![coords],
            _ => return Err(malformed(path, "a district is not a (Multi)Polygon")),
        };
        let mut polygons = Vec::new();
        for p in &polys {
            let rings = p.as_array().ok_or_else(|| malformed(path, "bad polygon"))?;
            polygons.push(rings.iter().map(|r| positions(path, r)).collect::<Result<Vec<_>, _>>()?);
        }
        out.push(District {
            code: code.to_string(),
            name: props.get("name").and_then(Value::as_str).unwrap_or("").to_string(),
            polygons,
            geometry,
        });
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

/// Reads `shenzhen_divisions.csv` (`level,code,name,parent_code`, CRLF line endings).
pub fn read_divisions(path: &Path) -> Result<Vec<Division>, DemoError> {
    let file = std::fs::File::open(path).map_err(|source| DemoError::Read { path: path.into(), source })?;
    let mut reader = csv::Reader::from_reader(file);
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|source| DemoError::Csv { path: path.into(), source })?;
        let field = |i: usize| row.get(i).map(|s| s.trim().to_string()).ok_or_else(|| malformed(path, "short row"));
        let name = field(2)?;
        out.push(Division {
            level: field(0)?,
            code: field(1)?,
            name: name.strip_suffix("居委会").unwrap_or(&name).to_string(),
            parent_code: field(3)?,
        });
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stringified_highway_lists_are_unpacked() {
        assert_eq!(classes("['steps', 'footway']"), vec!["steps", "footway"]);
        assert_eq!(classes("primary"), vec!["primary"]);
    }

    #[test]
    fn divisions_lose_the_committee_suffix_and_the_carriage_return() {
        // The shared sources sit next to the repository on development machines only.
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/futian/shenzhen_divisions.csv");
        let Ok(divs) = read_divisions(&path) else { return };
        let zhulin = divs.iter().find(|d| d.code == "440304006009");
        assert_eq!(zhulin.map(|d| d.name.as_str()), Some("竹林社区"));
        assert!(divs.iter().all(|d| !d.parent_code.ends_with('\r')));
    }
}

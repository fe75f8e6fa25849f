//! Road networks in: GeoJSON LineStrings and OpenStreetMap PBF, filtered to walkable ways.
//!
//! # Walkable
//! A way is walkable when its `highway` value is in [`Walkable`]'s list (by default footways,
//! paths, steps, pedestrian and living streets, residential, service, unclassified, tertiary,
//! secondary and primary roads and their links, tracks, cycleways, corridors, bridleways) and it is
//! not tagged `foot=no`. Motorways and trunk roads (and their links) are left out by default. OSMnx
//! exports write merged ways' values as a stringified list such as `"['steps', 'footway']"`: such a
//! way is walkable when any listed value is.
//!
//! # Noding
//! GeoJSON roads carry no topology, so crossings are noded (cut at every intersection, on the 1e-7°
//! lattice of [`wangge_core::planar::noding`]). OSM ways are joined only where they share a node, because
//! in OSM two ways crossing without a shared node are a bridge over a tunnel, not a junction.

use geo::Coord;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use wangge_core::network::Network;
use wangge_core::planar::noding::{self, Segment};

/// The default walkable `highway` values.
pub const DEFAULT_WALKABLE: &[&str] = &[
    "footway",
    "path",
    "steps",
    "pedestrian",
    "living_street",
    "residential",
    "service",
    "unclassified",
    "tertiary",
    "tertiary_link",
    "secondary",
    "secondary_link",
    "primary",
    "primary_link",
    "track",
    "cycleway",
    "corridor",
    "bridleway",
    "road",
    "crossing",
];

/// Which `highway` values count as walkable.
#[derive(Debug, Clone, PartialEq)]
pub struct Walkable {
    /// Accepted values.
    pub highways: Vec<String>,
}

impl Default for Walkable {
    fn default() -> Self {
        Walkable { highways: DEFAULT_WALKABLE.iter().map(|s| s.to_string()).collect() }
    }
}

impl Walkable {
    /// A filter from a comma-separated list (e.g. `footway,path,residential`).
    pub fn from_list(list: &str) -> Walkable {
        Walkable { highways: list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect() }
    }

    /// Whether a `highway` value (plain, or a stringified list) is walkable.
    pub fn accepts(&self, highway: &str) -> bool {
        let h = highway.trim();
        if h.starts_with('[') {
            return h
                .trim_matches(['[', ']'])
                .split(',')
                .map(|v| v.trim().trim_matches(['\'', '"']))
                .any(|v| self.highways.iter().any(|w| w == v));
        }
        self.highways.iter().any(|w| w == h)
    }
}

/// One walkable road line.
#[derive(Debug, Clone, PartialEq)]
pub struct RoadLine {
    /// Its `highway` value.
    pub highway: String,
    /// Its name, if any.
    pub name: Option<String>,
    /// Vertices, lon/lat.
    pub coords: Vec<Coord>,
}

/// The walkable lines of a road file and how many ways there were in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoadSet {
    /// Walkable lines.
    pub lines: Vec<RoadLine>,
    /// Every way (or line feature) read, walkable or not.
    pub ways_read: usize,
    /// Whether crossings must be noded when building the network (GeoJSON) or not (OSM).
    pub node_crossings: bool,
}

/// Why a road file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RoadsError {
    /// Not readable as GeoJSON.
    #[error("roads GeoJSON: {0}")]
    GeoJson(String),
    /// The PBF reader failed.
    #[error("OSM PBF {path}: {detail}")]
    Pbf {
        /// The file.
        path: String,
        /// What went wrong.
        detail: String,
    },
}

/// Reads the walkable LineStrings (and MultiLineStrings) of a GeoJSON FeatureCollection.
pub fn read_geojson(text: &str, walkable: &Walkable) -> Result<RoadSet, RoadsError> {
    let v: Value = serde_json::from_str(text).map_err(|e| RoadsError::GeoJson(e.to_string()))?;
    let features = v["features"].as_array().ok_or_else(|| RoadsError::GeoJson("no \"features\" array".into()))?;
    let mut set = RoadSet { node_crossings: true, ..RoadSet::default() };
    for f in features {
        let parts: Vec<&Value> = match f.pointer("/geometry/type").and_then(Value::as_str) {
            Some("LineString") => vec![&f["geometry"]["coordinates"]],
            Some("MultiLineString") => {
                f["geometry"]["coordinates"].as_array().map(|a| a.iter().collect()).unwrap_or_default()
            }
            _ => continue,
        };
        set.ways_read += 1;
        let highway = match &f["properties"]["highway"] {
            Value::String(s) => s.clone(),
            Value::Array(a) => format!("{:?}", a.iter().filter_map(Value::as_str).collect::<Vec<_>>()),
            _ => continue,
        };
        if !walkable.accepts(&highway) || f["properties"]["foot"] == "no" {
            continue;
        }
        let name = f["properties"]["name"].as_str().map(str::to_string);
        for part in parts {
            let coords: Vec<Coord> = part
                .as_array()
                .map(|a| {
                    a.iter().filter_map(|p| Some(Coord { x: p.get(0)?.as_f64()?, y: p.get(1)?.as_f64()? })).collect()
                })
                .unwrap_or_default();
            if coords.len() >= 2 {
                set.lines.push(RoadLine { highway: highway.clone(), name: name.clone(), coords });
            }
        }
    }
    Ok(set)
}

/// Reads the walkable ways of an OpenStreetMap PBF file.
pub fn read_pbf(path: &Path, walkable: &Walkable) -> Result<RoadSet, RoadsError> {
    use osmpbf::{Element, ElementReader};
    let err = |e: osmpbf::Error| RoadsError::Pbf { path: path.display().to_string(), detail: e.to_string() };
    let reader = ElementReader::from_path(path).map_err(err)?;
    let mut nodes: HashMap<i64, Coord> = HashMap::new();
    let mut ways: Vec<(String, Option<String>, Vec<i64>)> = Vec::new();
    let mut ways_read = 0;
    reader
        .for_each(|element| match element {
            Element::Node(n) => {
                nodes.insert(n.id(), Coord { x: n.lon(), y: n.lat() });
            }
            Element::DenseNode(n) => {
                nodes.insert(n.id(), Coord { x: n.lon(), y: n.lat() });
            }
            Element::Way(w) => {
                let tags: HashMap<&str, &str> = w.tags().collect();
                let Some(&highway) = tags.get("highway") else { return };
                ways_read += 1;
                let access_no = matches!(tags.get("access"), Some(&"no" | &"private"))
                    && !matches!(tags.get("foot"), Some(&"yes" | &"designated" | &"permissive"));
                if walkable.accepts(highway) && tags.get("foot") != Some(&"no") && !access_no {
                    ways.push((highway.to_string(), tags.get("name").map(|s| s.to_string()), w.refs().collect()));
                }
            }
            Element::Relation(_) => {}
        })
        .map_err(err)?;
    let lines = ways
        .into_iter()
        .filter_map(|(highway, name, refs)| {
            let coords: Vec<Coord> = refs.iter().filter_map(|r| nodes.get(r).copied()).collect();
            (coords.len() >= 2).then_some(RoadLine { highway, name, coords })
        })
        .collect();
    Ok(RoadSet { lines, ways_read, node_crossings: false })
}

/// Builds the walking network of `lines`, noding crossings when asked.
pub fn network(lines: &[RoadLine], node_crossings: bool) -> Network {
    if !node_crossings {
        return Network::from_polylines(lines.iter().map(|l| &l.coords[..]));
    }
    let mut segments = Vec::new();
    for l in lines {
        for w in l.coords.windows(2) {
            if w.iter().all(|c| c.x.is_finite() && c.y.is_finite()) {
                let (a, b) = (noding::snap([w[0].x, w[0].y]), noding::snap([w[1].x, w[1].y]));
                segments.push(Segment { a, b, frame: false });
            }
        }
    }
    let noded = noding::node(&segments);
    let pieces: Vec<[Coord; 2]> = noded
        .iter()
        .map(|s| {
            let (a, b) = (noding::degrees(s.a), noding::degrees(s.b));
            [Coord { x: a[0], y: a[1] }, Coord { x: b[0], y: b[1] }]
        })
        .collect();
    Network::from_polylines(pieces.iter().map(|p| &p[..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walkable_values_and_lists() {
        let w = Walkable::default();
        assert!(w.accepts("footway") && w.accepts("primary_link") && w.accepts("['steps', 'footway']"));
        assert!(!w.accepts("motorway") && !w.accepts("trunk_link") && !w.accepts("['motorway', 'trunk']"));
        assert!(w.accepts("['primary', 'trunk']"), "a merged way with a walkable part is kept");
        assert!(Walkable::from_list("footway, path").accepts("path"));
    }

    #[test]
    fn crossing_lines_are_noded_in_geojson() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"highway":"residential"},"geometry":{"type":"LineString","coordinates":[[114.0,22.5],[114.002,22.5]]}},
          {"type":"Feature","properties":{"highway":"footway"},"geometry":{"type":"LineString","coordinates":[[114.001,22.499],[114.001,22.501]]}},
          {"type":"Feature","properties":{"highway":"motorway"},"geometry":{"type":"LineString","coordinates":[[114.0,22.4],[114.1,22.4]]}}]}"#;
        let set = read_geojson(text, &Walkable::default()).unwrap();
        assert_eq!((set.ways_read, set.lines.len()), (3, 2));
        let net = network(&set.lines, true);
        assert_eq!((net.node_count(), net.edge_count()), (5, 4), "the cross is cut at its middle");
        assert_eq!(network(&set.lines, false).edge_count(), 2, "without noding the lines stay apart");
    }
}

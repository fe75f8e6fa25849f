//! Mapbox Vector Tile (spec v2) protobuf encoding of [`TileLayer`]s, and a small decoder used to
//! read tiles back in tests and tools.
//!
//! The format needs only four protobuf pieces — varints, zigzag, length-delimited fields and
//! packed repeated `uint32` — so they are written here rather than pulled in with a protobuf
//! stack (geozero's MVT writer would also bring a second geojson version and sqlx).

use std::collections::HashMap;
use wangge_core::tiles::build::{Point, PropValue, TileFeature, TileGeometry, TileLayer};

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

/// MVT geometry types (`Feature.type`).
const POINT: u64 = 1;
const LINESTRING: u64 = 2;
const POLYGON: u64 = 3;

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire: u8) {
    varint(out, ((field as u64) << 3) | wire as u64);
}

fn bytes_field(out: &mut Vec<u8>, field: u32, data: &[u8]) {
    key(out, field, 2);
    varint(out, data.len() as u64);
    out.extend_from_slice(data);
}

fn uint_field(out: &mut Vec<u8>, field: u32, v: u64) {
    key(out, field, 0);
    varint(out, v);
}

fn packed_field(out: &mut Vec<u8>, field: u32, values: &[u32]) {
    let mut body = Vec::with_capacity(values.len() * 2);
    for &v in values {
        varint(&mut body, v as u64);
    }
    bytes_field(out, field, &body);
}

fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

fn command(id: u32, count: usize) -> u32 {
    (id & 0x7) | ((count as u32) << 3)
}

/// The command stream of a geometry, with the cursor carried across parts as the spec requires.
fn geometry_commands(g: &TileGeometry) -> (u64, Vec<u32>) {
    let mut out = Vec::new();
    let mut cursor: Point = [0, 0];
    let mut step = |out: &mut Vec<u32>, p: Point| {
        out.push(zigzag(p[0] - cursor[0]));
        out.push(zigzag(p[1] - cursor[1]));
        cursor = p;
    };
    match g {
        TileGeometry::Points(pts) => {
            out.push(command(MOVE_TO, pts.len()));
            for &p in pts {
                step(&mut out, p);
            }
            (POINT, out)
        }
        TileGeometry::Lines(lines) => {
            for l in lines {
                out.push(command(MOVE_TO, 1));
                step(&mut out, l[0]);
                out.push(command(LINE_TO, l.len() - 1));
                for &p in &l[1..] {
                    step(&mut out, p);
                }
            }
            (LINESTRING, out)
        }
        TileGeometry::Polygons(polys) => {
            for ring in polys.iter().flatten() {
                out.push(command(MOVE_TO, 1));
                step(&mut out, ring[0]);
                out.push(command(LINE_TO, ring.len() - 1));
                for &p in &ring[1..] {
                    step(&mut out, p);
                }
                out.push(command(CLOSE_PATH, 1));
            }
            (POLYGON, out)
        }
    }
}

/// A property value as a hashable key for the layer's value table (floats by their bits).
#[derive(PartialEq, Eq, Hash)]
enum ValueKey<'a> {
    S(&'a str),
    I(i64),
    D(u64),
    B(bool),
}

fn value_message(v: &PropValue) -> Vec<u8> {
    let mut out = Vec::new();
    match v {
        PropValue::String(s) => bytes_field(&mut out, 1, s.as_bytes()),
        PropValue::Double(d) => {
            key(&mut out, 3, 1);
            out.extend_from_slice(&d.to_le_bytes());
        }
        // Non-negative numbers as uint_value (short varints); negatives zigzagged in sint_value.
        PropValue::Int(i) if *i >= 0 => uint_field(&mut out, 5, *i as u64),
        PropValue::Int(i) => uint_field(&mut out, 6, ((*i << 1) ^ (*i >> 63)) as u64),
        PropValue::Bool(b) => uint_field(&mut out, 7, *b as u64),
    }
    out
}

fn layer_message(layer: &TileLayer) -> Vec<u8> {
    let mut out = Vec::new();
    uint_field(&mut out, 15, 2);
    bytes_field(&mut out, 1, layer.name.as_bytes());
    let mut keys: Vec<&str> = Vec::new();
    let mut key_ix: HashMap<&str, u32> = HashMap::new();
    let mut values: Vec<&PropValue> = Vec::new();
    let mut value_ix: HashMap<ValueKey, u32> = HashMap::new();
    let mut feature_buf = Vec::new();
    let mut tags: Vec<u32> = Vec::new();
    for f in &layer.features {
        tags.clear();
        for (k, v) in &f.props {
            let ki = *key_ix.entry(k.as_str()).or_insert_with(|| {
                keys.push(k.as_str());
                keys.len() as u32 - 1
            });
            let vk = match v {
                PropValue::String(s) => ValueKey::S(s),
                PropValue::Int(i) => ValueKey::I(*i),
                PropValue::Double(d) => ValueKey::D(d.to_bits()),
                PropValue::Bool(b) => ValueKey::B(*b),
            };
            let vi = *value_ix.entry(vk).or_insert_with(|| {
                values.push(v);
                values.len() as u32 - 1
            });
            tags.push(ki);
            tags.push(vi);
        }
        feature_buf.clear();
        feature_message(&mut feature_buf, f, &tags);
        bytes_field(&mut out, 2, &feature_buf);
    }
    for k in keys {
        bytes_field(&mut out, 3, k.as_bytes());
    }
    for v in values {
        bytes_field(&mut out, 4, &value_message(v));
    }
    uint_field(&mut out, 5, layer.extent as u64);
    out
}

fn feature_message(out: &mut Vec<u8>, f: &TileFeature, tags: &[u32]) {
    uint_field(out, 1, f.id);
    if !tags.is_empty() {
        packed_field(out, 2, tags);
    }
    let (kind, commands) = geometry_commands(&f.geometry);
    uint_field(out, 3, kind);
    packed_field(out, 4, &commands);
}

/// Encodes `layers` as one tile (layers without features are left out).
pub fn encode(layers: &[TileLayer]) -> Vec<u8> {
    let mut out = Vec::new();
    for layer in layers.iter().filter(|l| !l.features.is_empty()) {
        bytes_field(&mut out, 3, &layer_message(layer));
    }
    out
}

/// Why bytes could not be read as a tile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid vector tile: {0}")]
pub struct DecodeError(pub &'static str);

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.buf.get(self.pos).ok_or(DecodeError("truncated varint"))?;
            self.pos += 1;
            v |= ((b & 0x7f) as u64) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(DecodeError("varint too long"))
    }

    fn field(&mut self) -> Result<Option<(u32, Field<'a>)>, DecodeError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let k = self.varint()?;
        let f = match k & 7 {
            0 => Field::Varint(self.varint()?),
            1 => Field::Fixed64(self.take(8)?.try_into().map_err(|_| DecodeError("fixed64"))?),
            2 => {
                let n = self.varint()? as usize;
                Field::Bytes(self.take(n)?)
            }
            5 => Field::Fixed32(self.take(4)?.try_into().map_err(|_| DecodeError("fixed32"))?),
            _ => return Err(DecodeError("unknown wire type")),
        };
        Ok(Some(((k >> 3) as u32, f)))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or(DecodeError("truncated field"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
}

enum Field<'a> {
    Varint(u64),
    Fixed64([u8; 8]),
    Fixed32([u8; 4]),
    Bytes(&'a [u8]),
}

/// A decoded feature: id, geometry type (1 point, 2 line, 3 polygon), properties, and the
/// geometry as parts of absolute tile coordinates (one part per MoveTo).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedFeature {
    /// Feature id.
    pub id: u64,
    /// Geometry type.
    pub kind: u64,
    /// Properties by key.
    pub props: Vec<(String, PropValue)>,
    /// Points, lines or rings.
    pub parts: Vec<Vec<Point>>,
}

/// A decoded layer.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedLayer {
    /// Layer name.
    pub name: String,
    /// Units per tile edge.
    pub extent: u32,
    /// Spec version.
    pub version: u32,
    /// Features.
    pub features: Vec<DecodedFeature>,
}

/// Reads a tile back (for tests and tools; not on the serving path).
pub fn decode(tile: &[u8]) -> Result<Vec<DecodedLayer>, DecodeError> {
    let mut r = Reader { buf: tile, pos: 0 };
    let mut layers = Vec::new();
    while let Some((n, f)) = r.field()? {
        if let (3, Field::Bytes(b)) = (n, f) {
            layers.push(decode_layer(b)?);
        }
    }
    Ok(layers)
}

fn packed(b: &[u8]) -> Result<Vec<u32>, DecodeError> {
    let mut r = Reader { buf: b, pos: 0 };
    let mut out = Vec::new();
    while r.pos < b.len() {
        out.push(r.varint()? as u32);
    }
    Ok(out)
}

fn decode_layer(b: &[u8]) -> Result<DecodedLayer, DecodeError> {
    let mut r = Reader { buf: b, pos: 0 };
    let (mut name, mut extent, mut version) = (String::new(), 4096, 1);
    let (mut keys, mut values, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    while let Some((n, f)) = r.field()? {
        match (n, f) {
            (1, Field::Bytes(s)) => name = String::from_utf8(s.to_vec()).map_err(|_| DecodeError("layer name"))?,
            (2, Field::Bytes(s)) => raw.push(s),
            (3, Field::Bytes(s)) => keys.push(String::from_utf8(s.to_vec()).map_err(|_| DecodeError("key"))?),
            (4, Field::Bytes(s)) => values.push(decode_value(s)?),
            (5, Field::Varint(v)) => extent = v as u32,
            (15, Field::Varint(v)) => version = v as u32,
            _ => {}
        }
    }
    let features = raw.into_iter().map(|s| decode_feature(s, &keys, &values)).collect::<Result<_, _>>()?;
    Ok(DecodedLayer { name, extent, version, features })
}

fn decode_value(b: &[u8]) -> Result<PropValue, DecodeError> {
    let mut r = Reader { buf: b, pos: 0 };
    let Some((n, f)) = r.field()? else { return Err(DecodeError("empty value")) };
    Ok(match (n, f) {
        (1, Field::Bytes(s)) => PropValue::String(String::from_utf8(s.to_vec()).map_err(|_| DecodeError("string"))?),
        (2, Field::Fixed32(x)) => PropValue::Double(f32::from_le_bytes(x) as f64),
        (3, Field::Fixed64(x)) => PropValue::Double(f64::from_le_bytes(x)),
        (4 | 5, Field::Varint(v)) => PropValue::Int(v as i64),
        (6, Field::Varint(v)) => PropValue::Int(((v >> 1) as i64) ^ -((v & 1) as i64)),
        (7, Field::Varint(v)) => PropValue::Bool(v != 0),
        _ => return Err(DecodeError("value type")),
    })
}

fn decode_feature(b: &[u8], keys: &[String], values: &[PropValue]) -> Result<DecodedFeature, DecodeError> {
    let mut r = Reader { buf: b, pos: 0 };
    let (mut id, mut kind, mut tags, mut geom) = (0, 0, Vec::new(), Vec::new());
    while let Some((n, f)) = r.field()? {
        match (n, f) {
            (1, Field::Varint(v)) => id = v,
            (2, Field::Bytes(s)) => tags = packed(s)?,
            (3, Field::Varint(v)) => kind = v,
            (4, Field::Bytes(s)) => geom = packed(s)?,
            _ => {}
        }
    }
    let props = tags
        .chunks(2)
        .map(|kv| {
            let k = keys.get(kv[0] as usize).ok_or(DecodeError("key index"))?;
            let v =
                values.get(*kv.get(1).ok_or(DecodeError("odd tags"))? as usize).ok_or(DecodeError("value index"))?;
            Ok((k.clone(), v.clone()))
        })
        .collect::<Result<_, DecodeError>>()?;
    let unzig = |v: u32| ((v >> 1) as i32) ^ -((v & 1) as i32);
    let (mut parts, mut cursor, mut i) = (Vec::<Vec<Point>>::new(), [0i32, 0i32], 0);
    while i < geom.len() {
        let (cmd, count) = (geom[i] & 7, (geom[i] >> 3) as usize);
        i += 1;
        match cmd {
            MOVE_TO | LINE_TO => {
                for _ in 0..count {
                    let (dx, dy) =
                        (geom.get(i).ok_or(DecodeError("geometry"))?, geom.get(i + 1).ok_or(DecodeError("geometry"))?);
                    cursor = [cursor[0] + unzig(*dx), cursor[1] + unzig(*dy)];
                    i += 2;
                    if cmd == MOVE_TO {
                        parts.push(vec![cursor]);
                    } else {
                        parts.last_mut().ok_or(DecodeError("LineTo before MoveTo"))?.push(cursor);
                    }
                }
            }
            CLOSE_PATH => {}
            _ => return Err(DecodeError("unknown command")),
        }
    }
    if kind == POINT {
        parts = vec![parts.into_iter().flatten().collect()];
    }
    Ok(DecodedFeature { id, kind, props, parts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protobuf_primitives() {
        let mut v = Vec::new();
        varint(&mut v, 300);
        assert_eq!(v, [0xac, 0x02]);
        assert_eq!([zigzag(0), zigzag(-1), zigzag(1), zigzag(-2)], [0, 1, 2, 3]);
        // The spec's example: MoveTo(1) is 9, LineTo(3) is 26, ClosePath(1) is 15.
        assert_eq!([command(MOVE_TO, 1), command(LINE_TO, 3), command(CLOSE_PATH, 1)], [9, 26, 15]);
    }

    #[test]
    fn encodes_the_specs_polygon_example_and_round_trips() {
        // MVT spec §4.3.5.3: a polygon (3,6) (8,12) (20,34) encodes as 9 6 12 18 10 12 24 44 15.
        let layer = TileLayer {
            name: "grid".into(),
            extent: 4096,
            features: vec![TileFeature {
                id: 7,
                props: vec![
                    ("code".into(), PropValue::String("g1".into())),
                    ("households".into(), PropValue::Int(-3)),
                    ("share".into(), PropValue::Double(0.25)),
                    ("estimated".into(), PropValue::Bool(true)),
                ],
                geometry: TileGeometry::Polygons(vec![vec![vec![[3, 6], [8, 12], [20, 34]]]]),
            }],
        };
        assert_eq!(geometry_commands(&layer.features[0].geometry).1, [9, 6, 12, 18, 10, 12, 24, 44, 15]);
        let line = TileGeometry::Lines(vec![vec![[2, 2], [2, 10], [10, 10]], vec![[1, 1], [3, 5]]]);
        assert_eq!(geometry_commands(&line).1, [9, 4, 4, 18, 0, 16, 16, 0, 9, 17, 17, 10, 4, 8]);
        let mut second = layer.features[0].clone();
        second.id = 8;
        second.geometry = TileGeometry::Points(vec![[5, 7], [3, 2]]);
        let layers = vec![TileLayer { features: vec![layer.features[0].clone(), second], ..layer }];
        let decoded = decode(&encode(&layers)).unwrap();
        assert_eq!(decoded.len(), 1);
        let l = &decoded[0];
        assert_eq!((l.name.as_str(), l.extent, l.version), ("grid", 4096, 2));
        assert_eq!(l.features[0].props, layers[0].features[0].props);
        assert_eq!(l.features[0].parts, vec![vec![[3, 6], [8, 12], [20, 34]]]);
        assert_eq!((l.features[1].id, l.features[1].kind), (8, POINT));
        assert_eq!(l.features[1].parts, vec![vec![[5, 7], [3, 2]]]);
        assert!(encode(&[TileLayer { name: "x".into(), extent: 4096, features: vec![] }]).is_empty());
        assert!(decode(&[0x1a, 0x05, 0x01]).is_err());
    }
}

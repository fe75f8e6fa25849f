//! GeoJSON (RFC 7946) in and out.
//!
//! Reading is tolerant in one way only: it keeps going after a bad feature so that every problem
//! in a file is reported at once. Properties `code`, `name` and `parent_code` become the feature's
//! identity; all other properties are kept verbatim as attributes, so import → export is lossless.

use geo::Geometry;
use geojson::GeometryValue;
use serde_json::{Map, Value, json};
use wangge_core::feature_ref::FeatureRef;
use wangge_core::model::Feature;
use wangge_core::problem::{Problem, Rule};

/// Features read from an input, each with its 0-based position, plus problems found while reading.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Features that could be read, with their input position.
    pub features: Vec<(usize, Feature)>,
    /// Everything that could not.
    pub problems: Vec<Problem>,
    /// Features complete but for their code (code empty), with their input position; each also
    /// has its `missing_property` problem above. Only a caller that generates codes
    /// (`import --generate-codes`) uses them.
    pub uncoded: Vec<(usize, Feature)>,
}

/// Reads a FeatureCollection (or a single Feature) from `text`, one feature at a time (see
/// [`crate::geojson_stream`]).
pub fn read_features(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let result = crate::geojson_stream::for_each_feature(text.as_bytes(), &mut |i, item| parsed.push(i, item));
    match result {
        Ok(_) => parsed,
        Err(p) => Parsed { problems: vec![p], ..Parsed::default() },
    }
}

impl Parsed {
    /// Files what reading the feature at position `i` gave: a feature, a feature without a code
    /// (also a `missing_property` problem), or its problems.
    pub fn push(&mut self, i: usize, item: crate::geojson_stream::Item) {
        match item {
            Ok(f) if f.code.is_empty() => {
                self.problems.push(Problem::new(Some(i), None, Rule::MissingProperty { key: "code".into() }));
                self.uncoded.push((i, f));
            }
            Ok(f) => self.features.push((i, f)),
            Err(mut p) => self.problems.append(&mut p),
        }
    }
}

/// One element of a FeatureCollection's `"features"` as a feature, or every problem it has.
pub(crate) fn read_feature(i: usize, item: Value) -> Result<Feature, Vec<Problem>> {
    let Value::Object(mut obj) = item else {
        return Err(vec![Problem::new(
            Some(i),
            None,
            Rule::Malformed { detail: "a feature must be a JSON object".into() },
        )]);
    };
    let mut props = match obj.remove("properties") {
        Some(Value::Object(m)) => m,
        Some(Value::Null) | None => Map::new(),
        Some(_) => {
            return Err(vec![Problem::new(
                Some(i),
                None,
                Rule::Malformed { detail: "\"properties\" must be an object".into() },
            )]);
        }
    };
    let code = take_text(&mut props, "code");
    let name = take_text(&mut props, "name");
    let parent_code = take_text(&mut props, "parent_code");
    let mut problems = Vec::new();
    let code_ref = code.as_deref();
    let geometry = match obj.remove("geometry") {
        None | Some(Value::Null) => {
            problems.push(Problem::new(
                Some(i),
                code_ref,
                Rule::Malformed { detail: "feature has no geometry".into() },
            ));
            None
        }
        Some(g) => match parse_geometry(g) {
            Ok(g) => Some(g),
            Err(rule) => {
                problems.push(Problem::new(Some(i), code_ref, rule));
                None
            }
        },
    };
    match (code, geometry) {
        (Some(code), Some(geometry)) if problems.is_empty() => {
            Ok(Feature { name: name.unwrap_or_else(|| code.clone()), code, parent_code, attrs: props.into(), geometry })
        }
        // Complete but for the code: the caller records it as uncoded (and as missing its code).
        (None, Some(geometry)) if problems.is_empty() => Ok(Feature {
            name: name.unwrap_or_default(),
            code: String::new(),
            parent_code,
            attrs: props.into(),
            geometry,
        }),
        (None, _) => {
            problems.insert(0, Problem::new(Some(i), None, Rule::MissingProperty { key: "code".into() }));
            Err(problems)
        }
        _ => Err(problems),
    }
}

/// Parses a GeoJSON geometry object, rejecting unclosed rings (which geo would silently close).
pub fn parse_geometry(g: Value) -> Result<Geometry<f64>, Rule> {
    let value: GeometryValue =
        serde_json::from_value(g).map_err(|e| Rule::Malformed { detail: format!("geometry: {e}") })?;
    let rings: Vec<&Vec<geojson::Position>> = match &value {
        GeometryValue::Polygon { coordinates } => coordinates.iter().collect(),
        GeometryValue::MultiPolygon { coordinates } => coordinates.iter().flatten().collect(),
        _ => Vec::new(),
    };
    for (n, ring) in rings.iter().enumerate() {
        if ring.iter().any(|p| p.len() < 2) {
            return Err(Rule::Malformed { detail: format!("ring {n} has a position with fewer than 2 numbers") });
        }
        if ring.len() < 4 {
            return Err(Rule::TooFewPoints { ring: n });
        }
        if ring.first().map(|p| p.as_slice()) != ring.last().map(|p| p.as_slice()) {
            return Err(Rule::UnclosedRing { ring: n });
        }
    }
    Geometry::<f64>::try_from(&value).map_err(|e| Rule::Malformed { detail: format!("geometry: {e}") })
}

/// A property as text: strings as they are, integers printed; removed from `props`.
fn take_text(props: &mut Map<String, Value>, key: &str) -> Option<String> {
    // shift_remove keeps the remaining properties in their input order.
    match props.shift_remove(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A feature's identity (`code`, `name`, `parent_code`) and attributes as one properties object;
/// an attribute spelt like an identity field never hides it.
/// Takes an owned feature's reference or a layer's view alike.
pub fn feature_properties<'a>(f: impl Into<FeatureRef<'a>>) -> Map<String, Value> {
    let f = f.into();
    let mut props = Map::new();
    props.insert("code".into(), Value::String(f.code().to_string()));
    props.insert("name".into(), Value::String(f.name().to_string()));
    if let Some(p) = f.parent_code() {
        props.insert("parent_code".into(), Value::String(p.to_string()));
    }
    for (k, v) in f.attrs().iter() {
        props.entry(k.to_string()).or_insert_with(|| v.clone());
    }
    props
}

/// A feature as a GeoJSON Feature object, with `id` = code.
pub fn feature_to_json<'a>(f: impl Into<FeatureRef<'a>>) -> Value {
    let f = f.into();
    let props = feature_properties(f);
    json!({
        "type": "Feature",
        "id": f.code(),
        "properties": props,
        "geometry": geometry_to_json(&f.geometry()),
    })
}

/// A geometry as a GeoJSON geometry object.
pub fn geometry_to_json(g: &Geometry<f64>) -> Value {
    serde_json::to_value(geojson::Geometry::new(GeometryValue::from(g))).unwrap_or(Value::Null)
}

/// A FeatureCollection of `features`.
pub fn collection_to_json<'a, F: Into<FeatureRef<'a>>>(features: impl IntoIterator<Item = F>) -> Value {
    let features: Vec<Value> = features.into_iter().map(feature_to_json).collect();
    json!({ "type": "FeatureCollection", "features": features })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_bad_feature_at_once() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"code":"A","name":"a"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}},
            {"type":"Feature","properties":{"name":"no code"},"geometry":{"type":"Point","coordinates":[1,2]}},
            {"type":"Feature","properties":{"code":"C"},"geometry":{"type":"Point","coordinates":"x"}},
            {"type":"Feature","properties":{"code":7,"households":400},"geometry":{"type":"Point","coordinates":[114,22]}}
        ]}"#;
        let parsed = read_features(text);
        let rules: Vec<(Option<usize>, &str)> = parsed.problems.iter().map(|p| (p.index, p.rule.id())).collect();
        assert_eq!(rules, vec![(Some(0), "unclosed_ring"), (Some(1), "missing_property"), (Some(2), "malformed")]);
        assert_eq!(parsed.features.len(), 1);
        let (i, f) = &parsed.features[0];
        assert_eq!((*i, f.code.as_str(), f.int_attr("households")), (3, "7", Some(400)));
    }

    #[test]
    fn not_json_and_not_a_collection() {
        assert_eq!(read_features("{oops").problems[0].rule.id(), "malformed");
        assert_eq!(read_features(r#"{"type":"Point","coordinates":[0,0]}"#).problems[0].rule.id(), "malformed");
    }

    #[test]
    fn round_trip_keeps_attributes_and_coordinates() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"G1","name":"一号网格","parent_code":"C1","households":412,"kind":"综合","extra":{"a":[1,2]}},"geometry":{"type":"Polygon","coordinates":[[[114.0123456,22.5],[114.1,22.5],[114.1,22.6],[114.0123456,22.5]]]}}]}"#;
        let parsed = read_features(text);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let out = collection_to_json(parsed.features.iter().map(|(_, f)| f)).to_string();
        let again = read_features(&out);
        assert_eq!(again.features[0].1, parsed.features[0].1);
    }
}

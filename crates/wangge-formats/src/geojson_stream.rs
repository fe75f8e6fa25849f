//! GeoJSON read one feature at a time: the FeatureCollection's `"features"` array is walked by
//! serde as it is parsed, and each element becomes a [`Feature`] (or its problems) before the next
//! is read, so a file of a million features never exists as one JSON tree. Only the members
//! besides `"features"` (`type`, `name`, `crs`, …) are kept whole.
//!
//! The answers are those of reading the whole document first ([`crate::geojson::read_features`]
//! is built on this): the same features at the same positions, the same problems, and a document
//! that is not JSON, or not a FeatureCollection, is one problem for the whole input. Because a
//! JSON error or a wrong `type` can come after features were already handed over, a caller that
//! gets `Err` must drop what it was given.

use crate::geojson::read_feature;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;
use wangge_core::model::Feature;
use wangge_core::problem::{Problem, Rule};

/// What [`for_each_feature`] hands over per element: the feature, or why it cannot be read.
pub type Item = Result<Feature, Vec<Problem>>;

/// Reads the FeatureCollection (or single Feature) in `bytes`, calling `each` with every
/// element's 0-based position and what it holds, in order. Returns how many elements there were,
/// or the one problem that refuses the whole document (see the module doc).
pub fn for_each_feature(bytes: &[u8], each: &mut dyn FnMut(usize, Item)) -> Result<usize, Problem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let outcome = Root { each: &mut *each }
        .deserialize(&mut de)
        .and_then(|o| de.end().map(|()| o))
        .map_err(|e| malformed(format!("JSON: {e}")))?;
    let kind = outcome.rest.get("type").and_then(Value::as_str);
    match (kind, outcome.features) {
        (Some("FeatureCollection"), Features::Array(n)) => Ok(n),
        (Some("FeatureCollection"), _) => Err(malformed("\"features\" must be an array".into())),
        // Elements were handed over before `type` said this is no collection.
        (Some("Feature"), Features::Array(n)) if n > 0 => {
            Err(malformed("a Feature must not have a \"features\" array".into()))
        }
        (Some("Feature"), _) => {
            each(0, read_feature(0, Value::Object(outcome.rest)));
            Ok(1)
        }
        (other, _) => {
            Err(malformed(format!("expected a GeoJSON FeatureCollection, found type {:?}", other.unwrap_or("(none)"))))
        }
    }
}

fn malformed(detail: String) -> Problem {
    Problem::new(None, None, Rule::Malformed { detail })
}

/// A visitor for a member that should be a container (`$what`): it is its own seed (it hands
/// itself to `deserialize_any`), and any scalar found instead answers `$scalar`. The container
/// visits are the methods given.
macro_rules! container_visitor {
    ($visitor:ident -> $value:ty, $what:literal, $scalar:expr, { $($visits:tt)* }) => {
        impl<'de> DeserializeSeed<'de> for $visitor<'_> {
            type Value = $value;

            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<$value, D::Error> {
                d.deserialize_any(self)
            }
        }

        impl<'de> Visitor<'de> for $visitor<'_> {
            type Value = $value;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str($what)
            }

            $($visits)*

            fn visit_bool<E>(self, _: bool) -> Result<$value, E> {
                Ok($scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<$value, E> {
                Ok($scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<$value, E> {
                Ok($scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<$value, E> {
                Ok($scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<$value, E> {
                Ok($scalar)
            }
            fn visit_unit<E>(self) -> Result<$value, E> {
                Ok($scalar)
            }
        }
    };
}

/// What the `"features"` member was.
enum Features {
    Absent,
    NotArray,
    /// An array, streamed; its length.
    Array(usize),
}

/// The root object: every member but the streamed `"features"`.
struct Outcome {
    rest: Map<String, Value>,
    features: Features,
}

struct Root<'f> {
    each: &'f mut dyn FnMut(usize, Item),
}

container_visitor!(Root -> Outcome, "a GeoJSON object", not_an_object(), {
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Outcome, A::Error> {
        let mut out = Outcome { rest: Map::new(), features: Features::Absent };
        while let Some(key) = map.next_key::<String>()? {
            let kind = out.rest.get("type").and_then(Value::as_str);
            // Streamed unless `type` already said this is something else (then it is kept as any member).
            if key == "features" && kind.is_none_or(|k| k == "FeatureCollection") {
                out.features = map.next_value_seed(Elements { each: &mut *self.each })?;
            } else {
                let value = map.next_value::<Value>()?;
                out.rest.insert(key, value);
            }
        }
        Ok(out)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Outcome, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(not_an_object())
    }
});

/// A root that is not an object has no `type`.
fn not_an_object() -> Outcome {
    Outcome { rest: Map::new(), features: Features::Absent }
}

/// The `"features"` member, handed over element by element.
struct Elements<'f> {
    each: &'f mut dyn FnMut(usize, Item),
}

container_visitor!(Elements -> Features, "an array of features", Features::NotArray, {
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Features, A::Error> {
        let mut n = 0;
        // One element's JSON tree at a time: it is dropped once it is a feature.
        while let Some(item) = seq.next_element::<Value>()? {
            (self.each)(n, read_feature(n, item));
            n += 1;
        }
        Ok(Features::Array(n))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Features, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Features::NotArray)
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> (Vec<(usize, bool)>, Result<usize, String>) {
        let mut got = Vec::new();
        let r = for_each_feature(text.as_bytes(), &mut |i, item| got.push((i, item.is_ok())));
        (got, r.map_err(|p| p.rule.id().to_string()))
    }

    #[test]
    fn members_in_any_order() {
        let point = r#"{"type":"Feature","properties":{"code":"A"},"geometry":{"type":"Point","coordinates":[1,2]}}"#;
        let first = format!(r#"{{"type":"FeatureCollection","name":"x","features":[{point},{point}]}}"#);
        let last = format!(r#"{{"features":[{point},7],"crs":null,"type":"FeatureCollection"}}"#);
        assert_eq!(kinds(&first), (vec![(0, true), (1, true)], Ok(2)));
        assert_eq!(kinds(&last), (vec![(0, true), (1, false)], Ok(2)));
        assert_eq!(kinds(point), (vec![(0, true)], Ok(1)));
    }

    #[test]
    fn whole_document_problems() {
        for text in [
            r#"{"type":"FeatureCollection","features":{}}"#,
            r#"{"type":"FeatureCollection"}"#,
            r#"{"features":[],"type":"Topology"}"#,
            r#"[1,2]"#,
            r#"{"type":"FeatureCollection","features":[]} x"#,
            r#"{"type":"FeatureCollection","features":[{"type":"Feature"},"#,
        ] {
            assert_eq!(kinds(text).1, Err("malformed".to_string()), "{text}");
        }
    }
}

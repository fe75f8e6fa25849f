//! A feature's free attributes in little memory: an ordered list of (name, JSON value) pairs in
//! one exact-size allocation, with the names the code itself reads stored once per process.
//!
//! It behaves as the `serde_json::Map` (with `preserve_order`) it replaces: entries keep the
//! order they came in, inserting an existing name replaces its value in place, removing swaps the
//! last entry into the gap (as that map's `remove` does, so exports keep their column order),
//! equality ignores order, and it serializes as the same JSON object. At a million grids the map
//! cost ≈ 280 bytes a feature (72 inline, a hash table, an entry vector and a name string on the
//! heap); this costs 16 inline and one block of 104 bytes per attribute.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use std::fmt;

/// Attribute names common to most features of a layer (the counts, the grid kind and worker,
/// the demo's labels): held as `&'static str`, so a million grids do not each own a copy.
const SHARED_NAMES: [&str; 10] = [
    "households",
    "residents",
    "community_workers",
    "kind",
    "worker",
    "worker_phone",
    "facility",
    "estimated",
    "boundary",
    "highway",
];

/// An attribute name: one of [`SHARED_NAMES`] or a name of its own.
#[derive(Clone)]
enum Name {
    Shared(&'static str),
    Own(Box<str>),
}

impl Name {
    fn new(name: String) -> Name {
        match SHARED_NAMES.iter().find(|n| **n == name) {
            Some(n) => Name::Shared(n),
            None => Name::Own(name.into_boxed_str()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Name::Shared(n) => n,
            Name::Own(n) => n,
        }
    }
}

/// One attribute, as [`Attrs::iter`] gives it.
type Entry = (Name, Value);

/// The iterator of [`Attrs::iter`]: (name, value) in order.
#[derive(Clone)]
pub struct Iter<'a>(std::slice::Iter<'a, Entry>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(n, v)| (n.as_str(), v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// A feature's attributes (`households`, `residents`, `kind`, `worker`, …) in their order; see the
/// module documentation.
#[derive(Clone, Default)]
pub struct Attrs {
    entries: Box<[Entry]>,
}

impl Attrs {
    /// No attributes (owns no heap).
    pub fn new() -> Attrs {
        Attrs::default()
    }

    /// How many attributes there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|(n, _)| n.as_str() == name)
    }

    /// The value of attribute `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.position(name).map(|i| &self.entries[i].1)
    }

    /// The value of attribute `name`, to change in place.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.position(name).map(|i| &mut self.entries[i].1)
    }

    /// Whether attribute `name` is present.
    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// Sets attribute `name`: in its place if present (the old value is returned), else last.
    pub fn insert(&mut self, name: String, value: Value) -> Option<Value> {
        if let Some(i) = self.position(&name) {
            return Some(std::mem::replace(&mut self.entries[i].1, value));
        }
        let mut entries = std::mem::take(&mut self.entries).into_vec();
        entries.reserve_exact(1);
        entries.push((Name::new(name), value));
        self.entries = entries.into_boxed_slice();
        None
    }

    /// Removes attribute `name`, moving the last attribute into its place (the order
    /// `serde_json::Map::remove` leaves with `preserve_order`).
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let i = self.position(name)?;
        let mut entries = std::mem::take(&mut self.entries).into_vec();
        let (_, value) = entries.swap_remove(i);
        self.entries = entries.into_boxed_slice();
        Some(value)
    }

    /// (name, value) of every attribute, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// Every attribute's name, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    /// The attributes as a JSON object map, in the same order.
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    /// The attributes as JSON text, e.g. `{"households":120}`, exactly as
    /// `Value::Object(map).to_string()` writes the same map.
    pub fn to_json(&self) -> String {
        // Writing values with string names into a String cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }

    /// Builds from pairs in order, a repeated name replacing the earlier value in its place.
    fn from_pairs(pairs: impl Iterator<Item = (String, Value)>) -> Attrs {
        let mut entries: Vec<Entry> = Vec::with_capacity(pairs.size_hint().0);
        for (name, value) in pairs {
            match entries.iter_mut().find(|(n, _)| n.as_str() == name) {
                Some(entry) => entry.1 = value,
                None => entries.push((Name::new(name), value)),
            }
        }
        Attrs { entries: entries.into_boxed_slice() }
    }
}

impl PartialEq for Attrs {
    /// Same names with equal values, in any order (as `serde_json::Map` compares).
    fn eq(&self, other: &Attrs) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl fmt::Debug for Attrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl std::ops::Index<&str> for Attrs {
    type Output = Value;

    /// The value of attribute `name`; panics if it is absent, as indexing a map does.
    fn index(&self, name: &str) -> &Value {
        match self.get(name) {
            Some(v) => v,
            None => panic!("no attribute '{name}'"),
        }
    }
}

impl<'a> IntoIterator for &'a Attrs {
    type Item = (&'a str, &'a Value);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl FromIterator<(String, Value)> for Attrs {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(pairs: I) -> Attrs {
        Attrs::from_pairs(pairs.into_iter())
    }
}

impl From<Map<String, Value>> for Attrs {
    fn from(map: Map<String, Value>) -> Attrs {
        Attrs::from_pairs(map.into_iter())
    }
}

impl From<Attrs> for Map<String, Value> {
    fn from(attrs: Attrs) -> Map<String, Value> {
        attrs.entries.into_vec().into_iter().map(|(n, v)| (String::from(n.as_str()), v)).collect()
    }
}

impl From<Attrs> for Value {
    fn from(attrs: Attrs) -> Value {
        Value::Object(attrs.into())
    }
}

impl Serialize for Attrs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Attrs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Attrs, D::Error> {
        struct AttrsVisitor;

        impl<'de> Visitor<'de> for AttrsVisitor {
            type Value = Attrs;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Attrs, A::Error> {
                let mut pairs = Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
                while let Some(pair) = access.next_entry::<String, Value>()? {
                    pairs.push(pair);
                }
                Ok(Attrs::from_pairs(pairs.into_iter()))
            }
        }

        d.deserialize_map(AttrsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The same operations on an `Attrs` and on the `serde_json::Map` it replaces.
    fn both(text: &str) -> (Attrs, Map<String, Value>) {
        (serde_json::from_str(text).unwrap(), serde_json::from_str(text).unwrap())
    }

    fn same(a: &Attrs, m: &Map<String, Value>) {
        assert_eq!(a.to_json(), Value::Object(m.clone()).to_string());
        assert_eq!(serde_json::to_string_pretty(a).unwrap(), serde_json::to_string_pretty(m).unwrap());
        assert_eq!(a.keys().collect::<Vec<_>>(), m.keys().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(&a.to_map(), m);
        assert_eq!(a.len(), m.len());
    }

    /// Parsing, inserting (new and existing names) and removing (first, middle, last, absent)
    /// leave the same object, in the same order, as `serde_json::Map` with `preserve_order`.
    #[test]
    fn behaves_as_the_ordered_json_map() {
        let (mut a, mut m) = both(r#"{"zeta":1,"households":120,"kind":"综合","a":{"b":[1,2]},"zeta":3,"x":null}"#);
        same(&a, &m);
        for (k, v) in [("households", json!(7)), ("new", json!("n")), ("kind", json!(null)), ("z2", json!(1.5))] {
            assert_eq!(a.insert(k.into(), v.clone()), m.insert(k.into(), v));
            same(&a, &m);
        }
        for k in ["zeta", "absent", "a", "z2", "households", "kind", "x", "new"] {
            assert_eq!(a.remove(k), m.remove(k));
            same(&a, &m);
        }
        assert!(a.is_empty());
        assert_eq!(a.to_json(), "{}");
        assert_eq!(Attrs::from(m.clone()), a);
    }

    /// Equality ignores order, as the map's did (an edit that reorders attributes changes nothing).
    #[test]
    fn equality_ignores_order() {
        let (a, _) = both(r#"{"households":1,"kind":"专属"}"#);
        let (b, _) = both(r#"{"kind":"专属","households":1}"#);
        let (c, _) = both(r#"{"kind":"专属","households":2}"#);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, Attrs::new());
    }

    /// Shared names, own names and getters agree, and anything but an object is refused.
    #[test]
    fn names_values_and_errors() {
        let mut a: Attrs = serde_json::from_str(r#"{"households":5,"备注":"x"}"#).unwrap();
        assert!(matches!(a.entries[0].0, Name::Shared(_)));
        assert!(matches!(a.entries[1].0, Name::Own(_)));
        assert_eq!(a["备注"], "x");
        assert!(a.contains_key("households") && !a.contains_key("residents"));
        *a.get_mut("households").unwrap() = json!(6);
        assert_eq!(a.get("households"), Some(&json!(6)));
        assert_eq!(Value::from(a.clone()), json!({"households": 6, "备注": "x"}));
        assert_eq!(a.iter().count(), 2);
        assert!(serde_json::from_str::<Attrs>("[1]").is_err());
    }
}

//! A row of a tabular feature file (a Shapefile's dbf, a GeoPackage table) as the readers see
//! it: one typed value per column, some columns being the feature's identity.

use serde_json::Value;
use wangge_core::problem::{Problem, Rule};

/// The text of column `c` in `values`: trimmed text, or a number or boolean as JSON writes it;
/// a blank, null or absent cell is `None`.
pub(crate) fn text(values: &[Option<Value>], c: Option<usize>) -> Option<String> {
    match c.and_then(|c| values[c].as_ref())? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::String(_) => None,
        other => Some(other.to_string()),
    }
}

/// The code of feature `index` from its code column; without one, a `missing_property` problem
/// naming the feature is added to `problems`.
pub(crate) fn code(
    values: &[Option<Value>],
    code_col: Option<usize>,
    index: usize,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let given = text(values, code_col);
    if given.is_none() {
        problems.push(Problem::new(Some(index), None, Rule::MissingProperty { key: "code".into() }));
    }
    given
}

//! CSV in: one feature per row, geometry from `lon,lat` columns (points) or a `wkt` column.
//!
//! Columns `code`, `name` and `parent_code` give identity; every other column becomes an attribute,
//! typed the way a person would read it: whole numbers as integers, other numbers as numbers,
//! `true`/`false` as booleans, empty cells left out, everything else as text.

use crate::geojson::Parsed;
use geo::{Geometry, Point};
use serde_json::{Map, Value};
use std::str::FromStr;
use wangge_core::model::Feature;
use wangge_core::problem::{Problem, Rule};

/// Reads features from CSV text (comma separated, header row required).
pub fn read_features(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim_start_matches('\u{feff}').to_ascii_lowercase()).collect(),
        Err(e) => {
            parsed.problems.push(Problem::new(None, None, Rule::Malformed { detail: format!("CSV header: {e}") }));
            return parsed;
        }
    };
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let (lon, lat, wkt) =
        (col(&["lon", "lng", "longitude", "x"]), col(&["lat", "latitude", "y"]), col(&["wkt", "geometry", "geom"]));
    if wkt.is_none() && (lon.is_none() || lat.is_none()) {
        parsed.problems.push(Problem::new(
            None,
            None,
            Rule::Malformed { detail: "CSV needs lon,lat columns or a wkt column".into() },
        ));
        return parsed;
    }
    let geometry_cols = [lon, lat, wkt];
    for (i, record) in reader.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                parsed.problems.push(Problem::new(
                    Some(i),
                    None,
                    Rule::Malformed { detail: format!("CSV row {}: {e}", i + 2) },
                ));
                continue;
            }
        };
        let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).filter(|s| !s.is_empty());
        let code = cell(col(&["code"])).map(str::to_string);
        let geometry = match (cell(wkt), cell(lon), cell(lat)) {
            (Some(w), _, _) => wkt::Wkt::<f64>::from_str(w)
                .map_err(|e| format!("wkt: {e}"))
                .and_then(|w| Geometry::try_from(w).map_err(|e| format!("wkt: {e}"))),
            (None, Some(x), Some(y)) => match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(x), Ok(y)) => Ok(Geometry::Point(Point::new(x, y))),
                _ => Err(format!("lon/lat '{x}', '{y}' are not numbers")),
            },
            _ => Err("no geometry in this row".to_string()),
        };
        let mut problems = Vec::new();
        if code.is_none() {
            problems.push(Problem::new(Some(i), None, Rule::MissingProperty { key: "code".into() }));
        }
        let geometry = geometry
            .map_err(|detail| problems.push(Problem::new(Some(i), code.as_deref(), Rule::Malformed { detail })))
            .ok();
        let Some(geometry) = geometry else {
            parsed.problems.append(&mut problems);
            continue;
        };
        let uncoded = code.is_none();
        if uncoded {
            parsed.problems.append(&mut problems);
        }
        let code = code.unwrap_or_default();
        let mut attrs = Map::new();
        for (c, h) in headers.iter().enumerate() {
            if geometry_cols.contains(&Some(c)) || ["code", "name", "parent_code"].contains(&h.as_str()) {
                continue;
            }
            if let Some(v) = record.get(c).filter(|s| !s.is_empty()) {
                attrs.insert(h.clone(), typed(v));
            }
        }
        let feature = Feature {
            name: cell(col(&["name"])).map_or_else(|| code.clone(), str::to_string),
            parent_code: cell(col(&["parent_code"])).map(str::to_string),
            code,
            attrs: attrs.into(),
            geometry,
        };
        if uncoded {
            parsed.uncoded.push((i, feature));
        } else {
            parsed.features.push((i, feature));
        }
    }
    parsed
}

fn typed(v: &str) -> Value {
    if let Ok(n) = v.parse::<i64>() {
        // Leading zeros mean an identifier, not a count.
        if !(v.len() > 1 && v.starts_with('0')) {
            return Value::from(n);
        }
    }
    // "0.25" is a number; "01.5", like "007", is an identifier.
    let identifier = v.len() > 1 && v.starts_with('0') && v.as_bytes()[1].is_ascii_digit();
    if let Ok(x) = v.parse::<f64>()
        && x.is_finite()
        && !identifier
    {
        return Value::from(x);
    }
    match v {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(v.to_string()),
    }
}

/// A CSV table's header, lower-cased with any byte-order mark dropped, so that columns are found
/// by name whatever case or encoding marker a spreadsheet wrote.
#[derive(Debug, Clone)]
pub struct Columns(Vec<String>);

impl Columns {
    /// Columns named `names`, lower-cased with any byte-order mark dropped (a spreadsheet's header row).
    pub fn from_names<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Columns {
        Columns(names.into_iter().map(|h| h.as_ref().trim().trim_start_matches('\u{feff}').to_lowercase()).collect())
    }

    /// The index of the first header spelt like one of `names` (lower case).
    pub fn find(&self, names: &[&str]) -> Option<usize> {
        self.0.iter().position(|h| names.contains(&h.as_str()))
    }
}

/// A reader over `input` whose fields are left as they are (the caller trims the few it reads:
/// the `csv` crate's trimming allocates a new record per row) and its [`Columns`].
pub fn untrimmed_reader_with_columns<R: std::io::Read>(input: R) -> csv::Result<(csv::Reader<R>, Columns)> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::Headers).from_reader(input);
    let columns = Columns::from_names(reader.headers()?.iter());
    Ok((reader, columns))
}

/// A reader over `input` (fields trimmed) and its [`Columns`].
pub fn reader_with_columns<R: std::io::Read>(input: R) -> csv::Result<(csv::Reader<R>, Columns)> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(input);
    let columns = Columns::from_names(reader.headers()?.iter());
    Ok((reader, columns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_and_wkt_rows() {
        let text =
            "code,name,parent_code,lon,lat,households,note\nB1,一号楼,G1,114.01,22.53,120,\"a, b\"\nB2,,G1,x,22.5,1,\n";
        let p = read_features(text);
        assert_eq!(p.features.len(), 1);
        assert_eq!(p.features[0].1.int_attr("households"), Some(120));
        assert_eq!(p.features[0].1.attrs["note"], "a, b");
        assert_eq!(p.problems[0].index, Some(1));
        let w = read_features("code,wkt\nG1,\"POLYGON((0 0,1 0,1 1,0 0))\"\n");
        assert!(matches!(w.features[0].1.geometry, Geometry::Polygon(_)), "{:?}", w.problems);
    }

    #[test]
    fn needs_geometry_columns() {
        assert_eq!(read_features("code,name\nA,b\n").problems[0].rule.id(), "malformed");
    }
}

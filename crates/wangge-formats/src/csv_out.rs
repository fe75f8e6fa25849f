//! CSV out, the counterpart of [`super::csv_in`]: `code,name,parent_code`, then `lon,lat` when
//! every feature is a point (`x,y` when projected) or `wkt` otherwise, then one column per
//! attribute in first-seen order. Numbers are written in their shortest exact form, so reading
//! the file back gives the same coordinates.

use geo::Geometry;
use serde_json::Value;
use wangge_core::model::Feature;
use wkt::ToWkt;

/// Writes `features` as CSV text; `projected` names the point columns `x,y` instead of `lon,lat`.
pub fn write(features: &[Feature], projected: bool) -> String {
    let points = !features.is_empty() && features.iter().all(|f| matches!(f.geometry, Geometry::Point(_)));
    let mut keys: Vec<&str> = Vec::new();
    for f in features {
        for k in f.attrs.keys() {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = vec!["code", "name", "parent_code"];
    header.extend(match (points, projected) {
        (true, false) => vec!["lon", "lat"],
        (true, true) => vec!["x", "y"],
        (false, _) => vec!["wkt"],
    });
    header.extend(keys.iter().copied());
    // Writing to memory cannot fail.
    let _ = w.write_record(&header);
    for f in features {
        let mut row: Vec<String> = vec![f.code.clone(), f.name.clone(), f.parent_code.clone().unwrap_or_default()];
        match &f.geometry {
            Geometry::Point(p) if points => {
                row.push(p.x().to_string());
                row.push(p.y().to_string());
            }
            g => row.push(g.wkt_string()),
        }
        for k in &keys {
            row.push(match f.attrs.get(k) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            });
        }
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_in::read_features;
    use geo::{Point, polygon};
    use serde_json::json;

    fn feature(code: &str, geometry: Geometry<f64>, attrs: Value) -> Feature {
        Feature {
            code: code.into(),
            name: format!("{code} 名"),
            parent_code: Some("P".into()),
            attrs: attrs.as_object().unwrap().clone().into(),
            geometry,
        }
    }

    #[test]
    fn points_and_areas_read_back_the_same() {
        let pts = vec![
            feature(
                "B1",
                Geometry::Point(Point::new(114.0123456789012, 22.5)),
                json!({"households": 12, "note": "a, \"b\""}),
            ),
            feature("B2", Geometry::Point(Point::new(114.1, 22.6)), json!({"estimated": true})),
        ];
        let text = write(&pts, false);
        assert!(text.starts_with("code,name,parent_code,lon,lat,households,note,estimated\n"), "{text}");
        let back = read_features(&text);
        assert!(back.problems.is_empty(), "{:?}", back.problems);
        let got: Vec<Feature> = back.features.into_iter().map(|(_, f)| f).collect();
        assert_eq!(got, pts);
        let area = vec![feature(
            "G1",
            Geometry::Polygon(
                polygon![(x: 114.0, y: 22.5), (x: 114.01, y: 22.5), (x: 114.01, y: 22.51), (x: 114.0, y: 22.5)],
            ),
            json!({"ratio": 0.25}),
        )];
        let text = write(&area, false);
        assert!(text.contains("wkt") && text.contains("POLYGON"), "{text}");
        assert_eq!(read_features(&text).features[0].1, area[0]);
    }
}

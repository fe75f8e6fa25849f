//! Addresses in: CSV (address text with lon/lat or a building code) and OpenStreetMap PBF
//! (`addr:*` tags on nodes and on building ways).
//!
//! Both produce [`AddressIn`] rows; placing them in the hierarchy is the service's job.

use crate::crs::Crs;
use std::collections::HashMap;
use std::path::Path;

/// One address as read, before it is linked to a building and grid.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddressIn {
    /// Row (CSV, 1-based with the header as row 1) or element id, for messages.
    pub origin: String,
    /// Identifier, if the input has one.
    pub code: Option<String>,
    /// The address text.
    pub address: String,
    /// Coordinates in `crs` (or the import's CRS when `None`).
    pub xy: Option<(f64, f64)>,
    /// Per-row CRS.
    pub crs: Option<Crs>,
    /// Building code to place the address at (when there are no coordinates) or to link it to.
    pub building: Option<String>,
    /// Road as written, when the input gives it separately.
    pub road: Option<String>,
    /// Door number as written, when given separately.
    pub door: Option<String>,
    /// Estate, when given separately.
    pub estate: Option<String>,
    /// Marked as made up for illustration.
    pub illustrative: bool,
}

/// Why an address file could not be read; the message names the row and column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct AddressInputError(pub String);

/// Reads address rows from CSV. Columns (case-insensitive): `address` (or `地址`, `q`) required;
/// `lon`,`lat` or `building` per row; optional `code`/`id`, `crs`, `road`, `door`, `estate`,
/// `illustrative` (`true`/`1`).
pub fn read_csv(bytes: &[u8]) -> Result<Vec<AddressIn>, AddressInputError> {
    let (mut reader, columns) =
        crate::csv_in::reader_with_columns(bytes).map_err(|e| AddressInputError(format!("CSV header: {e}")))?;
    let col = |names: &[&str]| columns.find(names);
    let Some(address) = col(&["address", "地址", "q"]) else {
        return Err(AddressInputError("CSV needs an address column".into()));
    };
    let (lon, lat) = (col(&["lon", "lng", "longitude", "x"]), col(&["lat", "latitude", "y"]));
    let (building, code, crs) = (col(&["building", "building_code"]), col(&["code", "id"]), col(&["crs"]));
    let (road, door, estate, illustrative) = (col(&["road"]), col(&["door"]), col(&["estate"]), col(&["illustrative"]));
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| AddressInputError(format!("CSV row {row}: {e}")))?;
        let cell = |c: Option<usize>| c.and_then(|c| rec.get(c)).filter(|s| !s.is_empty()).map(str::to_string);
        let text = cell(Some(address)).ok_or_else(|| AddressInputError(format!("CSV row {row}: address is empty")))?;
        let num =
            |c: Option<usize>, name: &str| -> Result<Option<f64>, AddressInputError> {
                match cell(c) {
                    None => Ok(None),
                    Some(s) => s.parse::<f64>().ok().filter(|v| v.is_finite()).map(Some).ok_or_else(|| {
                        AddressInputError(format!("CSV row {row}: {name} '{s}' is not a finite number"))
                    }),
                }
            };
        let xy = match (num(lon, "lon")?, num(lat, "lat")?) {
            (Some(x), Some(y)) => Some((x, y)),
            (None, None) => None,
            _ => return Err(AddressInputError(format!("CSV row {row}: give both lon and lat, or neither"))),
        };
        let building = cell(building);
        if xy.is_none() && building.is_none() {
            return Err(AddressInputError(format!("CSV row {row}: needs lon,lat or a building code")));
        }
        let crs = match cell(crs) {
            Some(c) => Some(c.parse().map_err(|e| AddressInputError(format!("CSV row {row}: {e}")))?),
            None => None,
        };
        out.push(AddressIn {
            origin: format!("row {row}"),
            code: cell(code),
            address: text,
            xy,
            crs,
            building,
            road: cell(road),
            door: cell(door),
            estate: cell(estate),
            illustrative: cell(illustrative).is_some_and(|v| v == "true" || v == "1"),
        });
    }
    Ok(out)
}

/// Kind, id, tags, position (nodes) and node references (ways) of one OSM element.
type OsmElement<'a> = (&'static str, i64, Vec<(&'a str, &'a str)>, Option<(f64, f64)>, Option<Vec<i64>>);

/// Reads every node and way carrying `addr:housenumber` and `addr:street` from an OSM PBF file.
/// A way (a building outline) is placed at the mean of its nodes. Coordinates are WGS 84.
pub fn read_osm_pbf(path: &Path) -> Result<Vec<AddressIn>, AddressInputError> {
    use osmpbf::{Element, ElementReader};
    let err = |e: osmpbf::Error| AddressInputError(format!("{}: {e}", path.display()));
    let mut nodes: HashMap<i64, (f64, f64)> = HashMap::new();
    let mut found: Vec<(AddressIn, Option<Vec<i64>>)> = Vec::new();
    let reader = ElementReader::from_path(path).map_err(err)?;
    reader
        .for_each(|element| {
            let (kind, id, tags, at, refs): OsmElement<'_> = match &element {
                Element::Node(n) => ("node", n.id(), n.tags().collect(), Some((n.lon(), n.lat())), None),
                Element::DenseNode(n) => ("node", n.id(), n.tags().collect(), Some((n.lon(), n.lat())), None),
                Element::Way(w) => ("way", w.id(), w.tags().collect(), None, Some(w.refs().collect())),
                Element::Relation(_) => return,
            };
            if let Some(p) = at {
                nodes.insert(id, p);
            }
            let tag = |k: &str| tags.iter().find(|(key, _)| *key == k).map(|(_, v)| v.to_string());
            let (Some(street), Some(number)) = (tag("addr:street"), tag("addr:housenumber")) else { return };
            let place = tag("addr:city").map(|c| format!(", {c}")).unwrap_or_default();
            let address = AddressIn {
                origin: format!("osm {kind}/{id}"),
                code: Some(format!("osm:{kind}/{id}")),
                address: format!("{street} {number}{place}"),
                xy: at,
                road: Some(street),
                door: Some(number),
                ..AddressIn::default()
            };
            found.push((address, refs));
        })
        .map_err(err)?;
    let mut out = Vec::with_capacity(found.len());
    for (mut a, refs) in found {
        if let Some(refs) = refs {
            let pts: Vec<(f64, f64)> = refs.iter().filter_map(|r| nodes.get(r).copied()).collect();
            if pts.is_empty() {
                continue; // a way whose nodes are outside the extract cannot be placed
            }
            let n = pts.len() as f64;
            a.xy = Some((pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n));
        }
        out.push(a);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_name_their_problems() {
        let ok = read_csv("address,lon,lat,building\n福荣路1号,114.0,22.5,\n福荣路2号,,,B1\n".as_bytes()).unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].xy, Some((114.0, 22.5)));
        assert_eq!(ok[1].building.as_deref(), Some("B1"));
        for (csv, needle) in [
            ("lon,lat\n1,2\n", "address column"),
            ("address,lon,lat\n福荣路1号,abc,22\n", "row 2: lon 'abc'"),
            ("address,lon,lat\n福荣路1号,114,\n", "both lon and lat"),
            ("address,lon,lat\n福荣路1号,,\n", "building code"),
            ("address,lon,lat\n,114,22\n", "address is empty"),
            ("address,lon,lat,crs\nx,114,22,mercator\n", "mercator"),
        ] {
            let e = read_csv(csv.as_bytes()).unwrap_err();
            assert!(e.0.contains(needle), "{csv}: {e}");
        }
    }
}

//! Part 2 (CRS by reference): the systems offered, their URIs, axis order, and converting
//! geometries and bounding boxes between them and the stored WGS 84 lon/lat.

use super::super::error::ApiError;
use geo::{Coord, Geometry, MapCoords, Rect};
use wangge_formats::crs::Crs;
use wangge_formats::crs::output::{from_wgs84, north_first};
use wangge_text::Lang;
use wangge_text::zh_en;

/// The stored system: WGS 84 longitude/latitude.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// A coordinate system offered for output, bbox and filter geometries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OgcCrs {
    /// WGS 84 lon/lat.
    Crs84,
    /// EPSG:4326, 4490 (lat/lon) or a CGCS2000 Gauss–Krüger zone 4491–4554 (northing/easting).
    Epsg(u32),
}

/// The EPSG codes offered besides CRS84.
pub fn offered_codes() -> impl Iterator<Item = u32> {
    [4326, 4490].into_iter().chain(4491..=4554)
}

/// Every offered CRS URI, CRS84 first.
pub fn offered() -> Vec<String> {
    std::iter::once(CRS84.to_string()).chain(offered_codes().map(|c| OgcCrs::Epsg(c).uri())).collect()
}

impl OgcCrs {
    /// The OGC URI naming this system.
    pub fn uri(self) -> String {
        match self {
            OgcCrs::Crs84 => CRS84.to_string(),
            OgcCrs::Epsg(c) => format!("http://www.opengis.net/def/crs/EPSG/0/{c}"),
        }
    }

    /// Reads `raw` (a URI, `EPSG:n`, `[EPSG:n]` or `CRS84`) for parameter `param`; a system not
    /// offered is a 400 that names it.
    pub fn parse(raw: &str, param: &str, lang: Lang) -> Result<OgcCrs, ApiError> {
        let t = raw.trim().trim_start_matches('[').trim_end_matches(']');
        let lower = t.to_ascii_lowercase();
        let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")).unwrap_or(&lower);
        let crs =
            if ["crs84", "ogc:crs84", "www.opengis.net/def/crs/ogc/1.3/crs84", "www.opengis.net/def/crs/ogc/0/crs84"]
                .contains(&rest)
            {
                Some(OgcCrs::Crs84)
            } else {
                let code = rest.strip_prefix("www.opengis.net/def/crs/epsg/0/").or_else(|| rest.strip_prefix("epsg:"));
                code.and_then(|c| c.parse::<u32>().ok()).filter(|c| offered_codes().any(|o| o == *c)).map(OgcCrs::Epsg)
            };
        crs.ok_or_else(|| {
            ApiError::bad_parameter(zh_en!(
                lang,
                ("参数 {param}：不支持坐标系 \"{raw}\"（支持 CRS84、EPSG:4326、EPSG:4490、EPSG:4491–4554）"),
                ("parameter {param}: CRS \"{raw}\" is not supported (CRS84, EPSG:4326, EPSG:4490, EPSG:4491–4554)")
            ))
        })
    }

    fn swapped(self) -> bool {
        match self {
            OgcCrs::Crs84 => false,
            OgcCrs::Epsg(c) => north_first(c).unwrap_or(false),
        }
    }

    /// A WGS 84 geometry in this system, in its axis order.
    pub fn from_wgs84(self, g: &Geometry<f64>) -> Result<Geometry<f64>, ApiError> {
        let OgcCrs::Epsg(code) = self else { return Ok(g.clone()) };
        let swap = self.swapped();
        g.try_map_coords(|c| {
            let p = from_wgs84(code, c)?;
            Ok(if swap { Coord { x: p.y, y: p.x } } else { p })
        })
        .map_err(|e: wangge_formats::crs::CrsError| ApiError::bad_parameter(e.to_string()))
    }

    /// A position given in this system (its axis order) as WGS 84 lon/lat.
    pub fn to_wgs84(self, c: Coord) -> Result<Coord, ApiError> {
        let OgcCrs::Epsg(code) = self else { return Ok(c) };
        let c = if self.swapped() { Coord { x: c.y, y: c.x } } else { c };
        Crs::Epsg(code).to_wgs84(c).map_err(|e| ApiError::bad_parameter(e.to_string()))
    }

    /// A geometry given in this system as WGS 84 lon/lat (for `filter-crs`).
    pub fn geometry_to_wgs84(self, g: &Geometry<f64>) -> Result<Geometry<f64>, ApiError> {
        if self == OgcCrs::Crs84 {
            return Ok(g.clone());
        }
        g.try_map_coords(|c| self.to_wgs84(c))
    }

    /// The WGS 84 box covering `r` given in this system; projected edges are sampled because they
    /// curve in lon/lat.
    pub fn rect_to_wgs84(self, r: Rect<f64>) -> Result<Rect<f64>, ApiError> {
        if self == OgcCrs::Crs84 {
            return Ok(r);
        }
        let (min, max) = (r.min(), r.max());
        let n = 16;
        let mut pts = Vec::new();
        for i in 0..=n {
            let t = f64::from(i) / f64::from(n);
            let x = min.x + (max.x - min.x) * t;
            let y = min.y + (max.y - min.y) * t;
            for c in [Coord { x, y: min.y }, Coord { x, y: max.y }, Coord { x: min.x, y }, Coord { x: max.x, y }] {
                pts.push(self.to_wgs84(c)?);
            }
        }
        let (mut lo, mut hi) = (pts[0], pts[0]);
        for p in &pts {
            lo = Coord { x: lo.x.min(p.x), y: lo.y.min(p.y) };
            hi = Coord { x: hi.x.max(p.x), y: hi.y.max(p.y) };
        }
        Ok(Rect::new(lo, hi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_refusals() {
        let en = Lang::En;
        assert_eq!(OgcCrs::parse(CRS84, "crs", en).unwrap(), OgcCrs::Crs84);
        assert_eq!(OgcCrs::parse("http://www.opengis.net/def/crs/EPSG/0/4326", "crs", en).unwrap(), OgcCrs::Epsg(4326));
        assert_eq!(OgcCrs::parse("[EPSG:4547]", "crs", en).unwrap(), OgcCrs::Epsg(4547));
        let e = OgcCrs::parse("EPSG:3857", "bbox-crs", en).unwrap_err();
        assert!(e.detail.contains("bbox-crs") && e.detail.contains("EPSG:3857"), "{}", e.detail);
        assert_eq!(offered().len(), 1 + 2 + 64);
    }

    #[test]
    fn lat_lon_order_for_4326() {
        let g = Geometry::Point(geo::Point::new(114.0, 22.5));
        let Geometry::Point(p) = OgcCrs::Epsg(4326).from_wgs84(&g).unwrap() else { panic!() };
        assert_eq!((p.x(), p.y()), (22.5, 114.0));
        let back = OgcCrs::Epsg(4326).to_wgs84(Coord { x: 22.5, y: 114.0 }).unwrap();
        assert_eq!(back, Coord { x: 114.0, y: 22.5 });
    }
}

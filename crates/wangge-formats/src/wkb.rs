//! Well-Known Binary (ISO/OGC, 2D) encoding and decoding of geo geometries.
//!
//! Only what GeoPackage features need: Point, LineString, Polygon and their Multi forms, and
//! GeometryCollection. Z/M dimensions are refused with a clear error rather than dropped silently.

use geo::{Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};

/// Why a WKB blob could not be decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WkbError {
    /// The blob ended early.
    #[error("WKB ended early at byte {0}")]
    Truncated(usize),
    /// A type code we do not read.
    #[error("unsupported WKB geometry type {0}")]
    UnsupportedType(u32),
    /// A byte-order flag other than 0 or 1.
    #[error("bad WKB byte order {0}")]
    ByteOrder(u8),
}

/// Appends the little-endian WKB of `g` to `out`.
pub fn write(g: &Geometry<f64>, out: &mut Vec<u8>) {
    match g {
        Geometry::Point(p) => {
            header(out, 1);
            coord(out, p.0);
        }
        Geometry::LineString(l) => {
            header(out, 2);
            ring(out, l);
        }
        Geometry::Polygon(p) => polygon(out, p),
        Geometry::MultiPoint(mp) => {
            header(out, 4);
            count(out, mp.0.len());
            for p in &mp.0 {
                write(&Geometry::Point(*p), out);
            }
        }
        Geometry::MultiLineString(ml) => {
            header(out, 5);
            count(out, ml.0.len());
            for l in &ml.0 {
                header(out, 2);
                ring(out, l);
            }
        }
        Geometry::MultiPolygon(mp) => {
            header(out, 6);
            count(out, mp.0.len());
            for p in &mp.0 {
                polygon(out, p);
            }
        }
        Geometry::GeometryCollection(gc) => {
            header(out, 7);
            count(out, gc.0.len());
            for g in &gc.0 {
                write(g, out);
            }
        }
        Geometry::Line(l) => write(&Geometry::LineString(LineString(vec![l.start, l.end])), out),
        Geometry::Rect(r) => polygon(out, &r.to_polygon()),
        Geometry::Triangle(t) => polygon(out, &t.to_polygon()),
    }
}

fn header(out: &mut Vec<u8>, kind: u32) {
    out.push(1);
    out.extend_from_slice(&kind.to_le_bytes());
}

fn count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn coord(out: &mut Vec<u8>, c: Coord) {
    out.extend_from_slice(&c.x.to_le_bytes());
    out.extend_from_slice(&c.y.to_le_bytes());
}

fn ring(out: &mut Vec<u8>, l: &LineString<f64>) {
    count(out, l.0.len());
    for c in &l.0 {
        coord(out, *c);
    }
}

fn polygon(out: &mut Vec<u8>, p: &Polygon<f64>) {
    header(out, 3);
    if p.exterior().0.is_empty() {
        count(out, 0);
        return;
    }
    count(out, 1 + p.interiors().len());
    ring(out, p.exterior());
    for h in p.interiors() {
        ring(out, h);
    }
}

/// Decodes one WKB geometry from the start of `bytes`.
pub fn read(bytes: &[u8]) -> Result<Geometry<f64>, WkbError> {
    Reader { bytes, at: 0, little: true }.geometry()
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    little: bool,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], WkbError> {
        let slice = self.bytes.get(self.at..self.at + N).ok_or(WkbError::Truncated(self.at))?;
        self.at += N;
        let mut a = [0u8; N];
        a.copy_from_slice(slice);
        Ok(a)
    }

    fn u32(&mut self) -> Result<u32, WkbError> {
        let b = self.take::<4>()?;
        Ok(if self.little { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    }

    fn f64(&mut self) -> Result<f64, WkbError> {
        let b = self.take::<8>()?;
        Ok(if self.little { f64::from_le_bytes(b) } else { f64::from_be_bytes(b) })
    }

    fn coord(&mut self) -> Result<Coord, WkbError> {
        Ok(Coord { x: self.f64()?, y: self.f64()? })
    }

    fn count(&mut self) -> Result<usize, WkbError> {
        let n = self.u32()? as usize;
        // Each element takes at least 4 bytes, so a larger count means a corrupt blob, not a huge allocation.
        if n > self.bytes.len() / 4 + 1 {
            return Err(WkbError::Truncated(self.at));
        }
        Ok(n)
    }

    fn line(&mut self) -> Result<LineString<f64>, WkbError> {
        let n = self.count()?;
        (0..n).map(|_| self.coord()).collect::<Result<Vec<_>, _>>().map(LineString)
    }

    fn polygon_body(&mut self) -> Result<Polygon<f64>, WkbError> {
        let n = self.count()?;
        if n == 0 {
            return Ok(Polygon::new(LineString(vec![]), vec![]));
        }
        let exterior = self.line()?;
        let holes = (1..n).map(|_| self.line()).collect::<Result<Vec<_>, _>>()?;
        Ok(Polygon::new(exterior, holes))
    }

    fn geometry(&mut self) -> Result<Geometry<f64>, WkbError> {
        let order = self.take::<1>()?[0];
        self.little = match order {
            1 => true,
            0 => false,
            other => return Err(WkbError::ByteOrder(other)),
        };
        let kind = self.u32()?;
        Ok(match kind {
            1 => Geometry::Point(Point(self.coord()?)),
            2 => Geometry::LineString(self.line()?),
            3 => Geometry::Polygon(self.polygon_body()?),
            4..=7 => {
                let n = self.count()?;
                let parts = (0..n).map(|_| self.geometry()).collect::<Result<Vec<_>, _>>()?;
                collect_multi(kind, parts)?
            }
            other => return Err(WkbError::UnsupportedType(other)),
        })
    }
}

fn collect_multi(kind: u32, parts: Vec<Geometry<f64>>) -> Result<Geometry<f64>, WkbError> {
    let wrong = |g: &Geometry<f64>| {
        WkbError::UnsupportedType(match g {
            Geometry::Point(_) => 1,
            Geometry::LineString(_) => 2,
            Geometry::Polygon(_) => 3,
            _ => 0,
        })
    };
    Ok(match kind {
        4 => Geometry::MultiPoint(MultiPoint(
            parts
                .into_iter()
                .map(|g| if let Geometry::Point(p) = g { Ok(p) } else { Err(wrong(&g)) })
                .collect::<Result<_, _>>()?,
        )),
        5 => Geometry::MultiLineString(MultiLineString(
            parts
                .into_iter()
                .map(|g| if let Geometry::LineString(l) = g { Ok(l) } else { Err(wrong(&g)) })
                .collect::<Result<_, _>>()?,
        )),
        6 => Geometry::MultiPolygon(MultiPolygon(
            parts
                .into_iter()
                .map(|g| if let Geometry::Polygon(p) = g { Ok(p) } else { Err(wrong(&g)) })
                .collect::<Result<_, _>>()?,
        )),
        _ => Geometry::GeometryCollection(GeometryCollection(parts)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, point, polygon};

    #[test]
    fn round_trips_every_type() {
        let poly = polygon!(exterior: [(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 0.0)], interiors: [[(x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 2.0, y: 2.0), (x: 1.0, y: 1.0)]]);
        let geoms = vec![
            Geometry::Point(point!(x: 114.0123456789, y: 22.5)),
            Geometry::LineString(line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)]),
            Geometry::Polygon(poly.clone()),
            Geometry::MultiPolygon(MultiPolygon(vec![poly.clone(), poly])),
            Geometry::MultiPoint(MultiPoint(vec![point!(x: 1.0, y: 2.0)])),
        ];
        for g in geoms {
            let mut buf = Vec::new();
            write(&g, &mut buf);
            assert_eq!(read(&buf).unwrap(), g);
        }
    }

    #[test]
    fn reads_big_endian_and_rejects_garbage() {
        // Big-endian POINT(1 2).
        let mut be = vec![0u8, 0, 0, 0, 1];
        be.extend_from_slice(&1.0f64.to_be_bytes());
        be.extend_from_slice(&2.0f64.to_be_bytes());
        assert_eq!(read(&be).unwrap(), Geometry::Point(point!(x: 1.0, y: 2.0)));
        assert_eq!(read(&[1, 1, 0]), Err(WkbError::Truncated(1)));
        assert_eq!(read(&[1, 0xE9, 3, 0, 0]), Err(WkbError::UnsupportedType(1001)));
        assert_eq!(read(&[7]), Err(WkbError::ByteOrder(7)));
    }
}

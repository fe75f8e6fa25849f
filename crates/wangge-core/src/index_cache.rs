//! The parts of a layer's index that are costly to build — the cell grid and the divisions'
//! interior points — as bytes a store can keep between starts, so that a restart on an unchanged
//! layer does not build them again.
//!
//! Whether a kept copy still fits is the store's business: it keys the bytes to the layer's
//! content (see `wangge_store::index_cache`). Here the bytes are only checked for consistency
//! ([`LayerIndexCache::decode`] refuses anything whose sizes or ids do not fit the layer), so a
//! damaged copy is rebuilt, never used.

use super::cells::CellGrid;
use super::snapshot::LayerData;
use geo::Coord;

/// Version of the byte layout; bytes of another version are not read.
pub const FORMAT: u32 = 1;

/// Layers with fewer ring edges than this are not worth keeping: they build in a few
/// milliseconds.
pub const MIN_EDGES: usize = 100_000;

/// What is kept of one layer.
#[derive(Debug, Clone)]
pub struct LayerIndexCache {
    /// The cell grid of the layer's areas.
    pub cells: Option<CellGrid>,
    /// Each feature's interior point (see [`LayerData::interior_point`]), when they were computed.
    pub interior_points: Option<Vec<Option<Coord>>>,
}

impl LayerIndexCache {
    /// The bytes to keep for `data`: its cell grid, and its interior points when `with_points`
    /// (computed now if they were not yet). `None` for a layer too small to be worth it.
    pub fn encode(data: &LayerData, with_points: bool) -> Option<Vec<u8>> {
        let index = data.areas()?;
        let edges: usize = (0..index.len() as u32).map(|i| index.area(i).edge_count()).sum();
        if edges < MIN_EDGES {
            return None;
        }
        let mut out = Vec::new();
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        match index.cells() {
            Some(cells) => {
                out.push(1);
                cells.encode(&mut out);
            }
            None => out.push(0),
        }
        if with_points {
            out.push(1);
            for i in 0..data.len() {
                let p = data.interior_point(i).unwrap_or(Coord { x: f64::NAN, y: f64::NAN });
                out.extend_from_slice(&p.x.to_le_bytes());
                out.extend_from_slice(&p.y.to_le_bytes());
            }
        } else {
            out.push(0);
        }
        Some(out)
    }

    /// Reads bytes written by [`LayerIndexCache::encode`] for a layer of `features` features;
    /// `None` when they are of another format, another feature count, or inconsistent.
    pub fn decode(mut bytes: &[u8], features: usize) -> Option<LayerIndexCache> {
        let b = &mut bytes;
        if u32::from_le_bytes(take(b)?) != FORMAT || u64::from_le_bytes(take(b)?) != features as u64 {
            return None;
        }
        let cells = match take::<1>(b)? {
            [1] => Some(CellGrid::decode(b, features)?),
            [0] => None,
            _ => return None,
        };
        let interior_points = match take::<1>(b)? {
            [1] => {
                let raw = b.get(..features.checked_mul(16)?)?;
                *b = &b[features * 16..];
                Some(
                    raw.chunks_exact(16)
                        .map(|c| {
                            let x = f64::from_le_bytes(c[..8].try_into().ok()?);
                            let y = f64::from_le_bytes(c[8..].try_into().ok()?);
                            (!x.is_nan()).then_some(Coord { x, y })
                        })
                        .collect(),
                )
            }
            [0] => None,
            _ => return None,
        };
        b.is_empty().then_some(LayerIndexCache { cells, interior_points })
    }
}

fn take<const N: usize>(bytes: &mut &[u8]) -> Option<[u8; N]> {
    let head = bytes.get(..N)?.try_into().ok()?;
    *bytes = &bytes[N..];
    Some(head)
}

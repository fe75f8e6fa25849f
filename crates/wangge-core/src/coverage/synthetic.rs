//! A deterministic synthetic city for benchmarks and comparisons: a street lattice with some
//! streets missing, square grids grouped into communities, homes with households and centres, at
//! Shenzhen's latitude. Same arguments, same city.

use super::context::{Context, Home, Site, UnitIn};
use crate::network::Network;
use geo::{Coord, LineString, MultiPolygon, Polygon};

/// A small deterministic pseudo-random generator (no dependency, stable across versions).
#[derive(Debug, Clone)]
pub struct Lcg(pub u64);

impl Lcg {
    /// The next number in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A synthetic city: `side` × `side` street nodes `spacing_deg` apart (about 10 % of streets
/// missing), grids of `grid_nodes` × `grid_nodes` blocks (four grids to a community), `homes`
/// homes and `centres` centres on a jittered lattice.
pub fn city(side: usize, spacing_deg: f64, grid_nodes: usize, homes: usize, centres: usize) -> (Context, Vec<Site>) {
    let (x0, y0) = (114.0, 22.5);
    let mut rng = Lcg(42);
    let mut nodes = Vec::with_capacity(side * side);
    for j in 0..side {
        for i in 0..side {
            nodes.push(Coord { x: x0 + i as f64 * spacing_deg, y: y0 + j as f64 * spacing_deg });
        }
    }
    let mut pairs = Vec::with_capacity(2 * side * side);
    for j in 0..side {
        for i in 0..side {
            let v = (j * side + i) as u32;
            if i + 1 < side && rng.next_f64() > 0.1 {
                pairs.push((v, v + 1));
            }
            if j + 1 < side && rng.next_f64() > 0.1 {
                pairs.push((v, v + side as u32));
            }
        }
    }
    let net = Network::from_parts(nodes, &pairs);
    let extent = (side - 1) as f64 * spacing_deg;
    let per = ((side - 1) / grid_nodes).max(1);
    let g = extent / per as f64;
    let mut units = Vec::new();
    for j in 0..per {
        for i in 0..per {
            let (a, b) = (x0 + i as f64 * g, y0 + j as f64 * g);
            let ring = LineString(vec![
                Coord { x: a, y: b },
                Coord { x: a + g, y: b },
                Coord { x: a + g, y: b + g },
                Coord { x: a, y: b + g },
                Coord { x: a, y: b },
            ]);
            let code = format!("G{j:03}{i:03}");
            let community = format!("C{:03}{:03}", j / 2, i / 2);
            let street = format!("S{:03}{:03}", j / 8, i / 8);
            units.push(UnitIn {
                code: code.clone(),
                name: code.clone(),
                levels: [
                    Some((code.clone(), code)),
                    Some((community.clone(), community)),
                    Some((street.clone(), street)),
                    Some(("D".into(), "District".into())),
                ],
                polygon: MultiPolygon(vec![Polygon::new(ring, vec![])]),
            });
        }
    }
    let homes: Vec<Home> = (0..homes)
        .map(|k| {
            let at = Coord { x: x0 + rng.next_f64() * extent, y: y0 + rng.next_f64() * extent };
            let (ui, uj) = ((((at.x - x0) / g) as usize).min(per - 1), (((at.y - y0) / g) as usize).min(per - 1));
            Home {
                code: format!("H{k:07}"),
                name: String::new(),
                at,
                households: 20 + (rng.next_f64() * 180.0) as u64,
                estimated: true,
                unit: Some((uj * per + ui) as u32),
            }
        })
        .collect();
    let n = (centres as f64).sqrt().ceil() as usize;
    let sites = (0..centres)
        .map(|k| {
            let (i, j) = (k % n, k / n);
            let at = Coord {
                x: x0 + (i as f64 + 0.2 + 0.6 * rng.next_f64()) * extent / n as f64,
                y: y0 + (j as f64 + 0.2 + 0.6 * rng.next_f64()) * extent / n as f64,
            };
            Site { code: format!("SC{k:05}"), name: String::new(), at }
        })
        .collect();
    (Context::new(net, units, homes), sites)
}

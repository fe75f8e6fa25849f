//! The network graph: nodes at road vertices, one undirected edge per straight segment, geodesic
//! lengths in metres, adjacency in compressed-sparse-row form for fast traversal.
//!
//! Walking is one-way free, so every edge is undirected. Polylines are joined where they share a
//! vertex with bit-identical coordinates; crossings without a shared vertex (bridges, tunnels) stay
//! apart. Callers that want crossings noded (GeoJSON without topology) node them first — see
//! the road loader (`wangge-formats`).

use crate::distance::{LocalFrame, geodesic_metres};
use geo::Coord;
use std::collections::HashMap;

/// One undirected edge: a straight segment between two nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// One end (node id).
    pub a: u32,
    /// The other end (node id).
    pub b: u32,
    /// Geodesic length in metres.
    pub len_m: f64,
}

/// A walking network; node and edge ids are positions in [`Network::nodes`] and [`Network::edges`].
#[derive(Debug, Clone)]
pub struct Network {
    nodes: Vec<Coord>,
    xy: Vec<Coord>,
    edges: Vec<Edge>,
    adj_start: Vec<u32>,
    adj: Vec<(u32, u32)>,
    frame: LocalFrame,
}

impl Network {
    /// Builds a network from polylines of lon/lat vertices. Consecutive vertices become edges;
    /// vertices with identical coordinates become one node; zero-length and repeated segments are
    /// dropped; non-finite vertices split a polyline.
    pub fn from_polylines<'a>(lines: impl IntoIterator<Item = &'a [Coord]>) -> Network {
        let mut ids: HashMap<(u64, u64), u32> = HashMap::new();
        let mut nodes: Vec<Coord> = Vec::new();
        let mut seen: HashMap<(u32, u32), ()> = HashMap::new();
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut id_of = |c: Coord, nodes: &mut Vec<Coord>| -> u32 {
            *ids.entry((c.x.to_bits(), c.y.to_bits())).or_insert_with(|| {
                nodes.push(c);
                (nodes.len() - 1) as u32
            })
        };
        for line in lines {
            for w in line.windows(2) {
                let (p, q) = (w[0], w[1]);
                if !(p.x.is_finite() && p.y.is_finite() && q.x.is_finite() && q.y.is_finite()) || p == q {
                    continue;
                }
                let (a, b) = (id_of(p, &mut nodes), id_of(q, &mut nodes));
                let key = (a.min(b), a.max(b));
                if seen.insert(key, ()).is_none() {
                    pairs.push((a, b));
                }
            }
        }
        Network::from_parts(nodes, &pairs)
    }

    /// Builds a network from nodes and node pairs (lengths are computed geodesically).
    pub fn from_parts(nodes: Vec<Coord>, pairs: &[(u32, u32)]) -> Network {
        let frame = LocalFrame::at(centre(&nodes));
        let xy: Vec<Coord> = nodes.iter().map(|&c| frame.project(c)).collect();
        let edges: Vec<Edge> = pairs
            .iter()
            .map(|&(a, b)| Edge { a, b, len_m: geodesic_metres(nodes[a as usize], nodes[b as usize]) })
            .collect();
        let mut degree = vec![0u32; nodes.len() + 1];
        for e in &edges {
            degree[e.a as usize + 1] += 1;
            degree[e.b as usize + 1] += 1;
        }
        for i in 1..degree.len() {
            degree[i] += degree[i - 1];
        }
        let adj_start = degree.clone();
        let mut fill = degree;
        let mut adj = vec![(0u32, 0u32); edges.len() * 2];
        for (i, e) in edges.iter().enumerate() {
            adj[fill[e.a as usize] as usize] = (e.b, i as u32);
            fill[e.a as usize] += 1;
            adj[fill[e.b as usize] as usize] = (e.a, i as u32);
            fill[e.b as usize] += 1;
        }
        Network { nodes, xy, edges, adj_start, adj, frame }
    }

    /// Node positions, lon/lat.
    pub fn nodes(&self) -> &[Coord] {
        &self.nodes
    }

    /// Node positions in the network's local frame, metres.
    pub fn node_xy(&self, n: u32) -> Coord {
        self.xy[n as usize]
    }

    /// Every edge.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// One edge.
    pub fn edge(&self, e: u32) -> Edge {
        self.edges[e as usize]
    }

    /// `(neighbour, edge)` pairs of node `n`.
    #[inline]
    pub fn neighbours(&self, n: u32) -> &[(u32, u32)] {
        &self.adj[self.adj_start[n as usize] as usize..self.adj_start[n as usize + 1] as usize]
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// The local metric frame shared by everything built on this network.
    pub fn frame(&self) -> LocalFrame {
        self.frame
    }

    /// Sum of edge lengths, metres.
    pub fn total_length_m(&self) -> f64 {
        self.edges.iter().map(|e| e.len_m).sum()
    }
}

/// The centre of the nodes' bounding box (the origin of the frame).
fn centre(nodes: &[Coord]) -> Coord {
    if nodes.is_empty() {
        return Coord { x: 0.0, y: 0.0 };
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in nodes {
        x0 = x0.min(c.x);
        y0 = y0.min(c.y);
        x1 = x1.max(c.x);
        y1 = y1.max(c.y);
    }
    Coord { x: (x0 + x1) / 2.0, y: (y0 + y1) / 2.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    #[test]
    fn shared_vertices_join_and_duplicates_drop() {
        let a = [coord! { x: 114.0, y: 22.5 }, coord! { x: 114.001, y: 22.5 }, coord! { x: 114.002, y: 22.5 }];
        let b = [coord! { x: 114.001, y: 22.5 }, coord! { x: 114.001, y: 22.501 }];
        let c = [coord! { x: 114.002, y: 22.5 }, coord! { x: 114.001, y: 22.5 }];
        let net = Network::from_polylines([&a[..], &b[..], &c[..]]);
        assert_eq!(net.node_count(), 4);
        assert_eq!(net.edge_count(), 3, "the reversed repeat of a segment is one edge");
        assert_eq!(net.neighbours(1).len(), 3);
        // 0.001° of longitude at 22.5° N ≈ 102.8 m.
        assert!((net.edge(0).len_m - 102.8).abs() < 0.5, "{}", net.edge(0).len_m);
    }

    #[test]
    fn empty_and_degenerate_input() {
        let net = Network::from_polylines(std::iter::empty::<&[Coord]>());
        assert_eq!(net.node_count(), 0);
        let p = [coord! { x: 1.0, y: 1.0 }, coord! { x: 1.0, y: 1.0 }, coord! { x: f64::NAN, y: 1.0 }];
        assert_eq!(Network::from_polylines([&p[..]]).edge_count(), 0);
    }
}

//! The planar graph of noded segments as a half-edge structure, its faces, and the boundary of any set
//! of faces.
//!
//! Edge `e` owns half-edges `2e` (a→b) and `2e+1` (b→a). Faces lie to the left of their half-edges, so
//! bounded faces are traced counter-clockwise and the one unbounded face clockwise. The boundary of a set
//! of faces is made of the very half-edges (and so the very lattice points) of the faces, which is what
//! makes neighbouring polygons share bit-identical vertices.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use super::noding::{Pt, Segment};
use super::rings::{ring_area2, split_ring};

/// The noded segments do not form one connected planar graph (what is wrong, in words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("planar topology: {0}")]
pub struct TopologyError(pub String);

/// A planar graph with its faces traced.
#[derive(Debug, Clone)]
pub struct Graph {
    /// Node positions, sorted.
    pub nodes: Vec<Pt>,
    /// Edges as node index pairs.
    pub edges: Vec<[usize; 2]>,
    /// Outgoing half-edges of each node, counter-clockwise by direction.
    out: Vec<Vec<usize>>,
    /// Index of each half-edge in its origin's `out` list.
    pos: Vec<usize>,
    /// Face left of each half-edge.
    pub face_of: Vec<usize>,
    /// One half-edge of each face.
    pub face_start: Vec<usize>,
    /// Twice the signed area of each face, in squared lattice units.
    pub face_area2: Vec<i128>,
    /// The unbounded face.
    pub outer: usize,
}

fn half_plane(d: [i64; 2]) -> u8 {
    u8::from(!(d[1] > 0 || (d[1] == 0 && d[0] > 0)))
}

/// Orders directions counter-clockwise starting from east, exactly.
fn by_angle(a: [i64; 2], b: [i64; 2]) -> Ordering {
    half_plane(a).cmp(&half_plane(b)).then_with(|| {
        let cross = a[0] as i128 * b[1] as i128 - a[1] as i128 * b[0] as i128;
        0.cmp(&cross)
    })
}

impl Graph {
    /// Origin node of half-edge `h`.
    pub fn origin(&self, h: usize) -> usize {
        self.edges[h / 2][h % 2]
    }

    /// Destination node of half-edge `h`.
    pub fn dest(&self, h: usize) -> usize {
        self.edges[h / 2][1 - h % 2]
    }

    /// The half-edge after `h` around the face to its left, skipping half-edges for which `skip` holds.
    /// Rotating clockwise from the reverse of `h` takes the sharpest left turn, which keeps rings tight.
    fn next_where(&self, h: usize, skip: impl Fn(usize) -> bool) -> usize {
        let v = self.dest(h);
        let list = &self.out[v];
        let at = self.pos[h ^ 1];
        for k in 1..=list.len() {
            let cand = list[(at + list.len() * 2 - k) % list.len()];
            if !skip(cand) {
                return cand;
            }
        }
        h ^ 1
    }

    /// Builds the half-edge structure of noded segments and traces its faces.
    pub fn trace(segs: &[Segment]) -> Result<Graph, TopologyError> {
        let index: BTreeMap<Pt, usize> =
            segs.iter().flat_map(|s| [s.a, s.b]).collect::<BTreeSet<_>>().into_iter().zip(0..).collect();
        let nodes: Vec<Pt> = index.keys().copied().collect();
        let edges: Vec<[usize; 2]> = segs.iter().map(|s| [index[&s.a], index[&s.b]]).collect();
        let mut out = vec![Vec::new(); nodes.len()];
        for (e, [a, b]) in edges.iter().enumerate() {
            out[*a].push(2 * e);
            out[*b].push(2 * e + 1);
        }
        let mut pos = vec![0; edges.len() * 2];
        let dir = |h: usize| {
            let [a, b] = edges[h / 2];
            let (o, d) = if h % 2 == 1 { (nodes[b], nodes[a]) } else { (nodes[a], nodes[b]) };
            [d[0] - o[0], d[1] - o[1]]
        };
        for list in &mut out {
            list.sort_by(|&x, &y| by_angle(dir(x), dir(y)).then(x.cmp(&y)));
            for (i, &h) in list.iter().enumerate() {
                pos[h] = i;
            }
        }
        let mut g = Graph {
            nodes,
            edges,
            out,
            pos,
            face_of: vec![usize::MAX; segs.len() * 2],
            face_start: Vec::new(),
            face_area2: Vec::new(),
            outer: usize::MAX,
        };
        for h0 in 0..g.face_of.len() {
            if g.face_of[h0] != usize::MAX {
                continue;
            }
            let f = g.face_start.len();
            let mut ring = Vec::new();
            let mut h = h0;
            while g.face_of[h] == usize::MAX {
                g.face_of[h] = f;
                ring.push(g.nodes[g.origin(h)]);
                h = g.next_where(h, |_| false);
            }
            g.face_start.push(h0);
            g.face_area2.push(ring_area2(&ring));
        }
        let negative: Vec<usize> = (0..g.face_area2.len()).filter(|&f| g.face_area2[f] < 0).collect();
        match negative.as_slice() {
            [f] => g.outer = *f,
            _ => return Err(TopologyError(format!("{} unbounded faces; graph not connected", negative.len()))),
        }
        Ok(g)
    }

    /// Number of faces, the unbounded one included.
    pub fn face_count(&self) -> usize {
        self.face_start.len()
    }

    /// The ring of lattice points around face `f`, as traced (not split at pinch points).
    pub fn face_ring(&self, f: usize) -> Vec<Pt> {
        let start = self.face_start[f];
        let mut ring = vec![self.nodes[self.origin(start)]];
        let mut h = self.next_where(start, |_| false);
        while h != start {
            ring.push(self.nodes[self.origin(h)]);
            h = self.next_where(h, |_| false);
        }
        ring
    }

    /// Edges whose two sides are the same face: bridges, which bound nothing.
    pub fn bridges(&self) -> Vec<usize> {
        (0..self.edges.len()).filter(|&e| self.face_of[2 * e] == self.face_of[2 * e + 1]).collect()
    }

    /// Faces sharing an edge, with the length of what they share in lattice units (both orders).
    pub fn adjacency(&self) -> BTreeMap<(usize, usize), f64> {
        let mut adj = BTreeMap::new();
        for (e, [a, b]) in self.edges.iter().enumerate() {
            let (f, g) = (self.face_of[2 * e], self.face_of[2 * e + 1]);
            if f != g && f != self.outer && g != self.outer {
                let (p, q) = (self.nodes[*a], self.nodes[*b]);
                let len = ((p[0] - q[0]) as f64).hypot((p[1] - q[1]) as f64);
                *adj.entry((f, g)).or_insert(0.0) += len;
                *adj.entry((g, f)).or_insert(0.0) += len;
            }
        }
        adj
    }

    /// Boundary rings of each group of faces (`group[f]`, `None` for faces in no group), split at pinch
    /// points so that every ring is simple: counter-clockwise rings are shells, clockwise ones holes.
    pub fn group_rings(&self, group: &[Option<usize>]) -> BTreeMap<usize, Vec<Vec<Pt>>> {
        let of = |h: usize| group[self.face_of[h]];
        let mut done = vec![false; self.face_of.len()];
        let mut rings: BTreeMap<usize, Vec<Vec<Pt>>> = BTreeMap::new();
        for h0 in 0..self.face_of.len() {
            let Some(g) = of(h0) else { continue };
            if done[h0] || of(h0 ^ 1) == Some(g) {
                continue;
            }
            let mut ring = Vec::new();
            let mut h = h0;
            while !done[h] {
                done[h] = true;
                ring.push(self.nodes[self.origin(h)]);
                h = self.next_where(h, |c| of(c ^ 1) == Some(g));
            }
            rings.entry(g).or_default().extend(split_ring(ring));
        }
        rings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planar::noding::node;

    fn seg(a: Pt, b: Pt) -> Segment {
        Segment { a, b, frame: false }
    }

    /// A 3×3 lattice of roads 10 units apart: four square blocks.
    fn lattice() -> Graph {
        let mut s = Vec::new();
        for i in 0..3 {
            s.push(seg([0, 10 * i], [20, 10 * i]));
            s.push(seg([10 * i, 0], [10 * i, 20]));
        }
        match Graph::trace(&node(&s)) {
            Ok(g) => g,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_road_lattice_has_four_square_blocks() {
        let g = lattice();
        assert_eq!(g.face_count(), 5);
        let mut areas: Vec<i128> = g.face_area2.clone();
        areas.sort_unstable();
        assert_eq!(areas, vec![-800, 200, 200, 200, 200]);
        assert!(g.bridges().is_empty());
    }

    #[test]
    fn the_union_of_two_adjacent_faces_has_no_interior_edge() {
        let g = lattice();
        let left: Vec<usize> =
            (0..g.face_count()).filter(|&f| f != g.outer && g.face_ring(f).iter().all(|p| p[0] <= 10)).collect();
        assert_eq!(left.len(), 2);
        let group: Vec<Option<usize>> = (0..g.face_count()).map(|f| left.contains(&f).then_some(0)).collect();
        let rings = g.group_rings(&group);
        assert_eq!(rings[&0].len(), 1);
        let ring = &rings[&0][0];
        assert_eq!(ring_area2(ring), 400);
        // Six lattice points: the corners plus the two ends of the dissolved middle road.
        assert_eq!(ring.len(), 6);
        assert!(!ring.contains(&[5, 10]));
    }

    #[test]
    fn a_dangling_road_is_a_bridge_until_removed() {
        let mut s = vec![seg([0, 0], [10, 0]), seg([10, 0], [10, 10]), seg([10, 10], [0, 10]), seg([0, 10], [0, 0])];
        s.push(seg([10, 5], [15, 5]));
        let g = match Graph::trace(&node(&s)) {
            Ok(g) => g,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(g.bridges().len(), 1);
    }
}

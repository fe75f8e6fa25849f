//! Bounded multi-source Dijkstra from a snapped point, with partial last edges.
//!
//! A point snapped onto edge `a–b` at fraction `t` with an off-network leg `o` starts two searches
//! at once: node `a` at cost `o + t·L` and node `b` at cost `o + (1 − t)·L`. Nodes are settled up to
//! the budget only. A position on any edge is then reached at the cheaper of its two ends plus the
//! walk along the edge — or, on the source's own edge, directly from the source — so the last edge
//! counts in part ("walk part of the last edge").
//!
//! [`Walker`] keeps its distance array between runs and resets only the nodes it touched, so a
//! thousand searches on a 100,000-node city do not clear a 100,000-entry array a thousand times.

use super::graph::Network;
use super::snap::Snapped;
use geo::Coord;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// What one search reached: the nodes within the budget and their walking distances.
#[derive(Debug, Clone, PartialEq)]
pub struct Reach {
    /// Where the search started.
    pub source: Snapped,
    /// The budget in metres.
    pub budget_m: f64,
    /// `(node, metres)` for every node within the budget, in the order they were settled.
    pub nodes: Vec<(u32, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Item(f64, u32);

impl Eq for Item {}

impl Ord for Item {
    fn cmp(&self, other: &Self) -> Ordering {
        // Min-heap on cost; ties by node id so the order is deterministic.
        other.0.total_cmp(&self.0).then_with(|| other.1.cmp(&self.1))
    }
}

impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A reusable search workspace for one network.
#[derive(Debug, Clone)]
pub struct Walker {
    dist: Vec<f64>,
    touched: Vec<u32>,
    settled: Vec<(u32, f64)>,
    heap: BinaryHeap<Item>,
    source: Option<Snapped>,
    budget_m: f64,
}

impl Walker {
    /// A workspace sized for `net`.
    pub fn new(net: &Network) -> Walker {
        Walker {
            dist: vec![f64::INFINITY; net.node_count()],
            touched: Vec::new(),
            settled: Vec::new(),
            heap: BinaryHeap::new(),
            source: None,
            budget_m: 0.0,
        }
    }

    /// Runs a search from `source` up to `budget_m` metres (the off-network leg included).
    pub fn run(&mut self, net: &Network, source: Snapped, budget_m: f64) {
        for &n in &self.touched {
            self.dist[n as usize] = f64::INFINITY;
        }
        self.touched.clear();
        self.settled.clear();
        self.heap.clear();
        self.source = Some(source);
        self.budget_m = budget_m;
        let e = net.edge(source.edge);
        for (n, cost) in [(e.a, source.off_m + source.t * e.len_m), (e.b, source.off_m + (1.0 - source.t) * e.len_m)] {
            self.relax(n, cost);
        }
        while let Some(Item(d, n)) = self.heap.pop() {
            if d > self.dist[n as usize] {
                continue;
            }
            self.settled.push((n, d));
            for &(m, edge) in net.neighbours(n) {
                self.relax(m, d + net.edge(edge).len_m);
            }
        }
    }

    fn relax(&mut self, n: u32, cost: f64) {
        if cost > self.budget_m || cost >= self.dist[n as usize] {
            return;
        }
        if self.dist[n as usize].is_infinite() {
            self.touched.push(n);
        }
        self.dist[n as usize] = cost;
        self.heap.push(Item(cost, n));
    }

    /// Walking metres to node `n` from the last run, or infinity beyond the budget.
    #[inline]
    pub fn dist(&self, n: u32) -> f64 {
        self.dist[n as usize]
    }

    /// The nodes the last run reached, in settling order.
    pub fn settled(&self) -> &[(u32, f64)] {
        &self.settled
    }

    /// The last run as an owned value.
    pub fn reach(&self) -> Option<Reach> {
        Some(Reach { source: self.source?, budget_m: self.budget_m, nodes: self.settled.clone() })
    }

    /// Walking metres from the last run's source to a point snapped at `target`, its own
    /// off-network leg included; infinity when it cannot be reached within the budget.
    pub fn distance_to(&self, net: &Network, target: &Snapped) -> f64 {
        let Some(src) = self.source else { return f64::INFINITY };
        let e = net.edge(target.edge);
        let mut d = (self.dist(e.a) + target.t * e.len_m).min(self.dist(e.b) + (1.0 - target.t) * e.len_m);
        if target.edge == src.edge {
            d = d.min(src.off_m + (target.t - src.t).abs() * e.len_m);
        }
        let d = d + target.off_m;
        if d <= self.budget_m { d } else { f64::INFINITY }
    }

    /// The pieces of edges (and the source's off-network leg) reachable within `budget_m`
    /// (at most the run's budget), as segments in the network's local frame, metres.
    pub fn pieces(&self, net: &Network, budget_m: f64) -> Vec<[Coord; 2]> {
        let Some(src) = self.source else { return Vec::new() };
        let budget = budget_m.min(self.budget_m);
        let mut out = Vec::new();
        let lerp = |a: Coord, b: Coord, f: f64| a + (b - a) * f;
        for &(n, dn) in &self.settled {
            if dn > budget {
                continue;
            }
            for &(m, edge) in net.neighbours(n) {
                let (p, q) = (net.node_xy(n), net.node_xy(m));
                let len = net.edge(edge).len_m;
                let dm = self.dist(m);
                if dm <= budget {
                    // Both ends reached: handle the edge once, from its lower-numbered end.
                    if n > m {
                        continue;
                    }
                    let (fn_, fm) = (((budget - dn) / len).min(1.0), ((budget - dm) / len).min(1.0));
                    if fn_ + fm >= 1.0 {
                        out.push([p, q]);
                    } else {
                        out.push([p, lerp(p, q, fn_)]);
                        out.push([q, lerp(q, p, fm)]);
                    }
                } else {
                    out.push([p, lerp(p, q, ((budget - dn) / len).clamp(0.0, 1.0))]);
                }
            }
        }
        if src.off_m <= budget {
            let e = net.edge(src.edge);
            let (a, b) = (net.node_xy(e.a), net.node_xy(e.b));
            let r = if e.len_m > 0.0 { (budget - src.off_m) / e.len_m } else { 0.0 };
            out.push([lerp(a, b, (src.t - r).max(0.0)), lerp(a, b, (src.t + r).min(1.0))]);
        }
        out
    }

    /// The source's off-network leg in the local frame (from the snapped point to the source).
    pub fn leg(&self, net: &Network, source_lonlat: Coord) -> Option<[Coord; 2]> {
        let src = self.source?;
        let frame = net.frame();
        Some([frame.project(src.at), frame.project(source_lonlat)])
    }
}

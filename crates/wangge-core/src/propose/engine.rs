//! Dividing the blocks of one community into grids: seeded growth or bisection, then local improvement.
//!
//! See the [module documentation](super) for the method; this file holds the state and the moves.

use std::collections::BTreeSet;

use super::units::Units;

/// How the first division is drawn before local improvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Seeds spread out by farthest-point sampling; regions grow one block at a time, the emptiest first.
    Grow,
    /// Recursive bisection: each region is cut in two across a direction drawn from the seed, the first
    /// part grown along that direction until it holds its share of households.
    Bisect,
}

impl Strategy {
    /// The strategy's identifier in JSON and on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Strategy::Grow => "grow",
            Strategy::Bisect => "bisect",
        }
    }
}

/// What a division is asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Households per grid, inclusive bounds.
    pub bounds: [u64; 2],
    /// Seed of the pseudo-random choices; the same seed gives the same division.
    pub seed: u64,
    /// First division.
    pub strategy: Strategy,
    /// Number of grids; `None` picks the count closest to the middle of the bounds.
    pub grids: Option<usize>,
}

/// A small deterministic generator (SplitMix64): the division must be the same for a seed on every
/// machine and every build, so it does not depend on a library's generator staying unchanged.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed ^ 0x5851_F42D_4C95_7F2D)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An index below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// The grid counts that keep the average within the bounds, best (closest to the middle) first;
/// empty when no whole number of grids fits `total`.
pub fn feasible_counts(total: u64, [lo, hi]: [u64; 2]) -> Vec<usize> {
    if total == 0 || hi == 0 {
        return Vec::new();
    }
    let kmin = total.div_ceil(hi).max(1);
    let kmax = total.checked_div(lo).unwrap_or(kmin + 2);
    let mid = (lo + hi) as f64 / 2.0;
    let mut ks: Vec<usize> = (kmin..=kmax).map(|k| k as usize).collect();
    ks.sort_by(|&a, &b| {
        let da = (total as f64 / a as f64 - mid).abs();
        let db = (total as f64 / b as f64 - mid).abs();
        da.total_cmp(&db).then(a.cmp(&b))
    });
    ks
}

/// Weights of the objective improved by local search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Per share of the middle of the bounds that a grid's households lie outside the bounds.
    pub balance_out: f64,
    /// Per squared share of the middle that a grid's households lie off the middle.
    pub balance_in: f64,
    /// Per unit of 1 − Polsby–Popper.
    pub compact: f64,
    /// Per mean block perimeter of grid boundary not on a strong road.
    pub cut: f64,
}

impl Weights {
    /// For a new division: bounds first, then balance, compactness and roads alike.
    pub const PROPOSE: Weights = Weights { balance_out: 20.0, balance_in: 1.0, compact: 1.0, cut: 1.0 };
    /// For a repair: only what brings grids within bounds, so nothing moves for looks.
    pub const REPAIR: Weights = Weights { balance_out: 20.0, balance_in: 0.0, compact: 0.0, cut: 0.0 };
}

/// Passes of local improvement at most; each pass visits every block once and the search stops as
/// soon as a pass moves nothing, so it always ends.
pub const MAX_PASSES: usize = 60;

/// A move found by [`State::rebalance`]: change of households out of bounds, change of the objective,
/// the block, the region it goes to, and for a swap the block coming back.
type Candidate = (i64, f64, usize, usize, Option<usize>);

/// A division in progress: the region of each block and each region's running sums.
#[derive(Debug, Clone)]
pub struct State<'a> {
    units: &'a Units,
    /// Region of each block.
    pub region: Vec<usize>,
    households: Vec<u64>,
    area: Vec<f64>,
    perimeter: Vec<f64>,
    /// Blocks fixed in their region (a block over the maximum on its own).
    fixed: Vec<bool>,
    /// Regions holding a fixed block: they take no block.
    fixed_region: Vec<bool>,
    /// Blocks per region.
    size: Vec<usize>,
    bounds: [u64; 2],
    target: f64,
    /// Scale of cut lengths: the mean block perimeter.
    cut_scale: f64,
    /// Objective weights.
    weights: Weights,
    /// Regions that may give or take blocks.
    mobile: Vec<bool>,
}

impl<'a> State<'a> {
    /// The state of an assignment of every block to a region `0..k`.
    pub fn new(units: &'a Units, region: Vec<usize>, k: usize, fixed: Vec<bool>, bounds: [u64; 2]) -> State<'a> {
        let mut s = State {
            units,
            households: vec![0; k],
            area: vec![0.0; k],
            perimeter: vec![0.0; k],
            fixed_region: vec![false; k],
            size: vec![0; k],
            region,
            fixed,
            bounds,
            target: (bounds[0] + bounds[1]) as f64 / 2.0,
            cut_scale: 1.0,
            weights: Weights::PROPOSE,
            mobile: vec![true; k],
        };
        let n = units.blocks.len().max(1);
        s.cut_scale = (units.blocks.iter().map(|b| b.perimeter_m).sum::<f64>() / n as f64).max(1.0);
        s.recount();
        s
    }

    /// Sums every region's households, area, perimeter and size again from `region`.
    fn recount(&mut self) {
        let k = self.k();
        self.households = vec![0; k];
        self.area = vec![0.0; k];
        self.perimeter = vec![0.0; k];
        self.fixed_region = vec![false; k];
        self.size = vec![0; k];
        for (b, block) in self.units.blocks.iter().enumerate() {
            let r = self.region[b];
            self.size[r] += 1;
            self.fixed_region[r] |= self.fixed[b];
            self.households[r] += block.households;
            self.area[r] += block.area_m2;
            self.perimeter[r] += block.perimeter_m;
            for &(m, sh) in &self.units.adj[b] {
                if self.region[m] == r {
                    // Each internal edge is seen from both sides; each side removes it once.
                    self.perimeter[r] -= sh.length_m;
                }
            }
        }
    }

    /// The same state improving `weights`, moving blocks only between `mobile` regions.
    pub fn restricted(mut self, weights: Weights, mobile: Vec<bool>) -> State<'a> {
        self.weights = weights;
        self.mobile = mobile;
        self
    }

    /// Number of regions.
    pub fn k(&self) -> usize {
        self.households.len()
    }

    /// Households of each region.
    pub fn households(&self) -> &[u64] {
        &self.households
    }

    fn balance(&self, h: u64) -> f64 {
        let [lo, hi] = self.bounds;
        let t = self.target.max(1.0);
        let out = if h < lo {
            (lo - h) as f64 / t
        } else if h > hi {
            (h - hi) as f64 / t
        } else {
            0.0
        };
        let dev = (h as f64 - self.target) / t;
        self.weights.balance_out * out + self.weights.balance_in * dev * dev
    }

    fn compact(area: f64, perimeter: f64) -> f64 {
        if perimeter <= 0.0 {
            return 0.0;
        }
        1.0 - (4.0 * std::f64::consts::PI * area / (perimeter * perimeter)).min(1.0)
    }

    /// The objective (lower is better): households out of bounds (heavily) and off the middle,
    /// lack of compactness (1 − Polsby–Popper), and the length of grid boundary not on strong roads.
    pub fn objective(&self) -> f64 {
        let mut total = 0.0;
        for r in 0..self.k() {
            total += self.balance(self.households[r])
                + self.weights.compact * Self::compact(self.area[r], self.perimeter[r]);
        }
        let mut cut = 0.0;
        for (b, list) in self.units.adj.iter().enumerate() {
            for &(m, sh) in list {
                if m > b && self.region[m] != self.region[b] {
                    cut += sh.weak_m();
                }
            }
        }
        total + self.weights.cut * cut / self.cut_scale
    }

    /// How the objective changes when block `b` moves to region `to`.
    fn delta(&self, b: usize, to: usize) -> f64 {
        let from = self.region[b];
        let blk = &self.units.blocks[b];
        let (mut to_from, mut to_to, mut cut) = (0.0, 0.0, 0.0);
        for &(m, sh) in &self.units.adj[b] {
            if self.region[m] == from {
                to_from += sh.length_m;
                cut += sh.weak_m();
            } else if self.region[m] == to {
                to_to += sh.length_m;
                cut -= sh.weak_m();
            }
        }
        let (hf, ht) = (self.households[from], self.households[to]);
        let (af, at) = (self.area[from], self.area[to]);
        let (pf, pt) = (self.perimeter[from], self.perimeter[to]);
        let pf2 = pf - blk.perimeter_m + 2.0 * to_from;
        let pt2 = pt + blk.perimeter_m - 2.0 * to_to;
        let c = self.weights.compact;
        let before = self.balance(hf) + self.balance(ht) + c * (Self::compact(af, pf) + Self::compact(at, pt));
        let after = self.balance(hf - blk.households)
            + self.balance(ht + blk.households)
            + c * (Self::compact(af - blk.area_m2, pf2) + Self::compact(at + blk.area_m2, pt2));
        after - before + self.weights.cut * cut / self.cut_scale
    }

    fn apply(&mut self, b: usize, to: usize) {
        let from = self.region[b];
        let blk = &self.units.blocks[b];
        let (mut to_from, mut to_to) = (0.0, 0.0);
        for &(m, sh) in &self.units.adj[b] {
            if self.region[m] == from {
                to_from += sh.length_m;
            } else if self.region[m] == to {
                to_to += sh.length_m;
            }
        }
        self.households[from] -= blk.households;
        self.households[to] += blk.households;
        self.area[from] -= blk.area_m2;
        self.area[to] += blk.area_m2;
        self.perimeter[from] += -blk.perimeter_m + 2.0 * to_from;
        self.perimeter[to] += blk.perimeter_m - 2.0 * to_to;
        self.size[from] -= 1;
        self.size[to] += 1;
        self.region[b] = to;
    }

    /// Whether region `r` stays connected without block `b` (and keeps at least one block).
    fn connected_without(&self, r: usize, b: usize) -> bool {
        let start = self.units.adj[b].iter().map(|&(m, _)| m).find(|&m| self.region[m] == r);
        let Some(start) = start else { return false };
        let members = self.size[r] - 1;
        let mut seen = BTreeSet::from([start]);
        let mut stack = vec![start];
        while let Some(x) = stack.pop() {
            for &(m, _) in &self.units.adj[x] {
                if m != b && self.region[m] == r && seen.insert(m) {
                    stack.push(m);
                }
            }
        }
        seen.len() == members
    }

    /// Local improvement: moves boundary blocks to a neighbouring region while that lowers the
    /// objective and keeps both regions connected, for at most [`MAX_PASSES`] passes. Returns the
    /// number of moves made.
    pub fn improve(&mut self, rng: &mut SplitMix) -> usize {
        let n = self.units.blocks.len();
        let mut order: Vec<usize> = (0..n).collect();
        let mut moves = 0;
        for _ in 0..MAX_PASSES {
            // Fisher–Yates with the seeded generator: the visiting order is part of the seed's result.
            for i in (1..n).rev() {
                order.swap(i, rng.below(i + 1));
            }
            let mut moved = false;
            for &b in &order {
                if self.fixed[b] {
                    continue;
                }
                let from = self.region[b];
                if !self.mobile[from] {
                    continue;
                }
                let best = self
                    .targets(b)
                    .into_iter()
                    .filter(|&t| self.out_change(b, from, t) <= 0)
                    .map(|t| (self.delta(b, t), t))
                    .filter(|(d, _)| *d < -1e-9)
                    .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                if let Some((_, t)) = best
                    && self.connected_without(from, b)
                {
                    self.apply(b, t);
                    moves += 1;
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
        moves
    }

    /// The regions block `b` may move to: its neighbours' regions other than its own that are mobile
    /// and hold no fixed block, in order.
    fn targets(&self, b: usize) -> Vec<usize> {
        let from = self.region[b];
        let mut targets: Vec<usize> = self.units.adj[b]
            .iter()
            .map(|&(m, _)| self.region[m])
            .filter(|&r| r != from && !self.region_fixed(r) && self.mobile[r])
            .collect();
        targets.sort_unstable();
        targets.dedup();
        targets
    }

    /// Whether region `r` holds a fixed block (an oversized block alone, which takes nothing more).
    fn region_fixed(&self, r: usize) -> bool {
        self.fixed_region[r]
    }

    /// Households of `h` outside the bounds.
    fn out(&self, h: u64) -> u64 {
        let [lo, hi] = self.bounds;
        if h < lo { lo - h } else { h.saturating_sub(hi) }
    }

    /// How the households outside the bounds change when block `b` moves from `from` to `to`.
    fn out_change(&self, b: usize, from: usize, to: usize) -> i64 {
        let w = self.units.blocks[b].households;
        let (hf, ht) = (self.households[from], self.households[to]);
        (self.out(hf - w) + self.out(ht + w)) as i64 - (self.out(hf) + self.out(ht)) as i64
    }

    /// Whether region `r` is connected once `gone` leaves it and `added` joins it.
    fn connected_swapped(&self, r: usize, gone: usize, added: usize) -> bool {
        let member = |x: usize| x == added || (x != gone && self.region[x] == r);
        let mut seen = BTreeSet::from([added]);
        let mut stack = vec![added];
        while let Some(x) = stack.pop() {
            for &(m, _) in &self.units.adj[x] {
                if member(m) && seen.insert(m) {
                    stack.push(m);
                }
            }
        }
        seen.len() == self.size[r]
    }

    /// Households outside the bounds, summed over the regions.
    pub fn total_out(&self) -> u64 {
        self.households.iter().map(|&h| self.out(h)).sum()
    }

    /// Evens out lumpy blocks: while some region is out of bounds, moves a boundary block or swaps two
    /// blocks across the boundary of two neighbouring regions (one of them out of bounds) when that
    /// lowers the households outside the bounds, both regions staying connected; of the moves that
    /// lower it most the one with the lowest objective change is taken. At most [`MAX_PASSES`] rounds,
    /// each strictly lowering a whole number, so it always ends. Returns the moves made (a swap
    /// counts two).
    pub fn rebalance(&mut self) -> usize {
        let mut moves = 0;
        for _ in 0..MAX_PASSES {
            if self.total_out() == 0 {
                break;
            }
            // (out change, objective change, block, region) for moves; swaps carry the second block.
            let mut best: Option<Candidate> = None;
            let consider = |best: &mut Option<Candidate>, cand: Candidate| {
                if cand.0 < 0 && best.is_none_or(|b| (cand.0, cand.1) < (b.0, b.1)) {
                    *best = Some(cand);
                }
            };
            let n = self.units.blocks.len();
            for a in 0..n {
                let ra = self.region[a];
                if self.fixed[a] || !self.mobile[ra] || self.size[ra] < 2 {
                    continue;
                }
                for rb in self.targets(a) {
                    if self.out(self.households[ra]) == 0 && self.out(self.households[rb]) == 0 {
                        continue;
                    }
                    let d = self.out_change(a, ra, rb);
                    if d < 0 && self.connected_without(ra, a) {
                        consider(&mut best, (d, self.delta(a, rb), a, rb, None));
                    }
                    // Swaps: `a` to `rb` and a block `b` of `rb` touching `ra` the other way.
                    let wa = self.units.blocks[a].households as i64;
                    let (ha, hb) = (self.households[ra] as i64, self.households[rb] as i64);
                    let before = (self.out(ha as u64) + self.out(hb as u64)) as i64;
                    for b in 0..n {
                        if self.region[b] != rb || self.fixed[b] || self.size[rb] < 2 {
                            continue;
                        }
                        if !self.units.adj[b].iter().any(|&(m, _)| m != a && self.region[m] == ra) {
                            continue;
                        }
                        let wb = self.units.blocks[b].households as i64;
                        let after = (self.out((ha - wa + wb) as u64) + self.out((hb - wb + wa) as u64)) as i64;
                        if after - before >= 0 || best.is_some_and(|x| after - before > x.0) {
                            continue;
                        }
                        if self.connected_swapped(ra, a, b) && self.connected_swapped(rb, b, a) {
                            consider(&mut best, (after - before, 0.0, a, rb, Some(b)));
                        }
                    }
                }
            }
            let Some((_, _, a, rb, swap)) = best else { break };
            let ra = self.region[a];
            match swap {
                None => {
                    self.apply(a, rb);
                    moves += 1;
                }
                Some(b) => {
                    // Two steps through a state that may be briefly disconnected; the end state is not.
                    self.region_swap(a, b, ra, rb);
                    moves += 2;
                }
            }
        }
        moves
    }

    /// Recombination (after ReCom): while some region is out of bounds, merges it with one neighbour,
    /// or two, and splits the union again into as many connected parts along a random spanning tree
    /// ([`TREES`] trees drawn, cut edges chosen so each part lands within the bounds); the split is
    /// taken when it lowers the households outside the bounds, the best-scoring split among the trees
    /// (compactness, balance, weak boundary between the parts). A grid of 554 beside one of 296 that
    /// no single move or swap can even out becomes 425 | 425. At most [`MAX_PASSES`] rounds, each
    /// strictly lowering a whole number, so it always ends. Returns the recombinations made.
    pub fn recombine(&mut self, rng: &mut SplitMix) -> usize {
        let mut made = 0;
        for _ in 0..MAX_PASSES {
            if self.total_out() == 0 {
                break;
            }
            let mut out_regions: Vec<usize> = (0..self.k())
                .filter(|&r| self.out(self.households[r]) > 0 && self.mobile[r] && !self.fixed_region[r])
                .collect();
            out_regions.sort_by_key(|&r| (std::cmp::Reverse(self.out(self.households[r])), r));
            let mut applied = false;
            'search: for r in out_regions {
                for group in self.groups_of(r) {
                    if let Some(parts) = self.split_group(&group, rng) {
                        for (part, &g) in parts.iter().zip(&group) {
                            for &b in part {
                                self.region[b] = g;
                            }
                        }
                        self.recount();
                        made += 1;
                        applied = true;
                        break 'search;
                    }
                }
            }
            if !applied {
                break;
            }
        }
        made
    }

    /// Regions whose blocks may be recombined with those of `r`: each mobile neighbour, then each
    /// connected pair of mobile regions around it; sorted, so the search is deterministic.
    fn groups_of(&self, r: usize) -> Vec<Vec<usize>> {
        let around = |x: usize| -> BTreeSet<usize> {
            let mut out = BTreeSet::new();
            for b in (0..self.region.len()).filter(|&b| self.region[b] == x) {
                for &(m, _) in &self.units.adj[b] {
                    let s = self.region[m];
                    if s != x && self.mobile[s] && !self.fixed_region[s] {
                        out.insert(s);
                    }
                }
            }
            out
        };
        let near = around(r);
        let mut groups: Vec<Vec<usize>> = near.iter().map(|&s| vec![r, s]).collect();
        let mut triples = BTreeSet::new();
        for &s in &near {
            for t in near.iter().copied().chain(around(s)) {
                if t != r && t != s {
                    triples.insert([s.min(t), s.max(t)]);
                }
            }
        }
        groups.extend(triples.into_iter().map(|[s, t]| vec![r, s, t]));
        groups
    }

    /// The best split of the blocks of `group` into `group.len()` connected parts along random
    /// spanning trees, each part paired with the region of `group` it overlaps most; `None` unless it
    /// puts fewer households outside the bounds than the regions do now.
    fn split_group(&self, group: &[usize], rng: &mut SplitMix) -> Option<Vec<Vec<usize>>> {
        let items: Vec<usize> = (0..self.region.len()).filter(|&b| group.contains(&self.region[b])).collect();
        let before: u64 = group.iter().map(|&g| self.out(self.households[g])).sum();
        let mut local = vec![usize::MAX; self.region.len()];
        for (i, &b) in items.iter().enumerate() {
            local[b] = i;
        }
        // Edges with the share of their length on strong roads: trees take weak edges first, so the
        // parts a tree cut leaves tend to meet along roads.
        let mut edges: Vec<(usize, usize, f64)> = Vec::new();
        for (i, &b) in items.iter().enumerate() {
            for &(m, sh) in &self.units.adj[b] {
                let j = local[m];
                if j != usize::MAX && j > i {
                    edges.push((i, j, sh.strength_m / sh.length_m.max(1e-9)));
                }
            }
        }
        let weights: Vec<u64> = items.iter().map(|&b| self.units.blocks[b].households).collect();
        let mut best: Option<(u64, f64, Vec<Vec<usize>>)> = None;
        for _ in 0..TREES {
            let tree = random_tree(items.len(), &edges, rng)?;
            let parts = self.cut_tree(&tree, &weights, group.len(), rng);
            if parts.len() != group.len() {
                continue;
            }
            let out: u64 = parts.iter().map(|p| self.out(p.iter().map(|&i| weights[i]).sum())).sum();
            if best.as_ref().is_some_and(|b| out > b.0) {
                continue;
            }
            let parts: Vec<Vec<usize>> = parts.into_iter().map(|p| p.into_iter().map(|i| items[i]).collect()).collect();
            let score = self.parts_score(&parts);
            if best.as_ref().is_none_or(|b| (out, score) < (b.0, b.1)) {
                best = Some((out, score, parts));
            }
        }
        let (out, _, parts) = best?;
        if out >= before {
            return None;
        }
        // Each part goes to the region of the group it shares most blocks with (a repair keeps codes).
        let mut order: Vec<(usize, usize, usize)> = Vec::new();
        for (p, part) in parts.iter().enumerate() {
            for (gi, &g) in group.iter().enumerate() {
                order.push((part.iter().filter(|&&b| self.region[b] == g).count(), p, gi));
            }
        }
        order.sort_by_key(|&(n, p, gi)| (std::cmp::Reverse(n), p, gi));
        let mut slot: Vec<Option<Vec<usize>>> = vec![None; group.len()];
        let mut used = vec![false; parts.len()];
        for (_, p, gi) in order {
            if !used[p] && slot[gi].is_none() {
                used[p] = true;
                slot[gi] = Some(parts[p].clone());
            }
        }
        slot.into_iter().collect()
    }

    /// Cuts a spanning tree (`tree[i]` = parent of local node `i`, the root its own) into `m` connected
    /// parts: repeatedly the subtree whose households are within the bounds while what remains can
    /// still make the other parts, ties drawn at random. Returns the parts as local indices.
    fn cut_tree(&self, tree: &[usize], weights: &[u64], m: usize, rng: &mut SplitMix) -> Vec<Vec<usize>> {
        let n = tree.len();
        let [lo, hi] = self.bounds;
        let mut alive = vec![true; n];
        // Children (in increasing order, in one flat array: this runs for every tree drawn) and a
        // post-order (children before parents) from the root.
        let root = (0..n).find(|&i| tree[i] == i).unwrap_or(0);
        let children = Children::of(tree, root);
        let mut order = vec![root];
        let mut i = 0;
        while i < order.len() {
            order.extend_from_slice(children.of_node(order[i]));
            i += 1;
        }
        order.reverse();
        let mut parts = Vec::new();
        let mut sub = vec![0u64; n];
        let mut stack = Vec::new();
        for left in (2..=m).rev() {
            sub.fill(0);
            for &x in &order {
                if alive[x] {
                    sub[x] += weights[x];
                    if x != root {
                        sub[tree[x]] += sub[x];
                    }
                }
            }
            let total = sub[root];
            let rest = (left - 1) as u64;
            let miss = |w: u64| {
                let r = total - w;
                self.out(w) + (rest * lo).saturating_sub(r) + r.saturating_sub(rest * hi)
            };
            // The subtrees that miss the bounds least, one drawn at random.
            let cands = || (0..n).filter(|&x| alive[x] && x != root);
            let Some(least) = cands().map(|x| miss(sub[x])).min() else { break };
            let ties = cands().filter(|&x| miss(sub[x]) == least).count();
            let pick = rng.below(ties);
            let Some(c) = cands().filter(|&x| miss(sub[x]) == least).nth(pick) else { break };
            let mut part = Vec::new();
            stack.push(c);
            while let Some(x) = stack.pop() {
                alive[x] = false;
                part.push(x);
                stack.extend(children.of_node(x).iter().copied().filter(|&y| alive[y]));
            }
            parts.push(part);
        }
        parts.push((0..n).filter(|&x| alive[x]).collect());
        parts.retain(|p| !p.is_empty());
        parts
    }

    /// The part of the objective a split of a group changes: balance within the bounds and compactness
    /// of each part, and the weak boundary between the parts.
    /// Scored with [`Weights::PROPOSE`] even in a repair: the parts of a split grid should be compact.
    fn parts_score(&self, parts: &[Vec<usize>]) -> f64 {
        let w = Weights::PROPOSE;
        let mut of = vec![usize::MAX; self.region.len()];
        for (p, part) in parts.iter().enumerate() {
            for &b in part {
                of[b] = p;
            }
        }
        let mut score = 0.0;
        let mut cut = 0.0;
        for (p, part) in parts.iter().enumerate() {
            let (mut h, mut area, mut perimeter) = (0u64, 0.0, 0.0);
            for &b in part {
                let blk = &self.units.blocks[b];
                h += blk.households;
                area += blk.area_m2;
                perimeter += blk.perimeter_m;
                for &(m, sh) in &self.units.adj[b] {
                    let q = of[m];
                    if q == p {
                        perimeter -= sh.length_m;
                    } else if q != usize::MAX && q > p {
                        cut += sh.weak_m();
                    }
                }
            }
            let t = self.target.max(1.0);
            let dev = (h as f64 - self.target) / t;
            score += w.balance_in * dev * dev + w.compact * Self::compact(area, perimeter);
        }
        score + w.cut * cut / self.cut_scale
    }

    /// Swaps block `a` (of `ra`) and block `b` (of `rb`), keeping the running sums right.
    fn region_swap(&mut self, a: usize, b: usize, ra: usize, rb: usize) {
        self.apply(a, rb);
        self.apply(b, ra);
    }
}

/// Spanning trees drawn per group tried by [`State::recombine`].
pub const TREES: usize = 24;

/// A random spanning tree of `n` nodes joined by `edges` (`(a, b, strength)`), as the parent of each
/// node (the root its own); `None` when the nodes are not connected. Kruskal over the edges ordered by
/// a seeded random number plus the edge's road strength (0–1), so weak edges tend to join first and
/// edges along main roads tend to be left out, where a cut of the tree then falls.
fn random_tree(n: usize, edges: &[(usize, usize, f64)], rng: &mut SplitMix) -> Option<Vec<usize>> {
    // Keys drawn in edge order; ties (equal keys) fall to the lower edge index.
    let mut order: Vec<(f64, usize)> = edges.iter().enumerate().map(|(i, e)| (rng.unit() + 2.0 * e.2, i)).collect();
    order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut uf: Vec<usize> = (0..n).collect();
    fn find(uf: &mut [usize], mut x: usize) -> usize {
        while uf[x] != x {
            uf[x] = uf[uf[x]];
            x = uf[x];
        }
        x
    }
    let mut links: Vec<(usize, usize)> = Vec::with_capacity(n.saturating_sub(1));
    for (_, e) in order {
        let (a, b, _) = edges[e];
        let (ra, rb) = (find(&mut uf, a), find(&mut uf, b));
        if ra != rb {
            uf[ra] = rb;
            links.push((a, b));
        }
    }
    if n == 0 || links.len() + 1 != n {
        return None;
    }
    let root = rng.below(n);
    // Tree neighbours in one flat array; a node's parent is the same whatever order they are visited in.
    let mut start = vec![0usize; n + 1];
    for &(a, b) in &links {
        start[a + 1] += 1;
        start[b + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut near = vec![0usize; 2 * links.len()];
    for &(a, b) in &links {
        near[fill[a]] = b;
        fill[a] += 1;
        near[fill[b]] = a;
        fill[b] += 1;
    }
    let mut parent = vec![usize::MAX; n];
    parent[root] = root;
    let mut stack = vec![root];
    while let Some(x) = stack.pop() {
        for &y in &near[start[x]..start[x + 1]] {
            if parent[y] == usize::MAX {
                parent[y] = x;
                stack.push(y);
            }
        }
    }
    Some(parent)
}

/// The children of each node of a rooted tree (given as parents), in increasing order, in one flat
/// array.
struct Children {
    start: Vec<usize>,
    list: Vec<usize>,
}

impl Children {
    fn of(tree: &[usize], root: usize) -> Children {
        let n = tree.len();
        let mut start = vec![0usize; n + 1];
        for (i, &p) in tree.iter().enumerate() {
            if i != root {
                start[p + 1] += 1;
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut list = vec![0usize; n.saturating_sub(1)];
        for (i, &p) in tree.iter().enumerate() {
            if i != root {
                list[fill[p]] = i;
                fill[p] += 1;
            }
        }
        Children { start, list }
    }

    fn of_node(&self, x: usize) -> &[usize] {
        &self.list[self.start[x]..self.start[x + 1]]
    }
}

/// Distance in metres between two lattice points.
fn dist(units: &Units, a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]) * units.metric.kx).hypot((a[1] - b[1]) * units.metric.ky)
}

/// Seeded growth of `k` regions over `items` (one connected set of blocks), starting from `seeds`
/// already chosen for `reserved` regions. Returns the region (0..k, offset by `first`) of each item.
fn grow(units: &Units, items: &[usize], k: usize, target: f64, rng: &mut SplitMix, region: &mut [usize], first: usize) {
    // Farthest-point seeds, the first drawn at random among blocks with households.
    let with_hh: Vec<usize> = items.iter().copied().filter(|&b| units.blocks[b].households > 0).collect();
    let pool = if with_hh.len() >= k { with_hh } else { items.to_vec() };
    let mut seeds = vec![pool[rng.below(pool.len())]];
    while seeds.len() < k && seeds.len() < pool.len() {
        let next = pool
            .iter()
            .copied()
            .filter(|b| !seeds.contains(b))
            .map(|b| {
                let d = seeds
                    .iter()
                    .map(|&s| dist(units, units.blocks[b].centre, units.blocks[s].centre))
                    .fold(f64::MAX, f64::min);
                (d * (0.85 + 0.3 * rng.unit()), b)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        match next {
            Some((_, b)) => seeds.push(b),
            None => break,
        }
    }
    let in_set: BTreeSet<usize> = items.iter().copied().collect();
    let mut hh = vec![0u64; seeds.len()];
    let mut centre: Vec<[f64; 2]> = seeds.iter().map(|&s| units.blocks[s].centre).collect();
    for (r, &s) in seeds.iter().enumerate() {
        region[s] = first + r;
        hh[r] = units.blocks[s].households;
    }
    let mut open = vec![true; seeds.len()];
    let unassigned = |region: &[usize], b: usize| region[b] == usize::MAX;
    loop {
        // The emptiest region still below target with a free neighbour grows next.
        let mut order: Vec<usize> = (0..seeds.len()).filter(|&r| open[r]).collect();
        order.sort_by_key(|&r| (hh[r], r));
        let mut grew = false;
        for r in order {
            if hh[r] as f64 >= target {
                open[r] = false;
                continue;
            }
            let mut best: Option<(f64, usize)> = None;
            for (b, &reg) in region.iter().enumerate() {
                if reg != first + r {
                    continue;
                }
                for &(m, sh) in &units.adj[b] {
                    if !in_set.contains(&m) || !unassigned(region, m) {
                        continue;
                    }
                    let d = dist(units, units.blocks[m].centre, centre[r]);
                    let cost = d - 0.5 * sh.weak_m();
                    if best.is_none_or(|(c, x)| (cost, m) < (c, x)) {
                        best = Some((cost, m));
                    }
                }
            }
            match best {
                Some((_, m)) => {
                    region[m] = first + r;
                    let w = units.blocks[m].households as f64 + 1.0;
                    let w0 = hh[r] as f64 + 1.0;
                    let c = units.blocks[m].centre;
                    centre[r] = [(centre[r][0] * w0 + c[0] * w) / (w0 + w), (centre[r][1] * w0 + c[1] * w) / (w0 + w)];
                    hh[r] += units.blocks[m].households;
                    grew = true;
                    break;
                }
                None => open[r] = false,
            }
        }
        if !grew {
            break;
        }
    }
    fill(units, items, region);
}

/// Gives every block of `items` still unassigned to the neighbouring region with the fewest
/// households, until none is left (every item is connected to an assigned one).
fn fill(units: &Units, items: &[usize], region: &mut [usize]) {
    loop {
        let mut hh: std::collections::BTreeMap<usize, u64> = std::collections::BTreeMap::new();
        for &b in items {
            if region[b] != usize::MAX {
                *hh.entry(region[b]).or_default() += units.blocks[b].households;
            }
        }
        let mut changed = false;
        for &b in items {
            if region[b] != usize::MAX {
                continue;
            }
            let choice = units.adj[b]
                .iter()
                .map(|&(m, _)| region[m])
                .filter(|&r| r != usize::MAX && hh.contains_key(&r))
                .min_by_key(|&r| (hh[&r], r));
            if let Some(r) = choice {
                region[b] = r;
                *hh.entry(r).or_default() += units.blocks[b].households;
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// Splits `items` (connected) into `k` regions by recursive bisection across a seeded direction.
fn bisect(units: &Units, items: &[usize], k: usize, rng: &mut SplitMix, out: &mut Vec<Vec<usize>>) {
    if k <= 1 || items.len() <= 1 {
        out.push(items.to_vec());
        return;
    }
    let k1 = k / 2;
    let total: u64 = items.iter().map(|&b| units.blocks[b].households).sum();
    let share = total as f64 * k1 as f64 / k as f64;
    // A direction near the region's long axis, turned by up to ±30° by the seed.
    let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
    for &b in items {
        let c = units.blocks[b].centre;
        lo = [lo[0].min(c[0]), lo[1].min(c[1])];
        hi = [hi[0].max(c[0]), hi[1].max(c[1])];
    }
    let (w, h) = ((hi[0] - lo[0]) * units.metric.kx, (hi[1] - lo[1]) * units.metric.ky);
    let base = if w >= h { 0.0 } else { std::f64::consts::FRAC_PI_2 };
    let theta = base + (rng.unit() - 0.5) * std::f64::consts::PI / 3.0;
    let key = |b: usize| {
        let c = units.blocks[b].centre;
        c[0] * units.metric.kx * theta.cos() + c[1] * units.metric.ky * theta.sin()
    };
    let in_set: BTreeSet<usize> = items.iter().copied().collect();
    // Grow from the lowest block along the direction, always taking the lowest frontier block.
    let start = items.iter().copied().min_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b))).unwrap_or(items[0]);
    let mut taken = BTreeSet::from([start]);
    let mut acc = units.blocks[start].households as f64;
    let mut frontier: Vec<usize> = Vec::new();
    let push = |frontier: &mut Vec<usize>, taken: &BTreeSet<usize>, b: usize| {
        for &(m, _) in &units.adj[b] {
            if in_set.contains(&m) && !taken.contains(&m) && !frontier.contains(&m) {
                frontier.push(m);
            }
        }
    };
    push(&mut frontier, &taken, start);
    while taken.len() + 1 < items.len() {
        frontier.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(b.cmp(&a)));
        let Some(next) = frontier.pop() else { break };
        let w = units.blocks[next].households as f64;
        if acc + w / 2.0 > share && acc > 0.0 {
            break;
        }
        taken.insert(next);
        acc += w;
        push(&mut frontier, &taken, next);
    }
    let a: Vec<usize> = taken.iter().copied().collect();
    let rest: Vec<usize> = items.iter().copied().filter(|b| !taken.contains(b)).collect();
    // Parts of the rest cut off from each other go to the grown side, which they touch.
    let mut parts = split_components(units, &rest);
    parts.sort_by_key(|p| std::cmp::Reverse((p.iter().map(|&b| units.blocks[b].households).sum::<u64>(), p.len())));
    let mut a = a;
    let b = if parts.is_empty() { Vec::new() } else { parts.remove(0) };
    a.extend(parts.into_iter().flatten());
    a.sort_unstable();
    if b.is_empty() {
        out.push(a);
        return;
    }
    bisect(units, &a, k1, rng, out);
    bisect(units, &b, k - k1, rng, out);
}

/// Connected parts of `items`.
fn split_components(units: &Units, items: &[usize]) -> Vec<Vec<usize>> {
    let set: BTreeSet<usize> = items.iter().copied().collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for &s in items {
        if !seen.insert(s) {
            continue;
        }
        let mut comp = vec![s];
        let mut i = 0;
        while i < comp.len() {
            for &(m, _) in &units.adj[comp[i]] {
                if set.contains(&m) && seen.insert(m) {
                    comp.push(m);
                }
            }
            i += 1;
        }
        comp.sort_unstable();
        out.push(comp);
    }
    out
}

/// Why a grid of a division is not within the bounds. Values, rendered at the faces; every one names
/// its grid (`grid`, the grid's code) and states something that can be checked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Infeasible {
    /// One building holds more households than a grid may: its grid is over the maximum whatever
    /// the division.
    BuildingOverMax {
        /// The grid holding it.
        grid: String,
        /// The building.
        building: String,
        /// Its households.
        households: u64,
        /// The maximum.
        max: u64,
    },
    /// One block holds more households than a grid may, in several buildings, and no straight line
    /// between its buildings cuts it (they overlap across every direction): cutting it would split a
    /// building.
    BlockOverMax {
        /// The grid holding it.
        grid: String,
        /// Buildings in it.
        buildings: Vec<String>,
        /// Their households.
        households: u64,
        /// The maximum.
        max: u64,
    },
    /// No whole number of grids `k` has `k·min ≤ households ≤ k·max` (e.g. 520 with 300–500): the
    /// households of the grid's part of the community (less the grids of oversized buildings or blocks)
    /// cannot all be in grids within the bounds.
    NoFeasibleCount {
        /// A grid of that part out of bounds.
        grid: String,
        /// Households to divide.
        households: u64,
        /// The bounds.
        min: u64,
        /// The bounds.
        max: u64,
    },
    /// A part of the community not connected to the rest by blocks holds fewer households than a grid's
    /// minimum; it cannot be a grid of its own within the bounds, so it joins the nearest grid, which
    /// then has several parts.
    DetachedPart {
        /// The grid it is in.
        grid: String,
        /// Its households.
        households: u64,
        /// The minimum.
        min: u64,
    },
    /// None of the reasons above holds, yet the search found no division with this grid within the
    /// bounds (not a proof that none exists).
    NotFound {
        /// The grid.
        grid: String,
        /// Its households.
        households: u64,
        /// The bounds.
        min: u64,
        /// The bounds.
        max: u64,
    },
}

impl Infeasible {
    /// The grid the reason is about.
    pub fn grid(&self) -> &str {
        match self {
            Infeasible::BuildingOverMax { grid, .. }
            | Infeasible::BlockOverMax { grid, .. }
            | Infeasible::NoFeasibleCount { grid, .. }
            | Infeasible::DetachedPart { grid, .. }
            | Infeasible::NotFound { grid, .. } => grid,
        }
    }

    /// Whether the reason proves the grid cannot be within the bounds (everything but
    /// [`Infeasible::NotFound`]).
    pub fn proven(&self) -> bool {
        !matches!(self, Infeasible::NotFound { .. })
    }
}

/// One division of the blocks.
#[derive(Debug, Clone)]
pub struct Division {
    /// Region of each block, `0..regions`.
    pub region: Vec<usize>,
    /// Number of regions.
    pub regions: usize,
    /// Objective value after improvement (lower is better).
    pub objective: f64,
    /// Local-improvement moves made.
    pub moves: usize,
}

/// Blocks over `hi` households: each is a grid of its own and takes nothing more (fixed).
pub(crate) fn oversized(units: &Units, hi: u64) -> Vec<bool> {
    units.blocks.iter().map(|blk| blk.households > hi).collect()
}

/// Splits `items` into `k` parts by seeded recursive bisection (see [`Strategy::Bisect`]).
pub(crate) fn bisect_into(units: &Units, items: &[usize], k: usize, rng: &mut SplitMix, out: &mut Vec<Vec<usize>>) {
    bisect(units, items, k, rng, out);
}

/// Divides the blocks of `units` into grids; why a grid is still out of bounds is told afterwards
/// ([`super::explain`]). Deterministic for `params`.
pub fn divide(units: &Units, params: &Params) -> Division {
    let [lo, hi] = params.bounds;
    let mut rng = SplitMix::new(params.seed);
    let n = units.blocks.len();
    // Blocks over the maximum are grids of their own, fixed.
    let fixed = oversized(units, hi);
    let comp = units.components();
    let ncomp = comp.iter().copied().max().map_or(0, |m| m + 1);
    let mut region = vec![usize::MAX; n];
    let mut next_region = 0;
    let mut detached: Vec<Vec<usize>> = Vec::new();
    let mut comp_hh: Vec<(u64, usize)> =
        (0..ncomp).map(|c| ((0..n).filter(|&b| comp[b] == c).map(|b| units.blocks[b].households).sum(), c)).collect();
    comp_hh.sort_by(|a, b| b.cmp(a));
    for (rank, &(h, c)) in comp_hh.iter().enumerate() {
        let items: Vec<usize> = (0..n).filter(|&b| comp[b] == c).collect();
        if rank > 0 && h < lo.max(1) {
            detached.push(items);
            continue;
        }
        // Fixed blocks first: each its own region.
        let mut free_hh = h;
        for &b in &items {
            if fixed[b] {
                region[b] = next_region;
                next_region += 1;
                free_hh -= units.blocks[b].households;
            }
        }
        let free: Vec<usize> = items.iter().copied().filter(|&b| !fixed[b]).collect();
        if free.is_empty() {
            continue;
        }
        let counts = feasible_counts(free_hh, params.bounds);
        let k = if rank == 0 && params.grids.is_some() {
            params.grids.unwrap_or(1)
        } else {
            match counts.first() {
                Some(&k) => k,
                None => {
                    let mid = ((lo + hi) as f64 / 2.0).max(1.0);
                    ((free_hh as f64 / mid).round() as usize).max(1)
                }
            }
        };
        // Fixed blocks may cut the free blocks into parts; each part is divided on its own share.
        let parts = split_components(units, &free);
        let mut remaining_k = k.max(1);
        let mut parts: Vec<(u64, Vec<usize>)> =
            parts.into_iter().map(|p| (p.iter().map(|&b| units.blocks[b].households).sum(), p)).collect();
        parts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let nparts = parts.len();
        for (i, (ph, part)) in parts.into_iter().enumerate() {
            let kp = if i + 1 == nparts {
                remaining_k.max(1)
            } else {
                (((ph as f64 / free_hh.max(1) as f64) * k as f64).round() as usize)
                    .clamp(1, remaining_k.saturating_sub(1).max(1))
            };
            remaining_k = remaining_k.saturating_sub(kp).max(1);
            if ph == 0 && next_region > 0 {
                // A part with nobody in it (a park between big blocks) joins a neighbouring grid.
                continue;
            }
            let kp = kp.min(part.len());
            match params.strategy {
                Strategy::Grow => {
                    let target = ph as f64 / kp as f64;
                    grow(units, &part, kp, target, &mut rng, &mut region, next_region);
                }
                Strategy::Bisect => {
                    let mut out = Vec::new();
                    bisect(units, &part, kp, &mut rng, &mut out);
                    for (r, set) in out.iter().enumerate() {
                        for &b in set {
                            region[b] = next_region + r;
                        }
                    }
                }
            }
            next_region = region.iter().filter(|&&r| r != usize::MAX).max().map_or(next_region, |m| m + 1);
        }
        let all: Vec<usize> = items.clone();
        fill(units, &all, &mut region);
    }
    if next_region == 0 {
        // Nothing had households to grow from: one grid of everything.
        for r in region.iter_mut() {
            *r = 0;
        }
        detached.clear();
    }
    // Detached small parts join the region whose centre is nearest.
    for part in detached {
        let c = units.blocks[part[0]].centre;
        let joined = (0..n)
            .filter(|&b| region[b] != usize::MAX)
            .min_by(|&x, &y| {
                dist(units, units.blocks[x].centre, c)
                    .total_cmp(&dist(units, units.blocks[y].centre, c))
                    .then(x.cmp(&y))
            })
            .map_or(0, |b| region[b]);
        for &b in &part {
            region[b] = joined;
        }
    }
    // Anything still unassigned (should not happen) goes to region 0 rather than being lost.
    for r in region.iter_mut() {
        if *r == usize::MAX {
            *r = 0;
        }
    }
    // Renumber regions densely.
    let used: BTreeSet<usize> = region.iter().copied().collect();
    let map: std::collections::BTreeMap<usize, usize> = used.iter().enumerate().map(|(i, &r)| (r, i)).collect();
    for r in region.iter_mut() {
        *r = map[r];
    }
    let k = used.len();
    let mut state = State::new(units, region, k, fixed, params.bounds);
    let mut moves = state.improve(&mut rng);
    if state.total_out() > 0 {
        moves += state.rebalance();
        moves += state.improve(&mut rng);
    }
    if state.total_out() > 0 && state.recombine(&mut rng) > 0 {
        moves += state.improve(&mut rng);
    }
    let objective = state.objective();
    let region = state.region.clone();
    Division { region, regions: k, objective, moves }
}

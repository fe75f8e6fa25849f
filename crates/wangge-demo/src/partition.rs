//! Grouping pieces into contiguous, household-balanced regions: streets, communities, grids.
//!
//! A region is split in two by growing one side over piece adjacency from its low end along an axis,
//! lowest first, until it holds its share of households; pieces of the other side cut off from the rest
//! are then handed over, so both sides stay contiguous where the geometry allows. Repeating the split
//! (recursive bisection) yields any number of regions.

use std::collections::{BTreeMap, BTreeSet};

use super::households::Piece;
use wangge_core::planar::rings::Metric;

/// Pieces with their adjacency, the input of every split.
pub struct Units<'a> {
    /// The pieces.
    pub pieces: &'a [Piece],
    /// Neighbours of each piece, sorted.
    pub adj: Vec<Vec<usize>>,
    /// Scale used to pick the longer axis of a region.
    pub metric: Metric,
}

impl<'a> Units<'a> {
    /// Builds piece adjacency from face adjacency (`face_piece[f]` is the piece of face `f`).
    pub fn new(pieces: &'a [Piece], face_adjacency: &BTreeMap<(usize, usize), f64>, metric: Metric) -> Units<'a> {
        let mut face_piece = BTreeMap::new();
        for (i, p) in pieces.iter().enumerate() {
            for &f in &p.faces {
                face_piece.insert(f, i);
            }
        }
        let mut adj = vec![BTreeSet::new(); pieces.len()];
        for &(f, g) in face_adjacency.keys() {
            if let (Some(&a), Some(&b)) = (face_piece.get(&f), face_piece.get(&g)) {
                adj[a].insert(b);
            }
        }
        // Faces of one piece are neighbours too; a piece is not its own neighbour.
        for (i, set) in adj.iter_mut().enumerate() {
            set.remove(&i);
        }
        Units { pieces, adj: adj.into_iter().map(|s| s.into_iter().collect()).collect(), metric }
    }

    /// Total households of `items`.
    pub fn weight(&self, items: &[usize]) -> u64 {
        items.iter().map(|&i| u64::from(self.pieces[i].households)).sum()
    }

    /// Connected components of `items` under adjacency, heaviest first.
    pub fn components(&self, items: &[usize]) -> Vec<Vec<usize>> {
        let set: BTreeSet<usize> = items.iter().copied().collect();
        let mut seen = BTreeSet::new();
        let mut comps = Vec::new();
        for &start in &set {
            if !seen.insert(start) {
                continue;
            }
            let mut comp = vec![start];
            let mut k = 0;
            while k < comp.len() {
                for &n in &self.adj[comp[k]] {
                    if set.contains(&n) && seen.insert(n) {
                        comp.push(n);
                    }
                }
                k += 1;
            }
            comp.sort_unstable();
            comps.push(comp);
        }
        comps.sort_by(|a, b| self.weight(b).cmp(&self.weight(a)).then(b.len().cmp(&a.len())).then(a.cmp(b)));
        comps
    }

    /// Hands the minor components of `from` over to `to` (they touch `to` if the whole is contiguous).
    pub fn make_contiguous(&self, from: &mut Vec<usize>, to: &mut Vec<usize>) {
        let mut comps = self.components(from);
        if comps.len() > 1 {
            *from = comps.remove(0);
            to.extend(comps.into_iter().flatten());
            to.sort_unstable();
        }
    }

    /// The longer axis (0 = east–west, 1 = north–south) of the items' points, in metres.
    fn long_axis(&self, items: &[usize]) -> usize {
        let (mut lo, mut hi) = ([i64::MAX; 2], [i64::MIN; 2]);
        for &i in items {
            let p = self.pieces[i].point;
            lo = [lo[0].min(p[0]), lo[1].min(p[1])];
            hi = [hi[0].max(p[0]), hi[1].max(p[1])];
        }
        let w = (hi[0] - lo[0]) as f64 * self.metric.kx;
        let h = (hi[1] - lo[1]) as f64 * self.metric.ky;
        usize::from(h > w)
    }

    /// Splits `items` in two: the first part grown from the low end of `axis` (the longer one if `None`)
    /// until it holds about `share` of the households.
    pub fn split_two(&self, items: &[usize], share: f64, axis: Option<usize>) -> (Vec<usize>, Vec<usize>) {
        let axis = axis.unwrap_or_else(|| self.long_axis(items));
        let key = |i: usize| (self.pieces[i].point[axis], i);
        let target = self.weight(items) as f64 * share;
        let mut rest: BTreeSet<(i64, usize)> = items.iter().map(|&i| key(i)).collect();
        let mut frontier: BTreeSet<(i64, usize)> = BTreeSet::new();
        let mut grown = Vec::new();
        let mut acc = 0.0;
        while rest.len() > 1 {
            let next = match frontier.pop_first() {
                Some(k) => k,
                None => match rest.first() {
                    Some(&k) => k,
                    None => break,
                },
            };
            let w = f64::from(self.pieces[next.1].households);
            if !grown.is_empty() && acc + w / 2.0 > target {
                break;
            }
            rest.remove(&next);
            grown.push(next.1);
            acc += w;
            for &n in &self.adj[next.1] {
                if rest.contains(&key(n)) {
                    frontier.insert(key(n));
                }
            }
        }
        grown.sort_unstable();
        let mut other: Vec<usize> = rest.into_iter().map(|k| k.1).collect();
        other.sort_unstable();
        self.make_contiguous(&mut other, &mut grown);
        (grown, other)
    }

    /// Splits `items` into `k` regions of about equal households by recursive bisection.
    pub fn bisect(&self, items: &[usize], k: usize) -> Vec<Vec<usize>> {
        if k <= 1 || items.len() <= 1 {
            return vec![items.to_vec()];
        }
        let k1 = k / 2;
        let (a, b) = self.split_two(items, k1 as f64 / k as f64, None);
        let mut out = self.bisect(&a, k1);
        out.extend(self.bisect(&b, k - k1));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row of `n` pieces, each adjacent to the next, each with `w` households.
    fn row(n: usize, w: u32) -> Vec<Piece> {
        (0..n).map(|i| Piece { faces: vec![i], households: w, point: [i as i64 * 100, 0], area_m2: 1.0 }).collect()
    }

    fn chain(n: usize) -> BTreeMap<(usize, usize), f64> {
        (1..n).flat_map(|i| [((i - 1, i), 1.0), ((i, i - 1), 1.0)]).collect()
    }

    #[test]
    fn bisection_gives_balanced_contiguous_regions() {
        let pieces = row(12, 100);
        let u = Units::new(&pieces, &chain(12), Metric { kx: 1.0, ky: 1.0 });
        let parts = u.bisect(&(0..12).collect::<Vec<_>>(), 3);
        assert_eq!(parts.len(), 3);
        for p in &parts {
            assert_eq!(u.weight(p), 400);
            assert_eq!(u.components(p).len(), 1);
        }
    }

    #[test]
    fn cut_off_pieces_are_handed_to_the_other_side() {
        let pieces = row(5, 100);
        let u = Units::new(&pieces, &chain(5), Metric { kx: 1.0, ky: 1.0 });
        let (mut a, mut b) = (vec![0, 1, 4], vec![2, 3]);
        u.make_contiguous(&mut a, &mut b);
        assert_eq!((a, b), (vec![0, 1], vec![2, 3, 4]));
    }
}

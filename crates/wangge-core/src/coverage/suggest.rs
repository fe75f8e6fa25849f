//! Where to add centres: pick K candidate sites that together reach the most uncovered households.
//!
//! This is the maximal covering location problem, which is NP-hard; wangge solves it **greedily**:
//! each round takes the candidate with the largest marginal gain (households it reaches that no
//! existing centre and no earlier pick reaches), ties to the lower candidate index. Coverage is a
//! submodular function, so the greedy choice is within a factor 1 − 1/e ≈ 63 % of the optimum and
//! the marginal gains it reports never increase from one pick to the next. Picking stops early when
//! no candidate adds anything.

use super::compute::{Coverage, Params, homes_within};
use super::context::{Context, Site};
use crate::network::Walker;

/// One chosen site.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    /// Index into the candidate list.
    pub candidate: usize,
    /// The site.
    pub site: Site,
    /// Households it adds.
    pub gain_households: u64,
    /// Homes it adds (ids), ascending.
    pub homes: Vec<u32>,
}

/// For every candidate: the homes not yet covered by `cov` that it would reach.
pub fn uncovered_reach(ctx: &Context, cov: &Coverage, candidates: &[Site], params: &Params) -> Vec<Vec<u32>> {
    let mut walker = Walker::new(&ctx.net);
    candidates
        .iter()
        .map(|site| {
            let (_, homes) = homes_within(ctx, &mut walker, site, params);
            homes.into_iter().map(|(h, _)| h).filter(|&h| !cov.is_covered(h)).collect()
        })
        .collect()
}

/// Greedy maximal covering over sets of homes weighted by households: up to `k` picks of
/// `(candidate, gain, homes added)`.
pub fn greedy(sets: &[Vec<u32>], weight: impl Fn(u32) -> u64, k: usize) -> Vec<(usize, u64, Vec<u32>)> {
    let mut taken: std::collections::HashSet<u32> = std::collections::HashSet::new();
    let mut used = vec![false; sets.len()];
    let mut out = Vec::new();
    for _ in 0..k {
        let mut best: Option<(usize, u64)> = None;
        for (i, set) in sets.iter().enumerate() {
            if used[i] {
                continue;
            }
            let gain: u64 = set.iter().filter(|h| !taken.contains(h)).map(|&h| weight(h)).sum();
            if gain > 0 && best.is_none_or(|(_, g)| gain > g) {
                best = Some((i, gain));
            }
        }
        let Some((i, gain)) = best else { break };
        used[i] = true;
        let mut added: Vec<u32> = sets[i].iter().copied().filter(|h| taken.insert(*h)).collect();
        added.sort_unstable();
        added.dedup();
        out.push((i, gain, added));
    }
    out
}

/// Picks up to `k` of `candidates` greedily (see the module documentation).
pub fn suggest(ctx: &Context, cov: &Coverage, candidates: &[Site], k: usize) -> Vec<Pick> {
    let sets = uncovered_reach(ctx, cov, candidates, &cov.params);
    greedy(&sets, |h| ctx.homes[h as usize].households, k)
        .into_iter()
        .map(|(i, gain, homes)| Pick { candidate: i, site: candidates[i].clone(), gain_households: gain, homes })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_gains_do_not_increase_and_match_brute_force_for_one_pick() {
        let sets = vec![vec![0, 1, 2], vec![2, 3], vec![3, 4, 5, 6], vec![0, 6], vec![]];
        let w = |h: u32| [5u64, 1, 1, 7, 2, 2, 3][h as usize];
        let picks = greedy(&sets, w, 4);
        assert!(picks.windows(2).all(|p| p[0].1 >= p[1].1));
        let best_single = sets.iter().map(|s| s.iter().map(|&h| w(h)).sum::<u64>()).max().unwrap();
        assert_eq!(picks[0].1, best_single);
        assert!(picks.iter().all(|p| p.0 != 4), "an empty set adds nothing and is never picked");
    }
}

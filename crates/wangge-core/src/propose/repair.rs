//! Repair mode: the smallest change to an existing grid layer that brings grids out of bounds within
//! them. Grids within bounds that need not give or take blocks stay exactly as they are.
//!
//! 1. The blocks are formed with the existing grid outlines cut in ([`Units::build_cut`]), so each
//!    block lies in one grid and an untouched grid is exactly its blocks.
//! 2. A grid over the maximum is split by seeded bisection into the fewest parts that can be within
//!    bounds (the first part keeps its code, the others get new codes); one that no whole number of
//!    grids fits (516 with 300–500) is left whole to give blocks to a neighbour in step 4.
//! 3. A grid under the minimum merges into the neighbour with the fewest households with which it stays
//!    within the maximum (the neighbour keeps its code); the smallest such grid first, repeatedly.
//! 4. What is still out of bounds is evened out by moving blocks, swapping two, or recombining a grid
//!    with one or two neighbours along a random spanning tree ([`State::recombine`]), only among the
//!    grids that were out of bounds, their new parts and their neighbours as they were, and only when
//!    that lowers the households outside the bounds ([`Weights::REPAIR`]). Grids farther away are
//!    never changed.

use std::collections::BTreeSet;

use super::engine::{SplitMix, State, Weights, bisect_into, feasible_counts, oversized};
use super::units::Units;

/// A repaired division.
#[derive(Debug, Clone)]
pub struct Repair {
    /// Region of each block, `0..regions`.
    pub region: Vec<usize>,
    /// Number of regions.
    pub regions: usize,
    /// For each region, the existing grid (index in the input) whose code it keeps.
    pub keeps: Vec<Option<usize>>,
    /// For each region, whether its blocks differ from those of the grid whose code it keeps.
    pub changed: Vec<bool>,
    /// Existing grids merged into a neighbour (their codes disappear).
    pub merged: Vec<usize>,
    /// Local-improvement moves made.
    pub moves: usize,
}

/// Repairs the division `current` (existing grid index of each block, `0..k`).
pub fn repair(units: &Units, current: &[usize], k: usize, bounds: [u64; 2], seed: u64) -> Repair {
    // Worked on coarse units within each grid, answered per block.
    let (coarse, atom) = units.coarsen(Some(current));
    let mut coarse_current = vec![0; coarse.blocks.len()];
    for (b, &a) in atom.iter().enumerate() {
        coarse_current[a] = current[b];
    }
    let (units, current) = (&coarse, &coarse_current[..]);
    let [lo, hi] = bounds;
    let mut rng = SplitMix::new(seed);
    let n = units.blocks.len();
    let fixed = oversized(units, hi);
    let mut region = current.to_vec();
    let mut keeps: Vec<Option<usize>> = (0..k).map(Some).collect();
    let mut alive = vec![true; k];
    let hh = |region: &[usize], r: usize| -> u64 {
        (0..n).filter(|&b| region[b] == r).map(|b| units.blocks[b].households).sum()
    };
    // The existing grids a repair may change: those out of bounds and their neighbours.
    let mut needed: Vec<bool> = (0..k).map(|r| !(lo..=hi).contains(&hh(&region, r))).collect();
    let out_now = needed.clone();
    for b in 0..n {
        if out_now[region[b]] {
            for &(m, _) in &units.adj[b] {
                needed[region[m]] = true;
            }
        }
    }
    // Splits.
    for r in 0..k {
        let items: Vec<usize> = (0..n).filter(|&b| region[b] == r).collect();
        let h = hh(&region, r);
        if h <= hi || items.len() < 2 || items.iter().any(|&b| fixed[b]) {
            continue;
        }
        // A grid of 516 cannot make two of 300: it sheds households to a neighbour (step 4) instead.
        let Some(m) = feasible_counts(h, bounds).into_iter().min() else { continue };
        let m = m.min(items.len());
        if m < 2 {
            continue;
        }
        let mut parts = Vec::new();
        bisect_into(units, &items, m, &mut rng, &mut parts);
        for part in parts.into_iter().skip(1) {
            let id = keeps.len();
            keeps.push(None);
            alive.push(true);
            for b in part {
                region[b] = id;
            }
        }
    }
    // Merges, the smallest grid first, each into its lightest neighbour that keeps it within bounds.
    let mut merged = Vec::new();
    let mut stuck = BTreeSet::new();
    for _ in 0..keeps.len() {
        let sizes: Vec<u64> = (0..keeps.len()).map(|r| hh(&region, r)).collect();
        let small = (0..keeps.len())
            .filter(|&r| alive[r] && sizes[r] < lo && !stuck.contains(&r))
            .min_by_key(|&r| (sizes[r], r));
        let Some(r) = small else { break };
        let mut neighbours: Vec<usize> = (0..n)
            .filter(|&b| region[b] == r)
            .flat_map(|b| units.adj[b].iter().map(|&(m, _)| region[m]))
            .filter(|&s| s != r && alive[s] && sizes[r] + sizes[s] <= hi)
            .collect();
        neighbours.sort_unstable();
        neighbours.dedup();
        let Some(s) = neighbours.into_iter().min_by_key(|&s| (sizes[s], s)) else {
            stuck.insert(r);
            continue;
        };
        for x in region.iter_mut() {
            if *x == r {
                *x = s;
            }
        }
        alive[r] = false;
        if let Some(old) = keeps[r] {
            // The survivor keeps its own code; a merged new part simply disappears.
            merged.push(old);
        }
    }
    // Renumber the living regions densely.
    let used: Vec<usize> = (0..keeps.len()).filter(|&r| alive[r] && region.contains(&r)).collect();
    let mut map = vec![usize::MAX; keeps.len()];
    for (i, &r) in used.iter().enumerate() {
        map[r] = i;
    }
    let region: Vec<usize> = region.iter().map(|&r| map[r]).collect();
    let keeps2: Vec<Option<usize>> = used.iter().map(|&r| keeps[r]).collect();
    let kk = used.len();
    // Blocks move only among the grids out of bounds, their parts and their neighbours as they were.
    let mobile: Vec<bool> = keeps2.iter().map(|k| k.is_none_or(|old| needed[old])).collect();
    let mut state = State::new(units, region, kk, fixed, bounds).restricted(Weights::REPAIR, mobile);
    let mut moves = state.improve(&mut rng);
    // Lumpy blocks: even out by moves and swaps, then by recombining a grid with its neighbours.
    if state.total_out() > 0 {
        moves += state.rebalance();
    }
    if state.total_out() > 0 && state.recombine(&mut rng) > 0 {
        moves += state.improve(&mut rng);
    }
    let region = state.region.clone();
    let changed: Vec<bool> = (0..kk)
        .map(|r| match keeps2[r] {
            None => true,
            Some(old) => (0..n).any(|b| (region[b] == r) != (current[b] == old)),
        })
        .collect();
    Repair { region: atom.iter().map(|&a| region[a]).collect(), regions: kk, keeps: keeps2, changed, merged, moves }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::propose::units::{BuildingInput, RoadInput};
    use geo::{Coord, Geometry, LineString, Polygon};

    /// A row of 8 blocks (a road between each two), 100 households each; grids given by `cuts`.
    fn row(counts: [u64; 8]) -> Units {
        let (x0, y0, d) = (114.0, 22.5, 0.001);
        let rect = |a: f64, b: f64| {
            Geometry::Polygon(Polygon::new(
                LineString::from(vec![(a, y0), (b, y0), (b, y0 + d), (a, y0 + d), (a, y0)]),
                vec![],
            ))
        };
        let community = rect(x0, x0 + 8.0 * d);
        let roads: Vec<Vec<Coord<f64>>> = (1..8)
            .map(|i| vec![Coord { x: x0 + i as f64 * d, y: y0 - d }, Coord { x: x0 + i as f64 * d, y: y0 + 2.0 * d }])
            .collect();
        let inputs: Vec<RoadInput> = roads.iter().map(|c| RoadInput { highway: "residential", coords: c }).collect();
        let buildings: Vec<BuildingInput> = (0..8)
            .map(|i| BuildingInput {
                code: format!("B{i}"),
                households: counts[i],
                residents: None,
                point: Coord { x: x0 + (i as f64 + 0.5) * d, y: y0 + 0.5 * d },
                footprint: None,
            })
            .collect();
        Units::build(&community, &inputs, &buildings).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Existing grid of each block, by the blocks' west→east order and grid widths.
    fn assign(units: &Units, widths: &[usize]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..units.blocks.len()).collect();
        order.sort_by(|&a, &b| units.blocks[a].centre[0].total_cmp(&units.blocks[b].centre[0]));
        let mut out = vec![0; order.len()];
        let mut i = 0;
        for (g, &w) in widths.iter().enumerate() {
            for _ in 0..w {
                out[order[i]] = g;
                i += 1;
            }
        }
        out
    }

    #[test]
    fn recombination_evens_out_two_neighbouring_grids_and_keeps_them_connected() {
        let units = row([100; 8]);
        // Grids of 600 and 200: recombining the two along a spanning tree of the row gives 500 | 300,
        // 400 | 400 or 300 | 500, each part a run of neighbouring blocks.
        let current = assign(&units, &[6, 2]);
        let mut state = State::new(&units, current, 2, vec![false; 8], [300, 500]);
        assert_eq!(state.total_out(), 200, "100 over and 100 under");
        assert_eq!(state.recombine(&mut SplitMix::new(5)), 1);
        assert_eq!(state.total_out(), 0, "{:?}", state.households());
        let mut order: Vec<usize> = (0..8).collect();
        order.sort_by(|&a, &b| units.blocks[a].centre[0].total_cmp(&units.blocks[b].centre[0]));
        let runs = order.windows(2).filter(|w| state.region[w[0]] != state.region[w[1]]).count();
        assert_eq!(runs, 1, "each grid one run of blocks: {:?}", state.region);
    }

    #[test]
    fn an_oversized_grid_is_split_and_a_small_one_merged_leaving_the_rest_alone() {
        let units = row([100; 8]);
        // Grids of 400, 100 (too small) and 300: the small one merges into the 300.
        let current = assign(&units, &[4, 1, 3]);
        let r = repair(&units, &current, 3, [300, 500], 1);
        let sizes: Vec<u64> = (0..r.regions)
            .map(|g| (0..8).filter(|&b| r.region[b] == g).map(|b| units.blocks[b].households).sum())
            .collect();
        assert!(sizes.iter().all(|&s| (300..=500).contains(&s)), "{sizes:?}");
        assert_eq!(r.merged.len(), 1, "{r:?}");
        // Grid 0 (400, within bounds) did not have to change unless it took the small one.
        let unchanged = (0..r.regions).filter(|&g| !r.changed[g]).count();
        assert!(unchanged >= 1, "{r:?}");

        let current = assign(&units, &[8]);
        let r = repair(&units, &current, 1, [300, 500], 1);
        assert_eq!(r.regions, 2, "800 households split into two grids of 400: {r:?}");
        assert_eq!(r.keeps, vec![Some(0), None]);
        assert!(r.changed.iter().all(|&c| c));
    }
}

//! Proposing grids: dividing one community along its roads into grids of balanced households that are
//! compact, contiguous and cover it exactly, coded by DB11/T 2157-2023.
//!
//! # Units
//! [`units`] turns the community and the imported road network into blocks (faces of the noded roads
//! clipped to the community outline), puts each building's households into the block holding its
//! interior point, and weighs each pair of neighbouring blocks by the road between them (a main road
//! is a strong boundary, a footpath a weak one, no road none). Grids are unions of whole blocks, so
//! they tile the community exactly and keep buildings whole. Blocks are cut only as far as the bounds
//! need ([`cut_as_needed`], [`cut_levels`]): first only those over the maximum, then those over the
//! middle of the bounds around the grids still out of bounds, then everywhere, and finally those over
//! half the minimum; each cut is a straight chord between the block's buildings ([`cut`],
//! [`units::Units::build_cut`]), again until it is under or no line separates its buildings. Chords are
//! no roads, so a grid boundary on one counts as off-road; of the divisions equally within bounds the
//! one with the larger sum of mean Polsby–Popper and boundary-on-roads share is kept, and at equal
//! scores the one on the fewer cuts.
//!
//! # Method
//! 1. **Count.** With `H` households and bounds `[lo, hi]`, every `k` with `⌈H/hi⌉ ≤ k ≤ ⌊H/lo⌋`
//!    keeps the mean within bounds; the one whose mean is nearest `(lo + hi)/2` is used (or the one
//!    asked for). A block still over `hi` (one building of 800 households) becomes a grid by itself;
//!    when no `k` fits (520 households with 300–500) the nearest count is used. Parts of the community
//!    not joined to the rest by blocks are divided on their own if they hold a grid's minimum, otherwise
//!    they join the nearest grid. All of these are reported (step 6).
//! 2. **First division**, one of two [`engine::Strategy`]s, both driven by a seeded SplitMix64 generator:
//!    *grow* — `k` seeds spread by farthest-point sampling (the first drawn at random, later ones
//!    jittered ±15 %), then the region with the fewest households repeatedly takes the neighbouring free
//!    block nearest its centre, preferring blocks across weak boundaries, until it reaches its share;
//!    *bisect* — recursive bisection across a direction within ±30° of the region's long axis, one side
//!    grown block by block along that direction until it holds its share, pieces of the other side cut
//!    off from it handed over so both stay contiguous.
//! 3. **Local improvement.** Boundary blocks move to a neighbouring grid while that lowers
//!    `Σ 20·out(h)/T + ((h − T)/T)² + (1 − PP) + weak_cut/L` (`out` = households outside the bounds,
//!    `T` = the middle of the bounds, `PP` = Polsby–Popper `4πA/P²` of the grid, `weak_cut` = length of
//!    grid boundary times (1 − road strength), `L` = the mean block perimeter) and the grid it leaves
//!    stays connected, and never when that puts more households outside the bounds. Passes visit blocks
//!    in a seeded order and stop when a pass moves nothing or after [`engine::MAX_PASSES`]; nothing loops
//!    on an impossible case. While a grid is still out of bounds, [`engine::State::rebalance`] moves one
//!    block or swaps two across a shared boundary when that lowers the households outside the bounds
//!    (lumpy blocks: 505 | 295 becomes 410 | 390 by trading a block of 160 for one of 65), then the
//!    improvement runs again; and if one still is, [`engine::State::recombine`] merges it with one or
//!    two neighbouring grids and cuts the union again along random spanning trees of its blocks (edges
//!    along strong roads drawn last, so cuts fall on them), keeping the split that lowers the households
//!    outside the bounds (554 | 296 becomes 425 | 425 where no single move or swap could).
//! 4. **Restarts.** Steps 2–3 run [`RESTARTS`] times for each of the [`COUNTS_TRIED`] best grid counts,
//!    each with a seed derived from the alternative's seed; the best division is kept (fewest grids out
//!    of bounds, then fewest households outside them, then the lowest objective per grid).
//! 5. **Codes.** Each grid's interior point is put in rows (north→south, rows half a typical grid high)
//!    and within a row west→east (DB11/T 2157-2023 §5.4); the code is the community's code plus the
//!    sequence number in as many digits as the configured layout leaves (3 of 15 by default).
//!
//! 6. **Reasons.** Every grid still out of bounds gets a reason naming it ([`explain`],
//!    [`engine::Infeasible`]): a building over the maximum, a block over it that no line between its
//!    buildings cuts, a part of the community cut off from the rest with fewer households than the
//!    minimum, or a part whose total no whole number of grids fits (`k·lo ≤ H ≤ k·hi` for no `k`) —
//!    each a fact that can be checked — else `not_found`, which says the search failed and proves nothing.
//!
//! The same units, bounds, seed and strategy give the same proposal, bit for bit.

pub mod cut;
pub mod engine;
pub mod repair;
pub mod units;

use std::collections::BTreeMap;

use crate::planar::rings::{Poly, interior_point};
use engine::{Division, Infeasible, Params, divide, feasible_counts};
use units::{BuildingInput, RoadInput, Units, UnitsError};

/// One proposed grid.
#[derive(Debug, Clone)]
pub struct ProposedGrid {
    /// Its code: the community's code and its sequence number.
    pub code: String,
    /// Its sequence number (1-based).
    pub seq: usize,
    /// Its outline on the lattice (one polygon when contiguous).
    pub polys: Vec<Poly>,
    /// Households of its buildings.
    pub households: u64,
    /// Residents of its buildings, when every building states them.
    pub residents: Option<u64>,
    /// Its buildings (indices into the building input).
    pub buildings: Vec<usize>,
    /// Its blocks.
    pub blocks: Vec<usize>,
    /// Area, m².
    pub area_m2: f64,
    /// Perimeter, m.
    pub perimeter_m: f64,
    /// Polsby–Popper compactness 4πA/P² (1 for a circle).
    pub polsby_popper: f64,
    /// Whether its households are within the bounds.
    pub within_bounds: bool,
}

/// Scores of one proposal.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// Number of grids.
    pub grids: usize,
    /// Households divided.
    pub households: u64,
    /// Grids within the bounds.
    pub within_bounds: usize,
    /// Share of grids within the bounds (0–1).
    pub within_bounds_share: f64,
    /// Mean |households − middle of the bounds|.
    pub mean_household_deviation: f64,
    /// Largest |households − middle of the bounds|.
    pub max_household_deviation: f64,
    /// Mean Polsby–Popper compactness.
    pub mean_polsby_popper: f64,
    /// Lowest Polsby–Popper compactness.
    pub min_polsby_popper: f64,
    /// Share of the boundary between grids (the community outline left out) that runs along a road, %.
    pub boundary_on_roads_pct: f64,
    /// The same share weighted by road strength (main roads fully, footways 15 %), %.
    pub boundary_road_strength_pct: f64,
    /// Grids with more than one part.
    pub multipart_grids: usize,
    /// Chords cut between buildings across blocks over the maximum ([`units::Units::build_cut`]).
    pub blocks_cut: usize,
    /// Objective after local improvement (lower is better).
    pub objective: f64,
    /// Local-improvement moves made.
    pub moves: usize,
}

/// One alternative division of a community.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// The parameters it was drawn with.
    pub params: Params,
    /// The grids in code order.
    pub grids: Vec<ProposedGrid>,
    /// Scores.
    pub metrics: Metrics,
    /// What could not be met, and why.
    pub infeasible: Vec<Infeasible>,
}

/// Orders points west→east in rows running north→south, rows `band` lattice units high (a row
/// starts at its northernmost point).
pub fn reading_order(points: &[[i64; 2]], band: i64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..points.len()).collect();
    idx.sort_by_key(|&i| (-points[i][1], points[i][0], i));
    let mut rows: Vec<Vec<usize>> = Vec::new();
    for i in idx {
        match rows.last_mut() {
            Some(row) if points[row[0]][1] - points[i][1] <= band => row.push(i),
            _ => rows.push(vec![i]),
        }
    }
    rows.into_iter()
        .flat_map(|mut row| {
            row.sort_by_key(|&i| (points[i][0], i));
            row
        })
        .collect()
}

/// Turns a division into grids with codes and scores. `seq_digits` is the length of the sequence
/// part of a grid code (grid code length − community code length in the configured layout). Codes are
/// numbered in reading order, or given per region (`codes[r]`, a repair keeping existing codes), and
/// then grids come in code order.
pub fn assemble_proposal(
    units: &Units,
    buildings: &[BuildingInput],
    community_code: &str,
    seq_digits: usize,
    params: Params,
    division: Division,
    codes: Option<&[String]>,
) -> Proposal {
    let k = division.regions;
    let mut polys = units.group_polys(&division.region);
    let [lo, hi] = params.bounds;
    let middle = (lo + hi) as f64 / 2.0;
    let mut raw: Vec<ProposedGrid> = (0..k)
        .map(|r| {
            let blocks: Vec<usize> = (0..units.blocks.len()).filter(|&b| division.region[b] == r).collect();
            let mut bs: Vec<usize> = blocks.iter().flat_map(|&b| units.blocks[b].buildings.iter().copied()).collect();
            bs.sort_unstable();
            let households: u64 = blocks.iter().map(|&b| units.blocks[b].households).sum();
            let residents = bs.iter().map(|&i| buildings[i].residents).sum::<Option<u64>>();
            let area: f64 = blocks.iter().map(|&b| units.blocks[b].area_m2).sum();
            let mut perimeter: f64 = blocks.iter().map(|&b| units.blocks[b].perimeter_m).sum();
            for &b in &blocks {
                for &(m, sh) in &units.adj[b] {
                    if division.region[m] == r {
                        perimeter -= sh.length_m;
                    }
                }
            }
            let pp = if perimeter > 0.0 { 4.0 * std::f64::consts::PI * area / (perimeter * perimeter) } else { 0.0 };
            ProposedGrid {
                code: String::new(),
                seq: 0,
                polys: polys.remove(&r).unwrap_or_default(),
                households,
                residents: if bs.is_empty() { None } else { residents },
                buildings: bs,
                blocks,
                area_m2: area,
                perimeter_m: perimeter,
                polsby_popper: pp.min(1.0),
                within_bounds: (lo..=hi).contains(&households),
            }
        })
        .collect();
    // Codes: DB11/T 2157-2023 §5.4, west→east in rows north→south; rows half a typical grid high.
    let points: Vec<[i64; 2]> =
        raw.iter().map(|g| g.polys.first().and_then(interior_point).unwrap_or([0, 0])).collect();
    let total_area: f64 = units.blocks.iter().map(|b| b.area_m2).sum();
    let band = ((total_area / k.max(1) as f64).sqrt() / 2.0 / units.metric.ky).round() as i64;
    let order = match codes {
        Some(codes) => {
            let mut idx: Vec<usize> = (0..k).collect();
            idx.sort_by(|&a, &b| codes[a].cmp(&codes[b]));
            idx
        }
        None => reading_order(&points, band.max(1)),
    };
    let mut grids = Vec::with_capacity(k);
    let mut slots: Vec<Option<ProposedGrid>> = raw.drain(..).map(Some).collect();
    for (n, i) in order.into_iter().enumerate() {
        if let Some(mut g) = slots[i].take() {
            match codes {
                Some(codes) => {
                    g.code = codes[i].clone();
                    g.seq = g.code.get(community_code.len()..).and_then(|s| s.parse().ok()).unwrap_or(n + 1);
                }
                None => {
                    g.seq = n + 1;
                    g.code = format!("{community_code}{:0width$}", n + 1, width = seq_digits);
                }
            }
            grids.push(g);
        }
    }
    let metrics = score(units, &grids, &division, middle);
    let infeasible = explain(units, buildings, &grids, params.bounds);
    Proposal { params, grids, metrics, infeasible }
}

/// Why each grid out of the bounds is out, checked in this order: it holds a building over the
/// maximum; it holds a block over the maximum that no line between its buildings cuts; it holds a
/// part of the community cut off from the rest with fewer households than the minimum; its part of
/// the community (less the grids of oversized blocks) has a total no whole number of grids fits;
/// else [`Infeasible::NotFound`], which proves nothing.
pub fn explain(
    units: &Units,
    buildings: &[BuildingInput],
    grids: &[ProposedGrid],
    [lo, hi]: [u64; 2],
) -> Vec<Infeasible> {
    let comp = units.components();
    let ncomp = comp.iter().copied().max().map_or(0, |m| m + 1);
    let (mut comp_hh, mut fixed_hh) = (vec![0u64; ncomp], vec![0u64; ncomp]);
    for (b, blk) in units.blocks.iter().enumerate() {
        comp_hh[comp[b]] += blk.households;
        if blk.households > hi {
            fixed_hh[comp[b]] += blk.households;
        }
    }
    let main = (0..ncomp).max_by_key(|&c| (comp_hh[c], std::cmp::Reverse(c))).unwrap_or(0);
    let mut out = Vec::new();
    for g in grids.iter().filter(|g| !g.within_bounds) {
        let grid = g.code.clone();
        if g.households > hi {
            if let Some(&i) = g.buildings.iter().find(|&&i| buildings[i].households > hi) {
                let (building, households) = (buildings[i].code.clone(), buildings[i].households);
                out.push(Infeasible::BuildingOverMax { grid, building, households, max: hi });
                continue;
            }
            let uncuttable = g.blocks.iter().copied().find(|&b| {
                units.blocks[b].households > hi && cut::chord(&units.blocks[b], buildings, hi, units.metric).is_none()
            });
            if let Some(b) = uncuttable {
                let blk = &units.blocks[b];
                let codes = blk.buildings.iter().map(|&i| buildings[i].code.clone()).collect();
                out.push(Infeasible::BlockOverMax { grid, buildings: codes, households: blk.households, max: hi });
                continue;
            }
        }
        let mut parts: BTreeMap<usize, u64> = BTreeMap::new();
        for &b in &g.blocks {
            *parts.entry(comp[b]).or_default() += units.blocks[b].households;
        }
        if let Some(&c) = parts.keys().find(|&&c| c != main && comp_hh[c] < lo) {
            out.push(Infeasible::DetachedPart { grid, households: comp_hh[c], min: lo });
            continue;
        }
        let c = parts.iter().max_by_key(|(c, h)| (**h, std::cmp::Reverse(**c))).map_or(main, |(c, _)| *c);
        let free = comp_hh[c] - fixed_hh[c];
        if feasible_counts(free, [lo, hi]).is_empty() {
            out.push(Infeasible::NoFeasibleCount { grid, households: free, min: lo, max: hi });
        } else {
            out.push(Infeasible::NotFound { grid, households: g.households, min: lo, max: hi });
        }
    }
    out
}

fn score(units: &Units, grids: &[ProposedGrid], division: &Division, middle: f64) -> Metrics {
    let k = grids.len().max(1) as f64;
    let (mut cut, mut road, mut strength) = (0.0, 0.0, 0.0);
    for (b, list) in units.adj.iter().enumerate() {
        for &(m, sh) in list {
            if m > b && division.region[m] != division.region[b] {
                cut += sh.length_m;
                road += sh.road_m;
                strength += sh.strength_m;
            }
        }
    }
    let pct = |x: f64| if cut > 0.0 { (1000.0 * x / cut).round() / 10.0 } else { 100.0 };
    let dev: Vec<f64> = grids.iter().map(|g| (g.households as f64 - middle).abs()).collect();
    let within = grids.iter().filter(|g| g.within_bounds).count();
    let round3 = |x: f64| (x * 1000.0).round() / 1000.0;
    Metrics {
        grids: grids.len(),
        households: grids.iter().map(|g| g.households).sum(),
        within_bounds: within,
        within_bounds_share: round3(within as f64 / k),
        mean_household_deviation: (dev.iter().sum::<f64>() / k * 10.0).round() / 10.0,
        max_household_deviation: dev.iter().copied().fold(0.0, f64::max),
        mean_polsby_popper: round3(grids.iter().map(|g| g.polsby_popper).sum::<f64>() / k),
        min_polsby_popper: round3(grids.iter().map(|g| g.polsby_popper).fold(1.0, f64::min)),
        boundary_on_roads_pct: pct(road),
        boundary_road_strength_pct: pct(strength),
        multipart_grids: grids.iter().filter(|g| g.polys.len() > 1).count(),
        blocks_cut: units.chords,
        objective: round3(division.objective),
        moves: division.moves,
    }
}

/// What the blocks of a community are formed from, so that more of them can be cut when a division
/// needs it ([`cut_as_needed`]).
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The community's outline.
    pub community: &'a geo::Geometry<f64>,
    /// The roads.
    pub roads: &'a [RoadInput<'a>],
    /// The community's buildings.
    pub buildings: &'a [BuildingInput],
    /// Outlines cut into the blocks as well (the existing grids, for a repair).
    pub boundaries: &'a [geo::Geometry<f64>],
}

/// A drawn division ranked by [`cut_as_needed`].
pub trait Drawn {
    /// The division as a proposal.
    fn proposal(&self) -> &Proposal;
}

impl Drawn for Proposal {
    fn proposal(&self) -> &Proposal {
        self
    }
}

/// The block cuts tried by [`cut_as_needed`], as (the most households a block keeps everywhere, and
/// the most it keeps around the grids the previous tries left out of bounds). The first
/// [`CUT_LEVELS_ALWAYS`] are always tried: blocks over the maximum only (they must be cut), then also
/// blocks over the middle of the bounds around the grids still out of bounds, then those everywhere;
/// the rest only while a grid is out of bounds without a proven reason: blocks over half the minimum
/// around those grids, then everywhere.
pub fn cut_levels([lo, hi]: [u64; 2]) -> [(u64, Option<u64>); 5] {
    let middle = (lo + hi) / 2;
    let fine = (lo / 2).max(1);
    [(hi, None), (hi, Some(middle)), (middle, None), (hi, Some(fine)), (fine, None)]
}

/// How many of the [`cut_levels`] are always tried, so that the division kept is the one with the most
/// boundary on roads and the most compact among those equally within bounds.
pub const CUT_LEVELS_ALWAYS: usize = 3;

/// How far a proposal is from the bounds, lowest first: grids out of bounds without a proven reason,
/// grids out of bounds, households outside the bounds.
fn standing(p: &Proposal) -> (usize, usize, u64) {
    let [lo, hi] = p.params.bounds;
    (
        p.infeasible.iter().filter(|i| !i.proven()).count(),
        p.grids.iter().filter(|g| !g.within_bounds).count(),
        p.grids
            .iter()
            .map(|g| if g.households < lo { lo - g.households } else { g.households.saturating_sub(hi) })
            .sum(),
    )
}

/// Whether `a` is better than `b`: nearer the bounds by [`standing`], or as near with a larger sum
/// of mean Polsby–Popper and boundary-on-roads share (both 0–1), which does not depend on how finely
/// the blocks were cut.
fn better(a: &Proposal, b: &Proposal) -> bool {
    let looks = |p: &Proposal| p.metrics.mean_polsby_popper + p.metrics.boundary_on_roads_pct / 100.0;
    let (sa, sb) = (standing(a), standing(b));
    sa < sb || (sa == sb && looks(a) > looks(b) + 1e-9)
}

/// The outlines of the grids of `p` out of bounds and of their neighbours: where cutting blocks may help.
fn trouble(units: &Units, p: &Proposal) -> Vec<Poly> {
    let mut grid_of = vec![usize::MAX; units.blocks.len()];
    for (g, grid) in p.grids.iter().enumerate() {
        for &b in &grid.blocks {
            grid_of[b] = g;
        }
    }
    let mut wanted = vec![false; p.grids.len()];
    for (g, grid) in p.grids.iter().enumerate().filter(|(_, g)| !g.within_bounds) {
        wanted[g] = true;
        for &b in &grid.blocks {
            for &(m, _) in &units.adj[b] {
                if let Some(w) = wanted.get_mut(grid_of[m]) {
                    *w = true;
                }
            }
        }
    }
    p.grids.iter().zip(wanted).filter(|(_, w)| *w).flat_map(|(g, _)| g.polys.iter().cloned()).collect()
}

/// Whether `a` and `b` have the same blocks (outlines, households and buildings) and neighbours, so
/// that a draw on either gives the same divisions.
fn same_blocks(a: &Units, b: &Units) -> bool {
    a.chords == b.chords
        && a.blocks.len() == b.blocks.len()
        && a.adj == b.adj
        && a.blocks.iter().zip(&b.blocks).all(|(x, y)| {
            x.households == y.households && x.buildings == y.buildings && x.poly == y.poly && x.faces == y.faces
        })
}

/// Draws divisions on blocks cut only as far as needed: `draw` runs on the blocks of each of the
/// [`cut_levels`] in turn (the first [`CUT_LEVELS_ALWAYS`] always, the rest until every division drawn
/// has each grid within the bounds or out of them for a proven reason); for each place in `draw`'s
/// answer the [`better`] division is kept, the one from the least cut blocks when they tie; a cut that
/// gives the same blocks as one already drawn is not drawn again (its divisions would be the same). Road
/// boundaries are kept where whole blocks can be balanced, and blocks are cut between buildings where
/// they cannot.
pub fn cut_as_needed<T: Drawn>(
    source: Source<'_>,
    bounds: [u64; 2],
    mut draw: impl FnMut(&Units) -> Vec<T>,
) -> Result<Vec<T>, UnitsError> {
    let mut best: Vec<(T, Vec<Poly>)> = Vec::new();
    let mut drawn: Vec<Units> = Vec::new();
    for (level, (max, local)) in cut_levels(bounds).into_iter().enumerate() {
        let settled = !best.is_empty() && best.iter().all(|(d, _)| standing(d.proposal()).0 == 0);
        if level >= CUT_LEVELS_ALWAYS && settled {
            break;
        }
        let area: Vec<Poly> = best.iter().flat_map(|(_, a)| a.iter().cloned()).collect();
        if local.is_some() && area.is_empty() {
            continue;
        }
        let (b, c, r) = (source.buildings, source.community, source.roads);
        let units = Units::build_cut(c, r, b, source.boundaries, max, local.map(|l| (l, &area[..])))?;
        // A cut that gives the blocks of one already drawn would draw the same divisions again.
        if drawn.iter().any(|seen| same_blocks(seen, &units)) {
            continue;
        }
        for (i, d) in draw(&units).into_iter().enumerate() {
            let area = if standing(d.proposal()).0 > 0 { trouble(&units, d.proposal()) } else { Vec::new() };
            match best.get_mut(i) {
                Some(slot) if better(d.proposal(), slot.0.proposal()) => *slot = (d, area),
                Some(_) => {}
                None => best.push((d, area)),
            }
        }
        drawn.push(units);
    }
    Ok(best.into_iter().map(|(d, _)| d).collect())
}

/// Restarts per grid count tried by [`propose`]: seeded first divisions, each improved locally.
pub const RESTARTS: usize = 6;

/// Grid counts tried by [`propose`] when none is asked for: the best this many of
/// [`engine::feasible_counts`] (lumpy blocks may fit 4 grids of 300 where 3 of 400 cannot be made).
pub const COUNTS_TRIED: usize = 3;

/// How good a division is, lowest first: grids out of bounds, households outside the bounds, then the
/// objective per grid.
fn rank(units: &Units, d: &Division, [lo, hi]: [u64; 2]) -> (usize, u64, f64) {
    let mut hh = vec![0u64; d.regions];
    for (b, &r) in d.region.iter().enumerate() {
        hh[r] += units.blocks[b].households;
    }
    let out = |h: u64| if h < lo { lo - h } else { h.saturating_sub(hi) };
    (
        hh.iter().filter(|&&h| out(h) > 0).count(),
        hh.iter().map(|&h| out(h)).sum(),
        d.objective / d.regions.max(1) as f64,
    )
}

/// The seed of restart `r` of a draw seeded `seed` (restart 0 is the seed itself).
fn restart_seed(seed: u64, r: usize) -> u64 {
    if r == 0 { seed } else { engine::SplitMix::new(seed ^ (r as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64() }
}

/// Draws one proposal: [`RESTARTS`] seeded divisions for each of the [`COUNTS_TRIED`] best grid counts
/// (or the count asked for), each improved locally, and keeps the best by [`rank`]: fewest grids out
/// of bounds, then fewest households outside, then the lowest objective per grid. The restarts' seeds
/// derive from `params.seed`, so the result is the same for the same seed.
pub fn propose(
    units: &Units,
    buildings: &[BuildingInput],
    community_code: &str,
    seq_digits: usize,
    params: Params,
) -> Proposal {
    propose_restarts(units, buildings, community_code, seq_digits, params, RESTARTS)
}

/// [`propose`] with `restarts` restarts per grid count.
fn propose_restarts(
    units: &Units,
    buildings: &[BuildingInput],
    community_code: &str,
    seq_digits: usize,
    params: Params,
    restarts: usize,
) -> Proposal {
    // Divided on coarse units (empty blocks joined to a neighbour with households), scored on the blocks.
    let (coarse, atom) = units.coarsen(None);
    let counts: Vec<Option<usize>> = match params.grids {
        Some(k) => vec![Some(k)],
        None => {
            let fixed = engine::oversized(&coarse, params.bounds[1]);
            let free: u64 = coarse.blocks.iter().zip(&fixed).filter(|(_, f)| !**f).map(|(b, _)| b.households).sum();
            let ks = engine::feasible_counts(free, params.bounds);
            // Several parts of the community (cut off by big blocks or water) choose their own counts.
            if ks.is_empty() || coarse.components().iter().any(|&c| c > 0) {
                vec![None]
            } else {
                ks.into_iter().take(COUNTS_TRIED).map(Some).collect()
            }
        }
    };
    let mut best: Option<((usize, u64, f64), Division)> = None;
    for &k in &counts {
        for r in 0..restarts.max(1) {
            let p = Params { seed: restart_seed(params.seed, r), grids: k, ..params };
            let d = divide(&coarse, &p);
            let key = rank(&coarse, &d, params.bounds);
            if best.as_ref().is_none_or(|(b, _)| {
                (key.0, key.1) < (b.0, b.1) || ((key.0, key.1) == (b.0, b.1) && key.2 < b.2 - 1e-12)
            }) {
                best = Some((key, d));
            }
        }
    }
    let division = match best {
        Some((_, d)) => d,
        None => divide(&coarse, &params),
    };
    let region = atom.iter().map(|&a| division.region[a]).collect();
    let division = Division { region, ..division };
    assemble_proposal(units, buildings, community_code, seq_digits, params, division, None)
}

/// The parameters of alternative `i` of a run started from `seed`: strategies alternate (grow,
/// bisect) and each alternative has its own seed; every alternative tries the same grid counts.
pub fn alternative(i: usize, seed: u64, bounds: [u64; 2]) -> Params {
    let strategy = if i % 2 == 0 { engine::Strategy::Grow } else { engine::Strategy::Bisect };
    Params { bounds, seed: seed.wrapping_add(i as u64), strategy, grids: None }
}

/// Several alternatives for one community, in the order drawn; a draw identical to an earlier one is
/// replaced by a further draw (at most `6 × count` draws).
pub fn alternatives(
    units: &Units,
    buildings: &[BuildingInput],
    community_code: &str,
    seq_digits: usize,
    bounds: [u64; 2],
    seed: u64,
    count: usize,
) -> Vec<Proposal> {
    let mut out: Vec<Proposal> = Vec::new();
    let mut seen: BTreeMap<Vec<usize>, ()> = BTreeMap::new();
    // Best-of restarts often find the same division twice; a draw identical to an earlier one is
    // replaced by one held to another grid count, then by single draws (the first division of a seed,
    // locally improved).
    let counts = engine::feasible_counts(units.households(), bounds);
    for i in 0..count * 6 {
        if out.len() == count {
            break;
        }
        let mut params = alternative(i, seed, bounds);
        let mut restarts = RESTARTS;
        if i >= count * 3 {
            restarts = 1;
        } else if i >= count && !counts.is_empty() {
            params.grids = Some(counts[(i - count) % counts.len()]);
        }
        let p = propose_restarts(units, buildings, community_code, seq_digits, params, restarts);
        let mut key: Vec<usize> = vec![0; units.blocks.len()];
        for g in &p.grids {
            for &b in &g.blocks {
                key[b] = g.seq;
            }
        }
        if seen.insert(key, ()).is_none() {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests;

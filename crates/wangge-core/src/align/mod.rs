//! 多网合一: how another department's network (police 警格, city management 城管, party grids …)
//! lines up with our partition (grids, communities or streets).
//!
//! The report follows the census relationship files and the partition-agreement literature:
//! - every intersecting pair (ours, theirs) with its ground area, the households and buildings
//!   whose points fall in it (counted from building points, never spread by area), each side's
//!   share and a class ([`PairClass`]);
//! - slivers: pieces that are a minor part of both sides and thin (4πA/P² below a threshold) or
//!   small (little area and few households) — the boundaries to snap — with a suggested snap;
//! - for each matched pair the Hausdorff distance between the two boundaries in metres;
//! - a summary for the whole area and per street / community: counts per class, homogeneity,
//!   completeness and V-measure (weighted by households and by area), households in mismatched
//!   pieces.
//!
//! Candidate pairs come from an R-tree of the network's bounding boxes ([`AreaIndex`]); pieces are
//! `geo`'s boolean intersection, guarded against the overlay engine's rare robustness panics
//! ([`overlay`]). Buildings are placed with the same half-open point rule as lookups, on both
//! sides, so a building is counted in exactly one piece.

mod hausdorff;
mod measure;
mod overlay;
#[cfg(test)]
mod tests;

pub use hausdorff::boundary_hausdorff_m;
pub use measure::{Agreement, agreement};

use crate::distance::geodesic_area_m2;
use crate::index::AreaIndex;
use geo::{BoundingRect, Coord, MultiPolygon};
use std::collections::{BTreeMap, HashMap};

/// One feature of either partition: its code and area (WGS 84 lon/lat).
#[derive(Debug, Clone)]
pub struct Zone {
    /// The feature's code (unique within its side).
    pub code: String,
    /// Its area.
    pub area: MultiPolygon<f64>,
    /// Groups the feature reports under (ours only): e.g. `("community", "440304005021")`,
    /// `("street", "440304005")`. The summary is repeated for each group.
    pub groups: Vec<(&'static str, String)>,
}

/// A building point and the households in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Home {
    /// Where the building is (its point, or a representative point of its footprint).
    pub at: Coord,
    /// Households in it (0 when not stated).
    pub households: u64,
}

/// Thresholds of the report; [`Default`] gives the documented values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlignConfig {
    /// Both shares at least this → `identical`; one → `nested` (default 0.95).
    pub identical_share: f64,
    /// A piece with compactness 4πA/P² below this is thin (default 0.25: a strip about 10:1
    /// or longer; a square is 0.785).
    pub thin_ratio: f64,
    /// A piece below this area (m²) … (default 1000 m²)
    pub small_area_m2: f64,
    /// … with at most this many households is small (default 5).
    pub small_households: u64,
    /// A sliver is a minor part of both sides: each share below this (default 0.1, so a strip
    /// that is a sixth of a grid is a real difference, not a boundary to snap).
    pub sliver_max_share: f64,
    /// Neither share reaches `identical_share` but one reaches this → `split`, else
    /// `many_to_many` (default 0.5).
    pub split_share: f64,
}

impl Default for AlignConfig {
    fn default() -> Self {
        AlignConfig {
            identical_share: 0.95,
            thin_ratio: 0.25,
            small_area_m2: 1000.0,
            small_households: 5,
            sliver_max_share: 0.1,
            split_share: 0.5,
        }
    }
}

/// How a pair of features relate (after discounting slivers: see [`align`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PairClass {
    /// The same area on both sides (both shares ≥ the threshold).
    Identical,
    /// One lies inside the other (one share ≥ the threshold): compatible, one is coarser.
    Nested,
    /// Neither contains the other, but one lies mostly (≥ [`AlignConfig::split_share`]) in the
    /// other: the other side's boundary cuts a piece off it.
    Split,
    /// Each is a minor part of the other: the boundaries cross.
    ManyToMany,
}

impl PairClass {
    /// Every class, in report order.
    pub const ALL: [PairClass; 4] = [PairClass::Identical, PairClass::Nested, PairClass::Split, PairClass::ManyToMany];

    /// The identifier used in JSON, CSV and the page.
    pub fn id(self) -> &'static str {
        match self {
            PairClass::Identical => "identical",
            PairClass::Nested => "nested",
            PairClass::Split => "split",
            PairClass::ManyToMany => "many_to_many",
        }
    }

    /// Whether a piece of this class is a disagreement between the two networks.
    pub fn is_mismatch(self) -> bool {
        matches!(self, PairClass::Split | PairClass::ManyToMany)
    }
}

/// One intersecting pair and its piece.
#[derive(Debug, Clone)]
pub struct Pair {
    /// Index of our feature.
    pub ours: u32,
    /// Index of theirs.
    pub theirs: u32,
    /// The intersection (lon/lat); empty when the overlay failed or only buildings placed the pair.
    pub piece: MultiPolygon<f64>,
    /// Ground area of the piece, m² (WGS 84).
    pub area_m2: f64,
    /// Households in buildings whose point lies in the piece.
    pub households: u64,
    /// Buildings whose point lies in the piece.
    pub buildings: u32,
    /// Piece area / our feature's area.
    pub share_ours: f64,
    /// Piece area / their feature's area.
    pub share_theirs: f64,
    /// The relation.
    pub class: PairClass,
    /// Hausdorff distance between the two features' boundaries, metres, for matched pairs (one
    /// is the other's largest partner); `None` otherwise.
    pub hausdorff_m: Option<f64>,
    /// Compactness 4πA/P² of the piece (1 for a disc, 0.785 for a square).
    pub compactness: f64,
}

/// Why a piece is a sliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SliverReason {
    /// Compactness below [`AlignConfig::thin_ratio`].
    Thin,
    /// Area and households below [`AlignConfig::small_area_m2`] / [`AlignConfig::small_households`].
    Small,
}

/// Which layer a sliver's suggested snap changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Move our boundary onto theirs (the piece joins another of our features).
    Ours,
    /// Ask for their boundary to move onto ours (the piece joins another of their features).
    Theirs,
}

/// A suggested snap: give the piece to `to` on `side`, taking it from the pair's feature there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snap {
    /// The layer that changes.
    pub side: Side,
    /// The feature (index on `side`) that takes the piece.
    pub to: u32,
}

/// A piece that is a boundary disagreement rather than a real difference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sliver {
    /// Index into [`Alignment::pairs`].
    pub pair: usize,
    /// Why.
    pub reason: SliverReason,
    /// Mean width 2A/P, metres.
    pub width_m: f64,
    /// The suggested snap; `None` when neither side has another feature to take the piece.
    pub snap: Option<Snap>,
}

/// Agreement figures for the whole area or one group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// Pairs per class, in [`PairClass::ALL`] order.
    pub classes: [usize; 4],
    /// Slivers.
    pub slivers: usize,
    /// Weighted by households.
    pub by_households: Agreement,
    /// Weighted by area.
    pub by_area: Agreement,
    /// Households in the pieces (inside both networks).
    pub households: u64,
    /// Households in mismatched pieces (split, many-to-many, or slivers).
    pub households_mismatched: u64,
    /// Households in our features but in none of theirs.
    pub households_outside_theirs: u64,
    /// Area of the pieces, m².
    pub area_m2: f64,
    /// Area of mismatched pieces, m².
    pub area_mismatched_m2: f64,
}

/// The whole report.
#[derive(Debug, Clone)]
pub struct Alignment {
    /// Every intersecting pair, ordered by (ours, theirs).
    pub pairs: Vec<Pair>,
    /// The slivers, in pair order.
    pub slivers: Vec<Sliver>,
    /// The whole area.
    pub summary: Summary,
    /// Per group kind ("community", "street"), per group code.
    pub groups: BTreeMap<&'static str, BTreeMap<String, Summary>>,
    /// Pairs whose overlay failed even after snapping the input to a 1 cm grid (ours, theirs):
    /// left out of the figures, listed so nothing is silently lost.
    pub failed: Vec<(u32, u32)>,
}

/// Lines `theirs` up against `ours` and places `homes` in the pieces.
///
/// Classes are decided on shares with slivers discounted: a grid whose outline is shifted by a
/// few metres against its counterpart is `identical` plus slivers, not `split` (the raw shares are
/// reported as they are). A sliver itself is classed on raw shares, so it counts as a mismatch.
pub fn align(ours: &[Zone], theirs: &[Zone], homes: &[Home], config: &AlignConfig) -> Alignment {
    let our_areas: Vec<MultiPolygon<f64>> = ours.iter().map(|z| z.area.clone()).collect();
    let their_areas: Vec<MultiPolygon<f64>> = theirs.iter().map(|z| z.area.clone()).collect();
    let our_index = AreaIndex::new(&our_areas);
    let their_index = AreaIndex::new(&their_areas);
    let our_m2: Vec<f64> = our_areas.iter().map(geodesic_area_m2).collect();
    let their_m2: Vec<f64> = their_areas.iter().map(geodesic_area_m2).collect();

    // Pieces: every candidate pair from the R-tree, intersected.
    let mut pieces: BTreeMap<(u32, u32), overlay::Piece> = BTreeMap::new();
    let mut failed = Vec::new();
    for (i, a) in our_areas.iter().enumerate() {
        let Some(bbox) = a.bounding_rect() else { continue };
        for j in their_index.ids_in_bbox(bbox) {
            match overlay::piece(a, &their_areas[j as usize]) {
                Ok(Some(p)) => {
                    pieces.insert((i as u32, j), p);
                }
                Ok(None) => {}
                Err(()) => failed.push((i as u32, j)),
            }
        }
    }

    // Buildings: one owner on each side under the lookup rule, so each is counted once.
    let mut counts: HashMap<(u32, u32), (u64, u32)> = HashMap::new();
    let mut outside_theirs: HashMap<u32, u64> = HashMap::new();
    for h in homes {
        let Some(a) = our_index.owner(h.at) else { continue };
        match their_index.owner(h.at) {
            Some(b) => {
                let c = counts.entry((a, b)).or_default();
                c.0 += h.households;
                c.1 += 1;
            }
            None => *outside_theirs.entry(a).or_default() += h.households,
        }
    }
    for key in counts.keys() {
        // A building on a piece too thin for the overlay still counts: the pair exists with no area.
        pieces.entry(*key).or_insert_with(overlay::Piece::empty);
    }

    let mut pairs: Vec<Pair> = pieces
        .into_iter()
        .map(|((a, b), p)| {
            let (households, buildings) = counts.get(&(a, b)).copied().unwrap_or_default();
            Pair {
                ours: a,
                theirs: b,
                share_ours: ratio(p.area_m2, our_m2[a as usize]),
                share_theirs: ratio(p.area_m2, their_m2[b as usize]),
                area_m2: p.area_m2,
                compactness: p.compactness,
                piece: p.geometry,
                households,
                buildings,
                class: PairClass::ManyToMany,
                hausdorff_m: None,
            }
        })
        .collect();

    let slivers = find_slivers(&pairs, config);
    classify(&mut pairs, &slivers, &our_m2, &their_m2, config);
    let slivers = with_snaps(&pairs, slivers);
    add_hausdorff(&mut pairs, ours, theirs);

    let sliver_pairs: Vec<bool> = {
        let mut v = vec![false; pairs.len()];
        slivers.iter().for_each(|s| v[s.pair] = true);
        v
    };
    let all: Vec<usize> = (0..pairs.len()).collect();
    let outside_all: u64 = outside_theirs.values().sum();
    let summary = summarise(&pairs, &sliver_pairs, &all, outside_all);
    let mut groups: BTreeMap<&'static str, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
    for (k, p) in pairs.iter().enumerate() {
        for (kind, code) in &ours[p.ours as usize].groups {
            groups.entry(kind).or_default().entry(code.clone()).or_default().push(k);
        }
    }
    let groups = groups
        .into_iter()
        .map(|(kind, by_code)| {
            let summaries = by_code
                .into_iter()
                .map(|(code, members)| {
                    let outside: u64 = outside_theirs
                        .iter()
                        .filter(|(a, _)| ours[**a as usize].groups.iter().any(|(k, c)| *k == kind && *c == code))
                        .map(|(_, n)| n)
                        .sum();
                    let s = summarise(&pairs, &sliver_pairs, &members, outside);
                    (code, s)
                })
                .collect();
            (kind, summaries)
        })
        .collect();
    Alignment { pairs, slivers, summary, groups, failed }
}

fn ratio(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { (part / whole).min(1.0) } else { 0.0 }
}

/// Pieces that are a minor part of both sides and thin or small.
fn find_slivers(pairs: &[Pair], c: &AlignConfig) -> Vec<Sliver> {
    pairs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.share_ours.max(p.share_theirs) < c.sliver_max_share)
        .filter_map(|(k, p)| {
            let reason = if p.compactness < c.thin_ratio && p.area_m2 > 0.0 {
                SliverReason::Thin
            } else if p.area_m2 < c.small_area_m2 && p.households <= c.small_households {
                SliverReason::Small
            } else {
                return None;
            };
            // 4πA/P² = k ⇒ P = √(4πA/k); a thin piece's mean width is 2A/P.
            let perimeter =
                if p.compactness > 0.0 { (4.0 * std::f64::consts::PI * p.area_m2 / p.compactness).sqrt() } else { 0.0 };
            let width_m = if perimeter > 0.0 { 2.0 * p.area_m2 / perimeter } else { 0.0 };
            Some(Sliver { pair: k, reason, width_m, snap: None })
        })
        .collect()
}

/// Classes from sliver-discounted shares (a sliver itself keeps its raw shares).
fn classify(pairs: &mut [Pair], slivers: &[Sliver], our_m2: &[f64], their_m2: &[f64], c: &AlignConfig) {
    let is_sliver: std::collections::HashSet<usize> = slivers.iter().map(|s| s.pair).collect();
    let mut our_sliver_m2: HashMap<u32, f64> = HashMap::new();
    let mut their_sliver_m2: HashMap<u32, f64> = HashMap::new();
    for &k in &is_sliver {
        let p = &pairs[k];
        *our_sliver_m2.entry(p.ours).or_default() += p.area_m2;
        *their_sliver_m2.entry(p.theirs).or_default() += p.area_m2;
    }
    for (k, p) in pairs.iter_mut().enumerate() {
        let (share_a, share_b) = if is_sliver.contains(&k) {
            (p.share_ours, p.share_theirs)
        } else {
            let rest_a = our_m2[p.ours as usize] - our_sliver_m2.get(&p.ours).copied().unwrap_or(0.0);
            let rest_b = their_m2[p.theirs as usize] - their_sliver_m2.get(&p.theirs).copied().unwrap_or(0.0);
            (ratio(p.area_m2, rest_a), ratio(p.area_m2, rest_b))
        };
        p.class = class_of(share_a, share_b, c);
    }
}

/// The class of a pair from its two shares.
fn class_of(share_a: f64, share_b: f64, c: &AlignConfig) -> PairClass {
    let (t, hi) = (c.identical_share, share_a.max(share_b));
    if share_a >= t && share_b >= t {
        PairClass::Identical
    } else if hi >= t {
        PairClass::Nested
    } else if hi >= c.split_share {
        PairClass::Split
    } else {
        PairClass::ManyToMany
    }
}

/// Each side's largest partner (by piece area, then code order).
fn largest_partners(pairs: &[Pair]) -> (HashMap<u32, usize>, HashMap<u32, usize>) {
    let mut ours: HashMap<u32, usize> = HashMap::new();
    let mut theirs: HashMap<u32, usize> = HashMap::new();
    for (k, p) in pairs.iter().enumerate() {
        let better = |cur: Option<&usize>| cur.is_none_or(|&c| p.area_m2 > pairs[c].area_m2);
        if better(ours.get(&p.ours)) {
            ours.insert(p.ours, k);
        }
        if better(theirs.get(&p.theirs)) {
            theirs.insert(p.theirs, k);
        }
    }
    (ours, theirs)
}

/// The snap suggestion: move our boundary when that moves no households (our layer, a draft plan
/// away), otherwise ask for theirs to move; only onto a feature that is the other side's main match.
fn with_snaps(pairs: &[Pair], slivers: Vec<Sliver>) -> Vec<Sliver> {
    let (ours_best, theirs_best) = largest_partners(pairs);
    slivers
        .into_iter()
        .map(|mut s| {
            let p = &pairs[s.pair];
            // Ours: the piece joins the feature of ours that is theirs' main match.
            let ours_to = theirs_best.get(&p.theirs).map(|&k| pairs[k].ours).filter(|&a| a != p.ours);
            // Theirs: the piece joins the feature of theirs that is ours' main match.
            let theirs_to = ours_best.get(&p.ours).map(|&k| pairs[k].theirs).filter(|&b| b != p.theirs);
            s.snap = match (ours_to, theirs_to) {
                (Some(a), _) if p.households == 0 => Some(Snap { side: Side::Ours, to: a }),
                (_, Some(b)) => Some(Snap { side: Side::Theirs, to: b }),
                (Some(a), None) => Some(Snap { side: Side::Ours, to: a }),
                (None, None) => None,
            };
            s
        })
        .collect()
}

/// Hausdorff distances for matched pairs: one is the other's largest partner.
fn add_hausdorff(pairs: &mut [Pair], ours: &[Zone], theirs: &[Zone]) {
    let (ours_best, theirs_best) = largest_partners(pairs);
    let matched: std::collections::BTreeSet<usize> = ours_best.values().chain(theirs_best.values()).copied().collect();
    for k in matched {
        let p = &mut pairs[k];
        p.hausdorff_m = boundary_hausdorff_m(&ours[p.ours as usize].area, &theirs[p.theirs as usize].area);
    }
}

fn summarise(pairs: &[Pair], sliver: &[bool], members: &[usize], outside: u64) -> Summary {
    let mut s = Summary { households_outside_theirs: outside, ..Summary::default() };
    let mut by_households = Vec::with_capacity(members.len());
    let mut by_area = Vec::with_capacity(members.len());
    for &k in members {
        let p = &pairs[k];
        s.classes[PairClass::ALL.iter().position(|c| *c == p.class).unwrap_or(3)] += 1;
        s.households += p.households;
        s.area_m2 += p.area_m2;
        if sliver[k] {
            s.slivers += 1;
        }
        if sliver[k] || p.class.is_mismatch() {
            s.households_mismatched += p.households;
            s.area_mismatched_m2 += p.area_m2;
        }
        by_households.push((p.ours, p.theirs, p.households as f64));
        by_area.push((p.ours, p.theirs, p.area_m2));
    }
    s.by_households = agreement(&by_households);
    s.by_area = agreement(&by_area);
    s
}

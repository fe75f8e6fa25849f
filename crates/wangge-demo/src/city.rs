//! The demo city's hierarchy: which real streets and communities it uses, how the frame is shared among
//! them, and their codes.
//!
//! 深南大道 splits the frame into a northern half (香蜜湖街道 west, 莲花街道 east) and a southern half
//! (沙头街道 west, 福保街道 east). The density is calibrated so that the southern half holds all the
//! real communities of its two streets at [`COMMUNITY_TARGET`] households each; the northern half then
//! gets as many communities as its households need. Community names go to the region nearest to a road
//! that carries the name (上沙 → 上沙椰树路), the rest in reading order.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use super::error::DemoError;
use super::input::{Division, Road};
use super::partition::Units;
use wangge_core::planar::noding::{Pt, snap};

/// The district the demo lies in (福田区).
pub const DISTRICT_CODE: &str = "440304";

/// Households a community is drawn for; the rule of thumb is 1,000–3,000.
pub const COMMUNITY_TARGET: f64 = 2_000.0;

/// Households a grid is drawn for; the rule of thumb is 300–500.
pub const GRID_TARGET: f64 = 400.0;

/// The road that splits the frame into halves.
pub const DIVIDER_ROAD: &str = "深南大道";

/// Streets per half, west first: (north west, north east), (south west, south east).
const STREETS: [[&str; 2]; 2] = [["440304006", "440304008"], ["440304005", "440304010"]];

/// A street, community or grid: its real (or derived) code and name and the pieces it is made of.
#[derive(Debug, Clone)]
pub struct Region {
    /// Division code (9, 12 or 15 digits).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Code of the region above.
    pub parent_code: String,
    /// Pieces, sorted.
    pub pieces: Vec<usize>,
}

/// The three drawn levels.
#[derive(Debug, Clone, Default)]
pub struct City {
    /// Streets (街道).
    pub streets: Vec<Region>,
    /// Communities (社区).
    pub communities: Vec<Region>,
    /// Grids (网格).
    pub grids: Vec<Region>,
}

/// Tells north from south of a road by its mean latitude at a longitude.
pub struct Divider {
    segments: Vec<[Pt; 2]>,
}

impl Divider {
    /// The divider made of every road segment called `name`.
    pub fn new(roads: &[Road], name: &str) -> Result<Divider, DemoError> {
        let segments: Vec<[Pt; 2]> = roads
            .iter()
            .filter(|r| r.name.as_deref() == Some(name))
            .flat_map(|r| r.coords.windows(2).map(|w| [snap(w[0]), snap(w[1])]))
            .filter(|[a, b]| a[0] != b[0])
            .collect();
        if segments.is_empty() {
            return Err(DemoError::Topology(format!("no road called {name} to split the frame")));
        }
        Ok(Divider { segments })
    }

    /// Whether `p` lies north of the road.
    pub fn is_north(&self, p: Pt) -> bool {
        let x = p[0] as f64;
        let ys: Vec<f64> = self
            .segments
            .iter()
            .filter(|[a, b]| a[0].min(b[0]) as f64 <= x && x <= a[0].max(b[0]) as f64)
            .map(|[a, b]| a[1] as f64 + (x - a[0] as f64) / (b[0] - a[0]) as f64 * (b[1] - a[1]) as f64)
            .collect();
        let y = if ys.is_empty() {
            let near = self.segments.iter().flatten().min_by_key(|q| ((q[0] - p[0]).abs(), q[1]));
            near.map_or(0.0, |q| q[1] as f64)
        } else {
            ys.iter().sum::<f64>() / ys.len() as f64
        };
        p[1] as f64 > y
    }
}

/// Real communities of a street, by code.
fn communities_of<'a>(divisions: &'a [Division], street: &str) -> Vec<&'a Division> {
    divisions.iter().filter(|d| d.level == "community" && d.parent_code == street).collect()
}

/// How many communities the southern half gets: all real ones of its two streets.
pub fn south_communities(divisions: &[Division]) -> usize {
    STREETS[1].iter().map(|s| communities_of(divisions, s).len()).sum()
}

/// Orders points west→east in rows running north→south (the numbering rule of DB11/T 2157-2023),
/// the same order the proposal engine numbers its grids in.
pub use wangge_core::propose::reading_order;

/// Household-weighted centre of some pieces.
fn centre(units: &Units, pieces: &[usize]) -> Pt {
    let (mut sx, mut sy, mut sw) = (0.0, 0.0, 0.0);
    for &i in pieces {
        let p = &units.pieces[i];
        let w = f64::from(p.households) + 1.0;
        sx += p.point[0] as f64 * w;
        sy += p.point[1] as f64 * w;
        sw += w;
    }
    [(sx / sw.max(1.0)).round() as i64, (sy / sw.max(1.0)).round() as i64]
}

/// Where roads carrying a community's name run (the mean of their vertices), if any do.
fn name_hint(roads: &[Road], community: &str) -> Option<Pt> {
    let stem = community.trim_end_matches("社区");
    let pts: Vec<Pt> = roads
        .iter()
        .filter(|r| r.name.as_deref().is_some_and(|n| n.contains(stem)))
        .flat_map(|r| r.coords.iter().map(|c| snap(*c)))
        .collect();
    let n = pts.len() as i64;
    (n > 0).then(|| [pts.iter().map(|p| p[0]).sum::<i64>() / n, pts.iter().map(|p| p[1]).sum::<i64>() / n])
}

/// Gives each region a real community: named ones to the nearest region, the rest in reading order.
fn name_communities(units: &Units, regions: Vec<Vec<usize>>, real: &[&Division], roads: &[Road]) -> Vec<Region> {
    let centres: Vec<Pt> = regions.iter().map(|r| centre(units, r)).collect();
    let mut pairs = Vec::new();
    for (c, d) in real.iter().enumerate() {
        if let Some(h) = name_hint(roads, &d.name) {
            for (r, p) in centres.iter().enumerate() {
                let dist =
                    (((p[0] - h[0]) as f64 * units.metric.kx).hypot((p[1] - h[1]) as f64 * units.metric.ky)) as i64;
                pairs.push((dist, r, c));
            }
        }
    }
    pairs.sort_unstable();
    let mut of_region: BTreeMap<usize, usize> = BTreeMap::new();
    let mut used = vec![false; real.len()];
    for (_, r, c) in pairs {
        if !used[c] && !of_region.contains_key(&r) {
            used[c] = true;
            of_region.insert(r, c);
        }
    }
    let mut spare = (0..real.len()).filter(|&c| !used[c]);
    for r in reading_order(&centres, 4_000) {
        if let Entry::Vacant(slot) = of_region.entry(r) {
            match spare.next() {
                Some(c) => {
                    slot.insert(c);
                }
                None => break,
            }
        }
    }
    let mut out: Vec<Region> = regions
        .into_iter()
        .enumerate()
        .filter_map(|(r, pieces)| {
            let d = real[*of_region.get(&r)?];
            Some(Region { code: d.code.clone(), name: d.name.clone(), parent_code: d.parent_code.clone(), pieces })
        })
        .collect();
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

/// Draws streets, communities and grids over all pieces.
pub fn partition(units: &Units, divider: &Divider, divisions: &[Division], roads: &[Road]) -> Result<City, DemoError> {
    let all: Vec<usize> = (0..units.pieces.len()).collect();
    let (mut north, mut south): (Vec<usize>, Vec<usize>) =
        all.iter().partition(|&&i| divider.is_north(units.pieces[i].point));
    units.make_contiguous(&mut north, &mut south);
    units.make_contiguous(&mut south, &mut north);
    let mut city = City::default();
    for (half, items) in [(0, north), (1, south)] {
        let [west, east] = STREETS[half];
        let caps = [communities_of(divisions, west).len(), communities_of(divisions, east).len()];
        let wanted = ((units.weight(&items) as f64 / COMMUNITY_TARGET).round() as usize).max(2);
        // The eastern street is a strip at the frame's edge: about a third of its half, more if the western
        // street runs out of real communities.
        let east_n = wanted.div_ceil(3).max(wanted.saturating_sub(caps[0])).clamp(1, caps[1].max(1));
        let counts = [wanted.saturating_sub(east_n).clamp(1, caps[0].max(1)), east_n];
        let share = counts[0] as f64 / (counts[0] + counts[1]) as f64;
        let (w, e) = units.split_two(&items, share, Some(0));
        for ((code, pieces), n) in [west, east].into_iter().zip([w, e]).zip(counts) {
            let street = divisions
                .iter()
                .find(|d| d.level == "street" && d.code == code)
                .ok_or_else(|| DemoError::Topology(format!("street {code} is not in the division list")))?;
            let real = communities_of(divisions, code);
            let regions = units.bisect(&pieces, n.min(real.len()));
            for community in name_communities(units, regions, &real, roads) {
                let k = ((units.weight(&community.pieces) as f64 / GRID_TARGET).round() as usize).max(1);
                let grids = units.bisect(&community.pieces, k);
                let centres: Vec<Pt> = grids.iter().map(|g| centre(units, g)).collect();
                for (seq, g) in reading_order(&centres, 1_500).into_iter().enumerate() {
                    city.grids.push(Region {
                        code: format!("{}{:03}", community.code, seq + 1),
                        name: format!("{}第{}网格", community.name, seq + 1),
                        parent_code: community.code.clone(),
                        pieces: grids[g].clone(),
                    });
                }
                city.communities.push(community);
            }
            city.streets.push(Region {
                code: street.code.clone(),
                name: street.name.clone(),
                parent_code: street.parent_code.clone(),
                pieces,
            });
        }
    }
    city.streets.sort_by(|a, b| a.code.cmp(&b.code));
    city.communities.sort_by(|a, b| a.code.cmp(&b.code));
    city.grids.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(city)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_order_runs_west_to_east_then_north_to_south() {
        let pts = vec![[10, 0], [0, 0], [10, 100], [0, 95]];
        assert_eq!(reading_order(&pts, 10), vec![3, 2, 1, 0]);
    }
}

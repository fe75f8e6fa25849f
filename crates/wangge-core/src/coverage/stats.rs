//! Coverage statistics per grid, community, street or district, and for the whole city: covered
//! area, covered households and buildings, and the list of uncovered buildings (or blocks).
//!
//! Areas come from the per-unit covered parts and gaps, so covered + gap = the level's area.
//! A home counts as covered when a centre is within the walking budget *along the network* (its
//! off-network leg included), not merely inside a buffered polygon; the polygons are for the map
//! and for areas.

use super::compute::Coverage;
use super::context::Context;
use geo::BooleanOps;
use std::collections::BTreeMap;

/// A level of the hierarchy to aggregate at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// 网格.
    Grid = 0,
    /// 社区.
    Community = 1,
    /// 街道.
    Street = 2,
    /// 区.
    District = 3,
}

/// The statistics of one area (or of the whole city).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stat {
    /// The area's code (empty for the whole city).
    pub code: String,
    /// Its name.
    pub name: String,
    /// Area, m².
    pub area_m2: f64,
    /// Covered area, m².
    pub covered_m2: f64,
    /// Gap area, m².
    pub gap_m2: f64,
    /// Households living there.
    pub households: u64,
    /// Households within reach.
    pub covered_households: u64,
    /// Buildings (or blocks).
    pub buildings: usize,
    /// Buildings within reach.
    pub covered_buildings: usize,
    /// Home ids not within reach, ascending.
    pub uncovered: Vec<u32>,
}

impl Stat {
    /// Covered share of the area, percent.
    pub fn covered_area_pct(&self) -> f64 {
        pct(self.covered_m2, self.area_m2)
    }

    /// Covered share of households, percent.
    pub fn covered_households_pct(&self) -> f64 {
        pct(self.covered_households as f64, self.households as f64)
    }

    /// Households not within reach.
    pub fn uncovered_households(&self) -> u64 {
        self.households - self.covered_households
    }

    fn add_home(&mut self, h: u32, households: u64, covered: bool) {
        self.households += households;
        self.buildings += 1;
        if covered {
            self.covered_households += households;
            self.covered_buildings += 1;
        } else {
            self.uncovered.push(h);
        }
    }
}

fn pct(a: f64, b: f64) -> f64 {
    if b > 0.0 { 100.0 * a / b } else { 0.0 }
}

/// Statistics per area of `level`, in code order. Units without that level are left out.
pub fn by_level(ctx: &Context, cov: &Coverage, level: Level) -> Vec<Stat> {
    let mut out: BTreeMap<String, Stat> = BTreeMap::new();
    let key = |u: u32| ctx.units[u as usize].levels[level as usize].as_ref();
    for (u, unit) in ctx.units.iter().enumerate() {
        let Some((code, name)) = key(u as u32) else { continue };
        let s = out.entry(code.clone()).or_insert_with(|| Stat {
            code: code.clone(),
            name: name.clone(),
            ..Stat::default()
        });
        s.area_m2 += unit.area_m2;
        s.covered_m2 += cov.units[u].covered_m2;
        s.gap_m2 += cov.units[u].gap_m2;
    }
    for (h, home) in ctx.homes.iter().enumerate() {
        if let Some((code, _)) = home.unit.and_then(key)
            && let Some(s) = out.get_mut(code)
        {
            s.add_home(h as u32, home.households, cov.is_covered(h as u32));
        }
    }
    out.into_values().collect()
}

/// Statistics of the whole city: every unit's area and every home (also those outside all units).
pub fn total(ctx: &Context, cov: &Coverage) -> Stat {
    let mut s = Stat::default();
    for (u, unit) in ctx.units.iter().enumerate() {
        s.area_m2 += unit.area_m2;
        s.covered_m2 += cov.units[u].covered_m2;
        s.gap_m2 += cov.units[u].gap_m2;
    }
    for (h, home) in ctx.homes.iter().enumerate() {
        s.add_home(h as u32, home.households, cov.is_covered(h as u32));
    }
    s
}

/// What the straight-line circles claim that the network does not reach: area (m²), households
/// and buildings covered by `circle` but not by `network` (both over the same context).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CircleExcess {
    /// Area inside some circle but outside every isochrone, m².
    pub area_m2: f64,
    /// Households within a circle's radius but beyond the walking budget.
    pub households: u64,
    /// Buildings likewise.
    pub buildings: usize,
}

/// The circle-minus-network difference.
pub fn circle_excess(ctx: &Context, circle: &Coverage, network: &Coverage) -> CircleExcess {
    let mut e = CircleExcess::default();
    let frame = ctx.net.frame();
    for u in 0..ctx.units.len() {
        let (c, n) = (&circle.units[u], &network.units[u]);
        if c.covered_m2 > 0.0 {
            e.area_m2 +=
                if n.covered_m2 > 0.0 { frame.area_m2(&c.covered.difference(&n.covered)) } else { c.covered_m2 };
        }
    }
    for (h, home) in ctx.homes.iter().enumerate() {
        if circle.is_covered(h as u32) && !network.is_covered(h as u32) {
            e.households += home.households;
            e.buildings += 1;
        }
    }
    e
}

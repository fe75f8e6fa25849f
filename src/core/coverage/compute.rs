//! Coverage of one facility kind: each centre's service area and the homes it reaches, the union
//! of the service areas clipped to every unit, and the gaps (unit − union).
//!
//! # Incremental updates
//! Everything is kept per centre (its polygon and the homes it reaches) and per unit (covered part
//! and gap), plus a count per home of the centres reaching it. Adding, moving or removing a centre
//! recomputes that centre's service area and only the units its old and new areas meet; the rest of
//! the city is untouched. [`Coverage::compute`] is the same steps from nothing, so an incremental
//! result equals a full recompute (tested).

use super::context::{Context, Site, Unit};
use crate::core::isochrone::{circle, from_pieces};
use crate::core::network::{Snapped, Walker};
use geo::{Area, BooleanOps, BoundingRect, Coord, MultiPolygon, Polygon, Rect, unary_union};

/// How service areas are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Along the walking network (isochrones).
    Network,
    /// Straight-line circles of radius v·T, for comparison.
    Circle,
}

/// What a coverage is of: time, speed, method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Minutes of walking.
    pub minutes: f64,
    /// Walking speed, km/h.
    pub speed_kmh: f64,
    /// Network or circle.
    pub mode: Mode,
    /// Walk-off distance for isochrone polygons, metres (see [`crate::core::isochrone`]).
    pub walk_off_m: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            minutes: 15.0,
            speed_kmh: 4.0,
            mode: Mode::Network,
            walk_off_m: crate::core::isochrone::DEFAULT_WALK_OFF_M,
        }
    }
}

impl Params {
    /// The walking budget in metres: v·T.
    pub fn budget_m(&self) -> f64 {
        self.speed_kmh * 1000.0 / 60.0 * self.minutes
    }
}

/// One centre's service area.
#[derive(Debug, Clone)]
pub struct Served {
    /// The centre.
    pub site: Site,
    /// Where it joins the network (network mode).
    pub snapped: Option<Snapped>,
    /// Its service area in the frame, metres.
    pub polygon: MultiPolygon<f64>,
    /// The polygon's bounding box, if not empty.
    pub bbox: Option<Rect<f64>>,
    /// `(home, metres)` for every home within reach.
    pub homes: Vec<(u32, f64)>,
}

/// The covered part and the gap of one unit.
#[derive(Debug, Clone)]
pub struct UnitCover {
    /// Unit ∩ union of service areas (frame metres).
    pub covered: MultiPolygon<f64>,
    /// Unit − union of service areas (frame metres).
    pub gap: MultiPolygon<f64>,
    /// Area of `covered`, m².
    pub covered_m2: f64,
    /// Area of `gap`, m².
    pub gap_m2: f64,
}

impl Default for UnitCover {
    fn default() -> Self {
        UnitCover { covered: MultiPolygon(vec![]), gap: MultiPolygon(vec![]), covered_m2: 0.0, gap_m2: 0.0 }
    }
}

/// The service area of `site`: an isochrone and the homes within the walking budget (network), or
/// a circle and the homes within its radius as the crow flies (circle).
pub fn serve_site(ctx: &Context, walker: &mut Walker, site: Site, params: &Params) -> Served {
    let budget = params.budget_m();
    let frame = ctx.net.frame();
    let centre = frame.project(site.at);
    let (snapped, polygon, homes) = match params.mode {
        Mode::Circle => {
            let homes = ctx
                .homes_near(centre, budget * 1.01)
                .filter_map(|h| {
                    let d = crate::core::distance::geodesic_metres(site.at, ctx.homes[h as usize].at);
                    (d <= budget).then_some((h, d))
                })
                .collect();
            (None, circle(centre, budget), homes)
        }
        Mode::Network => match ctx.edges.snap(&ctx.net, site.at) {
            None => (None, MultiPolygon(vec![]), vec![]),
            Some(s) => {
                walker.run(&ctx.net, s, budget);
                // Walking distance is never shorter than the straight line; 1 % covers the frame.
                let homes = ctx
                    .homes_near(centre, budget * 1.01)
                    .filter_map(|h| {
                        let snap = ctx.home_snaps[h as usize].as_ref()?;
                        let d = walker.distance_to(&ctx.net, snap);
                        d.is_finite().then_some((h, d))
                    })
                    .collect();
                let mut pieces = walker.pieces(&ctx.net, budget);
                if s.off_m <= budget {
                    pieces.extend(walker.leg(&ctx.net, site.at));
                }
                (Some(s), from_pieces(&pieces, params.walk_off_m), homes)
            }
        },
    };
    let mut homes: Vec<(u32, f64)> = homes;
    homes.sort_by_key(|&(h, _)| h);
    let bbox = polygon.bounding_rect();
    Served { site, snapped, polygon, bbox, homes }
}

/// The coverage of one facility kind.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// What it measures.
    pub params: Params,
    /// Every centre's service area.
    pub centres: Vec<Served>,
    /// Per home: how many centres reach it.
    pub cover_count: Vec<u32>,
    /// Per unit: covered part and gap.
    pub units: Vec<UnitCover>,
}

impl Coverage {
    /// Computes the coverage of `sites` from nothing; `progress(done, total)` is called per centre.
    pub fn compute(ctx: &Context, sites: Vec<Site>, params: Params, progress: &dyn Fn(usize, usize)) -> Coverage {
        let mut walker = Walker::new(&ctx.net);
        let total = sites.len();
        let mut cov = Coverage {
            params,
            centres: Vec::with_capacity(total),
            cover_count: vec![0; ctx.homes.len()],
            units: vec![UnitCover::default(); ctx.units.len()],
        };
        for (i, site) in sites.into_iter().enumerate() {
            let served = serve_site(ctx, &mut walker, site, &params);
            cov.count(&served, 1);
            cov.centres.push(served);
            progress(i + 1, total);
        }
        // From nothing, one union of every service area serves all units (cheaper than a union
        // per unit); each unit is then cut by the union's parts that meet its bounding box.
        let union = unary_union(cov.centres.iter().map(|c| &c.polygon));
        for (u, unit) in ctx.units.iter().enumerate() {
            let near: Vec<Polygon<f64>> = union
                .0
                .iter()
                .filter(|p| p.bounding_rect().is_some_and(|b| boxes_meet(b, unit.bbox)))
                .cloned()
                .collect();
            cov.units[u] = cut(unit, &MultiPolygon(near));
        }
        cov
    }

    fn count(&mut self, served: &Served, delta: i32) {
        for &(h, _) in &served.homes {
            let c = &mut self.cover_count[h as usize];
            *c = c.saturating_add_signed(delta);
        }
    }

    /// Adds a centre and updates only the units its service area meets.
    pub fn add(&mut self, ctx: &Context, site: Site) {
        let served = serve_site(ctx, &mut Walker::new(&ctx.net), site, &self.params);
        self.count(&served, 1);
        let affected = served.bbox.map(|b| ctx.units_meeting(b)).unwrap_or_default();
        self.centres.push(served);
        self.refresh(ctx, &affected);
    }

    /// Removes the centre with `code`; returns whether there was one.
    pub fn remove(&mut self, ctx: &Context, code: &str) -> bool {
        let Some(i) = self.centres.iter().position(|c| c.site.code == code) else { return false };
        let served = self.centres.remove(i);
        self.count(&served, -1);
        let affected = served.bbox.map(|b| ctx.units_meeting(b)).unwrap_or_default();
        self.refresh(ctx, &affected);
        true
    }

    /// Moves the centre with `code` to `at`; returns whether there was one.
    pub fn move_to(&mut self, ctx: &Context, code: &str, at: Coord) -> bool {
        let Some(i) = self.centres.iter().position(|c| c.site.code == code) else { return false };
        let old = self.centres[i].clone();
        self.count(&old, -1);
        let site = Site { at, ..old.site.clone() };
        let served = serve_site(ctx, &mut Walker::new(&ctx.net), site, &self.params);
        self.count(&served, 1);
        let mut affected: Vec<u32> = old.bbox.map(|b| ctx.units_meeting(b)).unwrap_or_default();
        affected.extend(served.bbox.map(|b| ctx.units_meeting(b)).unwrap_or_default());
        affected.sort_unstable();
        affected.dedup();
        self.centres[i] = served;
        self.refresh(ctx, &affected);
        true
    }

    /// Recomputes the covered part and gap of the given units from the centres that meet them.
    fn refresh(&mut self, ctx: &Context, units: &[u32]) {
        for &u in units {
            let unit = &ctx.units[u as usize];
            let near: Vec<&MultiPolygon<f64>> = self
                .centres
                .iter()
                .filter(|c| c.bbox.is_some_and(|b| boxes_meet(b, unit.bbox)))
                .map(|c| &c.polygon)
                .collect();
            self.units[u as usize] = cut(unit, &unary_union(near));
        }
    }

    /// Whether home `h` is reached by at least one centre.
    pub fn is_covered(&self, h: u32) -> bool {
        self.cover_count[h as usize] > 0
    }
}

/// A unit's covered part and gap under `union`.
fn cut(unit: &Unit, union: &MultiPolygon<f64>) -> UnitCover {
    if union.0.is_empty() {
        return UnitCover {
            covered: MultiPolygon(vec![]),
            gap: unit.polygon.clone(),
            covered_m2: 0.0,
            gap_m2: unit.area_m2,
        };
    }
    let covered = unit.polygon.intersection(union);
    let gap = unit.polygon.difference(union);
    let (covered_m2, gap_m2) = (covered.unsigned_area(), gap.unsigned_area());
    UnitCover { covered, gap, covered_m2, gap_m2 }
}

fn boxes_meet(a: Rect<f64>, b: Rect<f64>) -> bool {
    a.min().x <= b.max().x && a.max().x >= b.min().x && a.min().y <= b.max().y && a.max().y >= b.min().y
}

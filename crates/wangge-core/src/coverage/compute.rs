//! Coverage of one facility kind: each centre's service area and the homes it reaches, the union
//! of the service areas clipped to every unit, and the gaps (unit − union).
//!
//! # Incremental updates
//! Everything is kept per centre (its polygon, its cells on the shared lattice and the homes it
//! reaches) and per unit (covered part and gap), plus a count per home and per lattice cell of the
//! centres reaching it. The union is the set of cells with a non-zero count, traced into polygons
//! one unit window at a time. Adding, moving or removing a centre
//! recomputes that centre's service area and only the units its old and new areas meet; the rest of
//! the city is untouched. [`Coverage::compute`] is the same steps from nothing, so an incremental
//! result equals a full recompute (tested).

use super::context::{Context, Site, Unit};
use crate::distance::LocalFrame;
use crate::isochrone::{cell_size, circle_raster, raster_of_pieces};
use crate::network::{Snapped, Walker};
use crate::raster::Raster;
use geo::{BooleanOps, BoundingRect, Coord, MultiPolygon, Rect};

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
    /// Walk-off distance for isochrone polygons, metres (see [`crate::isochrone`]).
    pub walk_off_m: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params { minutes: 15.0, speed_kmh: 4.0, mode: Mode::Network, walk_off_m: crate::isochrone::DEFAULT_WALK_OFF_M }
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
    /// The service area on the coverage's lattice.
    pub raster: Option<Raster>,
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

/// The homes within reach of `site`, `(home, metres)` in home order, and where it joins the
/// network: along the network within the walking budget (network), or within the radius as the
/// crow flies (circle). The walker is left holding the search, for [`serve_site`].
pub fn homes_within(
    ctx: &Context,
    walker: &mut Walker,
    site: &Site,
    params: &Params,
) -> (Option<Snapped>, Vec<(u32, f64)>) {
    let budget = params.budget_m();
    let centre = ctx.net.frame().project(site.at);
    // Walking distance is never shorter than the straight line; 1 % covers the frame's error.
    let near = ctx.homes_near(centre, budget * 1.01);
    let (snapped, mut homes): (Option<Snapped>, Vec<(u32, f64)>) = match params.mode {
        Mode::Circle => {
            let homes = near
                .filter_map(|h| {
                    let d = crate::distance::geodesic_metres(site.at, ctx.homes[h as usize].at);
                    (d <= budget).then_some((h, d))
                })
                .collect();
            (None, homes)
        }
        Mode::Network => match ctx.edges.snap(&ctx.net, site.at) {
            None => (None, vec![]),
            Some(s) => {
                walker.run(&ctx.net, s, budget);
                let homes = near
                    .filter_map(|h| {
                        let snap = ctx.home_snaps[h as usize].as_ref()?;
                        let d = walker.distance_to(&ctx.net, snap);
                        d.is_finite().then_some((h, d))
                    })
                    .collect();
                (Some(s), homes)
            }
        },
    };
    homes.sort_by_key(|&(h, _)| h);
    (snapped, homes)
}

/// The service area of `site`: the homes within reach ([`homes_within`]) and its polygon — the
/// isochrone of the reachable network, or the straight-line circle.
pub fn serve_site(ctx: &Context, walker: &mut Walker, site: Site, params: &Params) -> Served {
    let budget = params.budget_m();
    let cell = cell_size(params.walk_off_m);
    let (snapped, homes) = homes_within(ctx, walker, &site, params);
    let raster = match (params.mode, snapped) {
        (Mode::Circle, _) => circle_raster(ctx.net.frame().project(site.at), budget, cell),
        (Mode::Network, None) => None,
        (Mode::Network, Some(s)) => {
            let mut pieces = walker.pieces(&ctx.net, budget);
            if s.off_m <= budget {
                pieces.extend(walker.leg(&ctx.net, site.at));
            }
            raster_of_pieces(&pieces, params.walk_off_m)
        }
    };
    let polygon = raster.as_ref().map(Raster::polygons).unwrap_or(MultiPolygon(vec![]));
    let bbox = polygon.bounding_rect();
    Served { site, snapped, polygon, bbox, homes, raster }
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
    /// Per lattice cell over the units' extent: how many service areas cover it.
    counts: Counts,
}

/// Centre counts per lattice cell over a fixed window.
#[derive(Debug, Clone)]
struct Counts {
    window: Raster,
    count: Vec<u32>,
}

impl Counts {
    fn over(ctx: &Context, cell: f64) -> Counts {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for u in &ctx.units {
            x0 = x0.min(u.bbox.min().x);
            y0 = y0.min(u.bbox.min().y);
            x1 = x1.max(u.bbox.max().x);
            y1 = y1.max(u.bbox.max().y);
        }
        let window =
            Raster::window(cell, x0, y0, x1, y1).unwrap_or(Raster { cell, i0: 0, j0: 0, w: 0, h: 0, mask: vec![] });
        let count = vec![0; window.w * window.h];
        Counts { window, count }
    }

    fn add(&mut self, r: &Raster, delta: i32) {
        let wd = &self.window;
        for (i, j) in r.cells() {
            let (x, y) = (i - wd.i0, j - wd.j0);
            if x >= 0 && y >= 0 && (x as usize) < wd.w && (y as usize) < wd.h {
                let c = &mut self.count[y as usize * wd.w + x as usize];
                *c = c.saturating_add_signed(delta);
            }
        }
    }

    /// The covered cells inside `bbox` as polygons.
    fn covered_in(&self, bbox: Rect<f64>) -> MultiPolygon<f64> {
        let wd = &self.window;
        let Some(mut r) = Raster::window(wd.cell, bbox.min().x, bbox.min().y, bbox.max().x, bbox.max().y) else {
            return MultiPolygon(vec![]);
        };
        for y in 0..r.h {
            for x in 0..r.w {
                let (gx, gy) = (x as i64 + r.i0 - wd.i0, y as i64 + r.j0 - wd.j0);
                if gx >= 0 && gy >= 0 && (gx as usize) < wd.w && (gy as usize) < wd.h {
                    r.mask[y * r.w + x] = self.count[gy as usize * wd.w + gx as usize] > 0;
                }
            }
        }
        r.polygons()
    }
}

impl Coverage {
    /// Computes the coverage of `sites` from nothing; `progress(done, total)` is called per centre.
    pub fn compute(ctx: &Context, sites: Vec<Site>, params: Params, progress: &dyn Fn(usize, usize)) -> Coverage {
        let total = sites.len();
        let mut cov = Coverage {
            params,
            centres: Vec::with_capacity(total),
            cover_count: vec![0; ctx.homes.len()],
            units: vec![UnitCover::default(); ctx.units.len()],
            counts: Counts::over(ctx, cell_size(params.walk_off_m)),
        };
        // Service areas are independent: one worker per core, each with its own search workspace,
        // results kept in input order so the outcome does not depend on the thread count.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 16);
        let chunk = total.div_ceil(threads).max(1);
        let done = std::sync::atomic::AtomicUsize::new(0);
        let served: Vec<Served> = std::thread::scope(|scope| {
            let workers: Vec<_> = sites
                .chunks(chunk)
                .map(|part| {
                    let done = &done;
                    scope.spawn(move || {
                        let mut walker = Walker::new(&ctx.net);
                        part.iter()
                            .map(|site| {
                                let s = serve_site(ctx, &mut walker, site.clone(), &params);
                                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                s
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut out = Vec::with_capacity(total);
            for w in workers {
                progress(done.load(std::sync::atomic::Ordering::Relaxed), total);
                out.extend(w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            }
            out
        });
        progress(total, total);
        for s in served {
            cov.count(&s, 1);
            cov.centres.push(s);
        }
        let all: Vec<u32> = (0..ctx.units.len() as u32).collect();
        cov.refresh(ctx, &all);
        cov
    }

    fn count(&mut self, served: &Served, delta: i32) {
        if let Some(r) = &served.raster {
            self.counts.add(r, delta);
        }
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

    /// Recomputes the covered part and gap of the given units from the cell counts.
    fn refresh(&mut self, ctx: &Context, units: &[u32]) {
        // Units are independent too; split them over the cores when there are many.
        let threads = if units.len() >= 16 {
            std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 16)
        } else {
            1
        };
        let chunk = units.len().div_ceil(threads).max(1);
        let counts = &self.counts;
        let frame = ctx.net.frame();
        let cuts: Vec<(u32, UnitCover)> = std::thread::scope(|scope| {
            let workers: Vec<_> = units
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|&u| {
                                let unit = &ctx.units[u as usize];
                                (u, cut(&frame, unit, &counts.covered_in(unit.bbox)))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
        });
        for (u, c) in cuts {
            self.units[u as usize] = c;
        }
    }

    /// Whether home `h` is reached by at least one centre.
    pub fn is_covered(&self, h: u32) -> bool {
        self.cover_count[h as usize] > 0
    }
}

/// A unit's covered part and gap under `union`, cut in the frame and measured on the ellipsoid.
fn cut(frame: &LocalFrame, unit: &Unit, union: &MultiPolygon<f64>) -> UnitCover {
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
    let (covered_m2, gap_m2) = (frame.area_m2(&covered), frame.area_m2(&gap));
    UnitCover { covered, gap, covered_m2, gap_m2 }
}

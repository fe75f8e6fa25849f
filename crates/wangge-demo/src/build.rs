//! The whole pipeline: read the real inputs, draw the blocks, estimate households, partition, write.

use std::path::Path;

use serde::Serialize;

use super::blocks::{chords, face_polys, frame, frame_segments, planar_graph};
use super::city::{COMMUNITY_TARGET, DISTRICT_CODE, DIVIDER_ROAD, Divider, partition, south_communities};
use super::error::DemoError;
use super::households::{DensityMap, pieces};
use super::input::{Road, read_districts, read_divisions, read_roads};
use super::layers::Layers;
use super::write::write_all;
use wangge_core::planar::faces::Graph;
use wangge_core::planar::noding::{Pt, Segment, snap};
use wangge_core::planar::rings::{Metric, Poly, interior_point, ring_area2};

/// No piece of a grid may hold more estimated households than this; bigger blocks are cut by chords.
const MAX_PIECE: f64 = 120.0;

/// Rounds of chord cutting; each round halves every block still too big.
const MAX_ROUNDS: usize = 12;

/// Minimum, median and maximum of a count.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Spread {
    /// Smallest value.
    pub min: u32,
    /// Median (the lower one for an even count).
    pub median: u32,
    /// Largest value.
    pub max: u32,
}

impl Spread {
    /// The spread of some values (all zero when there are none).
    pub fn of(mut values: Vec<u32>) -> Spread {
        values.sort_unstable();
        match (values.first(), values.get((values.len().max(1) - 1) / 2), values.last()) {
            (Some(&min), Some(&median), Some(&max)) => Spread { min, median, max },
            _ => Spread::default(),
        }
    }
}

/// What [`build`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// Features in `district.geojson`.
    pub districts: usize,
    /// Features in `street.geojson`.
    pub streets: usize,
    /// Features in `community.geojson`.
    pub communities: usize,
    /// Features in `grid.geojson`.
    pub grids: usize,
    /// Features in `building.geojson`.
    pub buildings: usize,
    /// Features in `service_centre.geojson`.
    pub service_centres: usize,
    /// Features in `roads.geojson`.
    pub roads: usize,
    /// Estimated households in the whole frame.
    pub households: u64,
    /// Estimated residents in the whole frame.
    pub residents: u64,
    /// Area of the frame, km².
    pub frame_area_km2: f64,
    /// Calibrated households per km² of a fully residential block.
    pub households_per_km2: f64,
    /// Estimated households per grid.
    pub grid_households: Spread,
    /// Grids with 300–500 estimated households.
    pub grids_in_300_500: usize,
    /// Estimated households per community.
    pub community_households: Spread,
    /// Streets, communities and grids that had to be drawn as MultiPolygons.
    pub multipolygons: usize,
    /// Total bytes written.
    pub bytes_written: u64,
}

/// Reads the real data in `input_dir` (roads, district outlines, division list) and writes the demo city
/// to `out_dir`: seven GeoJSON layers and a README saying what is real and what is drawn.
pub fn build(input_dir: &Path, out_dir: &Path) -> Result<BuildReport, DemoError> {
    let roads = read_roads(&input_dir.join("roads.geojson"))?;
    let districts_path = input_dir.join("shenzhen_districts.geojson");
    let districts = read_districts(&districts_path)?;
    let divisions = read_divisions(&input_dir.join("shenzhen_divisions.csv"))?;
    let district = districts.iter().find(|d| d.code == DISTRICT_CODE).ok_or_else(|| DemoError::Malformed {
        path: districts_path.clone(),
        what: format!("no district {DISTRICT_CODE}"),
    })?;
    let outline = outline(district.polygons.iter().filter_map(|p| p.first()))
        .ok_or_else(|| DemoError::Malformed { path: districts_path, what: "empty district outline".into() })?;
    let frame = frame(&outline, bbox(&roads))?;
    let metric = Metric::at(frame.iter().map(|p| p[1] as f64).sum::<f64>() / frame.len() as f64 / 1e7);

    let mut base = frame_segments(&frame);
    base.extend(roads.iter().filter(|r| r.is_major()).flat_map(segments));
    let homely: Vec<Segment> = roads.iter().filter(|r| r.is_homely()).flat_map(segments).collect();
    let blocks = planar_graph(&frame, &base)?;
    let density = DensityMap::new(face_polys(&blocks).into_iter().flatten().collect(), &homely, metric);

    // Calibrate on the southern half, which must hold all the real communities of its streets.
    let divider = Divider::new(&roads, DIVIDER_ROAD)?;
    let south_km2: f64 = density
        .blocks()
        .iter()
        .filter(|(p, _)| interior_point(p).is_some_and(|q| !divider.is_north(q)))
        .map(|(p, f)| metric.m2(p.area2()) / 1e6 * f)
        .sum();
    let per_km2 = COMMUNITY_TARGET * south_communities(&divisions) as f64 / south_km2.max(1e-9);

    let (graph, polys, households) = cut_blocks(&frame, base, &density, per_km2, metric)?;
    let pieces = pieces(&graph, &polys, &households, metric)?;
    let units = super::partition::Units::new(&pieces, &graph.adjacency(), metric);
    let city = partition(&units, &divider, &divisions, &roads)?;
    let layers = Layers::new(&graph, &pieces, &city, &roads, &districts, metric)?;
    let bytes_written = write_all(out_dir, &layers, per_km2, metric.m2(ring_area2(&frame)) / 1e6)?;

    let grid_hh: Vec<u32> = city.grids.iter().map(|g| units.weight(&g.pieces) as u32).collect();
    let households = units.weight(&(0..pieces.len()).collect::<Vec<_>>());
    Ok(BuildReport {
        districts: layers.districts.len(),
        streets: layers.streets.len(),
        communities: layers.communities.len(),
        grids: layers.grids.len(),
        buildings: layers.buildings.len(),
        service_centres: layers.centres.len(),
        roads: layers.roads.len(),
        households,
        residents: super::layers::residents(households),
        frame_area_km2: (metric.m2(ring_area2(&frame)) / 1e4).round() / 100.0,
        households_per_km2: per_km2.round(),
        grids_in_300_500: grid_hh.iter().filter(|&&h| (300..=500).contains(&h)).count(),
        grid_households: Spread::of(grid_hh),
        community_households: Spread::of(city.communities.iter().map(|c| units.weight(&c.pieces) as u32).collect()),
        multipolygons: layers.multipolygons,
        bytes_written,
    })
}

/// The outer ring of the largest polygon, on the lattice, without the closing repeat.
fn outline<'a>(rings: impl Iterator<Item = &'a Vec<[f64; 2]>>) -> Option<Vec<Pt>> {
    let mut best: Option<Vec<Pt>> = None;
    for ring in rings {
        let mut pts: Vec<Pt> = ring.iter().map(|p| snap(*p)).collect();
        pts.dedup();
        if pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        if best.as_ref().is_none_or(|b| ring_area2(&pts).abs() > ring_area2(b).abs()) {
            best = Some(pts);
        }
    }
    best
}

/// West, south, east, north bounds of all road vertices.
fn bbox(roads: &[Road]) -> [f64; 4] {
    roads.iter().flat_map(|r| &r.coords).fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |b, c| {
        [b[0].min(c[0]), b[1].min(c[1]), b[2].max(c[0]), b[3].max(c[1])]
    })
}

/// A road's segments on the lattice.
fn segments(road: &Road) -> Vec<Segment> {
    road.coords.windows(2).map(|w| Segment { a: snap(w[0]), b: snap(w[1]), frame: false }).collect()
}

/// The final graph, its face polygons (`None` for the unbounded face) and each face's households.
type CutBlocks = (Graph, Vec<Option<Poly>>, Vec<f64>);

/// Cuts blocks with chords until none holds more than [`MAX_PIECE`] households. Returns the final graph,
/// its face polygons and each face's fractional household estimate.
fn cut_blocks(
    frame: &[Pt],
    mut segs: Vec<Segment>,
    density: &DensityMap,
    per_km2: f64,
    metric: Metric,
) -> Result<CutBlocks, DemoError> {
    let mut round = 0;
    loop {
        let graph = planar_graph(frame, &segs)?;
        let polys = face_polys(&graph);
        let households: Vec<f64> = polys
            .iter()
            .map(|p| match p.as_ref().and_then(|p| interior_point(p).map(|q| (p, q))) {
                Some((p, q)) => metric.m2(p.area2()) / 1e6 * per_km2 * density.factor_at(q),
                None => 0.0,
            })
            .collect();
        let big: Vec<&Poly> =
            polys.iter().zip(&households).filter(|(_, h)| **h > MAX_PIECE).filter_map(|(p, _)| p.as_ref()).collect();
        round += 1;
        if big.is_empty() || round > MAX_ROUNDS {
            return Ok((graph, polys, households));
        }
        let before = segs.len();
        segs.extend(big.into_iter().flat_map(|p| chords(p, metric)));
        if segs.len() == before {
            return Ok((graph, polys, households));
        }
    }
}

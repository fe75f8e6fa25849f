use super::engine::{Infeasible, Strategy, feasible_counts};
use super::units::{BuildingInput, RoadInput, Units};
use super::*;
use geo::{Coord, Geometry, LineString, Polygon};

/// A community, its roads by class and its buildings.
type City = (Geometry<f64>, Vec<(String, Vec<Coord<f64>>)>, Vec<BuildingInput>);

/// A square community `n` blocks across (each block 0.001°, ≈ 100 m), a road between every two rows
/// and columns — every fourth one primary, the rest footways — and one building per block.
fn city(n: usize, households: impl Fn(usize, usize) -> u64) -> City {
    let (x0, y0, d) = (114.0, 22.5, 0.001);
    let side = n as f64 * d;
    let square = Polygon::new(
        LineString::from(vec![(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side), (x0, y0)]),
        vec![],
    );
    let mut roads = Vec::new();
    for i in 1..n {
        let t = i as f64 * d;
        let class = if i % 4 == 0 { "primary" } else { "footway" };
        roads.push((class.to_string(), vec![Coord { x: x0 - d, y: y0 + t }, Coord { x: x0 + side + d, y: y0 + t }]));
        roads.push((class.to_string(), vec![Coord { x: x0 + t, y: y0 - d }, Coord { x: x0 + t, y: y0 + side + d }]));
    }
    let mut buildings = Vec::new();
    for i in 0..n {
        for j in 0..n {
            buildings.push(BuildingInput {
                code: format!("B{i:02}{j:02}"),
                households: households(i, j),
                residents: Some(households(i, j) * 2),
                point: Coord { x: x0 + (i as f64 + 0.4) * d, y: y0 + (j as f64 + 0.6) * d },
                footprint: None,
            });
        }
    }
    (Geometry::Polygon(square), roads, buildings)
}

fn units_of(c: &City) -> Units {
    let roads: Vec<RoadInput> = c.1.iter().map(|(h, l)| RoadInput { highway: h, coords: l }).collect();
    Units::build(&c.0, &roads, &c.2).unwrap_or_else(|e| panic!("{e}"))
}

fn params(seed: u64, strategy: Strategy) -> Params {
    Params { bounds: [300, 500], seed, strategy, grids: None }
}

/// Every block in exactly one grid, the grids' areas adding up to the community's, and no grid empty.
fn assert_exact_cover(units: &Units, p: &Proposal) {
    let mut count = vec![0; units.blocks.len()];
    for g in &p.grids {
        assert!(!g.blocks.is_empty(), "grid {} is empty", g.code);
        for &b in &g.blocks {
            count[b] += 1;
        }
    }
    assert!(count.iter().all(|&c| c == 1), "blocks not covered exactly once: {count:?}");
    let area: i128 = p.grids.iter().flat_map(|g| &g.polys).map(Poly::area2).sum();
    assert_eq!(area, units.outline.iter().map(Poly::area2).sum::<i128>());
}

#[test]
fn an_even_city_is_divided_within_bounds_with_codes_in_reading_order() {
    let c = city(8, |_, _| 30); // 64 blocks, 1,920 households → 4 or 5 grids of 300–500
    let units = units_of(&c);
    assert_eq!(units.blocks.len(), 64);
    for strategy in [Strategy::Grow, Strategy::Bisect] {
        let p = propose(&units, &c.2, "440304006009", 3, params(7, strategy));
        assert_exact_cover(&units, &p);
        assert!(feasible_counts(1920, [300, 500]).contains(&p.grids.len()));
        assert_eq!(p.metrics.within_bounds, p.grids.len(), "{strategy:?}: {:?}", p.metrics);
        assert!(p.infeasible.is_empty());
        assert_eq!(p.metrics.multipart_grids, 0);
        assert!(p.metrics.mean_polsby_popper > 0.4, "{:?}", p.metrics);
        let codes: Vec<&str> = p.grids.iter().map(|g| g.code.as_str()).collect();
        assert_eq!(codes[0], "440304006009001");
        // Code 001 is the north-westernmost grid: its interior point is in the top row, leftmost.
        let pts: Vec<[i64; 2]> = p.grids.iter().map(|g| interior_point(&g.polys[0]).unwrap_or([0, 0])).collect();
        assert!(pts.iter().all(|q| q[1] <= pts[0][1] + 10_000));
    }
}

#[test]
fn the_same_seed_gives_the_same_proposal_and_other_seeds_may_not() {
    let c = city(8, |i, j| 10 + ((i * 7 + j * 3) % 40) as u64);
    let units = units_of(&c);
    let a = propose(&units, &c.2, "440304006009", 3, params(42, Strategy::Grow));
    let b = propose(&units, &c.2, "440304006009", 3, params(42, Strategy::Grow));
    let blocks = |p: &Proposal| p.grids.iter().map(|g| g.blocks.clone()).collect::<Vec<_>>();
    assert_eq!(blocks(&a), blocks(&b));
    assert_eq!(a.metrics, b.metrics);
    let alts = alternatives(&units, &c.2, "440304006009", 3, [300, 500], 42, 3);
    assert_eq!(alts.len(), 3);
    assert_ne!(blocks(&alts[0]), blocks(&alts[1]));
    for p in &alts {
        assert_exact_cover(&units, p);
    }
}

#[test]
fn a_building_of_800_households_is_reported_and_the_rest_still_divided() {
    let c = city(8, |i, j| if (i, j) == (3, 3) { 800 } else { 25 });
    let units = units_of(&c);
    let p = propose(&units, &c.2, "440304006009", 3, params(1, Strategy::Grow));
    assert_exact_cover(&units, &p);
    assert!(
        p.infeasible
            .iter()
            .any(|i| matches!(i, Infeasible::BuildingOverMax { building, households: 800, max: 500, .. }
            if building == "B0303")),
        "{:?}",
        p.infeasible
    );
    let big = p.grids.iter().find(|g| g.households >= 800).unwrap_or_else(|| panic!("{:?}", p.metrics));
    assert_eq!(big.households, 800, "nothing more is added to the oversized grid");
    // The other 63 × 25 = 1,575 households are in grids within bounds.
    assert!(p.grids.iter().filter(|g| g.households != 800).all(|g| g.within_bounds), "{:?}", p.metrics);
}

#[test]
fn a_community_too_small_or_unsplittable_is_reported_not_looped_on() {
    let c = city(4, |_, _| 10); // 160 households
    let units = units_of(&c);
    let p = propose(&units, &c.2, "440304006009", 3, params(3, Strategy::Bisect));
    assert_eq!(p.grids.len(), 1);
    assert!(matches!(p.infeasible[..], [Infeasible::NoFeasibleCount { households: 160, .. }]));
    assert_eq!(p.infeasible[0].grid(), p.grids[0].code, "the reason names its grid");
    assert!(p.infeasible[0].proven());
    let c = city(4, |_, _| 0);
    let units = units_of(&c);
    let p = propose(&units, &c.2, "440304006009", 3, params(3, Strategy::Grow));
    assert_eq!(p.grids.len(), 1);
    assert_exact_cover(&units, &p);
}

#[test]
fn grids_prefer_to_cut_along_main_roads() {
    // 8 × 8 blocks of 25: the primary road at 4 splits it into four quarters of 400.
    let c = city(8, |_, _| 25);
    let units = units_of(&c);
    let p = propose(&units, &c.2, "440304006009", 3, params(5, Strategy::Grow));
    assert_eq!(p.grids.len(), 4);
    assert!(p.metrics.boundary_road_strength_pct > 60.0, "{:?}", p.metrics);
}

/// A 200 m square with no road inside: one block of 1,200 households in four buildings of 300.
fn one_block_of_1200() -> (Geometry<f64>, Vec<BuildingInput>) {
    let (x0, y0, d) = (114.0, 22.5, 0.002);
    let square =
        Polygon::new(LineString::from(vec![(x0, y0), (x0 + d, y0), (x0 + d, y0 + d), (x0, y0 + d), (x0, y0)]), vec![]);
    let buildings: Vec<BuildingInput> = [(0.3, 0.3), (0.3, 0.7), (0.7, 0.3), (0.72, 0.75)]
        .iter()
        .enumerate()
        .map(|(i, (fx, fy))| BuildingInput {
            code: format!("B{i}"),
            households: 300,
            residents: None,
            point: Coord { x: x0 + fx * d, y: y0 + fy * d },
            footprint: None,
        })
        .collect();
    (Geometry::Polygon(square), buildings)
}

#[test]
fn a_block_over_the_maximum_is_cut_between_its_buildings_into_grids_within_bounds() {
    let (community, buildings) = one_block_of_1200();
    let whole = Units::build(&community, &[], &buildings).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(whole.blocks.len(), 1);
    let units = Units::build_cut(&community, &[], &buildings, &[], 500, None).unwrap_or_else(|e| panic!("{e}"));
    assert!(units.chords >= 2, "{}", units.chords);
    assert!(
        units.blocks.iter().all(|b| b.households <= 500),
        "{:?}",
        units.blocks.iter().map(|b| b.households).collect::<Vec<_>>()
    );
    assert_eq!(units.households(), 1200);
    let area: i128 = units.blocks.iter().map(|b| b.poly.area2()).sum();
    assert_eq!(area, units.outline[0].area2(), "the pieces tile the block");
    let p = propose(&units, &buildings, "440304006009", 3, params(1, Strategy::Grow));
    assert_exact_cover(&units, &p);
    assert_eq!(p.metrics.within_bounds, p.grids.len(), "{:?}", p.metrics);
    assert!(p.infeasible.is_empty(), "{:?}", p.infeasible);
    assert_eq!(p.metrics.blocks_cut, units.chords);
}

#[test]
fn blocks_are_cut_only_where_whole_road_blocks_cannot_be_balanced() {
    // Whole blocks of 30 balance on their own: nothing is cut, and every grid is within bounds.
    let c = city(8, |_, _| 30);
    let roads: Vec<RoadInput> = c.1.iter().map(|(h, l)| RoadInput { highway: h, coords: l }).collect();
    let source = Source { community: &c.0, roads: &roads, buildings: &c.2, boundaries: &[] };
    let draw = |units: &Units| alternatives(units, &c.2, "440304006009", 3, [300, 500], 1, 2);
    let ps = cut_as_needed(source, [300, 500], draw).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ps.len(), 2);
    for p in &ps {
        assert_eq!(p.metrics.within_bounds, p.grids.len(), "{:?}", p.metrics);
        assert_eq!(p.metrics.blocks_cut, 0, "{:?}", p.metrics);
        assert!(p.infeasible.is_empty());
    }
    // One block of 1,200 households in four buildings and no road: it must be cut, and is.
    let (community, buildings) = one_block_of_1200();
    let source = Source { community: &community, roads: &[], buildings: &buildings, boundaries: &[] };
    let draw = |units: &Units| alternatives(units, &buildings, "440304006009", 3, [300, 500], 1, 1);
    let ps = cut_as_needed(source, [300, 500], draw).unwrap_or_else(|e| panic!("{e}"));
    assert!(ps[0].metrics.blocks_cut > 0 && ps[0].metrics.within_bounds == ps[0].grids.len(), "{:?}", ps[0].metrics);
}

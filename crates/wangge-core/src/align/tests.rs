//! Constructed cases: an identical copy, pairs merged, a copy shifted by 20 m, a random partition,
//! households from buildings, degenerate input.

use super::*;
use crate::distance::METRES_PER_DEGREE;
use geo::{BooleanOps, LineString, Polygon, unary_union};

const LAT0: f64 = 22.53;
const LON0: f64 = 114.03;

fn dlon(m: f64) -> f64 {
    m / (METRES_PER_DEGREE * LAT0.to_radians().cos())
}

fn dlat(m: f64) -> f64 {
    m / METRES_PER_DEGREE
}

/// A square of `size` metres whose south-west corner is `(x, y)` metres east/north of the origin.
fn square(x: f64, y: f64, size: f64) -> Polygon<f64> {
    let (x0, y0, x1, y1) = (LON0 + dlon(x), LAT0 + dlat(y), LON0 + dlon(x + size), LAT0 + dlat(y + size));
    Polygon::new(LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]), vec![])
}

/// An n×n layout of `size`-metre cells, offset by (`dx`, `dy`) metres, coded `{prefix}{row}{col}`.
fn cells(n: usize, size: f64, dx: f64, dy: f64, prefix: &str) -> Vec<Zone> {
    let mut out = Vec::new();
    for r in 0..n {
        for c in 0..n {
            out.push(Zone {
                code: format!("{prefix}{r:02}{c:02}"),
                area: MultiPolygon::new(vec![square(dx + c as f64 * size, dy + r as f64 * size, size)]),
                groups: vec![("community", format!("C{}", r / 2))],
            });
        }
    }
    out
}

fn class_counts(a: &Alignment) -> [usize; 4] {
    a.summary.classes
}

#[test]
fn an_identical_copy_is_all_identical_with_v_measure_one() {
    let ours = cells(4, 300.0, 0.0, 0.0, "G");
    let theirs = cells(4, 300.0, 0.0, 0.0, "P");
    let homes: Vec<Home> = (0..16)
        .map(|i| Home {
            at: Coord {
                x: LON0 + dlon(150.0 + 300.0 * (i % 4) as f64),
                y: LAT0 + dlat(150.0 + 300.0 * (i / 4) as f64),
            },
            households: 10 + i as u64,
        })
        .collect();
    let a = align(&ours, &theirs, &homes, &AlignConfig::default());
    assert_eq!(a.pairs.len(), 16, "shared edges make no pieces");
    assert_eq!(class_counts(&a), [16, 0, 0, 0]);
    assert!(a.slivers.is_empty());
    assert_eq!(a.summary.by_households.v_measure, 1.0);
    assert!((a.summary.by_area.v_measure - 1.0).abs() < 1e-9);
    assert_eq!(a.summary.households_mismatched, 0);
    for p in &a.pairs {
        assert!(p.hausdorff_m.unwrap() < 0.01, "{:?}", p.hausdorff_m);
        assert!(
            (p.share_ours - 1.0).abs() < 1e-6 && (p.share_theirs - 1.0).abs() < 1e-6,
            "{} {}",
            p.share_ours,
            p.share_theirs
        );
    }
    // Per-community summaries cover the same pairs: two communities of eight grids.
    assert_eq!(a.groups["community"].len(), 2);
    assert_eq!(a.groups["community"]["C0"].classes, [8, 0, 0, 0]);
}

#[test]
fn a_network_merging_pairs_of_grids_is_all_nested() {
    let ours = cells(4, 300.0, 0.0, 0.0, "G");
    let mut theirs = Vec::new();
    for r in 0..4 {
        for c in (0..4).step_by(2) {
            let two = MultiPolygon::new(vec![square(c as f64 * 300.0, r as f64 * 300.0, 300.0)])
                .union(&MultiPolygon::new(vec![square((c + 1) as f64 * 300.0, r as f64 * 300.0, 300.0)]));
            theirs.push(Zone { code: format!("M{r}{c}"), area: two, groups: vec![] });
        }
    }
    let a = align(&ours, &theirs, &[], &AlignConfig::default());
    assert_eq!(a.pairs.len(), 16);
    assert_eq!(class_counts(&a), [0, 16, 0, 0]);
    let m = a.summary.by_area;
    assert!((m.completeness - 1.0).abs() < 1e-9, "each grid lies in one of theirs: {m:?}");
    // H(C) = ln 16, H(C|K) = ln 2 ⇒ homogeneity 0.75.
    assert!((m.homogeneity - 0.75).abs() < 1e-6, "{m:?}");
    for p in &a.pairs {
        assert!((p.share_ours - 1.0).abs() < 1e-9 && (p.share_theirs - 0.5).abs() < 1e-6);
    }
}

#[test]
fn a_copy_shifted_by_20_m_has_slivers_and_hausdorff_20_m() {
    let ours = cells(4, 300.0, 0.0, 0.0, "G");
    let theirs = cells(4, 300.0, 20.0, 0.0, "P");
    let a = align(&ours, &theirs, &[], &AlignConfig::default());
    // Each grid meets its copy and, in columns 1–3, the strip of its west neighbour's copy.
    assert_eq!(a.pairs.len(), 16 + 12);
    assert_eq!(a.slivers.len(), 12);
    for s in &a.slivers {
        assert_eq!(s.reason, SliverReason::Thin);
        assert!((s.width_m - 20.0).abs() < 3.0, "a 20 × 300 m strip is about 19 m wide on average: {}", s.width_m);
        let p = &a.pairs[s.pair];
        let snap = s.snap.expect("a neighbour takes the strip");
        // No households on it: our boundary moves, to the grid whose copy the strip belongs to.
        assert_eq!(snap.side, Side::Ours);
        assert_eq!(ours[snap.to as usize].code[1..], theirs[p.theirs as usize].code[1..]);
    }
    let matched: Vec<f64> = a.pairs.iter().filter_map(|p| p.hausdorff_m).collect();
    assert!(matched.len() >= 16);
    let mut identical = 0;
    for (p, h) in a.pairs.iter().filter_map(|p| p.hausdorff_m.map(|h| (p, h))) {
        if ours[p.ours as usize].code[1..] == theirs[p.theirs as usize].code[1..] {
            assert!((h - 20.0).abs() < 0.1, "the copy of a grid is 20 m off: {h}");
            // Inner columns are identical once the slivers are discounted; the outer columns
            // have a strip outside the other network, so there one lies inside the other.
            assert!(matches!(p.class, PairClass::Identical | PairClass::Nested), "{:?}", p.class);
            identical += usize::from(p.class == PairClass::Identical);
        }
    }
    assert_eq!(identical, 8);
    assert!(a.summary.by_area.v_measure > 0.85 && a.summary.by_area.v_measure < 1.0);
}

/// A tiny deterministic generator (no randomness crate in the core).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

#[test]
fn a_random_partition_scores_low() {
    let ours = cells(4, 300.0, 0.0, 0.0, "G");
    // 20 × 20 cells of 60 m, each given to one of 16 labels at random: scattered zones.
    let mut rng = Lcg(7);
    let mut by_label: Vec<Vec<Polygon<f64>>> = vec![Vec::new(); 16];
    for r in 0..20 {
        for c in 0..20 {
            by_label[(rng.next() % 16) as usize].push(square(c as f64 * 60.0, r as f64 * 60.0, 60.0));
        }
    }
    let theirs: Vec<Zone> = by_label
        .into_iter()
        .enumerate()
        .map(|(i, ps)| Zone {
            code: format!("R{i:02}"),
            area: unary_union(ps.iter().map(|p| MultiPolygon::new(vec![p.clone()])).collect::<Vec<_>>().iter()),
            groups: vec![],
        })
        .collect();
    let a = align(&ours, &theirs, &[], &AlignConfig::default());
    let v = a.summary.by_area.v_measure;
    assert!(v < 0.3, "random labels agree little with the grids: {v}");
    assert_eq!(a.summary.classes[0] + a.summary.classes[1], 0, "nothing identical or nested");
    // Every piece is accounted for: the pieces tile the area (16 × 9 ha).
    assert!((a.summary.area_m2 - 16.0 * 90_000.0).abs() < 16.0 * 90_000.0 * 0.005, "{}", a.summary.area_m2);
}

#[test]
fn households_come_from_building_points_exactly() {
    let ours = cells(2, 300.0, 0.0, 0.0, "G");
    // Theirs: a west half and an east half cut at 100 m, so grid G0000 is split 100 / 200.
    let theirs = vec![
        Zone { code: "W".into(), area: MultiPolygon::new(vec![square_rect(0.0, 0.0, 100.0, 600.0)]), groups: vec![] },
        Zone { code: "E".into(), area: MultiPolygon::new(vec![square_rect(100.0, 0.0, 600.0, 600.0)]), groups: vec![] },
    ];
    let at = |x: f64, y: f64| Coord { x: LON0 + dlon(x), y: LAT0 + dlat(y) };
    let homes = vec![
        Home { at: at(50.0, 50.0), households: 7 },    // G0000 ∩ W
        Home { at: at(50.0, 250.0), households: 11 },  // G0000 ∩ W
        Home { at: at(250.0, 50.0), households: 5 }, // G0000 ∩ E: a mostly empty piece gets all 5, not a share by area
        Home { at: at(450.0, 450.0), households: 3 }, // G0101 ∩ E
        Home { at: at(900.0, 900.0), households: 99 }, // outside both
    ];
    let a = align(&ours, &theirs, &homes, &AlignConfig::default());
    let find = |o: &str, t: &str| {
        a.pairs.iter().find(|p| ours[p.ours as usize].code == o && theirs[p.theirs as usize].code == t).unwrap()
    };
    assert_eq!((find("G0000", "W").households, find("G0000", "W").buildings), (18, 2));
    assert_eq!((find("G0000", "E").households, find("G0000", "E").buildings), (5, 1));
    assert_eq!((find("G0101", "E").households, find("G0101", "E").buildings), (3, 1));
    assert_eq!(find("G0100", "W").households, 0);
    assert_eq!(a.summary.households, 26);
    assert_eq!(a.summary.households_outside_theirs, 0, "the point outside ours is in no piece");
    assert!((find("G0000", "W").share_ours - 1.0 / 3.0).abs() < 1e-6);
    // Two thirds of G0000 lie in E, a fifth of E in G0000: E's boundary cuts G0000.
    assert_eq!(find("G0000", "E").class, PairClass::Split);
    assert_eq!(find("G0001", "E").class, PairClass::Nested);
}

fn square_rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    let (a, b, c, d) = (LON0 + dlon(x0), LAT0 + dlat(y0), LON0 + dlon(x1), LAT0 + dlat(y1));
    Polygon::new(LineString::from(vec![(a, b), (c, b), (c, d), (a, d), (a, b)]), vec![])
}

#[test]
fn degenerate_input_is_reported_not_a_panic() {
    let ours = cells(2, 300.0, 0.0, 0.0, "G");
    let (x, y) = (LON0 + dlon(150.0), LAT0 + dlat(150.0));
    let spike = Polygon::new(
        LineString::from(vec![
            (x, y),
            (x + 1e-3, y),
            (x + 1e-3, y + 1e-3),
            (x + 1e-3, y + 2e-3),
            (x + 1e-3, y + 1e-3),
            (x, y),
        ]),
        vec![],
    );
    let flat = Polygon::new(LineString::from(vec![(x, y), (x + 1e-3, y), (x + 2e-3, y), (x, y)]), vec![]);
    let bowtie = Polygon::new(
        LineString::from(vec![(x, y), (x + 2e-3, y + 2e-3), (x + 2e-3, y), (x, y + 2e-3), (x, y)]),
        vec![],
    );
    let theirs: Vec<Zone> = [spike, flat, bowtie]
        .into_iter()
        .enumerate()
        .map(|(i, p)| Zone { code: format!("D{i}"), area: MultiPolygon::new(vec![p]), groups: vec![] })
        .collect();
    let a = align(&ours, &theirs, &[], &AlignConfig::default());
    assert!(a.pairs.iter().all(|p| p.area_m2.is_finite() && p.area_m2 >= 0.0));
    assert!(a.pairs.iter().any(|p| theirs[p.theirs as usize].code == "D2"), "the bow-tie overlaps grids");
}

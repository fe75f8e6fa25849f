//! The walking-network core against independent references: an O(n²) Dijkstra written here,
//! polygons that must hold every reached node, areas and households that must add up, an
//! incremental update that must equal a full recompute, and greedy picks against brute force.

use geo::{Contains, Coord, MultiPolygon, Polygon, Rect, coord};
use wangge_core::coverage::{self, Context, Coverage, Home, Level, Mode, Params, Site, UnitIn};
use wangge_core::isochrone::from_pieces;
use wangge_core::network::{Network, Snapped, Walker};

/// A deterministic pseudo-random sequence (no crate needed).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// An n×n lattice of nodes 0.0005° apart (≈ 51 m east, 55 m north at 22.5° N) with some edges
/// left out, plus a separate island far away: disconnected parts and uneven blocks.
fn lattice(n: usize, seed: u64) -> Network {
    let mut rng = Lcg(seed);
    let mut nodes = Vec::new();
    for j in 0..n {
        for i in 0..n {
            nodes.push(coord! { x: 114.0 + i as f64 * 0.0005, y: 22.5 + j as f64 * 0.0005 });
        }
    }
    let mut pairs = Vec::new();
    for j in 0..n {
        for i in 0..n {
            let v = (j * n + i) as u32;
            if i + 1 < n && rng.next() > 0.2 {
                pairs.push((v, v + 1));
            }
            if j + 1 < n && rng.next() > 0.2 {
                pairs.push((v, v + n as u32));
            }
        }
    }
    let base = nodes.len() as u32;
    nodes.push(coord! { x: 114.1, y: 22.6 });
    nodes.push(coord! { x: 114.1005, y: 22.6 });
    pairs.push((base, base + 1));
    Network::from_parts(nodes, &pairs)
}

/// Independent reference: plain O(n²) Dijkstra over an edge list, two sources with start costs.
fn reference(net: &Network, src: &Snapped, budget: f64) -> Vec<f64> {
    let n = net.node_count();
    let mut dist = vec![f64::INFINITY; n];
    let mut done = vec![false; n];
    let e = net.edge(src.edge);
    dist[e.a as usize] = src.off_m + src.t * e.len_m;
    dist[e.b as usize] = dist[e.b as usize].min(src.off_m + (1.0 - src.t) * e.len_m);
    while let Some(u) = (0..n).filter(|&u| !done[u] && dist[u].is_finite()).min_by(|&a, &b| dist[a].total_cmp(&dist[b]))
    {
        done[u] = true;
        for edge in net.edges() {
            let (a, b) = (edge.a as usize, edge.b as usize);
            for (x, y) in [(a, b), (b, a)] {
                if x == u && dist[u] + edge.len_m < dist[y] {
                    dist[y] = dist[u] + edge.len_m;
                }
            }
        }
    }
    dist.into_iter().map(|d| if d <= budget { d } else { f64::INFINITY }).collect()
}

#[test]
fn reachable_sets_equal_an_independent_dijkstra() {
    for seed in 1..=6 {
        let net = lattice(9, seed);
        let mut rng = Lcg(seed * 77);
        let mut walker = Walker::new(&net);
        for _ in 0..5 {
            let edge = (rng.next() * net.edge_count() as f64) as u32 % net.edge_count() as u32;
            let e = net.edge(edge);
            let t = rng.next();
            let (a, b) = (net.nodes()[e.a as usize], net.nodes()[e.b as usize]);
            let at = Coord { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
            let src = Snapped { edge, t, at, off_m: rng.next() * 30.0 };
            let budget = 100.0 + rng.next() * 300.0;
            walker.run(&net, src, budget);
            let expect = reference(&net, &src, budget);
            for (v, &d) in expect.iter().enumerate() {
                let got = walker.dist(v as u32);
                assert!(
                    (got.is_infinite() && d.is_infinite()) || (got - d).abs() < 1e-9,
                    "seed {seed}, node {v}: {got} vs {d}"
                );
            }
            // The island is never reached from the lattice.
            assert!(walker.dist(net.node_count() as u32 - 1).is_infinite());
            // Partial edges: any point on any edge is reached at the cheaper end plus the walk.
            for (ei, edge) in net.edges().iter().enumerate() {
                let s = rng.next();
                let target = Snapped { edge: ei as u32, t: s, at, off_m: 5.0 };
                let mut d =
                    (expect[edge.a as usize] + s * edge.len_m).min(expect[edge.b as usize] + (1.0 - s) * edge.len_m);
                if ei as u32 == src.edge {
                    d = d.min(src.off_m + (s - src.t).abs() * edge.len_m);
                }
                let d = if d + 5.0 <= budget { d + 5.0 } else { f64::INFINITY };
                let got = walker.distance_to(&net, &target);
                assert!((got.is_infinite() && d.is_infinite()) || (got - d).abs() < 1e-9, "edge {ei}: {got} vs {d}");
            }
        }
    }
}

#[test]
fn reached_nodes_lie_in_the_polygon_and_far_ones_do_not() {
    // A straight street of 60 nodes 0.0005° (≈ 51 m) apart: 1,000 m reach about 19 nodes each way.
    let nodes: Vec<Coord> = (0..60).map(|i| coord! { x: 114.0 + i as f64 * 0.0005, y: 22.5 }).collect();
    let pairs: Vec<(u32, u32)> = (0..59).map(|i| (i, i + 1)).collect();
    let net = Network::from_parts(nodes, &pairs);
    let src = Snapped { edge: 30, t: 0.5, at: coord! { x: 114.01525, y: 22.5 }, off_m: 0.0 };
    let budget = 1000.0;
    let mut walker = Walker::new(&net);
    walker.run(&net, src, budget);
    let poly = from_pieces(&walker.pieces(&net, budget), 50.0);
    let frame = net.frame();
    for v in 0..net.node_count() as u32 {
        let p = frame.project(net.nodes()[v as usize]);
        let d = walker.dist(v);
        if d <= budget {
            assert!(poly.contains(&p), "reached node {v} at {d} m lies in the isochrone");
        }
        let along = reference(&net, &src, f64::INFINITY)[v as usize];
        // Beyond the budget by more than the walk-off and half a cell diagonal: outside.
        if along > budget + 50.0 + 7.1 {
            assert!(!poly.contains(&p), "node {v} at {along} m along the street is outside");
        }
    }
    // And on the lattice with its gaps: every reached node is inside.
    let net = lattice(12, 9);
    let mut walker = Walker::new(&net);
    let src = Snapped { edge: 40, t: 0.3, at: net.nodes()[net.edge(40).a as usize], off_m: 10.0 };
    walker.run(&net, src, 400.0);
    let poly = from_pieces(&walker.pieces(&net, 400.0), 30.0);
    for &(v, _) in walker.settled() {
        assert!(poly.contains(&net.frame().project(net.nodes()[v as usize])), "node {v}");
    }
}

fn square(x: f64, y: f64, s: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(
        Rect::new(coord! { x: x, y: y }, coord! { x: x + s, y: y + s }).to_polygon().into_inner().0,
        vec![],
    )])
}

/// A 12×12 street lattice under 3×3 grids in 3 communities, 200 homes, deterministic.
fn city(seed: u64) -> Context {
    let net = lattice(12, seed);
    let s = 0.0005 * 11.0 / 3.0;
    let mut units = Vec::new();
    for j in 0..3 {
        for i in 0..3 {
            let code = format!("g{j}{i}");
            let levels = [
                Some((code.clone(), code.clone())),
                Some((format!("c{j}"), format!("community {j}"))),
                Some(("s".into(), "street".into())),
                None,
            ];
            units.push(UnitIn {
                code: code.clone(),
                name: code,
                levels,
                polygon: square(114.0 + i as f64 * s, 22.5 + j as f64 * s, s),
            });
        }
    }
    let mut rng = Lcg(seed + 1000);
    let homes = (0..200)
        .map(|k| {
            let at = coord! { x: 114.0 + rng.next() * 3.0 * s, y: 22.5 + rng.next() * 3.0 * s };
            let unit =
                Some(((at.y - 22.5) / s).floor().min(2.0) as u32 * 3 + ((at.x - 114.0) / s).floor().min(2.0) as u32);
            Home {
                code: format!("h{k}"),
                name: String::new(),
                at,
                households: 1 + (rng.next() * 90.0) as u64,
                estimated: true,
                unit,
            }
        })
        .collect();
    Context::new(net, units, homes)
}

fn sites(coords: &[(f64, f64)]) -> Vec<Site> {
    coords
        .iter()
        .enumerate()
        .map(|(i, &(x, y))| Site { code: format!("s{i}"), name: String::new(), at: coord! { x: x, y: y } })
        .collect()
}

fn params(minutes: f64) -> Params {
    Params { minutes, speed_kmh: 4.0, mode: Mode::Network, walk_off_m: 30.0 }
}

#[test]
fn areas_and_households_add_up() {
    let ctx = city(3);
    for mode in [Mode::Network, Mode::Circle] {
        let cov = Coverage::compute(
            &ctx,
            sites(&[(114.001, 22.501), (114.004, 22.504)]),
            Params { mode, ..params(4.0) },
            &|_, _| {},
        );
        let total = coverage::total(&ctx, &cov);
        assert!(total.covered_m2 > 0.0 && total.gap_m2 > 0.0, "a partial coverage: {total:?}");
        for (u, unit) in ctx.units.iter().enumerate() {
            let c = &cov.units[u];
            assert!(((c.covered_m2 + c.gap_m2) - unit.area_m2).abs() <= unit.area_m2 * 1e-3, "unit {u}");
        }
        assert!(((total.covered_m2 + total.gap_m2) - total.area_m2).abs() <= total.area_m2 * 1e-3);
        for level in [Level::Grid, Level::Community, Level::Street] {
            let rows = coverage::by_level(&ctx, &cov, level);
            assert_eq!(rows.iter().map(|r| r.households).sum::<u64>(), total.households);
            assert_eq!(rows.iter().map(|r| r.covered_households).sum::<u64>(), total.covered_households);
            assert_eq!(rows.iter().map(|r| r.uncovered.len()).sum::<usize>(), total.uncovered.len());
            for r in &rows {
                let listed: u64 = r.uncovered.iter().map(|&h| ctx.homes[h as usize].households).sum();
                assert_eq!(listed, r.uncovered_households(), "{}", r.code);
            }
        }
        assert_eq!(total.households, ctx.homes.iter().map(|h| h.households).sum::<u64>());
    }
}

fn assert_same(a: &Coverage, b: &Coverage) {
    assert_eq!(a.cover_count, b.cover_count);
    for (x, y) in a.units.iter().zip(&b.units) {
        assert!((x.covered_m2 - y.covered_m2).abs() < 1e-6 && (x.gap_m2 - y.gap_m2).abs() < 1e-6);
    }
}

#[test]
fn incremental_add_move_remove_equal_a_full_recompute() {
    let ctx = city(5);
    let p = params(3.0);
    let all = sites(&[(114.001, 22.501), (114.004, 22.502), (114.002, 22.5045), (114.0045, 22.5048)]);
    let mut cov = Coverage::compute(&ctx, all[..3].to_vec(), p, &|_, _| {});
    cov.add(&ctx, all[3].clone());
    assert_same(&cov, &Coverage::compute(&ctx, all.clone(), p, &|_, _| {}));
    assert!(cov.remove(&ctx, "s1"));
    assert!(!cov.remove(&ctx, "nope"));
    let without: Vec<Site> = all.iter().filter(|s| s.code != "s1").cloned().collect();
    assert_same(&cov, &Coverage::compute(&ctx, without.clone(), p, &|_, _| {}));
    let to = coord! { x: 114.0005, y: 22.5049 };
    assert!(cov.move_to(&ctx, "s0", to));
    let moved: Vec<Site> = without.into_iter().map(|s| if s.code == "s0" { Site { at: to, ..s } } else { s }).collect();
    assert_same(&cov, &Coverage::compute(&ctx, moved, p, &|_, _| {}));
}

#[test]
fn greedy_suggestions_match_brute_force_on_a_tiny_city() {
    let ctx = city(7);
    let p = params(2.0);
    let cov = Coverage::compute(&ctx, sites(&[(114.001, 22.501)]), p, &|_, _| {});
    let candidates =
        sites(&[(114.004, 22.504), (114.005, 22.501), (114.001, 22.505), (114.003, 22.503), (114.0045, 22.5045)]);
    let picks = coverage::suggest(&ctx, &cov, &candidates, 3);
    assert!(!picks.is_empty());
    assert!(picks.windows(2).all(|w| w[0].gain_households >= w[1].gain_households), "gains never increase");
    // Brute force over all pairs and singles.
    let sets = coverage::suggest::uncovered_reach(&ctx, &cov, &candidates, &p);
    let value = |pick: &[usize]| -> u64 {
        let mut hs: Vec<u32> = pick.iter().flat_map(|&i| sets[i].clone()).collect();
        hs.sort_unstable();
        hs.dedup();
        hs.iter().map(|&h| ctx.homes[h as usize].households).sum()
    };
    let best1 = (0..5).map(|i| value(&[i])).max().unwrap();
    assert_eq!(picks[0].gain_households, best1, "the first pick is the best single site");
    let best2 = (0..5).flat_map(|i| (0..5).map(move |j| (i, j))).map(|(i, j)| value(&[i, j])).max().unwrap();
    let greedy2 = picks.iter().take(2).map(|p| p.gain_households).sum::<u64>();
    assert!(greedy2 as f64 >= (1.0 - 1.0 / std::f64::consts::E) * best2 as f64);
    assert_eq!(greedy2, value(&picks.iter().take(2).map(|p| p.candidate).collect::<Vec<_>>()));
    // On this tiny case greedy is also optimal for two picks.
    assert_eq!(greedy2, best2);
}

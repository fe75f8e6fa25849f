//! Times the stages of a demo-city coverage (development aid): `cargo run --release --example
//! coverage_timing -- demo.gpkg`.
use std::time::Instant;
use wangge::core::coverage::{Coverage, Params};
use wangge::core::isochrone::from_pieces;
use wangge::core::network::Walker;
use wangge::service::coverage::{build_context, sites_of_kind};

fn main() {
    let db = std::env::args().nth(1).expect("db path");
    let store = wangge::store::Store::open(std::path::Path::new(&db)).unwrap();
    let snap = store.load_snapshot().unwrap();
    let (lines, noding) = store.load_roads().unwrap();
    let t = Instant::now();
    let ctx = build_context(&snap, &lines, noding);
    println!("context {:?} nodes {} edges {}", t.elapsed(), ctx.net.node_count(), ctx.net.edge_count());
    let sites = sites_of_kind(&snap, "党群服务中心");
    let mut w = Walker::new(&ctx.net);
    let p = Params::default();
    let t = Instant::now();
    let mut n_pieces = 0;
    let mut all = vec![];
    for s in &sites {
        let sn = ctx.edges.snap(&ctx.net, s.at).unwrap();
        w.run(&ctx.net, sn, p.budget_m());
        let pieces = w.pieces(&ctx.net, p.budget_m());
        n_pieces += pieces.len();
        all.push(pieces);
    }
    println!("dijkstra+pieces {:?} pieces {}", t.elapsed(), n_pieces);
    let t = Instant::now();
    let polys: Vec<_> = all.iter().map(|p| from_pieces(p, 50.0)).collect();
    let verts: usize = polys.iter().map(|p| geo::CoordsIter::coords_count(p)).sum();
    println!("buffers {:?} vertices {}", t.elapsed(), verts);
    let t = Instant::now();
    let polys2: Vec<_> = all
        .iter()
        .map(|p| {
            let st: Vec<geo::Polygon<f64>> = p.iter().map(|&[a, b]| stadium(a, b, 50.0)).collect();
            geo::unary_union(st.iter())
        })
        .collect();
    let verts: usize = polys2.iter().map(|p| geo::CoordsIter::coords_count(p)).sum();
    let a1: f64 = polys.iter().map(|p| geo::Area::unsigned_area(p)).sum();
    let a2: f64 = polys2.iter().map(|p| geo::Area::unsigned_area(p)).sum();
    println!("stadium unions {:?} vertices {} area {a1} vs {a2}", t.elapsed(), verts);
    let t = Instant::now();
    let u = geo::unary_union(polys.iter());
    println!("union {:?} vertices {}", t.elapsed(), geo::CoordsIter::coords_count(&u));
    let t = Instant::now();
    let cov = Coverage::compute(&ctx, sites, p, &|_, _| {});
    println!("compute {:?} {}", t.elapsed(), cov.centres.len());
}

fn stadium(a: geo::Coord, b: geo::Coord, r: f64) -> geo::Polygon<f64> {
    let d = b - a;
    let len = (d.x * d.x + d.y * d.y).sqrt();
    let ang = if len > 0.0 { d.y.atan2(d.x) } else { 0.0 };
    let k = 6;
    let mut ring = Vec::new();
    for i in 0..=k {
        let t = ang - std::f64::consts::FRAC_PI_2 + std::f64::consts::PI * i as f64 / k as f64;
        ring.push(geo::Coord { x: b.x + r * t.cos(), y: b.y + r * t.sin() });
    }
    for i in 0..=k {
        let t = ang + std::f64::consts::FRAC_PI_2 + std::f64::consts::PI * i as f64 / k as f64;
        ring.push(geo::Coord { x: a.x + r * t.cos(), y: a.y + r * t.sin() });
    }
    ring.push(ring[0]);
    geo::Polygon::new(geo::LineString(ring), vec![])
}

//! Geocoding throughput on a synthetic 1,000,000-address gazetteer (deterministic: 20,000 road
//! names × 50 doors), and the time to build its index.
//!
//! `cargo bench --bench geocode` — prints the build time once, then criterion measures queries
//! on one core: exact doors, doors written with Chinese numerals and building/unit/room suffixes,
//! one-character typos in the road name, and partial road names.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geo::Coord;
use std::hint::black_box;
use std::time::Instant;
use wangge_core::address::{AddressRecord, Gazetteer};
use wangge_core::snapshot::Snapshot;

const SYLLABLES: &str = "安宝北滨昌春大德东丰福港光广海和红华佳嘉金锦景康莲林龙梅明南农鹏平侨青荣瑞沙上深胜石泰桃天田万文西祥香新星兴秀阳益银永玉园月泽振中竹紫";
const SUFFIXES: [&str; 6] = ["路", "街", "大道", "巷", "一路", "二路"];
const ROADS: usize = 20_000;
const DOORS: usize = 50;

/// A small deterministic generator (xorshift), so every run indexes the same addresses.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

fn road_names() -> Vec<String> {
    let syllables: Vec<char> = SYLLABLES.chars().collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut seen = std::collections::HashSet::new();
    let mut names = Vec::with_capacity(ROADS);
    while names.len() < ROADS {
        let n = 2 + (rng.next() % 2) as usize;
        let mut name: String = (0..n).map(|_| *rng.pick(&syllables)).collect();
        name.push_str(rng.pick::<&str>(&SUFFIXES));
        if seen.insert(name.clone()) {
            names.push(name);
        }
    }
    names
}

fn records(names: &[String]) -> Vec<AddressRecord> {
    let mut out = Vec::with_capacity(ROADS * DOORS);
    for (r, name) in names.iter().enumerate() {
        let (x0, y0) = (113.8 + (r % 200) as f64 * 0.002, 22.4 + (r / 200) as f64 * 0.002);
        for d in 1..=DOORS {
            out.push(AddressRecord {
                code: format!("S{r:05}{d:02}"),
                address: format!("广东省深圳市福田区{name}{d}号"),
                road: Some(name.clone()),
                door: Some(d.to_string()),
                estate: None,
                point: Coord { x: x0 + d as f64 * 0.00003, y: y0 },
                building: None,
                grid: None,
                source: "synthetic".into(),
                illustrative: true,
            });
        }
    }
    out
}

fn chinese(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n].to_string(),
        10..=19 => format!("十{}", if n % 10 == 0 { "" } else { D[n % 10] }),
        _ => format!("{}十{}", D[n / 10], if n % 10 == 0 { "" } else { D[n % 10] }),
    }
}

fn queries(names: &[String], kind: &str) -> Vec<String> {
    let mut rng = Rng(42);
    (0..10_000)
        .map(|_| {
            let name = rng.pick(names);
            let door = 1 + (rng.next() % DOORS as u64) as usize;
            match kind {
                "exact" => format!("{name}{door}号"),
                "numerals_suffixes" => format!("深圳市福田区{name}{}号3栋2单元502室", chinese(door)),
                "typo" => {
                    let mut chars: Vec<char> = name.chars().collect();
                    chars[0] = '錯';
                    format!("{}{door}号", chars.into_iter().collect::<String>())
                }
                _ => name.chars().take(name.chars().count() - 1).collect(),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let names = road_names();
    let recs = records(&names);
    let started = Instant::now();
    let g = Gazetteer::build(recs, &Snapshot::empty());
    eprintln!("index build: {} addresses, {} names, {:.2} s", g.len(), names.len(), started.elapsed().as_secs_f64());
    let mut group = c.benchmark_group("geocode");
    group.throughput(Throughput::Elements(1));
    for kind in ["exact", "numerals_suffixes", "typo", "partial"] {
        let qs = queries(&names, kind);
        let found = qs.iter().filter(|q| !g.search(q, 5).candidates.is_empty()).count();
        eprintln!("{kind}: {found}/{} queries answered", qs.len());
        let mut i = 0;
        group.bench_function(kind, |b| {
            b.iter(|| {
                i = (i + 1) % qs.len();
                black_box(g.search(&qs[i], 5).candidates.len())
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);

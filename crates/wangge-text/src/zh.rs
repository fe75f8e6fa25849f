//! 简体中文 — the default catalog. Every text here is what the service has always printed; the
//! tests in `tests.rs` pin the exact strings the CLI and HTTP tests assert on.

use crate::Catalog;
use wangge_core::edit::{EditError, EditProblem};
use wangge_core::filter::{FilterError, FilterErrorKind};
use wangge_core::model::{GeometryKind, Layer};
use wangge_core::problem::Rule;
use wangge_core::rules::{Message, Severity};
use wangge_core::tiles::TileIdError;

/// The Chinese catalog.
pub(crate) struct Zh;

impl Catalog for Zh {
    fn layer(&self, layer: Layer) -> &'static str {
        match layer {
            Layer::District => "区",
            Layer::Street => "街道",
            Layer::Community => "社区",
            Layer::Grid => "网格",
            Layer::Building => "楼栋",
            Layer::ServiceCentre => "服务中心",
        }
    }

    fn severity(&self, severity: Severity) -> &'static str {
        match severity {
            Severity::Error => "错误",
            Severity::Warning => "警告",
        }
    }

    fn problem_subject(&self, index: Option<usize>, code: Option<&str>) -> String {
        match (index, code) {
            (Some(i), Some(c)) => format!("要素 #{i}（编码 {c}）"),
            (Some(i), None) => format!("要素 #{i}"),
            (None, Some(c)) => format!("编码 {c}"),
            (None, None) => "输入".to_string(),
        }
    }

    fn colon(&self) -> &'static str {
        "："
    }

    fn rule(&self, rule: &Rule) -> String {
        match rule {
            Rule::Malformed { detail } => format!("无法读取：{detail}"),
            Rule::MissingProperty { key } => format!("缺少属性 \"{key}\""),
            Rule::WrongGeometryType { layer, found } => {
                let want = match layer.geometry_kind() {
                    GeometryKind::Area => "Polygon 或 MultiPolygon",
                    GeometryKind::Point => "Point",
                    GeometryKind::PointOrArea => "Point、Polygon 或 MultiPolygon",
                };
                format!("几何类型 {found} 不适用于{}图层（应为 {want}）", self.layer(*layer))
            }
            Rule::UnclosedRing { ring } => format!("第 {ring} 个环未闭合（首尾坐标不同）"),
            Rule::TooFewPoints { ring } => format!("第 {ring} 个环少于 3 个不同的点"),
            Rule::TooManyVertices { count, limit } => format!("几何坐标点过多：{count} 个，上限为 {limit} 个"),
            Rule::EmptyGeometry => "几何为空（没有坐标）".to_string(),
            Rule::ZeroArea { ring } => format!("第 {ring} 个环的面积为零（所有点在一条直线上）"),
            Rule::SelfIntersection { ring, at } => {
                let place = at.map(|[x, y]| format!(" ({x:.7}, {y:.7})")).unwrap_or_default();
                format!("第 {ring} 个环自相交{place}")
            }
            Rule::InvalidRings { detail } => format!("环的关系无效：{detail}"),
            Rule::NonFiniteCoordinate { vertex } => format!("第 {vertex} 个坐标不是有限数（NaN 或无穷）"),
            Rule::OutOfRange { at: [x, y], looks_projected } => {
                let hint = if *looks_projected {
                    "；看起来是投影坐标（米），请用 --crs 指明，例如 EPSG:4547"
                } else {
                    ""
                };
                format!("坐标 ({x}, {y}) 超出经度 ±180、纬度 ±90 的范围{hint}")
            }
            Rule::Crs { detail } => format!("坐标转换失败：{detail}"),
            Rule::DuplicateCode { first: Some(i) } => format!("编码重复（与要素 #{i} 相同）"),
            Rule::DuplicateCode { first: None } => "编码已存在于该图层".to_string(),
            Rule::NotACount { key, found } => format!("属性 \"{key}\" 应为不小于 0 的整数，而不是 {found}"),
            Rule::UnknownParent { parent_code } => format!("上级编码 {parent_code} 不存在"),
            Rule::OutsideParent { parent_code, metres, tolerance_m, at: [x, y] } => {
                format!("超出上级 {parent_code} 的范围 {metres:.1} 米（容差 {tolerance_m} 米），位置 ({x:.7}, {y:.7})")
            }
            Rule::CodeSpaceFull { community, needed, available } => {
                format!("无法生成楼栋编码：社区 {community} 需要 {needed} 个新编码，00001–99999 中仅剩 {available} 个")
            }
        }
    }

    fn finding(&self, message: &Message) -> String {
        match message {
            Message::Problem(p) => format!(
                "[{}] {}{}{}",
                p.rule.id(),
                self.problem_subject(p.index, p.code.as_deref()),
                self.colon(),
                self.rule(&p.rule)
            ),
            Message::Overlap { layer, other, m2, tolerance_m2 } => {
                format!("与{} {other} 重叠 {m2:.1} 平方米（容差 {tolerance_m2} 平方米）", self.layer(*layer))
            }
            Message::Gap { parent_layer, parent, child_layer, pieces, m2 } => format!(
                "{} {parent} 内有 {pieces} 处未被任何{}覆盖，共 {m2:.1} 平方米",
                self.layer(*parent_layer),
                self.layer(*child_layer)
            ),
            Message::GridHouseholds { households, lo, hi } => {
                format!("综合网格有 {households} 户，超出 {lo}–{hi} 户的范围")
            }
            Message::GridResidents { residents, max } => format!("综合网格有 {residents} 名居民，超过 {max} 人"),
            Message::CommunityHouseholds { households, lo, hi } => {
                let verb = if households < lo { "合并" } else { "拆分" };
                format!("社区有 {households} 户，超出 {lo}–{hi} 户的范围，应考虑{verb}")
            }
            Message::CodeUnique { code } => format!("编码 {code} 在图层中重复"),
            Message::CodeLayout { code, digits } => format!("编码 {code} 应为 {digits} 位数字"),
            Message::CodePrefix { code, prefix } => format!("编码 {code} 不以上级编码 {prefix} 开头"),
            Message::GridWorker => "网格没有配备网格员（属性 worker）".to_string(),
            Message::WorkerShared { worker, grids } => {
                format!("网格员 {worker} 同时负责 {} 个网格（{}）", grids.len(), grids.join("、"))
            }
            Message::CommunityWorkers { households, workers, ratio, needed } => {
                format!("社区有 {households} 户、{workers} 名社区工作者，按每 {ratio} 户 1 名约需 {needed} 名")
            }
            Message::BuildingDuplicate { other, point } => {
                let what = if *point { "位置" } else { "轮廓" };
                format!("与楼栋 {other} 的{what}完全相同（重复登记）")
            }
            Message::BuildingOverlap { other, m2, percent, limit_percent } => {
                format!("与楼栋 {other} 重叠 {m2:.1} 平方米，占较小者的 {percent:.0}%（上限 {limit_percent:.0}%）")
            }
            Message::GridHouseholdsRollup { declared, sum, tolerance_percent } => {
                format!("网格登记 {declared} 户，其楼栋合计 {sum} 户（允许相差 {tolerance_percent:.0}%）")
            }
        }
    }

    fn with_source(&self, text: &str, source: &str) -> String {
        format!("{text}（依据：{source}）")
    }

    fn edit_problem(&self, problem: &EditProblem) -> String {
        match problem {
            EditProblem::NoArea => "要素没有面积".into(),
            EditProblem::EmptyLine => "拆分线没有坐标点".into(),
            EditProblem::DegenerateLine => "拆分线需要两个不同且有限的端点".into(),
            EditProblem::LineDoesNotCut => "拆分线没有把要素分成两部分（应从要素外穿过要素到要素外）".into(),
            EditProblem::MergeNeedsTwo => "合并至少需要两个代码".into(),
            EditProblem::MergeListedTwice(code) => format!("合并的代码 {code} 列出了两次"),
            EditProblem::NotAdjacent(n) => format!("这些要素不相邻：合并后分成 {n} 块"),
            EditProblem::NeighbourEmptied => "新边界使两个相邻要素之一变为空".into(),
            EditProblem::HasChildren { layer, code, children } => format!(
                "{}{code} 下仍有 {children} 个要素；请用 \"reassign_to\"（{}代码）指明它们的去处",
                self.layer(*layer),
                self.layer(*layer)
            ),
            EditProblem::ReassignToItself(code) => format!("\"reassign_to\" 指向被删除的要素 {code} 本身"),
            EditProblem::MergeAcrossParents { code, parent, survivor_parent } => {
                format!("{code} 属于 {parent}，第一个要素属于 {survivor_parent}：不同上级的要素不能合并")
            }
            EditProblem::InvalidFeature(p) => {
                use crate::Text;
                format!("结果无效：{}", p.message(crate::Lang::Zh))
            }
        }
    }

    fn edit_error(&self, error: &EditError) -> String {
        match error {
            EditError::NotFound { layer, code } => format!("{}：没有代码为 {code} 的要素", self.layer(*layer)),
            EditError::Exists { layer, code } => format!("{}：代码 {code} 已存在", self.layer(*layer)),
            EditError::Invalid(p) => self.edit_problem(p),
        }
    }

    fn tile(&self, error: &TileIdError) -> String {
        let max = error.max();
        match error {
            TileIdError::Zoom(raw) => format!("瓦片级别 z \"{raw}\" 无效：应为 0 到 {max} 的整数"),
            TileIdError::Column(raw, z) => format!("瓦片列号 x \"{raw}\" 无效：级别 {z} 应为 0 到 {max} 的整数"),
            TileIdError::Row(raw, z) => format!("瓦片行号 y \"{raw}\" 无效：级别 {z} 应为 0 到 {max} 的整数"),
        }
    }

    fn filter(&self, error: &FilterError) -> String {
        let what = match &error.kind {
            FilterErrorKind::UnexpectedEnd { expected } => format!("过滤条件提前结束，此处应为 {expected}"),
            FilterErrorKind::Unexpected { found, expected } => format!("此处不应出现 '{found}'，应为 {expected}"),
            FilterErrorKind::UnterminatedString => "字符串缺少结束引号".to_string(),
            FilterErrorKind::BadCharacter(c) => format!("无法识别的字符 '{c}'"),
            FilterErrorKind::BadNumber(n) => format!("'{n}' 不是数字"),
            FilterErrorKind::BadGeometry(d) => format!("几何字面量有误：{d}"),
            FilterErrorKind::TooDeep(n) => format!("嵌套超过 {n} 层（括号与 NOT）"),
            FilterErrorKind::TooLong(n) => format!("过滤条件超过 {n} 字节"),
        };
        format!("CQL2 过滤条件第 {} 个字符：{what}", error.position)
    }
}

//! The one catalog: every text in 简体中文 and English side by side, one `match` arm per value with
//! both languages in it (`zh_en!` / [`Lang::pick`]). A value the core adds breaks the build here
//! until it has an arm, and an arm cannot hold one language without the other, so no translation
//! can go missing. Every text is what the service has always printed; the tests in `tests.rs` pin
//! the exact strings the CLI and HTTP tests assert on.

use crate::{Catalog, Lang, zh_en};
use wangge_core::address::columns::GeocodeColumn;
use wangge_core::edit::{EditError, EditProblem};
use wangge_core::filter::{FilterError, FilterErrorKind};
use wangge_core::model::{GeometryKind, Layer};
use wangge_core::problem::Rule;
use wangge_core::propose::engine::Infeasible;
use wangge_core::rules::{Message, Severity};
use wangge_core::tiles::TileIdError;

/// The catalog in one language: the same table rendered for `.0`.
pub(crate) struct Texts(pub(crate) Lang);

/// 简体中文 — the default.
pub(crate) static ZH: Texts = Texts(Lang::Zh);
/// English (`--lang en` / `?lang=en`).
pub(crate) static EN: Texts = Texts(Lang::En);

impl Catalog for Texts {
    fn layer(&self, layer: Layer) -> &'static str {
        let l = self.0;
        match layer {
            Layer::District => l.pick("区", "district"),
            Layer::Street => l.pick("街道", "street"),
            Layer::Community => l.pick("社区", "community"),
            Layer::Grid => l.pick("网格", "grid"),
            Layer::Building => l.pick("楼栋", "building"),
            Layer::ServiceCentre => l.pick("服务中心", "service centre"),
        }
    }

    fn severity(&self, severity: Severity) -> &'static str {
        match severity {
            Severity::Error => self.0.pick("错误", "error"),
            Severity::Warning => self.0.pick("警告", "warning"),
        }
    }

    fn problem_subject(&self, index: Option<usize>, code: Option<&str>) -> String {
        let l = self.0;
        match (index, code) {
            (Some(i), Some(c)) => zh_en!(l, ("要素 #{i}（编码 {c}）"), ("feature #{i} (code {c})")),
            (Some(i), None) => zh_en!(l, ("要素 #{i}"), ("feature #{i}")),
            (None, Some(c)) => zh_en!(l, ("编码 {c}"), ("code {c}")),
            (None, None) => l.pick("输入", "input").to_string(),
        }
    }

    fn colon(&self) -> &'static str {
        self.0.pick("：", ": ")
    }

    fn rule(&self, rule: &Rule) -> String {
        let l = self.0;
        match rule {
            Rule::Malformed { detail } => zh_en!(l, ("无法读取：{detail}"), ("cannot be read: {detail}")),
            Rule::MissingProperty { key } => {
                zh_en!(l, ("缺少属性 \"{key}\""), ("property \"{key}\" is missing or empty"))
            }
            Rule::WrongGeometryType { layer, found } => {
                let want = match layer.geometry_kind() {
                    GeometryKind::Area => l.pick("Polygon 或 MultiPolygon", "Polygon or MultiPolygon"),
                    GeometryKind::Point => "Point",
                    GeometryKind::PointOrArea => {
                        l.pick("Point、Polygon 或 MultiPolygon", "Point, Polygon or MultiPolygon")
                    }
                };
                let layer = self.layer(*layer);
                zh_en!(
                    l,
                    ("几何类型 {found} 不适用于{layer}图层（应为 {want}）"),
                    ("geometry type {found} is not allowed in the {layer} layer (expected {want})")
                )
            }
            Rule::UnclosedRing { ring } => {
                zh_en!(
                    l,
                    ("第 {ring} 个环未闭合（首尾坐标不同）"),
                    ("ring {ring} is not closed (first and last positions differ)")
                )
            }
            Rule::TooFewPoints { ring } => {
                zh_en!(l, ("第 {ring} 个环少于 3 个不同的点"), ("ring {ring} has fewer than 3 distinct positions"))
            }
            Rule::TooManyVertices { count, limit } => zh_en!(
                l,
                ("几何坐标点过多：{count} 个，上限为 {limit} 个"),
                ("the geometry has too many vertices: {count}, the limit is {limit}")
            ),
            Rule::EmptyGeometry => l.pick("几何为空（没有坐标）", "the geometry is empty (no positions)").to_string(),
            Rule::ZeroArea { ring } => zh_en!(
                l,
                ("第 {ring} 个环的面积为零（所有点在一条直线上）"),
                ("ring {ring} encloses no area (all positions lie on one line)")
            ),
            Rule::SelfIntersection { ring, at } => {
                let place = at.map(|[x, y]| format!(" ({x:.7}, {y:.7})")).unwrap_or_default();
                zh_en!(l, ("第 {ring} 个环自相交{place}"), ("ring {ring} intersects itself{place}"))
            }
            Rule::InvalidRings { detail } => zh_en!(l, ("环的关系无效：{detail}"), ("invalid rings: {detail}")),
            Rule::NonFiniteCoordinate { vertex } => zh_en!(
                l,
                ("第 {vertex} 个坐标不是有限数（NaN 或无穷）"),
                ("vertex {vertex} is not a finite number (NaN or infinite)")
            ),
            Rule::OutOfRange { at: [x, y], looks_projected } => {
                let hint = if *looks_projected {
                    l.pick(
                        "；看起来是投影坐标（米），请用 --crs 指明，例如 EPSG:4547",
                        "; this looks like projected metres: name the CRS with --crs, e.g. EPSG:4547",
                    )
                } else {
                    ""
                };
                zh_en!(
                    l,
                    ("坐标 ({x}, {y}) 超出经度 ±180、纬度 ±90 的范围{hint}"),
                    ("position ({x}, {y}) is outside longitude ±180 / latitude ±90{hint}")
                )
            }
            Rule::Crs { detail } => zh_en!(l, ("坐标转换失败：{detail}"), ("coordinate conversion failed: {detail}")),
            Rule::DuplicateCode { first: Some(i) } => {
                zh_en!(l, ("编码重复（与要素 #{i} 相同）"), ("duplicate code (same as feature #{i})"))
            }
            Rule::DuplicateCode { first: None } => {
                l.pick("编码已存在于该图层", "code already exists in the layer").to_string()
            }
            Rule::NotACount { key, found } => zh_en!(
                l,
                ("属性 \"{key}\" 应为不小于 0 的整数，而不是 {found}"),
                ("property \"{key}\" must be a whole number of zero or more, not {found}")
            ),
            Rule::UnknownParent { parent_code } => {
                zh_en!(l, ("上级编码 {parent_code} 不存在"), ("parent code {parent_code} does not exist"))
            }
            Rule::OutsideParent { parent_code, metres, tolerance_m, at: [x, y] } => zh_en!(
                l,
                ("超出上级 {parent_code} 的范围 {metres:.1} 米（容差 {tolerance_m} 米），位置 ({x:.7}, {y:.7})"),
                ("reaches {metres:.1} m outside its parent {parent_code} (tolerance {tolerance_m} m) at ({x:.7}, {y:.7})")
            ),
            Rule::CodeSpaceFull { community, needed, available } => zh_en!(
                l,
                ("无法生成楼栋编码：社区 {community} 需要 {needed} 个新编码，00001–99999 中仅剩 {available} 个"),
                ("cannot generate a building code: community {community} needs {needed} new codes but only {available} of 00001–99999 are left")
            ),
        }
    }

    fn finding(&self, message: &Message) -> String {
        let l = self.0;
        match message {
            Message::Problem(p) => format!(
                "[{}] {}{}{}",
                p.rule.id(),
                self.problem_subject(p.index, p.code.as_deref()),
                self.colon(),
                self.rule(&p.rule)
            ),
            Message::Overlap { layer, other, m2, tolerance_m2 } => {
                let layer = self.layer(*layer);
                zh_en!(
                    l,
                    ("与{layer} {other} 重叠 {m2:.1} 平方米（容差 {tolerance_m2} 平方米）"),
                    ("overlaps {layer} {other} by {m2:.1} m² (tolerance {tolerance_m2} m²)")
                )
            }
            Message::Gap { parent_layer, parent, child_layer, pieces, m2 } => {
                let (parent_layer, child_layer) = (self.layer(*parent_layer), self.layer(*child_layer));
                zh_en!(
                    l,
                    ("{parent_layer} {parent} 内有 {pieces} 处未被任何{child_layer}覆盖，共 {m2:.1} 平方米"),
                    ("{parent_layer} {parent} has {pieces} piece(s) covered by no {child_layer}, {m2:.1} m² in all")
                )
            }
            Message::GridHouseholds { households, lo, hi } => zh_en!(
                l,
                ("综合网格有 {households} 户，超出 {lo}–{hi} 户的范围"),
                ("comprehensive grid has {households} households, outside {lo}–{hi}")
            ),
            Message::GridResidents { residents, max } => zh_en!(
                l,
                ("综合网格有 {residents} 名居民，超过 {max} 人"),
                ("comprehensive grid has {residents} residents, more than {max}")
            ),
            Message::CommunityHouseholds { households, lo, hi } => {
                let verb = if households < lo { l.pick("合并", "merged") } else { l.pick("拆分", "split") };
                zh_en!(
                    l,
                    ("社区有 {households} 户，超出 {lo}–{hi} 户的范围，应考虑{verb}"),
                    ("community has {households} households, outside {lo}–{hi}; consider it to be {verb}")
                )
            }
            Message::CodeUnique { code } => {
                zh_en!(l, ("编码 {code} 在图层中重复"), ("code {code} occurs more than once"))
            }
            Message::CodeLayout { code, digits } => {
                zh_en!(l, ("编码 {code} 应为 {digits} 位数字"), ("code {code} should be {digits} digits"))
            }
            Message::CodePrefix { code, prefix } => zh_en!(
                l,
                ("编码 {code} 不以上级编码 {prefix} 开头"),
                ("code {code} does not start with its parent's code {prefix}")
            ),
            Message::GridWorker => {
                l.pick("网格没有配备网格员（属性 worker）", "grid has no grid worker (attribute worker)").to_string()
            }
            Message::WorkerShared { worker, grids } => {
                let (n, list) = (grids.len(), grids.join(l.pick("、", ", ")));
                zh_en!(
                    l,
                    ("网格员 {worker} 同时负责 {n} 个网格（{list}）"),
                    ("worker {worker} serves {n} grids ({list})")
                )
            }
            Message::CommunityWorkers { households, workers, ratio, needed } => zh_en!(
                l,
                ("社区有 {households} 户、{workers} 名社区工作者，按每 {ratio} 户 1 名约需 {needed} 名"),
                ("community has {households} households and {workers} community workers; one per {ratio} households means about {needed}")
            ),
            Message::BuildingDuplicate { other, point } => {
                let what = if *point { l.pick("位置", "point") } else { l.pick("轮廓", "footprint") };
                zh_en!(
                    l,
                    ("与楼栋 {other} 的{what}完全相同（重复登记）"),
                    ("has the same {what} as building {other} (entered twice)")
                )
            }
            Message::BuildingOverlap { other, m2, percent, limit_percent } => zh_en!(
                l,
                ("与楼栋 {other} 重叠 {m2:.1} 平方米，占较小者的 {percent:.0}%（上限 {limit_percent:.0}%）"),
                ("overlaps building {other} by {m2:.1} m², {percent:.0} % of the smaller (limit {limit_percent:.0} %)")
            ),
            Message::GridHouseholdsRollup { declared, sum, tolerance_percent } => zh_en!(
                l,
                ("网格登记 {declared} 户，其楼栋合计 {sum} 户（允许相差 {tolerance_percent:.0}%）"),
                ("grid declares {declared} households, its buildings add up to {sum} (tolerance {tolerance_percent:.0} %)")
            ),
        }
    }

    fn with_source(&self, text: &str, source: &str) -> String {
        zh_en!(self.0, ("{text}（依据：{source}）"), ("{text} (source: {source})"))
    }

    fn edit_problem(&self, problem: &EditProblem) -> String {
        let l = self.0;
        match problem {
            EditProblem::NoArea => l.pick("要素没有面积", "the feature has no area").into(),
            EditProblem::EmptyLine => l.pick("拆分线没有坐标点", "the split line has no points").into(),
            EditProblem::DegenerateLine => {
                l.pick("拆分线需要两个不同且有限的端点", "the split line needs two distinct finite end points").into()
            }
            EditProblem::LineDoesNotCut => l
                .pick(
                    "拆分线没有把要素分成两部分（应从要素外穿过要素到要素外）",
                    "the split line does not cut the feature in two (it must cross it from outside to outside)",
                )
                .into(),
            EditProblem::MergeNeedsTwo => l.pick("合并至少需要两个代码", "merge needs at least two codes").into(),
            EditProblem::MergeListedTwice(code) => {
                zh_en!(l, ("合并的代码 {code} 列出了两次"), ("code {code} is listed twice in the merge"))
            }
            EditProblem::NotAdjacent(n) => zh_en!(
                l,
                ("这些要素不相邻：合并后分成 {n} 块"),
                ("the features are not adjacent: their union has {n} separate parts")
            ),
            EditProblem::NeighbourEmptied => l
                .pick("新边界使两个相邻要素之一变为空", "the new boundary leaves one of the two neighbours empty")
                .into(),
            EditProblem::HasChildren { layer, code, children } => {
                let layer = self.layer(*layer);
                zh_en!(
                    l,
                    ("{layer}{code} 下仍有 {children} 个要素；请用 \"reassign_to\"（{layer}代码）指明它们的去处"),
                    ("{layer} {code} still has {children} feature(s) below it; say where they go with \"reassign_to\" (a {layer} code)")
                )
            }
            EditProblem::ReassignToItself(code) => zh_en!(
                l,
                ("\"reassign_to\" 指向被删除的要素 {code} 本身"),
                ("\"reassign_to\" names the deleted feature {code} itself")
            ),
            EditProblem::MergeAcrossParents { code, parent, survivor_parent } => zh_en!(
                l,
                ("{code} 属于 {parent}，第一个要素属于 {survivor_parent}：不同上级的要素不能合并"),
                ("{code} belongs to {parent}, the first feature to {survivor_parent}: features of different parents cannot merge")
            ),
            EditProblem::InvalidFeature(p) => {
                use crate::Text;
                let why = p.message(l);
                zh_en!(l, ("结果无效：{why}"), ("the result would not be valid: {why}"))
            }
        }
    }

    /// In English the layer is named by its id (`grid`, `service_centre`), as the English text
    /// always has; in Chinese by its name.
    fn edit_error(&self, error: &EditError) -> String {
        let l = self.0;
        match error {
            EditError::NotFound { layer, code } => {
                let layer = l.pick(self.layer(*layer), layer.id());
                zh_en!(l, ("{layer}：没有代码为 {code} 的要素"), ("{layer}: no feature with code {code}"))
            }
            EditError::Exists { layer, code } => {
                let layer = l.pick(self.layer(*layer), layer.id());
                zh_en!(l, ("{layer}：代码 {code} 已存在"), ("{layer}: code {code} already exists"))
            }
            EditError::Invalid(p) => self.edit_problem(p),
        }
    }

    fn tile(&self, error: &TileIdError) -> String {
        let (l, max) = (self.0, error.max());
        match error {
            TileIdError::Zoom(raw) => zh_en!(
                l,
                ("瓦片级别 z \"{raw}\" 无效：应为 0 到 {max} 的整数"),
                ("tile zoom z \"{raw}\" is not valid: expected a whole number 0..={max}")
            ),
            TileIdError::Column(raw, z) => zh_en!(
                l,
                ("瓦片列号 x \"{raw}\" 无效：级别 {z} 应为 0 到 {max} 的整数"),
                ("tile column x \"{raw}\" is not valid: at zoom {z} expected 0..={max}")
            ),
            TileIdError::Row(raw, z) => zh_en!(
                l,
                ("瓦片行号 y \"{raw}\" 无效：级别 {z} 应为 0 到 {max} 的整数"),
                ("tile row y \"{raw}\" is not valid: at zoom {z} expected 0..={max}")
            ),
        }
    }

    fn filter(&self, error: &FilterError) -> String {
        let l = self.0;
        let what = match &error.kind {
            FilterErrorKind::UnexpectedEnd { expected } => {
                zh_en!(l, ("过滤条件提前结束，此处应为 {expected}"), ("unexpected end of filter, expected {expected}"))
            }
            FilterErrorKind::Unexpected { found, expected } => {
                zh_en!(l, ("此处不应出现 '{found}'，应为 {expected}"), ("unexpected '{found}', expected {expected}"))
            }
            FilterErrorKind::UnterminatedString => {
                l.pick("字符串缺少结束引号", "unterminated string literal").to_string()
            }
            FilterErrorKind::BadCharacter(c) => zh_en!(l, ("无法识别的字符 '{c}'"), ("unexpected character '{c}'")),
            FilterErrorKind::BadNumber(n) => zh_en!(l, ("'{n}' 不是数字"), ("'{n}' is not a number")),
            FilterErrorKind::BadGeometry(d) => zh_en!(l, ("几何字面量有误：{d}"), ("geometry literal: {d}")),
            FilterErrorKind::TooDeep(n) => zh_en!(
                l,
                ("嵌套超过 {n} 层（括号与 NOT）"),
                ("the filter nests deeper than {n} levels (parentheses and NOT)")
            ),
            FilterErrorKind::TooLong(n) => {
                zh_en!(l, ("过滤条件超过 {n} 字节"), ("the filter is longer than {n} bytes"))
            }
        };
        let at = error.position;
        zh_en!(l, ("CQL2 过滤条件第 {at} 个字符：{what}"), ("CQL2 filter, character {at}: {what}"))
    }

    fn geocode_column(&self, column: GeocodeColumn) -> &'static str {
        let zh = match column {
            GeocodeColumn::Status => "匹配状态",
            GeocodeColumn::Score => "匹配得分",
            GeocodeColumn::Level => "匹配级别",
            GeocodeColumn::MatchedAddress => "匹配地址",
            GeocodeColumn::Lon => "匹配经度",
            GeocodeColumn::Lat => "匹配纬度",
            GeocodeColumn::Building => "楼栋编码",
            GeocodeColumn::GridCode => "网格编码",
            GeocodeColumn::GridName => "网格名称",
            GeocodeColumn::CommunityCode => "社区编码",
            GeocodeColumn::CommunityName => "社区名称",
            GeocodeColumn::StreetCode => "街道编码",
            GeocodeColumn::StreetName => "街道名称",
            GeocodeColumn::DistrictCode => "区编码",
            GeocodeColumn::DistrictName => "区名称",
        };
        self.0.pick(zh, column.key())
    }

    fn infeasible(&self, reason: &Infeasible) -> String {
        let l = self.0;
        match reason {
            Infeasible::BuildingOverMax { grid, building, households, max } => zh_en!(
                l,
                ("网格 {grid}：楼栋 {building} 有 {households} 户，超过每格上限 {max} 户，楼栋不可拆分"),
                ("grid {grid}: building {building} holds {households} households, over the {max} a grid may hold, and a building is not split")
            ),
            Infeasible::BlockOverMax { grid, buildings, households, max } => {
                let n = buildings.len();
                zh_en!(
                    l,
                    ("网格 {grid}：一个街区内 {n} 栋楼共 {households} 户，超过上限 {max} 户，且任何直线都会穿过楼栋，无法切分"),
                    ("grid {grid}: one block holds {n} buildings with {households} households, over {max}, and no straight line between its buildings cuts it")
                )
            }
            Infeasible::NoFeasibleCount { grid, households, min, max } => zh_en!(
                l,
                ("网格 {grid}：所在区域 {households} 户无法分成每格 {min}–{max} 户的整数个网格"),
                ("grid {grid}: the {households} households of its part cannot be divided into a whole number of grids of {min}–{max}")
            ),
            Infeasible::DetachedPart { grid, households, min } => zh_en!(
                l,
                ("网格 {grid}：含一块与社区其余部分不相连的区域，仅 {households} 户，少于下限 {min} 户，不能单独成格"),
                ("grid {grid}: holds a part of the community cut off from the rest with only {households} households, under the minimum of {min}")
            ),
            Infeasible::NotFound { grid, households, min, max } => zh_en!(
                l,
                ("网格 {grid}：{households} 户，未找到使其在 {min}–{max} 户内的划分（未证明不可能）"),
                ("grid {grid}: {households} households; no division found that puts it within {min}–{max} (not proven impossible)")
            ),
        }
    }
}

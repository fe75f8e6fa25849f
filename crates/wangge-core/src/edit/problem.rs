//! Why an edit's shape operation cannot be done, as values with a 简体中文 and an English text.

use crate::i18n::Lang;

/// A shape or argument problem of one edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditProblem {
    /// The feature has no area to cut.
    NoArea,
    /// The split line has no points.
    EmptyLine,
    /// The split line's ends coincide or are not finite.
    DegenerateLine,
    /// The split line does not cross the feature from outside to outside.
    LineDoesNotCut,
    /// Merge was given fewer than two codes.
    MergeNeedsTwo,
    /// Merge was given one code more than once.
    MergeListedTwice(String),
    /// The merged features do not touch: their union has this many parts.
    NotAdjacent(usize),
    /// The moved boundary would leave one neighbour empty.
    NeighbourEmptied,
}

impl EditProblem {
    /// The text in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            EditProblem::NoArea => lang.pick("要素没有面积", "the feature has no area").into(),
            EditProblem::EmptyLine => lang.pick("拆分线没有坐标点", "the split line has no points").into(),
            EditProblem::DegenerateLine => lang
                .pick("拆分线需要两个不同且有限的端点", "the split line needs two distinct finite end points")
                .into(),
            EditProblem::LineDoesNotCut => lang
                .pick(
                    "拆分线没有把要素分成两部分（应从要素外穿过要素到要素外）",
                    "the split line does not cut the feature in two (it must cross it from outside to outside)",
                )
                .into(),
            EditProblem::MergeNeedsTwo => lang.pick("合并至少需要两个代码", "merge needs at least two codes").into(),
            EditProblem::MergeListedTwice(code) => {
                if zh {
                    format!("合并的代码 {code} 列出了两次")
                } else {
                    format!("code {code} is listed twice in the merge")
                }
            }
            EditProblem::NotAdjacent(n) => {
                if zh {
                    format!("这些要素不相邻：合并后分成 {n} 块")
                } else {
                    format!("the features are not adjacent: their union has {n} separate parts")
                }
            }
            EditProblem::NeighbourEmptied => lang
                .pick("新边界使两个相邻要素之一变为空", "the new boundary leaves one of the two neighbours empty")
                .into(),
        }
    }
}

impl std::fmt::Display for EditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

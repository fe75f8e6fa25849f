//! Why an edit's shape operation cannot be done, as values; `wangge-text` renders them.

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
    /// Stable key of the problem, e.g. `edit.not_adjacent`.
    pub fn key(&self) -> &'static str {
        match self {
            EditProblem::NoArea => "edit.no_area",
            EditProblem::EmptyLine => "edit.empty_line",
            EditProblem::DegenerateLine => "edit.degenerate_line",
            EditProblem::LineDoesNotCut => "edit.line_does_not_cut",
            EditProblem::MergeNeedsTwo => "edit.merge_needs_two",
            EditProblem::MergeListedTwice(_) => "edit.merge_listed_twice",
            EditProblem::NotAdjacent(_) => "edit.not_adjacent",
            EditProblem::NeighbourEmptied => "edit.neighbour_emptied",
        }
    }
}

/// The key and its value, for logs and `Error` chains; people read the catalog's text.
impl std::fmt::Display for EditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditProblem::NotAdjacent(n) => write!(f, "{} ({n})", self.key()),
            EditProblem::MergeListedTwice(code) => write!(f, "{} ({code})", self.key()),
            _ => f.write_str(self.key()),
        }
    }
}

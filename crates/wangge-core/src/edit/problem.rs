//! Why an edit's shape operation cannot be done, as values; `wangge-text` renders them.

use crate::model::Layer;
use crate::problem::Problem;

/// A shape or argument problem of one edit.
#[derive(Debug, Clone, PartialEq)]
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
    /// A deleted feature still has children and the edit does not say where they go
    /// (`reassign_to`): they would point at a parent that no longer exists.
    HasChildren {
        /// The feature's layer.
        layer: Layer,
        /// Its code.
        code: String,
        /// How many features name it as parent.
        children: usize,
    },
    /// A delete's `reassign_to` names the deleted feature itself.
    ReassignToItself(String),
    /// Merged features belong to different parents: the result would straddle them.
    MergeAcrossParents {
        /// The feature whose parent differs from the survivor's.
        code: String,
        /// Its parent.
        parent: String,
        /// The survivor's parent.
        survivor_parent: String,
    },
    /// A feature the edit gives or makes breaks a rule every stored feature must keep (a count
    /// that is not a whole number, a result geometry that is not valid).
    InvalidFeature(Box<Problem>),
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
            EditProblem::HasChildren { .. } => "edit.has_children",
            EditProblem::ReassignToItself(_) => "edit.reassign_to_itself",
            EditProblem::MergeAcrossParents { .. } => "edit.merge_across_parents",
            EditProblem::InvalidFeature(_) => "edit.invalid_feature",
        }
    }
}

/// The key and its value, for logs and `Error` chains; people read the catalog's text.
impl std::fmt::Display for EditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditProblem::NotAdjacent(n) => write!(f, "{} ({n})", self.key()),
            EditProblem::MergeListedTwice(code) | EditProblem::ReassignToItself(code) => {
                write!(f, "{} ({code})", self.key())
            }
            EditProblem::HasChildren { layer, code, children } => {
                write!(f, "{} ({layer} {code}: {children})", self.key())
            }
            EditProblem::MergeAcrossParents { code, parent, survivor_parent } => {
                write!(f, "{} ({code}: {parent} ≠ {survivor_parent})", self.key())
            }
            EditProblem::InvalidFeature(p) => write!(f, "{} ({:?} {})", self.key(), p.code, p.rule.id()),
            _ => f.write_str(self.key()),
        }
    }
}

//! Rule family "geometry": every feature's geometry is of its layer's type, finite, in range and
//! well formed (simple rings, holes inside shells). Wraps [`check_geometry`].

use super::finding::Finding;
use crate::model::Layer;
use crate::snapshot::Snapshot;
use crate::validate::check_geometry;

/// Rule id: invalid geometry (the particular problem is named in the message).
pub const ID: &str = "valid_geometry";

/// Source: clear, well-formed boundaries are what the coverage rule presupposes.
pub const SOURCE: &str = "domain.md §1: 全面覆盖、界线明确（clear boundaries）";

/// Checks every feature of every layer.
pub fn check(snapshot: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for layer in Layer::ALL {
        for (i, f) in snapshot.layer(layer).iter().enumerate() {
            for p in check_geometry(layer, i, Some(f.code()), &f.geometry()) {
                out.push(Finding::from_problem(ID, layer, &p, SOURCE));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tests::{feature, square};
    use geo::{Geometry, polygon};

    #[test]
    fn squares_pass_and_a_bow_tie_fails() {
        let ok = Snapshot::new([(Layer::Grid, vec![feature("440304006009001", "440304006009", square(0, 0, 1))])]);
        assert!(check(&ok).is_empty());
        let bow = Geometry::Polygon(
            polygon![(x: 114.0, y: 22.0), (x: 114.1, y: 22.1), (x: 114.1, y: 22.0), (x: 114.0, y: 22.1), (x: 114.0, y: 22.0)],
        );
        let bad = Snapshot::new([(Layer::Grid, vec![feature("440304006009001", "440304006009", bow)])]);
        let found = check(&bad);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, ID);
        let super::super::finding::Message::Problem(p) = &found[0].message else { panic!("{found:?}") };
        assert_eq!(p.rule.id(), "self_intersection");
        assert_eq!(found[0].source, SOURCE);
    }
}

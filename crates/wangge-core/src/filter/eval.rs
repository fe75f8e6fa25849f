//! Evaluating a filter on a feature. A comparison with a missing (null) property is false, as in
//! SQL's three-valued logic collapsed to "does not match"; `IS NULL` is how to ask for absence.

use super::{CmpOp, Expr, Literal, Operand};
use crate::feature_ref::FeatureRef;
use geo::Intersects;
use serde_json::Value;
use std::cmp::Ordering;

/// A property value as the evaluator sees it.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Text(String),
    Number(f64),
    Bool(bool),
}

/// The value of property `name` of `f`: `code`/`id`, `name`, `parent_code`, then attributes.
fn property(f: FeatureRef<'_>, name: &str) -> Option<Scalar> {
    match name {
        "code" | "id" => return Some(Scalar::Text(f.code().to_string())),
        "name" => return Some(Scalar::Text(f.name().to_string())),
        "parent_code" => return f.parent_code().map(|p| Scalar::Text(p.to_string())),
        _ => {}
    }
    match &*f.attr(name)? {
        Value::String(s) => Some(Scalar::Text(s.clone())),
        Value::Number(n) => n.as_f64().map(Scalar::Number),
        Value::Bool(b) => Some(Scalar::Bool(*b)),
        Value::Null => None,
        other => Some(Scalar::Text(other.to_string())),
    }
}

fn value(f: FeatureRef<'_>, o: &Operand) -> Option<Scalar> {
    match o {
        Operand::Property(p) => property(f, p),
        Operand::Literal(Literal::Text(s)) => Some(Scalar::Text(s.clone())),
        Operand::Literal(Literal::Number(n)) => Some(Scalar::Number(*n)),
        Operand::Literal(Literal::Bool(b)) => Some(Scalar::Bool(*b)),
    }
}

/// Orders two values of the same kind; text that reads as a number compares with a number
/// numerically (codes are digit strings, and clients send them both ways).
fn compare(a: &Scalar, b: &Scalar) -> Option<Ordering> {
    match (a, b) {
        (Scalar::Number(x), Scalar::Number(y)) => x.partial_cmp(y),
        (Scalar::Text(x), Scalar::Text(y)) => Some(x.cmp(y)),
        (Scalar::Bool(x), Scalar::Bool(y)) => Some(x.cmp(y)),
        (Scalar::Text(t), Scalar::Number(n)) => t.trim().parse::<f64>().ok()?.partial_cmp(n),
        (Scalar::Number(n), Scalar::Text(t)) => n.partial_cmp(&t.trim().parse::<f64>().ok()?),
        _ => None,
    }
}

/// `%` matches any run of characters, `_` exactly one, `\` makes the next character literal.
fn like(text: &str, pattern: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum P {
        Any,
        One,
        Char(char),
    }
    let mut pat = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        pat.push(match c {
            '%' => P::Any,
            '_' => P::One,
            '\\' => P::Char(chars.next().unwrap_or('\\')),
            c => P::Char(c),
        });
    }
    let t: Vec<char> = text.chars().collect();
    // reach[j]: the first i text characters can match the first j pattern items.
    let mut reach = vec![false; pat.len() + 1];
    reach[0] = true;
    for j in 0..pat.len() {
        reach[j + 1] = reach[j] && pat[j] == P::Any;
    }
    for &c in &t {
        let mut next = vec![false; pat.len() + 1];
        for j in 0..pat.len() {
            next[j + 1] = match pat[j] {
                P::Any => next[j] || reach[j + 1] || reach[j],
                P::One => reach[j],
                P::Char(p) => reach[j] && p == c,
            };
        }
        reach = next;
    }
    reach[pat.len()]
}

/// Whether feature `f` (an owned feature's reference or a layer's view) satisfies `e`.
pub fn matches<'a>(e: &Expr, f: impl Into<FeatureRef<'a>>) -> bool {
    matches_ref(e, f.into())
}

fn matches_ref(e: &Expr, f: FeatureRef<'_>) -> bool {
    let matches = matches_ref;
    match e {
        Expr::And(v) => v.iter().all(|x| matches(x, f)),
        Expr::Or(v) => v.iter().any(|x| matches(x, f)),
        Expr::Not(x) => !matches(x, f),
        Expr::Const(b) => *b,
        Expr::Compare(a, op, b) => {
            let (Some(a), Some(b)) = (value(f, a), value(f, b)) else { return false };
            let Some(ord) = compare(&a, &b) else { return matches!(op, CmpOp::Ne) };
            match op {
                CmpOp::Eq => ord == Ordering::Equal,
                CmpOp::Ne => ord != Ordering::Equal,
                CmpOp::Lt => ord == Ordering::Less,
                CmpOp::Le => ord != Ordering::Greater,
                CmpOp::Gt => ord == Ordering::Greater,
                CmpOp::Ge => ord != Ordering::Less,
            }
        }
        Expr::Like(a, pattern) => match value(f, a) {
            Some(Scalar::Text(t)) => like(&t, pattern),
            Some(Scalar::Number(n)) => like(&n.to_string(), pattern),
            _ => false,
        },
        Expr::Between(a, lo, hi) => {
            let (Some(a), Some(lo), Some(hi)) = (value(f, a), value(f, lo), value(f, hi)) else { return false };
            compare(&a, &lo).is_some_and(|o| o != Ordering::Less)
                && compare(&a, &hi).is_some_and(|o| o != Ordering::Greater)
        }
        Expr::In(a, list) => {
            let Some(a) = value(f, a) else { return false };
            list.iter().filter_map(|o| value(f, o)).any(|v| compare(&a, &v) == Some(Ordering::Equal))
        }
        Expr::IsNull(a) => value(f, a).is_none(),
        Expr::Intersects(_, g) => f.geometry().intersects(g),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;
    use crate::model::Feature;
    use geo::{Geometry, Polygon, polygon};
    use serde_json::json;

    fn grid() -> Feature {
        let square: Polygon =
            polygon![(x: 114.0, y: 22.5), (x: 114.01, y: 22.5), (x: 114.01, y: 22.51), (x: 114.0, y: 22.51)];
        let attrs = json!({"households": 420, "kind": "综合", "worker": "网格员 甲", "estimated": true});
        Feature {
            code: "440304006009001".into(),
            name: "竹林社区第一网格".into(),
            parent_code: Some("440304006009".into()),
            attrs: attrs.as_object().unwrap().clone().into(),
            geometry: Geometry::Polygon(square),
        }
    }

    fn check(filter: &str) -> bool {
        matches(&parse(filter).unwrap(), &grid())
    }

    /// Checks each `(filter, whether the grid matches)`, naming the filter that fails.
    fn checks(cases: &[(&str, bool)]) {
        for (filter, want) in cases {
            assert_eq!(check(filter), *want, "{filter}");
        }
    }

    #[test]
    fn comparisons_and_logic() {
        checks(&[
            ("households = 420 AND kind = '综合'", true),
            ("households > 400 AND NOT households >= 500", true),
            ("households < 300 OR kind <> '综合'", false),
            // A digit-string code compares with a number.
            ("code = 440304006009001", true),
            ("estimated = TRUE", true),
            // A missing property never compares.
            ("residents > 0", false),
            ("residents IS NULL AND worker IS NOT NULL", true),
        ]);
    }

    #[test]
    fn like_between_in() {
        checks(&[
            ("name LIKE '竹林%'", true),
            ("name LIKE '%第_网格'", true),
            ("name LIKE '香梅%'", false),
            ("parent_code LIKE '440304\\_%' OR TRUE", true),
            ("name LIKE '竹林'", false),
            ("households BETWEEN 300 AND 500", true),
            ("households NOT BETWEEN 300 AND 500", false),
            ("kind IN ('专属', '综合')", true),
            ("households NOT IN (1, 2, 3)", true),
        ]);
        assert!(like("abc", "a%c") && like("ac", "a%c") && !like("ab", "a%c") && like("", "%"));
    }

    #[test]
    fn spatial() {
        checks(&[
            ("S_INTERSECTS(geometry, POINT(114.005 22.505))", true),
            ("S_INTERSECTS(geometry, BBOX(114.009, 22.509, 115, 23))", true),
            ("S_INTERSECTS(geometry, BBOX(113, 22, 113.5, 22.4))", false),
            ("S_INTERSECTS(geometry, POLYGON((114.01 22.51, 114.02 22.51, 114.02 22.52, 114.01 22.51)))", true),
        ]);
    }
}

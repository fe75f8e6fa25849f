//! CQL2 text → [`Expr`]: a tokenizer that remembers where each token starts, and a recursive
//! descent over `OR` ← `AND` ← `NOT` ← predicates, so every error names its character position.

use super::{CmpOp, Expr, FilterError, FilterErrorKind, Literal, MAX_FILTER_DEPTH, MAX_FILTER_LEN, Operand};
use geo::{Coord, Geometry, LineString, Point, Polygon, Rect};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Quoted(String),
    Str(String),
    Num(String),
    LParen,
    RParen,
    Comma,
    Op(CmpOp),
}

impl Tok {
    fn show(&self) -> String {
        match self {
            Tok::Ident(s) | Tok::Num(s) => s.clone(),
            Tok::Quoted(s) => format!("\"{s}\""),
            Tok::Str(s) => format!("'{s}'"),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Comma => ",".into(),
            Tok::Op(op) => match op {
                CmpOp::Eq => "=",
                CmpOp::Ne => "<>",
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
                CmpOp::Gt => ">",
                CmpOp::Ge => ">=",
            }
            .into(),
        }
    }
}

fn err(position: usize, kind: FilterErrorKind) -> FilterError {
    FilterError { position, kind }
}

fn tokenize(text: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let starts_number = c.is_ascii_digit()
            || ((c == '-' || c == '+' || c == '.')
                && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit() || *d == '.'));
        if starts_number {
            let start = i;
            i += 1;
            while i < chars.len() {
                let d = chars[i];
                let exp_sign = (d == '-' || d == '+') && matches!(chars[i - 1], 'e' | 'E');
                if d.is_ascii_digit() || d == '.' || d == 'e' || d == 'E' || exp_sign {
                    i += 1;
                } else {
                    break;
                }
            }
            let s: String = chars[start..i].iter().collect();
            if s.parse::<f64>().is_err() {
                return Err(err(at, FilterErrorKind::BadNumber(s)));
            }
            out.push((at, Tok::Num(s)));
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | ':' | '.')) {
                i += 1;
            }
            out.push((at, Tok::Ident(chars[start..i].iter().collect())));
            continue;
        }
        match c {
            '\'' | '"' => {
                // SQL-style quoting: a doubled quote stands for one.
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(at, FilterErrorKind::UnterminatedString)),
                        Some(&q) if q == c && chars.get(i + 1) == Some(&c) => {
                            s.push(c);
                            i += 2;
                        }
                        Some(&q) if q == c => {
                            i += 1;
                            break;
                        }
                        Some(&q) => {
                            s.push(q);
                            i += 1;
                        }
                    }
                }
                out.push((at, if c == '\'' { Tok::Str(s) } else { Tok::Quoted(s) }));
            }
            '(' => {
                out.push((at, Tok::LParen));
                i += 1;
            }
            ')' => {
                out.push((at, Tok::RParen));
                i += 1;
            }
            ',' => {
                out.push((at, Tok::Comma));
                i += 1;
            }
            '=' => {
                out.push((at, Tok::Op(CmpOp::Eq)));
                i += 1;
            }
            '<' | '>' => {
                let next = chars.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('<', Some('=')) => (CmpOp::Le, 2),
                    ('<', Some('>')) => (CmpOp::Ne, 2),
                    ('>', Some('=')) => (CmpOp::Ge, 2),
                    ('<', _) => (CmpOp::Lt, 1),
                    _ => (CmpOp::Gt, 1),
                };
                out.push((at, Tok::Op(op)));
                i += len;
            }
            other => return Err(err(at, FilterErrorKind::BadCharacter(other))),
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
    /// Current nesting of parentheses and `NOT`s: the recursion depth, bounded by
    /// [`MAX_FILTER_DEPTH`] so no input can overflow the stack.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn here(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(p, _)| *p)
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(word))
    }

    fn keyword_at(&self, offset: usize, word: &str) -> bool {
        matches!(self.toks.get(self.pos + offset), Some((_, Tok::Ident(s))) if s.eq_ignore_ascii_case(word))
    }

    fn unexpected(&self, expected: &str) -> FilterError {
        match self.toks.get(self.pos) {
            Some((p, t)) => err(*p, FilterErrorKind::Unexpected { found: t.show(), expected: expected.into() }),
            None => err(self.end, FilterErrorKind::UnexpectedEnd { expected: expected.into() }),
        }
    }

    fn expect(&mut self, tok: Tok, expected: &str) -> Result<(), FilterError> {
        if self.peek() == Some(&tok) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// `( item, item, … )`: one item or more, separated by commas.
    fn list<T>(&mut self, item: fn(&mut Self) -> Result<T, FilterError>) -> Result<Vec<T>, FilterError> {
        self.expect(Tok::LParen, "'('")?;
        let mut list = vec![item(self)?];
        while self.peek() == Some(&Tok::Comma) {
            self.pos += 1;
            list.push(item(self)?);
        }
        self.expect(Tok::RParen, "')' or ','")?;
        Ok(list)
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), FilterError> {
        if self.keyword(word) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(word))
        }
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        self.chain("OR", Self::and, Expr::Or)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        self.chain("AND", Self::not, Expr::And)
    }

    /// `operand (word operand)*`, folded into `join` when there is more than one operand: both
    /// boolean connectives are read this way, so `a OR b OR c` is one flat list, not a tree.
    fn chain(
        &mut self,
        word: &str,
        operand: fn(&mut Self) -> Result<Expr, FilterError>,
        join: fn(Vec<Expr>) -> Expr,
    ) -> Result<Expr, FilterError> {
        let mut parts = vec![operand(self)?];
        while self.keyword(word) {
            self.pos += 1;
            parts.push(operand(self)?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { join(parts) })
    }

    /// Enters one nesting level, refusing past [`MAX_FILTER_DEPTH`]; pair with `self.depth -= 1`.
    fn descend(&mut self) -> Result<(), FilterError> {
        if self.depth >= MAX_FILTER_DEPTH {
            return Err(err(self.here(), FilterErrorKind::TooDeep(MAX_FILTER_DEPTH)));
        }
        self.depth += 1;
        Ok(())
    }

    fn not(&mut self) -> Result<Expr, FilterError> {
        if self.keyword("NOT") {
            self.pos += 1;
            self.descend()?;
            let inner = self.not();
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            self.descend()?;
            let e = self.or();
            self.depth -= 1;
            let e = e?;
            self.expect(Tok::RParen, "')'")?;
            return Ok(e);
        }
        if self.keyword("S_INTERSECTS") {
            return self.intersects();
        }
        let left = self.scalar()?;
        if self.keyword("NOT")
            && (self.keyword_at(1, "LIKE") || self.keyword_at(1, "BETWEEN") || self.keyword_at(1, "IN"))
        {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.predicate(left)?)));
        }
        if let Operand::Literal(Literal::Bool(b)) = left
            && !self.starts_predicate()
        {
            return Ok(Expr::Const(b));
        }
        self.predicate(left)
    }

    fn starts_predicate(&self) -> bool {
        matches!(self.peek(), Some(Tok::Op(_))) || ["LIKE", "BETWEEN", "IN", "IS"].iter().any(|k| self.keyword(k))
    }

    fn predicate(&mut self, left: Operand) -> Result<Expr, FilterError> {
        if let Some(Tok::Op(op)) = self.peek().cloned() {
            self.pos += 1;
            return Ok(Expr::Compare(left, op, self.scalar()?));
        }
        if self.keyword("LIKE") {
            self.pos += 1;
            return match self.toks.get(self.pos).cloned() {
                Some((_, Tok::Str(p))) => {
                    self.pos += 1;
                    Ok(Expr::Like(left, p))
                }
                _ => Err(self.unexpected("a quoted pattern")),
            };
        }
        if self.keyword("BETWEEN") {
            self.pos += 1;
            let low = self.scalar()?;
            self.expect_keyword("AND")?;
            return Ok(Expr::Between(left, low, self.scalar()?));
        }
        if self.keyword("IN") {
            self.pos += 1;
            let list = self.list(Self::scalar)?;
            return Ok(Expr::In(left, list));
        }
        if self.keyword("IS") {
            self.pos += 1;
            let negated = self.keyword("NOT");
            if negated {
                self.pos += 1;
            }
            self.expect_keyword("NULL")?;
            let e = Expr::IsNull(left);
            return Ok(if negated { Expr::Not(Box::new(e)) } else { e });
        }
        Err(self.unexpected("a comparison (=, <>, <, <=, >, >=), LIKE, BETWEEN, IN or IS NULL"))
    }

    fn scalar(&mut self) -> Result<Operand, FilterError> {
        let Some((_, tok)) = self.toks.get(self.pos).cloned() else {
            return Err(self.unexpected("a property or a value"));
        };
        let operand = match tok {
            Tok::Str(s) => Operand::Literal(Literal::Text(s)),
            Tok::Num(n) => Operand::Literal(Literal::Number(n.parse().unwrap_or(f64::NAN))),
            Tok::Quoted(p) => Operand::Property(p),
            Tok::Ident(w) if w.eq_ignore_ascii_case("TRUE") => Operand::Literal(Literal::Bool(true)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("FALSE") => Operand::Literal(Literal::Bool(false)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("DATE") || w.eq_ignore_ascii_case("TIMESTAMP") => {
                self.pos += 1;
                self.expect(Tok::LParen, "'('")?;
                let Some((_, Tok::Str(s))) = self.toks.get(self.pos).cloned() else {
                    return Err(self.unexpected("a quoted date"));
                };
                self.pos += 1;
                self.expect(Tok::RParen, "')'")?;
                return Ok(Operand::Literal(Literal::Text(s)));
            }
            Tok::Ident(w) if is_reserved(&w) => return Err(self.unexpected("a property or a value")),
            Tok::Ident(p) => Operand::Property(p),
            _ => return Err(self.unexpected("a property or a value")),
        };
        self.pos += 1;
        Ok(operand)
    }

    fn intersects(&mut self) -> Result<Expr, FilterError> {
        self.pos += 1;
        self.expect(Tok::LParen, "'('")?;
        let first = self.spatial_arg()?;
        self.expect(Tok::Comma, "','")?;
        let second = self.spatial_arg()?;
        self.expect(Tok::RParen, "')'")?;
        match (first, second) {
            (SpatialArg::Property(p), SpatialArg::Literal(g)) | (SpatialArg::Literal(g), SpatialArg::Property(p)) => {
                Ok(Expr::Intersects(p, g))
            }
            (SpatialArg::Literal(a), SpatialArg::Literal(b)) => Ok(Expr::Const(geo::Intersects::intersects(&a, &b))),
            (SpatialArg::Property(_), SpatialArg::Property(_)) => Err(self.unexpected_at_previous(
                "S_INTERSECTS needs a geometry literal (BBOX, POINT, LINESTRING or POLYGON) on one side",
            )),
        }
    }

    fn unexpected_at_previous(&self, what: &str) -> FilterError {
        let p = self.toks.get(self.pos.saturating_sub(1)).map_or(self.end, |(p, _)| *p);
        err(p, FilterErrorKind::BadGeometry(what.into()))
    }

    fn number(&mut self) -> Result<f64, FilterError> {
        match self.toks.get(self.pos).cloned() {
            Some((_, Tok::Num(n))) => {
                self.pos += 1;
                Ok(n.parse().unwrap_or(f64::NAN))
            }
            _ => Err(self.unexpected("a number")),
        }
    }

    fn coord(&mut self) -> Result<Coord, FilterError> {
        let x = self.number()?;
        let y = self.number()?;
        // A third (z) ordinate is accepted and ignored: the layers are 2-D.
        if matches!(self.peek(), Some(Tok::Num(_))) {
            self.pos += 1;
        }
        Ok(Coord { x, y })
    }

    fn coords(&mut self) -> Result<Vec<Coord>, FilterError> {
        self.list(Self::coord)
    }

    fn ring(&mut self) -> Result<LineString, FilterError> {
        let at = self.here();
        let ring = self.coords()?;
        if ring.len() < 4 || ring.first() != ring.last() {
            return Err(err(
                at,
                FilterErrorKind::BadGeometry("a polygon ring needs ≥ 4 positions, first = last".into()),
            ));
        }
        Ok(LineString::new(ring))
    }

    fn spatial_arg(&mut self) -> Result<SpatialArg, FilterError> {
        let Some((at, tok)) = self.toks.get(self.pos).cloned() else {
            return Err(self.unexpected("a geometry property or literal"));
        };
        let word = match tok {
            Tok::Quoted(p) => {
                self.pos += 1;
                return Ok(SpatialArg::Property(p));
            }
            Tok::Ident(w) => w,
            _ => return Err(self.unexpected("a geometry property or literal")),
        };
        let upper = word.to_ascii_uppercase();
        let literal = matches!(upper.as_str(), "BBOX" | "POINT" | "LINESTRING" | "POLYGON");
        if !literal {
            self.pos += 1;
            return Ok(SpatialArg::Property(word));
        }
        self.pos += 1;
        let g = match upper.as_str() {
            "BBOX" => {
                let v = self.list(Self::number)?;
                let (x0, y0, x1, y1) = match v[..] {
                    [a, b, c, d] => (a, b, c, d),
                    [a, b, _, d, e, _] => (a, b, d, e),
                    _ => return Err(err(at, FilterErrorKind::BadGeometry("BBOX takes 4 or 6 numbers".into()))),
                };
                if x0 > x1 || y0 > y1 {
                    return Err(err(at, FilterErrorKind::BadGeometry("BBOX minimum exceeds maximum".into())));
                }
                Geometry::Rect(Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 }))
            }
            "POINT" => {
                self.expect(Tok::LParen, "'('")?;
                let c = self.coord()?;
                self.expect(Tok::RParen, "')'")?;
                Geometry::Point(Point(c))
            }
            "LINESTRING" => {
                let c = self.coords()?;
                if c.len() < 2 {
                    return Err(err(at, FilterErrorKind::BadGeometry("a LINESTRING needs ≥ 2 positions".into())));
                }
                Geometry::LineString(LineString::new(c))
            }
            _ => {
                // The outer ring, then the holes (a list has one item at least).
                let mut rings = self.list(Self::ring)?;
                Geometry::Polygon(Polygon::new(rings.remove(0), rings))
            }
        };
        Ok(SpatialArg::Literal(g))
    }
}

enum SpatialArg {
    Property(String),
    Literal(Geometry<f64>),
}

fn is_reserved(w: &str) -> bool {
    ["AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL"].iter().any(|k| w.eq_ignore_ascii_case(k))
}

/// Parses CQL2 text; the error names the 1-based character position.
///
/// Texts longer than [`MAX_FILTER_LEN`] bytes or nesting deeper than [`MAX_FILTER_DEPTH`] are
/// refused, so the work and the stack stay bounded whatever a caller sends.
pub fn parse(text: &str) -> Result<Expr, FilterError> {
    if text.len() > MAX_FILTER_LEN {
        return Err(err(MAX_FILTER_LEN, FilterErrorKind::TooLong(MAX_FILTER_LEN)));
    }
    let toks = tokenize(text)?;
    let end = text.chars().count() + 1;
    let mut p = Parser { toks, pos: 0, end, depth: 0 };
    if p.toks.is_empty() {
        return Err(p.unexpected("a filter expression"));
    }
    let e = p.or()?;
    if p.pos < p.toks.len() {
        return Err(p.unexpected("AND, OR or the end of the filter"));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(p: &str) -> Operand {
        Operand::Property(p.into())
    }

    fn num(n: f64) -> Operand {
        Operand::Literal(Literal::Number(n))
    }

    #[test]
    fn precedence_is_not_over_and_over_or() {
        let e = parse("a = 1 OR NOT b = 2 AND c = 3").unwrap();
        assert_eq!(
            e,
            Expr::Or(vec![
                Expr::Compare(prop("a"), CmpOp::Eq, num(1.0)),
                Expr::And(vec![
                    Expr::Not(Box::new(Expr::Compare(prop("b"), CmpOp::Eq, num(2.0)))),
                    Expr::Compare(prop("c"), CmpOp::Eq, num(3.0)),
                ]),
            ])
        );
    }

    #[test]
    fn every_predicate_form() {
        assert!(matches!(parse("name LIKE '竹林%'").unwrap(), Expr::Like(_, p) if p == "竹林%"));
        assert!(matches!(parse("households NOT BETWEEN 300 AND 500").unwrap(), Expr::Not(_)));
        assert!(matches!(parse("kind IN ('综合', '专属')").unwrap(), Expr::In(_, l) if l.len() == 2));
        assert!(matches!(parse("worker IS NOT NULL").unwrap(), Expr::Not(_)));
        assert!(matches!(parse("\"parent_code\" <> 'x'").unwrap(), Expr::Compare(_, CmpOp::Ne, _)));
        assert_eq!(parse("households >= -1.5e2").unwrap(), Expr::Compare(prop("households"), CmpOp::Ge, num(-150.0)));
        assert_eq!(parse("name = 'it''s'").unwrap().properties(), vec!["name"]);
        assert!(matches!(parse("valid_from > DATE('2024-01-01')").unwrap(), Expr::Compare(_, CmpOp::Gt, _)));
    }

    #[test]
    fn spatial_literals() {
        let Expr::Intersects(p, Geometry::Rect(r)) =
            parse("S_INTERSECTS(geometry, BBOX(114, 22.5, 114.01, 22.51))").unwrap()
        else {
            panic!("not a bbox")
        };
        assert_eq!(p, "geometry");
        assert_eq!(r.max().y, 22.51);
        assert!(matches!(
            parse("s_intersects(POINT(114 22.5), geometry)").unwrap(),
            Expr::Intersects(_, Geometry::Point(_))
        ));
        let poly = "S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))";
        assert!(matches!(parse(poly).unwrap(), Expr::Intersects(_, Geometry::Polygon(_))));
    }

    #[test]
    fn errors_name_the_position() {
        let e = parse("households >= ").unwrap_err();
        assert_eq!(e.position, 15);
        assert!(matches!(e.kind, FilterErrorKind::UnexpectedEnd { .. }));
        let e = parse("name = 'open").unwrap_err();
        assert_eq!((e.position, e.kind), (8, FilterErrorKind::UnterminatedString));
        let e = parse("a = 1 b = 2").unwrap_err();
        assert_eq!(e.position, 7);
        assert!(e.to_string().ends_with("@ 7"), "{e}");
        let e = parse("a ! 1").unwrap_err();
        assert_eq!((e.position, e.kind), (3, FilterErrorKind::BadCharacter('!')));
        let e = parse("S_INTERSECTS(geometry, BBOX(1, 2, 3))").unwrap_err();
        assert_eq!(e.position, 24);
        assert_eq!(e.kind.key(), "filter.bad_geometry");
        assert!(parse("").is_err());
        assert!(parse("(a = 1").is_err());
    }

    #[test]
    fn hostile_nesting_and_length_are_refused_not_overflowed() {
        let parens = format!("{}a = 1{}", "(".repeat(2000), ")".repeat(2000));
        assert_eq!(parse(&parens).unwrap_err().kind, FilterErrorKind::TooDeep(MAX_FILTER_DEPTH));
        let nots = format!("{}a = 1", "NOT ".repeat(8000));
        assert!(matches!(parse(&nots).unwrap_err().kind, FilterErrorKind::TooLong(_) | FilterErrorKind::TooDeep(_)));
        let nots = format!("{}a = 1", "NOT ".repeat(1000));
        assert_eq!(parse(&nots).unwrap_err().kind, FilterErrorKind::TooDeep(MAX_FILTER_DEPTH));
        let fine = format!("{}a = 1{}", "(".repeat(MAX_FILTER_DEPTH), ")".repeat(MAX_FILTER_DEPTH));
        assert!(parse(&fine).is_ok());
        let long = format!("a IN ({})", vec!["1"; 9000].join(","));
        assert_eq!(parse(&long).unwrap_err().kind, FilterErrorKind::TooLong(MAX_FILTER_LEN));
        assert_eq!(parse(&"NOT (".repeat(40)).unwrap_err().kind, FilterErrorKind::TooDeep(MAX_FILTER_DEPTH));
    }
}

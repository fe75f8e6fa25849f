//! CQL2 text filters (OGC API – Features Part 3): a parser into an expression tree and an
//! evaluator over features. Pure: geometry literals are taken as already in WGS 84 lon/lat (the
//! face converts `filter-crs` before handing them over).

pub mod eval;
pub mod parse;

pub use eval::matches;
pub use parse::parse;

use geo::Geometry;

/// A scalar value in a filter: text, number or boolean.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A quoted string, or a `DATE('…')` / `TIMESTAMP('…')` instant kept as its text.
    Text(String),
    /// A number.
    Number(f64),
    /// `TRUE` or `FALSE`.
    Bool(bool),
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A queryable property by name.
    Property(String),
    /// A literal value.
    Literal(Literal),
}

/// `=`, `<>`, `<`, `<=`, `>`, `>=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Every part holds.
    And(Vec<Expr>),
    /// At least one part holds.
    Or(Vec<Expr>),
    /// The part does not hold.
    Not(Box<Expr>),
    /// `TRUE` / `FALSE` on its own.
    Const(bool),
    /// A binary comparison.
    Compare(Operand, CmpOp, Operand),
    /// `a LIKE 'p%t_n'` (`%` any run, `_` one character, `\` escapes).
    Like(Operand, String),
    /// `a BETWEEN low AND high` (inclusive).
    Between(Operand, Operand, Operand),
    /// `a IN (v, …)`.
    In(Operand, Vec<Operand>),
    /// `a IS NULL`.
    IsNull(Operand),
    /// `S_INTERSECTS(geometry, literal)` with the literal in WGS 84 lon/lat.
    Intersects(String, Geometry<f64>),
}

impl Expr {
    /// Every property name the filter reads (for checking them against the queryables).
    pub fn properties(&self) -> Vec<&str> {
        fn operand<'a>(o: &'a Operand, out: &mut Vec<&'a str>) {
            if let Operand::Property(p) = o {
                out.push(p);
            }
        }
        fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a str>) {
            match e {
                Expr::And(v) | Expr::Or(v) => v.iter().for_each(|x| walk(x, out)),
                Expr::Not(x) => walk(x, out),
                Expr::Const(_) => {}
                Expr::Compare(a, _, b) => {
                    operand(a, out);
                    operand(b, out);
                }
                Expr::Like(a, _) | Expr::IsNull(a) => operand(a, out),
                Expr::Between(a, b, c) => [a, b, c].into_iter().for_each(|o| operand(o, out)),
                Expr::In(a, list) => std::iter::once(a).chain(list).for_each(|o| operand(o, out)),
                Expr::Intersects(p, _) => out.push(p),
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// Every geometry literal, mutable, so the face can convert them from `filter-crs`.
    pub fn geometries_mut(&mut self) -> Vec<&mut Geometry<f64>> {
        fn walk<'a>(e: &'a mut Expr, out: &mut Vec<&'a mut Geometry<f64>>) {
            match e {
                Expr::And(v) | Expr::Or(v) => v.iter_mut().for_each(|x| walk(x, out)),
                Expr::Not(x) => walk(x, out),
                Expr::Intersects(_, g) => out.push(g),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }
}

/// Why a filter could not be read: what was wrong and the 1-based character position.
/// `Display` shows the key and values (for logs); `wangge-text` renders the text people read.
/// The `expected` and geometry details are the grammar's own words (CQL2 terms), passed through.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{kind} @ {position}")]
pub struct FilterError {
    /// 1-based character position in the filter text.
    pub position: usize,
    /// What was found there.
    pub kind: FilterErrorKind,
}

/// The kinds of filter syntax errors.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FilterErrorKind {
    /// The text ended too early.
    #[error("filter.unexpected_end ({expected})")]
    UnexpectedEnd {
        /// What would have been accepted.
        expected: String,
    },
    /// Something else than what the grammar allows.
    #[error("filter.unexpected ('{found}', {expected})")]
    Unexpected {
        /// The token found.
        found: String,
        /// What would have been accepted.
        expected: String,
    },
    /// A string literal without its closing quote.
    #[error("filter.unterminated_string")]
    UnterminatedString,
    /// A character that starts no token.
    #[error("filter.bad_character ('{0}')")]
    BadCharacter(char),
    /// A number that does not parse.
    #[error("filter.bad_number ('{0}')")]
    BadNumber(String),
    /// A geometry literal that is not well formed.
    #[error("filter.bad_geometry ({0})")]
    BadGeometry(String),
    /// Parentheses and `NOT`s nested deeper than the parser allows ([`MAX_FILTER_DEPTH`]).
    #[error("filter.too_deep ({0})")]
    TooDeep(usize),
    /// A filter text longer than the parser reads ([`MAX_FILTER_LEN`]).
    #[error("filter.too_long ({0})")]
    TooLong(usize),
}

/// How deep parentheses and `NOT`s may nest in one filter. The parser recurses once per level,
/// so this bounds its stack (and that of evaluation and drop) whatever a caller sends.
pub const MAX_FILTER_DEPTH: usize = 64;

/// How many bytes of filter text the parser reads (16 KiB): far above any hand-written filter,
/// and it bounds tokenising and geometry literals.
pub const MAX_FILTER_LEN: usize = 16 * 1024;

impl FilterErrorKind {
    /// Stable key of the error, e.g. `filter.unexpected_end`.
    pub fn key(&self) -> &'static str {
        match self {
            FilterErrorKind::UnexpectedEnd { .. } => "filter.unexpected_end",
            FilterErrorKind::Unexpected { .. } => "filter.unexpected",
            FilterErrorKind::UnterminatedString => "filter.unterminated_string",
            FilterErrorKind::BadCharacter(_) => "filter.bad_character",
            FilterErrorKind::BadNumber(_) => "filter.bad_number",
            FilterErrorKind::BadGeometry(_) => "filter.bad_geometry",
            FilterErrorKind::TooDeep(_) => "filter.too_deep",
            FilterErrorKind::TooLong(_) => "filter.too_long",
        }
    }
}

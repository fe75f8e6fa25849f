//! Reading a struct from a SQLite row whose columns are the struct's fields in order.

/// `from_columns!(row => T { a, b, c })` is `T { a: row.get(0)?, b: row.get(1)?, c: row.get(2)? }`:
/// the fields are read from the row's columns in the order the `SELECT` lists them, so a column
/// list and a field list read together cannot drift apart by an index.
macro_rules! from_columns {
    ($row:expr => $ty:ident { $($field:ident),+ $(,)? }) => {{
        let row: &rusqlite::Row<'_> = $row;
        let mut column = 0usize;
        $ty {
            $($field: {
                column += 1;
                row.get(column - 1)?
            }),+
        }
    }};
}

pub(crate) use from_columns;

//! Reading a struct from a SQLite row whose columns are the struct's fields in order.

/// `from_columns!(row => T { a, b, c })` is `T { a: row.get(0)?, b: row.get(1)?, c: row.get(2)? }`:
/// the fields are read from the row's columns in the order the `SELECT` lists them, so a column
/// list and a field list read together cannot drift apart by an index. `from_columns!(row, 1 => …)`
/// starts at column 1; fields that are no column follow a `;` with their values
/// (`T { a, b; c: 0 }`).
macro_rules! from_columns {
    ($row:expr => $ty:ident { $($field:ident),+ $(; $($other:ident: $value:expr),+)? $(,)? }) => {
        from_columns!($row, 0 => $ty { $($field),+ $(; $($other: $value),+)? })
    };
    ($row:expr, $first:expr => $ty:ident { $($field:ident),+ $(; $($other:ident: $value:expr),+)? $(,)? }) => {{
        let row: &rusqlite::Row<'_> = $row;
        let mut column: usize = $first;
        $ty {
            $($field: {
                column += 1;
                row.get(column - 1)?
            },)+
            $($($other: $value,)+)?
        }
    }};
}

pub(crate) use from_columns;

//! Excel workbooks (`.xlsx`), the form grid workers' batches come in: the first sheet read as a
//! table of typed cells (calamine), and a table written back as a one-sheet workbook
//! (rust_xlsxwriter), numbers as numbers, text as text, dates as dates, so a user's columns come
//! back as they went in.

use calamine::{Data, Reader, Xlsx};

/// One cell, typed as the workbook typed it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing in the cell.
    Empty,
    /// Text.
    Text(String),
    /// A number (Excel stores whole numbers as numbers too).
    Number(f64),
    /// `TRUE` / `FALSE`.
    Bool(bool),
    /// A date or time, as Excel's serial day number (days since 1899-12-30).
    Date(f64),
}

impl Cell {
    /// A JSON value as the cell a report shows it in: numbers as numbers, text as text, `null`
    /// as an empty cell, anything else as its JSON text.
    pub fn from_json(v: &serde_json::Value) -> Cell {
        use serde_json::Value;
        match v {
            Value::Null => Cell::Empty,
            Value::Bool(b) => Cell::Bool(*b),
            Value::Number(n) => n.as_f64().map_or(Cell::Empty, Cell::Number),
            Value::String(s) => Cell::Text(s.clone()),
            other => Cell::Text(other.to_string()),
        }
    }

    /// The cell as a number, if it is one or is text that reads as one (`"114.05"`).
    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::Number(x) => Some(*x),
            Cell::Text(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The cell as text, as a person would read it (`12` for the number 12, `12.5` for 12.5).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", *x as i64),
            Cell::Number(x) | Cell::Date(x) => x.to_string(),
            Cell::Bool(b) => b.to_string(),
        }
    }
}

/// A sheet: its name and its rows, the first being the header.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The sheet's name.
    pub name: String,
    /// Rows of cells; rows may be shorter than the header.
    pub rows: Vec<Vec<Cell>>,
}

/// Why a workbook could not be read or written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct XlsxError(pub String);

/// Reads the first sheet of an `.xlsx` workbook. Its used range is read from its top-left cell,
/// so a table that starts below or right of A1 keeps its shape.
pub fn read_first_sheet(bytes: &[u8]) -> Result<Table, XlsxError> {
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|e| XlsxError(format!("xlsx: {e}")))?;
    let name =
        book.sheet_names().first().cloned().ok_or_else(|| XlsxError("xlsx: the workbook has no sheet".into()))?;
    let range = book.worksheet_range(&name).map_err(|e| XlsxError(format!("xlsx: sheet {name}: {e}")))?;
    let rows = range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::Empty | Data::Error(_) => Cell::Empty,
                    Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
                    Data::Int(i) => Cell::Number(*i as f64),
                    Data::Float(x) => Cell::Number(*x),
                    Data::Bool(b) => Cell::Bool(*b),
                    Data::DateTime(d) => Cell::Date(d.as_f64()),
                })
                .collect()
        })
        .collect();
    Ok(Table { name, rows })
}

/// Writes `table` as a one-sheet workbook, from A1.
pub fn write_table(table: &Table) -> Result<Vec<u8>, XlsxError> {
    write_tables(std::slice::from_ref(table))
}

/// Writes each table as one sheet of a workbook, in order, each from A1.
pub fn write_tables(tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let fail = |e: rust_xlsxwriter::XlsxError| XlsxError(format!("xlsx: {e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for table in tables {
        write_sheet(book.add_worksheet(), table, &date).map_err(fail)?;
    }
    book.save_to_buffer().map_err(fail)
}

fn write_sheet(
    sheet: &mut rust_xlsxwriter::Worksheet,
    table: &Table,
    date: &rust_xlsxwriter::Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    if !table.name.is_empty() {
        sheet.set_name(&table.name)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(r).map_err(|_| rust_xlsxwriter::XlsxError::RowColumnLimitError)?;
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| rust_xlsxwriter::XlsxError::RowColumnLimitError)?;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    sheet.write_string(r, c, s)?;
                }
                Cell::Number(x) => {
                    sheet.write_number(r, c, *x)?;
                }
                Cell::Bool(b) => {
                    sheet.write_boolean(r, c, *b)?;
                }
                Cell::Date(x) => {
                    sheet.write_number_with_format(r, c, *x, date)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_their_types_through_a_round_trip() {
        let table = Table {
            name: "走访".into(),
            rows: vec![
                vec![
                    Cell::Text("编号".into()),
                    Cell::Text("lon".into()),
                    Cell::Text("到访".into()),
                    Cell::Text("日期".into()),
                ],
                vec![Cell::Text("0012".into()), Cell::Number(114.054_321), Cell::Bool(true), Cell::Date(46_000.5)],
                vec![Cell::Number(13.0), Cell::Text("114.06".into()), Cell::Empty, Cell::Empty],
            ],
        };
        let back = read_first_sheet(&write_table(&table).unwrap()).unwrap();
        assert_eq!(back.name, "走访");
        assert_eq!(back.rows[0], table.rows[0]);
        assert_eq!(back.rows[1], table.rows[1]);
        assert_eq!(&back.rows[2][..2], &table.rows[2][..2]);
        assert_eq!(back.rows[2][1].number(), Some(114.06));
        assert_eq!(back.rows[2][0].text(), "13");
    }

    #[test]
    fn a_file_that_is_not_a_workbook_is_an_error_not_a_panic() {
        assert!(read_first_sheet(b"lon,lat\n114,22\n").is_err());
        assert!(read_first_sheet(b"").is_err());
    }
}

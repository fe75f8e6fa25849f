//! The streamed CSV batch lookup (`wangge lookup --csv`): rows are read, looked up and written a
//! chunk at a time, so memory stays bounded by the chunk whatever the file's size, and each
//! chunk's lookups run on every core while the answer stays in input order.
//!
//! A row holds what the point's JSON answer ([`crate::lookup::lookup_one`]) holds, as text: the
//! [`BATCH_COLUMNS`], numbers formatted as serde_json formats them (a test checks the two agree),
//! the same messages for a bad row. It differs in one respect: it never builds the
//! JSON answer of a point, which is what made the batch 60× slower than the lookup itself.
//! Threads come from `std::thread::scope` (a chunk split into one slice per core): the work is
//! one flat loop, for which a work-stealing pool would add a dependency and nothing else.

use crate::lookup::{BATCH_COLUMNS, BadPoint, PointColumns, PointIn, locate};
use geo::Coord;
use std::io::{Read, Write};
use wangge_core::model::Feature;
use wangge_core::snapshot::{Lookup, Snapshot};
use wangge_formats::crs::Crs;
use wangge_text::Lang;
use wangge_text::zh_en;

/// Rows read, looked up and written at a time.
const CHUNK: usize = 1 << 16;

/// Why a streamed batch stopped.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A row (or the header) that cannot be read or looked up; the message names its line.
    #[error("{0}")]
    Input(BadPoint),
    /// The answer could not be written.
    #[error("{0}")]
    Output(#[from] std::io::Error),
    /// More rows than the caller allows (the count, and the limit).
    #[error("{0} rows, more than the limit of {1}")]
    TooMany(usize, usize),
}

/// What a finished batch counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchCount {
    /// Rows answered.
    pub points: usize,
    /// Of those, rows inside a grid.
    pub covered: usize,
}

/// Looks up every row of the CSV `input` (`lon,lat` columns, optional `id` and `crs`; points in
/// `crs` unless a row says otherwise) and writes one answer row per input row to `output`, in
/// order. `progress` is told the rows answered and the input bytes read so far after each chunk. On a bad row
/// the batch stops with its message; rows of earlier chunks may already have been written.
pub fn lookup_csv_stream<R: Read, W: Write>(
    snapshot: &Snapshot,
    input: R,
    output: W,
    crs: Crs,
    lang: Lang,
    mut progress: impl FnMut(usize, u64),
) -> Result<BatchCount, BatchError> {
    let input_error = |e: csv::Error| BatchError::Input(BadPoint(format!("CSV: {e}")));
    let (mut reader, columns) = wangge_formats::csv_in::reader_with_columns(input).map_err(input_error)?;
    let cols = PointColumns::find(&columns, lang).map_err(BatchError::Input)?;
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 20, output));
    writer.write_record(BATCH_COLUMNS).map_err(csv_output)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut count = BatchCount::default();
    let mut record = csv::StringRecord::new();
    let mut points: Vec<PointIn> = Vec::with_capacity(CHUNK);
    let mut number = Number::default();
    loop {
        points.clear();
        while points.len() < CHUNK {
            let row = count.points + points.len() + 2;
            match reader.read_record(&mut record) {
                Ok(true) => points.push(cols.point(|c| record.get(c), row, crs).map_err(BatchError::Input)?),
                Ok(false) => break,
                Err(e) => return Err(BatchError::Input(BadPoint(format!("CSV row {row}: {e}")))),
            }
        }
        if points.is_empty() {
            break;
        }
        answer_chunk(snapshot, &points, lang, threads, &mut writer, &mut number, &mut count)?;
        progress(count.points, reader.position().byte());
    }
    writer.flush()?;
    Ok(count)
}

/// The CSV answer for `points` already read (the HTTP batch, whose body is in memory): the same
/// rows [`lookup_csv_stream`] writes.
pub fn lookup_points_csv(
    snapshot: &Snapshot,
    points: &[PointIn],
    lang: Lang,
) -> Result<(Vec<u8>, BatchCount), BatchError> {
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(points.len() * 96));
    writer.write_record(BATCH_COLUMNS).map_err(csv_output)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (mut count, mut number) = (BatchCount::default(), Number::default());
    for chunk in points.chunks(CHUNK) {
        answer_chunk(snapshot, chunk, lang, threads, &mut writer, &mut number, &mut count)?;
    }
    let bytes = writer.into_inner().map_err(|e| BatchError::Output(e.into_error()))?;
    Ok((bytes, count))
}

/// The first sheet of an `.xlsx` batch with the answer added: every user column kept as it was
/// (cell types included), and the answer columns ([`BATCH_COLUMNS`] from `covered` on) filled in
/// on each row, replacing a column of the same name (a workbook answered before) or appended.
/// Row numbers in messages are the sheet's; a sheet of more than `max_rows` data rows is refused
/// before any lookup.
pub fn lookup_xlsx(
    snapshot: &Snapshot,
    bytes: &[u8],
    crs: Crs,
    lang: Lang,
    max_rows: usize,
) -> Result<(Vec<u8>, BatchCount), BatchError> {
    use wangge_formats::xlsx::{Cell, Table, read_first_sheet, write_table};
    let bad = |e: wangge_formats::xlsx::XlsxError| BatchError::Input(BadPoint(e.0));
    let mut table: Table = read_first_sheet(bytes).map_err(bad)?;
    let Some(header) = table.rows.first() else {
        return Err(BatchError::Input(BadPoint(lang.pick("工作表为空", "the sheet is empty").into())));
    };
    // Checked before any lookup, so an oversized workbook costs only its reading.
    if table.rows.len() - 1 > max_rows {
        return Err(BatchError::TooMany(table.rows.len() - 1, max_rows));
    }
    let names: Vec<String> = header.iter().map(Cell::text).collect();
    let cols =
        PointColumns::find(&wangge_formats::csv_in::Columns::from_names(&names), lang).map_err(BatchError::Input)?;
    // Rows with nothing in them (spacers, a sheet's tail) are kept as they are and not answered.
    let (mut points, mut at_row) = (Vec::with_capacity(table.rows.len()), Vec::with_capacity(table.rows.len()));
    for (i, row) in table.rows.iter().enumerate().skip(1) {
        if row.iter().all(|c| *c == Cell::Empty) {
            continue;
        }
        let texts: Vec<String> = row.iter().map(Cell::text).collect();
        let point = cols.point(|c| texts.get(c).map(String::as_str), i + 1, crs);
        points.push(point.map_err(|e| BatchError::Input(BadPoint(e.0.replacen("CSV row", "row", 1))))?);
        at_row.push(i);
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let answers = locate_all(snapshot, &points, lang, threads);
    // Where each answer column goes: over a column already named so, else after the last one.
    let mut width = names.len();
    let targets: Vec<usize> = BATCH_COLUMNS[3..]
        .iter()
        .map(|name| {
            names.iter().position(|n| n.trim().eq_ignore_ascii_case(name)).unwrap_or_else(|| {
                width += 1;
                width - 1
            })
        })
        .collect();
    let mut count = BatchCount::default();
    let set = |row: &mut Vec<Cell>, at: usize, cell: Cell| {
        if row.len() <= at {
            row.resize(at + 1, Cell::Empty);
        }
        row[at] = cell;
    };
    for (name, &at) in BATCH_COLUMNS[3..].iter().zip(&targets) {
        set(&mut table.rows[0], at, Cell::Text((*name).to_string()));
    }
    for (answer, &i) in answers.into_iter().zip(&at_row) {
        let (_, l) = answer.map_err(|e| {
            let row = i + 1;
            BatchError::Input(BadPoint(zh_en!(lang, ("第 {row} 行：{}", e.0), ("row {row}: {}", e.0))))
        })?;
        count.points += 1;
        count.covered += usize::from(l.grid.is_some());
        let text = |f: Option<&Feature>, name: bool| {
            f.map_or(Cell::Empty, |f| Cell::Text(if name { f.name.clone() } else { f.code.clone() }))
        };
        let (nearest, distance) = match &l.nearest_grid {
            Some((f, n)) => (Cell::Text(f.code.clone()), Cell::Number((n.metres * 100.0).round() / 100.0)),
            None => (Cell::Empty, Cell::Empty),
        };
        let values = [
            Cell::Bool(l.grid.is_some()),
            text(l.grid, false),
            text(l.grid, true),
            text(l.community, false),
            text(l.community, true),
            text(l.street, false),
            text(l.street, true),
            text(l.district, false),
            text(l.district, true),
            nearest,
            distance,
        ];
        let row = &mut table.rows[i];
        for (value, &at) in values.into_iter().zip(&targets) {
            set(row, at, value);
        }
    }
    let bytes = write_table(&table).map_err(|e| BatchError::Output(std::io::Error::other(e.0)))?;
    Ok((bytes, count))
}

/// Looks up one chunk (rows after the `count.points` already answered) and writes its rows.
fn answer_chunk<W: Write>(
    snapshot: &Snapshot,
    points: &[PointIn],
    lang: Lang,
    threads: usize,
    writer: &mut csv::Writer<W>,
    number: &mut Number,
    count: &mut BatchCount,
) -> Result<(), BatchError> {
    let answers = locate_all(snapshot, points, lang, threads);
    for (i, (p, answer)) in points.iter().zip(answers).enumerate() {
        let (c, found) = answer.map_err(|e| {
            let row = count.points + i + 2;
            BatchError::Input(BadPoint(zh_en!(lang, ("第 {row} 行：{}", e.0), ("row {row}: {}", e.0))))
        })?;
        count.covered += usize::from(found.grid.is_some());
        write_row(writer, number, p, c, &found)?;
    }
    count.points += points.len();
    Ok(())
}

type Answer<'s> = Result<(Coord, Lookup<'s>), BadPoint>;

/// [`locate`] for every point, on `threads` threads, in order.
fn locate_all<'s>(snapshot: &'s Snapshot, points: &[PointIn], lang: Lang, threads: usize) -> Vec<Answer<'s>> {
    let per = points.len().div_ceil(threads.max(1)).max(1);
    if threads <= 1 || points.len() < 1024 {
        return points.iter().map(|p| locate(snapshot, p, lang)).collect();
    }
    std::thread::scope(|scope| {
        let parts: Vec<_> = points
            .chunks(per)
            .map(|part| scope.spawn(move || part.iter().map(|p| locate(snapshot, p, lang)).collect::<Vec<_>>()))
            .collect();
        // A lookup does not panic; if one did, the batch must not answer with a row missing.
        parts.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

fn csv_output(e: csv::Error) -> BatchError {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => BatchError::Output(e),
        other => BatchError::Output(std::io::Error::other(format!("{other:?}"))),
    }
}

/// Numbers as serde_json writes them (`114.0`, `22.51`, `1673.27`), so a streamed answer is the
/// same text as the HTTP batch's CSV.
#[derive(Default)]
struct Number(Vec<u8>);

impl Number {
    fn of(&mut self, x: f64) -> &[u8] {
        self.0.clear();
        // Writing a finite f64 into a Vec cannot fail; a non-finite one is written as `null` by
        // serde_json, and the checks in `locate` keep those out.
        let _ = serde_json::to_writer(&mut self.0, &x);
        &self.0
    }
}

fn write_row<W: Write>(
    w: &mut csv::Writer<W>,
    number: &mut Number,
    p: &PointIn,
    c: Coord,
    l: &Lookup<'_>,
) -> Result<(), BatchError> {
    let id = match &p.id {
        Some(serde_json::Value::String(s)) => s.as_str(),
        _ => "",
    };
    w.write_field(id).map_err(csv_output)?;
    w.write_field(number.of(c.x)).map_err(csv_output)?;
    w.write_field(number.of(c.y)).map_err(csv_output)?;
    w.write_field(if l.grid.is_some() { "true" } else { "false" }).map_err(csv_output)?;
    for f in [l.grid, l.community, l.street, l.district] {
        let (code, name) = f.map_or(("", ""), |f: &Feature| (f.code.as_str(), f.name.as_str()));
        w.write_field(code).map_err(csv_output)?;
        w.write_field(name).map_err(csv_output)?;
    }
    match &l.nearest_grid {
        Some((f, n)) => {
            w.write_field(&f.code).map_err(csv_output)?;
            w.write_field(number.of((n.metres * 100.0).round() / 100.0)).map_err(csv_output)?;
        }
        None => {
            w.write_field("").map_err(csv_output)?;
            w.write_field("").map_err(csv_output)?;
        }
    }
    w.write_record(None::<&[u8]>).map_err(csv_output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup::lookup_one;
    use geo::{Geometry, polygon};
    use serde_json::{Map, Value, json};
    use wangge_core::model::Layer;

    /// The CSV as the JSON answers say it, column by column: what the batch used to write.
    fn reference_csv(results: &[Value]) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(BATCH_COLUMNS);
        let text = |v: &Value| match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        for r in results {
            let row = [
                text(&r["id"]),
                text(&r["point"]["lon"]),
                text(&r["point"]["lat"]),
                text(&r["covered"]),
                text(&r["grid"]["code"]),
                text(&r["grid"]["name"]),
                text(&r["community"]["code"]),
                text(&r["community"]["name"]),
                text(&r["street"]["code"]),
                text(&r["street"]["name"]),
                text(&r["district"]["code"]),
                text(&r["district"]["name"]),
                text(&r["nearest_grid"]["code"]),
                text(&r["nearest_grid"]["distance_m"]),
            ];
            let _ = w.write_record(row);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    fn square(code: &str, parent: &str, x: f64, y: f64, side: f64) -> Feature {
        let ring = polygon![(x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side)];
        let mut attrs = Map::new();
        attrs.insert("households".into(), json!(400));
        Feature::with_default_name(code.into(), None, Some(parent.into()), attrs, Geometry::Polygon(ring))
    }

    #[test]
    fn rows_say_what_the_json_answers_say() {
        let snapshot = Snapshot::new([
            (Layer::District, vec![Feature { parent_code: None, ..square("440304", "", 114.0, 22.5, 0.02) }]),
            (Layer::Grid, vec![square("g1", "c1", 114.0, 22.5, 0.01), square("g2", "c1", 114.01, 22.5, 0.01)]),
        ]);
        let mut points = Vec::new();
        for i in 0..3000 {
            let (u, v) = ((i * 7919 % 3000) as f64 / 3000.0, (i * 104_729 % 2999) as f64 / 2999.0);
            let crs = if i % 5 == 0 { Crs::Gcj02 } else { Crs::Wgs84 };
            let id = (i % 11 != 0).then(|| Value::String(format!("p{i}")));
            points.push(PointIn { id, x: 113.995 + u * 0.03, y: 22.495 + v * 0.02, crs });
        }
        // Round numbers, whose text serde_json and `Display` write differently (`114.0`, `114`).
        points.push(PointIn { id: None, x: 114.0, y: 22.5, crs: Crs::Wgs84 });
        let json: Vec<Value> = points.iter().map(|p| lookup_one(&snapshot, p, Lang::En).unwrap()).collect();
        let (csv, count) = lookup_points_csv(&snapshot, &points, Lang::En).unwrap();
        assert_eq!(String::from_utf8(csv).unwrap(), reference_csv(&json));
        assert_eq!(count.points, points.len());
        assert!(count.covered > 0 && count.covered < points.len());
    }
}

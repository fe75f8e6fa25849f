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

use crate::lookup::{BATCH_COLUMNS, BadPoint, PointColumns, PointIn, locate, wgs84};
use geo::Coord;
use std::io::{Read, Write};
use std::ops::Range;
use wangge_core::feature_ref::FeatureRef;
use wangge_core::index::{AreaIndex, Hit, Nearest};
use wangge_core::model::Layer;
use wangge_core::snapshot::{Lookup, Snapshot};
use wangge_formats::crs::Crs;
use wangge_text::Lang;
use wangge_text::zh_en;

/// Rows read, looked up and written at a time. Smaller chunks (4,096 to 16,384 rows) were
/// measured: more thread starts and write calls cost more system time than the caches gained.
pub const CHUNK: usize = 1 << 16;

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

/// Points read from a CSV batch, compactly: coordinates and coordinate system per row, and the
/// rows' ids end to end in one buffer (a batch of a million rows is three allocations, not a
/// million). Rows are numbered from 0; messages name CSV lines (`row + 2`, after the header).
#[derive(Debug, Default)]
pub struct Rows {
    points: Vec<(f64, f64, Crs)>,
    ids: String,
    id_ends: Vec<usize>,
    /// Whether the input had an `id` column (a row's id is then echoed in messages).
    has_ids: bool,
}

impl Rows {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    fn clear(&mut self) {
        self.points.clear();
        self.ids.clear();
        self.id_ends.clear();
    }

    fn push(&mut self, x: f64, y: f64, crs: Crs, id: Option<&str>) {
        self.points.push((x, y, crs));
        self.ids.push_str(id.unwrap_or(""));
        self.id_ends.push(self.ids.len());
    }

    fn id(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.id_ends[i - 1] };
        &self.ids[start..self.id_ends[i]]
    }

    /// The row as [`locate`] takes it, for messages.
    fn point_in(&self, i: usize) -> PointIn {
        let (x, y, crs) = self.points[i];
        PointIn { id: self.has_ids.then(|| serde_json::Value::String(self.id(i).to_string())), x, y, crs }
    }

    fn bad(&self, i: usize, lang: Lang) -> BadPoint {
        match wgs84(&self.point_in(i), lang) {
            Err(e) => e,
            Ok(_) => BadPoint(String::new()),
        }
    }
}

/// Converts `points` (rows from `first` on) to WGS 84 in place; the index of the first bad one.
fn convert(points: &mut [(f64, f64, Crs)], first: usize, lang: Lang) -> Result<(), usize> {
    for (i, p) in points.iter_mut().enumerate() {
        let c = wgs84(&PointIn { id: None, x: p.0, y: p.1, crs: p.2 }, lang).map_err(|_| first + i)?;
        *p = (c.x, c.y, Crs::Wgs84);
    }
    Ok(())
}

/// The message of a bad row, naming its line as the batch always has.
fn row_error(row: usize, e: &BadPoint, lang: Lang) -> BatchError {
    BatchError::Input(BadPoint(zh_en!(lang, ("第 {row} 行：{}", e.0), ("row {row}: {}", e.0))))
}

/// Reads up to `max` rows of `reader` into `rows` (cleared first); `first_line` is the CSV line
/// of the first one. Parse errors name their line.
fn read_rows<R: Read>(
    reader: &mut csv::Reader<R>,
    cols: &PointColumns,
    crs: Crs,
    rows: &mut Rows,
    record: &mut csv::StringRecord,
    first_line: usize,
    max: usize,
) -> Result<(), BatchError> {
    rows.clear();
    while rows.len() < max {
        let line = first_line + rows.len();
        match reader.read_record(record) {
            Ok(true) => {
                // Trimmed here as `csv::Trim::All` would (`str::trim`), without a new record per row.
                let (x, y, crs, id) =
                    cols.parse(|c| record.get(c).map(str::trim), line, crs).map_err(BatchError::Input)?;
                rows.push(x, y, crs, id);
            }
            Ok(false) => break,
            Err(e) => return Err(BatchError::Input(BadPoint(format!("CSV row {line}: {e}")))),
        }
    }
    Ok(())
}

/// Looks up every row of the CSV `input` (`lon,lat` columns, optional `id` and `crs`; points in
/// `crs` unless a row says otherwise) and writes one answer row per input row to `output`, in
/// order. `progress` is told the rows answered and the input bytes read so far after each chunk. On a bad row
/// the batch stops with its message; rows of earlier chunks may already have been written.
///
/// While the workers answer one chunk, this thread reads the next, so reading overlaps lookups.
pub fn lookup_csv_stream<R: Read, W: Write>(
    snapshot: &Snapshot,
    input: R,
    output: W,
    crs: Crs,
    lang: Lang,
    mut progress: impl FnMut(usize, u64),
) -> Result<BatchCount, BatchError> {
    let input_error = |e: csv::Error| BatchError::Input(BadPoint(format!("CSV: {e}")));
    let (mut reader, columns) = wangge_formats::csv_in::untrimmed_reader_with_columns(input).map_err(input_error)?;
    let cols = PointColumns::find(&columns, lang).map_err(BatchError::Input)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, output);
    out.write_all(&header())?;
    let mut workers = Workers::new(snapshot, lang);
    let (mut rows, mut next) = (Rows::default(), Rows::default());
    rows.has_ids = cols.has_id();
    next.has_ids = rows.has_ids;
    let mut record = csv::StringRecord::new();
    let mut count = BatchCount::default();
    // The previous chunk's answer rows, written while the workers answer the next chunk.
    let mut answered_rows: Vec<Vec<u8>> = Vec::new();
    read_rows(&mut reader, &cols, crs, &mut rows, &mut record, 2, CHUNK)?;
    while !rows.is_empty() {
        let line = count.points + rows.len() + 2;
        let (answered, (written, read)) = workers.answer(&rows, || {
            let written = answered_rows.iter().try_for_each(|o| out.write_all(o));
            (written, read_rows(&mut reader, &cols, crs, &mut next, &mut record, line, CHUNK))
        });
        written?;
        // The earlier row's error first: this chunk's answer, then the next chunk's reading.
        let covered = answered.map_err(|(i, e)| row_error(count.points + i + 2, &e, lang))?;
        workers.swap_outputs(&mut answered_rows);
        count.points += rows.len();
        count.covered += covered;
        progress(count.points, reader.position().byte());
        read?;
        std::mem::swap(&mut rows, &mut next);
    }
    answered_rows.iter().try_for_each(|o| out.write_all(o))?;
    out.flush()?;
    Ok(count)
}

/// Reads a whole CSV batch (the HTTP body, as it arrives) into [`Rows`] converted to WGS 84, so
/// that every bad row is found before any answer is sent; more than `max_rows` rows is
/// [`BatchError::TooMany`] with the full count.
pub fn read_csv_batch<R: Read>(input: R, crs: Crs, lang: Lang, max_rows: usize) -> Result<Rows, BatchError> {
    let input_error = |e: csv::Error| BatchError::Input(BadPoint(format!("CSV: {e}")));
    let (mut reader, columns) = wangge_formats::csv_in::untrimmed_reader_with_columns(input).map_err(input_error)?;
    let cols = PointColumns::find(&columns, lang).map_err(BatchError::Input)?;
    let mut rows = Rows { has_ids: cols.has_id(), ..Rows::default() };
    let mut record = csv::StringRecord::new();
    let mut chunk = Rows { has_ids: rows.has_ids, ..Rows::default() };
    loop {
        read_rows(&mut reader, &cols, crs, &mut chunk, &mut record, rows.len() + 2, CHUNK)?;
        if chunk.is_empty() {
            break;
        }
        if rows.len() + chunk.len() > max_rows {
            // Counted to the end (not kept), so the message says how many there were.
            let mut n = rows.len() + chunk.len();
            while reader.read_record(&mut record).map_err(input_error)? {
                n += 1;
            }
            return Err(BatchError::TooMany(n, max_rows));
        }
        let base = rows.len();
        rows.points.extend_from_slice(&chunk.points);
        rows.ids.push_str(&chunk.ids);
        rows.id_ends.extend(chunk.id_ends.iter().map(|e| e + rows.ids.len() - chunk.ids.len()));
        debug_assert_eq!(rows.len(), base + chunk.len());
    }
    // Converted on every core: PROJ or GCJ-02 conversions cost more than the rest of a row.
    let threads = threads().min(rows.len().div_ceil(4096)).max(1);
    let per = rows.len().div_ceil(threads).max(1);
    let first_bad = std::thread::scope(|scope| {
        let parts: Vec<_> = rows
            .points
            .chunks_mut(per)
            .enumerate()
            .map(|(k, part)| scope.spawn(move || convert(part, k * per, lang).err()))
            .collect();
        parts.into_iter().filter_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).min()
    });
    if let Some(i) = first_bad {
        // The rows before `i` were converted; row `i` is still as read, so its message is exact.
        return Err(row_error(i + 2, &rows.bad(i, lang), lang));
    }
    Ok(rows)
}

/// Answers rows already read and converted ([`read_csv_batch`]) a chunk at a time: `emit` gets
/// the CSV header and then each chunk's answer rows, in order, as they are produced, and may stop
/// the batch by returning `false` (a client gone). Returns the count.
pub fn answer_rows(
    snapshot: &Snapshot,
    mut rows: Rows,
    lang: Lang,
    mut emit: impl FnMut(Vec<u8>) -> bool,
) -> BatchCount {
    let mut count = BatchCount::default();
    if !emit(header()) {
        return count;
    }
    let mut workers = Workers::new(snapshot, lang);
    let all = std::mem::take(&mut rows.points);
    for (k, part) in all.chunks(CHUNK).enumerate() {
        let mut chunk = Rows { points: part.to_vec(), ..Rows::default() };
        let ids = k * CHUNK..k * CHUNK + part.len();
        for i in ids {
            chunk.push_id(rows.id(i));
        }
        // Converted already, so no row fails here.
        let (answered, ()) = workers.answer(&chunk, || ());
        count.points += part.len();
        count.covered += answered.unwrap_or(0);
        for out in workers.take_outputs() {
            if !emit(out) {
                return count;
            }
        }
    }
    count
}

/// The CSV answer for `points` already read (a JSON body answered as CSV): the same rows
/// [`lookup_csv_stream`] writes.
pub fn lookup_points_csv(
    snapshot: &Snapshot,
    points: &[PointIn],
    lang: Lang,
) -> Result<(Vec<u8>, BatchCount), BatchError> {
    let mut bytes = header();
    let mut workers = Workers::new(snapshot, lang);
    let mut count = BatchCount::default();
    let mut rows = Rows::default();
    for (k, chunk) in points.chunks(CHUNK).enumerate() {
        rows.clear();
        for p in chunk {
            // Only text ids are echoed in the CSV, as the JSON answer's `id` shows them.
            let id = match &p.id {
                Some(serde_json::Value::String(s)) => Some(s.as_str()),
                _ => None,
            };
            rows.push(p.x, p.y, p.crs, id);
        }
        let (answered, ()) = workers.answer(&rows, || ());
        let covered = answered.map_err(|(i, _)| {
            // The message names the id as the JSON body gave it.
            let e = wgs84(&points[k * CHUNK + i], lang).err().unwrap_or(BadPoint(String::new()));
            row_error(k * CHUNK + i + 2, &e, lang)
        })?;
        workers.write_to(&mut bytes)?;
        count.points += chunk.len();
        count.covered += covered;
    }
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
        let text = |f: Option<FeatureRef<'_>>, name: bool| {
            f.map_or(Cell::Empty, |f| Cell::Text(if name { f.name() } else { f.code() }.to_string()))
        };
        let (nearest, distance) = match &l.nearest_grid {
            Some((f, n)) => (Cell::Text(f.code().to_string()), Cell::Number((n.metres * 100.0).round() / 100.0)),
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

/// [`locate`] for every point, on `threads` threads, in order (the workbook batch).
type Answer<'s> = Result<(Coord, Lookup<'s>), BadPoint>;

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

fn header() -> Vec<u8> {
    let mut h = BATCH_COLUMNS.join(",").into_bytes();
    h.push(b'\n');
    h
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl Rows {
    fn push_id(&mut self, id: &str) {
        self.ids.push_str(id);
        self.id_ends.push(self.ids.len());
    }
}

/// The answering threads of one batch: each answers a contiguous part of every chunk into its own
/// buffer, keeping what it learnt about the layers (the answer tails) from chunk to chunk.
struct Workers<'s> {
    lang: Lang,
    workers: Vec<Worker<'s>>,
}

impl<'s> Workers<'s> {
    fn new(snapshot: &'s Snapshot, lang: Lang) -> Workers<'s> {
        // An empty layer holds nothing and has no nearest grid: skipped, not searched per point.
        let levels = LEVELS.map(|l| snapshot.layer(l).areas().filter(|a| !a.is_empty()));
        snapshot.prepare_nearest();
        let workers = (0..threads()).map(|_| Worker::new(snapshot, levels)).collect();
        Workers { lang, workers }
    }

    /// Answers `rows` on every worker while this thread runs `meanwhile`; the covered count, or
    /// the first bad row (its index in `rows`, and why).
    fn answer<T>(&mut self, rows: &Rows, meanwhile: impl FnOnce() -> T) -> (Result<usize, (usize, BadPoint)>, T) {
        let n = rows.len();
        // Small chunks are not worth a thread each.
        let used = self.workers.len().min(n.div_ceil(2048)).max(1);
        let per = n.div_ceil(used).max(1);
        let lang = self.lang;
        let rows_ref = rows;
        for w in &mut self.workers {
            w.out.clear();
        }
        let (results, other) = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .workers
                .iter_mut()
                .take(used)
                .enumerate()
                .map(|(k, w)| {
                    let range = (k * per).min(n)..((k + 1) * per).min(n);
                    scope.spawn(move || w.answer(rows_ref, range, lang))
                })
                .collect();
            let other = meanwhile();
            let results: Vec<_> =
                handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect();
            (results, other)
        });
        let mut covered = 0;
        for r in results {
            match r {
                Ok(c) => covered += c,
                Err(i) => return (Err((i, rows.bad(i, lang))), other),
            }
        }
        (Ok(covered), other)
    }

    /// Writes the last chunk's answer rows, in order.
    fn write_to(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        for w in &self.workers {
            out.write_all(&w.out)?;
        }
        Ok(())
    }

    /// Swaps the last chunk's answer rows (one buffer per worker, in order) with `spare`, whose
    /// buffers the workers clear and fill next: no buffer is allocated after the first chunks.
    fn swap_outputs(&mut self, spare: &mut Vec<Vec<u8>>) {
        spare.resize_with(self.workers.len(), Vec::new);
        for (w, s) in self.workers.iter_mut().zip(spare.iter_mut()) {
            std::mem::swap(&mut w.out, s);
        }
    }

    /// The last chunk's answer rows, in order, as owned buffers (each worker starts a new one).
    fn take_outputs(&mut self) -> Vec<Vec<u8>> {
        self.workers.iter_mut().map(|w| std::mem::take(&mut w.out)).filter(|o| !o.is_empty()).collect()
    }
}

/// The layers a point is placed in, finest first: the first that holds it decides the rest.
const LEVELS: [Layer; 4] = [Layer::Grid, Layer::Community, Layer::Street, Layer::District];

/// One answering thread's state.
struct Worker<'s> {
    snapshot: &'s Snapshot,
    levels: [Option<&'s AreaIndex>; 4],
    /// Answer rows of the current chunk.
    out: Vec<u8>,
    /// The answer text from `covered` to the nearest-grid columns for a point held by a feature
    /// of each level, by feature id: `tails[level][id]` packs the start in `text` (high 40 bits)
    /// and the length (low 24 bits); 0 means not known yet, `u64::MAX` means not a function of
    /// the feature alone (a broken hierarchy, where a missing parent is looked up by geometry).
    tails: [Vec<u64>; 4],
    text: Vec<u8>,
    number: zmij::Buffer,
    /// The answer columns of a point held by nothing, when they are the same for every point
    /// (no grid layer, so no nearest grid): written once, copied per point.
    unheld: Option<Vec<u8>>,
}

const NOT_FIXED: u64 = u64::MAX;

impl<'s> Worker<'s> {
    fn new(snapshot: &'s Snapshot, levels: [Option<&'s AreaIndex>; 4]) -> Worker<'s> {
        Worker {
            snapshot,
            levels,
            out: Vec::new(),
            tails: Default::default(),
            text: Vec::new(),
            number: zmij::Buffer::new(),
            unheld: levels[0].is_none().then(|| {
                let mut tail = Vec::new();
                write_tail(&mut tail, &mut zmij::Buffer::new(), &Worker::held_by_nothing(None));
                tail
            }),
        }
    }

    /// The answer for a point no layer holds.
    fn held_by_nothing(nearest_grid: Option<(FeatureRef<'s>, Nearest)>) -> Lookup<'s> {
        Lookup { grid: None, on_boundary: false, community: None, street: None, district: None, nearest_grid }
    }

    /// Answers rows `range` into `out`; the covered count, or the index of the first bad row.
    fn answer(&mut self, rows: &Rows, range: Range<usize>, lang: Lang) -> Result<usize, usize> {
        let mut covered = 0;
        self.out.reserve(range.len() * 48);
        for i in range {
            let (x, y, crs) = rows.points[i];
            let c = if crs == Crs::Wgs84 && (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y) {
                Coord { x, y }
            } else {
                wgs84(&PointIn { id: None, x, y, crs }, lang).map_err(|_| i)?
            };
            write_field(&mut self.out, rows.id(i).as_bytes());
            self.out.push(b',');
            self.out.extend_from_slice(self.number.format_finite(c.x).as_bytes());
            self.out.push(b',');
            self.out.extend_from_slice(self.number.format_finite(c.y).as_bytes());
            self.out.push(b',');
            covered += usize::from(self.write_answer(c));
        }
        Ok(covered)
    }

    /// Writes the answer columns of the point `c` (WGS 84) and the line end; whether a grid holds it.
    fn write_answer(&mut self, c: Coord) -> bool {
        // The finest layer holding the point. `owner` is the cell lookup; `locate` also finds
        // points on the layer's outer edge, which `owner` leaves out.
        let found = self.levels.iter().enumerate().find_map(|(level, index)| {
            let index = (*index)?;
            match index.owner(c) {
                Some(id) => Some((level, id)),
                None => match index.locate(c) {
                    Hit::Inside(id) | Hit::OnOuterBoundary(id) => Some((level, id)),
                    Hit::Outside => None,
                },
            }
        });
        let Some((level, id)) = found else {
            // Held by nothing: every hierarchy column empty, the nearest grid if there are grids.
            if let Some(tail) = &self.unheld {
                self.out.extend_from_slice(tail);
                return false;
            }
            let none = Worker::held_by_nothing(self.nearest(c));
            write_tail(&mut self.out, &mut self.number, &none);
            return false;
        };
        let tails = &mut self.tails[level];
        if tails.is_empty() {
            // Zeroed pages are only touched where features are hit.
            *tails = vec![0; self.snapshot.layer(LEVELS[level]).len()];
        }
        match tails[id as usize] {
            0 => {
                // First time this feature holds a point: the full lookup, and its tail kept if the
                // feature alone decides it (every coarser level found through parent codes).
                let l = self.snapshot.lookup(c);
                let fixed = match level {
                    0 => l.community.is_some() && l.street.is_some(),
                    1 => l.street.is_some(),
                    _ => true,
                };
                let start = self.text.len();
                write_hierarchy(&mut self.text, &l);
                let len = self.text.len() - start;
                self.tails[level][id as usize] =
                    if fixed && len < 1 << 24 { ((start as u64) << 24) | len as u64 } else { NOT_FIXED };
                if !fixed {
                    self.text.truncate(start);
                    write_tail(&mut self.out, &mut self.number, &l);
                    return l.grid.is_some();
                }
                self.out.extend_from_slice(&self.text[start..]);
            }
            NOT_FIXED => {
                let l = self.snapshot.lookup(c);
                write_tail(&mut self.out, &mut self.number, &l);
                return l.grid.is_some();
            }
            packed => {
                let (start, len) = ((packed >> 24) as usize, (packed & 0xff_ffff) as usize);
                self.out.extend_from_slice(&self.text[start..start + len]);
            }
        }
        // A grid holds the point: no nearest grid. Otherwise the nearest, per point.
        let nearest = if level == 0 { None } else { self.nearest(c) };
        write_nearest(&mut self.out, &mut self.number, nearest);
        level == 0
    }

    fn nearest(&self, c: Coord) -> Option<(FeatureRef<'s>, Nearest)> {
        let grids = self.levels[0]?;
        let n = grids.nearest(c)?;
        Some((self.snapshot.layer(Layer::Grid).feature(n.id as usize), n))
    }
}

/// The answer columns from `covered` to `district_name`, each followed by a comma.
fn write_hierarchy(out: &mut Vec<u8>, l: &Lookup<'_>) {
    out.extend_from_slice(if l.grid.is_some() { b"true," } else { b"false," });
    for f in [l.grid, l.community, l.street, l.district] {
        let (code, name) = f.map_or(("", ""), |f| (f.code(), f.name()));
        write_field(out, code.as_bytes());
        out.push(b',');
        write_field(out, name.as_bytes());
        out.push(b',');
    }
}

/// `nearest_grid_code,distance_m` and the line end.
fn write_nearest(out: &mut Vec<u8>, number: &mut zmij::Buffer, nearest: Option<(FeatureRef<'_>, Nearest)>) {
    if let Some((f, n)) = nearest {
        write_field(out, f.code().as_bytes());
        out.push(b',');
        // Rounded to centimetres, as the JSON answer's `distance_m`.
        out.extend_from_slice(number.format_finite((n.metres * 100.0).round() / 100.0).as_bytes());
    } else {
        out.push(b',');
    }
    out.push(b'\n');
}

fn write_tail(out: &mut Vec<u8>, number: &mut zmij::Buffer, l: &Lookup<'_>) {
    write_hierarchy(out, l);
    write_nearest(out, number, l.nearest_grid);
}

/// One CSV field as the `csv` crate writes it by default: quoted, with quotes doubled, only when
/// it holds a comma, a quote or a line break. Numbers are written as serde_json writes them
/// (`zmij`, the formatter serde_json uses: `114.0`, `22.51`), so the CSV and JSON answers agree.
fn write_field(out: &mut Vec<u8>, field: &[u8]) {
    if !field.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    for &b in field {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup::lookup_one;
    use geo::{Geometry, polygon};
    use serde_json::{Value, json};
    use wangge_core::model::Feature;
    use wangge_core::model::{Attrs, Layer};

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
        let mut attrs = Attrs::new();
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

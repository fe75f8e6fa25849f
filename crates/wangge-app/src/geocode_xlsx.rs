//! The geocode batch of an Excel workbook (`wangge geocode --xlsx`, `POST /api/v1/geocode/batch`
//! with an `.xlsx` body): the first sheet comes back with every user column as it was (values and
//! cell types) and the [`GeocodeColumn`]s filled in on each row, the same answer the CSV batch
//! ([`crate::address::batch_row`]) gives, typed (score and coordinates as numbers) and with the
//! community, street and district codes as well as their names.
//!
//! Which column holds the address: the one the caller names (`--address-column` /
//! `address_column=`), else the first header that is one of [`ADDRESS_HEADERS`] (trimmed, any case).
//! An answer column whose header is already in the sheet (a workbook answered before, in either
//! language) is written over instead of added again.

use crate::address::{ADDRESS_HEADERS, status};
use wangge_core::address::Gazetteer;
use wangge_core::address::columns::GeocodeColumn;
use wangge_core::address::gazetteer::Named;
use wangge_core::address::redact::room_level;
use wangge_formats::xlsx::{Cell, read_first_sheet, write_table};
use wangge_text::{Lang, zh_en};

/// Why a workbook was not answered.
#[derive(Debug, thiserror::Error)]
pub enum GeocodeXlsxError {
    /// The workbook, its header or a row is wrong; the message names which and where.
    #[error("{0}")]
    Input(String),
    /// More data rows than allowed (the count, and the limit); checked before any search.
    #[error("{0} rows, more than the limit of {1}")]
    TooMany(usize, usize),
    /// The answer could not be written.
    #[error("{0}")]
    Output(String),
}

/// How one workbook is answered: limits, the header texts and who may see rooms.
pub struct GeocodeSheet<'a> {
    /// The header of the address column, when the caller names it.
    pub address_column: Option<&'a str>,
    /// Most data rows answered.
    pub max_rows: usize,
    /// Longest address accepted, in characters.
    pub max_query_chars: usize,
    /// The header text of each answer column (the face's catalog, in the caller's language).
    pub header: &'a dyn Fn(GeocodeColumn) -> &'static str,
    /// Whether the caller may see the room of an address in this grid (`None`: in no grid).
    pub may_see_rooms: &'a dyn Fn(Option<&str>) -> bool,
}

/// What an answered workbook counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GeocodeCount {
    /// Rows answered (empty spacer rows are not).
    pub rows: usize,
    /// Rows `matched`.
    pub matched: usize,
    /// Rows `ambiguous`.
    pub ambiguous: usize,
    /// Rows `not_found` (an empty address cell included).
    pub not_found: usize,
    /// Room-level addresses written in full (to audit).
    pub rooms_shown: usize,
}

/// Geocodes the address column of the first sheet of `bytes` with `g` and answers the workbook.
pub fn geocode_xlsx(
    g: &Gazetteer,
    bytes: &[u8],
    sheet: &GeocodeSheet<'_>,
    lang: Lang,
) -> Result<(Vec<u8>, GeocodeCount), GeocodeXlsxError> {
    let bad = GeocodeXlsxError::Input;
    check_zip(bytes, lang)?;
    let mut table = read_first_sheet(bytes).map_err(|e| bad(e.0))?;
    let Some(header) = table.rows.first() else {
        return Err(bad(lang
            .pick("工作表为空：第一行应为表头", "the sheet is empty: the first row should be the header")
            .into()));
    };
    if table.rows.len() - 1 > sheet.max_rows {
        return Err(GeocodeXlsxError::TooMany(table.rows.len() - 1, sheet.max_rows));
    }
    let names: Vec<String> = header.iter().map(|c| c.text().trim().to_string()).collect();
    let address = address_column(&names, sheet.address_column, lang)?;
    // Where each answer column goes: over a column of its header (either language), else appended.
    let mut width = names.len();
    let targets: Vec<usize> = GeocodeColumn::ALL
        .iter()
        .map(|c| {
            let (shown, key) = ((sheet.header)(*c), c.key());
            names.iter().position(|n| n == shown || n.eq_ignore_ascii_case(key)).unwrap_or_else(|| {
                width += 1;
                width - 1
            })
        })
        .collect();
    let mut count = GeocodeCount::default();
    for (i, row) in table.rows.iter_mut().enumerate() {
        if i == 0 {
            for (c, &at) in GeocodeColumn::ALL.iter().zip(&targets) {
                set(row, at, Cell::Text((sheet.header)(*c).to_string()));
            }
            continue;
        }
        if row.iter().all(|c| *c == Cell::Empty) {
            continue;
        }
        let query = row.get(address).map(Cell::text).unwrap_or_default();
        let query = query.trim();
        if query.chars().count() > sheet.max_query_chars {
            let (n, max) = (i + 1, sheet.max_query_chars);
            return Err(bad(zh_en!(
                lang,
                ("第 {n} 行：地址超过 {max} 个字符"),
                ("row {n}: the address is longer than {max} characters")
            )));
        }
        let values = answer(g, query, sheet, &mut count);
        for (value, &at) in values.into_iter().zip(&targets) {
            set(row, at, value);
        }
    }
    let bytes = write_table(&table).map_err(|e| GeocodeXlsxError::Output(e.0))?;
    Ok((bytes, count))
}

/// Refuses what cannot be a workbook before the zip reader does, with a message a person can act on.
fn check_zip(bytes: &[u8], lang: Lang) -> Result<(), GeocodeXlsxError> {
    const OLE: [u8; 4] = [0xD0, 0xCF, 0x11, 0xE0];
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(());
    }
    let text = if bytes.starts_with(&OLE) {
        lang.pick(
            "这是旧版 Excel（.xls）文件：请在 Excel 中另存为 .xlsx 再上传",
            "this is an old Excel (.xls) file: save it as .xlsx in Excel and send that",
        )
    } else {
        lang.pick(
            "不是 Excel 工作簿（.xlsx）：.xlsx 是 ZIP 文件，而此文件不是 ZIP",
            "not an Excel workbook (.xlsx): an .xlsx is a ZIP file and this is not one",
        )
    };
    Err(GeocodeXlsxError::Input(text.into()))
}

/// The index of the address column: the one named `wanted`, else the first of [`ADDRESS_HEADERS`].
fn address_column(names: &[String], wanted: Option<&str>, lang: Lang) -> Result<usize, GeocodeXlsxError> {
    let found = match wanted.map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => names.iter().position(|n| n == w || n.eq_ignore_ascii_case(w)),
        None => names.iter().position(|n| ADDRESS_HEADERS.iter().any(|h| n.eq_ignore_ascii_case(h))),
    };
    found.ok_or_else(|| {
        let have = names.iter().filter(|n| !n.is_empty()).cloned().collect::<Vec<_>>().join(", ");
        let known = ADDRESS_HEADERS.join(", ");
        GeocodeXlsxError::Input(match wanted {
            Some(w) => zh_en!(lang, ("表头中没有地址列“{w}”（表头：{have}）"), ("no address column '{w}' in the header (it has: {have})")),
            None => zh_en!(
                lang,
                ("表头中没有地址列：应为 {known} 之一，或用 address_column 指明（表头：{have}）"),
                ("no address column in the header: expected one of {known}, or name it with address_column (it has: {have})")
            ),
        })
    })
}

fn set(row: &mut Vec<Cell>, at: usize, cell: Cell) {
    if row.len() <= at {
        row.resize(at + 1, Cell::Empty);
    }
    row[at] = cell;
}

/// The answer cells of one address, in [`GeocodeColumn::ALL`] order; counts it.
fn answer(g: &Gazetteer, query: &str, sheet: &GeocodeSheet<'_>, count: &mut GeocodeCount) -> Vec<Cell> {
    count.rows += 1;
    let result = if query.is_empty() { None } else { Some(g.search(query, 2)) };
    let status = result.as_ref().map_or("not_found", |r| status(&r.candidates));
    match status {
        "matched" => count.matched += 1,
        "ambiguous" => count.ambiguous += 1,
        _ => count.not_found += 1,
    }
    let mut cells = vec![Cell::Text(status.into())];
    let Some(best) = result.as_ref().and_then(|r| r.candidates.first()) else {
        cells.resize(GeocodeColumn::ALL.len(), Cell::Empty);
        return cells;
    };
    let h = &best.hierarchy;
    let grid = h.grid.as_ref().map(|g| &*g.code);
    // The room of a household only for who may see it, as the CSV and JSON answers do.
    let address = match room_level(&best.address) {
        Some(cut) if !(sheet.may_see_rooms)(grid) => cut,
        Some(_) => {
            count.rooms_shown += 1;
            best.address.clone()
        }
        None => best.address.clone(),
    };
    let text = |s: Option<&str>| s.filter(|s| !s.is_empty()).map_or(Cell::Empty, |s| Cell::Text(s.to_string()));
    let code = |n: &Option<Named>| text(n.as_ref().map(|n| &*n.code));
    let name = |n: &Option<Named>| text(n.as_ref().map(|n| &*n.name));
    let level = serde_json::to_value(best.level).ok().and_then(|v| v.as_str().map(str::to_string));
    let degrees = |x: f64| Cell::Number((x * 1e7).round() / 1e7);
    cells.extend([
        Cell::Number(best.score),
        text(level.as_deref()),
        Cell::Text(address),
        degrees(best.point.x),
        degrees(best.point.y),
        text(best.building),
        code(&h.grid),
        name(&h.grid),
        code(&h.community),
        name(&h.community),
        code(&h.street),
        name(&h.street),
        code(&h.district),
        name(&h.district),
    ]);
    cells
}

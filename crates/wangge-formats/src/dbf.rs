//! dBase III tables (a Shapefile's `.dbf`), read and written byte for byte.
//!
//! The codec is our own rather than the `dbase` crate's because three things need the raw bytes:
//! telling GBK from UTF-8 when there is no `.cpg`, the decimal count of `N` fields (integer or
//! real), and numbers wider than an `f64` holds exactly (17-digit building codes stored as `N`).

use encoding_rs::Encoding;
use serde_json::Value;

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Name as stored (at most 10 bytes in the table's encoding).
    pub name: String,
    /// `C` text, `N` number, `F` float, `L` logical, `D` date (others are read as text).
    pub kind: u8,
    /// Width in bytes.
    pub length: u8,
    /// Digits after the point (`N`, `F`).
    pub decimals: u8,
}

/// A table: its columns and, per record, one value per column (`None` = empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Columns in file order.
    pub fields: Vec<Field>,
    /// Records in file order; deleted records are `None`.
    pub records: Vec<Option<Vec<Option<Value>>>>,
    /// The language driver byte (29) of the header.
    pub ldid: u8,
}

/// Why a table could not be read; `record` is 1-based.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{detail}")]
pub struct DbfError {
    /// The record at fault, if one.
    pub record: Option<usize>,
    /// What was wrong.
    pub detail: String,
}

fn err(record: Option<usize>, detail: impl Into<String>) -> DbfError {
    DbfError { record, detail: detail.into() }
}

/// Reads the header only: columns, record count, where records start and their length.
fn header(bytes: &[u8]) -> Result<(Vec<Field>, usize, usize, usize, u8), DbfError> {
    if bytes.len() < 33 {
        return Err(err(None, format!("{} bytes is too short for a dBase header", bytes.len())));
    }
    let n = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let record_len = u16::from_le_bytes([bytes[10], bytes[11]]) as usize;
    if header_len < 33 || header_len > bytes.len() || record_len == 0 {
        return Err(err(None, format!("bad header (header length {header_len}, record length {record_len})")));
    }
    let mut fields = Vec::new();
    let mut at = 32;
    while at + 32 <= header_len && bytes[at] != 0x0D {
        let d = &bytes[at..at + 32];
        let name_end = d[..11].iter().position(|&b| b == 0).unwrap_or(11);
        fields.push(Field {
            name: String::from_utf8_lossy(&d[..name_end]).trim().to_string(),
            kind: d[11].to_ascii_uppercase(),
            length: d[16],
            decimals: d[17],
        });
        at += 32;
    }
    let width: usize = 1 + fields.iter().map(|f| f.length as usize).sum::<usize>();
    if width != record_len {
        return Err(err(None, format!("columns add up to {width} bytes but records are {record_len}")));
    }
    Ok((fields, n, header_len, record_len, bytes[29]))
}

/// The encoding the header's language driver byte names, for the Chinese code pages.
pub fn ldid_encoding(ldid: u8) -> Option<&'static Encoding> {
    match ldid {
        0x4D | 0x7A => Some(encoding_rs::GBK),
        0x4F | 0x78 => Some(encoding_rs::BIG5),
        _ => None,
    }
}

/// The header's language driver byte, if the bytes are a dBase table.
pub fn ldid(bytes: &[u8]) -> Option<u8> {
    header(bytes).ok().map(|h| h.4)
}

/// Whether every record's bytes are valid UTF-8 (ASCII-only tables are).
pub fn records_are_utf8(bytes: &[u8]) -> bool {
    match header(bytes) {
        Ok((_, _, start, _, _)) => std::str::from_utf8(&bytes[start..]).is_ok(),
        Err(_) => true,
    }
}

/// Whether every record's bytes decode in `encoding` without replacement characters.
pub fn records_decode(bytes: &[u8], encoding: &'static Encoding) -> bool {
    match header(bytes) {
        Ok((_, _, start, _, _)) => {
            encoding.decode_without_bom_handling_and_without_replacement(&bytes[start..]).is_some()
        }
        Err(_) => true,
    }
}

/// Reads a whole table, text in `encoding`.
pub fn read(bytes: &[u8], encoding: &'static Encoding) -> Result<Table, DbfError> {
    let (fields, n, start, record_len, ldid) = header(bytes)?;
    let mut records = Vec::with_capacity(n.min(1 << 20));
    for r in 0..n {
        let at = start + r * record_len;
        let Some(rec) = bytes.get(at..at + record_len) else {
            return Err(err(Some(r + 1), format!("the file ends before record {} of {n}", r + 1)));
        };
        if rec[0] == b'*' {
            records.push(None);
            continue;
        }
        let mut values = Vec::with_capacity(fields.len());
        let mut col = 1;
        for f in &fields {
            let raw = &rec[col..col + f.length as usize];
            col += f.length as usize;
            let v = value(f, raw, encoding).map_err(|d| err(Some(r + 1), format!("field {}: {d}", f.name)))?;
            values.push(v);
        }
        records.push(Some(values));
    }
    Ok(Table { fields, records, ldid })
}

fn value(f: &Field, raw: &[u8], encoding: &'static Encoding) -> Result<Option<Value>, String> {
    let ascii = || String::from_utf8_lossy(raw).trim().to_string();
    Ok(match f.kind {
        b'N' | b'F' => {
            let t = ascii();
            if t.is_empty() || t.chars().all(|c| c == '*') {
                return Ok(None);
            }
            if f.decimals == 0
                && let Ok(i) = t.parse::<i64>()
            {
                return Ok(Some(Value::from(i)));
            }
            let x: f64 = t.parse().map_err(|_| format!("'{t}' is not a number"))?;
            if !x.is_finite() {
                return Err(format!("'{t}' is not a finite number"));
            }
            Some(Value::from(x))
        }
        b'L' => match raw.first().copied().unwrap_or(b' ') {
            b'T' | b't' | b'Y' | b'y' => Some(Value::Bool(true)),
            b'F' | b'f' | b'N' | b'n' => Some(Value::Bool(false)),
            _ => None,
        },
        b'D' => {
            let t = ascii();
            if t.is_empty() || t.chars().all(|c| c == '0') {
                return Ok(None);
            }
            if t.len() != 8 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("'{t}' is not a date YYYYMMDD"));
            }
            Some(Value::String(format!("{}-{}-{}", &t[0..4], &t[4..6], &t[6..8])))
        }
        _ => {
            // Padding is spaces (and sometimes NULs); leading spaces are data.
            let end = raw.iter().rposition(|&b| b != b' ' && b != 0).map_or(0, |i| i + 1);
            if end == 0 {
                return Ok(None);
            }
            let text = encoding
                .decode_without_bom_handling_and_without_replacement(&raw[..end])
                .ok_or_else(|| format!("the text is not valid {}", encoding.name()))?;
            Some(Value::String(text.into_owned()))
        }
    })
}

/// Chooses a column type and width for `values` (JSON values of one attribute, `None` = absent):
/// integers → `N` with no decimals, other numbers → `N` with 15 decimals (read back as real),
/// booleans → `L`, anything else → `C` as wide as its longest text (objects and arrays as JSON).
pub fn column_for(name: &str, values: &[Option<&Value>], encoding: &'static Encoding) -> Field {
    let present: Vec<&Value> = values.iter().flatten().copied().filter(|v| !v.is_null()).collect();
    let (kind, length, decimals) = if !present.is_empty() && present.iter().all(|v| v.is_i64() || v.is_u64()) {
        let width = present.iter().map(|v| v.to_string().len()).max().unwrap_or(1);
        (b'N', width.clamp(1, 20) as u8, 0)
    } else if !present.is_empty() && present.iter().all(|v| v.is_number()) {
        let width = present.iter().map(|v| number_text(v).len()).max().unwrap_or(1);
        (b'N', width.clamp(24, 254) as u8, 15)
    } else if !present.is_empty() && present.iter().all(|v| v.is_boolean()) {
        (b'L', 1, 0)
    } else {
        let width = present.iter().map(|v| encoding.encode(&text_of(v)).0.len()).max().unwrap_or(1);
        (b'C', width.clamp(1, 254) as u8, 0)
    };
    Field { name: name.to_string(), kind, length, decimals }
}

/// The shortest text that reads back as the same number.
fn number_text(v: &Value) -> String {
    v.to_string()
}

/// A value as the text a `C` column stores.
pub fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Writes a table. Text longer than its column is cut at a character boundary (columns are sized
/// to fit, up to dBase's 254 bytes); the caller reports which.
pub fn write(fields: &[Field], records: &[Vec<Option<&Value>>], encoding: &'static Encoding, ldid: u8) -> Vec<u8> {
    let header_len = 32 + 32 * fields.len() + 1;
    let record_len = 1 + fields.iter().map(|f| f.length as usize).sum::<usize>();
    let mut out = Vec::with_capacity(header_len + record_len * records.len() + 1);
    let (y, m, d) = today();
    out.extend_from_slice(&[0x03, (y - 1900) as u8, m as u8, d as u8]);
    out.extend_from_slice(&(records.len() as u32).to_le_bytes());
    out.extend_from_slice(&(header_len as u16).to_le_bytes());
    out.extend_from_slice(&(record_len as u16).to_le_bytes());
    out.extend_from_slice(&[0; 17]);
    out.push(ldid);
    out.extend_from_slice(&[0; 2]);
    for f in fields {
        let mut name = encoding.encode(&f.name).0.into_owned();
        name.resize(11, 0);
        out.extend_from_slice(&name);
        out.push(f.kind);
        out.extend_from_slice(&[0; 4]);
        out.push(f.length);
        out.push(f.decimals);
        out.extend_from_slice(&[0; 14]);
    }
    out.push(0x0D);
    for rec in records {
        out.push(b' ');
        for (f, v) in fields.iter().zip(rec) {
            let width = f.length as usize;
            let v = v.filter(|v| !v.is_null());
            let cell: Vec<u8> = match (f.kind, v) {
                (_, None) if f.kind == b'L' => b"?".to_vec(),
                (_, None) => Vec::new(),
                (b'L', Some(v)) => {
                    if v.as_bool() == Some(true) {
                        b"T".to_vec()
                    } else {
                        b"F".to_vec()
                    }
                }
                (b'N' | b'F', Some(v)) => {
                    let t = number_text(v);
                    // Numbers are right-aligned.
                    let mut c = vec![b' '; width.saturating_sub(t.len())];
                    c.extend_from_slice(t.as_bytes());
                    c
                }
                (_, Some(v)) => {
                    let text = text_of(v);
                    let mut bytes = encoding.encode(&text).0.into_owned();
                    if bytes.len() > width {
                        let mut cut = text.len();
                        while encoding.encode(&text[..cut]).0.len() > width {
                            cut = text[..cut].char_indices().next_back().map_or(0, |(i, _)| i);
                        }
                        bytes = encoding.encode(&text[..cut]).0.into_owned();
                    }
                    bytes
                }
            };
            let mut cell = cell;
            cell.truncate(width);
            cell.resize(width, b' ');
            out.extend_from_slice(&cell);
        }
    }
    out.push(0x1A);
    out
}

/// Today's date (UTC) for the header's last-update field.
fn today() -> (i64, u32, u32) {
    let t = crate::clock::today_utc();
    (i64::from(t.year()).clamp(1900, 2155), t.month() as u32, t.day() as u32)
}

/// dBase column names for `keys`: at most 10 bytes in `encoding`, unique ignoring case.
/// Names that fit are kept; longer ones are cut, and a clash gets `_1`…`_9`, then `_10`…`_99`
/// after a shorter stem, so the same keys always get the same names.
pub fn short_names(keys: &[String], encoding: &'static Encoding) -> Vec<String> {
    let fits = |s: &str, n: usize| encoding.encode(s).0.len() <= n;
    let cut = |s: &str, n: usize| {
        let mut end = s.len();
        while !fits(&s[..end], n) {
            end = s[..end].char_indices().next_back().map_or(0, |(i, _)| i);
        }
        s[..end].to_string()
    };
    let mut taken: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let mut name = cut(k, 10);
        let free = |n: &str, taken: &[String]| !taken.iter().any(|t| t.eq_ignore_ascii_case(n));
        if !free(&name, &taken) {
            let mut i = 1;
            loop {
                let suffix = format!("_{i}");
                let candidate = format!("{}{suffix}", cut(k, 10 - suffix.len()));
                if free(&candidate, &taken) {
                    name = candidate;
                    break;
                }
                i += 1;
            }
        }
        taken.push(name.clone());
        out.push(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip_every_type_in_gbk() {
        let vals = [json!("新沙社区第1网格"), json!(379), json!(0.125), json!(true), json!(44030400503600021_i64)];
        let fields: Vec<Field> = ["name", "households", "ratio", "estimated", "bcode"]
            .iter()
            .zip(&vals)
            .map(|(n, v)| column_for(n, &[Some(v), None], encoding_rs::GBK))
            .collect();
        let records = vec![vals.iter().map(Some).collect::<Vec<_>>(), vec![None; 5]];
        let bytes = write(&fields, &records, encoding_rs::GBK, 0x4D);
        assert!(!records_are_utf8(&bytes));
        assert!(records_decode(&bytes, encoding_rs::GBK));
        let t = read(&bytes, encoding_rs::GBK).unwrap();
        assert_eq!(t.fields, fields);
        assert_eq!(t.ldid, 0x4D);
        let first: Vec<Value> = t.records[0].clone().unwrap().into_iter().map(Option::unwrap).collect();
        assert_eq!(first, vals);
        assert_eq!(t.records[1], Some(vec![None; 5]));
    }

    #[test]
    fn long_names_are_cut_deterministically() {
        let keys: Vec<String> =
            ["parent_code", "parent_code_2", "households", "住户数量统计表格"].iter().map(|s| s.to_string()).collect();
        let names = short_names(&keys, encoding_rs::GBK);
        assert_eq!(names, vec!["parent_cod", "parent_c_1", "households", "住户数量统"]);
        assert_eq!(short_names(&keys, encoding_rs::UTF_8)[3], "住户数");
    }

    #[test]
    fn damaged_tables_name_the_record() {
        let f = column_for("n", &[Some(&json!(12))], encoding_rs::UTF_8);
        let mut bytes = write(&[f], &[vec![Some(&json!(12))], vec![Some(&json!(13))]], encoding_rs::UTF_8, 0);
        let len = bytes.len();
        bytes.truncate(len - 3);
        assert_eq!(read(&bytes, encoding_rs::UTF_8).unwrap_err().record, Some(2));
        assert!(read(b"not a table", encoding_rs::UTF_8).is_err());
    }
}

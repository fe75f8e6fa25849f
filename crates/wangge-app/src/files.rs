//! File import and export in any supported format and coordinate system: the adapters in
//! `io` read and write the bytes; this use-case resolves the CRS, reprojects, and hands
//! features to the import checks (all or nothing) or to a writer.

use std::path::{Path, PathBuf};
use wangge_core::model::{Feature, Layer};
use wangge_core::problem::{Problem, Rule};
use wangge_formats::crs::Crs;
use wangge_formats::crs::prj::{self, SourceCrs};
use wangge_formats::formats::{FileError, FileFormat, Note, resolve_crs};
use wangge_formats::geojson::{Parsed, collection_to_json};
use wangge_formats::{csv_in, csv_out, geojson, gpkg_file, shapefile};

/// How to read a file.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `--crs`: overrides what the file declares.
    pub crs: Option<Crs>,
    /// `--encoding` for a Shapefile's `.dbf`.
    pub encoding: Option<String>,
    /// `--table` of a GeoPackage.
    pub table: Option<String>,
    /// The table to take from a GeoPackage with several when none is named (the target layer).
    pub layer_hint: Option<String>,
}

/// Reads `path` as `format` and converts every geometry to WGS 84. Record-level problems
/// (including positions PROJ cannot convert) are in the returned `Parsed`; a file that cannot be
/// read at all is a [`FileError`].
pub fn read_file(path: &Path, format: FileFormat, options: &ReadOptions) -> Result<(Parsed, Vec<Note>), FileError> {
    let (read, origin) = match format {
        FileFormat::Shapefile => (shapefile::read(path, options.encoding.as_deref())?, path.with_extension("prj")),
        FileFormat::GeoPackage => {
            (gpkg_file::read(path, options.table.as_deref(), options.layer_hint.as_deref())?, path.to_path_buf())
        }
        FileFormat::GeoJson | FileFormat::Csv => {
            let text = std::fs::read_to_string(path).map_err(|e| FileError::Corrupt {
                path: path.to_path_buf(),
                record: None,
                detail: e.to_string(),
            })?;
            return Ok((parse_text(&text, format, options.crs.unwrap_or(Crs::Wgs84)), Vec::new()));
        }
    };
    let crs = resolve_crs(&origin, read.crs, options.crs)?;
    if let SourceCrs::Known(c) = &crs {
        c.check().map_err(|e| FileError::Crs { path: origin.clone(), detail: e.to_string() })?;
    }
    Ok((to_wgs84(read.parsed, |g| crs.geometry_to_wgs84(g)), read.notes))
}

/// Parses a text format (GeoJSON or CSV; another format is read as CSV) given in `crs` and converts every
/// geometry to WGS 84. A coordinate system that cannot be used is one problem for the whole input; positions
/// it cannot convert are problems of their features.
pub fn parse_text(text: &str, format: FileFormat, crs: Crs) -> Parsed {
    let parsed = match format {
        FileFormat::GeoJson => geojson::read_features(text),
        _ => csv_in::read_features(text),
    };
    if let Err(e) = crs.check() {
        let mut problems = parsed.problems;
        problems.push(Problem::new(None, None, Rule::Crs { detail: e.to_string() }));
        return Parsed { features: Vec::new(), problems, uncoded: Vec::new() };
    }
    to_wgs84(parsed, |g| crs.geometry_to_wgs84(g).map_err(|e| e.to_string()))
}

/// Converts every feature's geometry with `convert`; a feature that cannot be converted becomes a problem.
fn to_wgs84(parsed: Parsed, convert: impl Fn(&geo::Geometry<f64>) -> Result<geo::Geometry<f64>, String>) -> Parsed {
    let mut out = Parsed {
        features: Vec::with_capacity(parsed.features.len()),
        problems: parsed.problems,
        uncoded: Vec::with_capacity(parsed.uncoded.len()),
    };
    for (coded, list) in [(true, parsed.features), (false, parsed.uncoded)] {
        for (i, mut f) in list {
            match convert(&f.geometry) {
                Ok(g) => {
                    f.geometry = g;
                    if coded { &mut out.features } else { &mut out.uncoded }.push((i, f));
                }
                Err(detail) => {
                    let code = coded.then_some(f.code.as_str());
                    out.problems.push(Problem::new(Some(i), code, Rule::Crs { detail }));
                }
            }
        }
    }
    out
}

/// How to write a file.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The format.
    pub format: FileFormat,
    /// The coordinate system to write in (stored data is WGS 84).
    pub crs: Crs,
    /// Text encoding of a Shapefile's `.dbf` (UTF-8 unless GBK is asked for).
    pub encoding: Option<String>,
}

/// What an export wrote.
#[derive(Debug, Default)]
pub struct Exported {
    /// Features written.
    pub count: usize,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// What the user should know (renamed columns, cut texts).
    pub notes: Vec<Note>,
}

/// Writes `features` of `layer` to `path`, reprojected to `options.crs`. Nothing is left at
/// `path` if anything fails.
pub fn export_file(
    path: &Path,
    layer: Layer,
    features: &[Feature],
    options: &ExportOptions,
) -> Result<Exported, FileError> {
    let unsupported = |detail: String| FileError::Unsupported { path: path.to_path_buf(), detail };
    if matches!(options.crs, Crs::Gcj02 | Crs::Bd09) {
        return Err(unsupported(format!("--crs {} (exports use EPSG systems)", options.crs)));
    }
    options.crs.check().map_err(|e| unsupported(e.to_string()))?;
    let mut projected = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let geometry = prj::geometry_from_wgs84(options.crs, &f.geometry)
            .map_err(|e| unsupported(format!("feature #{i} (code {}): {e}", f.code)))?;
        projected.push(Feature { geometry, ..f.clone() });
    }
    let mut out = Exported { count: projected.len(), ..Exported::default() };
    match options.format {
        FileFormat::GeoJson => {
            let mut doc = collection_to_json(&projected);
            if !options.crs.is_wgs84() {
                // RFC 7946 is WGS 84 only; the older named-CRS member is what GDAL and QGIS read.
                doc["crs"] = serde_json::json!({"type": "name", "properties": {
                    "name": format!("urn:ogc:def:crs:EPSG::{}", prj::epsg_code(options.crs))}});
            }
            let text = serde_json::to_string(&doc).map_err(|e| unsupported(e.to_string()))?;
            write_atomically(path, text.as_bytes())?;
            out.files.push(path.to_path_buf());
        }
        FileFormat::Csv => {
            write_atomically(path, csv_out::write(&projected, !options.crs.is_wgs84()).as_bytes())?;
            out.files.push(path.to_path_buf());
        }
        FileFormat::Shapefile => {
            let name = options.encoding.as_deref().unwrap_or("UTF-8");
            let encoding = shapefile::encoding_named(name)
                .filter(|e| *e == encoding_rs::UTF_8 || *e == encoding_rs::GBK)
                .ok_or_else(|| unsupported(format!("--encoding {name} (use UTF-8 or GBK)")))?;
            let w = shapefile::write(path, &projected, options.crs, encoding)?;
            for (key, column) in &w.renamed {
                out.notes.push(Note::new(
                    format!("属性 {key} 写为字段 {column}（dBase 字段名最多 10 字节）"),
                    format!("attribute {key} written as column {column} (dBase names are at most 10 bytes)"),
                ));
            }
            for (code, key) in &w.truncated {
                out.notes.push(Note::new(
                    format!("要素 {code} 的属性 {key} 超过 254 字节，已截断"),
                    format!("feature {code}: attribute {key} is longer than 254 bytes and was cut"),
                ));
            }
            out.files = w.files;
        }
        FileFormat::GeoPackage => {
            gpkg_file::write(path, layer.id(), &projected, options.crs)?;
            out.files.push(path.to_path_buf());
        }
    }
    Ok(out)
}

/// Writes via a temporary sibling and a rename, so a failure leaves nothing half-written.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let tmp = path.with_extension("partial");
    let err = |e: std::io::Error| FileError::Write { path: path.to_path_buf(), detail: e.to_string() };
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}

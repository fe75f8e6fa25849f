//! Which file format a path is, and what reading or writing a file can go wrong with.
//!
//! Each format has its own module (`geojson`, `csv_in`/`csv_out`, `shapefile` + `dbf`,
//! `gpkg_file`); this one only dispatches by extension or `--format` and carries the errors and
//! notes they share, in 简体中文 and English.

use crate::crs::prj::SourceCrs;
use crate::geojson::Parsed;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use wangge_text::Lang;
use wangge_text::zh_en;

/// A file format wangge reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// RFC 7946 GeoJSON.
    GeoJson,
    /// CSV with lon,lat (points) or wkt (areas).
    Csv,
    /// ESRI Shapefile (.shp + .shx + .dbf + .prj + .cpg).
    Shapefile,
    /// OGC GeoPackage.
    GeoPackage,
}

impl FromStr for FileFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "geojson" | "json" => Ok(FileFormat::GeoJson),
            "csv" => Ok(FileFormat::Csv),
            "shp" | "shapefile" | "esri shapefile" => Ok(FileFormat::Shapefile),
            "gpkg" | "geopackage" => Ok(FileFormat::GeoPackage),
            other => Err(format!("unknown format '{other}' (geojson, csv, shp, gpkg)")),
        }
    }
}

impl FileFormat {
    /// The format a file name says, if its extension is one wangge knows.
    pub fn from_path(path: &Path) -> Option<FileFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "geojson" | "json" => Some(FileFormat::GeoJson),
            "csv" | "txt" => Some(FileFormat::Csv),
            "shp" => Some(FileFormat::Shapefile),
            "gpkg" => Some(FileFormat::GeoPackage),
            _ => None,
        }
    }

    /// The format of a file whose name may not say it: the extension when wangge knows it, else
    /// GeoJSON when the text starts with `{` and CSV otherwise (the two text formats).
    pub fn sniff(name: &str, text: &str) -> FileFormat {
        FileFormat::from_path(Path::new(name))
            .unwrap_or_else(|| if text.trim_start().starts_with('{') { FileFormat::GeoJson } else { FileFormat::Csv })
    }

    /// Whether the format is text (read from a string) rather than a set of binary files.
    pub fn is_text(self) -> bool {
        matches!(self, FileFormat::GeoJson | FileFormat::Csv)
    }

    /// The identifier used by `--format` and `?format=`.
    pub fn id(self) -> &'static str {
        match self {
            FileFormat::GeoJson => "geojson",
            FileFormat::Csv => "csv",
            FileFormat::Shapefile => "shp",
            FileFormat::GeoPackage => "gpkg",
        }
    }
}

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// 简体中文.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Note {
    /// A note in both languages.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Note {
        Note { zh: zh.into(), en: en.into() }
    }

    /// The note in `lang`.
    pub fn text(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

/// What a file reader found: features (in the file's CRS), its CRS if the file says one, and
/// notes worth telling the user (encoding used, renamed fields, …).
#[derive(Debug, Default)]
pub struct FileRead {
    /// Features with their record positions, and per-record problems.
    pub parsed: Parsed,
    /// The CRS the file declares: `None` when it says nothing, `Some(Err)` when it says
    /// something PROJ cannot read.
    pub crs: Option<Result<SourceCrs, String>>,
    /// What the user should know about how the file was read.
    pub notes: Vec<Note>,
}

/// A file that could not be read or written as a whole; names the file and, where there is one,
/// the record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub enum FileError {
    /// A file the format needs is not there (a Shapefile's `.dbf`).
    Missing {
        /// The file that should exist.
        path: PathBuf,
    },
    /// The file is not what it claims, or is damaged.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based record number, when the damage is in one record.
        record: Option<usize>,
        /// What was wrong (English; technical).
        detail: String,
    },
    /// The file's coordinate system cannot be used and no `--crs` was given.
    Crs {
        /// The file naming the CRS (a `.prj`).
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// The text encoding of the attributes cannot be told.
    Encoding {
        /// The file (a `.dbf` or `.cpg`).
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// A GeoPackage without the table asked for (or with several and none named).
    Table {
        /// The GeoPackage.
        path: PathBuf,
        /// The feature tables it has.
        available: Vec<String>,
        /// The table asked for, if any.
        wanted: Option<String>,
    },
    /// Something the format cannot express (e.g. a GCJ-02 export).
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What.
        detail: String,
    },
    /// Writing failed.
    Write {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        detail: String,
    },
}

impl FileError {
    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            FileError::Missing { path } => {
                zh_en!(lang, ("缺少文件 {}", path.display()), ("missing file {}", path.display()))
            }
            FileError::Corrupt { path, record, detail } => match (record, zh) {
                (Some(r), true) => format!("{} 第 {r} 条记录已损坏：{detail}", path.display()),
                (Some(r), false) => format!("{}, record {r} is damaged: {detail}", path.display()),
                (None, true) => format!("{} 已损坏或不是该格式：{detail}", path.display()),
                (None, false) => format!("{} is damaged or not of this format: {detail}", path.display()),
            },
            FileError::Crs { path, detail } => {
                zh_en!(
                    lang,
                    ("{} 中的坐标系无法识别（{detail}）；请用 --crs EPSG:n 指定", path.display()),
                    ("{}: the coordinate system cannot be understood ({detail}); give --crs EPSG:n", path.display())
                )
            }
            FileError::Encoding { path, detail } => {
                zh_en!(
                    lang,
                    ("{} 的文字编码无法确定（{detail}）；请用 --encoding GBK 或 UTF-8 指定", path.display()),
                    ("{}: the text encoding cannot be told ({detail}); give --encoding GBK or UTF-8", path.display())
                )
            }
            FileError::Table { path, available, wanted } => {
                let list = if available.is_empty() { "-".to_string() } else { available.join(", ") };
                match (wanted, zh) {
                    (Some(t), true) => format!("{} 中没有要素表 {t}（现有：{list}）", path.display()),
                    (Some(t), false) => format!("{} has no feature table {t} (it has: {list})", path.display()),
                    (None, true) => format!("{} 中有多个要素表，请用 --table 指定其一：{list}", path.display()),
                    (None, false) => {
                        format!("{} has several feature tables; name one with --table: {list}", path.display())
                    }
                }
            }
            FileError::Unsupported { path, detail } => {
                zh_en!(lang, ("{}：不支持 {detail}", path.display()), ("{}: not supported: {detail}", path.display()))
            }
            FileError::Write { path, detail } => {
                zh_en!(lang, ("无法写入 {}：{detail}", path.display()), ("cannot write {}: {detail}", path.display()))
            }
        }
    }
}

/// A sibling of `path` with extension `ext`, in either case (`.dbf` or `.DBF`), if one exists.
pub fn sibling(path: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|e| path.with_extension(e))
        .find(|p| p.exists())
}

/// The CRS to read a file's coordinates in: `--crs` wins; else what the file declares; else WGS 84.
/// A declaration PROJ cannot read is an error naming `origin` (the `.prj`, the GeoPackage) only
/// when no `--crs` is given.
pub fn resolve_crs(
    origin: &Path,
    declared: Option<Result<SourceCrs, String>>,
    given: Option<crate::crs::Crs>,
) -> Result<SourceCrs, FileError> {
    match (given, declared) {
        (Some(c), _) => Ok(SourceCrs::Known(c)),
        (None, Some(Ok(c))) => Ok(c),
        (None, Some(Err(detail))) => Err(FileError::Crs { path: origin.to_path_buf(), detail }),
        (None, None) => Ok(SourceCrs::Known(crate::crs::Crs::Wgs84)),
    }
}

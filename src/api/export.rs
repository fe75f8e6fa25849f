//! `GET /api/v1/layers/{layer}/export?format=gpkg|shp|geojson|csv&crs=EPSG:n`: the published layer
//! as a file to download (a Shapefile's five files zipped), written by the same code as `wangge export`.

use super::error::ApiError;
use super::extract::{ApiPath, Ctx};
use super::schema::{ErrorBody, ExportQuery};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicU64, Ordering};
use wangge_app::files::{ExportOptions, export_file};
use wangge_core::model::Layer;
use wangge_formats::crs::Crs;
use wangge_formats::formats::{FileError, FileFormat};
use wangge_text::Lang;

static EXPORTS: AtomicU64 = AtomicU64::new(0);

/// The download.
#[utoipa::path(get, path = "/api/v1/layers/{layer}/export", tag = "layers",
    params(("layer" = String, Path, description = "Layer id"), ExportQuery),
    responses((status = 200, description = "The file (`Content-Disposition: attachment`): GeoJSON, CSV, GeoPackage or a zipped Shapefile", body = Vec<u8>, content_type = "application/octet-stream"), (status = 400, description = "A parameter or field is wrong", body = ErrorBody), (status = 404, description = "No such layer or feature", body = ErrorBody)))]
pub async fn export_layer(
    Ctx { state, caller, lang, params }: Ctx,
    ApiPath(layer): ApiPath<String>,
) -> Result<Response, ApiError> {
    let layer: Layer = layer.parse().map_err(|e: wangge_core::model::UnknownLayer| {
        ApiError::not_found(if lang == Lang::Zh { format!("图层 {layer} 不存在") } else { e.to_string() })
    })?;
    let format: FileFormat = params.optional("format", FileFormat::GeoJson)?;
    let crs: Crs = params.optional("crs", Crs::Wgs84)?;
    let encoding = params.get("encoding").map(String::from);
    let mut features = state.snapshot().layer(layer).to_features();
    // A file leaves the server's hands: a worker's phone number goes only to those entitled to it.
    wangge_app::privacy::filter_feature_contacts(&mut features, caller.0.as_ref());
    let options = ExportOptions { format, crs, encoding };
    let (bytes, name) =
        super::guard::blocking(move || write_download(layer, &features, &options)).await?.map_err(|e| match e {
            FileError::Unsupported { .. } => ApiError::bad_parameter(e.message(lang)),
            other => ApiError::internal(other),
        })?;
    let content_type = match format {
        FileFormat::GeoJson => "application/geo+json",
        FileFormat::Csv => "text/csv; charset=utf-8",
        FileFormat::GeoPackage => "application/geopackage+sqlite3",
        FileFormat::Shapefile => "application/zip",
    };
    let disposition = format!("attachment; filename=\"{name}\"");
    Ok(([(CONTENT_TYPE, content_type.to_string()), (CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

/// Writes the export into a private temporary folder, reads it back (zipping a Shapefile) and
/// removes the folder.
fn write_download(
    layer: Layer,
    features: &[wangge_core::model::Feature],
    options: &ExportOptions,
) -> Result<(Vec<u8>, String), FileError> {
    let n = EXPORTS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("wangge-export-{}-{n}", std::process::id()));
    let io_err = |e: std::io::Error| FileError::Write { path: dir.clone(), detail: e.to_string() };
    std::fs::create_dir_all(&dir).map_err(io_err)?;
    let path = dir.join(format!("{}.{}", layer.id(), options.format.id()));
    let result = export_file(&path, layer, features, options).and_then(|done| {
        let mut entries = Vec::new();
        for f in &done.files {
            let name = f.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            entries.push((name, std::fs::read(f).map_err(io_err)?));
        }
        Ok(if options.format == FileFormat::Shapefile {
            (wangge_formats::zip_out::zip_stored(&entries), format!("{}.zip", layer.id()))
        } else {
            (
                entries.pop().map(|e| e.1).unwrap_or_default(),
                path.file_name().unwrap_or_default().to_string_lossy().into_owned(),
            )
        })
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

//! `GET /tiles/{layer}/{z}/{x}/{y}.mvt` (Mapbox Vector Tiles) and `GET /tiles/{layer}.json`
//! (TileJSON 3.0.0). `{layer}` is a layer id, `road`, or `network.NAME` for an imported network.

use super::AppState;
use super::error::ApiError;
use super::extract::ApiPath;
use super::params::Params;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use wangge_app::network_tiles::network_of;
use wangge_app::tiles::TileSource;
use wangge_core::feature_ref::FeatureRef;
use wangge_core::tiles::TileId;
use wangge_text::zh_en;
use wangge_text::{Label, Lang, Text};

/// The MVT media type.
pub const MVT_TYPE: &str = "application/vnd.mapbox-vector-tile";
/// Highest zoom advertised in TileJSON; clients overzoom past it (tiles are served to [`wangge_core::tiles::MAX_ZOOM`]).
pub const TILEJSON_MAX_ZOOM: u8 = 18;
/// Browsers may keep tiles but must ask again (with the ETag) before using them: a publish can
/// change any tile at any moment.
const CACHE_CONTROL: &str = "public, no-cache";

fn unknown_layer(raw: &str, lang: Lang) -> ApiError {
    let known = TileSource::all().iter().map(|s| s.id()).collect::<Vec<_>>().join(", ");
    ApiError::not_found(zh_en!(
        lang,
        ("瓦片图层 {raw} 不存在（可用：{known}）"),
        ("no tile layer '{raw}' (known: {known})")
    ))
}

/// A tile asked for in another format than `.mvt`; `column` is `{layer}/{z}/{x}` as asked.
fn not_mvt(file: &str, column: &str, lang: Lang) -> ApiError {
    ApiError::not_found(zh_en!(
        lang,
        ("瓦片 {file} 不存在：只提供 .mvt 格式（/tiles/{column}/{{y}}.mvt）"),
        ("no tile {file}: tiles are served as .mvt (/tiles/{column}/{{y}}.mvt)")
    ))
}

/// A TileJSON address that does not end in `.json`.
fn not_tilejson(file: &str, lang: Lang) -> ApiError {
    ApiError::not_found(zh_en!(
        lang,
        ("{file} 不存在：TileJSON 地址为 /tiles/{{图层}}.json"),
        ("no {file}: TileJSON is at /tiles/{{layer}}.json")
    ))
}

/// `GET /tiles/{layer}/{z}/{x}/{y}.mvt`: one tile, gzip-compressed for clients that accept it,
/// `204 No Content` when the tile has no features, `304` when `If-None-Match` holds its ETag.
pub async fn get_tile(
    State(state): State<AppState>,
    ApiPath((layer, z, x, file)): ApiPath<(String, String, String, String)>,
    params: Params,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = params.lang;
    let source = match network_of(&layer) {
        Some(_) => None,
        None => Some(TileSource::parse(&layer).ok_or_else(|| unknown_layer(&layer, lang))?),
    };
    let y = file.strip_suffix(".mvt").ok_or_else(|| not_mvt(&file, &format!("{layer}/{z}/{x}"), lang))?;
    let tile = TileId::parse(&z, &x, y).map_err(|e| ApiError::bad_parameter(e.message(lang)))?;
    let t = match (source, network_of(&layer)) {
        (Some(source), _) => state.published().tile(source, tile),
        // A network's tiles, of its current version (a re-import is a new version: new tiles).
        (None, Some(name)) => {
            let network = super::align::network_layer(&state, lang, name).await?;
            state.networks.tile(&network, tile)
        }
        (None, None) => None,
    };
    let Some(t) = t else {
        return Ok((StatusCode::NO_CONTENT, [(header::CACHE_CONTROL, CACHE_CONTROL)]).into_response());
    };
    let etag = HeaderValue::from_str(&t.etag).map_err(ApiError::internal)?;
    let common = [(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL)), (header::ETAG, etag)];
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim() == t.etag || e.trim() == "*"));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.split(';').next().is_some_and(|n| n.trim() == "gzip")));
    let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
    let kind = (header::CONTENT_TYPE, HeaderValue::from_static(MVT_TYPE));
    Ok(if gzip {
        let enc = (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        (common, [kind, vary, enc], t.gzip.clone()).into_response()
    } else {
        (common, [kind, vary], t.raw.clone()).into_response()
    })
}

/// `GET /tiles/{layer}.json`: TileJSON 3.0.0 with the tile URL on the host the request came to,
/// the layer's bounds and its fields.
pub async fn get_tilejson(
    State(state): State<AppState>,
    ApiPath(file): ApiPath<String>,
    params: Params,
    headers: HeaderMap,
) -> Result<axum::Json<Value>, ApiError> {
    let lang = params.lang;
    let layer = file.strip_suffix(".json").ok_or_else(|| not_tilejson(&file, lang))?;
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1:8080");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    if let Some(name) = network_of(layer) {
        let network = super::align::network_layer(&state, lang, name).await?;
        let description = zh_en!(
            lang,
            ("网络 {name}（第 {} 版）", network.version),
            ("network {name} (version {})", network.version)
        );
        return Ok(axum::Json(tilejson(
            layer,
            &description,
            &format!("{scheme}://{host}"),
            network.extent,
            fields(network.features.iter().map(FeatureRef::from)),
        )));
    }
    let source = TileSource::parse(layer).ok_or_else(|| unknown_layer(layer, lang))?;
    let published = state.published();
    let (snapshot, tiles) = (&published.snapshot, &published.tiles);
    let description = match source {
        TileSource::Layer(l) => l.label(lang).to_string(),
        TileSource::Road => lang.pick("步行路网", "walking network").to_string(),
    };
    let fields = fields(tiles.features(snapshot, source));
    Ok(axum::Json(tilejson(
        source.id(),
        &description,
        &format!("{scheme}://{host}"),
        tiles.extent(snapshot, source),
        fields,
    )))
}

/// A TileJSON 3.0.0 document for tile layer `id` served at `origin`.
fn tilejson(
    id: &str,
    description: &str,
    origin: &str,
    extent: Option<geo::Rect<f64>>,
    fields: Map<String, Value>,
) -> Value {
    let (bounds, center) = match extent {
        Some(r) => (
            json!([r.min().x, r.min().y, r.max().x, r.max().y]),
            json!([(r.min().x + r.max().x) / 2.0, (r.min().y + r.max().y) / 2.0, 12]),
        ),
        None => (json!([-180.0, -85.051_128_779_806_59, 180.0, 85.051_128_779_806_59]), json!([0.0, 0.0, 0])),
    };
    json!({
        "tilejson": "3.0.0",
        "name": id,
        "description": description,
        "version": "1.0.0",
        "scheme": "xyz",
        "tiles": [format!("{origin}/tiles/{id}/{{z}}/{{x}}/{{y}}.mvt")],
        "minzoom": 0,
        "maxzoom": TILEJSON_MAX_ZOOM,
        "bounds": bounds,
        "center": center,
        "attribution": "© OpenStreetMap contributors (ODbL)",
        "vector_layers": [{
            "id": id,
            "description": description,
            "minzoom": 0,
            "maxzoom": TILEJSON_MAX_ZOOM,
            "fields": fields,
        }],
    })
}

/// Each property of the layer's tiles with its type as TileJSON's `fields` name them
/// (`String`, `Number`, `Boolean`), in first-seen order.
fn fields<'a>(features: impl IntoIterator<Item = FeatureRef<'a>>) -> Map<String, Value> {
    // One pass over the layer (a million grids are not walked twice): the attributes' kinds are
    // gathered apart and placed after `parent_code`, which any feature may turn out to have.
    let mut attrs = Map::new();
    let mut has_parent = false;
    for f in features {
        has_parent |= f.parent_code().is_some();
        for (k, v) in f.attrs().iter() {
            if attrs.contains_key(k) {
                continue;
            }
            let kind = match v {
                Value::Null => continue,
                Value::Bool(_) => "Boolean",
                Value::Number(_) => "Number",
                _ => "String",
            };
            attrs.insert(k.to_string(), kind.into());
        }
    }
    let mut out = Map::new();
    out.insert("code".into(), "String".into());
    out.insert("name".into(), "String".into());
    if has_parent {
        out.insert("parent_code".into(), "String".into());
    }
    for (k, kind) in attrs {
        if !out.contains_key(&k) {
            out.insert(k, kind);
        }
    }
    out
}

//! The types of the `/api/v1` boundary: query strings ([`IntoParams`]), request bodies and
//! responses ([`ToSchema`]). Handlers read and answer with them, and `GET /api/v1/openapi.json`
//! is generated from them, so the document cannot describe fields the service does not have.
//!
//! Field names are contracts (README, web page, other clients): keep them, add new ones.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
/// A plan and a revision are answered as stored.
pub use wangge_store::plans::{PlanRow as Plan, RevisionRow as Revision};

/// `?lang=` alone, for routes with no other query parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    /// Language of messages and titles: `zh` (default) or `en`; else `Accept-Language` decides.
    pub lang: Option<String>,
}

/// `GET /api/v1/lookup`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// Longitude (or x in `crs`).
    pub lon: f64,
    /// Latitude (or y in `crs`).
    pub lat: f64,
    /// Coordinate system of the point: `EPSG:4326` (default), `EPSG:4490`, `GCJ-02`, `BD-09`, `EPSG:n`.
    pub crs: Option<String>,
    /// Answer from the hierarchy as it was valid on this date (`YYYY-MM-DD`).
    pub at: Option<String>,
    /// `zh` or `en`.
    pub lang: Option<String>,
}

/// `POST /api/v1/lookup`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchLookupQuery {
    /// Default coordinate system of the points.
    pub crs: Option<String>,
    /// `csv` for a CSV answer (also `Accept: text/csv`).
    pub format: Option<String>,
    /// `zh` or `en`.
    pub lang: Option<String>,
}

/// `POST /api/v1/geocode/batch`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GeocodeBatchQuery {
    /// `zh` (default) or `en`: messages, and the headers of the columns added to a workbook.
    pub lang: Option<String>,
    /// Workbooks only: the header of the address column; by default the first of `address`,
    /// `地址`, `详细地址`, `q` (trimmed, any case).
    pub address_column: Option<String>,
}

/// `GET /api/v1/geocode`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GeocodeQuery {
    /// The address (at most 200 characters).
    pub q: String,
    /// Most candidates, 1..=50 (default 5).
    pub limit: Option<u32>,
    /// `zh` or `en`.
    pub lang: Option<String>,
}

/// `GET /api/v1/geocode/suggest`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What has been typed so far (at most 200 characters).
    pub q: String,
    /// Most suggestions, 1..=20 (default 8).
    pub limit: Option<u32>,
    /// `zh` or `en`.
    pub lang: Option<String>,
}

/// `GET /api/v1/geocode/reverse`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReverseQuery {
    /// Longitude (or x in `crs`).
    pub lon: f64,
    /// Latitude (or y in `crs`).
    pub lat: f64,
    /// Coordinate system of the point.
    pub crs: Option<String>,
    /// Most addresses, 1..=50 (default 1).
    pub limit: Option<u32>,
    /// `zh` or `en`.
    pub lang: Option<String>,
}

/// `GET /api/v1/layers/{layer}/features`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeaturesQuery {
    /// `minLon,minLat,maxLon,maxLat` (WGS 84).
    pub bbox: Option<String>,
    /// Page size, 1..=10000 (default 1000).
    pub limit: Option<u32>,
    /// Features to skip (default 0).
    pub offset: Option<u32>,
    /// `zh` or `en`.
    pub lang: Option<String>,
}

/// `GET /api/v1/layers/{layer}/export`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `geojson` (default), `gpkg`, `shp` (zipped) or `csv`.
    pub format: Option<String>,
    /// Coordinate system of the file (default `EPSG:4326`).
    pub crs: Option<String>,
    /// Text encoding of a Shapefile's dbf / a CSV (e.g. `GBK`).
    pub encoding: Option<String>,
    /// `zh` or `en`.
    pub lang: Option<String>,
}

/// The coverage parameters (`GET /api/v1/coverage`, `…/stats`, the coverage layers).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// Facility kind (default the service's first kind).
    pub kind: Option<String>,
    /// Walking minutes, 1..=60 (default 15).
    pub minutes: Option<f64>,
    /// Walking speed km/h, 1..=10 (default 4).
    pub speed_kmh: Option<f64>,
    /// Metres walked off the network to reach a door, 5..=500 (default 50).
    pub walk_off_m: Option<f64>,
    /// `network` (default) or `circle`.
    pub mode: Option<String>,
    /// `zh` or `en`.
    pub lang: Option<String>,
}

/// `GET /api/v1/coverage/stats`: the level and format, beside the coverage parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// `community` (default), `street`, `grid` or `district`.
    pub level: Option<String>,
    /// `json` (default), `csv` (the table, the total last) or `xlsx` (a workbook: the table and the
    /// uncovered buildings).
    pub format: Option<String>,
}

/// `GET /api/v1/diff`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// `published`, `revision:N` or `plan:N`.
    pub from: String,
    /// The same forms (default `published`).
    pub to: Option<String>,
    /// `json` (default) or `geojson` (the changed features).
    pub format: Option<String>,
    /// `zh` or `en`.
    pub lang: Option<String>,
}

/// The query of `GET /api/v1/alignment`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlignmentQuery {
    /// The network's name (as imported with `wangge import --network NAME`).
    pub network: String,
    /// Our level: `grid` (default), `community` or `street`.
    pub level: Option<String>,
    /// `json` (default: `pairs`, `slivers`, `summary`), `csv` (the pairs), `xlsx` (sheets pairs,
    /// slivers, summary) or `geojson` (the pieces with their class, for the map).
    pub format: Option<String>,
    /// `zh` or `en`.
    pub lang: Option<String>,
}

/// `GET /api/v1/audit`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only rows after this id (default 0).
    pub after: Option<i64>,
    /// Most rows, 1..=10000 (default 100).
    pub limit: Option<i64>,
    /// `zh` or `en`.
    pub lang: Option<String>,
}

/// The body of every error: `{"error", "detail"}` and sometimes `problems`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `bad_parameter`, `unauthorized`, `stale`.
    pub error: String,
    /// A sentence naming the parameter or feature at fault.
    pub detail: String,
    /// Particulars: rule findings, the current version of a stale plan, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Value>,
}

/// The refusals every plan and revision route can answer, listed once for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only its OpenAPI description is used; the answers are `ApiError`s
pub enum PlanRefusals {
    /// A parameter or field is wrong
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No token
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The role is too low
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// No such plan, revision or layer, or no database
    #[response(status = 404)]
    NotFound(ErrorBody),
}

/// `POST /api/v1/plans`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CreatePlan {
    /// The plan's name (required, not blank).
    #[serde(default)]
    pub name: String,
}

/// `POST /api/v1/plans/{id}/publish` (the body may be left out).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PublishPlan {
    /// Why (recorded in the revision).
    #[serde(default)]
    pub message: String,
    /// From when the published features are valid, `YYYY-MM-DD` (default today, Beijing time).
    pub effective_date: Option<String>,
}

/// One plan edit, `POST /api/v1/plans/{id}/edits`: the `op` field says which. Geometries are
/// GeoJSON in WGS 84. The service reads edits with the same parser as the CLI and the store
/// ([`wangge_formats::edit_json::parse_edit`]), whose messages name the field at fault; this type
/// describes that JSON and converts to the core edit through it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum EditRequest {
    /// Adds `feature` to `layer`.
    Create {
        /// Layer id (`grid`, `community`, `street`, `district`, `building`, …).
        layer: String,
        /// A GeoJSON Feature with `properties.code`.
        feature: Value,
    },
    /// Replaces the feature with `feature`'s code.
    Replace {
        /// Layer id.
        layer: String,
        /// A GeoJSON Feature with `properties.code`.
        feature: Value,
    },
    /// Removes feature `code`. One that still has children is refused unless `reassign_to`
    /// names the feature of the same layer that takes them (and its counts) over.
    Delete {
        /// Layer id.
        layer: String,
        /// The feature's code.
        code: String,
        /// Where its children go, if it has any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reassign_to: Option<String>,
    },
    /// Cuts area `code` along `line`; the far side becomes `new_code`.
    Split {
        /// An area layer.
        layer: String,
        /// The area to cut.
        code: String,
        /// The code of the new piece.
        new_code: String,
        /// A GeoJSON LineString crossing the area.
        line: Value,
    },
    /// Joins `codes` into the first of them.
    Merge {
        /// An area layer.
        layer: String,
        /// The areas to join (neighbours).
        codes: Vec<String>,
    },
    /// Moves the boundary between `grow` and `shrink`: `geometry` is `grow`'s new shape.
    MoveBoundary {
        /// An area layer.
        layer: String,
        /// The area that gains.
        grow: String,
        /// The area that loses.
        shrink: String,
        /// GeoJSON Polygon or MultiPolygon.
        geometry: Value,
    },
    /// Puts `buildings` in `grid`.
    ReassignBuildings {
        /// Building codes.
        buildings: Vec<String>,
        /// The grid's code.
        grid: String,
    },
}

/// The body of `POST /api/v1/plans/{id}/edits`: one edit, or a batch applied all or nothing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum EditBody {
    /// One edit.
    One(EditRequest),
    /// Several edits, stored together (one undo step) or not at all.
    Batch(EditBatch),
}

/// Edits applied in order, all or nothing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EditBatch {
    /// The edits; a refused one is named by its position (`problems.index`).
    pub edits: Vec<EditRequest>,
}

impl EditRequest {
    /// The core edit, read by the one edit parser (so its checks and messages apply).
    pub fn to_edit(&self) -> Result<wangge_core::edit::Edit, String> {
        let v = serde_json::to_value(self).map_err(|e| e.to_string())?;
        wangge_formats::edit_json::parse_edit(&v)
    }
}

/// `GET /api/v1/plans`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanList {
    /// Every plan.
    pub plans: Vec<Plan>,
}

/// `GET /api/v1/plans/{id}`: the plan and its edits in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDetail {
    /// The plan.
    #[serde(flatten)]
    pub plan: Plan,
    /// Its edits in effect, as sent.
    #[schema(value_type = Vec<EditRequest>)]
    pub edits: Vec<Value>,
    /// How many `undo` steps (batches in effect) there are.
    pub undo_steps: i64,
    /// How many `redo` steps (undone batches) there are.
    pub redo_steps: i64,
}

/// `POST /api/v1/plans/{id}/validate`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Validation {
    /// Plan id.
    pub plan: i64,
    /// How many findings are errors (publishing is refused while any remain).
    pub errors: usize,
    /// How many are warnings.
    pub warnings: usize,
    /// Every finding (`rule`, `severity`, `message`, codes, …).
    pub findings: Vec<Value>,
}

/// `GET /api/v1/revisions` (ETag `"r{current}"`).
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    /// The current revision's id.
    pub current: i64,
    /// Every revision, oldest first.
    pub revisions: Vec<Revision>,
}

/// One layer in `GET /api/v1/layers`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LayerInfo {
    /// Layer id.
    pub id: String,
    /// Its name in the request's language.
    pub title: String,
    /// Published features.
    pub count: usize,
    /// `[minLon, minLat, maxLon, maxLat]`, none for an empty layer.
    #[schema(value_type = Option<Vec<f64>>)]
    pub bbox: Option<[f64; 4]>,
    /// Where its features are.
    pub features: String,
}

/// `GET /api/v1/layers`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LayerList {
    /// Every layer.
    pub layers: Vec<LayerInfo>,
}

/// A link of a feature page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Link {
    /// `next`.
    pub rel: String,
    /// Media type.
    #[serde(rename = "type")]
    pub media_type: String,
    /// The URL.
    pub href: String,
}

/// A page of features, a GeoJSON FeatureCollection.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeaturePage {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Features matching the query.
    #[serde(rename = "numberMatched")]
    pub number_matched: usize,
    /// Features on this page.
    #[serde(rename = "numberReturned")]
    pub number_returned: usize,
    /// `next` while more remain.
    pub links: Vec<Link>,
    /// GeoJSON Features (`properties.code`, `name`, `parent`, …).
    pub features: Vec<Value>,
}

/// The answer for one point (`GET /api/v1/lookup`, and each result of a batch).
#[derive(Debug, Serialize, ToSchema)]
pub struct LookupAnswer {
    /// Whether a grid contains the point.
    pub covered: bool,
    /// The point in WGS 84.
    pub point: Value,
    /// The grid (`code`, `name`, …), if any.
    pub grid: Option<Value>,
    /// Its community.
    pub community: Option<Value>,
    /// Its street.
    pub street: Option<Value>,
    /// Its district.
    pub district: Option<Value>,
    /// The point as given, when it was not WGS 84.
    pub input: Option<Value>,
    /// The batch row's `id`, if it had one.
    pub id: Option<Value>,
    /// The `at` date asked for.
    pub at: Option<String>,
}

/// `POST /api/v1/lookup` as JSON: every answer in input order.
#[derive(Debug, Serialize, ToSchema)]
pub struct LookupBatch {
    /// Points looked up.
    pub count: usize,
    /// How many lie in a grid.
    pub covered: usize,
    /// One answer per point, in input order.
    #[schema(value_type = Vec<LookupAnswer>)]
    pub results: Vec<Value>,
}

/// `GET /api/v1/audit`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLog {
    /// Rows returned.
    pub count: usize,
    /// Newest first: `id`, `at`, `who`, `role`, `method`, `path`, `status`, `detail`, `rows`, `area`.
    #[schema(value_type = Vec<Object>)]
    pub rows: Value,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_edit_op_reads_as_the_typed_edit_and_converts_through_the_one_parser() {
        let line = json!({"type": "LineString", "coordinates": [[114.0, 22.0], [114.1, 22.1]]});
        let ops = [
            json!({"op": "delete", "layer": "grid", "code": "A"}),
            json!({"op": "split", "layer": "grid", "code": "A", "new_code": "B", "line": line}),
            json!({"op": "merge", "layer": "grid", "codes": ["A", "B"]}),
            json!({"op": "reassign_buildings", "buildings": ["b1"], "grid": "A"}),
        ];
        for op in ops {
            let typed: EditRequest = serde_json::from_value(op.clone()).unwrap();
            assert_eq!(serde_json::to_value(&typed).unwrap(), op);
            assert!(typed.to_edit().is_ok(), "{op}");
        }
        let merge: EditRequest =
            serde_json::from_value(json!({"op": "merge", "layer": "building", "codes": []})).unwrap();
        assert!(merge.to_edit().unwrap_err().contains("area layers"));
        assert!(serde_json::from_value::<EditRequest>(json!({"op": "explode"})).is_err());
    }
}

/// An `.xlsx` workbook, as bytes (documented as a binary string, not an array of numbers).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Workbook(pub Vec<u8>);

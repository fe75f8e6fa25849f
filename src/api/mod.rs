//! The HTTP face: one router built from one cloneable state, shared by `main` and the tests.

pub mod access;
pub mod align;
pub mod coverage;
pub mod coverage_candidates;
pub mod diff;
pub mod error;
pub mod export;
pub mod extract;
pub mod geocode;
pub mod guard;
pub mod history;
pub mod layers;
pub mod lookup;
pub mod metrics;
pub mod ogc;
pub mod openapi;
pub mod params;
pub mod plans;
pub mod proposals;
pub mod request_id;
pub mod rules;
pub mod schema;
pub mod status;
pub mod tiles;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::Method;
use axum::routing::{MethodRouter, get};
use error::ApiError;
use std::path::PathBuf;
use std::sync::Arc;
use tower_http::services::ServeDir;
use wangge_app::coverage::CoverageService;
use wangge_app::published::{Live, Published};
use wangge_core::snapshot::Snapshot;
use wangge_formats::roads::RoadLine;

/// Limits that protect the service from oversized requests.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Most points in one batch lookup.
    pub max_batch_points: usize,
    /// Most positions in one request body (edits, OGC writes): geometry checks cost grows with
    /// them, so a larger body is refused (413) before any of that work.
    pub max_vertices: usize,
    /// Most heavy requests (writes, validate, batch lookup, coverage suggest, export) served at
    /// once; one more is answered 503 with `Retry-After` at once instead of queueing.
    pub max_heavy: usize,
    /// How long one heavy request may take before it is abandoned with a 503.
    pub heavy_deadline: std::time::Duration,
    /// Longest request URI, in bytes (longer: 414). Above CQL2's 16 KiB filter limit even when
    /// percent-encoded, so a long filter hears the parser's own 400 naming its limit.
    pub max_uri_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 32 * 1024 * 1024,
            max_batch_points: 200_000,
            max_vertices: wangge_core::validate::MAX_VERTICES,
            // Two per core, at least four: each heavy request keeps half a core or more, and a few
            // clients' small batch lookups beside a publish are not turned away.
            max_heavy: (2 * std::thread::available_parallelism().map_or(2, usize::from)).max(4),
            heavy_deadline: std::time::Duration::from_secs(60),
            max_uri_bytes: 48 * 1024,
        }
    }
}

/// Everything handlers share. Readers load the published state with one lock-free load and read
/// everything from it; a publisher builds the next one and swaps it in (see
/// [`wangge_app::published`]), so a lookup never waits on an edit and never sees half of one.
#[derive(Clone)]
pub struct AppState {
    /// The published state: revision, snapshot, coverage and tiles, behind one swap.
    pub live: Arc<Live>,
    /// Where the web page's files are.
    pub web_dir: PathBuf,
    /// Where the demo/base-map data files are (served read-only under `/data`).
    pub data_dir: PathBuf,
    /// Request limits.
    pub limits: Limits,
    /// The database behind the snapshot, for plans and history (`None`: read-only service).
    pub store: Option<Arc<dyn wangge_store::Backend>>,
    /// The planning rules plans are validated and published against.
    pub rules: Arc<wangge_core::rules::RulesConfig>,
    /// Permits for heavy requests ([`Limits::max_heavy`] of them; see [`guard::heavy`]).
    pub heavy: Arc<tokio::sync::Semaphore>,
    /// The change feed serving what other processes commit to the file (`None`: not watched).
    pub feed: Option<Arc<wangge_app::feed::Feed>>,
    /// Request counters for `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// The draft states of recently used plans (see [`wangge_app::plan::PlanCache`]).
    pub plans: Arc<wangge_app::plan::PlanCache>,
    /// Other departments' networks, indexed by version, and their tiles
    /// (see [`wangge_app::network_tiles`]).
    pub networks: Arc<wangge_app::network_tiles::NetworkTiles>,
}

impl AppState {
    /// A state serving `snapshot` (no walking network: coverage answers that there is none).
    pub fn new(snapshot: Snapshot, web_dir: PathBuf, data_dir: PathBuf) -> AppState {
        AppState {
            live: Arc::new(Live::new(Arc::new(snapshot), 0, &[], true)),
            web_dir,
            data_dir,
            limits: Limits::default(),
            store: None,
            rules: Arc::default(),
            heavy: Arc::new(tokio::sync::Semaphore::new(Limits::default().max_heavy)),
            feed: None,
            metrics: Arc::default(),
            // A few planners' drafts at a time; each holds a copy of the layers.
            plans: Arc::new(wangge_app::plan::PlanCache::new(16)),
            networks: Arc::default(),
        }
    }

    /// The same state with `limits` (the heavy-request permits follow `limits.max_heavy`).
    pub fn with_limits(mut self, limits: Limits) -> AppState {
        self.heavy = Arc::new(tokio::sync::Semaphore::new(limits.max_heavy));
        self.limits = limits;
        self
    }

    /// The same state with a walking network for coverage and road tiles, built from stored road
    /// lines (builds the coverage context: call it before the runtime serves requests).
    pub fn with_roads(mut self, lines: &[RoadLine], node_crossings: bool) -> AppState {
        let current = self.live.load();
        self.live = Arc::new(Live::new(current.snapshot.clone(), current.revision, lines, node_crossings));
        self
    }

    /// The published state. Load it once per request and read everything from the one value.
    pub fn published(&self) -> Arc<Published> {
        self.live.load()
    }

    /// The published snapshot (for handlers that need nothing else of the published state).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.live.load().snapshot.clone()
    }

    /// The coverage service of the published state. Built by the publisher, never by a request.
    pub fn coverage_service(&self) -> Arc<CoverageService> {
        self.live.load().coverage.clone()
    }

    /// The same state with `store` for plans, revisions and history, served through a
    /// [`wangge_store::Pool`] (WAL, read connections, one writer, background audit writer).
    pub fn with_store(mut self, store: wangge_store::Store) -> AppState {
        if let Ok(revision) = store.current_revision() {
            self.live.set_revision(revision);
        }
        self.store = Some(Arc::new(wangge_store::Pool::new(store)));
        self
    }

    /// The same state with an already served store (PostgreSQL, or a [`wangge_store::Pool`]),
    /// serving its current revision.
    pub fn with_backend(mut self, store: Arc<dyn wangge_store::Backend>) -> AppState {
        if let Ok(revision) = store.current_revision() {
            self.live.set_revision(revision);
        }
        self.store = Some(store);
        self
    }

    /// The same state with a change feed on its store (see [`wangge_app::feed`]), so what other
    /// processes commit to the file is served without a restart. Without a store, unchanged.
    pub fn with_feed(mut self) -> std::io::Result<AppState> {
        if let Some(pool) = &self.store {
            self.feed = Some(wangge_app::feed::Feed::start(self.live.clone(), pool.clone(), self.rules.clone())?);
        }
        Ok(self)
    }
}

/// A route that needs a token of some role: declared once here, mounted behind [`access::require`]
/// by [`app`], enumerated by the tests (every one must refuse an anonymous caller) and by
/// [`access::identify`] (refused unknown tokens on writes are audited).
pub struct GuardedRoute {
    /// The one method this entry serves.
    pub method: Method,
    /// The path template, as given to the router.
    pub path: &'static str,
    /// What the caller must be.
    pub need: access::Requirement,
    /// The handler.
    pub handler: MethodRouter<AppState>,
}

fn guarded(
    method: Method,
    path: &'static str,
    need: access::Requirement,
    handler: MethodRouter<AppState>,
) -> GuardedRoute {
    GuardedRoute { method, path, need, handler }
}

/// Every route that needs a token: the writes (planner or admin, audited) and the audit log (admin).
/// A new write route belongs here; [`app`] puts it behind its requirement's route layer.
pub fn guarded_routes() -> Vec<GuardedRoute> {
    use access::Requirement as R;
    use axum::routing::{delete, patch, post, put};
    let items = "/ogc/collections/{collection}/items";
    let item = "/ogc/collections/{collection}/items/{feature}";
    vec![
        guarded(Method::POST, "/api/v1/plans", R::PLANNER, post(plans::create)),
        guarded(Method::POST, "/api/v1/plans/{id}/edits", R::PLANNER, post(plans::add_edit)),
        guarded(Method::POST, "/api/v1/plans/{id}/publish", R::PLANNER, post(plans::publish)),
        guarded(Method::POST, "/api/v1/plans/{id}/undo", R::PLANNER, post(plans::undo)),
        guarded(Method::POST, "/api/v1/plans/{id}/redo", R::PLANNER, post(plans::redo)),
        guarded(Method::DELETE, "/api/v1/plans/{id}", R::PLANNER, delete(plans::discard)),
        guarded(Method::POST, "/api/v1/revisions/{id}/restore", R::PLANNER, post(history::restore)),
        guarded(Method::POST, "/api/v1/communities/{code}/proposals", R::PLANNER, post(proposals::create)),
        guarded(Method::POST, "/api/v1/alignment/draft", R::PLANNER, post(align::post_draft)),
        // OGC API – Features Part 4 writes go into draft plans too.
        guarded(Method::POST, items, R::PLANNER, post(ogc::write::create)),
        guarded(Method::PUT, item, R::PLANNER, put(ogc::write::replace_or_update)),
        guarded(Method::PATCH, item, R::PLANNER, patch(ogc::write::replace_or_update)),
        guarded(Method::DELETE, item, R::PLANNER, delete(ogc::write::remove)),
        guarded(Method::GET, "/api/v1/audit", R::ADMIN, get(access::audit_log)),
    ]
}

/// The `(method, path)` of every write route (the audited ones of [`guarded_routes`]).
pub fn write_routes() -> Vec<GuardedRoute> {
    guarded_routes().into_iter().filter(|g| g.need.audited).collect()
}

/// An `/api/v1` route open to every caller (reads; validation only reads too): one method each,
/// so the OpenAPI test can check every one is documented.
pub struct OpenRoute {
    /// The one method this entry serves.
    pub method: Method,
    /// The path template.
    pub path: &'static str,
    /// The handler.
    pub handler: MethodRouter<AppState>,
}

/// The open routes whose work is heavy (validate, batch lookups, coverage suggest, export): served
/// under [`guard::heavy`], like every write.
const HEAVY_OPEN_ROUTES: [(Method, &str); 6] = [
    (Method::POST, "/api/v1/lookup"),
    (Method::POST, "/api/v1/geocode/batch"),
    (Method::GET, "/api/v1/layers/{layer}/export"),
    (Method::POST, "/api/v1/coverage/suggest"),
    (Method::POST, "/api/v1/plans/{id}/validate"),
    (Method::GET, "/api/v1/alignment"),
];

/// Every `/api/v1` route that needs no token.
pub fn open_api_routes() -> Vec<OpenRoute> {
    use axum::routing::post;
    let r = |method: Method, path: &'static str, handler: MethodRouter<AppState>| OpenRoute { method, path, handler };
    vec![
        r(Method::GET, "/api/v1/openapi.json", get(openapi::document)),
        r(Method::GET, "/api/v1/lookup", get(lookup::get_lookup)),
        r(Method::POST, "/api/v1/lookup", post(lookup::post_lookup)),
        r(Method::GET, "/api/v1/geocode", get(geocode::get_geocode)),
        r(Method::GET, "/api/v1/geocode/reverse", get(geocode::get_reverse)),
        r(Method::GET, "/api/v1/geocode/suggest", get(geocode::get_suggest)),
        r(Method::POST, "/api/v1/geocode/batch", post(geocode::post_batch)),
        r(Method::GET, "/api/v1/layers", get(layers::list_layers)),
        r(Method::GET, "/api/v1/layers/{layer}/features", get(layers::list_features)),
        r(Method::GET, "/api/v1/layers/{layer}/features/{code}", get(layers::get_feature)),
        r(Method::GET, "/api/v1/layers/{layer}/export", get(export::export_layer)),
        r(Method::GET, "/api/v1/coverage", get(coverage::get_coverage)),
        r(Method::GET, "/api/v1/coverage/stats", get(coverage::get_stats)),
        r(Method::POST, "/api/v1/coverage/suggest", post(coverage::post_suggest)),
        r(Method::GET, "/api/v1/layers/coverage_circle/features", get(coverage::circle_layer)),
        r(Method::GET, "/api/v1/layers/coverage_gap/features", get(coverage::gap_layer)),
        r(Method::GET, "/api/v1/plans", get(plans::list)),
        r(Method::GET, "/api/v1/plans/{id}", get(plans::get)),
        r(Method::POST, "/api/v1/plans/{id}/validate", post(plans::validate)),
        r(Method::GET, "/api/v1/plans/{id}/diff", get(plans::diff)),
        r(Method::GET, "/api/v1/diff", get(diff::get_diff)),
        r(Method::GET, "/api/v1/revisions", get(history::list)),
        r(Method::GET, "/api/v1/rules", get(rules::get_rules)),
        r(Method::GET, "/api/v1/networks", get(align::list_networks)),
        r(Method::GET, "/api/v1/networks/{name}/features", get(align::network_features)),
        r(Method::GET, "/api/v1/alignment", get(align::get_alignment)),
    ]
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let mut api = Router::new()
        .route("/healthz", get(status::healthz))
        .route("/readyz", get(status::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/tiles/{layer}", get(tiles::get_tilejson))
        .route("/tiles/{layer}/{z}/{x}/{y}", get(tiles::get_tile))
        .merge(ogc::router());
    // Every guarded route is mounted with its requirement as a route layer of its own method
    // router, beside the open methods of the same path (a path's methods merge; only the guarded
    // method runs the check). There is no other way to mount one, so none can be left open.
    let heavy = || axum::middleware::from_fn_with_state(state.clone(), guard::heavy);
    for o in open_api_routes() {
        let is_heavy = HEAVY_OPEN_ROUTES.iter().any(|(m, p)| *m == o.method && *p == o.path);
        api = api.route(o.path, if is_heavy { o.handler.route_layer(heavy()) } else { o.handler });
    }
    for g in guarded_routes() {
        let require = axum::middleware::from_fn_with_state(state.clone(), access::require(g.need));
        // The role check runs first (outer), so an anonymous caller never takes a permit.
        let handler = if g.need.audited { g.handler.route_layer(heavy()) } else { g.handler };
        api = api.route(g.path, handler.route_layer(require));
    }
    let api = api
        .layer(axum::middleware::from_fn_with_state(state.clone(), access::identify))
        .layer(DefaultBodyLimit::max(state.limits.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), refuse_oversized))
        .with_state(state.clone());
    let web = ServeDir::new(&state.web_dir).append_index_html_on_directories(true);
    let data = ServeDir::new(&state.data_dir);
    api.nest_service("/data", data)
        .fallback_service(web.not_found_service(axum::routing::any(not_found)))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::uri_length))
        .layer(axum::middleware::from_fn(guard::json_errors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), status::revision_header))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        // GeoJSON compresses about tenfold; phones on mobile networks are the main audience.
        .layer(tower_http::compression::CompressionLayer::new().gzip(true))
        .layer(axum::middleware::from_fn(request_id::request_id))
}

/// Answers 413 as soon as a request announces a body over the limit, before reading any of it;
/// bodies without a length are cut off by `DefaultBodyLimit` while they are read.
async fn refuse_oversized(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let announced = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > state.limits.max_body_bytes as u64) {
        let lang = request
            .headers()
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(wangge_text::Lang::from_locale)
            .unwrap_or_default();
        let limit = state.limits.max_body_bytes;
        return ApiError::too_large(if lang == wangge_text::Lang::Zh {
            format!("请求体过大（上限 {limit} 字节）")
        } else {
            format!("request body too large (limit {limit} bytes)")
        })
        .into_response();
    }
    next.run(request).await
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no such resource: {}", uri.path()))
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// Serves `app(state)` on `listener` until Ctrl-C or SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

//! A corpus of hostile and messy input, generated as a table (method, path, body, headers, caller)
//! and sent to the real `wangge serve` process across every endpoint family; and broken GeoJSON,
//! CSV, Shapefile and GeoPackage files given to `wangge import` and `wangge check`.
//!
//! For every request: no connection reset, a 4xx (never 5xx), a JSON body whose `error` and
//! `detail` are non-empty and name the problem, the process still alive, and a lookup answering
//! 200 right after. Room-level address spellings asked anonymously never bring back a room. A
//! second process started with `--max-vertices 100` refuses a 200-vertex polygon naming the limit.

mod common;

use common::{city_db, serve_process, serve_process_with, text, wangge};
use serde_json::Value;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

const GRID: &str = "440304006009001";
const CX: f64 = 114.00390625;
const CY: f64 = 22.51171875;
const HALF: f64 = 0.00390625;

/// Who sends a request.
#[derive(Clone, Copy)]
enum Caller {
    Anonymous,
    Viewer,
    Planner,
    /// An `Authorization` header as given.
    Raw(&'static str),
}

/// One hostile request and what its refusal must say.
struct Case {
    method: &'static str,
    path: String,
    body: Option<Vec<u8>>,
    content_type: &'static str,
    caller: Caller,
    /// The exact status, or `None` for any 4xx.
    status: Option<u16>,
    /// Text `error` or `detail` must contain (case-insensitive), naming the problem.
    names: String,
}

fn case(method: &'static str, path: impl Into<String>, names: &str) -> Case {
    Case {
        method,
        path: path.into(),
        body: None,
        content_type: "application/json",
        caller: Caller::Anonymous,
        status: None,
        names: names.to_string(),
    }
}

impl Case {
    fn body(mut self, b: impl Into<Vec<u8>>) -> Case {
        self.body = Some(b.into());
        self
    }
    fn by(mut self, c: Caller) -> Case {
        self.caller = c;
        self
    }
    fn status(mut self, s: u16) -> Case {
        self.status = Some(s);
        self
    }
    fn content_type(mut self, t: &'static str) -> Case {
        self.content_type = t;
        self
    }
}

/// The server process, killed when the test ends, also when it fails.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Tokens {
    viewer: String,
    planner: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// Announces a body over the limit and sends none of it: the server must answer 413 from the
/// header alone (sending the 32 MiB would race its early answer and close).
fn announce_oversized(base: &str, path: &str) -> Result<(u16, String), String> {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Language: en\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        (32u64 << 20) + 1
    );
    s.write_all(head.as_bytes()).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let status = text.get(9..12).and_then(|c| c.parse().ok()).ok_or(format!("no status line: {text:.200}"))?;
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    // A chunked body: the JSON is between the chunk-size lines.
    let body = body.find('{').zip(body.rfind('}')).map_or(body, |(a, b)| &body[a..=b]);
    Ok((status, body.to_string()))
}

/// Sends `c`; returns status and body text, or the transport error (a reset connection).
fn send(base: &str, c: &Case, tokens: &Tokens) -> Result<(u16, String), String> {
    if c.body.as_ref().is_some_and(|b| b.len() > 32 << 20) {
        return announce_oversized(base, &c.path);
    }
    let auth = match c.caller {
        Caller::Anonymous => None,
        Caller::Viewer => Some(format!("Bearer {}", tokens.viewer)),
        Caller::Planner => Some(format!("Bearer {}", tokens.planner)),
        Caller::Raw(h) => Some(h.to_string()),
    };
    let mut req = ureq::http::Request::builder()
        .method(c.method)
        .uri(format!("{base}{}", c.path))
        .header("Accept-Language", "en");
    if let Some(h) = auth {
        req = req.header("Authorization", h);
    }
    if c.body.is_some() {
        req = req.header("Content-Type", c.content_type);
    }
    let req = req.body(c.body.clone().unwrap_or_default()).map_err(|e| e.to_string())?;
    let mut resp = agent().run(req).map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp.body_mut().with_config().limit(64 << 20).read_to_string().map_err(|e| e.to_string())?;
    Ok((status, body))
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn token(db: &Path, role: &str) -> String {
    let out = wangge(&["token", "create", "--db", db.to_str().unwrap(), "--role", role, "--name", role]);
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A closed ring of `n` positions on a circle inside grid `GRID`, as GeoJSON coordinates text.
fn circle(n: usize) -> String {
    let pts: Vec<String> = (0..=n)
        .map(|i| {
            let a = std::f64::consts::TAU * (i % n) as f64 / n as f64;
            format!("[{:.9},{:.9}]", CX + 0.9 * HALF * a.cos(), CY + 0.9 * HALF * a.sin())
        })
        .collect();
    format!("[[{}]]", pts.join(","))
}

/// Hostile geometries, each with what its refusal must name.
fn bad_geometries() -> Vec<(&'static str, String)> {
    let (x0, y0, x1, y1) = (CX - HALF / 2.0, CY - HALF / 2.0, CX + HALF / 2.0, CY + HALF / 2.0);
    vec![
        ("empty", r#"{"type":"Polygon","coordinates":[]}"#.into()),
        ("empty", r#"{"type":"MultiPolygon","coordinates":[]}"#.into()),
        ("empty", r#"{"type":"MultiPolygon","coordinates":[[]]}"#.into()),
        ("fewer than 3", format!(r#"{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x0},{y0}]]]}}"#)),
        (
            "no area",
            format!(r#"{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{CX},{y0}],[{x0},{y0}]]]}}"#),
        ),
        (
            "intersects itself",
            format!(
                r#"{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y1}],[{x1},{y0}],[{x0},{y1}],[{x0},{y0}]]]}}"#
            ),
        ),
        (
            "not closed",
            format!(r#"{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}]]]}}"#),
        ),
        ("outside", r#"{"type":"Polygon","coordinates":[[[200,22],[201,22],[201,23],[200,22]]]}"#.into()),
        ("outside", r#"{"type":"Polygon","coordinates":[[[114,95],[115,95],[115,96],[114,95]]]}"#.into()),
        (
            // Gauss–Krüger metres given as degrees: the wrong CRS.
            "projected",
            r#"{"type":"Polygon","coordinates":[[[38500000,2490000],[38500100,2490000],[38500100,2490100],[38500000,2490000]]]}"#
                .into(),
        ),
        ("JSON", r#"{"type":"Polygon","coordinates":[[[NaN,1],[2,1],[2,2],[NaN,1]]]}"#.into()),
        ("JSON", r#"{"type":"Polygon","coordinates":[[[Infinity,1],[2,1],[2,2],[Infinity,1]]]}"#.into()),
        ("geometry", r#"{"type":"Polygon","coordinates":[[["114","22"],["115","22"],["115","23"],["114","22"]]]}"#.into()),
        ("geometry", r#"{"type":"Polygon","coordinates":"x"}"#.into()),
        ("geometry", r#"{"type":"Polygon"}"#.into()),
        ("geometry", r#"{"type":"Hexagon","coordinates":[]}"#.into()),
        ("JSON", r#"{"type":"Polygon","coordinates":[[[1e999,1],[2,1],[2,2],[1e999,1]]]}"#.into()),
        ("fewer than 2", r#"{"type":"Polygon","coordinates":[[[114],[115],[116],[114]]]}"#.into()),
        ("Point", format!(r#"{{"type":"Point","coordinates":[{CX},{CY}]}}"#)),
        ("LineString", format!(r#"{{"type":"LineString","coordinates":[[{x0},{y0}],[{x1},{y1}]]}}"#)),
        ("geometry", "[]".into()),
        ("geometry", "\"POLYGON((0 0,1 0,1 1,0 0))\"".into()),
    ]
}

/// Malformed JSON bodies, each with what its refusal must name.
fn bad_json() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("", b"".to_vec()),
        ("", b"{".to_vec()),
        ("", b"{\"a\":".to_vec()),
        ("", b"nul".to_vec()),
        ("", b"{'single':'quotes'}".to_vec()),
        ("", b"{\"a\":1,}".to_vec()),
        ("", b"\xff\xfe\x00{".to_vec()),
        ("", b"{\"a\":\"\xff\"}".to_vec()),
        ("", b"NaN".to_vec()),
        ("", b"{\"n\":Infinity}".to_vec()),
        ("", "[".repeat(10_000).into_bytes()),
        ("", format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)).into_bytes()),
        ("", format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes()),
        ("", b"\"just a string\"".to_vec()),
        ("", b"12345678901234567890123456789012345678901234567890".to_vec()),
    ]
}

fn corpus() -> Vec<Case> {
    let mut cases = Vec::new();
    // --- lookup: GET, every bad value of each coordinate, and CRS.
    let bad_numbers = [
        "",
        "abc",
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        "inf",
        "1e999",
        "-1e999",
        "0x10",
        "114,22",
        "%FF",
        "%00",
        "1.2.3",
        "--1",
        "١١٤",
    ];
    // A number that parses but is not finite is named as such; one that does not parse, by parameter.
    let named = |v: &str, param: &'static str| {
        if ["NaN", "nan", "Infinity", "-Infinity", "inf", "1e999", "-1e999"].contains(&v) { "finite" } else { param }
    };
    for v in bad_numbers {
        cases.push(case("GET", format!("/api/v1/lookup?lon={v}&lat={CY}"), named(v, "lon")));
        cases.push(case("GET", format!("/api/v1/lookup?lon={CX}&lat={v}"), named(v, "lat")));
    }
    for (lon, lat) in [("181", "22"), ("-181", "22"), ("114", "91"), ("114", "-91"), ("1e308", "22"), ("114", "1e308")]
    {
        cases.push(case("GET", format!("/api/v1/lookup?lon={lon}&lat={lat}"), "outside"));
    }
    cases.push(case("GET", "/api/v1/lookup", "lon"));
    cases.push(case("GET", format!("/api/v1/lookup?lon={CX}"), "lat"));
    for crs in ["EPSG:99999", "foo", "EPSG:", "EPSG:-1", "gcj03", "%FF", "EPSG:4326%00"] {
        cases.push(case("GET", format!("/api/v1/lookup?lon={CX}&lat={CY}&crs={crs}"), "crs"));
    }
    cases.push(case("GET", format!("/api/v1/lookup?lon={CX}&lat={CY}&at=yesterday"), "at"));
    cases.push(case("GET", format!("/api/v1/lookup?lon={CX}&lat={CY}&at=2024-13-45"), "at"));
    // --- batch lookup: malformed JSON, wrong types, too many points.
    for (names, body) in bad_json() {
        cases.push(case("POST", "/api/v1/lookup", names).body(body));
    }
    for (names, body) in [
        ("points", r#"{"points":"x"}"#.to_string()),
        ("points", r#"{"points":{}}"#.to_string()),
        ("", r#"{"points":[["a","b"]]}"#.to_string()),
        ("", r#"{"points":[[1]]}"#.to_string()),
        ("", r#"{"points":[[1e999,1]]}"#.to_string()),
        ("", r#"{"points":[[181,22]]}"#.to_string()),
        ("", r#"{"points":[null]}"#.to_string()),
        ("", r#"{"points":[{"lon":"x","lat":1}]}"#.to_string()),
        ("200000", format!(r#"{{"points":[{}]}}"#, vec!["[114.0,22.5]"; 200_001].join(","))),
    ] {
        cases.push(case("POST", "/api/v1/lookup", names).body(body));
    }
    cases.push(case("POST", "/api/v1/lookup", "").body("lon,lat\nx,y\n").content_type("text/csv"));
    cases.push(case("POST", "/api/v1/lookup", "").body("\u{feff}lon;lat\n\"114\n").content_type("text/csv"));
    cases.push(case("POST", "/api/v1/lookup", "").body("<xml/>").content_type("application/xml"));
    // --- geocode and reverse.
    cases.push(case("GET", "/api/v1/geocode", "q"));
    cases.push(case("GET", format!("/api/v1/geocode?q={}", "路".repeat(201)), "200"));
    // A query that is not UTF-8 once decoded is refused, not answered for a U+FFFD guess.
    cases.push(case("GET", "/api/v1/geocode?q=%FF%FE", "UTF-8"));
    for limit in ["abc", "-1", "0", "1e9", "51", "NaN", "%FF"] {
        cases.push(case("GET", format!("/api/v1/geocode?q={}&limit={limit}", enc("竹林路1号")), "limit"));
        cases.push(case("GET", format!("/api/v1/geocode/reverse?lon={CX}&lat={CY}&limit={limit}"), "limit"));
    }
    for v in ["", "abc", "NaN", "Infinity", "1e999"] {
        cases.push(case("GET", format!("/api/v1/geocode/reverse?lon={v}&lat={CY}"), named(v, "lon")));
        cases.push(case("GET", format!("/api/v1/geocode/reverse?lon={CX}&lat={v}"), named(v, "lat")));
    }
    cases.push(case("GET", format!("/api/v1/geocode/reverse?lon={CX}&lat={CY}&crs=nope"), "crs"));
    for (names, body) in bad_json().into_iter().take(10) {
        cases.push(case("POST", "/api/v1/geocode/batch", names).body(body));
    }
    cases.push(case("POST", "/api/v1/geocode/batch", "").body("no,addr,columns\n1,2,3\n").content_type("text/csv"));
    cases.push(
        case("POST", "/api/v1/geocode/batch", "200")
            .body(format!("id,address\n1,{}\n", "路".repeat(300)))
            .content_type("text/csv"),
    );
    // --- layers and export: unknown layers and codes, bad formats.
    for layer in ["nope", "GRID", "grid%00", "%FF%FE", "..%2F..%2Fetc", "building;DROP", "coverage"] {
        cases.push(case("GET", format!("/api/v1/layers/{layer}/features"), ""));
        cases.push(case("GET", format!("/api/v1/layers/{layer}/export"), ""));
    }
    for code in ["NOPE", "%FF", "4403040060090019999999", "%00"] {
        cases.push(case("GET", format!("/api/v1/layers/grid/features/{code}"), ""));
    }
    for (q, names) in [
        ("format=xyz", "format"),
        ("format=shp&encoding=EBCDIC", "encoding"),
        ("crs=EPSG:99999", "EPSG:99999"),
        ("crs=bogus", "crs"),
        ("format=%FF", "format"),
    ] {
        cases.push(case("GET", format!("/api/v1/layers/grid/export?{q}"), names));
    }
    // --- OGC API – Features, read.
    for c in ["nope", "%FF", "GRID", "grid.json"] {
        cases.push(case("GET", format!("/ogc/collections/{c}"), ""));
        cases.push(case("GET", format!("/ogc/collections/{c}/items"), ""));
        cases.push(case("GET", format!("/ogc/collections/{c}/queryables"), ""));
    }
    cases.push(case("GET", "/ogc/collections/grid/items/NOPE", "").status(404));
    for (q, names) in [
        ("limit=abc", "limit"),
        ("limit=-1", "limit"),
        ("limit=1e99", "limit"),
        ("offset=abc", "offset"),
        ("offset=-5", "offset"),
        ("bbox=abc", "bbox"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=1,2,3,4,5", "bbox"),
        ("bbox=NaN,1,2,3", "bbox"),
        ("bbox=1,2,Infinity,3", "bbox"),
        ("bbox=,,,", "bbox"),
        ("bbox=1e999,0,1,1", "bbox"),
        ("bbox-crs=nope", "crs"),
        ("crs=nope", "crs"),
        ("crs=http://www.opengis.net/def/crs/EPSG/0/99999", "crs"),
        ("datetime=yesterday", "datetime"),
        ("datetime=2024-13-01", "datetime"),
        ("filter-lang=sql", "filter-lang"),
        ("filter-crs=nope", "crs"),
    ] {
        cases.push(case("GET", format!("/ogc/collections/grid/items?{q}"), names));
    }
    // --- CQL2 filters.
    let deep_parens = format!("{}households>1{}", "(".repeat(2000), ")".repeat(2000));
    let deep_nots = format!("{}households>1", "NOT ".repeat(8000));
    let deep_and = vec!["households>1"; 1000].join(" AND ");
    let long = format!("name='{}'", "x".repeat(17_000));
    for f in [
        "households >",
        "households > 'abc",
        "nosuchfield = 1",
        "households >> 1",
        "households = 1 AND",
        "(households = 1",
        "households = 1)",
        "S_INTERSECTS(geometry, POLYGON((0 0, 1 0)))",
        "S_INTERSECTS(geometry, POINT(NaN 1))",
        "S_INTERSECTS(geometry, BANANA(1 2))",
        "NO_SUCH_FUNCTION(households)",
        "households IN ()",
        "households BETWEEN 1",
        "name LIKE",
        "T_AFTER(valid_from, TIMESTAMP('not a time'))",
        "households = 'unterminated",
        "\u{0}",
        "😀 = 1",
        "households = 1 OR OR households = 2",
        deep_parens.as_str(),
        deep_nots.as_str(),
        deep_and.as_str(),
        long.as_str(),
    ] {
        cases.push(case("GET", format!("/ogc/collections/grid/items?filter={}", enc(f)), "filter"));
    }
    cases.push(case("GET", "/ogc/collections/grid/items?filter=%FF%FE", ""));
    // --- OGC API – Features, write (Part 4), and the auth every write needs.
    let items = "/ogc/collections/grid/items";
    let feature = |geometry: &str| {
        format!(
            r#"{{"type":"Feature","properties":{{"code":"G-hostile","name":"x","parent_code":"440304006009"}},"geometry":{geometry}}}"#
        )
    };
    for (names, g) in bad_geometries() {
        cases.push(case("POST", items, names).body(feature(&g)).by(Caller::Planner));
    }
    for (names, body) in bad_json() {
        cases.push(case("POST", items, names).body(body).by(Caller::Planner));
    }
    for body in [
        r#"{"type":"Feature"}"#,
        r#"{"type":"Feature","properties":[],"geometry":null}"#,
        r#"{"type":"FeatureCollection","features":"x"}"#,
        r#"{"type":"Feature","properties":{"code":12,"households":"many"},"geometry":null}"#,
    ] {
        cases.push(case("POST", items, "").body(body).by(Caller::Planner));
    }
    let good = feature(&format!(r#"{{"type":"Polygon","coordinates":{}}}"#, circle(8)));
    for (caller, status) in [
        (Caller::Anonymous, 401),
        (Caller::Raw("Bearer wg_forged"), 401),
        (Caller::Raw("Bearer "), 401),
        (Caller::Raw("Basic YWRtaW46YWRtaW4="), 401),
        (Caller::Raw("bearer lowercase"), 401),
        (Caller::Raw("Bearer ../../etc/passwd"), 401),
        (Caller::Viewer, 403),
    ] {
        cases.push(case("POST", items, "").body(good.clone()).by(caller).status(status));
        cases.push(case("DELETE", format!("{items}/{GRID}"), "").by(caller).status(status));
        cases.push(case("POST", "/api/v1/plans", "").body(r#"{"name":"x"}"#).by(caller).status(status));
    }
    cases.push(case("GET", "/api/v1/audit", "").by(Caller::Planner).status(403));
    cases.push(case("GET", "/api/v1/audit", "").by(Caller::Raw("Bearer nope")).status(401));
    cases.push(case("PUT", format!("{items}/NOPE"), "").body(good.clone()).by(Caller::Planner));
    cases.push(case("PATCH", format!("{items}/{GRID}"), "").body("{\"properties\":7}").by(Caller::Planner));
    cases.push(case("DELETE", format!("{items}/NOPE"), "").by(Caller::Planner));
    cases.push(case("POST", "/ogc/collections/nope/items", "").body(good.clone()).by(Caller::Planner));
    for t in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        cases.push(case("POST", items, "geojson").body(good.clone()).content_type(t).by(Caller::Planner).status(415));
        let one = format!("{items}/{GRID}");
        cases.push(case("PUT", one, "geojson").body(good.clone()).content_type(t).by(Caller::Planner).status(415));
    }
    // --- tiles.
    for p in [
        "/tiles/nope",
        "/tiles/nope/0/0/0",
        "/tiles/grid/abc/0/0",
        "/tiles/grid/0/abc/0",
        "/tiles/grid/0/0/abc",
        "/tiles/grid/99/0/0",
        "/tiles/grid/-1/0/0",
        "/tiles/grid/2/4/0",
        "/tiles/grid/2/0/4",
        "/tiles/grid/1e3/0/0",
        "/tiles/grid/0/0/0.png",
        "/tiles/%FF/0/0/0",
        "/tiles/grid/4294967296/0/0",
    ] {
        cases.push(case("GET", p, ""));
    }
    // --- plans, edits, validate, diff, history.
    for id in ["abc", "-1", "1e99", "%FF", "99999999999999999999999", "1.5", " 1"] {
        let id = id.replace(' ', "%20");
        // A negative number is an id no plan has (404 naming it); the rest are no id at all.
        let names = if id == "-1" { "-1" } else { "id" };
        cases.push(case("GET", format!("/api/v1/plans/{id}"), names));
        cases.push(case("POST", format!("/api/v1/plans/{id}/validate"), names));
        cases.push(case("GET", format!("/api/v1/plans/{id}/diff"), names));
        cases.push(case("POST", format!("/api/v1/plans/{id}/edits"), names).body("{}").by(Caller::Planner));
    }
    cases.push(case("GET", "/api/v1/plans/424242", "").status(404));
    cases.push(case("POST", "/api/v1/plans/424242/validate", "").status(404));
    for (names, body) in bad_json() {
        cases.push(case("POST", "/api/v1/plans", names).body(body).by(Caller::Planner));
    }
    for body in [r#"{"name":123}"#, r#"{"name":null}"#, r#"{"name":["a"]}"#, r#"{"name":""}"#] {
        cases.push(case("POST", "/api/v1/plans", "name").body(body).by(Caller::Planner));
    }
    // A name is a label: 100,000 characters is refused, naming the field and the limit.
    let long = format!(r#"{{"name":"{}"}}"#, "网".repeat(100_000));
    cases.push(case("POST", "/api/v1/plans", "200").body(long).by(Caller::Planner));
    for id in ["abc", "-3", "%FF"] {
        cases.push(case("POST", format!("/api/v1/revisions/{id}/restore"), "").by(Caller::Planner));
    }
    for q in ["from=abc", "from=1&to=xyz", "from=%FF", "format=xml&from=0"] {
        cases.push(case("GET", format!("/api/v1/diff?{q}"), ""));
    }
    // --- coverage.
    // The fixture city has no walking network: the answer may name that instead of the parameter.
    for q in [
        "kind=nope",
        "minutes=abc",
        "minutes=-5",
        "minutes=1e9",
        "minutes=NaN",
        "speed_kmh=0",
        "speed_kmh=Infinity",
        "mode=teleport",
        "walk_off_m=NaN",
        "walk_off_m=-1",
    ] {
        cases.push(case("GET", format!("/api/v1/coverage?mode=circle&{q}"), ""));
        cases.push(case("GET", format!("/api/v1/coverage/stats?mode=circle&{q}"), ""));
    }
    cases.push(case("GET", "/api/v1/coverage/stats?mode=circle&level=planet", ""));
    for (names, body) in bad_json().into_iter().take(8) {
        cases.push(case("POST", "/api/v1/coverage/suggest", names).body(body));
    }
    for body in [r#"{"mode":"circle","minutes":"x"}"#, r#"{"mode":"circle","count":-1}"#, r#"{"mode":7}"#] {
        cases.push(case("POST", "/api/v1/coverage/suggest", "").body(body));
    }
    // --- the transport: oversized bodies, long URIs, bad paths and methods.
    cases.push(case("POST", "/api/v1/lookup", "limit").body(vec![b' '; (32 << 20) + 1]).status(413));
    cases.push(case("GET", format!("/api/v1/lookup?lon={CX}&lat={CY}&pad={}", "x".repeat(50_000)), "").status(414));
    cases.push(case("GET", format!("/ogc/collections/grid/items?filter={}", "x".repeat(50_000)), "").status(414));
    for p in ["/api/v1/layers/%FF%FE/features", "/ogc/collections/%C0%AF/items", "/api/v1/plans/%FF", "/%FF"] {
        cases.push(case("GET", p, ""));
    }
    for (m, p) in [("DELETE", "/api/v1/layers"), ("PUT", "/api/v1/lookup"), ("PATCH", "/healthz"), ("DELETE", "/data/")]
    {
        cases.push(case(m, p, "").status(405));
    }
    cases.push(case("GET", "/no/such/page", "").status(404));
    cases.push(case("GET", "/data/..%2F..%2FCargo.toml", ""));
    cases
}

fn body_names(v: &Value, names: &str) -> bool {
    let all = format!("{} {}", v["error"].as_str().unwrap_or(""), v["detail"].as_str().unwrap_or("")).to_lowercase();
    all.contains(&names.to_lowercase())
}

/// Plan edits with every bad geometry, made against a plan created by `planner`.
fn edit_cases(plan: i64) -> Vec<Case> {
    let edits = format!("/api/v1/plans/{plan}/edits");
    let replace = |g: &str| {
        format!(
            r#"{{"op":"replace","layer":"grid","feature":{{"type":"Feature","properties":{{"code":"{GRID}","name":"x","parent_code":"440304006009"}},"geometry":{g}}}}}"#
        )
    };
    let mut cases: Vec<Case> = bad_geometries()
        .into_iter()
        .map(|(n, g)| case("POST", &edits, n).body(replace(&g)).by(Caller::Planner))
        .collect();
    for (names, body) in bad_json() {
        cases.push(case("POST", &edits, names).body(body).by(Caller::Planner));
    }
    for (names, body) in [
        ("op", r#"{}"#.to_string()),
        ("op", r#"{"op":"explode","layer":"grid"}"#.to_string()),
        ("op", r#"{"op":7}"#.to_string()),
        ("layer", r#"{"op":"delete","layer":"nope","code":"x"}"#.to_string()),
        ("layer", r#"{"op":"delete","code":"x"}"#.to_string()),
        ("code", r#"{"op":"delete","layer":"grid"}"#.to_string()),
        ("NOPE", r#"{"op":"delete","layer":"grid","code":"NOPE"}"#.to_string()),
        ("listed twice", format!(r#"{{"op":"merge","layer":"grid","codes":["{GRID}","{GRID}"]}}"#)),
        ("codes", r#"{"op":"merge","layer":"grid","codes":"x"}"#.to_string()),
        ("", r#"{"op":"merge","layer":"grid","codes":[]}"#.to_string()),
        (
            "",
            format!(
                r#"{{"op":"split","layer":"grid","code":"{GRID}","new_code":"N","line":{{"type":"LineString","coordinates":[]}}}}"#
            ),
        ),
        ("line", format!(r#"{{"op":"split","layer":"grid","code":"{GRID}","new_code":"N","line":"x"}}"#)),
        (
            "",
            format!(
                r#"{{"op":"split","layer":"grid","code":"{GRID}","new_code":"N","line":{{"type":"LineString","coordinates":[[0,0],[1,1]]}}}}"#
            ),
        ),
        (
            "",
            r#"{"op":"replace","layer":"grid","feature":{"type":"Feature","properties":{},"geometry":null}}"#
                .to_string(),
        ),
        ("too_large", replace(&format!(r#"{{"type":"Polygon","coordinates":{}}}"#, circle(100_001)))),
    ] {
        cases.push(case("POST", &edits, names).body(body).by(Caller::Planner));
    }
    cases.push(
        case("POST", "/api/v1/plans/424242/edits", "")
            .body(r#"{"op":"delete","layer":"grid","code":"x"}"#)
            .by(Caller::Planner),
    );
    cases
}

fn lookup_ok(base: &str) -> bool {
    let mut r = match agent().get(&format!("{base}/api/v1/lookup?lon={CX}&lat={CY}")).call() {
        Ok(r) => r,
        Err(_) => return false,
    };
    r.status() == 200 && r.body_mut().read_to_string().is_ok_and(|b| b.contains(GRID))
}

/// Sends every case; a refusal that is not a named JSON 4xx is collected (all are reported at
/// once), a dead process or a lookup that stops answering fails at once.
fn run(base: &str, child: &mut Child, tokens: &Tokens, cases: &[Case]) {
    let mut wrong = Vec::new();
    for (n, c) in cases.iter().enumerate() {
        let what = format!("#{n} {} {}", c.method, &c.path[..c.path.len().min(120)]);
        let (status, body) = send(base, c, tokens).unwrap_or_else(|e| panic!("{what}: no answer (reset?): {e}"));
        let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let (error, detail) = (v["error"].as_str().unwrap_or(""), v["detail"].as_str().unwrap_or(""));
        if !(400..500).contains(&status) || c.status.is_some_and(|s| s != status) {
            wrong.push(format!("{what}: status {status} {}", &body[..body.len().min(300)]));
        } else if error.is_empty() || detail.is_empty() {
            wrong.push(format!("{what}: not a JSON error: {}", &body[..body.len().min(300)]));
        } else if !body_names(&v, &c.names) {
            wrong.push(format!("{what}: does not name {:?}: {v}", c.names));
        }
        assert!(child.try_wait().unwrap().is_none(), "{what}: the server process died");
        assert!(lookup_ok(base), "{what}: a lookup does not answer afterwards");
    }
    assert!(wrong.is_empty(), "{} of {} cases:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}

const ROOMS: [&str; 10] = [
    "竹林路1号3栋2单元9301室",
    "竹林路1号3栋2单元9302号房",
    "竹林路1号3栋2单元9303房间",
    "竹林路1号3栋2单元9304 室",
    "竹林路1号3栋2单元９３０５室",
    "竹林路1号3栋2单元-9306",
    "竹林路1号3栋2单元 9307",
    "竹林路1号3栋2单元9308室(出租)",
    "竹林路1号3栋2单元9309室。",
    "竹林路1号3-2-9310",
];

/// Room numbers of [`ROOMS`], as they must never appear in an anonymous answer's addresses.
const ROOM_NUMBERS: [&str; 10] = ["9301", "9302", "9303", "9304", "９３０５", "9306", "9307", "9308", "9309", "9310"];

fn import_rooms(db: &Path, dir: &Path) {
    let mut csv = String::from("code,address,lon,lat\n");
    for (i, room) in ROOMS.iter().enumerate() {
        csv.push_str(&format!("R{i},广东省深圳市福田区沙头街道竹林社区{room},{},{}\n", CX - 0.0001 * i as f64, CY));
    }
    let file = dir.join("rooms.csv");
    std::fs::write(&file, csv).unwrap();
    let out = wangge(&["import-addresses", "--db", db.to_str().unwrap(), file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
}

fn check_rooms(base: &str) -> usize {
    let addresses = |v: &Value| -> Vec<String> {
        v["candidates"]
            .as_array()
            .map_or(Vec::new(), |c| c.iter().filter_map(|c| c["address"].as_str().map(str::to_string)).collect())
    };
    let mut answers = 0;
    let mut asked = Vec::new();
    for room in ROOMS {
        asked.push(format!("{base}/api/v1/geocode?q={}&limit=50", enc(room)));
        asked.push(format!("{base}/api/v1/geocode?q={}&limit=50", enc(&format!("深圳市福田区{room}"))));
    }
    for i in 0..ROOMS.len() {
        asked.push(format!("{base}/api/v1/geocode/reverse?lon={}&lat={CY}&limit=50", CX - 0.0001 * i as f64));
    }
    for url in asked {
        let mut r = agent().get(&url).call().unwrap();
        assert_eq!(r.status(), 200, "{url}");
        let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        for a in addresses(&v) {
            answers += 1;
            assert!(ROOM_NUMBERS.iter().all(|n| !a.contains(n)), "{url}: a room answered anonymously: {a}");
        }
    }
    // And the batch geocoder.
    let mut csv = String::from("id,address\n");
    for (i, room) in ROOMS.iter().enumerate() {
        csv.push_str(&format!("{i},{room}\n"));
    }
    let mut r =
        agent().post(&format!("{base}/api/v1/geocode/batch")).header("Content-Type", "text/csv").send(&csv).unwrap();
    assert_eq!(r.status(), 200);
    let out = r.body_mut().read_to_string().unwrap();
    for row in csv::Reader::from_reader(out.as_bytes()).records() {
        let row = row.unwrap();
        // Column 1 echoes the caller's own query; the answer's address is column 5.
        let answered = row.get(5).unwrap_or("");
        assert!(ROOM_NUMBERS.iter().all(|n| !answered.contains(n)), "batch: a room answered: {answered}");
    }
    answers
}

#[test]
fn hundreds_of_hostile_requests_to_a_real_server_process_all_get_a_named_json_4xx() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    import_rooms(&db, dir.path());
    let tokens = Tokens { viewer: token(&db, "viewer"), planner: token(&db, "planner") };
    let (child, base) = serve_process(&db);
    let mut child = Proc(child);
    let plan = {
        let c = case("POST", "/api/v1/plans", "").body(r#"{"name":"hostile"}"#).by(Caller::Planner);
        let (s, body) = send(&base, &c, &tokens).unwrap();
        assert_eq!(s, 201, "{body}");
        serde_json::from_str::<Value>(&body).unwrap()["id"].as_i64().unwrap()
    };
    let mut cases = corpus();
    cases.extend(edit_cases(plan));
    assert!(cases.len() >= 300, "{} cases", cases.len());
    run(&base, &mut child.0, &tokens, &cases);
    let answers = check_rooms(&base);
    assert!(answers > 0, "the room spellings found the building (cut at the unit)");
    println!(
        "{} hostile requests, {answers} anonymous address answers without a room, in {:?}",
        cases.len(),
        started.elapsed()
    );

    // Viewer lookups beside the heaviest allowed write (99,999 positions): every one answered 200;
    // the latencies are printed, not asserted.
    let n = wangge_core::validate::MAX_VERTICES - 2;
    let body = format!(
        r#"{{"op":"replace","layer":"grid","feature":{{"type":"Feature","properties":{{"code":"{GRID}","name":"x","parent_code":"440304006009","households":420}},"geometry":{{"type":"Polygon","coordinates":{}}}}}}}"#,
        circle(n)
    );
    let writer = {
        let (base, planner) = (base.clone(), tokens.planner.clone());
        std::thread::spawn(move || {
            let c = case("POST", format!("/api/v1/plans/{plan}/edits"), "").body(body).by(Caller::Planner);
            let t = Instant::now();
            let r = send(&base, &c, &Tokens { viewer: String::new(), planner });
            (r, t.elapsed())
        })
    };
    let mut latencies = Vec::new();
    while !writer.is_finished() || latencies.len() < 20 {
        let t = Instant::now();
        let mut r = agent()
            .get(&format!("{base}/api/v1/lookup?lon={}&lat={CY}", CX + 2.0 * HALF))
            .header("Authorization", &format!("Bearer {}", tokens.viewer))
            .call()
            .unwrap();
        let _ = r.body_mut().read_to_string().unwrap();
        latencies.push(t.elapsed());
        assert_eq!(r.status(), 200);
    }
    let (r, took) = writer.join().unwrap();
    let (s, b) = r.unwrap();
    assert_eq!(s, 200, "the {n}-position edit is allowed: {b:.300}");
    latencies.sort();
    let p = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "{n}-position edit took {took:?}; {} viewer lookups meanwhile: p50 {:?}, p99 {:?}, max {:?}",
        latencies.len(),
        p(0.5),
        p(0.99),
        latencies.last().unwrap()
    );
    assert!(child.0.try_wait().unwrap().is_none());
}

#[test]
fn serve_max_vertices_flag_refuses_a_200_vertex_polygon_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let tokens = Tokens { viewer: String::new(), planner: token(&db, "planner") };
    let (child, base, _log) = serve_process_with(&db, &["--max-vertices", "100", "--max-heavy", "3"], &[]);
    let _child = Proc(child);
    let feature = |n: usize| {
        format!(
            r#"{{"type":"Feature","properties":{{"code":"G-flag","name":"x","parent_code":"440304006009"}},"geometry":{{"type":"Polygon","coordinates":{}}}}}"#,
            circle(n)
        )
    };
    let c = case("POST", "/ogc/collections/grid/items", "").body(feature(200)).by(Caller::Planner);
    let (s, body) = send(&base, &c, &tokens).unwrap();
    assert_eq!(s, 413, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"], "too_large");
    assert!(v["detail"].as_str().unwrap().contains("100"), "{v}");
    // Below the limit it is not refused for its size.
    let c = case("POST", "/ogc/collections/grid/items", "").body(feature(50)).by(Caller::Planner);
    let (s, body) = send(&base, &c, &tokens).unwrap();
    assert_ne!(s, 413, "{body}");
    // A limit of zero is refused by the command line itself.
    let out = wangge(&["serve", "--db", db.to_str().unwrap(), "--max-vertices", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// A broken input file and the command lines to try it with.
fn broken_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        files.push(p);
    };
    let fc = |features: &str| format!(r#"{{"type":"FeatureCollection","features":[{features}]}}"#);
    let f = |props: &str, g: &str| format!(r#"{{"type":"Feature","properties":{props},"geometry":{g}}}"#);
    put("empty.geojson", b"");
    put("truncated.geojson", br#"{"type":"FeatureCollection","features":[{"type":"Feat"#);
    put("deep.geojson", "[".repeat(100_000).as_bytes());
    put("notfc.geojson", br#"{"type":"Topology"}"#);
    put("features-string.geojson", br#"{"type":"FeatureCollection","features":"x"}"#);
    put("badutf8.geojson", b"{\"type\":\"FeatureCollection\",\"features\":[\xff\xfe]}");
    put(
        "nan.geojson",
        fc(&f(
            r#"{"code":"G1","parent_code":"440304006009"}"#,
            r#"{"type":"Polygon","coordinates":[[[NaN,0],[1,0],[1,1],[NaN,0]]]}"#,
        ))
        .as_bytes(),
    );
    put(
        "huge.geojson",
        fc(&f(
            r#"{"code":"G1","parent_code":"440304006009"}"#,
            r#"{"type":"Polygon","coordinates":[[[1e999,0],[1,0],[1,1],[1e999,0]]]}"#,
        ))
        .as_bytes(),
    );
    for (i, (_, g)) in bad_geometries().into_iter().enumerate() {
        put(&format!("geom{i}.geojson"), fc(&f(r#"{"code":"G-bad","parent_code":"440304006009"}"#, &g)).as_bytes());
    }
    put(
        "nocode.geojson",
        fc(&f(r#"{"parent_code":"440304006009"}"#, &format!(r#"{{"type":"Polygon","coordinates":{}}}"#, circle(8))))
            .as_bytes(),
    );
    put(
        "unknownparent.geojson",
        fc(&f(
            r#"{"code":"G-x","parent_code":"NOPE"}"#,
            &format!(r#"{{"type":"Polygon","coordinates":{}}}"#, circle(8)),
        ))
        .as_bytes(),
    );
    put("empty.csv", b"");
    put("badwkt.csv", b"code,name,parent_code,wkt\nG1,x,440304006009,POLYGON((0 0,1 0\n");
    put("badlonlat.csv", b"code,name,parent_code,lon,lat\nB1,x,440304006009001,abc,NaN\n");
    put("ragged.csv", b"code,name,wkt\nG1\nG2,x,POLYGON((0 0,1 0,1 1,0 0)),extra,extra\n");
    put("quotes.csv", b"code,name,wkt\n\"G1,\"x\n");
    put("binary.csv", &[0u8, 159, 146, 150, 255, 0, 1, 2, 3]);
    put("nogeom.csv", b"code,name\nG1,x\n");
    put("outofrange.csv", b"code,name,parent_code,lon,lat\nB1,x,440304006009001,500,500\n");
    put("garbage.shp", b"this is not a shapefile at all");
    put("short.shp", &[0, 0, 0x27, 0x0a, 0, 0]);
    let mut header = vec![0u8; 100];
    header[..4].copy_from_slice(&9994u32.to_be_bytes());
    header[24..28].copy_from_slice(&(1_000_000u32).to_be_bytes());
    header[32..36].copy_from_slice(&5u32.to_le_bytes());
    put("lying-length.shp", &header);
    put("lying-length.dbf", b"\x03\x7b\x01\x01\xff\xff\xff\x7f\x21\x00\x0b\x00");
    put("nodbf.shp", &header);
    put("garbage.gpkg", b"SQLite format 3\0 but then nonsense");
    put("text.gpkg", b"hello");
    {
        let p = dir.join("plain-sqlite.gpkg");
        let conn = rusqlite::Connection::open(&p).unwrap();
        conn.execute_batch("CREATE TABLE t(a); INSERT INTO t VALUES(1);").unwrap();
        files.push(p);
    }
    {
        let p = dir.join("bad-blob.gpkg");
        let conn = rusqlite::Connection::open(&p).unwrap();
        conn.execute_batch(
            "CREATE TABLE gpkg_spatial_ref_sys(srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT, organization_coordsys_id INTEGER, definition TEXT, description TEXT);
             INSERT INTO gpkg_spatial_ref_sys VALUES('WGS 84',4326,'EPSG',4326,'x',NULL);
             CREATE TABLE gpkg_contents(table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT, description TEXT, last_change TEXT, min_x REAL, min_y REAL, max_x REAL, max_y REAL, srs_id INTEGER);
             INSERT INTO gpkg_contents VALUES('grid','features','grid','',NULL,0,0,1,1,4326);
             CREATE TABLE gpkg_geometry_columns(table_name TEXT, column_name TEXT, geometry_type_name TEXT, srs_id INTEGER, z INTEGER, m INTEGER);
             INSERT INTO gpkg_geometry_columns VALUES('grid','geom','POLYGON',4326,0,0);
             CREATE TABLE grid(fid INTEGER PRIMARY KEY, geom BLOB, code TEXT, name TEXT, parent_code TEXT);
             INSERT INTO grid VALUES(1, x'4750000100000000deadbeef', 'G1', 'x', '440304006009');
             INSERT INTO grid VALUES(2, x'47500001e61000000103000000ffffffff', 'G2', 'x', '440304006009');
             INSERT INTO grid VALUES(3, 'not a blob', 'G3', 'x', '440304006009');
             INSERT INTO grid VALUES(4, NULL, NULL, NULL, NULL);",
        )
        .unwrap();
        files.push(p);
    }
    files
}

#[test]
fn broken_files_given_to_import_and_check_are_refused_by_name_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let files = broken_files(dir.path());
    let d = db.to_str().unwrap();
    let before = std::fs::metadata(&db).unwrap().len();
    let mut runs = 0;
    let mut wrong = Vec::new();
    for file in &files {
        let f = file.to_str().unwrap();
        for args in [
            vec!["import", "--db", d, "--layer", "grid", f],
            vec!["import", "--db", d, "--layer", "building", "--generate-codes", f],
            vec!["check", "--db", d, "--layer", "grid", f],
            vec!["check", "--json", f],
        ] {
            let out = wangge(&args);
            runs += 1;
            let all = text(&out);
            let code = out.status.code();
            // Without a layer a point or a line is a valid feature: only "no panic" applies.
            let refused = matches!(code, Some(1) | Some(2));
            let acceptable = refused || (args.len() == 3 && code == Some(0));
            if !acceptable {
                wrong.push(format!("{args:?}: exit {code:?}: {all:.300}"));
            }
            if !refused {
                continue;
            }
            assert!(!all.contains("panicked"), "{args:?}: {all:.600}");
            // A Shapefile's message may name its .dbf: the stem names the input either way.
            let stem = file.file_stem().unwrap().to_string_lossy().to_string();
            // The message says what is wrong: the file, a feature, or a rule.
            if !(all.trim().len() > 10 && (all.contains(&stem) || all.contains('#') || all.contains("rule"))) {
                wrong.push(format!("{args:?}: no named problem: {all:.300}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {runs} runs:\n{}", wrong.len(), wrong.join("\n"));
    // Nothing was written by any refused import.
    let out = wangge(&["lookup", "--db", d, "--lon", &CX.to_string(), "--lat", &CY.to_string(), "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(GRID));
    println!("{} broken files, {runs} import/check runs, database {before} bytes before", files.len());
}

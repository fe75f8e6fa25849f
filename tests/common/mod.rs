//! Helpers shared by the integration tests: the fixture city, the real binary, and a server on
//! loopback.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use wangge::api::{self, AppState};
use wangge_core::model::Layer;
use wangge_store::Store;

/// The small hand-made city under `tests/fixtures/city`: one district, one street, two communities,
/// four 0.0078125° grids (exact binary fractions, so shared edges are bit-identical).
pub fn city_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/city")
}

/// Grid side in degrees in the fixture city.
pub const STEP: f64 = 1.0 / 256.0;

/// Runs the real `wangge` binary with `args`, in English unless the args say otherwise.
pub fn wangge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args(args)
        .env("WANGGE_LANG", "en")
        .env_remove("WANGGE_DB")
        .output()
        .expect("the wangge binary runs")
}

/// Text of stdout and stderr together.
pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Whether GDAL's command-line tools are installed. `WANGGE_REQUIRE_GDAL=1` (set by
/// scripts/test.sh, which installs gdal-bin) turns their absence into a failure; elsewhere the
/// interoperability checks are skipped with a notice.
pub fn gdal_available() -> bool {
    let ok = ["ogrinfo", "ogr2ogr"]
        .iter()
        .all(|tool| Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success()));
    if !ok {
        assert!(std::env::var("WANGGE_REQUIRE_GDAL").is_err(), "GDAL (ogrinfo, ogr2ogr) is required but not installed");
        eprintln!("GDAL not found: interoperability not checked (install gdal-bin)");
    }
    ok
}

/// Asserts that `ogrinfo -so -al` output lists each layer with its feature count and no error.
pub fn assert_ogrinfo_counts(ogrinfo: &str, counts: &[(&str, usize)]) {
    for (layer, count) in counts {
        let block = ogrinfo
            .split("Layer name: ")
            .find(|b| b.starts_with(&format!("{layer}\n")))
            .unwrap_or_else(|| panic!("{layer} missing: {ogrinfo}"));
        assert!(block.contains(&format!("Feature Count: {count}")), "{layer}: {block}");
    }
    assert!(!ogrinfo.contains("ERROR"), "{ogrinfo}");
}

/// Imports every layer of the fixture city into a new database in `dir` through the CLI.
pub fn city_db(dir: &Path) -> PathBuf {
    let db = dir.join("city.gpkg");
    for layer in Layer::ALL {
        let file = city_dir().join(format!("{}.geojson", layer.id()));
        let out = wangge(&["import", "--db", db.to_str().unwrap(), "--layer", layer.id(), file.to_str().unwrap()]);
        assert!(out.status.success(), "importing {}: {}", layer.id(), text(&out));
    }
    db
}

/// A wangge server on a free loopback port, serving the snapshot in `db`; stops with the test process.
pub struct Server {
    /// `http://127.0.0.1:PORT`
    pub base: String,
}

impl Server {
    /// Starts the real router on a real socket in a background thread.
    pub fn start(db: &Path) -> Server {
        let snapshot = Store::open(db).unwrap().load_snapshot().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Server::start_state(
            AppState::new(snapshot, root.join("web"), root.join("data")).with_store(Store::open(db).unwrap()),
        )
    }

    /// Starts the real router with the snapshot and the walking network stored in `db`.
    pub fn start_with_roads(db: &Path) -> Server {
        let store = Store::open(db).unwrap();
        let snapshot = store.load_snapshot().unwrap();
        let (roads, noding) = store.load_roads().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Server::start_state(
            AppState::new(snapshot, root.join("web"), root.join("data"))
                .with_roads(&roads, noding)
                .with_store(Store::open(db).unwrap()),
        )
    }

    /// Starts the real router for `state`.
    pub fn start_state(state: AppState) -> Server {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", std_listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                api::serve(listener, state).await.unwrap();
            });
        });
        Server { base }
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder().http_status_as_error(false).build().into()
    }

    /// GET `path`; returns status and JSON body.
    pub fn get(&self, path: &str) -> (u16, Value) {
        let mut resp = Self::agent().get(&format!("{}{path}", self.base)).call().expect("GET reaches the server");
        let status = resp.status().as_u16();
        let body = resp.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
    }

    /// POST `body` with `content_type` to `path`; returns status and body text.
    pub fn post(&self, path: &str, content_type: &str, body: &str) -> (u16, String) {
        let mut resp = Self::agent()
            .post(&format!("{}{path}", self.base))
            .header("Content-Type", content_type)
            .send(body)
            .expect("POST reaches the server");
        (resp.status().as_u16(), resp.body_mut().with_config().limit(64 << 20).read_to_string().unwrap())
    }
}

/// Starts the real `wangge serve` binary on `db` at a free loopback port (messages in English) and
/// returns the process and its base URL, read from the line it prints when it listens.
pub fn serve_process(db: &Path) -> (std::process::Child, String) {
    let (child, base, _log) = serve_process_logged(db);
    (child, base)
}

/// [`serve_process`], also returning everything the server writes to stderr after its first line
/// (its log), collected by a thread — which also keeps the pipe open, so the server's log lines
/// never meet a closed stderr.
pub fn serve_process_logged(db: &Path) -> (std::process::Child, String, std::sync::Arc<std::sync::Mutex<String>>) {
    serve_process_with(db, &[], &[])
}

/// [`serve_process_logged`] with more arguments for `wangge serve` and environment variables.
pub fn serve_process_with(
    db: &Path,
    args: &[&str],
    envs: &[(&str, &str)],
) -> (std::process::Child, String, std::sync::Arc<std::sync::Mutex<String>>) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args(["serve", "--db", db.to_str().unwrap(), "--addr", "127.0.0.1:0"])
        .args(args)
        .envs(envs.iter().copied())
        .env("WANGGE_LANG", "en")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let at = line.find("http://").expect("the server prints its address");
    let base = line[at..].split('/').take(3).collect::<Vec<_>>().join("/");
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let collected = log.clone();
    std::thread::spawn(move || {
        let mut line = String::new();
        while stderr.read_line(&mut line).is_ok_and(|n| n > 0) {
            collected.lock().unwrap().push_str(&line);
            line.clear();
        }
    });
    (child, base, log)
}

/// A child process (a `wangge serve`) that is killed and reaped when the test ends, pass or fail.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// GET `url` from another process's server: the status and the body as JSON (a string when it
/// is not JSON), with no status treated as an error.
pub fn get_json(url: &str) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut resp = agent.get(url).call().unwrap();
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
}

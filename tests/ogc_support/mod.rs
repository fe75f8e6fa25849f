//! Helpers shared by the OGC API tests: any method with any headers against the real server,
//! and a planner token made with the real CLI.
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;

/// What came back: status, headers (lower-case names) and the body as JSON (or a JSON string).
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<(String, String)>,
    /// Body parsed as JSON, or the text as a JSON string.
    pub body: Value,
}

impl Answer {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Sends `method` to `url` with `headers` and an optional body.
pub fn call(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let request = builder.body(body.unwrap_or("").to_string()).unwrap();
    let mut resp = agent.run(request).expect("reaches the server");
    let status = resp.status().as_u16();
    let headers =
        resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let text = resp.body_mut().with_config().limit(64 << 20).read_to_string().unwrap_or_default();
    Answer { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::String(text)) }
}

/// GET `url` in English.
pub fn get(url: &str) -> Answer {
    call("GET", url, &[("Accept-Language", "en")], None)
}

/// A new token with `role`, made by the real `wangge token create`.
pub fn token(db: &Path, role: &str) -> String {
    let out = super::common::wangge(&["token", "create", "--db", db.to_str().unwrap(), "--role", role, "--name", role]);
    assert!(out.status.success(), "{}", super::common::text(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

//! The HTML encoding: small server-rendered pages so a person can browse the API in a browser.

use serde_json::Value;
use wangge_text::Lang;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title>\
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse}}\
td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left}}pre{{background:#f6f6f6;padding:1em;overflow:auto}}</style>\
</head><body><h1>{t}</h1>\n{body}\n</body></html>\n",
        t = esc(title)
    )
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn links(v: &Value) -> String {
    let mut s = String::from("<ul>");
    for l in v.get("links").and_then(Value::as_array).into_iter().flatten() {
        s.push_str(&format!(
            "<li><a href=\"{}\">{}</a> ({}, {})</li>",
            esc(&text(l, "href")),
            esc(&text(l, "title")),
            esc(&text(l, "rel")),
            esc(&text(l, "type"))
        ));
    }
    s.push_str("</ul>");
    s
}

/// The landing page.
pub fn landing(body: &Value) -> String {
    page(&text(body, "title"), &format!("<p>{}</p>{}", esc(&text(body, "description")), links(body)))
}

/// The list of collections.
pub fn collections(body: &Value, lang: Lang) -> String {
    let mut s = format!(
        "<table><tr><th>id</th><th>{}</th><th>{}</th></tr>",
        lang.pick("名称", "title"),
        lang.pick("要素", "items")
    );
    for c in body.get("collections").and_then(Value::as_array).into_iter().flatten() {
        let id = text(c, "id");
        s.push_str(&format!(
            "<tr><td><a href=\"collections/{id}?f=html\">{id}</a></td><td>{}</td><td><a href=\"collections/{id}/items?f=html\">items</a></td></tr>",
            esc(&text(c, "title")),
            id = esc(&id)
        ));
    }
    s.push_str("</table>");
    page(lang.pick("集合", "Collections"), &s)
}

/// One collection.
pub fn collection(body: &Value, _lang: Lang) -> String {
    let bbox = body.pointer("/extent/spatial/bbox/0").map(Value::to_string).unwrap_or_default();
    page(
        &format!("{} — {}", text(body, "id"), text(body, "title")),
        &format!("<p>{}</p><p>bbox: {}</p>{}", esc(&text(body, "description")), esc(&bbox), links(body)),
    )
}

fn properties_table(props: &Value) -> String {
    let mut s = String::from("<table>");
    for (k, v) in props.as_object().into_iter().flatten() {
        let shown = v.as_str().map_or_else(|| v.to_string(), str::to_string);
        s.push_str(&format!("<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(&shown)));
    }
    s.push_str("</table>");
    s
}

/// A page of items.
pub fn items(body: &Value, collection: &str, lang: Lang) -> String {
    let mut s = format!(
        "<p>numberMatched: {} · numberReturned: {}</p>",
        body.get("numberMatched").unwrap_or(&Value::Null),
        body.get("numberReturned").unwrap_or(&Value::Null)
    );
    s.push_str(&format!("<table><tr><th>id</th><th>{}</th></tr>", lang.pick("名称", "name")));
    for f in body.get("features").and_then(Value::as_array).into_iter().flatten() {
        let id = f.get("id").and_then(Value::as_str).unwrap_or("");
        let name = f.pointer("/properties/name").and_then(Value::as_str).unwrap_or("");
        s.push_str(&format!(
            "<tr><td><a href=\"items/{id}?f=html\">{id}</a></td><td>{}</td></tr>",
            esc(name),
            id = esc(id)
        ));
    }
    s.push_str("</table>");
    s.push_str(&links(body));
    page(&format!("{collection} — items"), &s)
}

/// One item.
pub fn item(body: &Value, collection: &str) -> String {
    let id = body.get("id").and_then(Value::as_str).unwrap_or("");
    let geometry = serde_json::to_string_pretty(body.get("geometry").unwrap_or(&Value::Null)).unwrap_or_default();
    page(
        &format!("{collection} / {id}"),
        &format!(
            "{}<pre>{}</pre>{}",
            properties_table(body.get("properties").unwrap_or(&Value::Null)),
            esc(&geometry),
            links(body)
        ),
    )
}

/// Any JSON document, pretty-printed.
pub fn json_page(title: &str, body: &Value) -> String {
    page(title, &format!("<pre>{}</pre>", esc(&serde_json::to_string_pretty(body).unwrap_or_default())))
}

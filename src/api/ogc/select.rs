//! Which features an items request selects: the source (published, a draft plan, or the history
//! for `datetime`), then `bbox`/`bbox-crs`, the CQL2 `filter` and `property=value` filters.

use super::super::AppState;
use super::super::error::ApiError;
use super::super::plans::{plan_error, with_reader};
use super::collections::queryables;
use super::crs::OgcCrs;
use super::request::OgcRequest;
use geo::{Coord, Intersects, Rect};
use std::sync::Arc;
use wangge_core::feature_ref::FeatureRef;
use wangge_core::filter::{self, Expr};
use wangge_core::model::{Feature, Layer};
use wangge_core::snapshot::Snapshot;
use wangge_text::zh_en;
use wangge_text::{Lang, Text};

/// The features a request reads from.
pub enum Source {
    /// The published snapshot.
    Live(Arc<Snapshot>),
    /// A draft plan's state or a past state, already cut to one layer.
    Owned(Vec<Feature>),
}

impl Source {
    /// The feature with `code`, if any.
    pub fn get(&self, layer: Layer, code: &str) -> Option<FeatureRef<'_>> {
        match self {
            Source::Live(s) => s.layer(layer).get(code),
            Source::Owned(v) => v.iter().find(|f| f.code == code).map(FeatureRef::from),
        }
    }
}

/// `plan=ID`: the draft plan to read (and write), if given.
pub fn plan_param(req: &OgcRequest) -> Result<Option<i64>, ApiError> {
    match req.params.get("plan") {
        None => Ok(None),
        Some(_) => req.params.required::<i64>("plan").map(Some),
    }
}

/// A layer of plan `id`'s state (published state with the plan's edits applied).
pub async fn plan_layer(
    state: &AppState,
    caller: &crate::api::access::Caller,
    id: i64,
    layer: Layer,
    lang: Lang,
) -> Result<Vec<Feature>, ApiError> {
    let (caller, cache) = (caller.clone(), state.plans.clone());
    with_reader(state, lang, move |s| {
        crate::api::plans::may_read(s, &caller, id, lang)?;
        let (_, after) = cache.states(s, id).map_err(|e| plan_error(e, lang))?;
        Ok(after.layer(layer).to_features())
    })
    .await
}

fn date_part(raw: &str, lang: Lang) -> Result<Option<String>, ApiError> {
    let t = raw.trim();
    if t.is_empty() || t == ".." {
        return Ok(None);
    }
    // RFC 3339 instants are cut to their date: effective dates are days (valid_from/valid_to).
    let day = t.get(..10).unwrap_or(t);
    let rest = t.get(10..).unwrap_or("");
    let time_ok = rest.is_empty()
        || (rest.starts_with(['T', 't'])
            && rest.len() > 1
            && rest[1..].chars().all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | 'Z' | 'z' | '+' | '-')));
    let day = super::super::history::parse_date(day, lang).ok().filter(|_| time_ok);
    day.map(Some).ok_or_else(|| {
        ApiError::bad_parameter(zh_en!(
            lang,
            ("参数 datetime：\"{raw}\" 应为 RFC 3339 日期或时刻，或以 / 分隔的区间（.. 表示不限）"),
            ("parameter datetime: \"{raw}\" must be an RFC 3339 date or instant, or an interval a/b (.. open)")
        ))
    })
}

/// A day interval (`YYYY-MM-DD`, inclusive); `None` ends are open.
pub type Days = (Option<String>, Option<String>);

/// `datetime`: an instant or an interval as (from, to) days, `None` ends open.
pub fn datetime_param(req: &OgcRequest) -> Result<Option<Days>, ApiError> {
    let Some(raw) = req.params.get("datetime") else { return Ok(None) };
    let lang = req.lang();
    Ok(Some(match raw.split_once('/') {
        None => {
            let d = date_part(raw, lang)?;
            if d.is_none() {
                return Err(ApiError::bad_parameter(
                    lang.pick("参数 datetime：单个时刻不能为 ..", "parameter datetime: an instant cannot be .."),
                ));
            }
            (d.clone(), d)
        }
        Some((a, b)) => {
            let (a, b) = (date_part(a, lang)?, date_part(b, lang)?);
            if let (Some(x), Some(y)) = (&a, &b)
                && x > y
            {
                return Err(ApiError::bad_parameter(lang.pick(
                    "参数 datetime：区间起点晚于终点",
                    "parameter datetime: the interval starts after it ends",
                )));
            }
            (a, b)
        }
    }))
}

/// `bbox` (4 numbers) in `bbox-crs`, as WGS 84 rectangles: none when south > north (an empty
/// box), two when a CRS84 box crosses the antimeridian (west > east).
pub fn bbox_param(req: &OgcRequest) -> Result<Option<Vec<Rect<f64>>>, ApiError> {
    let Some(raw) = req.params.get("bbox") else { return Ok(None) };
    let lang = req.lang();
    let crs = match req.params.get("bbox-crs") {
        Some(c) => OgcCrs::parse(c, "bbox-crs", lang)?,
        None => OgcCrs::Crs84,
    };
    let bad = |why: &str| {
        ApiError::bad_parameter(zh_en!(
            lang,
            ("参数 bbox \"{raw}\" 无效：{why}"),
            ("parameter bbox \"{raw}\" is not valid: {why}")
        ))
    };
    let v: Vec<f64> = raw
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad(lang.pick("应为 4 个数字", "expected 4 numbers")))?;
    let [x0, y0, x1, y1] = v[..] else { return Err(bad(lang.pick("应为 4 个数字", "expected 4 numbers"))) };
    if v.iter().any(|x| !x.is_finite()) {
        return Err(bad(lang.pick("数字必须有限", "numbers must be finite")));
    }
    let rect = |a: f64, b: f64, c: f64, d: f64| Rect::new(Coord { x: a, y: b }, Coord { x: c, y: d });
    if y0 > y1 && crs == OgcCrs::Crs84 {
        return Ok(Some(Vec::new()));
    }
    if x0 > x1 && crs == OgcCrs::Crs84 {
        return Ok(Some(vec![rect(x0, y0, 180.0, y1), rect(-180.0, y0, x1, y1)]));
    }
    if x0 > x1 || y0 > y1 {
        return Ok(Some(Vec::new()));
    }
    Ok(Some(vec![crs.rect_to_wgs84(rect(x0, y0, x1, y1))?]))
}

/// `filter` (with `filter-lang` and `filter-crs`), parsed and checked against the queryables.
pub fn filter_param(req: &OgcRequest, snapshot: &Snapshot, layer: Layer) -> Result<Option<Expr>, ApiError> {
    filter_for(req, &queryables(snapshot, layer), layer.id())
}

/// `filter` checked against `queryables` of collection `collection` (a layer or a network).
pub fn filter_for(
    req: &OgcRequest,
    queryables: &[(String, &'static str)],
    collection: &str,
) -> Result<Option<Expr>, ApiError> {
    let lang = req.lang();
    if let Some(l) = req.params.get("filter-lang")
        && l != "cql2-text"
    {
        return Err(ApiError::bad_parameter(zh_en!(
            lang,
            ("参数 filter-lang：不支持 \"{l}\"，只支持 cql2-text"),
            ("parameter filter-lang: \"{l}\" is not supported, only cql2-text")
        )));
    }
    let crs = match req.params.get("filter-crs") {
        Some(c) => OgcCrs::parse(c, "filter-crs", lang)?,
        None => OgcCrs::Crs84,
    };
    let Some(text) = req.params.get("filter") else { return Ok(None) };
    let mut expr = filter::parse(text).map_err(|e| ApiError::bad_parameter(format!("filter: {}", e.message(lang))))?;
    let (known, layer) = (queryables, collection);
    if let Some(p) = expr.properties().into_iter().find(|p| !known.iter().any(|(k, _)| k == p)) {
        let names: Vec<&str> = known.iter().map(|(k, _)| k.as_str()).collect();
        return Err(ApiError::bad_parameter(zh_en!(
            lang,
            ("filter：集合 {layer} 没有可查询属性 \"{p}\"（可用：{}）", names.join("、")),
            ("filter: collection {layer} has no queryable \"{p}\" (queryables: {})", names.join(", "))
        )));
    }
    for g in expr.geometries_mut() {
        *g = crs.geometry_to_wgs84(g)?;
    }
    Ok(Some(expr))
}

/// Everything an items page selects, in code order.
pub struct Selection {
    /// The property names given as `name=value` filters, with their values.
    pub equals: Vec<(String, String)>,
    /// The CQL2 filter.
    pub filter: Option<Expr>,
    /// The WGS 84 boxes (a feature meeting any is kept).
    pub bbox: Option<Vec<Rect<f64>>>,
}

impl Selection {
    /// Whether `f` is selected.
    pub fn keeps(&self, f: FeatureRef<'_>) -> bool {
        if let Some(rects) = &self.bbox
            && !f.bbox().is_some_and(|b| rects.iter().any(|r| b.intersects(r) && f.geometry().intersects(r)))
        {
            return false;
        }
        if let Some(e) = &self.filter
            && !filter::matches(e, f)
        {
            return false;
        }
        self.equals.iter().all(|(k, v)| property_text(f, k).is_some_and(|p| p == *v))
    }

    /// The selected features of `layer` from `source`.
    pub fn apply<'a>(&self, source: &'a Source, layer: Layer) -> Vec<FeatureRef<'a>> {
        match source {
            Source::Live(s) => {
                let data = s.layer(layer);
                let candidates = match self.bbox.as_deref() {
                    Some([r]) => data.in_bbox(*r),
                    Some([]) => Vec::new(),
                    _ => data.iter().collect(),
                };
                candidates.into_iter().filter(|f| self.keeps(*f)).collect()
            }
            Source::Owned(v) => v.iter().map(FeatureRef::from).filter(|f| self.keeps(*f)).collect(),
        }
    }
}

/// A property as the text a `name=value` query compares with.
pub fn property_text(f: FeatureRef<'_>, key: &str) -> Option<String> {
    match key {
        "code" => Some(f.code().to_string()),
        "name" => Some(f.name().to_string()),
        "parent_code" => f.parent_code().map(str::to_string),
        _ => match &*f.attr(key)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            v => Some(v.to_string()),
        },
    }
}

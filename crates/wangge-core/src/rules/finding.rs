//! A finding of a planning rule, as a value: which rule, how serious, which feature, what (in
//! Chinese and English), where the rule comes from, and the offending piece of geometry if any.

use crate::i18n::Lang;
use crate::model::Layer;
use crate::problem::Problem;
use geo::{Geometry, MultiPolygon};
use serde_json::{Value, json};

/// How serious a finding is. Errors block publishing; warnings are reported and allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported; does not block publishing.
    Warning,
    /// Blocks publishing.
    Error,
}

impl Severity {
    /// The word people read.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Severity::Error => lang.pick("错误", "error"),
            Severity::Warning => lang.pick("警告", "warning"),
        }
    }
}

/// One finding of one rule about one feature (or a pair of features, for overlaps).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable rule id, e.g. `sibling_overlap`; configuration uses the same names.
    pub rule: &'static str,
    /// Error or warning (after configuration).
    pub severity: Severity,
    /// The layer of the feature.
    pub layer: Layer,
    /// The feature's code.
    pub code: String,
    /// The other feature involved (the overlapping sibling, or the parent a gap is in).
    pub other: Option<String>,
    /// Message in Chinese.
    pub zh: String,
    /// Message in English.
    pub en: String,
    /// Where the rule comes from, citing `shared/domain.md`.
    pub source: &'static str,
    /// The offending pieces (overlaps, gaps), WGS 84 longitude–latitude.
    pub geometry: Option<MultiPolygon<f64>>,
}

impl Finding {
    /// A finding with no geometry and no other feature.
    pub fn new(
        rule: &'static str,
        severity: Severity,
        layer: Layer,
        code: &str,
        zh: String,
        en: String,
        source: &'static str,
    ) -> Finding {
        Finding { rule, severity, layer, code: code.to_string(), other: None, zh, en, source, geometry: None }
    }

    /// Wraps a geometry or hierarchy [`Problem`] as a finding of `rule`, rendered in both languages.
    pub fn from_problem(rule: &'static str, layer: Layer, p: &Problem, source: &'static str) -> Finding {
        Finding::new(
            rule,
            Severity::Error,
            layer,
            p.code.as_deref().unwrap_or(""),
            format!("[{}] {}", p.rule.id(), p.message(Lang::Zh)),
            format!("[{}] {}", p.rule.id(), p.message(Lang::En)),
            source,
        )
    }

    /// The message in `lang`, followed by the rule's source.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!("{}（依据：{}）", self.zh, self.source),
            Lang::En => format!("{} (source: {})", self.en, self.source),
        }
    }

    /// The finding as JSON; `geometry` is GeoJSON when present.
    pub fn to_json(&self, lang: Lang) -> Value {
        let mut v = json!({
            "rule": self.rule,
            "severity": self.severity,
            "layer": self.layer,
            "code": self.code,
            "message": self.message(lang),
            "source": self.source,
        });
        if let Some(o) = &self.other {
            v["other"] = Value::String(o.clone());
        }
        if let Some(g) = &self.geometry {
            v["geometry"] = serde_json::to_value(geojson::Geometry::from(&Geometry::MultiPolygon(g.clone())))
                .unwrap_or(Value::Null);
        }
        v
    }
}

/// Counts of errors and warnings.
pub fn tally(findings: &[Finding]) -> (usize, usize) {
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    (errors, findings.len() - errors)
}

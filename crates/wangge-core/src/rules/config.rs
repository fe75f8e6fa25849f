//! Configuration of the planning rules: bounds per city, tolerances, the code layout, and per-rule
//! switches and severities. Read from JSON or TOML; every field has the default that
//! `shared/domain.md` gives, so an empty file means "the documented rules".

use super::finding::{Finding, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;

/// How one rule is applied.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSetting {
    /// `false` turns the rule off.
    pub enabled: Option<bool>,
    /// Overrides the rule's default severity.
    pub severity: Option<Severity>,
}

/// Everything the rules can be told. Units are in the field names.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    /// How far (metres) a feature may reach outside its parent (domain.md §1).
    pub tolerance_m: f64,
    /// Overlap between two siblings smaller than this (m²) is rounding, not an error.
    pub overlap_tolerance_m2: f64,
    /// Uncovered pieces of a parent smaller than this (m²) are ignored.
    pub gap_tolerance_m2: f64,
    /// Child layers whose parents must be covered without gaps. Streets are left out by default:
    /// a district is often loaded one street at a time, so its other streets are missing, not gaps.
    pub gap_layers: Vec<String>,
    /// Households per comprehensive (综合) grid, inclusive bounds (domain.md §2).
    pub grid_households: [i64; 2],
    /// Most residents per comprehensive grid (domain.md §2).
    pub grid_max_residents: i64,
    /// Households per community, inclusive bounds (domain.md §1).
    pub community_households: [i64; 2],
    /// Households per community worker (domain.md §1, "按每300户左右配备1名社区工作者").
    pub households_per_community_worker: i64,
    /// How far the community-worker count may fall below households ÷ the ratio before it is reported.
    pub community_worker_slack: f64,
    /// Share of the smaller footprint two buildings may overlap before `building_overlap` reports
    /// them (default 0.10: adjoining buildings share walls, which is no overlap; more than a tenth
    /// of a footprint is one building drawn twice or misplaced).
    pub building_overlap_share: f64,
    /// How far (share of the larger figure) a grid's declared `households` may differ from the sum
    /// over its buildings before `grid_households_rollup` warns (default 0.05).
    pub households_rollup_share: f64,
    /// Code length per layer id (domain.md §3: 6 + 3 + 3 + 3 = 15 for grids); layers not listed are not checked.
    pub code_lengths: BTreeMap<String, usize>,
    /// Per-rule switches and severities, keyed by rule id.
    pub rules: BTreeMap<String, RuleSetting>,
}

impl Default for RulesConfig {
    fn default() -> Self {
        let code_lengths = [("district", 6), ("street", 9), ("community", 12), ("grid", 15), ("building", 17)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        RulesConfig {
            tolerance_m: 5.0,
            overlap_tolerance_m2: 1.0,
            gap_tolerance_m2: 1.0,
            gap_layers: vec!["community".into(), "grid".into()],
            grid_households: [300, 500],
            grid_max_residents: 2_500,
            community_households: [1_000, 3_000],
            households_per_community_worker: 300,
            community_worker_slack: 0.5,
            building_overlap_share: 0.10,
            households_rollup_share: 0.05,
            code_lengths,
            rules: BTreeMap::new(),
        }
    }
}

/// Why a rules file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not valid JSON/TOML for [`RulesConfig`].
    #[error("rules config: {0}")]
    Parse(String),
    /// A `rules` key that names no rule.
    #[error("rules config: unknown rule '{0}' (known: {1})")]
    UnknownRule(String, String),
    /// Bounds that cannot hold (min above max, negative tolerance).
    #[error("rules config: {0}")]
    Invalid(String),
}

impl RulesConfig {
    /// Reads a config from JSON, or TOML when `toml` is true, and checks it.
    pub fn parse(text: &str, toml: bool) -> Result<RulesConfig, ConfigError> {
        let config: RulesConfig = if toml {
            ::toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?
        } else {
            serde_json::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?
        };
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        for key in self.rules.keys() {
            if !super::RULE_IDS.contains(&key.as_str()) {
                return Err(ConfigError::UnknownRule(key.clone(), super::RULE_IDS.join(", ")));
            }
        }
        for l in &self.gap_layers {
            if !matches!(l.as_str(), "street" | "community" | "grid") {
                return Err(ConfigError::Invalid(format!("gap_layers: '{l}' is not street, community or grid")));
            }
        }
        let ordered = |name: &str, [lo, hi]: [i64; 2]| {
            if lo > hi || lo < 0 {
                Err(ConfigError::Invalid(format!("{name}: [{lo}, {hi}] is not a range")))
            } else {
                Ok(())
            }
        };
        ordered("grid_households", self.grid_households)?;
        ordered("community_households", self.community_households)?;
        let tolerances = [
            self.tolerance_m,
            self.overlap_tolerance_m2,
            self.gap_tolerance_m2,
            self.building_overlap_share,
            self.households_rollup_share,
        ];
        if tolerances.iter().any(|t| !t.is_finite() || *t < 0.0) || self.households_per_community_worker <= 0 {
            return Err(ConfigError::Invalid("tolerances must be ≥ 0 and the worker ratio > 0".into()));
        }
        Ok(())
    }

    /// Whether `rule` runs.
    pub fn enabled(&self, rule: &str) -> bool {
        self.rules.get(rule).and_then(|s| s.enabled).unwrap_or(true)
    }

    /// Drops findings of disabled rules and applies severity overrides.
    pub fn apply(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| self.enabled(f.rule))
            .map(|mut f| {
                if let Some(s) = self.rules.get(f.rule).and_then(|s| s.severity) {
                    f.severity = s;
                }
                f
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_the_documented_rules_and_bad_keys_are_refused() {
        assert_eq!(RulesConfig::parse("{}", false).unwrap(), RulesConfig::default());
        let c =
            RulesConfig::parse("grid_households = [200, 400]\n[rules.grid_households]\nseverity = \"error\"\n", true)
                .unwrap();
        assert_eq!(c.grid_households, [200, 400]);
        assert_eq!(c.rules["grid_households"].severity, Some(Severity::Error));
        assert!(matches!(RulesConfig::parse(r#"{"rules":{"nope":{}}}"#, false), Err(ConfigError::UnknownRule(..))));
        assert!(matches!(RulesConfig::parse(r#"{"grid_households":[500,300]}"#, false), Err(ConfigError::Invalid(_))));
        assert!(matches!(RulesConfig::parse(r#"{"tolerance":1}"#, false), Err(ConfigError::Parse(_))));
    }
}

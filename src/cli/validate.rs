//! `wangge validate`: every rule over the stored layers.

use super::common::open_existing;
use anyhow::Result;
use std::path::Path;
use wangge_core::model::Layer;
use wangge_core::rules::finding::tally;
use wangge_core::rules::{RulesConfig, run_rules};
use wangge_text::{FindingJson, Label, Lang, Text};

pub(super) fn validate(db: &Path, config: &RulesConfig, json: bool, lang: Lang) -> Result<i32> {
    let store = open_existing(db, lang)?;
    store.integrity_check()?;
    let snapshot = store.load_snapshot()?;
    let findings = run_rules(&snapshot, config);
    let (errors, warnings) = tally(&findings);
    if json {
        let list: Vec<serde_json::Value> = findings.iter().map(|f| f.to_json(lang)).collect();
        let out = serde_json::json!({ "errors": errors, "warnings": warnings, "findings": list });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(if errors > 0 { 1 } else { 0 });
    }
    for layer in Layer::ALL {
        let mine: Vec<_> = findings.iter().filter(|f| f.layer == layer).collect();
        let status = if mine.is_empty() { lang.pick("通过", "ok") } else { lang.pick("有问题", "findings") };
        println!("{}\t{}\t{status}", layer.label(lang), snapshot.layer(layer).len());
        for f in mine {
            println!("  {} [{}] {} {}", f.severity.label(lang), f.rule, f.code, f.message(lang));
        }
    }
    if errors > 0 {
        say!(
            lang,
            ("共发现 {errors} 个错误、{warnings} 个警告"),
            ("{errors} error(s) and {warnings} warning(s) found")
        );
        return Ok(1);
    }
    say!(lang, ("没有错误，全部通过（{warnings} 个警告）"), ("no errors: all checks passed ({warnings} warning(s))"));
    Ok(0)
}

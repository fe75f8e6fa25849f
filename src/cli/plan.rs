//! The command-line face of planning:
//! `wangge plan list|create|show|edit|undo|redo|discard|validate|diff|publish|restore`.
//!
//! Changes are recorded with the OS user (or `--author`) and the role `cli`. Exit codes: 0 done,
//! 1 refused (rule errors, a stale base, an edit that does not apply), 2 bad input or a missing
//! plan. A running server keeps serving the snapshot it loaded; restart it to serve a plan
//! published from here.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::{Value, json};
use std::io::Read;
use std::path::{Path, PathBuf};
use wangge_app::compare::{StateRef, changed_geojson, compare};
use wangge_app::plan::{self as svc, PlanServiceError};
use wangge_core::rules::finding::tally;
use wangge_core::rules::{Finding, RulesConfig};
use wangge_store::Db;
use wangge_store::plans::{Author, PlanError};
use wangge_text::zh_en;
use wangge_text::{FindingJson, Label, Lang, Text};

/// The arguments of a change to a whole draft (undo, redo, discard).
#[derive(clap::Args, Debug)]
pub struct DraftArgs {
    /// 数据库文件 / database file.
    #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
    db: PathBuf,
    /// 方案编号 / plan id.
    id: i64,
    /// 期望的方案版本（乐观锁）/ the plan version this is based on.
    #[arg(long)]
    if_match: Option<i64>,
    /// 以 JSON 输出 / print JSON.
    #[arg(long)]
    json: bool,
}

/// What to do with plans.
#[derive(Debug, Subcommand)]
pub enum PlanAction {
    /// 列出全部方案 / list every plan.
    List {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 以 JSON 输出 / print JSON.
        #[arg(long)]
        json: bool,
    },
    /// 新建草稿方案 / create a draft plan on the published revision.
    Create {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 方案名称 / plan name.
        #[arg(long)]
        name: String,
        /// 作者，默认为系统用户 / author (default: the OS user).
        #[arg(long)]
        author: Option<String>,
        /// 以 JSON 输出 / print JSON.
        #[arg(long)]
        json: bool,
    },
    /// 显示方案及其编辑 / show a plan and its edits.
    Show {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 方案编号 / plan id.
        id: i64,
        /// 以 JSON 输出 / print JSON.
        #[arg(long)]
        json: bool,
    },
    /// 向方案添加编辑（JSON 文件或标准输入；单个编辑或数组，全部成功或全部不写）/ add edits from a
    /// JSON file or stdin (one edit or an array; all or nothing).
    Edit {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 方案编号 / plan id.
        id: i64,
        /// 编辑 JSON 文件，- 或省略为标准输入 / edit JSON file; `-` or nothing reads stdin.
        input: Option<PathBuf>,
        /// 期望的方案版本（乐观锁）/ the plan version the edits were made against.
        #[arg(long)]
        if_match: Option<i64>,
        /// 作者，默认为系统用户 / author (default: the OS user).
        #[arg(long)]
        author: Option<String>,
        /// 以 JSON 输出 / print JSON.
        #[arg(long)]
        json: bool,
    },
    /// 撤销方案最后一批编辑 / undo the plan's last batch of edits.
    Undo(DraftArgs),
    /// 重做最后撤销的一批编辑 / redo the last undone batch of edits.
    Redo(DraftArgs),
    /// 删除草稿方案及其编辑（已发布的方案不能删除）/ discard a draft plan and its edits.
    Discard(DraftArgs),
    /// 按规则检查方案；有错误时退出码为 1 / check a plan against every rule; exit 1 on errors.
    Validate {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 方案编号 / plan id.
        id: i64,
        /// 规则配置文件（.toml 或 .json）/ rules configuration.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// 以 JSON 输出 / print JSON.
        #[arg(long)]
        json: bool,
    },
    /// 比较方案与已发布状态，或任意两个状态 / compare a plan with what is published, or any two states
    /// (`--from`/`--to`: published, revision:N, plan:N).
    Diff {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 方案编号（等同 --from published --to plan:ID）/ plan id (same as --from published --to plan:ID).
        id: Option<i64>,
        /// 起点状态 / from state.
        #[arg(long, conflicts_with = "id")]
        from: Option<String>,
        /// 终点状态，默认 published / to state (default published).
        #[arg(long, conflicts_with = "id")]
        to: Option<String>,
        /// 把变化的部分写成 GeoJSON / write the changed pieces as GeoJSON.
        #[arg(long)]
        geojson: Option<PathBuf>,
        /// 以 JSON 输出 / print JSON.
        #[arg(long)]
        json: bool,
    },
    /// 校验并发布方案；基线过期或有错误时拒绝（退出码 1）/ validate and publish; refused (exit 1)
    /// on a stale base or rule errors, with the reasons.
    Publish {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 方案编号 / plan id.
        id: i64,
        /// 修订说明 / revision message.
        #[arg(long)]
        message: String,
        /// 生效日期 YYYY-MM-DD，默认今天（北京时间）/ effective date (default today, Beijing time).
        #[arg(long)]
        effective_date: Option<String>,
        /// 规则配置文件 / rules configuration.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// 作者，默认为系统用户 / author (default: the OS user).
        #[arg(long)]
        author: Option<String>,
        /// 以 JSON 输出 / print JSON.
        #[arg(long)]
        json: bool,
    },
    /// 把过去的修订恢复为新方案 / restore a past revision as a new draft plan.
    Restore {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 修订编号 / revision id.
        revision: i64,
        /// 作者，默认为系统用户 / author (default: the OS user).
        #[arg(long)]
        author: Option<String>,
        /// 以 JSON 输出 / print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The author of command-line changes: `--author`, else the OS user, with the role `cli`.
pub fn cli_author(author: Option<String>) -> Author {
    let name = author
        .filter(|a| !a.trim().is_empty())
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .or_else(|| std::env::var("LOGNAME").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "cli".to_string());
    Author::new(name, "cli")
}

fn open(db: &Path, lang: Lang) -> Result<Box<dyn Db>> {
    super::common::open_existing(db, lang)
}

pub(crate) fn rules(path: Option<&Path>, lang: Lang) -> Result<RulesConfig> {
    let Some(path) = path else { return Ok(RulesConfig::default()) };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{} {}", lang.pick("无法读取", "cannot read"), path.display()))?;
    let toml = path.extension().is_some_and(|e| e == "toml");
    RulesConfig::parse(&text, toml).with_context(|| path.display().to_string())
}

fn print_json(v: &Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// What a successful command prints: `value` as JSON with `--json`, else the one-line `message`.
fn report(json: bool, value: impl serde::Serialize, message: String) -> Result<i32> {
    if json {
        print_json(&serde_json::to_value(value)?)?;
    } else {
        println!("{message}");
    }
    Ok(0)
}

/// Reports a use-case's outcome: its value (`--json`) or `message` on success, the refusal otherwise.
fn outcome<T: serde::Serialize>(
    result: Result<T, PlanServiceError>,
    lang: Lang,
    json: bool,
    message: impl FnOnce(&T) -> String,
) -> Result<i32> {
    match result {
        Ok(value) => {
            let text = message(&value);
            report(json, value, text)
        }
        Err(e) => refusal(e, lang, json),
    }
}

/// A refusal the user can act on (exit 1), or an error (exit 2), with its message.
fn refusal(e: PlanServiceError, lang: Lang, json: bool) -> Result<i32> {
    let (code, message, extra) = match e {
        PlanServiceError::Plan(PlanError::NotFound(id)) => {
            bail!("{}", zh_en!(lang, ("方案或修订 {id} 不存在"), ("no plan or revision {id}")))
        }
        PlanServiceError::Plan(PlanError::Store(e)) => return Err(e.into()),
        PlanServiceError::BadField { field, detail, detail_zh } => {
            let message = lang.pick(&detail_zh, &detail).to_string();
            if json {
                print_json(&json!({ "error": "bad_field", "detail": message, "problems": { "field": field } }))?;
            } else {
                eprintln!("{message}");
            }
            return Ok(2);
        }
        PlanServiceError::Plan(PlanError::NothingToUndo(id)) => (
            "nothing_to_undo",
            zh_en!(lang, ("方案 {id} 没有可撤销的编辑"), ("plan {id} has no edit to undo")),
            Value::Null,
        ),
        PlanServiceError::Plan(PlanError::NothingToRedo(id)) => (
            "nothing_to_redo",
            zh_en!(lang, ("方案 {id} 没有可重做的编辑"), ("plan {id} has no undone edit to redo")),
            Value::Null,
        ),
        PlanServiceError::BadEdit { index, detail, detail_zh, .. } => (
            "bad_edit",
            zh_en!(lang, ("第 {index} 项编辑无法应用：{detail_zh}"), ("edit {index} cannot be applied: {detail}")),
            Value::Null,
        ),
        PlanServiceError::Rejected(findings) => {
            let list: Vec<Value> = findings.iter().map(|f| f.to_json(lang)).collect();
            if !json {
                print_findings(&findings, lang);
            }
            (
                "rules_failed",
                lang.pick("方案违反了错误级规则，未发布", "the plan breaks error rules; nothing was published").into(),
                Value::Array(list),
            )
        }
        PlanServiceError::Plan(PlanError::StaleVersion { id, expected, current }) => (
            "stale",
            zh_en!(
                lang,
                ("方案 {id} 已被修改：当前版本 v{current}，请求基于 v{expected}"),
                ("plan {id} changed: it is at v{current}, the request was based on v{expected}")
            ),
            json!({ "current_version": current }),
        ),
        PlanServiceError::Plan(PlanError::StaleBase { base, current, since }) => {
            if !json {
                for r in &since {
                    eprintln!("  r{}\t{}\t{}\t{}", r.id, r.created_at, r.author, r.message);
                }
            }
            (
                "stale_base",
                zh_en!(
                    lang,
                    ("方案基于修订 {base}，但当前已发布修订 {current}；请基于当前修订重新建立方案"),
                    ("the plan is based on revision {base}, but revision {current} is published; redo it on the current revision")
                ),
                json!({ "since": since }),
            )
        }
        PlanServiceError::Plan(PlanError::NotDraft(id)) => {
            ("not_draft", zh_en!(lang, ("方案 {id} 已发布"), ("plan {id} is already published")), Value::Null)
        }
    };
    if json {
        print_json(&json!({ "error": code, "detail": message, "problems": extra }))?;
    } else {
        eprintln!("{message}");
    }
    Ok(1)
}

fn print_findings(findings: &[Finding], lang: Lang) {
    for f in findings {
        println!("  {} [{}] {} {}", f.severity.label(lang), f.rule, f.code, f.message(lang));
    }
}

fn read_edits(input: Option<&Path>, lang: Lang) -> Result<Vec<Value>> {
    let text = match input {
        Some(p) if p != Path::new("-") => std::fs::read_to_string(p)
            .with_context(|| format!("{} {}", lang.pick("无法读取", "cannot read"), p.display()))?,
        _ => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).context("stdin")?;
            s
        }
    };
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", lang.pick("编辑 JSON 无法解析", "the edit JSON cannot be read")))?;
    Ok(match v {
        Value::Array(list) => list,
        one => vec![one],
    })
}

/// `plan undo` (or, with `redo`, `plan redo`).
fn step(db: &Path, id: i64, if_match: Option<i64>, json: bool, redo: bool, lang: Lang) -> Result<i32> {
    let mut store = open(db, lang)?;
    let done = if redo { svc::redo(&mut *store, id, if_match) } else { svc::undo(&mut *store, id, if_match) };
    match done {
        Ok(plan) => {
            let v = plan.version;
            let message = if redo {
                zh_en!(lang, ("方案 {id} 已重做，当前版本 v{v}"), ("plan {id}: redone, now at v{v}"))
            } else {
                zh_en!(lang, ("方案 {id} 已撤销，当前版本 v{v}"), ("plan {id}: undone, now at v{v}"))
            };
            report(json, plan, message)
        }
        Err(e) => refusal(e, lang, json),
    }
}

/// Runs one `wangge plan …` command; returns the exit code.
pub fn run(action: PlanAction, lang: Lang) -> Result<i32> {
    match action {
        PlanAction::List { db, json } => {
            let plans = open(&db, lang)?.plans()?;
            if json {
                print_json(&json!({ "plans": plans }))?;
            } else {
                for p in &plans {
                    println!("{}\t{}\tv{}\tr{}\t{}\t{}", p.id, p.status, p.version, p.base_revision, p.author, p.name);
                }
            }
            Ok(0)
        }
        PlanAction::Create { db, name, author, json } => {
            if name.trim().is_empty() {
                bail!("{}", lang.pick("方案名称不能为空", "the plan name is empty"));
            }
            let max = crate::api::plans::MAX_PLAN_NAME_CHARS;
            if name.trim().chars().count() > max {
                refuse!(lang, ("方案名称过长（超过 {max} 个字符）"), ("the plan name is longer than {max} characters"));
            }
            let plan = open(&db, lang)?.create_plan(name.trim(), &cli_author(author))?;
            report(
                json,
                &plan,
                zh_en!(
                    lang,
                    ("已创建方案 {}（基于修订 {}）", plan.id, plan.base_revision),
                    ("created plan {} on revision {}", plan.id, plan.base_revision)
                ),
            )
        }
        PlanAction::Show { db, id, json } => {
            let store = open(&db, lang)?;
            let Some(plan) = store.plan(id)? else { return refusal(PlanError::NotFound(id).into(), lang, json) };
            let edits = store.plan_edits(id)?;
            if json {
                let mut v = json!(plan);
                v["edits"] = Value::Array(edits);
                print_json(&v)?;
            } else {
                println!("{}\t{}\tv{}\t{}\t{}", plan.id, plan.name, plan.version, plan.status, plan.author);
                for (i, e) in edits.iter().enumerate() {
                    println!("  {i}\t{}", e);
                }
            }
            Ok(0)
        }
        PlanAction::Edit { db, id, input, if_match, author, json } => {
            let edits = read_edits(input.as_deref(), lang)?;
            let mut store = open(&db, lang)?;
            outcome(svc::add_edits(&mut *store, id, cli_author(author), &edits, if_match), lang, json, |plan| {
                zh_en!(
                    lang,
                    ("方案 {id} 已添加 {} 项编辑，当前版本 v{}", edits.len(), plan.version),
                    ("plan {id}: {} edit(s) added, now at v{}", edits.len(), plan.version)
                )
            })
        }
        PlanAction::Undo(DraftArgs { db, id, if_match, json }) => step(&db, id, if_match, json, false, lang),
        PlanAction::Redo(DraftArgs { db, id, if_match, json }) => step(&db, id, if_match, json, true, lang),
        PlanAction::Discard(DraftArgs { db, id, if_match, json }) => {
            let mut store = open(&db, lang)?;
            outcome(svc::discard(&mut *store, id, if_match).map(|()| json!({ "discarded": id })), lang, json, |_| {
                zh_en!(lang, ("方案 {id} 已删除"), ("plan {id} discarded"))
            })
        }
        PlanAction::Validate { db, id, rules: file, json } => {
            let config = rules(file.as_deref(), lang)?;
            let store = open(&db, lang)?;
            let findings = match svc::validate_plan(&*store, id, &config) {
                Ok(f) => f,
                Err(e) => return refusal(e, lang, json),
            };
            let (errors, warnings) = tally(&findings);
            if json {
                let list: Vec<Value> = findings.iter().map(|f| f.to_json(lang)).collect();
                print_json(&json!({ "plan": id, "errors": errors, "warnings": warnings, "findings": list }))?;
            } else {
                print_findings(&findings, lang);
                say!(
                    lang,
                    ("方案 {id}：{errors} 个错误、{warnings} 个警告"),
                    ("plan {id}: {errors} error(s), {warnings} warning(s)")
                );
            }
            Ok(if errors > 0 { 1 } else { 0 })
        }
        PlanAction::Diff { db, id, from, to, geojson, json } => {
            let parse = |s: &str| -> Result<StateRef> {
                s.parse().map_err(|bad| {
                    anyhow::anyhow!(
                        "{bad}: {}",
                        lang.pick("应为 published、revision:N 或 plan:N", "expected published, revision:N or plan:N")
                    )
                })
            };
            let (from, to) = match (id, from) {
                (Some(id), _) => (StateRef::Published, StateRef::Plan(id)),
                (None, Some(f)) => (parse(&f)?, parse(to.as_deref().unwrap_or("published"))?),
                (None, None) => bail!(
                    "{}",
                    lang.pick("请给出方案编号，或 --from（和 --to）", "give a plan id, or --from (and --to)")
                ),
            };
            let store = open(&db, lang)?;
            let (d, before, after) = match compare(&*store, from, to) {
                Ok(x) => x,
                Err(e) => return refusal(e, lang, json),
            };
            if let Some(out) = geojson {
                std::fs::write(&out, serde_json::to_string(&changed_geojson(&before, &after))?)
                    .with_context(|| format!("cannot write {}", out.display()))?;
            }
            if json {
                print_json(&json!(d))?;
            } else {
                for c in &d.changed {
                    let area = match (c.area_before_m2, c.area_after_m2) {
                        (Some(b), Some(a)) => format!("{b:.0} → {a:.0} m²"),
                        (None, Some(a)) => format!("{a:.0} m²"),
                        (Some(b), None) => format!("{b:.0} m²"),
                        _ => String::new(),
                    };
                    let keys: Vec<&str> = c.attributes.keys().map(String::as_str).collect();
                    println!("{}\t{}\t{}\t{area}\t{}", c.layer, c.code, c.change, keys.join(","));
                }
                for m in &d.grid_moves {
                    let (f, t) = (m.from.as_deref().unwrap_or("-"), m.to.as_deref().unwrap_or("-"));
                    println!(
                        "{f} → {t}\t{} {}\t{} {}",
                        m.buildings.len(),
                        lang.pick("栋楼", "building(s)"),
                        m.households,
                        lang.pick("户", "household(s)")
                    );
                }
                say!(
                    lang,
                    ("{} 个要素有变化，{} 户改变网格", d.changed.len(), d.households_moved),
                    ("{} feature(s) changed, {} household(s) change grid", d.changed.len(), d.households_moved)
                );
            }
            Ok(0)
        }
        PlanAction::Publish { db, id, message, effective_date, rules: file, author, json } => {
            let config = rules(file.as_deref(), lang)?;
            let date = effective_date.unwrap_or_else(crate::api::history::today);
            let mut store = open(&db, lang)?;
            outcome(
                svc::publish(&mut *store, None, id, cli_author(author), &message, &date, &config),
                lang,
                json,
                |rev| {
                    zh_en!(
                        lang,
                        ("方案 {id} 已发布为修订 {}，{} 起生效", rev.id, rev.effective_date),
                        ("plan {id} published as revision {}, effective {}", rev.id, rev.effective_date)
                    )
                },
            )
        }
        PlanAction::Restore { db, revision, author, json } => {
            let mut store = open(&db, lang)?;
            outcome(svc::restore(&mut *store, revision, cli_author(author)), lang, json, |plan| {
                zh_en!(
                    lang,
                    ("已创建方案 {}，恢复到修订 {revision}", plan.id),
                    ("created plan {} restoring revision {revision}", plan.id)
                )
            })
        }
    }
}

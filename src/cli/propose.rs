//! `wangge propose-grids`: draft plans dividing a community into grids along its roads (issue 17).

use anyhow::{Result, bail};
use serde_json::{Value, json};
use std::path::PathBuf;
use wangge_app::propose::{ProposeError, ProposeRequest, outcome_json, propose_grids};
use wangge_text::zh_en;
use wangge_text::{Lang, Text};

/// The options of `wangge propose-grids`.
#[derive(clap::Args, Debug)]
pub struct ProposeArgs {
    /// 数据库文件 / database file.
    #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
    pub db: PathBuf,
    /// 社区编码 / the community's code.
    #[arg(long)]
    pub community: String,
    /// 每格最少户数（默认取规则配置）/ fewest households per grid (default: the rules configuration).
    #[arg(long)]
    pub min: Option<u64>,
    /// 每格最多户数（默认取规则配置）/ most households per grid (default: the rules configuration).
    #[arg(long)]
    pub max: Option<u64>,
    /// 方案个数 / how many alternatives (1–10), each a draft plan.
    #[arg(long, default_value_t = 3)]
    pub alternatives: usize,
    /// 随机种子（同一种子得到同一方案）/ seed: the same seed gives the same proposals.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// 修复模式：只拆分超限网格、合并不足网格（一个草案）/ repair mode: the smallest change (split the
    /// oversized grids, merge the undersized ones with a neighbour) as one draft plan.
    #[arg(long)]
    pub repair: bool,
    /// 规则配置文件（.toml 或 .json）/ rules configuration, TOML or JSON.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// 方案作者 / plan author (default: the OS user).
    #[arg(long)]
    pub author: Option<String>,
    /// 以 JSON 输出 / print `{"proposals":[…]}` as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command; exit 0 when every plan validates without errors, 1 otherwise.
pub fn run(args: ProposeArgs, lang: Lang) -> Result<i32> {
    if !args.db.exists() {
        bail!("{} {}", lang.pick("数据库不存在：", "database does not exist:"), args.db.display());
    }
    let config = crate::cli::plan::rules(args.rules.as_deref(), lang)?;
    let req = ProposeRequest {
        community: args.community.clone(),
        min: args.min,
        max: args.max,
        alternatives: args.alternatives,
        seed: args.seed,
        repair: args.repair,
    };
    let author = crate::cli::plan::cli_author(args.author);
    let mut store = wangge_store::Store::open(&args.db)?;
    let result = propose_grids(&mut store, &req, &config, author, wangge_text::proposed_grid_name);
    let outcomes = match result {
        Ok(o) => o,
        Err(ProposeError::UnknownCommunity(code)) => {
            bail!("{}", zh_en!(lang, ("没有编码为 {code} 的社区"), ("no community has the code {code}")))
        }
        Err(ProposeError::BadParameter { field, detail, detail_zh }) => {
            let flag = match field {
                "alternatives" => "--alternatives",
                "repair" => "--repair",
                _ => "--min/--max",
            };
            bail!("{flag}: {}", lang.pick(&detail_zh, &detail))
        }
        Err(e) => return Err(e.into()),
    };
    let failed = outcomes.iter().any(|o| o.errors > 0);
    if args.json {
        let proposals: Vec<Value> = outcomes
            .iter()
            .map(|o| {
                let mut v = outcome_json(o);
                let reasons: Vec<String> = o.proposal.infeasible.iter().map(|i| i.message(lang)).collect();
                v["infeasible_text"] = json!(reasons);
                v
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&json!({ "community": args.community, "proposals": proposals }))?);
    } else {
        for o in &outcomes {
            let m = &o.proposal.metrics;
            let (plan, grids, within, errors, warnings) = (o.plan_id, m.grids, m.within_bounds, o.errors, o.warnings);
            let (deviation, compact, on_roads) =
                (m.mean_household_deviation, m.mean_polsby_popper, m.boundary_on_roads_pct);
            say!(
                lang,
                ("方案 {plan}：{grids} 个网格，{within}/{grids} 个在户数范围内，平均户数偏差 {deviation}，平均紧凑度 {compact}，边界沿道路 {on_roads}%，校验错误 {errors}、警告 {warnings}"),
                ("plan {plan}: {grids} grids, {within}/{grids} within bounds, mean household deviation {deviation}, mean Polsby–Popper {compact}, boundary on roads {on_roads}%, validation errors {errors}, warnings {warnings}")
            );
            for g in &o.proposal.grids {
                println!("  {} {} {}", g.code, g.households, (g.polsby_popper * 1000.0).round() / 1000.0);
            }
            for i in &o.proposal.infeasible {
                println!("  ! {}", i.message(lang));
            }
        }
    }
    Ok(if failed { 1 } else { 0 })
}

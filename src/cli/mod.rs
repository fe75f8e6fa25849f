//! The command-line face. Messages are in 简体中文 unless `--lang en` (or `WANGGE_LANG=en`).

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use wangge_app::address::{geocode_json, status};
use wangge_app::import::ImportOptions;
use wangge_app::lookup::{PointIn, lookup_one};
use wangge_core::model::Layer;
use wangge_core::rules::RulesConfig;
use wangge_formats::crs::Crs;
use wangge_formats::geojson::collection_to_json;
use wangge_store::WriteMode;
use wangge_text::Lang;

/// Prints one message on standard output in the user's language:
/// `say!(lang, ("已导出 {n} 个要素"), ("exported {n} features"))`.
macro_rules! say {
    ($lang:expr, $zh:tt, $en:tt $(,)?) => {
        println!("{}", wangge_text::zh_en!($lang, $zh, $en))
    };
}

/// Like `say!`, on standard error: summaries that must not mix with output piped elsewhere.
macro_rules! tell {
    ($lang:expr, $zh:tt, $en:tt $(,)?) => {
        eprintln!("{}", wangge_text::zh_en!($lang, $zh, $en))
    };
}

/// Ends the command with an error message in the user's language (`anyhow::bail!`).
macro_rules! refuse {
    ($lang:expr, $zh:tt, $en:tt $(,)?) => {
        anyhow::bail!("{}", wangge_text::zh_en!($lang, $zh, $en))
    };
}

mod align;
mod common;
pub mod coverage;
pub mod files;
mod geocode;
mod import;
mod lookup;
pub mod plan;
pub mod propose;
mod serve;
mod store;
mod validate;

use common::{open_existing, snapshot_to_ask, write_atomically};
use geocode::{geocode_csv, geocode_xlsx, import_addresses};
use import::import_record;
use lookup::{lookup_csv, lookup_xlsx, print_answer};
use serve::serve;
use validate::validate;

/// 网格 wangge — 城市网格化治理 GIS 服务 / open GIS service for urban grid governance.
#[derive(Debug, Parser)]
#[command(name = "wangge", version, about)]
pub struct Cli {
    /// 消息语言 zh 或 en / message language.
    #[arg(long, global = true, env = "WANGGE_LANG", default_value = "zh")]
    pub lang: Lang,
    /// 日志格式 text 或 json（json：每行一个对象，含请求编号）/ log format: text, or json (one object a
    /// line, with the request id of HTTP requests).
    #[arg(long, global = true, env = "WANGGE_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,
    /// 子命令 / subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines (stderr, filtered by `WANGGE_LOG`, default `warn`) are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// For people.
    #[default]
    Text,
    /// One JSON object a line, for log collectors.
    Json,
}

/// How `import` and `check` read an input file: the options the two commands share.
#[derive(clap::Args, Debug)]
pub struct ReadArgs {
    /// 输入坐标系（默认取 .prj / GeoPackage 声明，否则 wgs84）/ input CRS: wgs84, cgcs2000, gcj02, bd09, EPSG:n (default: what the file declares, else wgs84).
    #[arg(long)]
    pub crs: Option<Crs>,
    /// 写入方式 / how to treat existing features.
    #[arg(long, default_value = "append")]
    pub mode: WriteMode,
    /// 文件格式（默认按扩展名）/ file format: geojson, csv, shp, gpkg (default: from the extension).
    #[arg(long)]
    pub format: Option<wangge_formats::formats::FileFormat>,
    /// Shapefile 属性编码 / text encoding of a Shapefile's .dbf: GBK or UTF-8 (default: .cpg, else detected).
    #[arg(long)]
    pub encoding: Option<String>,
    /// GeoPackage 要素表 / GeoPackage feature table (default: the only one, or the one named like the layer).
    #[arg(long)]
    pub table: Option<String>,
    /// 超出上级范围的容差（米）/ metres a feature may reach outside its parent.
    #[arg(long, default_value_t = 5.0)]
    pub tolerance_m: f64,
    /// 以 JSON 输出问题 / print problems as JSON.
    #[arg(long)]
    pub json: bool,
    /// 修复自相交等无效多边形并报告面积变化 / make invalid polygons valid (even–odd ring union) and report each with its area before and after.
    #[arg(long)]
    pub repair: bool,
}

/// `wangge serve`'s request limits; each one not given keeps its default ([`crate::api::Limits`]).
#[derive(clap::Args, Debug)]
pub struct LimitArgs {
    /// 单个请求体中坐标点上限 / most positions in one request body (edits, OGC writes); more: 413.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_vertices: Option<u64>,
    /// 同时处理的重请求上限 / most heavy requests (writes, validate, batch lookups, export) at once; one more: 503.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_heavy: Option<u64>,
    /// 重请求时限（秒）/ seconds one heavy request may take before it is abandoned with a 503.
    #[arg(long)]
    pub heavy_deadline_s: Option<u64>,
    /// 请求体字节上限 / largest request body in bytes; larger: 413.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_body_bytes: Option<u64>,
    /// 批量查询、地理编码的点数上限 / most points in one batch lookup or geocode request; more: 413.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_batch_points: Option<u64>,
}

impl LimitArgs {
    /// The defaults with the flags given applied.
    pub fn limits(&self) -> crate::api::Limits {
        let d = crate::api::Limits::default();
        let size = |v: Option<u64>, default: usize| v.map_or(default, |n| usize::try_from(n).unwrap_or(usize::MAX));
        crate::api::Limits {
            max_vertices: size(self.max_vertices, d.max_vertices),
            max_heavy: size(self.max_heavy, d.max_heavy),
            heavy_deadline: self.heavy_deadline_s.map_or(d.heavy_deadline, std::time::Duration::from_secs),
            max_body_bytes: size(self.max_body_bytes, d.max_body_bytes),
            max_batch_points: size(self.max_batch_points, d.max_batch_points),
            ..d
        }
    }
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// 启动 HTTP 服务 / run the HTTP service.
    Serve {
        /// 数据库文件 / database file (a GeoPackage).
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 监听地址 / address to listen on.
        #[arg(long, env = "WANGGE_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// 数据库不存在时用 data/ 中的示范城市创建 / create the database from the demo city if missing.
        #[arg(long)]
        demo: bool,
        /// 示范数据目录 / demo data folder.
        #[arg(long, env = "WANGGE_DATA", default_value = "data")]
        data_dir: PathBuf,
        /// 网页目录 / web page folder.
        #[arg(long, env = "WANGGE_WEB", default_value = "web")]
        web_dir: PathBuf,
        /// How much one request may ask of the service.
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// 导入一个图层（GeoJSON 或 CSV），全部成功或全部不写 / import a layer, all or nothing.
    Import {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 图层 / layer: district, street, community, grid, building, service_centre.
        #[arg(long, required_unless_present = "network", conflicts_with = "network")]
        layer: Option<Layer>,
        /// 导入为其他部门的网络（警格、城管网格…），每次导入为新版本 / import as another department's
        /// network (a named overlay partition: code + name, no hierarchy rules), each import a new version.
        #[arg(long)]
        network: Option<String>,
        /// How the input is read.
        #[command(flatten)]
        read: ReadArgs,
        /// 修订作者，默认为系统用户 / revision author (default: the OS user).
        #[arg(long)]
        author: Option<String>,
        /// 生效日期，默认今天（北京时间）/ effective date YYYY-MM-DD (default: today, Beijing time).
        #[arg(long)]
        effective_date: Option<String>,
        /// 为无编码楼栋生成编码：社区编码 + 00001–99999，自北向南、自西向东 / give buildings without a code one:
        /// community code + 00001–99999, rows north→south, west→east within a row (building layer only).
        #[arg(long)]
        generate_codes: bool,
        /// 输入文件 / input file (.geojson, .json, .csv, .shp or .gpkg).
        input: PathBuf,
    },
    /// 多网对照：其他网络与网格/社区/街道的对齐报告 / alignment report between a network and our grids,
    /// communities or streets (pairs, slivers, summary).
    Align {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 网络名称 / the network (as imported with `import --network`).
        #[arg(long)]
        network: String,
        /// 对照层级 / our level: grid, community or street.
        #[arg(long, default_value = "grid")]
        level: String,
        /// 输出文件（.json、.csv、.xlsx、.geojson；默认 JSON 到标准输出）/ output file by extension (default: JSON to stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// 检查文件能否导入（不写入）/ report everything `import` would refuse, without writing.
    Check {
        /// 数据库文件（可选，用于检查上级）/ database file (optional; needed to check parents and stored codes).
        #[arg(long)]
        db: Option<PathBuf>,
        /// 图层 / layer (optional; without it geometry types and parents are not checked).
        #[arg(long)]
        layer: Option<Layer>,
        /// How the input is read.
        #[command(flatten)]
        read: ReadArgs,
        /// 输入文件 / input file.
        input: PathBuf,
    },
    /// 导出一个图层（GeoJSON、CSV、Shapefile、GeoPackage）/ export a layer (GeoJSON, CSV, Shapefile, GeoPackage).
    Export {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 图层 / layer.
        #[arg(long)]
        layer: Layer,
        /// 输出坐标系 / output CRS: wgs84, cgcs2000 or EPSG:n (default wgs84).
        #[arg(long)]
        crs: Option<Crs>,
        /// 文件格式（默认按扩展名）/ file format: geojson, csv, shp, gpkg (default: from the extension).
        #[arg(long)]
        format: Option<wangge_formats::formats::FileFormat>,
        /// Shapefile 属性编码 / text encoding of the .dbf: UTF-8 (default) or GBK.
        #[arg(long)]
        encoding: Option<String>,
        /// 输出文件 / output file.
        output: PathBuf,
    },
    /// 查询坐标所属网格（单点或 CSV 批量）/ find the grid of a point, or of every row of a CSV.
    Lookup {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 经度或东坐标 / longitude or easting.
        #[arg(long, allow_hyphen_values = true, requires = "lat")]
        lon: Option<f64>,
        /// 纬度或北坐标 / latitude or northing.
        #[arg(long, allow_hyphen_values = true, requires = "lon")]
        lat: Option<f64>,
        /// 坐标系 / CRS of the input.
        #[arg(long, default_value = "wgs84")]
        crs: Crs,
        /// 批量输入 CSV（lon,lat[,id][,crs]）/ batch input CSV.
        #[arg(long, conflicts_with_all = ["lon", "lat"])]
        csv: Option<PathBuf>,
        /// 批量输入 Excel（首个工作表，含 lon、lat 列；保留全部原有列，追加网格层级列）/ batch input workbook
        /// (.xlsx, first sheet with lon and lat columns; every column kept, the hierarchy columns added); needs --out.
        #[arg(long, conflicts_with_all = ["lon", "lat", "csv"], requires = "out")]
        xlsx: Option<PathBuf>,
        /// 批量输出（CSV 默认标准输出；Excel 必填）/ batch output: CSV (default stdout) or, with --xlsx, the .xlsx to write.
        #[arg(long)]
        out: Option<PathBuf>,
        /// 以 JSON 输出单点结果 / print the single answer as JSON.
        #[arg(long)]
        json: bool,
    },
    /// 从共享的真实数据重建 data/ 中的示范城市 / rebuild the demo city in data/ from the real sources.
    BuildDemo {
        /// 源数据目录（roads.geojson 等）/ folder with roads.geojson, shenzhen_districts.geojson, shenzhen_divisions.csv.
        #[arg(long, default_value = "../shared/data/futian")]
        from: PathBuf,
        /// 输出目录 / output folder.
        #[arg(long, default_value = "data")]
        out: PathBuf,
    },
    /// 导入步行路网（GeoJSON 或 OSM PBF）/ import the walking network (GeoJSON LineStrings or OSM PBF).
    ImportRoads {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 可步行的 highway 取值，逗号分隔 / walkable highway values, comma-separated (default: footway,path,steps,… not motorway/trunk).
        #[arg(long)]
        walkable: Option<String>,
        /// 输入文件 / input file (.geojson or .osm.pbf).
        input: PathBuf,
    },
    /// 15 分钟服务圈与覆盖缺口 / 15-minute service areas and coverage gaps, per community.
    Coverage {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 设施类型 / facility kind.
        #[arg(long, default_value = wangge_app::coverage::DEFAULT_KIND)]
        kind: String,
        /// 步行分钟数 / minutes of walking (1–60).
        #[arg(long, default_value_t = 15.0)]
        minutes: f64,
        /// 步行速度 km/h / walking speed (1–10).
        #[arg(long, default_value_t = 4.0)]
        speed_kmh: f64,
        /// network（路网等时圈）或 circle（直线圆）/ network isochrones or straight-line circles.
        #[arg(long, default_value = "network", value_parser = ["network", "circle"])]
        mode: String,
        /// 等时圈缓冲距离（米）/ walk-off buffer of isochrone polygons, metres.
        #[arg(long, default_value_t = wangge_core::isochrone::DEFAULT_WALK_OFF_M)]
        walk_off_m: f64,
        /// 输出服务圈与缺口 GeoJSON / write service areas and gaps as GeoJSON.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// 由示范城市的真实道路名生成示意门牌地址 / generate the demo's illustrative addresses from its real road names.
    BuildAddresses {
        /// 示范数据目录 / demo data folder (roads.geojson and the layers).
        #[arg(long, default_value = "data")]
        data_dir: PathBuf,
        /// 输出 CSV / output CSV.
        #[arg(long, default_value = "data/address.csv")]
        out: PathBuf,
    },
    /// 导入地址（CSV 或 OSM PBF），关联楼栋与网格 / import addresses (CSV or OSM PBF), linked to building and grid.
    ImportAddresses {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 输入坐标系 / input CRS (CSV).
        #[arg(long, default_value = "wgs84")]
        crs: Crs,
        /// 写入方式 / how to treat existing addresses.
        #[arg(long, default_value = "upsert")]
        mode: WriteMode,
        /// 输入文件 / input file (.csv or .osm.pbf).
        input: PathBuf,
    },
    /// 地址查询（单条、CSV 或 Excel 批量）/ geocode one address, or every row of a CSV or an .xlsx sheet.
    Geocode {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 地址 / the address.
        #[arg(long)]
        q: Option<String>,
        /// 候选数 / number of candidates.
        #[arg(long, default_value_t = 5)]
        limit: usize,
        /// 批量输入 CSV（address[,id]）/ batch input CSV.
        #[arg(long, conflicts_with = "q")]
        csv: Option<PathBuf>,
        /// 批量输入 Excel（首个工作表，含地址列；保留全部原有列，追加匹配与网格层级列）/ batch input workbook
        /// (.xlsx, first sheet with an address column; every column kept, the match and hierarchy columns added); needs --out.
        #[arg(long, conflicts_with_all = ["q", "csv"], requires = "out")]
        xlsx: Option<PathBuf>,
        /// Excel 中地址列的表头（默认 address、地址、详细地址 或 q）/ header of the workbook's address column
        /// (default: the first of address, 地址, 详细地址, q).
        #[arg(long, requires = "xlsx")]
        address_column: Option<String>,
        /// 批量输出（CSV 默认标准输出；Excel 必填）/ batch output: CSV (default stdout) or, with --xlsx, the .xlsx to write.
        #[arg(long)]
        out: Option<PathBuf>,
        /// 以 JSON 输出 / print JSON.
        #[arg(long)]
        json: bool,
    },
    /// 规划方案：列出、新建、查看、编辑、检查、比较、发布、恢复 / planning: list, create, show, edit,
    /// validate, diff, publish, restore.
    Plan {
        /// 方案操作 / plan action.
        #[command(subcommand)]
        action: crate::cli::plan::PlanAction,
    },
    /// 沿道路自动划分网格，每个备选方案存为一个草案 / propose grids for a community along its roads, one
    /// draft plan per alternative.
    ProposeGrids(crate::cli::propose::ProposeArgs),
    /// API 令牌 / API tokens.
    Token {
        /// 令牌操作 / token action.
        #[command(subcommand)]
        action: TokenAction,
    },
    /// 把数据库结构升级到本版本（打开时也会自动升级）/ bring the database schema to this version
    /// (every open does it too).
    Migrate {
        /// 数据库文件或 postgres:// 地址 / database file or postgres:// URL.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
    },
    /// 复制整个数据库（含修订与历史），GeoPackage 与 PostgreSQL 互转 / copy a whole database with its
    /// revisions and history, between a GeoPackage file and PostgreSQL (either way).
    Copy {
        /// 来源：文件或 postgres:// 地址 / source: file or postgres:// URL.
        #[arg(long)]
        from: PathBuf,
        /// 目标（其内容被替换）/ destination (its contents are replaced).
        #[arg(long)]
        to: PathBuf,
    },
    /// 检查数据库中所有图层的几何与层级 / check geometry and hierarchy of every stored layer.
    Validate {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 超出上级范围的容差（米）/ tolerance in metres (overrides the rules file).
        #[arg(long)]
        tolerance_m: Option<f64>,
        /// 规则配置文件（.toml 或 .json）/ rules configuration, TOML or JSON.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// 以 JSON 输出全部问题 / print every finding as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// What to do with tokens.
#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// 创建令牌（只显示一次，库中只存哈希）/ create a token (shown once; only its hash is stored).
    Create {
        /// 数据库文件 / database file.
        #[arg(long, env = "WANGGE_DB", default_value = "wangge.gpkg")]
        db: PathBuf,
        /// 角色 / role.
        #[arg(long)]
        role: wangge_store::access::Role,
        /// 持有人名称 / holder's name (written to the audit log).
        #[arg(long)]
        name: String,
        /// 负责区域：网格、社区或街道代码，逗号分隔（worker 只能看到区域内的户级数据）/ area: grid,
        /// community or street codes, comma-separated (a worker sees household-level rows only there).
        #[arg(long, value_delimiter = ',')]
        area: Vec<String>,
    },
}

/// Runs the CLI; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let lang = cli.lang;
    match cli.command {
        Command::Serve { db, addr, demo, data_dir, web_dir, limits } => {
            serve(&db, &addr, demo, data_dir, web_dir, limits.limits(), lang)
        }
        Command::Import { db, layer, network, read, author, effective_date, generate_codes, input } => {
            let Some(layer) = layer else {
                let name = network.unwrap_or_default();
                let ReadArgs { crs, mode, format, encoding, table, json, repair, .. } = read;
                let read = wangge_app::files::ReadOptions { crs, encoding, table, layer_hint: Some(name.clone()) };
                let args = align::NetworkImport {
                    db: &db,
                    name: &name,
                    input: &input,
                    format,
                    read,
                    mode,
                    author,
                    json,
                    repair,
                };
                return align::import_network(args, lang);
            };
            if generate_codes && layer != Layer::Building {
                refuse!(
                    lang,
                    ("--generate-codes 只用于楼栋图层（building），不能用于 {}", layer.id()),
                    ("--generate-codes is for the building layer only, not {}", layer.id())
                );
            }
            let record = import_record(layer, read.mode, &input, author, effective_date, lang)?;
            let ReadArgs { crs, mode, format, encoding, table, tolerance_m, json, repair } = read;
            let read = wangge_app::files::ReadOptions { crs, encoding, table, layer_hint: Some(layer.id().into()) };
            let options = ImportOptions { layer, crs: Crs::Wgs84, mode, tolerance_m, generate_codes };
            crate::cli::files::import(&db, &input, format, &read, &options, &record, json, repair, lang)
        }
        Command::Align { db, network, level, out } => align::align(&db, &network, &level, out.as_deref(), lang),
        Command::Check { db, layer, read, input } => {
            let ReadArgs { crs, mode, format, encoding, table, tolerance_m, json, repair } = read;
            let read =
                wangge_app::files::ReadOptions { crs, encoding, table, layer_hint: layer.map(|l| l.id().into()) };
            crate::cli::files::check(db.as_deref(), &input, layer, format, &read, mode, tolerance_m, json, repair, lang)
        }
        Command::Export { db, layer, crs, format, encoding, output } => {
            let format = format.or_else(|| wangge_formats::formats::FileFormat::from_path(&output));
            if crs.is_some() || !matches!(format, None | Some(wangge_formats::formats::FileFormat::GeoJson)) {
                let options = wangge_app::files::ExportOptions {
                    format: format.unwrap_or(wangge_formats::formats::FileFormat::GeoJson),
                    crs: crs.unwrap_or(Crs::Wgs84),
                    encoding,
                };
                return crate::cli::files::export(&db, layer, &output, &options, lang);
            }
            let store = open_existing(&db, lang)?;
            let features = store.load_layer(layer)?;
            let text = serde_json::to_string(&collection_to_json(&features))?;
            write_atomically(&output, text.as_bytes())?;
            say!(
                lang,
                ("已导出 {} 个要素到 {}", features.len(), output.display()),
                ("exported {} features to {}", features.len(), output.display())
            );
            Ok(0)
        }
        Command::Lookup { db, lon, lat, crs, csv, xlsx, out, json } => {
            let snapshot = snapshot_to_ask(&db, csv.is_some() || xlsx.is_some(), out.is_some(), lang)?;
            if let Some(input) = csv {
                return lookup_csv(&snapshot, &input, out.as_deref(), crs, lang);
            }
            if let (Some(input), Some(out)) = (xlsx, out) {
                return lookup_xlsx(&snapshot, &input, &out, crs, lang);
            }
            let (Some(x), Some(y)) = (lon, lat) else {
                bail!("{}", lang.pick("请给出 --lon 和 --lat，或 --csv 文件", "give --lon and --lat, or --csv FILE"));
            };
            let answer =
                lookup_one(&snapshot, &PointIn { id: None, x, y, crs }, lang).map_err(|e| anyhow::anyhow!(e.0))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&answer)?);
            } else {
                print_answer(&answer, lang);
            }
            Ok(if answer["covered"] == true { 0 } else { 3 })
        }
        Command::ImportRoads { db, walkable, input } => {
            crate::cli::coverage::import_roads(&db, &input, walkable.as_deref(), lang)
        }
        Command::Coverage { db, kind, minutes, speed_kmh, mode, walk_off_m, out } => {
            let mode = if mode == "circle" {
                wangge_core::coverage::Mode::Circle
            } else {
                wangge_core::coverage::Mode::Network
            };
            let args = crate::cli::coverage::CoverageArgs {
                db: &db,
                kind: &kind,
                minutes,
                speed_kmh,
                mode,
                walk_off_m,
                out: out.as_deref(),
            };
            crate::cli::coverage::coverage(args, lang)
        }
        Command::BuildAddresses { data_dir, out } => {
            let records = wangge_demo::addresses::demo_addresses(&data_dir)?;
            wangge_demo::addresses::write_csv(&records, &out)?;
            say!(
                lang,
                ("已生成 {} 条示意地址：{}", records.len(), out.display()),
                ("wrote {} illustrative addresses to {}", records.len(), out.display())
            );
            Ok(0)
        }
        Command::ImportAddresses { db, crs, mode, input } => import_addresses(&db, crs, mode, &input, lang),
        Command::Geocode { db, q, limit, csv, xlsx, address_column, out, json } => {
            let snapshot = snapshot_to_ask(&db, csv.is_some() || xlsx.is_some(), out.is_some(), lang)?;
            if let Some(input) = csv {
                return geocode_csv(snapshot.addresses(), &input, out.as_deref(), lang);
            }
            if let (Some(input), Some(out)) = (xlsx, out) {
                return geocode_xlsx(snapshot.addresses(), &input, &out, address_column.as_deref(), lang);
            }
            let Some(q) = q.filter(|q| !q.trim().is_empty()) else {
                bail!("{}", lang.pick("请给出 --q 地址，或 --csv 文件", "give --q ADDRESS, or --csv FILE"));
            };
            if !(1..=100).contains(&limit) {
                bail!("{}", lang.pick("--limit 须在 1 到 100 之间", "--limit must be between 1 and 100"));
            }
            let result = snapshot.addresses().search(&q, limit);
            if json {
                println!("{}", serde_json::to_string_pretty(&geocode_json(&q, &result))?);
            } else {
                for c in &result.candidates {
                    let grid = c.hierarchy.grid.as_ref().map_or("-", |g| &*g.code);
                    let level = serde_json::to_value(c.level)?;
                    println!(
                        "{:.3}\t{}\t{}\t{grid}\t{:.7},{:.7}",
                        c.score,
                        level.as_str().unwrap_or(""),
                        c.address,
                        c.point.x,
                        c.point.y
                    );
                }
            }
            Ok(if status(&result.candidates) == "not_found" { 3 } else { 0 })
        }
        Command::Validate { db, tolerance_m, rules, json } => {
            let mut config = match &rules {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("{} {}", lang.pick("无法读取", "cannot read"), path.display()))?;
                    let toml = path.extension().is_some_and(|e| e == "toml");
                    RulesConfig::parse(&text, toml).with_context(|| path.display().to_string())?
                }
                None => RulesConfig::default(),
            };
            if let Some(t) = tolerance_m {
                config.tolerance_m = t;
            }
            validate(&db, &config, json, lang)
        }
        Command::Plan { action } => crate::cli::plan::run(action, lang),
        Command::Migrate { db } => store::migrate(&db, lang),
        Command::Copy { from, to } => store::copy(&from, &to, lang),
        Command::ProposeGrids(args) => crate::cli::propose::run(args, lang),
        Command::Token { action: TokenAction::Create { db, role, name, area } } => {
            let mut store = open_existing(&db, lang)?;
            let area: Vec<String> = area.iter().map(|a| a.trim().to_string()).filter(|a| !a.is_empty()).collect();
            if let Some(bad) = area.iter().find(|a| !a.bytes().all(|b| b.is_ascii_digit())) {
                refuse!(
                    lang,
                    ("--area 中的 \"{bad}\" 不是区划代码（应为数字）"),
                    ("--area: \"{bad}\" is not a division code (digits expected)")
                );
            }
            println!("{}", store.create_scoped_token(&name, role, &area)?);
            Ok(0)
        }
        Command::BuildDemo { from, out } => {
            std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
            let report = wangge_demo::build(&from, &out)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(0)
        }
    }
}

//! `wangge` binary: parses the command line and hands over to [`wangge::cli`].

use clap::Parser;

fn main() {
    let cli = wangge::cli::Cli::parse();
    let filter = || tracing_subscriber::EnvFilter::try_from_env("WANGGE_LOG").unwrap_or_else(|_| "warn".into());
    // A log line written to a closed stderr is dropped; reporting that with `eprintln!` would
    // panic the thread that logged (the change feed, the audit writer).
    let logs =
        tracing_subscriber::fmt().with_env_filter(filter()).with_writer(std::io::stderr).log_internal_errors(false);
    match cli.log_format {
        wangge::cli::LogFormat::Text => logs.init(),
        wangge::cli::LogFormat::Json => logs.json().with_current_span(true).with_span_list(false).init(),
    }
    let lang = cli.lang;
    match wangge::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("{} {e:#}", lang.pick("错误：", "error:"));
            std::process::exit(2);
        }
    }
}

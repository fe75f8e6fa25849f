//! `wangge` binary: parses the command line and hands over to [`wangge::cli`].

use clap::Parser;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("WANGGE_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        // A log line written to a closed stderr is dropped; reporting that with `eprintln!`
        // would panic the thread that logged (the change feed, the audit writer).
        .log_internal_errors(false)
        .init();
    let cli = wangge::cli::Cli::parse();
    let lang = cli.lang;
    match wangge::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("{} {e:#}", lang.pick("错误：", "error:"));
            std::process::exit(2);
        }
    }
}

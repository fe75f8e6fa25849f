//! `wangge` binary: parses the command line and hands over to [`wangge::cli`].

use clap::Parser;

/// Gives the memory freed by a large request back to the system. glibc keeps freed memory in its
/// per-thread arenas, fragmented by the many small allocations of a batch's JSON answer: one
/// 100,000-point JSON batch left the server 460 MB larger for good. `malloc_trim` returns every
/// free page of every arena. (mimalloc was tried instead: it kept more, not less, when idle.)
/// The call is here, in the binary, because the library forbids `unsafe`.
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own heap under its locks; it takes no pointers of ours.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn main() {
    let cli = wangge::cli::Cli::parse();
    wangge::api::guard::on_heavy_request_end(release_memory);
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

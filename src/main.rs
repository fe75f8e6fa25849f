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

/// Puts every thread's allocations in glibc's one main arena, unless the operator chose otherwise
/// with `MALLOC_ARENA_MAX`. `malloc_trim` gives back the free pages inside each arena but never the
/// free top of a thread's own arena, and glibc's dynamic threshold lets that top grow to 64 MB
/// before a `free` shrinks it: after four 400,000-point JSON batches the server kept 1.9 GB that no
/// request used (15 MB with one arena), and even small batches left 15–35 MB each time. The main
/// arena's top is trimmed by `free` and `malloc_trim` alike. On 2 cores the batches ran as fast
/// either way (the lookups allocate per chunk of rows, not per point); a machine with many cores
/// that prefers per-thread arenas can set `MALLOC_ARENA_MAX`.
///
/// Only for `serve`: a one-shot command gives everything back when it exits, and its threads
/// that pass data to each other (the import checks features on one thread and writes them on
/// another) then fight over the one arena's lock: the 1,000,000-grid import took 20.3 s with
/// one arena and 10.4 s with one per thread.
fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a glibc parameter; it runs before any other thread starts
        // (parsing the command line starts none).
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
}

fn main() {
    let cli = wangge::cli::Cli::parse();
    if matches!(cli.command, wangge::cli::Command::Serve { .. }) {
        one_arena();
    }
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

//! A batch lookup gives its memory back: the resident size of a real `wangge serve` after large
//! batches (CSV streamed, and JSON) stays within a small margin of its size before them, while
//! its peak shows the batches did take memory.

mod common;

use common::{Killed, city_db, serve_process_with};

/// `VmRSS` and `VmHWM` (peak) of process `pid`, in KiB, from `/proc`.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("Linux /proc");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or_else(|| panic!("{name} in /proc/{pid}/status"))
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// RSS of `pid` once it is at most `bound` KiB, or after 3 s (so a `bound` of 0 waits 3 s): memory is handed back just after
/// the request ends (on the blocking pool), not before its last byte reaches the client.
fn settled_rss(pid: u32, bound: u64) -> u64 {
    for _ in 0..30 {
        let (rss, _) = memory_kib(pid);
        if rss <= bound {
            return rss;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    memory_kib(pid).0
}

/// `n` points over the test city and around it, as CSV with ids.
fn points_csv(n: usize) -> String {
    let mut csv = String::from("id,lon,lat\n");
    for i in 0..n {
        let (u, v) = ((i * 7919 % 10007) as f64 / 10007.0, (i * 104_729 % 9973) as f64 / 9973.0);
        csv.push_str(&format!("p{i},{:.6},{:.6}\n", 113.997 + u * 0.022, 22.497 + v * 0.022));
    }
    csv
}

/// POSTs `body` and returns the status and the size of the answer.
fn post(base: &str, path: &str, content_type: &str, body: &str) -> (u16, usize) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut resp =
        agent.post(&format!("{base}{path}")).header("Content-Type", content_type).send(body).expect("POST reaches");
    let status = resp.status().as_u16();
    let answer = resp.body_mut().with_config().limit(1 << 30).read_to_vec().expect("the answer is read whole");
    (status, answer.len())
}

#[test]
fn a_batch_gives_its_memory_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let (child, base, _log) = serve_process_with(&db, &["--max-batch-points", "500000"], &[]);
    let server = Killed(child);
    let pid = server.0.id();
    // A batch of each kind first, large enough for every answering thread, so what any first
    // request starts (the blocking pool's threads and their arenas, lazily built state) is
    // counted in "before", not taken for a batch's memory.
    let small = points_csv(20_000);
    assert_eq!(post(&base, "/api/v1/lookup?format=csv", "text/csv", &small).0, 200);
    assert_eq!(post(&base, "/api/v1/lookup", "text/csv", &small).0, 200);
    // Settled: the warm-up's own memory handed back first.
    let before = settled_rss(pid, 0);
    let big = points_csv(400_000);
    let mut answered = 0;
    for _ in 0..3 {
        let (status, bytes) = post(&base, "/api/v1/lookup?format=csv", "text/csv", &big);
        assert_eq!(status, 200);
        answered = bytes;
    }
    // With glibc's per-thread arenas the server kept 15–35 MB after these batches (their free
    // tops are never trimmed); in one arena, and trimmed once each answer is sent, ≈ 1 MB.
    let margin = 8 * 1024;
    let after_csv = settled_rss(pid, before + margin);
    let (_, peak_csv) = memory_kib(pid);
    let (status, json_bytes) = post(&base, "/api/v1/lookup", "text/csv", &points_csv(100_000));
    assert_eq!(status, 200);
    let after = settled_rss(pid, before + margin);
    let (_, peak) = memory_kib(pid);
    eprintln!(
        "RSS before {before} KiB; after the CSV batches {after_csv} KiB (peak {peak_csv}); after the JSON batch \
         {after} KiB (peak {peak}); answers {answered} B (CSV), {json_bytes} B (JSON)"
    );
    // The batches were large enough to show if they were kept: each answer alone is more than
    // the margin, and the JSON batch took several times the margin while it ran (before memory
    // was handed back, the server stayed ≈ 460 MB larger after it).
    assert!(answered > margin as usize * 1024 && json_bytes > margin as usize * 1024);
    assert!(
        peak > before + 16 * margin,
        "the batches took memory while they ran: peak {peak} KiB, before {before} KiB"
    );
    assert!(after_csv <= before + margin, "RSS {after_csv} KiB after the CSV batches, {before} KiB before");
    assert!(
        after <= before + margin,
        "RSS {after} KiB after the JSON batch, {before} KiB before (margin {margin} KiB)"
    );
}

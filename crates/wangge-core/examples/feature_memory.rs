//! What one served feature costs in memory, part by part, at a national grid layer's scale: the
//! grids of `benches/scale.sh` (code `G…`, name `grid i-j`, parent `C…`, attributes
//! `{"households":N}`, a five-point square), decoded as the store decodes a row (attributes
//! parsed from their JSON text, then [`Feature::compact`]).
//!
//! A counting allocator keeps the bytes asked for and the bytes glibc's malloc spends on them
//! (a chunk is the request plus an 8-byte header, rounded up to 16, at least 32), so the table
//! shows what the allocator really holds, not only `size_of`.
//!
//!     cargo run --release -p wangge-core --example feature_memory [-- GRIDS]

use geo::{Geometry, LineString, Polygon};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use wangge_core::model::Feature;

/// Counts live requested bytes, live malloc chunk bytes and live blocks.
struct Counting;

static ASKED: AtomicUsize = AtomicUsize::new(0);
static CHUNKS: AtomicUsize = AtomicUsize::new(0);
static BLOCKS: AtomicUsize = AtomicUsize::new(0);

/// The bytes glibc's malloc takes for a request of `n` bytes on a 64-bit target.
fn chunk(n: usize) -> usize {
    ((n + 8 + 15) & !15).max(32)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ASKED.fetch_add(layout.size(), Relaxed);
        CHUNKS.fetch_add(chunk(layout.size()), Relaxed);
        BLOCKS.fetch_add(1, Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        ASKED.fetch_sub(layout.size(), Relaxed);
        CHUNKS.fetch_sub(chunk(layout.size()), Relaxed);
        BLOCKS.fetch_sub(1, Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Live (asked, chunk, blocks) now.
fn live() -> [usize; 3] {
    [ASKED.load(Relaxed), CHUNKS.load(Relaxed), BLOCKS.load(Relaxed)]
}

/// Prints the heap `part` holds beyond `before`, per feature and in MB for `n` features.
fn report(part: &str, before: [usize; 3], n: usize) {
    let now = live();
    let d = |i: usize| now[i] - before[i];
    println!(
        "{part:<24} {:>7.1} {:>7.1} {:>7.2} {:>9.1}",
        d(0) as f64 / n as f64,
        d(1) as f64 / n as f64,
        d(2) as f64 / n as f64,
        d(1) as f64 / 1e6
    );
}

fn square(i: usize) -> Geometry<f64> {
    let (x, y) = (114.0 + (i % 1000) as f64 * 1e-3, 22.0 + (i / 1000) as f64 * 1e-3);
    let ring = LineString::from(vec![(x, y), (x + 1e-3, y), (x + 1e-3, y + 1e-3), (x, y + 1e-3), (x, y)]);
    Geometry::Polygon(Polygon::new(ring, vec![]))
}

fn feature(i: usize) -> Feature {
    let code = format!("G{:04}{:04}", i % 1000, i / 1000);
    let name = format!("grid {}-{}", i % 1000, i / 1000);
    let parent = format!("C{:04}{:04}", (i % 1000) / 10, i / 10_000);
    let attrs = serde_json::from_str(&format!("{{\"households\":{}}}", i % 500)).expect("valid JSON");
    let mut f = Feature { code, name, parent_code: Some(parent), attrs, geometry: square(i) };
    f.compact();
    f
}

/// Prints the heap that the part `keep` takes out of each of `n` features holds.
fn heap_of<T>(part: &str, n: usize, keep: impl Fn(Feature) -> T) {
    let mut kept: Vec<T> = Vec::with_capacity(n);
    let before = live();
    kept.extend((0..n).map(|i| keep(feature(i))));
    report(part, before, n);
    std::hint::black_box(kept);
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    println!("{n} grid features; size_of::<Feature>() = {} B", size_of::<Feature>());
    println!("{:<24} {:>7} {:>7} {:>7} {:>9}", "part", "asked/f", "chunk/f", "blocks/f", "chunk MB");
    let fs: Vec<Feature> = (0..n).map(feature).collect();
    drop(fs);
    let start = live();
    let fs: Vec<Feature> = (0..n).map(feature).collect();
    report("whole features", start, n);
    // The parts one at a time, each kept out of features built the same way (the rest dropped).
    heap_of("  code (heap)", n, |f| f.code);
    heap_of("  name (heap)", n, |f| f.name);
    heap_of("  parent_code (heap)", n, |f| f.parent_code);
    heap_of("  attrs (heap)", n, |f| f.attrs);
    heap_of("  geometry (heap)", n, |f| f.geometry);
    println!("coordinates themselves: {:.1} MB", (n * 5 * 16) as f64 / 1e6);
    std::hint::black_box(fs);
}

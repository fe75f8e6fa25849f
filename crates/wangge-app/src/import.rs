//! The import use-case: read a file, convert it to WGS 84, check everything, write all or nothing.

use wangge_core::feature_ref::FeatureRef;
use wangge_core::hierarchy::{HierarchyChecker, HierarchyRules, check_hierarchy};
use wangge_core::model::{Feature, Layer};
use wangge_core::problem::{Problem, Rule};
use wangge_core::snapshot::Snapshot;
use wangge_core::validate::check_geometry;
use wangge_formats::crs::Crs;
use wangge_formats::formats::FileFormat;
use wangge_formats::{geojson, geojson_stream};
use wangge_store::history::LayerWrite;
use wangge_store::plans::{Author, RevisionNote, RevisionRow};
use wangge_store::{Db, Store, StoreError, WriteMode, WriteReport};

/// Everything an import needs besides the data.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// Target layer.
    pub layer: Layer,
    /// The input's coordinate system.
    pub crs: Crs,
    /// Append, replace or upsert.
    pub mode: WriteMode,
    /// Metres a child may reach outside its parent.
    pub tolerance_m: f64,
    /// Give buildings read without a code one ([`wangge_core::numbering::number_buildings`]).
    pub generate_codes: bool,
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input broke rules; every problem is listed.
    #[error("{} problem(s) in the input; nothing was imported", .0.len())]
    Rejected(Vec<Problem>),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks and orders features already read from any format and converted to WGS 84 (by
/// [`crate::files::read_file`] or [`crate::files::parse_text`]); `options.crs` converts them further when it
/// is not WGS 84.
pub fn prepare_parsed(
    parsed: geojson::Parsed,
    options: &ImportOptions,
    current: &Snapshot,
) -> Result<Vec<Feature>, Vec<Problem>> {
    let mut parsed = parsed;
    let mut problems = std::mem::take(&mut parsed.problems);
    if let Err(e) = options.crs.check() {
        problems.push(Problem::new(None, None, Rule::Crs { detail: e.to_string() }));
        return Err(problems);
    }
    let numbered = if options.generate_codes && options.layer == Layer::Building && !parsed.uncoded.is_empty() {
        generate_codes(&mut parsed, &mut problems, options.crs, current)
    } else {
        std::collections::HashSet::new()
    };
    let mut features = Vec::with_capacity(parsed.features.len());
    let mut positions = Vec::with_capacity(parsed.features.len());
    for (i, mut f) in parsed.features {
        match options.crs.geometry_to_wgs84(&f.geometry) {
            // Numbered buildings were converted before their representative points were taken.
            _ if numbered.contains(&i) => {}
            Ok(g) => f.geometry = g,
            Err(e) => {
                problems.push(Problem::new(Some(i), Some(&f.code), Rule::Crs { detail: e.to_string() }));
                continue;
            }
        }
        let mut geometry_problems = check_geometry(options.layer, i, Some(&f.code), &f.geometry);
        // A count that is not a whole number would be stored and then skipped by every rule.
        if let Some((key, found)) = f.normalize_counts() {
            let rule = Rule::NotACount { key: key.to_string(), found: found.to_string() };
            geometry_problems.push(Problem::new(Some(i), Some(&f.code), rule));
        }
        if geometry_problems.is_empty() {
            features.push(f);
            positions.push(i);
        } else {
            problems.extend(geometry_problems);
        }
    }
    let rules =
        HierarchyRules { tolerance_m: options.tolerance_m, existing_codes_conflict: options.mode == WriteMode::Append };
    for mut p in check_hierarchy(options.layer, features.iter().map(FeatureRef::from), current, rules) {
        // The hierarchy check numbers the features it saw; map back to input positions.
        p.index = p.index.map(|k| positions[k]);
        if let Rule::DuplicateCode { first: Some(k) } = &mut p.rule {
            *k = positions[*k];
        }
        problems.push(p);
    }
    if problems.is_empty() {
        Ok(features)
    } else {
        problems.sort_by_key(|p| p.index.unwrap_or(0));
        Err(problems)
    }
}

/// Numbers the buildings of `parsed` read without a code, converted to WGS 84 from `crs` first
/// (see [`wangge_core::numbering`]): the numbered ones join `parsed.features`, and their
/// `missing_property` problems are replaced by the numbering's own. Returns the input positions
/// of the numbered ones, whose geometry is already converted.
fn generate_codes(
    parsed: &mut geojson::Parsed,
    problems: &mut Vec<Problem>,
    crs: Crs,
    current: &Snapshot,
) -> std::collections::HashSet<usize> {
    let mut uncoded = Vec::with_capacity(parsed.uncoded.len());
    let mut failed = Vec::new();
    for (i, mut f) in std::mem::take(&mut parsed.uncoded) {
        match crs.geometry_to_wgs84(&f.geometry) {
            Ok(g) => {
                f.geometry = g;
                uncoded.push((i, f));
            }
            Err(e) => failed.push(Problem::new(Some(i), None, Rule::Crs { detail: e.to_string() })),
        }
    }
    let numbered: std::collections::HashSet<usize> = uncoded.iter().map(|(i, _)| *i).collect();
    problems.retain(|p| {
        !(matches!(&p.rule, Rule::MissingProperty { key } if key == "code")
            && p.index.is_some_and(|i| numbered.contains(&i)))
    });
    let (coded, mut refused) = wangge_core::numbering::number_buildings(uncoded, &parsed.features, current);
    let converted = coded.iter().map(|(i, _)| *i).collect();
    parsed.features.extend(coded);
    parsed.features.sort_by_key(|(i, _)| *i);
    problems.append(&mut refused);
    problems.append(&mut failed);
    converted
}

/// How an import is recorded in the history: who, why, and from which date its features are valid.
#[derive(Debug, Clone)]
pub struct Record {
    /// The author (`--author` or the OS user on the command line).
    pub author: Author,
    /// The revision message, e.g. "import grid from grids.shp (mode upsert, {n} features)";
    /// `{n}` is replaced by the number of features read, known only once the file is parsed.
    pub message: String,
    /// Effective date (YYYY-MM-DD) of the imported features.
    pub effective_date: String,
}

/// What an import wrote, and the revision that records it (none for the initial load of an
/// empty layer before any revision, or when nothing changed).
#[derive(Debug, Clone)]
pub struct Imported {
    /// Rows inserted, updated, deleted.
    pub report: WriteReport,
    /// The revision, when one was recorded.
    pub revision: Option<RevisionRow>,
}

/// Imports `text` (GeoJSON or CSV in `options.crs`) into `store`: everything is written in one transaction,
/// or nothing is. With `record`, the write is a revision (see [`Db::write_layer_recorded`]); without it
/// (building a fresh demo database) the features are written as they are. The same checks as
/// [`import_parsed`], which every file format goes through.
pub fn import(
    store: &mut dyn Db,
    text: &str,
    format: FileFormat,
    options: &ImportOptions,
    record: Option<&Record>,
) -> Result<Imported, ImportError> {
    let parsed = crate::files::parse_text(text, format, options.crs);
    import_parsed(store, parsed, &ImportOptions { crs: Crs::Wgs84, ..*options }, record)
}

/// Imports features already read from a file of any format: all or nothing, every problem at once.
pub fn import_parsed(
    store: &mut dyn Db,
    parsed: geojson::Parsed,
    options: &ImportOptions,
    record: Option<&Record>,
) -> Result<Imported, ImportError> {
    let current = store.load_snapshot()?;
    let features = prepare_parsed(parsed, options, &current).map_err(ImportError::Rejected)?;
    write(store, &features, options, record)
}

fn write(
    store: &mut dyn Db,
    features: &[Feature],
    options: &ImportOptions,
    record: Option<&Record>,
) -> Result<Imported, ImportError> {
    let (report, revision) = match record {
        Some(r) => {
            let write = LayerWrite { layer: options.layer, features, mode: options.mode };
            let message = r.message.replace("{n}", &features.len().to_string());
            store.write_layer_recorded(
                write,
                RevisionNote { author: &r.author, message: &message, date: &r.effective_date },
            )?
        }
        None => (store.write_layer(options.layer, features, options.mode)?, None),
    };
    Ok(Imported { report, revision })
}

/// One feature that `--repair` made valid, with its area before and after (m², WGS 84 ellipsoid).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RepairReport {
    /// Position of the feature in the input (0-based).
    pub index: usize,
    /// Its code.
    pub code: String,
    /// The rules its geometry broke (`self_intersection`, `invalid_rings`).
    pub rules: Vec<&'static str>,
    /// Area as given, m².
    pub area_before_m2: f64,
    /// Area after repair, m².
    pub area_after_m2: f64,
}

/// Repairs, in place, every feature whose only geometry problems are crossing or badly related
/// rings (see [`wangge_core::repair`] for the method); everything else — unclosed rings, bad
/// coordinates, wrong types — is left for the import to refuse. Features must be in WGS 84.
pub fn repair_parsed(parsed: &mut geojson::Parsed, layer: Layer) -> Vec<RepairReport> {
    let mut out = Vec::new();
    for (i, f) in &mut parsed.features {
        let problems = check_geometry(layer, *i, Some(&f.code), &f.geometry);
        let repairable = |p: &Problem| matches!(p.rule, Rule::SelfIntersection { .. } | Rule::InvalidRings { .. });
        if problems.is_empty() || !problems.iter().all(repairable) {
            continue;
        }
        if let Some(r) = wangge_core::repair::repair_area(&f.geometry) {
            let mut rules: Vec<&'static str> = problems.iter().map(|p| p.rule.id()).collect();
            rules.dedup();
            f.geometry = r.geometry;
            out.push(RepairReport {
                index: *i,
                code: f.code.clone(),
                rules,
                area_before_m2: r.area_before_m2,
                area_after_m2: r.area_after_m2,
            });
        }
    }
    out
}

/// Everything an import of `parsed` would refuse, without writing: the checks of
/// [`prepare_parsed`] against `current` (the database's state). Without a database
/// (`current` = `None`) parents cannot be looked up, so `unknown_parent` is not reported; without
/// a layer the geometry type is not checked against one and parents are not checked at all.
pub fn check_parsed(
    parsed: geojson::Parsed,
    layer: Option<Layer>,
    current: Option<&Snapshot>,
    mode: WriteMode,
    tolerance_m: f64,
) -> Vec<Problem> {
    let empty = Snapshot::empty();
    // A building accepts points and areas alike, which is what "no layer" should check.
    let options = ImportOptions {
        layer: layer.unwrap_or(Layer::Building),
        crs: Crs::Wgs84,
        mode,
        tolerance_m,
        generate_codes: false,
    };
    let problems = match prepare_parsed(parsed, &options, current.unwrap_or(&empty)) {
        Ok(_) => Vec::new(),
        Err(p) => p,
    };
    problems
        .into_iter()
        .filter(|p| match &p.rule {
            Rule::UnknownParent { .. } => current.is_some() && layer.is_some(),
            Rule::MissingProperty { key } if key == "parent_code" => layer.is_some(),
            _ => true,
        })
        .collect()
}

/// Imports the GeoJSON document `text` (in `options.crs`) reading, checking and writing one
/// feature at a time, so a layer of a million features needs memory for the codes seen and the
/// parent layers, not for the layer: every check and message of [`import`], all or nothing.
///
/// When the write needs no revision (no `record`, or the first load of an empty layer before any
/// revision, as in [`Store::write_layer_recorded`]) each feature is written as soon as it passes,
/// inside one transaction that is committed only when the whole input passed; otherwise the
/// features are gathered and written by the recorded path, which diffs the layer. Numbering
/// buildings (`generate_codes`) needs every building at once and takes the path of [`import`].
pub fn import_geojson(
    store: &mut Store,
    text: &str,
    options: &ImportOptions,
    record: Option<&Record>,
) -> Result<Imported, ImportError> {
    if (options.generate_codes && options.layer == Layer::Building) || options.crs.check().is_err() {
        return import(store, text, FileFormat::GeoJson, options, record);
    }
    let current = store.load_snapshot()?;
    let direct = record.is_none() || (store.current_revision()? == 0 && current.layer(options.layer).is_empty());
    if direct {
        let mut writer = store.layer_writer(options.layer, options.mode)?;
        stream_to_writer(text, options, &current, &mut |f| writer.write(f))?;
        return Ok(Imported { report: writer.commit()?, revision: None });
    }
    let mut gathered = Vec::new();
    stream_checked(text, options, &current, &mut |f| {
        gathered.push(f);
        Ok(())
    })?;
    write(store, &gathered, options, record)
}

/// Features handed from the checking thread to the writing one at a time: enough to keep the
/// channel's cost out of the profile, few enough that memory stays a few megabytes.
const HANDOFF: usize = 512;

/// [`stream_checked`] on a thread of its own while `write` stores what passed on this one.
///
/// Why two threads: reading and checking a feature (JSON, geometry, hierarchy) and writing it
/// (WKB, SQLite's B-trees, the page cache) cost about the same, and each was waiting on the other
/// on a machine with cores to spare. The channel is bounded, so memory stays that of a few
/// batches whatever the file's size; the order of the features, the checks and the all-or-nothing
/// commit are the single-threaded path's.
fn stream_to_writer(
    text: &str,
    options: &ImportOptions,
    current: &Snapshot,
    write: &mut dyn FnMut(&Feature) -> Result<(), StoreError>,
) -> Result<(), ImportError> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Feature>>(4);
    std::thread::scope(|scope| {
        let checking = scope.spawn(move || {
            let mut batch = Vec::with_capacity(HANDOFF);
            // A closed channel means the writer failed; its error is the one reported, so the
            // checker only needs to stop handing features over.
            let mut open = true;
            let checked = stream_checked(text, options, current, &mut |f| {
                batch.push(f);
                if batch.len() == HANDOFF && open {
                    open = tx.send(std::mem::replace(&mut batch, Vec::with_capacity(HANDOFF))).is_ok();
                }
                Ok(())
            });
            if checked.is_ok() && open && !batch.is_empty() {
                let _ = tx.send(batch);
            }
            checked
        });
        let mut written = Ok(());
        for batch in rx.iter() {
            if let Err(e) = batch.iter().try_for_each(&mut *write) {
                written = Err(e);
                break;
            }
        }
        // Dropping the receiver (when the loop broke) lets a checker blocked on a full channel go on.
        drop(rx);
        let checked = checking.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        written?;
        checked
    })
}

/// Reads and checks `text` one feature at a time, handing each feature that passed to `sink`
/// while nothing has been refused; `Err` when anything was (every problem, in input order) or
/// when `sink` failed.
fn stream_checked(
    text: &str,
    options: &ImportOptions,
    current: &Snapshot,
    sink: &mut dyn FnMut(Feature) -> Result<(), StoreError>,
) -> Result<(), ImportError> {
    let rules =
        HierarchyRules { tolerance_m: options.tolerance_m, existing_codes_conflict: options.mode == WriteMode::Append };
    let mut checker = HierarchyChecker::new(options.layer, current, rules);
    let mut problems = Vec::new();
    let mut failed: Option<StoreError> = None;
    let read = geojson_stream::for_each_feature(text.as_bytes(), &mut |i, item| {
        let Some(f) = checked_feature(i, item, options, &mut checker, &mut problems) else { return };
        // Once anything is refused nothing will be committed, so nothing more is written.
        if problems.is_empty() && failed.is_none() {
            failed = sink(f).err();
        }
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    if let Err(p) = read {
        return Err(ImportError::Rejected(vec![p]));
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.index.unwrap_or(0));
        return Err(ImportError::Rejected(problems));
    }
    Ok(())
}

/// One element of a streamed import through the checks of [`prepare_parsed`], in their order:
/// reading, the coordinate system, the geometry and counts, then the hierarchy. Returns the
/// feature when it passed; its problems go to `problems`.
fn checked_feature(
    i: usize,
    item: geojson_stream::Item,
    options: &ImportOptions,
    checker: &mut HierarchyChecker<'_>,
    problems: &mut Vec<Problem>,
) -> Option<Feature> {
    let mut f = match item {
        Ok(f) => f,
        Err(mut p) => {
            problems.append(&mut p);
            return None;
        }
    };
    let coded = !f.code.is_empty();
    if !coded {
        problems.push(Problem::new(Some(i), None, Rule::MissingProperty { key: "code".into() }));
    }
    if !options.crs.is_wgs84() {
        match options.crs.geometry_to_wgs84(&f.geometry) {
            Ok(g) => f.geometry = g,
            Err(e) => {
                let code = coded.then_some(f.code.as_str());
                problems.push(Problem::new(Some(i), code, Rule::Crs { detail: e.to_string() }));
                return None;
            }
        }
    }
    if !coded {
        return None;
    }
    let mut geometry_problems = check_geometry(options.layer, i, Some(&f.code), &f.geometry);
    if let Some((key, found)) = f.normalize_counts() {
        let rule = Rule::NotACount { key: key.to_string(), found: found.to_string() };
        geometry_problems.push(Problem::new(Some(i), Some(&f.code), rule));
    }
    if !geometry_problems.is_empty() {
        problems.extend(geometry_problems);
        return None;
    }
    let before = problems.len();
    checker.check(i, FeatureRef::from(&f), problems);
    (problems.len() == before).then_some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A district layer of `n` unit squares in a row, as GeoJSON.
    fn districts(n: usize) -> String {
        let features: Vec<String> = (0..n)
            .map(|i| {
                let x = 100.0 + i as f64 * 0.001;
                format!(
                    r#"{{"type":"Feature","properties":{{"code":"D{i:06}","name":"d{i}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},20],[{x1},20],[{x1},20.001],[{x},20.001],[{x},20]]]}}}}"#,
                    x1 = x + 0.001
                )
            })
            .collect();
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
    }

    fn options() -> ImportOptions {
        ImportOptions {
            layer: Layer::District,
            crs: Crs::Wgs84,
            mode: WriteMode::Replace,
            tolerance_m: 5.0,
            generate_codes: false,
        }
    }

    #[test]
    fn the_writer_gets_every_feature_in_input_order() {
        let text = districts(3 * HANDOFF + 7);
        let mut codes = Vec::new();
        stream_to_writer(&text, &options(), &Snapshot::empty(), &mut |f| {
            codes.push(f.code.clone());
            Ok(())
        })
        .unwrap();
        let want: Vec<String> = (0..3 * HANDOFF + 7).map(|i| format!("D{i:06}")).collect();
        assert_eq!(codes, want);
    }

    #[test]
    fn a_failing_write_is_the_error_and_the_checker_does_not_wait_forever() {
        // Far more batches than the channel holds: the checker would block on a full channel if
        // the writer's failure did not close it.
        let text = districts(20 * HANDOFF);
        let mut written = 0;
        let result = stream_to_writer(&text, &options(), &Snapshot::empty(), &mut |_| {
            written += 1;
            if written == HANDOFF + 3 {
                return Err(StoreError::Database { location: "test".into(), detail: "disk full".into() });
            }
            Ok(())
        });
        match result {
            Err(ImportError::Store(StoreError::Database { detail, .. })) => assert_eq!(detail, "disk full"),
            other => panic!("expected the writer's error, got {other:?}"),
        }
        assert_eq!(written, HANDOFF + 3, "nothing written after the failure");
    }

    #[test]
    fn a_refused_feature_is_reported_even_with_the_writer_on_another_thread() {
        let mut text = districts(2 * HANDOFF);
        // The last feature loses its code.
        let last = format!("\"code\":\"D{:06}\",", 2 * HANDOFF - 1);
        text = text.replace(&last, "");
        let result = stream_to_writer(&text, &options(), &Snapshot::empty(), &mut |_| Ok(()));
        match result {
            Err(ImportError::Rejected(problems)) => {
                assert_eq!(problems.len(), 1);
                assert_eq!(problems[0].index, Some(2 * HANDOFF - 1));
            }
            other => panic!("expected the missing code to be named, got {other:?}"),
        }
    }
}

//! Who sees household-level rows (PIPL Art. 51, domain.md §7): planners and admins everything;
//! workers the rooms of addresses inside their area (grid, community or street codes); viewers and
//! anonymous callers addresses cut at building or unit level, flagged `"redacted": true`.
//! The faces audit every answer that returned room-level rows, with the count this returns.

use serde_json::Value;
use wangge_core::address::redact::room_level;
use wangge_store::access::{Role, TokenHolder};

/// Attributes that are a person's contact (PIPL personal information): shown to workers, planners
/// and admins, left out for viewers and anonymous callers, and never put in public vector tiles.
pub use wangge_core::model::CONTACT_ATTRS;

/// Whether `holder` may see contact attributes (a grid worker's phone number): workers and up.
pub fn may_see_contacts(holder: Option<&TokenHolder>) -> bool {
    holder.is_some_and(|h| h.role >= Role::Worker)
}

/// Leaves the contact attributes out of `features` (a layer written to a file for download)
/// unless `holder` may see them; returns how many values were removed.
pub fn filter_feature_contacts(features: &mut [wangge_core::model::Feature], holder: Option<&TokenHolder>) -> usize {
    if may_see_contacts(holder) {
        return 0;
    }
    let removed = features.iter_mut().map(|f| CONTACT_ATTRS.iter().filter(|k| f.attrs.remove(k).is_some()).count());
    removed.sum()
}

/// Removes every contact attribute anywhere in `v` (a feature, a collection, a lookup answer)
/// unless `holder` may see them; returns how many values were removed.
pub fn filter_contacts(v: &mut Value, holder: Option<&TokenHolder>) -> usize {
    if may_see_contacts(holder) {
        return 0;
    }
    strip_contacts(v)
}

fn strip_contacts(v: &mut Value) -> usize {
    match v {
        Value::Object(m) => {
            let mut n = 0;
            for k in CONTACT_ATTRS {
                n += usize::from(m.remove(*k).is_some());
            }
            n + m.values_mut().map(strip_contacts).sum::<usize>()
        }
        Value::Array(a) => a.iter_mut().map(strip_contacts).sum(),
        _ => 0,
    }
}

/// Whether `holder` may see the room-level address of something in `grid`.
pub fn may_see_rooms(holder: Option<&TokenHolder>, grid: Option<&str>) -> bool {
    match holder {
        Some(h) if h.role >= Role::Planner => true,
        Some(h) if h.role == Role::Worker => grid.is_some_and(|g| h.covers_grid(g)),
        _ => false,
    }
}

/// Cuts the room from every candidate of a geocode or reverse answer the caller may not see in
/// full; returns how many room-level rows were left in full (to audit).
pub fn filter_candidates(answer: &mut Value, holder: Option<&TokenHolder>) -> usize {
    let Some(list) = answer.get_mut("candidates").and_then(Value::as_array_mut) else { return 0 };
    let mut shown = 0;
    for c in list {
        let Some(cut) = c.get("address").and_then(Value::as_str).and_then(room_level) else { continue };
        let grid = c.pointer("/grid/code").and_then(Value::as_str);
        if may_see_rooms(holder, grid) {
            shown += 1;
        } else {
            c["address"] = Value::String(cut);
            c["redacted"] = Value::Bool(true);
        }
    }
    shown
}

/// The same for batch CSV rows: `address` and `grid` are the column positions.
pub fn filter_rows(rows: &mut [Vec<String>], address: usize, grid: usize, holder: Option<&TokenHolder>) -> usize {
    let mut shown = 0;
    for r in rows {
        let Some(cut) = r.get(address).and_then(|a| room_level(a)) else { continue };
        if may_see_rooms(holder, r.get(grid).map(String::as_str).filter(|g| !g.is_empty())) {
            shown += 1;
        } else {
            r[address] = cut;
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn holder(role: Role, area: &[&str]) -> TokenHolder {
        TokenHolder { name: "x".into(), role, area: area.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn phone_numbers_for_workers_and_up_only() {
        let answer = json!({"grid": {"code": "1", "worker_name": "张三", "worker_phone": "13800000000"},
                            "features": [{"properties": {"worker_phone": "1"}}]});
        let run = |h: Option<&TokenHolder>| {
            let mut a = answer.clone();
            (filter_contacts(&mut a, h), a)
        };
        let (n, a) = run(None);
        assert_eq!(n, 2);
        assert!(
            a["grid"].get("worker_phone").is_none() && a["features"][0]["properties"].get("worker_phone").is_none()
        );
        assert_eq!(a["grid"]["worker_name"], "张三", "a name is the grid's public contact point");
        assert_eq!(run(Some(&holder(Role::Viewer, &[]))).0, 2);
        assert_eq!(run(Some(&holder(Role::Worker, &[]))).0, 0);
        assert_eq!(run(Some(&holder(Role::Planner, &[]))).0, 0);
    }

    #[test]
    fn each_role_sees_what_it_is_entitled_to() {
        let answer = json!({"candidates": [
            {"address": "景田花园3栋2单元502室", "grid": {"code": "440304006009001"}},
            {"address": "景田花园3栋2单元502室", "grid": {"code": "440304006011001"}},
            {"address": "一号路1号", "grid": {"code": "440304006009001"}},
        ]});
        let run = |h: Option<&TokenHolder>| {
            let mut a = answer.clone();
            (filter_candidates(&mut a, h), a)
        };
        let (n, a) = run(None);
        assert_eq!(n, 0);
        assert_eq!(a["candidates"][0]["address"], "景田花园3栋2单元");
        assert_eq!(a["candidates"][0]["redacted"], true);
        assert!(a["candidates"][2].get("redacted").is_none());
        assert_eq!(run(Some(&holder(Role::Viewer, &["440304006"]))).0, 0);
        // A worker of community 440304006009 sees the room in their grid, not in the other community.
        let (n, a) = run(Some(&holder(Role::Worker, &["440304006009"])));
        assert_eq!(n, 1);
        assert_eq!(a["candidates"][0]["address"], "景田花园3栋2单元502室");
        assert_eq!(a["candidates"][1]["redacted"], true);
        assert_eq!(run(Some(&holder(Role::Worker, &[]))).0, 0);
        assert_eq!(run(Some(&holder(Role::Planner, &[]))).0, 2);
    }
}

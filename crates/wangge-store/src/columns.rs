//! The common attributes a GIS user filters, styles and edits by, as real typed columns of every
//! layer table in both stores: `name`, `parent_code`, `households` and `residents` from the
//! start, and the text attributes [`TEXT_COLUMNS`] (`kind`, the grid type; `worker`, the grid
//! worker's public name; `facility`, a service centre's type) added here. The JSON `attributes`
//! column stays the source of every attribute — export is lossless from it — and each write path
//! copies these out of it in the same statement (see `sqlite::row_sql` and the PostgreSQL
//! store's `write_row`); a text column holds the attribute when it is a string and is NULL
//! otherwise. Contact details (`worker_phone`) stay in the JSON only: personal data is not put
//! where every GIS client shows it.
//!
//! A GIS user who edits one of these columns in QGIS edits the feature: the outside-edit
//! detection ([`crate::external`]) reads the columns back over the JSON.

use rusqlite::Transaction;
use serde_json::Value;
use wangge_core::model::{Attrs, Feature, Layer};

/// The text attributes kept as columns, in column order.
pub const TEXT_COLUMNS: [&str; 3] = ["kind", "worker", "facility"];

/// The value of text column `key` for `f`: the attribute when it is a string.
pub fn text_attr<'a>(f: &'a Feature, key: &str) -> Option<&'a str> {
    f.attrs.get(key).and_then(Value::as_str)
}

/// Makes `attrs` agree with the text columns as read back from a row: a column value that
/// differs from the attribute replaces it, and a NULL column clears a string attribute (the
/// column was emptied); a non-string attribute under a NULL column is left alone (it never had
/// a column value).
pub fn apply_text_columns(attrs: &mut Attrs, columns: [Option<String>; 3]) {
    for (key, column) in TEXT_COLUMNS.iter().zip(columns) {
        match column {
            Some(v) if attrs.get(key).and_then(Value::as_str) != Some(v.as_str()) => {
                attrs.insert((*key).to_string(), Value::from(v));
            }
            None if attrs.get(key).is_some_and(Value::is_string) => {
                attrs.remove(key);
            }
            _ => {}
        }
    }
}

/// Adds the text columns to layer tables made before they existed and fills them from the
/// attribute JSON, inside the open transaction `tx`, marked as wangge's own write so the
/// outside-edit triggers do not take the backfill for another program's edit (idempotent; run by
/// every open).
pub(crate) fn init(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    for layer in Layer::ALL {
        let table = layer.id();
        let mut added = false;
        for column in TEXT_COLUMNS {
            let present: i64 = tx.query_row(
                &format!("SELECT count(*) FROM pragma_table_info('{table}') WHERE name = ?1"),
                [column],
                |r| r.get(0),
            )?;
            if present == 0 {
                tx.execute_batch(&format!("ALTER TABLE \"{table}\" ADD COLUMN {column} TEXT"))?;
                added = true;
            }
        }
        if added {
            super::external::mark_own_write(tx, true)?;
            let sets: Vec<String> = TEXT_COLUMNS
                .iter()
                .map(|c| {
                    format!("{c} = CASE WHEN json_type(attributes, '$.{c}') = 'text' THEN json_extract(attributes, '$.{c}') END")
                })
                .collect();
            tx.execute_batch(&format!("UPDATE \"{table}\" SET {} WHERE json_valid(attributes)", sets.join(", ")))?;
            super::external::mark_own_write(tx, false)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_win_and_a_cleared_column_clears_only_a_string() {
        let mut attrs: Attrs = serde_json::from_value(json!({"kind": "综合", "worker": "甲", "facility": 3})).unwrap();
        apply_text_columns(&mut attrs, [Some("专属".into()), None, None]);
        assert_eq!(Value::from(attrs), json!({"kind": "专属", "facility": 3}));
    }
}

//! Features valid at some moment of a date interval (OGC API `datetime`), from the feature
//! history. An instant is the interval [d, d]; a version is valid on day d when
//! `valid_from <= d < valid_to`, the rule [`super::history::AsOf::Date`] uses, so an instant gives
//! the same answer as `lookup?at=`.

use super::sqlite::{Store, StoreError};
use rusqlite::params;
use std::collections::{BTreeMap, HashSet};
use wangge_core::model::{Attrs, Feature, Layer};
use wangge_formats::gpkg;

/// The days from `from` to `to` (`None`: open at that end), as an OGC API `datetime` interval
/// names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateSpan<'a> {
    /// The first day (`YYYY-MM-DD`).
    pub from: Option<&'a str>,
    /// The last day.
    pub to: Option<&'a str>,
}

impl Store {
    /// The features of `layer` valid at some day of `span`, in code order; when a feature had
    /// several versions in the span, the latest one.
    pub fn layer_valid_between(&self, layer: Layer, span: DateSpan<'_>) -> Result<Vec<Feature>, StoreError> {
        let DateSpan { from, to } = span;
        let mut with_history = HashSet::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT DISTINCT code FROM wangge_feature_history WHERE layer = ?1")
                .map_err(|e| self.wrap(e))?;
            let rows = stmt.query_map([layer.id()], |r| r.get::<_, String>(0)).map_err(|e| self.wrap(e))?;
            for r in rows {
                with_history.insert(r.map_err(|e| self.wrap(e))?);
            }
        }
        // Never changed by a plan: valid since ever and still valid.
        let mut out: BTreeMap<String, Feature> = self
            .load_layer(layer)?
            .into_iter()
            .filter(|f| !with_history.contains(&f.code))
            .map(|f| (f.code.clone(), f))
            .collect();
        let sql = "SELECT code, name, parent_code, attributes, geom FROM wangge_feature_history
                   WHERE layer = ?1 AND (?3 IS NULL OR valid_from IS NULL OR valid_from <= ?3)
                     AND (?2 IS NULL OR valid_to IS NULL OR valid_to > ?2)
                   ORDER BY COALESCE(valid_from, ''), id";
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.wrap(e))?;
        let rows =
            stmt.query_map(params![layer.id(), from, to], crate::sqlite::feature_columns).map_err(|e| self.wrap(e))?;
        for row in rows {
            let (code, name, parent_code, attrs, blob) = row.map_err(|e| self.wrap(e))?;
            let corrupt =
                |detail: String| StoreError::Corrupt { path: self.path.clone(), layer, code: code.clone(), detail };
            let geometry = gpkg::decode(&blob).map_err(|e| corrupt(e.to_string()))?;
            let attrs: Attrs = serde_json::from_str(&attrs).map_err(|e| corrupt(e.to_string()))?;
            // Ordered by valid_from, so a later version replaces an earlier one.
            out.insert(code.clone(), Feature { code, name, parent_code, attrs, geometry });
        }
        Ok(out.into_values().collect())
    }
}

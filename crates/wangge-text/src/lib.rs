//! The text people read: 简体中文 and English catalogs for every message the core returns, and the
//! [`Lang`] a face asks for.
//!
//! The core returns values — a [`Finding`]'s [`Message`], a [`Problem`]'s [`Rule`], an
//! [`EditError`], a [`TileIdError`], a [`FilterError`] — each a typed enum whose variant is the key
//! (each has a stable `key()` / `id()`) and whose fields are the named values. This crate turns
//! them into text, at the faces (CLI, HTTP), as `web/js/i18n.js` does for the page.
//!
//! Design: one [`Catalog`] trait with one method per kind of value, implemented once
//! (`messages.rs`) for both languages: each method is a single `match` on the value whose arms hold
//! the 简体中文 and the English text side by side. Matching on the core's typed enums instead of
//! looking strings up by key means a message added to the core, or a value it gains, breaks the
//! build until it is rendered, and an arm cannot carry one language without the other: no key can
//! be missing from a language, and no argument can be misspelt. The faces use the extension traits [`Text`],
//! [`Label`] and [`FindingJson`], whose method names (`message`, `label`, `to_json`) are those the
//! core types had when they rendered themselves.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod lang;
mod messages;

#[cfg(test)]
mod tests;

pub use lang::Lang;

use serde_json::Value;
use wangge_core::address::columns::GeocodeColumn;
use wangge_core::edit::{EditError, EditProblem};
use wangge_core::filter::FilterError;
use wangge_core::model::Layer;
use wangge_core::problem::{Problem, Rule};
use wangge_core::propose::engine::Infeasible;
use wangge_core::rules::{Finding, Message, Severity};
use wangge_core::tiles::TileIdError;

/// One language's text for every kind of core value. Each method renders one value; the faces
/// reach them through [`Text`], [`Label`] and [`FindingJson`].
pub trait Catalog: Sync {
    /// A layer's name, e.g. 网格 / grid.
    fn layer(&self, layer: Layer) -> &'static str;
    /// A severity's word, e.g. 错误 / error.
    fn severity(&self, severity: Severity) -> &'static str;
    /// Who a problem is about (feature number and code), e.g. `要素 #3（编码 …）`.
    fn problem_subject(&self, index: Option<usize>, code: Option<&str>) -> String;
    /// What rule a problem breaks, with its particulars.
    fn rule(&self, rule: &Rule) -> String;
    /// The separator between a problem's subject and its rule (`：` / `: `).
    fn colon(&self) -> &'static str;
    /// A rule finding's text, without its source; a wrapped problem is `[rule id] problem`, so a
    /// reader can tell which geometry or hierarchy check failed.
    fn finding(&self, message: &Message) -> String;
    /// A finding's text followed by the rule's source.
    fn with_source(&self, text: &str, source: &str) -> String;
    /// Why an edit's shape operation cannot be done.
    fn edit_problem(&self, problem: &EditProblem) -> String;
    /// A missing or already existing feature code in an edit.
    fn edit_error(&self, error: &EditError) -> String;
    /// A tile address that is not valid.
    fn tile(&self, error: &TileIdError) -> String;
    /// A CQL2 filter that cannot be read.
    fn filter(&self, error: &FilterError) -> String;
    /// The header of a geocode batch's answer column in a user's sheet, e.g. 匹配地址 /
    /// `matched_address` (in English the column's key, so scripts can rely on it).
    fn geocode_column(&self, column: GeocodeColumn) -> &'static str;
    /// Why a proposed grid is out of the household bounds.
    fn infeasible(&self, reason: &Infeasible) -> String;
}

/// The catalog for `lang`.
pub fn catalog(lang: Lang) -> &'static dyn Catalog {
    match lang {
        Lang::Zh => &messages::ZH,
        Lang::En => &messages::EN,
    }
}

/// A core value that renders as a message in a language.
pub trait Text {
    /// The message in `lang`.
    fn message(&self, lang: Lang) -> String;
}

impl Text for Infeasible {
    /// e.g. `网格 440304006011002：楼栋 … 有 800 户，超过每格上限 500 户`.
    fn message(&self, lang: Lang) -> String {
        catalog(lang).infeasible(self)
    }
}

impl Text for Problem {
    /// One line, e.g. `要素 #3（编码 440304006009001）：第 0 个环未闭合（首尾坐标不同）`.
    fn message(&self, lang: Lang) -> String {
        let c = catalog(lang);
        format!("{}{}{}", c.problem_subject(self.index, self.code.as_deref()), c.colon(), c.rule(&self.rule))
    }
}

impl Text for Finding {
    /// The finding's text followed by the rule's source.
    fn message(&self, lang: Lang) -> String {
        let c = catalog(lang);
        c.with_source(&c.finding(&self.message), self.source)
    }
}

impl Text for EditProblem {
    fn message(&self, lang: Lang) -> String {
        catalog(lang).edit_problem(self)
    }
}

impl Text for EditError {
    fn message(&self, lang: Lang) -> String {
        match self {
            EditError::Invalid(p) => p.message(lang),
            e => catalog(lang).edit_error(e),
        }
    }
}

impl Text for TileIdError {
    fn message(&self, lang: Lang) -> String {
        catalog(lang).tile(self)
    }
}

impl Text for FilterError {
    fn message(&self, lang: Lang) -> String {
        catalog(lang).filter(self)
    }
}

/// A core value with a short name people read.
pub trait Label {
    /// The name in `lang`.
    fn label(self, lang: Lang) -> &'static str;
}

impl Label for Layer {
    fn label(self, lang: Lang) -> &'static str {
        catalog(lang).layer(self)
    }
}

impl Label for Severity {
    fn label(self, lang: Lang) -> &'static str {
        catalog(lang).severity(self)
    }
}

/// A finding as the JSON the faces return.
pub trait FindingJson {
    /// The finding as JSON with its `message` in `lang`; `geometry` is GeoJSON when present.
    fn to_json(&self, lang: Lang) -> Value;
}

impl FindingJson for Finding {
    fn to_json(&self, lang: Lang) -> Value {
        self.to_json_with(self.message(lang))
    }
}

/// The name of the second piece of a split feature: the original name marked 「（拆分）」. A stored
/// name is data, not a message, so it is the same whatever language the request asked for (the
/// users' language); it lives here so the core holds no words. Pass it to
/// [`wangge_core::edit::Draft::from_snapshot`].
pub fn split_piece_name(original: &str) -> String {
    format!("{original}（拆分）")
}

/// The name of a proposed grid whose code is new: 「{community}第{seq}网格」, as the demo city names its
/// grids. Data, not a message (see [`split_piece_name`]).
pub fn proposed_grid_name(community: &str, seq: usize) -> String {
    format!("{community}第{seq}网格")
}

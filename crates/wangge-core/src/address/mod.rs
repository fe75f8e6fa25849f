//! Addresses (GB/T 37149-2018): normalisation, parsing into levels, the gazetteer with its fuzzy
//! search, and reverse lookup. Pure: the records come in from the store or an importer.
//!
//! Coordinates are WGS 84 longitude/latitude; distances are metres.

mod builder;
pub mod columns;
pub mod divisions;
pub mod gazetteer;
pub mod normalize;
pub mod parse;
mod places;
pub mod record;
pub mod redact;
pub mod reverse;
pub mod search;
pub mod suggest;

pub use gazetteer::Gazetteer;
pub use record::AddressRecord;
pub use search::{Candidate, MatchLevel, SearchResult};
pub use suggest::Suggestion;

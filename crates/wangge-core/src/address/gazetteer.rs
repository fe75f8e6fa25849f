//! The gazetteer: every address with its place in the hierarchy, and an index of names for search.
//!
//! Built by [`Gazetteer::build`] (in `builder.rs`). Index design: every name (road, estate, community, street, district, city, province) is stored
//! once, normalised, as a key of an `fst::Map` (a finite-state transducer, BurntSushi's `fst`). It
//! answers the longest known name at a position of the query (walking the automaton byte by byte)
//! and the names that start with a partial input. Each key's value points to a posting list: the
//! addresses on that road, sorted by door number, or the places with that name.
//!
//! Typos: `fst`'s own Levenshtein automaton works on ASCII but misses CJK names (fst 0.4.7:
//! `Levenshtein::new("福荣路", 1)` does not even match `福荣路`), so one-edit matches use a second FST
//! of deletion variants instead (the SymSpell idea): every road and estate name with one character
//! removed. A query within one edit of a name shares a variant with it, or is one, or has one that
//! is the name; the candidates are then checked with a real edit distance.

use super::normalize::Aliases;
use super::parse::{AdminLevel, Vocabulary};
use super::places::Places;
use super::reverse::ReverseIndex;
use geo::Coord;
use std::borrow::Cow;
use std::sync::Arc;

/// A division or grid, as shown in answers.
///
/// Shared strings: every grid's place names its community, street and district, and all the grids
/// of one community point at the same two strings instead of a copy each (see
/// [`super::places`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// Code (division code or grid code).
    pub code: Arc<str>,
    /// Name.
    pub name: Arc<str>,
}

/// Where an address sits in the hierarchy; shared by all addresses of the same grid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hierarchy {
    /// 省.
    pub province: Option<&'static str>,
    /// 市.
    pub city: Option<&'static str>,
    /// 区.
    pub district: Option<Named>,
    /// 街道.
    pub street: Option<Named>,
    /// 社区.
    pub community: Option<Named>,
    /// 网格.
    pub grid: Option<Named>,
}

/// One address of the gazetteer, compactly.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The record's code.
    pub code: Box<str>,
    /// The address as written.
    pub address: Box<str>,
    /// WGS 84 lon/lat.
    pub point: Coord,
    /// Normalised door number.
    pub door: Option<Box<str>>,
    /// Leading number of the door, for "nearest door" answers.
    pub door_num: u32,
    /// Building code.
    pub building: Option<Box<str>>,
    /// Its place (see [`Gazetteer::hierarchy`]).
    pub place: u32,
    /// Made up for illustration.
    pub illustrative: bool,
}

/// A division that can itself be an answer (a community asked for by name).
#[derive(Debug, Clone)]
pub struct AdminPlace {
    /// Its level.
    pub level: AdminLevel,
    /// Its name as written.
    pub name: String,
    /// A point inside it.
    pub point: Option<Coord>,
    /// Its place (see [`Gazetteer::hierarchy`]).
    pub place: u32,
}

/// What one normalised name stands for.
#[derive(Debug, Clone, Default)]
pub struct NameKey {
    /// The name as written (first spelling seen).
    pub display: String,
    /// The name normalised (the FST key).
    pub norm: String,
    /// Addresses on the road of this name, by door number.
    pub road: Vec<u32>,
    /// The door number of each of `road`, kept beside it so that finding a door is a binary
    /// search in one small array rather than a walk over scattered entries.
    pub road_doors: Vec<u32>,
    /// Addresses in the estate of this name.
    pub estate: Vec<u32>,
    /// Divisions of this name (index into [`Gazetteer::admin`]).
    pub admin: Vec<u32>,
}

/// Addresses and their name index; immutable once built.
pub struct Gazetteer {
    pub(super) entries: Vec<Entry>,
    pub(super) places: Places,
    pub(super) admin: Vec<AdminPlace>,
    pub(super) keys: Vec<NameKey>,
    pub(super) names: fst::Map<Vec<u8>>,
    pub(super) variants: fst::Map<Vec<u8>>,
    pub(super) variant_lists: Vec<Vec<u32>>,
    pub(super) aliases: Aliases,
    pub(super) reverse: ReverseIndex,
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gazetteer({} addresses, {} names)", self.entries.len(), self.keys.len())
    }
}

impl Default for Gazetteer {
    fn default() -> Self {
        super::builder::Builder::default().finish()
    }
}

impl Gazetteer {
    /// Number of addresses.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no addresses.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The address with this position.
    pub fn entry(&self, id: u32) -> &Entry {
        &self.entries[id as usize]
    }

    /// Where the place with this number sits in the hierarchy. A grid's place is made on each
    /// call (from the grid layer and the shared division names: no grid keeps one), the others
    /// are borrowed.
    pub fn hierarchy(&self, place: u32) -> Cow<'_, Hierarchy> {
        self.places.hierarchy(place)
    }

    /// The division with this position.
    pub fn admin_place(&self, id: u32) -> &AdminPlace {
        &self.admin[id as usize]
    }

    /// Position of the key for an exact normalised name.
    pub fn key_of(&self, name: &str) -> Option<u32> {
        self.names.get(name).map(|v| v as u32)
    }

    /// The key with this position.
    pub fn key(&self, id: u32) -> &NameKey {
        &self.keys[id as usize]
    }

    /// The reverse (nearest address) index.
    pub fn reverse(&self) -> &ReverseIndex {
        &self.reverse
    }

    /// The longest key at the start of `s` that `want` accepts, as (byte length, key).
    fn longest_at(&self, s: &str, want: impl Fn(&NameKey) -> bool) -> Option<(usize, u32)> {
        let fst = self.names.as_fst();
        let mut node = fst.root();
        let mut out = fst::raw::Output::zero();
        let mut best = None;
        for (i, &byte) in s.as_bytes().iter().enumerate() {
            let Some(t) = node.find_input(byte).map(|k| node.transition(k)) else { break };
            out = out.cat(t.out);
            node = fst.node(t.addr);
            if node.is_final() {
                let id = out.cat(node.final_output()).value() as u32;
                if want(&self.keys[id as usize]) {
                    best = Some((i + 1, id));
                }
            }
        }
        best
    }
}

impl Vocabulary for Gazetteer {
    fn admin_at(&self, s: &str) -> Option<(usize, AdminLevel)> {
        let (n, id) = self.longest_at(s, |k| !k.admin.is_empty())?;
        Some((n, self.admin[self.keys[id as usize].admin[0] as usize].level))
    }
    fn road_at(&self, s: &str) -> Option<usize> {
        self.longest_at(s, |k| !k.road.is_empty()).map(|(n, _)| n)
    }
    fn estate_at(&self, s: &str) -> Option<usize> {
        self.longest_at(s, |k| !k.estate.is_empty()).map(|(n, _)| n)
    }
    fn aliases(&self) -> &Aliases {
        &self.aliases
    }
    fn extends_to_name(&self, prefix: &str) -> bool {
        use fst::automaton::Automaton;
        use fst::{IntoStreamer, Streamer};
        let mut stream = self.names.search(fst::automaton::Str::new(prefix).starts_with()).into_stream();
        while let Some((_, id)) = stream.next() {
            let k = &self.keys[id as usize];
            if !k.road.is_empty() || !k.estate.is_empty() {
                return true;
            }
        }
        false
    }
}

/// Leading number of a door (`12-1` → 12, `5a` → 5); doors without one sort last.
pub fn door_number(door: &str) -> u32 {
    let digits: String = door.chars().take_while(char::is_ascii_digit).take(9).collect();
    digits.parse().unwrap_or(u32::MAX)
}

/// The string with each one character removed (empty results left out).
pub fn deletion_variants(s: &str) -> impl Iterator<Item = String> + '_ {
    let n = s.chars().count();
    s.char_indices().filter(move |_| n > 1).map(move |(i, c)| format!("{}{}", &s[..i], &s[i + c.len_utf8()..]))
}

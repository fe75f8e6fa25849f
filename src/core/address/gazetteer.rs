//! The gazetteer: every address with its place in the hierarchy, and an index of names for search.
//!
//! Index design: every name (road, estate, community, street, district, city, province) is stored
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

use super::divisions::{city_of, province_of};
use super::normalize::{Aliases, normalize};
use super::parse::{AdminLevel, Vocabulary};
use super::record::AddressRecord;
use super::reverse::ReverseIndex;
use crate::core::model::{Feature, Layer};
use crate::core::snapshot::Snapshot;
use geo::{Coord, InteriorPoint};
use std::collections::{BTreeMap, HashMap};

/// A division or grid, as shown in answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// Code (division code or grid code).
    pub code: String,
    /// Name.
    pub name: String,
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
    /// Index into [`Gazetteer::hierarchy`].
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
    /// Index into [`Gazetteer::hierarchy`].
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
    pub(super) hierarchy: Vec<Hierarchy>,
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
        Builder::default().finish()
    }
}

impl Gazetteer {
    /// Builds the gazetteer: each record is placed in the hierarchy through its grid (or, without
    /// one, the grid holding its point), and every name is indexed.
    pub fn build(records: Vec<AddressRecord>, snapshot: &Snapshot) -> Gazetteer {
        let mut b = Builder::default();
        b.add_divisions(snapshot);
        // Addresses of one grid share its hierarchy; addresses outside every grid share one per
        // combination of the community, street and district found at their points.
        let mut by_grid: HashMap<String, u32> = HashMap::new();
        let mut outside: HashMap<[Option<String>; 3], u32> = HashMap::new();
        for r in records {
            let grid = r.grid.clone().or_else(|| snapshot.lookup(r.point).grid.map(|g| g.code.clone()));
            let grid_feature = grid.as_deref().and_then(|g| snapshot.layer(Layer::Grid).get(g));
            let place = match (grid, grid_feature) {
                (Some(code), Some(g)) => match by_grid.get(&code) {
                    Some(&p) => p,
                    None => {
                        let p = b.place(hierarchy_of_grid(snapshot, g));
                        by_grid.insert(code, p);
                        p
                    }
                },
                _ => {
                    let h = hierarchy_at(snapshot, r.point);
                    let key = [&h.community, &h.street, &h.district].map(|n| n.as_ref().map(|n| n.code.clone()));
                    match outside.get(&key) {
                        Some(&p) => p,
                        None => {
                            let p = b.place(h);
                            outside.insert(key, p);
                            p
                        }
                    }
                }
            };
            b.add_record(r, place);
        }
        b.finish()
    }

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

    /// The hierarchy with this position.
    pub fn hierarchy(&self, place: u32) -> &Hierarchy {
        &self.hierarchy[place as usize]
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

fn named(f: &Feature) -> Named {
    Named { code: f.code.clone(), name: f.name.clone() }
}

fn parent<'a>(snapshot: &'a Snapshot, layer: Layer, f: &Feature) -> Option<&'a Feature> {
    f.parent_code.as_deref().and_then(|c| snapshot.layer(layer).get(c))
}

fn with_upper(mut h: Hierarchy) -> Hierarchy {
    if let Some(d) = &h.district {
        h.province = province_of(&d.code);
        h.city = city_of(&d.code);
    }
    h
}

fn hierarchy_of_grid(snapshot: &Snapshot, grid: &Feature) -> Hierarchy {
    let community = parent(snapshot, Layer::Community, grid);
    let street = community.and_then(|c| parent(snapshot, Layer::Street, c));
    let district = street.and_then(|s| parent(snapshot, Layer::District, s));
    with_upper(Hierarchy {
        grid: Some(named(grid)),
        community: community.map(named),
        street: street.map(named),
        district: district.map(named),
        ..Hierarchy::default()
    })
}

fn hierarchy_at(snapshot: &Snapshot, p: Coord) -> Hierarchy {
    let l = snapshot.lookup(p);
    with_upper(Hierarchy {
        grid: l.grid.map(named),
        community: l.community.map(named),
        street: l.street.map(named),
        district: l.district.map(named),
        ..Hierarchy::default()
    })
}

/// Leading number of a door (`12-1` → 12, `5a` → 5); doors without one sort last.
pub fn door_number(door: &str) -> u32 {
    let digits: String = door.chars().take_while(char::is_ascii_digit).take(9).collect();
    digits.parse().unwrap_or(u32::MAX)
}

#[derive(Default)]
struct Builder {
    entries: Vec<Entry>,
    hierarchy: Vec<Hierarchy>,
    admin: Vec<AdminPlace>,
    keys: BTreeMap<String, NameKey>,
}

impl Builder {
    fn place(&mut self, h: Hierarchy) -> u32 {
        self.hierarchy.push(h);
        (self.hierarchy.len() - 1) as u32
    }

    fn key(&mut self, display: &str) -> &mut NameKey {
        let norm = normalize(display);
        self.keys.entry(norm.clone()).or_insert_with(|| NameKey {
            display: display.to_string(),
            norm,
            ..NameKey::default()
        })
    }

    fn add_admin(&mut self, level: AdminLevel, name: &str, point: Option<Coord>, place: u32) {
        if name.is_empty() {
            return;
        }
        self.admin.push(AdminPlace { level, name: name.to_string(), point, place });
        let id = (self.admin.len() - 1) as u32;
        self.key(name).admin.push(id);
    }

    /// Districts, streets and communities as answers of their own, plus the provinces and cities
    /// above the districts (known by name only).
    fn add_divisions(&mut self, snapshot: &Snapshot) {
        let mut uppers: BTreeMap<&'static str, AdminLevel> = BTreeMap::new();
        for (layer, level) in [
            (Layer::District, AdminLevel::District),
            (Layer::Street, AdminLevel::Street),
            (Layer::Community, AdminLevel::Community),
        ] {
            for f in snapshot.layer(layer).features() {
                let point = crate::core::snapshot::as_multipolygon(&f.geometry).interior_point().map(|p| p.0);
                let h = match point {
                    Some(p) => hierarchy_at(snapshot, p),
                    None => Hierarchy::default(),
                };
                // Keep only the levels at and above this one: a community's answer has no grid.
                let h = Hierarchy {
                    grid: None,
                    community: if level >= AdminLevel::Community { h.community } else { None },
                    street: if level >= AdminLevel::Street { h.street } else { None },
                    ..h
                };
                let place = self.place(h);
                self.add_admin(level, &f.name, point, place);
                if level == AdminLevel::District {
                    province_of(&f.code).map(|p| uppers.insert(p, AdminLevel::Province));
                    city_of(&f.code).map(|c| uppers.insert(c, AdminLevel::City));
                }
            }
        }
        for (name, level) in uppers {
            let place = self.place(Hierarchy::default());
            self.add_admin(level, name, None, place);
        }
    }

    fn add_record(&mut self, r: AddressRecord, place: u32) {
        let id = self.entries.len() as u32;
        let door = r.door.as_deref().map(normalize).filter(|d| !d.is_empty());
        let door_num = door.as_deref().map_or(u32::MAX, door_number);
        if let Some(road) = r.road.as_deref().filter(|s| !s.is_empty()) {
            self.key(road).road.push(id);
        }
        if let Some(estate) = r.estate.as_deref().filter(|s| !s.is_empty()) {
            self.key(estate).estate.push(id);
        }
        self.entries.push(Entry {
            code: r.code.into(),
            address: r.address.into(),
            point: r.point,
            door: door.map(Into::into),
            door_num,
            building: r.building.map(Into::into),
            place,
            illustrative: r.illustrative,
        });
    }

    fn finish(self) -> Gazetteer {
        let Builder { entries, hierarchy, admin, keys } = self;
        let mut names = fst::MapBuilder::memory();
        let mut list = Vec::with_capacity(keys.len());
        let mut admin_names = Vec::new();
        let mut variant_map: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        // BTreeMap iterates in byte order, which is the order the FST builder needs.
        for (i, (name, mut key)) in keys.into_iter().enumerate() {
            // Cannot fail: keys are unique and sorted.
            let _ = names.insert(&name, i as u64);
            if !key.road.is_empty() || !key.estate.is_empty() {
                for v in deletion_variants(&name) {
                    variant_map.entry(v).or_default().push(i as u32);
                }
            }
            if !key.admin.is_empty() {
                admin_names.push(name);
            }
            key.road.sort_by(|&a, &b| {
                let (x, y) = (&entries[a as usize], &entries[b as usize]);
                (x.door_num, &x.door).cmp(&(y.door_num, &y.door))
            });
            key.road_doors = key.road.iter().map(|&i| entries[i as usize].door_num).collect();
            list.push(key);
        }
        let names = names.into_map();
        let mut variants = fst::MapBuilder::memory();
        let mut variant_lists = Vec::with_capacity(variant_map.len());
        for (i, (v, mut ids)) in variant_map.into_iter().enumerate() {
            let _ = variants.insert(&v, i as u64);
            ids.dedup();
            variant_lists.push(ids);
        }
        let variants = variants.into_map();
        let aliases = Aliases::new(admin_names.iter().map(String::as_str));
        let reverse = ReverseIndex::new(entries.iter().map(|e| e.point));
        Gazetteer { entries, hierarchy, admin, keys: list, names, variants, variant_lists, aliases, reverse }
    }
}

/// The string with each one character removed (empty results left out).
pub fn deletion_variants(s: &str) -> impl Iterator<Item = String> + '_ {
    let n = s.chars().count();
    s.char_indices().filter(move |_| n > 1).map(move |(i, c)| format!("{}{}", &s[..i], &s[i + c.len_utf8()..]))
}

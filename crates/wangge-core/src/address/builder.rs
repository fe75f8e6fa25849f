//! Building a [`Gazetteer`]: placing each record in the hierarchy, and indexing every name in the
//! FSTs described in [`super::gazetteer`].

use super::divisions::{city_of, province_of};
use super::gazetteer::{AdminPlace, Entry, Gazetteer, Hierarchy, NameKey, deletion_variants, door_number};
use super::normalize::{Aliases, normalize};
use super::parse::AdminLevel;
use super::places::{Places, named, with_upper};
use super::record::AddressRecord;
use super::reverse::ReverseIndex;
use crate::model::Layer;
use crate::snapshot::Snapshot;
use geo::Coord;
use std::collections::{BTreeMap, HashMap};

impl Gazetteer {
    /// Builds the gazetteer: each record is placed in the hierarchy through its grid (or, without
    /// one, the grid holding its point), and every name is indexed.
    pub fn build(records: Vec<AddressRecord>, snapshot: &Snapshot) -> Gazetteer {
        let mut b = Builder::default();
        b.add_divisions(snapshot);
        // Addresses of one grid share its hierarchy; addresses outside every grid share one per
        // combination of the community, street and district found at their points.
        let grids = snapshot.layer(Layer::Grid);
        // Every grid gets its place, with addresses or not, so that a street or community answer
        // can list all the grids inside it; in code order, so grid `i`'s place is `first_grid + i`
        // (no map from a million codes to places). A grid's place holds no hierarchy of its own
        // (see `super::places`).
        let first_grid = b.places.add_grids(snapshot);
        let mut outside: HashMap<[Option<std::sync::Arc<str>>; 3], u32> = HashMap::new();
        for r in records {
            let grid = match r.grid.as_deref() {
                Some(code) => grids.position(code),
                None => snapshot.lookup(r.point).grid.and_then(|g| grids.position(g.code())),
            };
            let place = match grid {
                Some(i) => first_grid + i,
                None => {
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

/// Collects entries and names, then freezes them into a [`Gazetteer`].
#[derive(Default)]
pub(super) struct Builder {
    entries: Vec<Entry>,
    places: Places,
    admin: Vec<AdminPlace>,
    keys: BTreeMap<String, NameKey>,
}

impl Builder {
    fn place(&mut self, h: Hierarchy) -> u32 {
        self.places.push(h)
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
            let data = snapshot.layer(layer);
            for (i, f) in data.iter().enumerate() {
                let point = data.interior_point(i);
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
                self.add_admin(level, f.name(), point, place);
                if level == AdminLevel::District {
                    province_of(f.code()).map(|p| uppers.insert(p, AdminLevel::Province));
                    city_of(f.code()).map(|c| uppers.insert(c, AdminLevel::City));
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

    pub(super) fn finish(self) -> Gazetteer {
        let Builder { entries, mut places, admin, keys } = self;
        places.shrink_to_fit();
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
        Gazetteer { entries, places, admin, keys: list, names, variants, variant_lists, aliases, reverse }
    }
}

//! Edits of a plan, as values, and applying them to a working copy of the published layers.
//!
//! Edits are pure: [`Draft::apply`] changes the working copy or refuses with an [`EditError`] that
//! names the problem; nothing here touches the store. Shape operations (split, merge, moving a
//! shared boundary) are in [`shape`]; they derive both neighbours from one union so that no
//! sliver and no gap appears between them.

pub mod problem;
pub mod shape;
#[cfg(test)]
mod tests;

use super::model::{COUNT_ATTRS, Feature, Layer};
use super::problem::{Problem, Rule};
use super::snapshot::Snapshot;
use super::validate::check_geometry;
use geo::{BoundingRect, Geometry, LineString};
pub use problem::EditProblem;
use std::collections::{BTreeMap, HashMap};

/// One edit of a plan. Geometry is WGS 84 longitude–latitude.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Adds a feature whose code is new in its layer.
    Create {
        /// Target layer.
        layer: Layer,
        /// The feature.
        feature: Feature,
    },
    /// Replaces a feature with the same code.
    Replace {
        /// Target layer.
        layer: Layer,
        /// The new version.
        feature: Feature,
    },
    /// Removes a feature. One that still has children (features naming it as parent) is refused
    /// unless `reassign_to` names the feature of the same layer that takes them over, with its
    /// households and residents.
    Delete {
        /// Target layer.
        layer: Layer,
        /// Its code.
        code: String,
        /// Where its children go, if it has any.
        reassign_to: Option<String>,
    },
    /// Cuts an area feature in two along a drawn line; the first piece keeps the code.
    Split {
        /// Target layer.
        layer: Layer,
        /// The feature cut.
        code: String,
        /// The cut, crossing the feature from outside to outside.
        line: LineString<f64>,
        /// Code of the second piece.
        new_code: String,
    },
    /// Merges adjacent features of one parent into the first; the others disappear, their
    /// children (buildings, grids, service centres…) move to it and their counts are added to it.
    Merge {
        /// Target layer.
        layer: Layer,
        /// Codes, the survivor first.
        codes: Vec<String>,
    },
    /// Gives `grow` the shape `geometry` (clipped to the two neighbours' union) and `shrink` the
    /// rest of that union, so the boundary between them moves and nothing else changes.
    MoveBoundary {
        /// Target layer.
        layer: Layer,
        /// The neighbour redrawn.
        grow: String,
        /// The neighbour that takes what is left.
        shrink: String,
        /// The redrawn shape of `grow`.
        geometry: Geometry<f64>,
    },
    /// Moves buildings to another grid, carrying their households and residents along.
    ReassignBuildings {
        /// Building codes.
        buildings: Vec<String>,
        /// The grid they now belong to.
        grid: String,
    },
}

/// Why an edit cannot be applied. `Display` shows the key and values (for logs); `wangge-text`
/// renders the text people read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// The code names no feature of the layer.
    #[error("edit.not_found ({layer} {code})")]
    NotFound {
        /// Layer.
        layer: Layer,
        /// Code.
        code: String,
    },
    /// The code is already taken.
    #[error("edit.exists ({layer} {code})")]
    Exists {
        /// Layer.
        layer: Layer,
        /// Code.
        code: String,
    },
    /// The edit does not make sense for its input.
    #[error("{0}")]
    Invalid(EditProblem),
}

/// Names the second piece of a split from the name of the feature cut. Names are data people
/// read, so the words come from the faces' catalog (`wangge_text::split_piece_name`), not the core.
pub type SplitName = fn(&str) -> String;

/// A working copy of every layer, edited in place.
#[derive(Debug, Clone)]
pub struct Draft {
    layers: HashMap<Layer, BTreeMap<String, Feature>>,
    split_name: SplitName,
    /// While an edit is applied: the version before the edit of every feature it has touched,
    /// so a refused edit is undone without copying the whole draft, and what changed is known.
    journal: Changes,
}

/// What one or more edits changed: every feature they touched, with its version before them
/// (`None`: it did not exist). The versions after are in the draft. A feature may be listed that
/// ended up unchanged; none that changed is missing.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    before: Vec<(Layer, String, Option<Feature>)>,
    seen: std::collections::HashSet<(Layer, String)>,
}

impl Changes {
    /// Whether nothing was touched.
    pub fn is_empty(&self) -> bool {
        self.before.is_empty()
    }

    /// The touched features: layer, code, and the version before the edits.
    pub fn iter(&self) -> impl Iterator<Item = (Layer, &str, Option<&Feature>)> {
        self.before.iter().map(|(l, c, f)| (*l, c.as_str(), f.as_ref()))
    }

    /// Records `before` as the version of (`layer`, `code`) before the edits, unless an earlier
    /// version is already recorded.
    fn record(&mut self, layer: Layer, code: &str, before: Option<&Feature>) {
        if self.seen.insert((layer, code.to_string())) {
            self.before.push((layer, code.to_string(), before.cloned()));
        }
    }

    /// The changes of `self` followed by those of `later`: the first recorded version before
    /// them is kept for each feature.
    pub fn then(mut self, later: Changes) -> Changes {
        for (l, c, f) in later.before {
            if self.seen.insert((l, c.clone())) {
                self.before.push((l, c, f));
            }
        }
        self
    }
}

impl Draft {
    /// A copy of `snapshot`; a split names its second piece with `split_name`.
    pub fn from_snapshot(snapshot: &Snapshot, split_name: SplitName) -> Draft {
        let layers = Layer::ALL
            .iter()
            .map(|&l| (l, snapshot.layer(l).iter().map(|f| (f.code().to_string(), f.to_feature())).collect()))
            .collect();
        Draft { layers, split_name, journal: Changes::default() }
    }

    /// The features of `layer`, in code order.
    pub fn features(&self, layer: Layer) -> impl Iterator<Item = &Feature> {
        self.layers.get(&layer).into_iter().flat_map(|m| m.values())
    }

    /// The feature of `layer` with this code.
    pub fn feature(&self, layer: Layer, code: &str) -> Option<&Feature> {
        self.layers.get(&layer).and_then(|m| m.get(code))
    }

    /// How many features `layer` has.
    pub fn count(&self, layer: Layer) -> usize {
        self.layers.get(&layer).map_or(0, BTreeMap::len)
    }

    /// The codes of `layer`, in code order (a feature's position among them is its index in the
    /// layer of [`Draft::to_snapshot`]).
    pub fn codes(&self, layer: Layer) -> impl Iterator<Item = &str> {
        self.layers.get(&layer).into_iter().flat_map(|m| m.keys().map(String::as_str))
    }

    /// Puts back the versions `changes` recorded, undoing the edits that made them; returns
    /// what the undoing changed (for [`crate::rules::incremental::IncrementalRules::update`]).
    pub fn revert_tracked(&mut self, changes: &Changes) -> Changes {
        let mut undone = Changes::default();
        for (layer, code, _) in &changes.before {
            undone.record(*layer, code, self.feature(*layer, code));
        }
        self.revert(changes);
        undone
    }

    /// Puts back the versions `changes` recorded, undoing the edits that made them.
    pub fn revert(&mut self, changes: &Changes) {
        for (layer, code, before) in &changes.before {
            let map = self.layers.entry(*layer).or_default();
            match before {
                Some(f) => {
                    map.insert(code.clone(), f.clone());
                }
                None => {
                    map.remove(code);
                }
            }
        }
    }

    /// The edited state as a snapshot.
    pub fn to_snapshot(&self) -> Snapshot {
        Snapshot::new(self.layers.iter().map(|(&l, m)| (l, m.values().cloned().collect())))
    }

    /// The features of `layer`, for reading.
    fn layer(&self, layer: Layer) -> impl Iterator<Item = &Feature> {
        self.features(layer)
    }

    /// The map of `layer` for a change of `code`, with the version before recorded first. Every
    /// change goes through here, so the journal misses none.
    fn touch(&mut self, layer: Layer, code: &str) -> &mut BTreeMap<String, Feature> {
        let map = self.layers.entry(layer).or_default();
        self.journal.record(layer, code, map.get(code));
        map
    }

    fn take(&mut self, layer: Layer, code: &str) -> Result<Feature, EditError> {
        self.touch(layer, code).remove(code).ok_or_else(|| EditError::NotFound { layer, code: code.to_string() })
    }

    fn get(&mut self, layer: Layer, code: &str) -> Result<&mut Feature, EditError> {
        self.touch(layer, code).get_mut(code).ok_or_else(|| EditError::NotFound { layer, code: code.to_string() })
    }

    fn put(&mut self, layer: Layer, feature: Feature) {
        self.touch(layer, &feature.code).insert(feature.code.clone(), feature);
    }

    fn insert_new(&mut self, layer: Layer, feature: Feature) -> Result<(), EditError> {
        if self.feature(layer, &feature.code).is_some() {
            return Err(EditError::Exists { layer, code: feature.code });
        }
        self.put(layer, feature);
        Ok(())
    }

    /// After `code` was cut and its second piece became `new_code`: children lying in the second
    /// piece change parent, and households/residents are divided rather than copied. When the
    /// children carry the figures (buildings of a grid, grids of a community) the second piece gets
    /// the sum of its children and the first keeps the rest, so the layer's total is unchanged;
    /// without such children the figures are divided by area.
    fn divide_after_split(&mut self, layer: Layer, code: &str, new_code: &str) -> Result<(), EditError> {
        use geo::{Area, InteriorPoint, Intersects};
        let second = self.get(layer, new_code)?.geometry.clone();
        let first_area = self.get(layer, code)?.geometry.unsigned_area();
        let second_area = second.unsigned_area();
        let mut moved: HashMap<&'static str, i64> = HashMap::new();
        let mut children_carry = HashMap::<&'static str, bool>::new();
        let children = self.children_of(layer, code);
        for (child, child_code) in children {
            let f = self
                .feature(child, &child_code)
                .ok_or_else(|| EditError::NotFound { layer: child, code: child_code.clone() })?;
            for key in ["households", "residents"] {
                if f.int_attr(key).is_some() {
                    children_carry.insert(key, true);
                }
            }
            let inside = f.geometry.interior_point().is_some_and(|p| second.intersects(&p));
            if inside {
                for key in ["households", "residents"] {
                    *moved.entry(key).or_default() += f.int_attr(key).unwrap_or(0);
                }
                self.get(child, &child_code)?.parent_code = Some(new_code.to_string());
            }
        }
        for key in ["households", "residents"] {
            let Some(total) = self.get(layer, code)?.int_attr(key) else { continue };
            let to_second = if children_carry.get(key).copied().unwrap_or(false) {
                moved.get(key).copied().unwrap_or(0).min(total)
            } else if first_area + second_area > 0.0 {
                (total as f64 * second_area / (first_area + second_area)).round() as i64
            } else {
                0
            };
            self.get(layer, new_code)?.attrs.insert(key.into(), to_second.into());
            self.get(layer, code)?.attrs.insert(key.into(), (total - to_second).into());
        }
        Ok(())
    }

    /// The vertices an edit of `inputs` may snap to: the inputs' own and those of every feature of
    /// `layer` whose bounding box touches theirs (the untouched neighbours).
    fn anchors(&self, layer: Layer, inputs: &[&Geometry<f64>]) -> shape::Anchors {
        let Some(area) = inputs.iter().filter_map(|g| g.bounding_rect()).reduce(|a, b| {
            geo::Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        }) else {
            return shape::Anchors::default();
        };
        let near = |g: &Geometry<f64>| {
            g.bounding_rect().is_some_and(|r| {
                r.min().x <= area.max().x + shape::SNAP_DEGREES
                    && r.max().x >= area.min().x - shape::SNAP_DEGREES
                    && r.min().y <= area.max().y + shape::SNAP_DEGREES
                    && r.max().y >= area.min().y - shape::SNAP_DEGREES
            })
        };
        let neighbours: Vec<&Geometry<f64>> = self.layer(layer).map(|f| &f.geometry).filter(|g| near(g)).collect();
        shape::Anchors::new(inputs.iter().copied().chain(neighbours))
    }

    /// The features of the layers below `layer` that name `code` as their parent.
    fn children_of(&self, layer: Layer, code: &str) -> Vec<(Layer, String)> {
        Layer::ALL
            .iter()
            .filter(|l| l.parent_layers().contains(&layer))
            .flat_map(|&l| {
                self.layers
                    .get(&l)
                    .into_iter()
                    .flat_map(|m| m.values())
                    .filter(|f| f.parent_code.as_deref() == Some(code))
                    .map(move |f| (l, f.code.clone()))
            })
            .collect()
    }

    /// Gives every child of `from` (a feature of `layer`) the parent `to`, so that nothing points
    /// at a feature an edit removes.
    fn move_children(&mut self, layer: Layer, from: &str, to: &str) {
        for (l, code) in self.children_of(layer, from) {
            if let Ok(f) = self.get(l, &code) {
                f.parent_code = Some(to.to_string());
            }
        }
    }

    /// Adds the counts `from` states to `into`'s (a count `into` does not state starts at 0).
    fn add_counts(into: &mut Feature, from: &Feature) {
        for key in COUNT_ATTRS {
            if let Some(n) = from.int_attr(key) {
                let sum = into.int_attr(key).unwrap_or(0) + n;
                into.attrs.insert(key.into(), sum.into());
            }
        }
    }

    /// Applies one edit; on error the draft is unchanged.
    pub fn apply(&mut self, edit: &Edit) -> Result<(), EditError> {
        self.apply_tracked(edit).map(drop)
    }

    /// Applies one edit and says what it changed; on error the draft is unchanged. Costs what the
    /// edit touches, not the size of the draft.
    pub fn apply_tracked(&mut self, edit: &Edit) -> Result<Changes, EditError> {
        self.journal = Changes::default();
        let result = self.apply_in_place(edit);
        let changes = std::mem::take(&mut self.journal);
        match result {
            Ok(()) => Ok(changes),
            Err(e) => {
                self.revert(&changes);
                Err(e)
            }
        }
    }

    fn apply_in_place(&mut self, edit: &Edit) -> Result<(), EditError> {
        match edit {
            Edit::Create { layer, feature } => self.insert_new(*layer, counted(feature)?),
            Edit::Replace { layer, feature } => {
                let feature = counted(feature)?;
                let code = feature.code.clone();
                *self.get(*layer, &code)? = feature;
                Ok(())
            }
            Edit::Delete { layer, code, reassign_to } => {
                let children = self.children_of(*layer, code).len();
                let gone = self.take(*layer, code)?;
                match reassign_to {
                    Some(to) if to == code => Err(EditError::Invalid(EditProblem::ReassignToItself(to.clone()))),
                    Some(to) => {
                        Self::add_counts(self.get(*layer, to)?, &gone);
                        self.move_children(*layer, code, to);
                        Ok(())
                    }
                    None if children > 0 => Err(EditError::Invalid(EditProblem::HasChildren {
                        layer: *layer,
                        code: code.clone(),
                        children,
                    })),
                    None => Ok(()),
                }
            }
            Edit::Split { layer, code, line, new_code } => {
                let original = self.get(*layer, code)?.clone();
                let anchors = self.anchors(*layer, &[&original.geometry]);
                let (a, b) = shape::split(&original.geometry, line).map_err(EditError::Invalid)?;
                let a = shape::snap(a, &anchors);
                let b = shape::snap(b, &anchors.with(&a));
                let mut second = original.clone();
                second.code = new_code.clone();
                second.name = (self.split_name)(&original.name);
                second.geometry = b;
                valid_result(*layer, code, &a)?;
                valid_result(*layer, new_code, &second.geometry)?;
                self.get(*layer, code)?.geometry = a;
                self.insert_new(*layer, second)?;
                self.divide_after_split(*layer, code, new_code)
            }
            Edit::Merge { layer, codes } => {
                let [first, rest @ ..] = codes.as_slice() else {
                    return Err(EditError::Invalid(EditProblem::MergeNeedsTwo));
                };
                if rest.is_empty() {
                    return Err(EditError::Invalid(EditProblem::MergeNeedsTwo));
                }
                // A code listed twice would be taken twice, the second time reported as missing.
                if let Some((_, dup)) = codes.iter().enumerate().find(|(k, c)| codes[..*k].contains(c)) {
                    return Err(EditError::Invalid(EditProblem::MergeListedTwice(dup.clone())));
                }
                let anchors = {
                    let mut inputs = Vec::new();
                    for code in codes {
                        inputs.push(self.get(*layer, code)?.geometry.clone());
                    }
                    self.anchors(*layer, &inputs.iter().collect::<Vec<_>>())
                };
                let mut survivor = self.take(*layer, first)?;
                let mut absorbed = Vec::with_capacity(rest.len());
                for code in rest {
                    absorbed.push(self.take(*layer, code)?);
                }
                let parts: Vec<Geometry<f64>> =
                    std::iter::once(&survivor).chain(&absorbed).map(|f| f.geometry.clone()).collect();
                let merged = shape::merge(&parts).map_err(EditError::Invalid)?;
                for f in &absorbed {
                    if f.parent_code != survivor.parent_code {
                        return Err(EditError::Invalid(EditProblem::MergeAcrossParents {
                            code: f.code.clone(),
                            parent: f.parent_code.clone().unwrap_or_default(),
                            survivor_parent: survivor.parent_code.clone().unwrap_or_default(),
                        }));
                    }
                    Self::add_counts(&mut survivor, f);
                }
                survivor.geometry = shape::snap(merged, &anchors);
                valid_result(*layer, first, &survivor.geometry)?;
                self.put(*layer, survivor);
                for code in rest {
                    self.move_children(*layer, code, first);
                }
                Ok(())
            }
            Edit::MoveBoundary { layer, grow, shrink, geometry } => {
                let a = self.get(*layer, grow)?.geometry.clone();
                let b = self.get(*layer, shrink)?.geometry.clone();
                let anchors = self.anchors(*layer, &[&a, &b, geometry]);
                let (a2, b2) = shape::move_boundary(&a, &b, geometry).map_err(EditError::Invalid)?;
                let a2 = shape::snap(a2, &anchors);
                let b2 = shape::snap(b2, &anchors.with(&a2));
                valid_result(*layer, grow, &a2)?;
                valid_result(*layer, shrink, &b2)?;
                self.get(*layer, grow)?.geometry = a2;
                self.get(*layer, shrink)?.geometry = b2;
                Ok(())
            }
            Edit::ReassignBuildings { buildings, grid } => {
                self.get(Layer::Grid, grid)?;
                for code in buildings {
                    let b = self.get(Layer::Building, code)?.clone();
                    let old = b.parent_code.clone().unwrap_or_default();
                    if old == *grid {
                        continue;
                    }
                    for key in ["households", "residents"] {
                        let n = b.int_attr(key).unwrap_or(0);
                        if let Ok(g) = self.get(Layer::Grid, &old)
                            && let Some(v) = g.int_attr(key)
                        {
                            g.attrs.insert(key.into(), (v - n).into());
                        }
                        let g = self.get(Layer::Grid, grid)?;
                        if let Some(v) = g.int_attr(key) {
                            g.attrs.insert(key.into(), (v + n).into());
                        }
                    }
                    self.get(Layer::Building, code)?.parent_code = Some(grid.clone());
                }
                Ok(())
            }
        }
    }
}

/// `feature` with its counts checked and whole-valued floats made integers, or why it cannot be
/// stored (the code and the field at fault).
fn counted(feature: &Feature) -> Result<Feature, EditError> {
    let mut f = feature.clone();
    match f.normalize_counts() {
        None => Ok(f),
        Some((key, found)) => Err(EditError::Invalid(EditProblem::InvalidFeature(Box::new(Problem::new(
            None,
            Some(&f.code),
            Rule::NotACount { key: key.to_string(), found: found.to_string() },
        ))))),
    }
}

/// Refuses a split, merge or moved boundary whose result geometry for `code` breaks a geometry
/// rule, so a stored plan never holds a shape the import would refuse.
fn valid_result(layer: Layer, code: &str, g: &Geometry<f64>) -> Result<(), EditError> {
    match check_geometry(layer, 0, Some(code), g).into_iter().next() {
        None => Ok(()),
        Some(mut p) => {
            p.index = None;
            Err(EditError::Invalid(EditProblem::InvalidFeature(Box::new(p))))
        }
    }
}

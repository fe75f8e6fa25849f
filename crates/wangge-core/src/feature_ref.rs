//! A borrowed view of one feature of a served layer.
//!
//! A served layer does not hand out `&Feature`: at a million grids the per-feature heap objects
//! a [`Feature`] owns (three strings, the attribute block, the ring's vertex vector) cost more than
//! the coordinates themselves, so a layer is free to keep its features in whatever compact form it
//! likes and readers see them through this `Copy` view. Hot paths (point lookup, batch output,
//! tiles, OGC items, the gazetteer) read the code, name and parent code as `&str` without
//! allocating; paths that need an owned feature (edits, drafts, exports, rules on geometry) ask
//! for one with [`FeatureRef::to_feature`].

use crate::model::{Attrs, Feature};
use geo::{Geometry, Rect};
use serde_json::Value;
use std::borrow::Cow;

/// One feature of a [`crate::snapshot::LayerData`], by position, or a feature of its own (a
/// draft's, an edit's) seen the same way, so that the rules read both through one type.
#[derive(Debug, Clone, Copy)]
pub struct FeatureRef<'a> {
    feature: &'a Feature,
    position: u32,
}

impl<'a> FeatureRef<'a> {
    /// The view of `feature`, found at `position` of its layer.
    pub(crate) fn new(feature: &'a Feature, position: u32) -> FeatureRef<'a> {
        FeatureRef { feature, position }
    }

    /// Position in the layer (code order): the id used by the layer's area index.
    pub fn position(self) -> u32 {
        self.position
    }

    /// The feature's code.
    pub fn code(self) -> &'a str {
        &self.feature.code
    }

    /// The feature's display name.
    pub fn name(self) -> &'a str {
        &self.feature.name
    }

    /// Code of the parent feature; `None` only for districts.
    pub fn parent_code(self) -> Option<&'a str> {
        self.feature.parent_code.as_deref()
    }

    /// The attributes (borrowed when the layer keeps them as [`Attrs`], decoded otherwise).
    pub fn attrs(self) -> Cow<'a, Attrs> {
        Cow::Borrowed(&self.feature.attrs)
    }

    /// One attribute's value.
    pub fn attr(self, key: &str) -> Option<Cow<'a, Value>> {
        self.feature.attrs.get(key).map(Cow::Borrowed)
    }

    /// An integer attribute such as `households`, if present and a whole number.
    pub fn int_attr(self, key: &str) -> Option<i64> {
        self.feature.int_attr(key)
    }

    /// The geometry (borrowed when the layer keeps it as a [`Geometry`], built otherwise).
    pub fn geometry(self) -> Cow<'a, Geometry<f64>> {
        Cow::Borrowed(&self.feature.geometry)
    }

    /// Bounding box of the geometry, `None` when it is empty.
    pub fn bbox(self) -> Option<Rect<f64>> {
        crate::snapshot::geometry_bbox(&self.feature.geometry)
    }

    /// An owned copy, for the paths that change or keep a feature (edits, drafts, exports).
    pub fn to_feature(self) -> Feature {
        self.feature.clone()
    }
}

impl PartialEq for FeatureRef<'_> {
    /// Views are equal when they show equal features, wherever they are (as `&Feature` compare).
    fn eq(&self, other: &Self) -> bool {
        self.code() == other.code()
            && self.name() == other.name()
            && self.parent_code() == other.parent_code()
            && self.attrs() == other.attrs()
            && self.geometry() == other.geometry()
    }
}

impl<'a> From<&'a Feature> for FeatureRef<'a> {
    /// A view of a feature outside any layer (its position is `u32::MAX`).
    fn from(feature: &'a Feature) -> FeatureRef<'a> {
        FeatureRef { feature, position: u32::MAX }
    }
}

//! The city a coverage is computed over: the walking network, the area units (the finest area
//! layer, normally grids) and the homes (buildings or blocks with households), prepared once and
//! shared by every coverage of every facility kind.

use crate::isochrone::to_frame;
use crate::network::{EdgeIndex, Network, Snapped};
use geo::{BoundingRect, Coord, MultiPolygon, Rect};
use rstar::RTree;
use rstar::primitives::GeomWithData;

/// One area unit (normally a grid 网格) with the codes of the levels above it.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// `[grid, community, street, district]` codes and names where known (the unit's own level
    /// included); `None` for a level that is missing.
    pub levels: [Option<(String, String)>; 4],
    /// Its area in the network's frame, metres.
    pub polygon: MultiPolygon<f64>,
    /// Its bounding box in the frame.
    pub bbox: Rect<f64>,
    /// Its area on the WGS 84 ellipsoid, m².
    pub area_m2: f64,
}

/// A building or block with households.
#[derive(Debug, Clone)]
pub struct Home {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Position (a point, or a polygon's centroid), lon/lat.
    pub at: Coord,
    /// Households living there.
    pub households: u64,
    /// Whether the figure is an estimate (households per block).
    pub estimated: bool,
    /// The unit holding it, if any.
    pub unit: Option<u32>,
}

/// A place that serves people: an existing centre or a candidate site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Position, lon/lat.
    pub at: Coord,
}

/// Everything a coverage needs, prepared once.
#[derive(Debug)]
pub struct Context {
    /// The walking network.
    pub net: Network,
    /// Its edge index for snapping.
    pub edges: EdgeIndex,
    /// Area units.
    pub units: Vec<Unit>,
    /// Homes.
    pub homes: Vec<Home>,
    /// Where each home joins the network.
    pub home_snaps: Vec<Option<Snapped>>,
    /// Homes by position in the frame, for "within r metres" queries.
    pub home_tree: RTree<GeomWithData<[f64; 2], u32>>,
    /// Units by bounding box in the frame.
    pub unit_tree: RTree<GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, u32>>,
}

/// A unit as given by the caller, in lon/lat.
#[derive(Debug, Clone)]
pub struct UnitIn {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Codes and names of grid, community, street, district.
    pub levels: [Option<(String, String)>; 4],
    /// Area, lon/lat.
    pub polygon: MultiPolygon<f64>,
}

impl Context {
    /// Prepares a context: projects the units into the network's frame and snaps every home.
    pub fn new(net: Network, units: Vec<UnitIn>, homes: Vec<Home>) -> Context {
        let edges = EdgeIndex::new(&net);
        let frame = net.frame();
        let units: Vec<Unit> = units
            .into_iter()
            .map(|u| {
                let polygon = to_frame(&frame, &u.polygon);
                let bbox = polygon.bounding_rect().unwrap_or(Rect::new(Coord::zero(), Coord::zero()));
                // Measured on the ellipsoid, like every area reported (see crate::distance).
                let area_m2 = frame.area_m2(&polygon);
                Unit { code: u.code, name: u.name, levels: u.levels, polygon, bbox, area_m2 }
            })
            .collect();
        let home_snaps = homes.iter().map(|h| edges.snap(&net, h.at)).collect();
        let home_tree = RTree::bulk_load(
            homes
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    let p = frame.project(h.at);
                    GeomWithData::new([p.x, p.y], i as u32)
                })
                .collect(),
        );
        let unit_tree = RTree::bulk_load(
            units
                .iter()
                .enumerate()
                .map(|(i, u)| {
                    let (a, b) = (u.bbox.min(), u.bbox.max());
                    GeomWithData::new(rstar::primitives::Rectangle::from_corners([a.x, a.y], [b.x, b.y]), i as u32)
                })
                .collect(),
        );
        Context { net, edges, units, homes, home_snaps, home_tree, unit_tree }
    }

    /// Homes within `radius_m` of `p` (frame metres) as the crow flies.
    pub fn homes_near(&self, p: Coord, radius_m: f64) -> impl Iterator<Item = u32> + '_ {
        self.home_tree.locate_within_distance([p.x, p.y], radius_m * radius_m).map(|g| g.data)
    }

    /// Units whose bounding box meets `bbox` (frame metres).
    pub fn units_meeting(&self, bbox: Rect<f64>) -> Vec<u32> {
        let env = rstar::AABB::from_corners([bbox.min().x, bbox.min().y], [bbox.max().x, bbox.max().y]);
        let mut ids: Vec<u32> = self.unit_tree.locate_in_envelope_intersecting(&env).map(|g| g.data).collect();
        ids.sort_unstable();
        ids
    }
}

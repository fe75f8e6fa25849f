//! One address as stored and imported: its text, its parts, where it is and what it is linked to.

use geo::Coord;

/// An address of the gazetteer (one row of the `address` table).
#[derive(Debug, Clone, PartialEq)]
pub struct AddressRecord {
    /// Unique identifier within the gazetteer (e.g. `A000123`, or `osm:node/123`).
    pub code: String,
    /// The address as written, shown to people (e.g. `广东省深圳市福田区沙头街道新沙社区福荣路12号`).
    pub address: String,
    /// Road name as written (`泰然九路`), if the address has one.
    pub road: Option<String>,
    /// Door number as written, without `号` (`12`, `12-1`, `5 A`).
    pub door: Option<String>,
    /// Estate (小区) name, if any.
    pub estate: Option<String>,
    /// WGS 84 longitude/latitude.
    pub point: Coord,
    /// Code of the building (楼栋) the address belongs to.
    pub building: Option<String>,
    /// Code of the grid (网格) holding the address.
    pub grid: Option<String>,
    /// Where the record came from: `demo`, `csv`, `osm`, `synthetic`.
    pub source: String,
    /// Whether the address is made up for illustration (the demo city's are).
    pub illustrative: bool,
}

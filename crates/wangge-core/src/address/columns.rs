//! The answer columns a geocode batch adds to a user's table (an Excel sheet): which values, in
//! which order. Each is a key; its header text in a language is the faces' catalog's business.

/// One answer column of a geocode batch written into the user's own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeocodeColumn {
    /// `matched` / `ambiguous` / `not_found`.
    Status,
    /// The best candidate's score, 0–1.
    Score,
    /// What the best candidate matched: door, building, road, estate, community…
    Level,
    /// The best candidate's address as the gazetteer writes it (room cut for callers not entitled).
    MatchedAddress,
    /// Its WGS 84 longitude.
    Lon,
    /// Its WGS 84 latitude.
    Lat,
    /// The code of its building, if linked to one.
    Building,
    /// The code of its grid.
    GridCode,
    /// The name of its grid.
    GridName,
    /// The code of its community.
    CommunityCode,
    /// The name of its community.
    CommunityName,
    /// The code of its street.
    StreetCode,
    /// The name of its street.
    StreetName,
    /// The code of its district.
    DistrictCode,
    /// The name of its district.
    DistrictName,
}

impl GeocodeColumn {
    /// Every column, in the order they are added.
    pub const ALL: [GeocodeColumn; 15] = [
        GeocodeColumn::Status,
        GeocodeColumn::Score,
        GeocodeColumn::Level,
        GeocodeColumn::MatchedAddress,
        GeocodeColumn::Lon,
        GeocodeColumn::Lat,
        GeocodeColumn::Building,
        GeocodeColumn::GridCode,
        GeocodeColumn::GridName,
        GeocodeColumn::CommunityCode,
        GeocodeColumn::CommunityName,
        GeocodeColumn::StreetCode,
        GeocodeColumn::StreetName,
        GeocodeColumn::DistrictCode,
        GeocodeColumn::DistrictName,
    ];

    /// The stable key (`match_status`, `grid_code`…), also the English header. Prefixed where a
    /// plain name (`lon`, `address`) could be one of the user's own columns, which must survive.
    pub fn key(self) -> &'static str {
        match self {
            GeocodeColumn::Status => "match_status",
            GeocodeColumn::Score => "match_score",
            GeocodeColumn::Level => "match_level",
            GeocodeColumn::MatchedAddress => "matched_address",
            GeocodeColumn::Lon => "match_lon",
            GeocodeColumn::Lat => "match_lat",
            GeocodeColumn::Building => "match_building",
            GeocodeColumn::GridCode => "grid_code",
            GeocodeColumn::GridName => "grid_name",
            GeocodeColumn::CommunityCode => "community_code",
            GeocodeColumn::CommunityName => "community_name",
            GeocodeColumn::StreetCode => "street_code",
            GeocodeColumn::StreetName => "street_name",
            GeocodeColumn::DistrictCode => "district_code",
            GeocodeColumn::DistrictName => "district_name",
        }
    }
}

//! Today's date, read from the system clock: the one place outside the pure core that asks what day
//! it is (effective dates default to today in Beijing; a `.dbf` header carries the day it was written).

use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};

/// Beijing time (UTC+8), the zone plans take effect in.
const BEIJING_HOURS: i8 = 8;

/// Today's date in Beijing time, as `YYYY-MM-DD`.
pub fn today_beijing() -> String {
    today_in(&TimeZone::fixed(Offset::constant(BEIJING_HOURS))).to_string()
}

/// Today's date in UTC.
pub fn today_utc() -> Date {
    today_in(&TimeZone::UTC)
}

fn today_in(zone: &TimeZone) -> Date {
    jiff::Timestamp::now().to_zoned(zone.clone()).date()
}

#[cfg(test)]
mod tests {
    #[test]
    fn today_is_a_real_date_in_the_stored_form() {
        let today = super::today_beijing();
        assert_eq!(today.len(), 10);
        assert!(wangge_core::dates::parse_ymd(&today).is_some(), "{today}");
    }
}

//! Calendar dates: effective dates of plans, `at=` history reads, and file headers. Reading the
//! clock is I/O and lives at the edge (`wangge_formats::clock`); this module only checks dates.
//!
//! `jiff` does the calendar arithmetic; the same days-to-civil algorithm used to be written out
//! by hand in several places. Dates are kept as `YYYY-MM-DD` text where they are stored
//! (`valid_from`/`valid_to`), because text order is then date order.

use jiff::civil::Date;

/// Reads a date written exactly as `YYYY-MM-DD` (four-digit year, two-digit month and day) that
/// exists in the calendar; anything else (`2026-1-01`, `2026-01-01T00:00`, `2026-02-30`) is `None`.
pub fn parse_ymd(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<i16>().ok());
    Date::new(num(0..4)?, i8::try_from(num(5..7)?).ok()?, i8::try_from(num(8..10)?).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_dates_in_the_one_form_are_read() {
        assert_eq!(parse_ymd("2026-01-31"), Some(jiff::civil::date(2026, 1, 31)));
        assert_eq!(parse_ymd("2024-02-29"), Some(jiff::civil::date(2024, 2, 29)));
        for bad in
            ["2026-13-01", "2026-1-01", "yesterday", "2026-01-01T00:00", "2026-02-30", "2025-02-29", "+026-01-01"]
        {
            assert_eq!(parse_ymd(bad), None, "{bad}");
        }
    }
}

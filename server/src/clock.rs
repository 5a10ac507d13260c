//! The server's clock for judging records: China Standard Time (UTC+8, 北京时间, the one time
//! zone China keeps), so that "before today" (an overdue rectification deadline, a date in the
//! future, a party's age) turns over at midnight where the officers are, not at 08:00.

use abjuan_shared::model::Timestamp;
use chrono::{FixedOffset, NaiveDate, Offset as _, Utc};

/// UTC+8.
#[must_use]
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Now, in China Standard Time.
#[must_use]
pub fn now() -> Timestamp {
    Utc::now().with_timezone(&china())
}

/// Now as Unix time in milliseconds: what the stores, the audit log and the limits record.
#[must_use]
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Today's date in China.
#[must_use]
pub fn today() -> NaiveDate {
    now().date_naive()
}

/// The first millisecond (Unix time) of `day` in China.
#[must_use]
pub fn day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(china()).single())
        .map_or(0, |t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_turns_at_midnight_in_china() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default();
        // 2026-12-02 00:00 +08:00 is 2026-12-01 16:00 UTC.
        let utc = NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(16, 0, 0))
            .map(|t| t.and_utc().timestamp_millis());
        assert_eq!(Some(day_start_ms(d)), utc);
        assert_eq!(now().offset().local_minus_utc(), 8 * 3600);
    }
}

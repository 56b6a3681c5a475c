//! Checked conversions between SQLite integers (i64) and the unsigned types of `wnm-core`.
use wnm_core::{Error, ErrorKind, Result};

fn out_of_range(what: &str, v: i64) -> Error {
    Error::new(
        ErrorKind::Store,
        format!(
            "{what} = {v} in the colony database is out of range; fix the row (or restore a backup)"
        ),
    )
}

/// A stored integer as u32.
pub fn to_u32(what: &str, v: i64) -> Result<u32> {
    u32::try_from(v).map_err(|_| out_of_range(what, v))
}

/// A stored integer as u16 (ports).
pub fn to_u16(what: &str, v: i64) -> Result<u16> {
    u16::try_from(v).map_err(|_| out_of_range(what, v))
}

/// A stored integer as u64.
pub fn to_u64(what: &str, v: i64) -> Result<u64> {
    u64::try_from(v).map_err(|_| out_of_range(what, v))
}

/// A stored counter as u64; a negative value (never written by wnm) reads as 0.
pub fn counter(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// A u64 for an SQLite INTEGER column (saturates at i64::MAX).
pub fn from_u64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A figure stored x100 as an integer (wnm 0.5.0's `mem` and `cpu`).
pub fn to_hundredths(v: f64) -> i64 {
    if v.is_finite() {
        (v * 100.0).round() as i64
    } else {
        0
    }
}

/// Back from hundredths.
pub fn from_hundredths(v: i64) -> f64 {
    v as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_hundredths() {
        assert_eq!(to_u32("x", 5).unwrap(), 5);
        assert_eq!(to_u32("x", -1).unwrap_err().kind(), ErrorKind::Store);
        assert!(to_u16("port", 70000).is_err());
        assert_eq!(counter(-3), 0);
        assert_eq!(from_u64(u64::MAX), i64::MAX);
        assert_eq!(to_hundredths(97.81), 9781);
        assert_eq!(from_hundredths(9781), 97.81);
        assert_eq!(to_hundredths(f64::NAN), 0);
    }
}

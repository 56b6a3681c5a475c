//! Node binary versions (`0.4.11`, `0.4.7-rc.1`) compared numerically, never as strings.
use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A `major.minor.patch[-pre]` version. A pre-release sorts before its release.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    /// Major number.
    pub major: u64,
    /// Minor number.
    pub minor: u64,
    /// Patch number.
    pub patch: u64,
    /// Pre-release tag after `-`, if any.
    pub pre: Option<String>,
}

impl Version {
    /// A release version.
    pub fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version {
            major,
            minor,
            patch,
            pre: None,
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl FromStr for Version {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim().trim_start_matches('v');
        let (core, pre) = match t.split_once('-') {
            Some((c, p)) => (c, Some(p.to_string())),
            None => (t, None),
        };
        let core = core.split('+').next().unwrap_or(core);
        let mut parts = core.split('.');
        let mut num = |name: &str| -> Result<u64> {
            parts
                .next()
                .ok_or_else(|| {
                    Error::invalid_config(format!("version {s:?} has no {name} number"))
                })?
                .parse::<u64>()
                .map_err(|_| {
                    Error::invalid_config(format!("version {s:?}: {name} is not a number"))
                })
        };
        let major = num("major")?;
        let minor = num("minor")?;
        let patch = num("patch")?;
        if parts.next().is_some() {
            return Err(Error::invalid_config(format!(
                "version {s:?} has more than three numbers"
            )));
        }
        Ok(Version {
            major,
            minor,
            patch,
            pre,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(p) = &self.pre {
            write!(f, "-{p}")?;
        }
        Ok(())
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn numeric_not_lexical() {
        assert!(v("0.4.11") > v("0.4.7"));
        assert!(v("0.10.0") > v("0.9.99"));
        assert!(v("0.4.7-rc.1") < v("0.4.7"));
        assert_eq!(v("v0.4.11"), Version::new(0, 4, 11));
    }

    #[test]
    fn rejects_garbage() {
        assert!("".parse::<Version>().is_err());
        assert!("0.4".parse::<Version>().is_err());
        assert!("0.4.x".parse::<Version>().is_err());
        assert!("1.2.3.4".parse::<Version>().is_err());
    }

    #[test]
    fn round_trips_display() {
        for s in ["0.4.11", "1.0.0-beta.2"] {
            assert_eq!(v(s).to_string(), s);
        }
    }
}

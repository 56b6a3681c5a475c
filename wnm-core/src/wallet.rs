//! Rewards wallets: `0x`+40 hex (EIP-55 checksum verified when mixed case), `faucet`, `donate`,
//! and weighted lists `0xA..:100,donate:10,faucet` that spread new nodes over several wallets.
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha3::{Digest, Keccak256};
use std::fmt;
use std::str::FromStr;

/// The address `faucet` stands for (the project's community address, as in the Python wnm).
pub const FAUCET_ADDRESS: &str = "0x00455d78f850b0358E8cea5be24d415E01E107CF";
/// The default `donate_address`.
pub const DEFAULT_DONATE_ADDRESS: &str = "0x00455d78f850b0358E8cea5be24d415E01E107CF";

/// A checked `0x` + 40 hex address, kept in the spelling it was given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EvmAddress(String);

impl EvmAddress {
    /// The address as given (`0x...`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<EvmAddress> for String {
    fn from(a: EvmAddress) -> String {
        a.0
    }
}

impl TryFrom<String> for EvmAddress {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl fmt::Display for EvmAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The EIP-55 mixed-case spelling of a 40-hex-digit address body (without `0x`).
pub fn eip55_checksum(hex40: &str) -> String {
    let lower = hex40.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    lower
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let byte = hash[i / 2];
            let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
            if c.is_ascii_alphabetic() && nibble >= 8 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

impl FromStr for EvmAddress {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        let body = t.strip_prefix("0x").ok_or_else(|| {
            Error::invalid_config(format!(
                "wallet {t:?} must start with 0x followed by 40 hex digits"
            ))
        })?;
        if body.len() != 40 || !body.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::invalid_config(format!(
                "wallet {t:?} must be 0x followed by exactly 40 hex digits (found {} characters)",
                body.len()
            )));
        }
        let has_upper = body.chars().any(|c| c.is_ascii_uppercase());
        let has_lower = body.chars().any(|c| c.is_ascii_lowercase());
        if has_upper && has_lower {
            let expected = eip55_checksum(body);
            if expected != body {
                return Err(Error::invalid_config(format!(
                    "wallet {t:?} fails its EIP-55 checksum (expected 0x{expected}); check for a typo"
                )));
            }
        }
        Ok(EvmAddress(t.to_string()))
    }
}

/// One entry of a rewards list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WalletTarget {
    /// An explicit address.
    Address(EvmAddress),
    /// The built-in community address.
    Faucet,
    /// The machine's `donate_address`.
    Donate,
}

impl WalletTarget {
    /// The concrete address this entry pays, given the machine's donate address.
    pub fn resolve(&self, donate: &EvmAddress) -> EvmAddress {
        match self {
            WalletTarget::Address(a) => a.clone(),
            WalletTarget::Faucet => EvmAddress(FAUCET_ADDRESS.to_string()),
            WalletTarget::Donate => donate.clone(),
        }
    }
}

impl fmt::Display for WalletTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WalletTarget::Address(a) => f.write_str(a.as_str()),
            WalletTarget::Faucet => f.write_str("faucet"),
            WalletTarget::Donate => f.write_str("donate"),
        }
    }
}

/// A weighted rewards list: `0xA..:100,donate:10,faucet` (weight defaults to 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletList {
    /// Entries with their weights, in the order given.
    pub entries: Vec<(WalletTarget, u32)>,
}

impl WalletList {
    /// Sum of all weights (never zero for a parsed list).
    pub fn total_weight(&self) -> u64 {
        self.entries.iter().map(|(_, w)| u64::from(*w)).sum()
    }

    /// Deterministic weighted choice: `draw` is any number (e.g. from a seeded PRNG);
    /// entry i is chosen for `draw % total` falling in its weight band.
    pub fn pick(&self, draw: u64) -> &WalletTarget {
        let total = self.total_weight().max(1);
        let mut x = draw % total;
        for (t, w) in &self.entries {
            let w = u64::from(*w);
            if x < w {
                return t;
            }
            x -= w;
        }
        &self.entries[0].0
    }

    /// The first (main) entry.
    pub fn main(&self) -> &WalletTarget {
        &self.entries[0].0
    }
}

impl FromStr for WalletList {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let mut entries = Vec::new();
        for raw in s.split(',') {
            let item = raw.trim();
            if item.is_empty() {
                return Err(Error::invalid_config(format!(
                    "rewards list {s:?} has an empty entry; entries are 0xADDRESS[:weight], faucet[:weight] or donate[:weight] separated by commas"
                )));
            }
            let (name, weight) = match item.rsplit_once(':') {
                Some((n, w)) => {
                    let w: u32 = w.trim().parse().map_err(|_| {
                        Error::invalid_config(format!(
                            "rewards entry {item:?}: weight {w:?} is not a whole number"
                        ))
                    })?;
                    if w == 0 {
                        return Err(Error::invalid_config(format!(
                            "rewards entry {item:?}: weight must be at least 1"
                        )));
                    }
                    (n.trim(), w)
                }
                None => (item, 1),
            };
            let target = match name.to_ascii_lowercase().as_str() {
                "faucet" => WalletTarget::Faucet,
                "donate" => WalletTarget::Donate,
                _ => WalletTarget::Address(name.parse().map_err(|e: Error| {
                    Error::invalid_config(format!("rewards entry {item:?}: {}", e.message()))
                })?),
            };
            entries.push((target, weight));
        }
        Ok(WalletList { entries })
    }
}

impl fmt::Display for WalletList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (t, w)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if *w == 1 {
                write!(f, "{t}")?;
            } else {
                write!(f, "{t}:{w}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eip55_reference_vectors() {
        for a in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
            "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93",
        ] {
            assert!(a.parse::<EvmAddress>().is_ok(), "{a}");
        }
    }

    #[test]
    fn bad_checksum_is_rejected_but_single_case_is_fine() {
        let e = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"
            .parse::<EvmAddress>()
            .unwrap_err();
        assert!(e.to_string().contains("EIP-55"));
        assert!(
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
                .parse::<EvmAddress>()
                .is_ok()
        );
        assert!(
            "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED"
                .parse::<EvmAddress>()
                .is_ok()
        );
    }

    #[test]
    fn shape_errors_name_the_entry() {
        for bad in ["5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x1234", "0xZZ"] {
            assert!(bad.parse::<EvmAddress>().is_err(), "{bad}");
        }
        let e = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed:100,0xbad:3"
            .parse::<WalletList>()
            .unwrap_err();
        assert!(e.to_string().contains("0xbad:3"), "{e}");
        assert!("faucet:0".parse::<WalletList>().is_err());
        assert!("faucet,,donate".parse::<WalletList>().is_err());
        assert!("faucet:x".parse::<WalletList>().is_err());
    }

    #[test]
    fn weighted_list_parses_and_picks_by_weight() {
        let l: WalletList = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93:100,donate:10,faucet"
            .parse()
            .unwrap();
        assert_eq!(l.total_weight(), 111);
        assert!(matches!(l.pick(0), WalletTarget::Address(_)));
        assert!(matches!(l.pick(99), WalletTarget::Address(_)));
        assert_eq!(l.pick(100), &WalletTarget::Donate);
        assert_eq!(l.pick(110), &WalletTarget::Faucet);
        assert_eq!(l.pick(111), l.pick(0));
        assert_eq!(
            l.to_string(),
            "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93:100,donate:10,faucet"
        );
    }

    #[test]
    fn python_fixture_list_parses() {
        let l: WalletList = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93,faucet:1"
            .parse()
            .unwrap();
        assert_eq!(l.entries.len(), 2);
        assert_eq!(l.entries[1], (WalletTarget::Faucet, 1));
    }
}

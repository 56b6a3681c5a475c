//! Value parsers for single settings. Each returns `Err(what is allowed)`; the caller adds the key,
//! the value and where it came from.
use wnm_core::machine::normalise_port_base;
use wnm_core::profile::parse_environment;
use wnm_core::{EvmAddress, ProcessManager, Version, WalletList};

fn whole<T: std::str::FromStr>(v: &str, range: &str) -> Result<T, String> {
    let t = v.trim();
    if t.is_empty() {
        return Err(format!("is empty; give a whole number {range}"));
    }
    if t.starts_with('-') && t.len() > 1 && t[1..].chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("must not be negative; give a whole number {range}"));
    }
    t.parse()
        .map_err(|_| format!("is not a whole number; give a whole number {range}"))
}

/// A whole number 0..=u32::MAX.
pub fn uint32(v: &str) -> Result<u32, String> {
    whole(v, "from 0 to 4294967295")
}

/// A whole number 0..=u64::MAX (seconds, milliseconds, bytes).
pub fn uint64(v: &str) -> Result<u64, String> {
    whole(v, "from 0 to 18446744073709551615")
}

/// A whole number of at least 1.
pub fn at_least_one_u32(v: &str) -> Result<u32, String> {
    match whole::<u32>(v, "of at least 1")? {
        0 => Err("must be at least 1".into()),
        n => Ok(n),
    }
}

/// A whole number of at least 1 (u64).
pub fn at_least_one_u64(v: &str) -> Result<u64, String> {
    match whole::<u64>(v, "of at least 1")? {
        0 => Err("must be at least 1".into()),
        n => Ok(n),
    }
}

/// A percentage 0..=100.
pub fn percent(v: &str) -> Result<u32, String> {
    let n: u32 = whole(v, "from 0 to 100 (percent)")?;
    if n > 100 {
        return Err("is above 100; give a whole percentage from 0 to 100".into());
    }
    Ok(n)
}

/// A load average: a finite number above 0.
pub fn load_average(v: &str) -> Result<f64, String> {
    let t = v.trim();
    let x: f64 = t
        .parse()
        .map_err(|_| "is not a number; give a load average above 0 such as 4.8".to_string())?;
    if !x.is_finite() || x <= 0.0 {
        return Err("must be a number above 0 (a load average such as 4.8)".into());
    }
    Ok(x)
}

/// A port base in thousands; 55000 is read as 55 (the Python wnm's rule).
pub fn port_base(v: &str) -> Result<u32, String> {
    let n = normalise_port_base(whole(v, "such as 55 (ports 55001..) or 55000")?);
    if n == 0 || n > 65 {
        return Err(
            "must be a port base from 1 to 65 in thousands (55 gives ports 55001..), or the same times 1000".into(),
        );
    }
    Ok(n)
}

/// A boolean: true/false, 1/0, yes/no, on/off (any case).
pub fn boolean(v: &str) -> Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("is not a boolean; give true or false (also 1/0, yes/no, on/off)".into()),
    }
}

/// Free text, kept as given.
pub fn text(v: &str) -> Result<String, String> {
    Ok(v.to_string())
}

/// An absolute directory path.
pub fn absolute_path(v: &str) -> Result<String, String> {
    let t = v.trim();
    if !t.starts_with('/') {
        return Err(
            "must be an absolute path starting with / (for example /var/antctl/services)".into(),
        );
    }
    Ok(t.to_string())
}

/// A program path: absolute or relative to the home directory (`~/...`).
pub fn binary_path(v: &str) -> Result<String, String> {
    let t = v.trim();
    if !(t.starts_with('/') || t.starts_with("~/")) {
        return Err(
            "must be an absolute path or start with ~/ (for example ~/.local/bin/antnode)".into(),
        );
    }
    Ok(t.to_string())
}

/// A rewards list (`0x..`, `faucet`, `donate`, weighted `a:100,b:10`); kept as written.
pub fn rewards_list(v: &str) -> Result<String, String> {
    let t = v.trim();
    if t.is_empty() {
        return Err("is empty; give 0x followed by 40 hex digits, faucet, donate, or a weighted list 0xA..:100,donate:10".into());
    }
    t.parse::<WalletList>()
        .map_err(|e| e.message().to_string())?;
    Ok(t.to_string())
}

/// A single checked `0x` address.
pub fn evm_address(v: &str) -> Result<String, String> {
    let t = v.trim();
    t.parse::<EvmAddress>()
        .map_err(|e| e.message().to_string())?;
    Ok(t.to_string())
}

/// A process manager `KIND+MODE`.
pub fn process_manager(v: &str) -> Result<ProcessManager, String> {
    v.parse()
        .map_err(|e: wnm_core::Error| e.message().to_string())
}

/// A host name or IP address: not empty, no spaces or slashes.
pub fn host(v: &str) -> Result<String, String> {
    let t = v.trim();
    if t.is_empty() || t.contains(|c: char| c.is_whitespace() || c == '/') {
        return Err("must be a host name or IP address such as 127.0.0.1".into());
    }
    Ok(t.to_string())
}

/// Node environment `K=V K2=V2` or `K=V,K2=V2`; kept as written.
pub fn environment(v: &str) -> Result<String, String> {
    parse_environment(v).map_err(|e| e.message().to_string())?;
    Ok(v.trim().to_string())
}

/// The removal strategy; only `youngest` is implemented by the planner.
pub fn removal_strategy(v: &str) -> Result<String, String> {
    match v.trim() {
        "youngest" => Ok("youngest".into()),
        _ => Err("must be youngest (the only strategy the planner implements)".into()),
    }
}

/// A firewall choice, read by [`wnm_core::FirewallSetting`]'s parser and stored as its text
/// (`auto`, `ufw`, `none`; `null` and `off` are read as `none`).
pub fn firewall(v: &str) -> Result<String, String> {
    v.parse::<wnm_core::FirewallSetting>()
        .map(|s| s.to_string())
        .map_err(|_| {
            format!(
                "is not a firewall; choose one of {}",
                wnm_core::FirewallSetting::CHOICES
            )
        })
}

/// A docker image reference: not empty, no spaces.
pub fn docker_image(v: &str) -> Result<String, String> {
    let t = v.trim();
    if t.is_empty() || t.contains(char::is_whitespace) {
        return Err("must be an image reference such as iweave/antnode:latest".into());
    }
    Ok(t.to_string())
}

/// An optional version (`0.14.2`); empty means none.
pub fn optional_version(v: &str) -> Result<Option<String>, String> {
    let t = v.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<Version>()
        .map_err(|_| "must be a version such as 0.14.2, or empty for none".to_string())?;
    Ok(Some(t.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(uint32(" 40 "), Ok(40));
        assert!(uint32("-1").unwrap_err().contains("negative"));
        assert!(uint32("").unwrap_err().contains("empty"));
        assert!(uint32("4x").unwrap_err().contains("whole number"));
        assert_eq!(percent("100"), Ok(100));
        assert!(percent("101").unwrap_err().contains("0 to 100"));
        assert!(at_least_one_u32("0").is_err());
        assert_eq!(load_average("4.8"), Ok(4.8));
        assert!(load_average("0").is_err());
        assert!(load_average("-1").is_err());
        assert!(load_average("NaN").is_err());
        assert!(load_average("inf").is_err());
    }

    #[test]
    fn port_bases_normalise() {
        assert_eq!(port_base("55000"), Ok(55));
        assert_eq!(port_base("13"), Ok(13));
        assert!(port_base("0").is_err());
        assert!(port_base("66").is_err());
    }

    #[test]
    fn booleans() {
        for t in ["true", "TRUE", "1", "yes", "on"] {
            assert_eq!(boolean(t), Ok(true), "{t}");
        }
        for f in ["false", "False", "0", "no", "off"] {
            assert_eq!(boolean(f), Ok(false), "{f}");
        }
        assert!(boolean("maybe").is_err());
    }

    #[test]
    fn paths() {
        assert!(absolute_path("/var/antctl/services").is_ok());
        assert!(absolute_path("~/nodes").is_err());
        assert!(absolute_path("nodes").is_err());
        assert!(binary_path("~/.local/bin/antnode").is_ok());
        assert!(binary_path("/usr/bin/antnode").is_ok());
        assert!(binary_path("antnode").is_err());
    }
}

//! Free TCP/UDP ports on 127.0.0.1 for tests: single ports and runs of consecutive ports.
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use wnm_core::{Error, ErrorKind, Result};

/// A port free for both TCP and UDP on 127.0.0.1 right now (another process may still take
/// it before you bind it; tests retry on a clash).
pub fn free_port() -> Result<u16> {
    for _ in 0..64 {
        let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| Error::io("binding 127.0.0.1:0", e))?;
        let port = tcp
            .local_addr()
            .map_err(|e| Error::io("reading a bound port", e))?
            .port();
        if UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(port);
        }
    }
    Err(Error::new(
        ErrorKind::Io,
        "no port free for both TCP and UDP on 127.0.0.1",
    ))
}

/// `n` distinct free ports (all held while choosing, so they differ).
pub fn free_ports(n: usize) -> Result<Vec<u16>> {
    let mut held = Vec::with_capacity(n);
    let mut ports = Vec::with_capacity(n);
    while ports.len() < n {
        let port = free_port()?;
        if let Ok(l) = TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
            held.push(l);
            ports.push(port);
        }
    }
    Ok(ports)
}

/// The first of `n` consecutive ports that are all free for TCP on 127.0.0.1, chosen below
/// the kernel's ephemeral range so outgoing connections of the same machine do not take them.
pub fn free_port_range(n: u16) -> Result<u16> {
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|p| p.parse::<u16>().ok())
        })
        .unwrap_or(32768);
    let (low, high) = if u32::from(ephemeral_low) > 10_000 + u32::from(n) {
        (10_000u16, ephemeral_low - n)
    } else {
        (ephemeral_low.saturating_add(1000), 65_535 - n)
    };
    if high <= low {
        return Err(Error::invalid_config(format!(
            "no room for {n} consecutive ports"
        )));
    }
    // Start somewhere that depends on the process, so parallel test binaries spread out.
    let span = u32::from(high - low);
    let mut base = low + ((std::process::id().wrapping_mul(2_654_435_761)) % span) as u16;
    for _ in 0..200 {
        let mut held = Vec::with_capacity(usize::from(n));
        let mut clash = None;
        for p in base..base + n {
            match TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, p))) {
                Ok(l) => held.push(l),
                Err(_) => {
                    clash = Some(p);
                    break;
                }
            }
        }
        match clash {
            None => return Ok(base),
            Some(p) => {
                base = if p + 1 + n < high { p + 1 } else { low };
            }
        }
    }
    Err(Error::new(
        ErrorKind::Io,
        format!("no run of {n} free consecutive ports on 127.0.0.1"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_free_and_distinct() {
        let ports = free_ports(5).unwrap();
        let mut sorted = ports.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 5);
        for p in ports {
            TcpListener::bind((Ipv4Addr::LOCALHOST, p)).unwrap();
        }
    }

    #[test]
    fn a_range_is_bindable() {
        let base = free_port_range(50).unwrap();
        let held: Vec<_> = (base..base + 50)
            .map(|p| TcpListener::bind((Ipv4Addr::LOCALHOST, p)).unwrap())
            .collect();
        assert_eq!(held.len(), 50);
    }
}

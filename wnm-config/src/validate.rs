//! Rules that involve more than one setting, checked on the resolved `Machine` before anything is
//! written: each `*_less_than` not above its `*_remove`, the load averages, port ranges inside
//! 1024–65535 and not overlapping; and every single value again, since the stored row and the
//! defaults were never parsed.
use crate::keys;
use crate::paths::expand_tilde;
use crate::sources::Origin;
use wnm_core::{Error, Machine, Result};

/// Check `m`; `base` is what it was resolved over (the stored row or the defaults) and
/// `origin(key)` says where each setting's value came from (for the messages).
/// All problems are reported together, one per line.
pub fn validate(m: &Machine, base: &Machine, origin: &dyn Fn(&str) -> Origin) -> Result<()> {
    let mut problems = Vec::new();
    let at = |k: &str, v: &dyn std::fmt::Display| format!("{k} = {v} ({})", origin(k));

    // Every single value, wherever it came from (the stored row and defaults included).
    for key in keys::settings() {
        let s = key.setting.expect("settings() yields settings");
        let value = (s.get)(m);
        if let Err(allowed) = (s.set)(&mut Machine::default(), &value) {
            problems.push(format!(
                "{key} = {value:?} ({}) {allowed}",
                origin(key.name),
                key = key.name
            ));
        }
    }

    let pairs: [(&str, u64, &str, u64, bool); 7] = [
        (
            "cpu_less_than",
            m.cpu_less_than.into(),
            "cpu_remove",
            m.cpu_remove.into(),
            false,
        ),
        (
            "mem_less_than",
            m.mem_less_than.into(),
            "mem_remove",
            m.mem_remove.into(),
            false,
        ),
        (
            "hd_less_than",
            m.hd_less_than.into(),
            "hd_remove",
            m.hd_remove.into(),
            false,
        ),
        (
            "hdio_read_less_than",
            m.hdio_read_less_than,
            "hdio_read_remove",
            m.hdio_read_remove,
            true,
        ),
        (
            "hdio_write_less_than",
            m.hdio_write_less_than,
            "hdio_write_remove",
            m.hdio_write_remove,
            true,
        ),
        (
            "netio_read_less_than",
            m.netio_read_less_than,
            "netio_read_remove",
            m.netio_read_remove,
            true,
        ),
        (
            "netio_write_less_than",
            m.netio_write_less_than,
            "netio_write_remove",
            m.netio_write_remove,
            true,
        ),
    ];
    for (lk, lv, rk, rv, zero_is_off) in pairs {
        if zero_is_off && (lv == 0 || rv == 0) {
            continue;
        }
        if lv > rv {
            problems.push(format!(
                "{} is above {}: nodes would be added at a level where they are already stopped; set {lk} at most {rk}",
                at(lk, &lv),
                at(rk, &rv)
            ));
        }
    }

    if m.desired_load_average > m.max_load_average_allowed {
        problems.push(format!(
            "{} is above {}: set desired_load_average at most max_load_average_allowed",
            at(
                "desired_load_average",
                &format!("{:?}", m.desired_load_average)
            ),
            at(
                "max_load_average_allowed",
                &format!("{:?}", m.max_load_average_allowed)
            )
        ));
    }

    let cap = m.node_cap.max(1);
    let bases = [
        ("port_start", m.port_start),
        ("metrics_port_start", m.metrics_port_start),
        ("rpc_port_start", m.rpc_port_start),
    ];
    for (k, base) in bases {
        let (lo, hi) = (
            u64::from(base) * 1000 + 1,
            u64::from(base) * 1000 + u64::from(cap),
        );
        if lo < 1024 || hi > 65535 {
            problems.push(format!(
                "{} with node_cap {} gives ports {lo}..={hi}, outside 1024..=65535; choose a base from 2 to {}",
                at(k, &base),
                m.node_cap,
                (65535 - u64::from(cap)) / 1000
            ));
        }
    }
    for i in 0..bases.len() {
        for j in i + 1..bases.len() {
            let (ka, a) = bases[i];
            let (kb, b) = bases[j];
            let (a_lo, a_hi) = (
                u64::from(a) * 1000 + 1,
                u64::from(a) * 1000 + u64::from(cap),
            );
            let (b_lo, b_hi) = (
                u64::from(b) * 1000 + 1,
                u64::from(b) * 1000 + u64::from(cap),
            );
            if a_lo <= b_hi && b_lo <= a_hi {
                problems.push(format!(
                    "{} and {} give overlapping ports ({a_lo}..={a_hi} and {b_lo}..={b_hi}) for node_cap {}; use bases at least {} apart",
                    at(ka, &a),
                    at(kb, &b),
                    m.node_cap,
                    u64::from(cap).div_ceil(1000)
                ));
            }
        }
    }

    problems.extend(path_problems(m, base, origin));

    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid_config(problems.join("\n")))
    }
}

/// Paths this run changes must point at something usable: a binary setting at an existing file,
/// `node_storage` at a directory or at nothing yet (wnm creates it). Values kept from the stored
/// row or the defaults are not checked here: a missing default antnode is a runtime message
/// ("no node binary at ..."), not a configuration error, and a round trip of a stored config
/// must load on a host that does not have the binary yet.
fn path_problems(m: &Machine, base: &Machine, origin: &dyn Fn(&str) -> Origin) -> Vec<String> {
    let home = std::env::home_dir().unwrap_or_default();
    let mut problems = Vec::new();
    let changed = |k: &str, now: &str, was: &str| {
        now != was && !matches!(origin(k), Origin::Stored | Origin::Default)
    };
    let binaries = [
        (
            "antnode_path",
            &m.antnode_path,
            &base.antnode_path,
            "give the path of an antnode binary (`cargo install --locked ant-node@0.4.11` puts one at ~/.cargo/bin/antnode)",
        ),
        (
            "antctl_path",
            &m.antctl_path,
            &base.antctl_path,
            "give the path of an antctl binary (`cargo install --locked ant-node-manager@0.14.2` puts one at ~/.cargo/bin/antctl)",
        ),
    ];
    for (k, now, was, hint) in binaries {
        if !changed(k, now, was) {
            continue;
        }
        let p = expand_tilde(now, &home);
        match std::fs::metadata(&p) {
            Ok(md) if md.is_file() => {}
            Ok(_) => problems.push(format!(
                "{k} = {now:?} ({}) is not a file ({}): {hint}",
                origin(k),
                p.display()
            )),
            Err(_) => problems.push(format!(
                "{k} = {now:?} ({}) does not exist ({}): {hint}",
                origin(k),
                p.display()
            )),
        }
    }
    if changed("node_storage", &m.node_storage, &base.node_storage) {
        let p = std::path::Path::new(&m.node_storage);
        if p.exists() && !p.is_dir() {
            problems.push(format!(
                "node_storage = {:?} ({}) exists and is not a directory: give a directory for the node root dirs (it is created when missing)",
                m.node_storage,
                origin("node_storage")
            ));
        }
    }
    problems
}

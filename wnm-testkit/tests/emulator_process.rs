//! The emulator as a process: flags, files, ports, signals, HTTP answers, like antnode 0.4.x.
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};
use wnm_testkit::{EmuNode, TEST_REWARDS_ADDRESS, emulator_command};

const VERSION_0411: &str = include_str!("../fixtures/antnode-0.4.11/version.txt");

fn raw_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn wait_exit(node: &mut EmuNode) -> std::process::ExitStatus {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(st) = node.try_exit() {
            return st;
        }
        assert!(Instant::now() < end, "the emulator did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn version_output_is_the_real_one_with_the_emulated_version() {
    let out = emulator_command()
        .unwrap()
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), VERSION_0411);
    let out = emulator_command()
        .unwrap()
        .args(["--emu-version", "0.4.12", "--version"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text, VERSION_0411.replace("v0.4.11", "v0.4.12"));
    let out = emulator_command()
        .unwrap()
        .arg("--version")
        .env("ANTNODE_EMU_VERSION", "0.4.9")
        .output()
        .unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("Autonomi Node v0.4.9\n")
    );
}

#[test]
fn bad_command_lines_fail_like_clap() {
    let out = emulator_command()
        .unwrap()
        .arg("--no-such-flag")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unexpected argument '--no-such-flag'"));
    let dir = tempfile::tempdir().unwrap();
    let out = emulator_command()
        .unwrap()
        .arg("--root-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--rewards-address is required");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rewards-address"));
    let out = emulator_command()
        .unwrap()
        .args(["--rewards-address", TEST_REWARDS_ADDRESS])
        .env("ANTNODE_EMU_REFUSE_START", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "refuse-start by environment");
}

#[test]
fn a_node_writes_its_files_binds_its_ports_and_serves_the_captured_format() {
    let mut node = EmuNode::start(&["evm-arbitrum-one"]).unwrap();
    let pid: u32 = std::fs::read_to_string(node.root.join("antnode.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(pid, node.pid());
    assert_eq!(
        std::fs::read(node.root.join("secret-key")).unwrap().len(),
        32
    );
    let log = std::fs::read_to_string(node.log_dir.join("antnode.log")).unwrap();
    assert!(log.contains("PeerId: 12D3KooW"), "{log}");
    assert!(
        UdpSocket::bind((Ipv4Addr::LOCALHOST, node.port)).is_err(),
        "its UDP port is taken"
    );

    let metrics = raw_get(node.metrics_port, "/metrics");
    assert!(metrics.starts_with("HTTP/1.1 200 OK\r\n"), "{metrics}");
    assert!(
        metrics
            .to_ascii_lowercase()
            .contains("content-type: application/openmetrics-text;charset=utf-8;version=1.0.0\r\n")
    );
    assert!(metrics.ends_with("# EOF\n"));
    let body = &metrics[metrics.find("\r\n\r\n").unwrap() + 4..];
    assert!(wnm_survey::parse_metrics(body.as_bytes()).is_ok());
    let extended = raw_get(node.metrics_port, "/metrics_extended");
    assert!(extended.contains("ant_networking_shunned_count_across_time_frames"));
    let metadata = raw_get(node.metrics_port, "/metadata");
    assert!(metadata.contains("ant_node_antnode_version_info{antnode_version=\"0.4.11\"} 1\n"));
    assert!(raw_get(node.metrics_port, "/nope").starts_with("HTTP/1.1 404"));

    let st = node.terminate().unwrap();
    assert_eq!(st.code(), Some(0));
    assert!(
        std::fs::read_to_string(node.log_dir.join("antnode.log"))
            .unwrap()
            .contains("shutting down")
    );
}

#[test]
fn sigint_exits_1_and_leaves_a_critical_failure_log() {
    let mut node = EmuNode::start(&[]).unwrap();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(node.pid() as i32).unwrap(),
        rustix::process::Signal::INT,
    )
    .unwrap();
    assert_eq!(wait_exit(&mut node).code(), Some(1));
    assert!(node.root.join("critical_failure.log").exists());
}

#[test]
fn crash_after_exits_101_by_flag_or_environment() {
    let mut node = EmuNode::start(&["--emu-crash-after", "0.2"]).unwrap();
    assert_eq!(wait_exit(&mut node).code(), Some(101));
    let dir = tempfile::tempdir().unwrap();
    let out = emulator_command()
        .unwrap()
        .arg("--root-dir")
        .arg(dir.path())
        .args([
            "--rewards-address",
            TEST_REWARDS_ADDRESS,
            "--ip",
            "127.0.0.1",
        ])
        .env("ANTNODE_EMU_CRASH_AFTER", "0.1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(101));
}

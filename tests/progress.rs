//! Progress bars of long operations (teardown, import, any forced action over several nodes):
//! on a terminal (a real pseudo-terminal as wnm's stderr) the bar is drawn and advances step by
//! step; in cron (stderr not a terminal) and with `-q` nothing extra is printed.
#![allow(clippy::disallowed_methods)]

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;
use wnm_tests::{Colony, fast_settings, with};

/// Run `wnm ARGS` with its stderr on a fresh pseudo-terminal (100x24, TERM=xterm); returns the
/// process output (stdout captured) and everything written to the terminal.
fn on_tty(c: &Colony, args: &[&str]) -> (std::process::Output, String) {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("openpt");
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().unwrap())
        .expect("opening the pty slave");
    rustix::termios::tcsetwinsize(
        &slave,
        rustix::termios::Winsize {
            ws_row: 24,
            ws_col: 100,
            ws_xpixel: 0,
            ws_ypixel: 0,
        },
    )
    .unwrap();
    let mut cmd = c.command(args);
    cmd.env("TERM", "xterm")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(slave));
    let child = cmd.spawn().expect("spawning wnm");
    drop(cmd); // the parent's copy of the slave: EOF (EIO) once wnm is gone
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut f = std::fs::File::from(master);
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = f.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        let _ = tx.send(all);
    });
    let out = child.wait_with_output().expect("waiting for wnm");
    let tty = rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
    let tty = String::from_utf8_lossy(&tty).into_owned();
    eprintln!(
        "$ wnm {} (stderr on a tty)\n{}[tty: {:?}]\n[exit {:?}]",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        tty,
        out.status.code()
    );
    (out, tty)
}

fn plain(s: &str) -> bool {
    !s.contains('\r') && !s.contains('\u{1b}')
}

fn add_and_fill(c: &Colony, n: usize) {
    c.ok(&["--force_action", "add", "--count", &n.to_string()]);
    c.cycle_until(6, |s| {
        s.len() == n && s.iter().all(|(_, st)| st == "RUNNING")
    });
}

#[test]
fn bars_advance_on_a_terminal_and_stay_out_of_cron_logs() {
    let c = Colony::new("0.4.11");
    let fast = fast_settings(5);
    c.init_ports(53, 17, 36, &with(&fast, &[]));
    add_and_fill(&c, 5);

    // Import on a terminal: the bar is drawn.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", c.db.display()));
    }
    let init = c.init_args(53, 17, 36);
    let mut import_args = with(&init, &["--import"]);
    import_args.extend(with(&fast, &[]));
    let (out, tty) = on_tty(&c, &import_args);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 5 node(s) (5 running)"));
    assert!(tty.contains("importing ["), "import bar drawn: {tty:?}");
    assert!(
        ["1/5", "2/5", "3/5", "4/5"].iter().any(|p| tty.contains(p)),
        "the import bar advances: {tty:?}"
    );

    // Teardown on a terminal, one step every 400 ms: the bar moves through every position.
    let (out, tty) = on_tty(
        &c,
        &[
            "--force_action",
            "teardown",
            "--confirm",
            "--this_action_delay",
            "400",
        ],
    );
    assert!(out.status.success());
    assert!(tty.contains("teardown ["), "{tty:?}");
    for pos in ["1/5", "2/5", "3/5", "4/5"] {
        assert!(tty.contains(pos), "the bar passed {pos}: {tty:?}");
    }
    assert!(
        tty.contains('\r') || tty.contains('\u{1b}'),
        "drawn in place"
    );
    assert!(c.statuses().is_empty());

    // Not a terminal (cron): the same operations print their plain lines and nothing else.
    add_and_fill(&c, 3);
    let out = c.run(&["--force_action", "stop", "--count", "3"]);
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(se, "", "nothing on stderr");
    assert!(plain(&so), "{so:?}");
    assert_eq!(so.lines().count(), 3, "one line per step: {so:?}");
    c.ok(&["--force_action", "start", "--count", "3"]);
    c.cycle_until(4, |s| s.iter().all(|(_, st)| st == "RUNNING"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", c.db.display()));
    }
    let out = c.run(&import_args);
    assert!(out.status.success());
    let so = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(
        so,
        "imported 3 node(s) (3 running) with the setsid+user backend\n"
    );

    // -q on a terminal: no bar either.
    let (out, tty) = on_tty(&c, &["-q", "--force_action", "stop", "--count", "3"]);
    assert!(out.status.success());
    assert_eq!(tty, "", "-q draws nothing");
    assert!(out.stdout.is_empty());

    let out = c.run(&["--force_action", "teardown", "--confirm"]);
    let so = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(plain(&so) && out.stderr.is_empty(), "{so:?}");
    assert_eq!(so.matches("done: delete").count(), 3, "{so}");
}

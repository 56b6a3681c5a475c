//! SystemRunner against real processes: output capture, timeouts, missing programs, detached
//! sessions, signals and zombies.
use std::time::{Duration, Instant};
use wnm_core::{CommandSpec, ErrorKind, Runner, Signal};
use wnm_runner::{SystemRunner, proc};

fn none() -> [&'static str; 0] {
    []
}

async fn wait_until(mut f: impl FnMut() -> bool, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    f()
}

fn processes_with_cmdline(args: &[&str]) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Some(c) = proc::cmdline(pid)
            && c.len() == args.len()
            && c.iter().zip(args).all(|(a, b)| a.ends_with(b))
            && proc::stat(pid).is_some_and(|s| !s.is_zombie())
        {
            out.push(pid);
        }
    }
    out
}

#[tokio::test]
async fn run_captures_stdout_stderr_and_exit_code() {
    let r = SystemRunner::new();
    let out = r
        .run(&CommandSpec::new(
            "ls",
            ["-d", "/", "/nonexistent-wnm-runner"],
        ))
        .await
        .unwrap();
    assert_eq!(out.code, Some(2));
    assert!(!out.success());
    assert_eq!(out.stdout, "/\n");
    assert!(
        out.stderr.contains("nonexistent-wnm-runner"),
        "{}",
        out.stderr
    );

    let mut env = CommandSpec::new("env", none());
    env.env = vec![("WNM_RUNNER_TEST".into(), "a b=c".into())];
    let out = r.run(&env).await.unwrap();
    assert!(out.success());
    assert!(out.stdout.lines().any(|l| l == "WNM_RUNNER_TEST=a b=c"));

    let dir = tempfile::tempdir().unwrap();
    let mut pwd = CommandSpec::new("pwd", none());
    pwd.cwd = Some(dir.path().to_path_buf());
    let out = r.run(&pwd).await.unwrap();
    assert_eq!(
        std::path::Path::new(out.stdout.trim())
            .canonicalize()
            .unwrap(),
        dir.path().canonicalize().unwrap()
    );
}

#[tokio::test]
async fn run_times_out_and_kills_the_process() {
    let r = SystemRunner::new();
    let mut cmd = CommandSpec::new("sleep", ["31.4159"]);
    cmd.timeout = Some(Duration::from_millis(300));
    let start = Instant::now();
    let e = r.run(&cmd).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.message().contains("sleep 31.4159"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(20));
    assert!(
        wait_until(
            || processes_with_cmdline(&["sleep", "31.4159"]).is_empty(),
            Duration::from_secs(10)
        )
        .await,
        "the timed-out process still runs"
    );
}

#[tokio::test]
async fn missing_program_is_named() {
    let r = SystemRunner::new();
    let e = r
        .run(&CommandSpec::new("wnm-no-such-program", ["x"]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().contains("wnm-no-such-program"), "{e}");
    assert!(e.message().contains("not found on PATH"), "{e}");

    let e = r
        .spawn_detached(&CommandSpec::new("wnm-no-such-program", ["x"]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().contains("wnm-no-such-program"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    let mut c = CommandSpec::new("sleep", ["1"]);
    c.cwd = Some(dir.path().join("missing"));
    let e = r.spawn_detached(&c).await.unwrap_err();
    assert!(e.message().contains("working directory"), "{e}");
}

#[tokio::test]
async fn detached_process_has_its_own_session_and_pid() {
    let r = SystemRunner::new();
    assert!(r.setsid_program().is_some(), "util-linux setsid is needed");
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = CommandSpec::new("sleep", ["57.25"]);
    cmd.stdout_file = Some(dir.path().join("out.log"));
    cmd.stderr_file = Some(dir.path().join("err.log"));
    let pid = r.spawn_detached(&cmd).await.unwrap();
    assert!(r.is_alive(pid));
    // The pid is the program's own, not setsid's.
    let exe = proc::exe(pid).unwrap();
    assert_eq!(exe, std::fs::canonicalize("/bin/sleep").unwrap());
    let st = proc::stat(pid).unwrap();
    let mine = proc::stat(std::process::id()).unwrap();
    assert_ne!(st.session, mine.session, "same session as wnm");
    assert_eq!(st.session, pid, "the node leads its session");
    assert!(dir.path().join("out.log").exists());

    r.signal(pid, Signal::Term).unwrap();
    assert!(wait_until(|| !r.is_alive(pid), Duration::from_secs(10)).await);
    // The reaper task collects it: no zombie stays behind.
    assert!(wait_until(|| proc::stat(pid).is_none(), Duration::from_secs(10)).await);
    // Signalling a gone pid is fine.
    r.signal(pid, Signal::Kill).unwrap();
}

#[tokio::test]
async fn detached_output_is_appended_to_the_files() {
    let r = SystemRunner::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stdout.log");
    let err = dir.path().join("stderr.log");
    std::fs::write(&out, "before\n").unwrap();
    for word in ["one", "two"] {
        let mut cmd = CommandSpec::new("echo", [word]);
        cmd.stdout_file = Some(out.clone());
        cmd.stderr_file = Some(err.clone());
        r.spawn_detached(&cmd).await.unwrap();
        let want = format!("{word}\n");
        assert!(
            wait_until(
                || std::fs::read_to_string(&out).unwrap().ends_with(&want),
                Duration::from_secs(10)
            )
            .await
        );
    }
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "before\none\ntwo\n");

    let mut cmd = CommandSpec::new("cat", ["/nonexistent-wnm-file"]);
    cmd.stderr_file = Some(err.clone());
    // cat exits at once with 1: either reported as an error or handed back as a pid; the
    // message lands in the stderr file both ways.
    let _ = r.spawn_detached(&cmd).await;
    assert!(
        wait_until(
            || std::fs::read_to_string(&err)
                .unwrap_or_default()
                .contains("nonexistent-wnm-file"),
            Duration::from_secs(10)
        )
        .await
    );
}

#[tokio::test]
async fn a_zombie_is_not_alive() {
    let r = SystemRunner::new();
    let pid = r
        .spawn_detached(&CommandSpec::new("sleep", ["58.5"]))
        .await
        .unwrap();
    assert!(r.is_alive(pid));
    r.signal(pid, Signal::Kill).unwrap();
    // Block the only runtime thread so the reaper task cannot run: the child becomes a zombie.
    let start = Instant::now();
    while !proc::stat(pid).is_some_and(|s| s.is_zombie()) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "never became a zombie"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!r.is_alive(pid), "a zombie counted as alive");
    // Once the runtime runs again the reaper collects it.
    assert!(wait_until(|| proc::stat(pid).is_none(), Duration::from_secs(10)).await);
}

#[tokio::test]
async fn without_setsid_a_new_process_group_is_used() {
    let r = SystemRunner::new().without_setsid();
    let pid = r
        .spawn_detached(&CommandSpec::new("sleep", ["59.75"]))
        .await
        .unwrap();
    let st = proc::stat(pid).unwrap();
    assert_eq!(st.pgrp, pid);
    assert_eq!(st.ppid, std::process::id());
    r.signal(pid, Signal::Term).unwrap();
    assert!(wait_until(|| !r.is_alive(pid), Duration::from_secs(10)).await);
}

#[tokio::test]
async fn a_program_setsid_cannot_exec_is_an_error_not_a_dead_pid() {
    use std::os::unix::fs::PermissionsExt;
    let r = SystemRunner::new();
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("broken-node");
    std::fs::write(&prog, "#!/nonexistent/interpreter\n").unwrap();
    std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = CommandSpec::new(prog.to_string_lossy(), ["--port", "1"]);
    cmd.stderr_file = Some(dir.path().join("err.log"));
    let e = r.spawn_detached(&cmd).await.unwrap_err();
    assert!(e.message().contains("exited at once"), "{e}");
    assert!(e.message().contains("err.log"), "{e}");
    assert!(
        std::fs::read_to_string(dir.path().join("err.log"))
            .unwrap()
            .contains("broken-node")
    );
}

//! A stand-in node binary for the setsid backend tests: accepts any arguments, records its argv
//! (`fake_node.args`, one per line), environment (`fake_node.env`) and pid (`antnode.pid`, as the
//! real antnode does) in its `--root-dir`, prints a line to stdout and stderr, then runs until
//! SIGTERM. With `--ignore-sigterm` it ignores SIGTERM and only SIGKILL ends it.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};

fn write_atomic(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).expect("write temp file");
    std::fs::rename(&tmp, path).expect("rename temp file");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let root = args
        .iter()
        .position(|a| a == "--root-dir")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    // Install the SIGTERM handler before announcing ourselves, so a test never races it.
    let ignore_term = args.iter().any(|a| a == "--ignore-sigterm");
    let mut term = ignore_term
        .then(|| rt.block_on(async { signal(SignalKind::terminate()).expect("SIGTERM handler") }));

    let mut env: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
    env.sort();
    write_atomic(&root.join("fake_node.env"), &(env.join("\n") + "\n"));
    write_atomic(
        &root.join("antnode.pid"),
        &format!("{}\n", std::process::id()),
    );
    write_atomic(&root.join("fake_node.args"), &(args.join("\n") + "\n"));
    println!("fake node {} started", std::process::id());
    eprintln!("fake node stderr line");
    let _ = std::io::stdout().flush();

    if let Some(term) = term.as_mut() {
        rt.block_on(async {
            while term.recv().await.is_some() {
                eprintln!("fake node ignores SIGTERM");
            }
        });
    }
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

//! Turning a failed antctl call into a `wnm_core::Error` naming the command, its exit code and
//! the end of what it printed (`wnm_core::Error::command_failed`); recognising antctl's "No
//! service named" refusal.
use crate::parse::excerpt;
use wnm_core::{CommandOutput, CommandSpec, Error, ErrorKind, Result};

/// What antctl 0.14.2 prints (exit 1) for a name that is not in its registry or is Removed.
pub const NO_SUCH_SERVICE: &str = "No service named";

/// True when `out` is antctl refusing an unknown (or removed) service name.
pub fn is_no_such_service(out: &CommandOutput) -> bool {
    !out.success() && (out.stderr.contains(NO_SUCH_SERVICE) || out.stdout.contains(NO_SUCH_SERVICE))
}

/// Ok when `out` is a success; otherwise a `Backend` error saying `what` failed.
pub fn check(cmd: &CommandSpec, out: &CommandOutput, what: &str) -> Result<()> {
    if out.success() {
        return Ok(());
    }
    Err(failure(cmd, out, what))
}

/// The error for a failed `cmd`: the one wording of `wnm_core::Error::command_failed`, with the
/// end of what antctl printed on both streams (colours stripped) and the sudo hint naming
/// antctl+sudo. A command the runner gave up on is its `Timeout` error, never an output here.
pub fn failure(cmd: &CommandSpec, out: &CommandOutput, what: &str) -> Error {
    let printed = format!("{}\n{}", out.stdout, out.stderr);
    Error::command_failed(cmd, out, what, &excerpt(&printed), "antctl+sudo")
}

/// A spawn failure of antctl itself (missing binary), with what to do.
pub fn spawn_failure(cmd: &CommandSpec, program: &str, e: Error) -> Error {
    if e.kind() == ErrorKind::NotFound || !std::path::Path::new(program).exists() {
        return Error::not_found(format!(
            "cannot run antctl at {program} (antctl_path): {e}; install antctl 0.14.2 (`cargo install --locked ant-node-manager@0.14.2`, or scripts/antctl.sh) and set --antctl_path"
        ));
    }
    Error::backend(format!("running `{}`: {e}", cmd.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fixture;

    #[test]
    fn unknown_service_is_recognised() {
        let out = CommandOutput {
            code: Some(1),
            stdout: fixture("remove-unknown.stdout"),
            stderr: fixture("remove-unknown.stderr"),
        };
        assert!(is_no_such_service(&out));
        let ok = CommandOutput {
            code: Some(0),
            stdout: fixture("remove.stdout"),
            stderr: String::new(),
        };
        assert!(!is_no_such_service(&ok));
    }

    #[test]
    fn failures_name_command_code_and_reason() {
        let cmd = CommandSpec::new("antctl", ["start", "--service-name", "antnode1"]);
        let out = CommandOutput {
            code: Some(1),
            stdout: fixture("start-pid-not-found.stdout"),
            stderr: fixture("start-pid-not-found.stderr"),
        };
        let e = check(&cmd, &out, "starting antnode1").unwrap_err();
        let m = e.to_string();
        assert!(
            m.starts_with(
                "starting antnode1: `antctl start --service-name antnode1` exited with code 1"
            ),
            "{m}"
        );
        assert!(
            m.contains("The PID of the process was not found after starting it"),
            "{m}"
        );
        assert!(!m.contains('\u{1b}'), "{m}");
        let sudo = CommandSpec::new("sudo", ["-n", "antctl", "stop"]);
        let pw = CommandOutput {
            code: Some(1),
            stdout: String::new(),
            stderr: "sudo: a password is required\n".into(),
        };
        assert!(
            check(&sudo, &pw, "x")
                .unwrap_err()
                .to_string()
                .contains("antctl+sudo needs passwordless sudo")
        );
        let killed = CommandOutput {
            code: None,
            ..Default::default()
        };
        let m = failure(&cmd, &killed, "starting antnode1").to_string();
        assert!(m.contains("exited with a signal"), "{m}");
        assert!(!m.contains("timeout"), "{m}");
    }
}

//! Turning bollard's errors into `wnm_core::Error`s that say what to do: the engine not
//! answering, the socket refusing wnm's user, an image that is not on the host.
use wnm_core::{Error, ErrorKind};

/// Where the engine is expected (`DOCKER_HOST` or the default socket), for messages.
pub fn docker_host() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string())
}

fn io_kind(e: &bollard::errors::Error) -> Option<std::io::ErrorKind> {
    // `IOError` is transparent: its own `source()` skips the io::Error it holds.
    if let bollard::errors::Error::IOError { err } = e {
        return Some(err.kind());
    }
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cur = err.source();
    }
    None
}

/// The HTTP status docker answered with, if it answered.
pub fn status_code(e: &bollard::errors::Error) -> Option<u16> {
    match e {
        bollard::errors::Error::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

/// A wnm error for `what` failing with `e`.
pub fn docker_error(what: &str, e: bollard::errors::Error) -> Error {
    let host = docker_host();
    let (kind, hint) = match &e {
        bollard::errors::Error::DockerResponseServerError { status_code, .. } => (
            if *status_code == 404 {
                ErrorKind::NotFound
            } else {
                ErrorKind::Backend
            },
            String::new(),
        ),
        bollard::errors::Error::SocketNotFoundError(_) => (
            ErrorKind::Backend,
            format!(
                "; the Docker engine's socket {host} does not exist: install and start Docker (`sudo systemctl start docker`) or set DOCKER_HOST"
            ),
        ),
        bollard::errors::Error::RequestTimeoutError => (
            ErrorKind::Timeout,
            format!("; the Docker engine at {host} did not answer in time"),
        ),
        other => match io_kind(other) {
            Some(std::io::ErrorKind::PermissionDenied) => (
                ErrorKind::Backend,
                format!(
                    "; permission denied on {host}: add yourself to the docker group (`sudo usermod -aG docker $USER`, then log in again) or run wnm as root"
                ),
            ),
            Some(std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused) => (
                ErrorKind::Backend,
                format!(
                    "; the Docker engine does not answer at {host}: start it (`sudo systemctl start docker`) or set DOCKER_HOST"
                ),
            ),
            _ => (ErrorKind::Backend, String::new()),
        },
    };
    Error::new(kind, format!("{what}: {e}{hint}")).with_source(e)
}

/// The error for an image that is not on the host (wnm never pulls).
pub fn image_missing(image: &str) -> Error {
    Error::not_found(format!(
        "docker image {image} is not on this host (`docker images {image}` shows none): build or load it (`docker build`, `docker load -i FILE`, or `docker pull {image}` where a registry is reachable), or set docker_image to one that is; wnm never pulls images"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_do() {
        let e = docker_error(
            "listing containers",
            bollard::errors::Error::IOError {
                err: std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied"),
            },
        );
        assert_eq!(e.kind(), ErrorKind::Backend);
        assert!(e.message().contains("docker group"), "{e}");
        let e = docker_error(
            "listing containers",
            bollard::errors::Error::IOError {
                err: std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused"),
            },
        );
        assert!(e.message().contains("does not answer"), "{e}");
        let e = docker_error(
            "creating wnm-pod-x-1",
            bollard::errors::Error::DockerResponseServerError {
                status_code: 404,
                message: "No such image".into(),
            },
        );
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.message().starts_with("creating wnm-pod-x-1: "), "{e}");
        let e = image_missing("wnm-pod:1");
        assert!(e.message().contains("docker images wnm-pod:1"), "{e}");
        assert!(e.message().contains("never pulls"), "{e}");
    }
}

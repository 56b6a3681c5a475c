//! A testing and what-if hook: `WNM_MACHINE_METRICS_OVERRIDE=FILE` names a JSON object whose
//! fields replace the measured machine metrics (e.g. `{"cpu_percent": 85}`), so an operator or a
//! test can see how a real colony reacts to pressure without creating it. Unknown fields are an error.
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use wnm_core::{Error, MachineMetrics, Result};
use wnm_survey::MachineSampler;

/// The environment variable naming the override file.
pub const OVERRIDE_ENV: &str = "WNM_MACHINE_METRICS_OVERRIDE";

/// Wraps a sampler and overlays the fields found in a JSON file (read at each `finish`).
pub struct OverrideSampler {
    inner: Box<dyn MachineSampler>,
    file: PathBuf,
}

impl OverrideSampler {
    /// Overlay `file` on `inner`.
    pub fn new(inner: Box<dyn MachineSampler>, file: &Path) -> Self {
        OverrideSampler {
            inner,
            file: file.to_path_buf(),
        }
    }
}

/// Overlay the JSON object `text` on `base`; every key must be a `MachineMetrics` field.
pub fn overlay(base: &MachineMetrics, text: &str, what: &str) -> Result<MachineMetrics> {
    let patch: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::invalid_config(format!("{what}: not JSON: {e}")))?;
    let serde_json::Value::Object(patch) = patch else {
        return Err(Error::invalid_config(format!(
            "{what}: must be a JSON object"
        )));
    };
    let mut v =
        serde_json::to_value(base).map_err(|e| Error::invalid_config(format!("{what}: {e}")))?;
    if let serde_json::Value::Object(obj) = &mut v {
        for (k, val) in patch {
            obj.insert(k, val);
        }
    }
    serde_json::from_value(v).map_err(|e| Error::invalid_config(format!("{what}: {e}")))
}

#[async_trait]
impl MachineSampler for OverrideSampler {
    fn set_node_paths(&mut self, paths: Vec<PathBuf>) {
        self.inner.set_node_paths(paths);
    }

    fn begin(&mut self) -> Result<()> {
        self.inner.begin()
    }

    async fn finish(&mut self) -> Result<MachineMetrics> {
        let base = self.inner.finish().await?;
        let text = std::fs::read_to_string(&self.file).map_err(|e| {
            Error::io(
                format!("reading {OVERRIDE_ENV} file {}", self.file.display()),
                e,
            )
        })?;
        overlay(
            &base,
            &text,
            &format!("{OVERRIDE_ENV} file {}", self.file.display()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlays_known_fields_and_rejects_unknown() {
        let base = MachineMetrics {
            cpu_percent: 10.0,
            mem_percent: 20.0,
            ..Default::default()
        };
        let m = overlay(&base, r#"{"cpu_percent": 85}"#, "t").unwrap();
        assert_eq!(m.cpu_percent, 85.0);
        assert_eq!(m.mem_percent, 20.0);
        let e = overlay(&base, r#"{"cpu_precent": 85}"#, "t").unwrap_err();
        assert!(e.to_string().contains("cpu_precent"), "{e}");
        assert!(overlay(&base, "[1]", "t").is_err());
        assert!(overlay(&base, "{", "t").is_err());
    }
}

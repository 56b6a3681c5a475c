//! Resolution: layers over the stored machine row over the defaults, giving the `Machine` this run
//! uses (changes take effect now) and the `Change`s the caller persists. Immutable settings that
//! differ from the stored row and invalid settings are refused before anything is written.
use crate::keys::{self, Key};
use crate::layers::{Layers, bad_value};
use crate::options::RunOptions;
use crate::sources::{Origin, Sources};
use crate::validate::validate;
use std::collections::BTreeMap;
use std::fmt;
use wnm_core::{Error, Machine, Result};

/// Whether this run creates the colony (`--init`) or runs against a stored machine row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `--init`: no stored row is needed; defaults fill what is not given.
    Init,
    /// A normal run: the stored row is required.
    Run,
}

/// One setting that differs from the stored row (or, at init, from the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The setting.
    pub key: &'static str,
    /// Its value before (stored row or default), rendered.
    pub old: String,
    /// Its value now, rendered.
    pub new: String,
    /// Where the new value came from.
    pub origin: Origin,
}

impl fmt::Display for Change {
    /// `node_cap 20 -> 40`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} -> {}",
            self.key,
            shown(&self.old),
            shown(&self.new)
        )
    }
}

fn shown(v: &str) -> String {
    if v.is_empty() || v.contains(char::is_whitespace) {
        format!("{v:?}")
    } else {
        v.to_string()
    }
}

/// The outcome of resolution.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The settings this run uses.
    pub machine: Machine,
    /// Settings that differ from the stored row (persist them unless `--dry_run`).
    pub changes: Vec<Change>,
    /// Where each setting's value came from.
    pub origins: BTreeMap<&'static str, Origin>,
    /// The transient options of this run.
    pub options: RunOptions,
    /// Non-fatal notes for the operator (unknown `.env` variables ...).
    pub warnings: Vec<String>,
}

/// Resolve `sources` over `stored` (the machine row, if any) over `defaults`.
///
/// Errors (all `InvalidConfig` unless noted): a malformed or unknown flag, config key or value; an
/// immutable setting that differs from `stored`; a rule of `validate` broken; `Mode::Run` without
/// a stored row (`NotFound`).
pub fn resolve(
    sources: &Sources,
    stored: Option<&Machine>,
    defaults: &Machine,
    mode: Mode,
) -> Result<Resolved> {
    Layers::collect(sources)?.resolve(stored, defaults, mode)
}

impl Layers {
    /// Resolve these layers over `stored` over `defaults`; see [`resolve`].
    pub fn resolve(
        &self,
        stored: Option<&Machine>,
        defaults: &Machine,
        mode: Mode,
    ) -> Result<Resolved> {
        let (base, base_origin) = match (stored, mode) {
            (Some(s), _) => (s.clone(), Origin::Stored),
            (None, Mode::Init) => (defaults.clone(), Origin::Default),
            (None, Mode::Run) => {
                return Err(Error::not_found(
                    "no machine is configured in the database yet: run wnm --init --rewards_address <wallet> first",
                ));
            }
        };
        let init = mode == Mode::Init;
        let mut machine = base.clone();
        let mut origins = BTreeMap::new();
        for key in keys::settings() {
            let s = setting(key);
            match self.winner(key.name, init) {
                Some(g) => {
                    (s.set)(&mut machine, &g.value)
                        .map_err(|a| bad_value(key.name, &g.value, &g.origin, &a))?;
                    origins.insert(key.name, g.origin.clone());
                }
                None => {
                    origins.insert(key.name, base_origin.clone());
                }
            }
        }

        if let Some(stored) = stored {
            for key in keys::settings().filter(|k| k.is_immutable()) {
                let s = setting(key);
                let (was, now) = ((s.get)(stored), (s.get)(&machine));
                if was != now {
                    return Err(Error::invalid_config(format!(
                        "{k} cannot change after --init: the database has {k} = {was}, but {} gives {now}. \
                         Nodes already use the stored value; remove the setting or set it back to {was} \
                         (a different value needs a new colony: --init with another --dbpath)",
                        origins[key.name],
                        k = key.name
                    )));
                }
            }
        }

        validate(&machine, &base, &|k| {
            origins.get(k).cloned().unwrap_or(Origin::Default)
        })?;

        let changes = keys::settings()
            .filter_map(|key| {
                let s = setting(key);
                let (old, new) = ((s.get)(&base), (s.get)(&machine));
                (old != new).then(|| Change {
                    key: key.name,
                    old,
                    new,
                    origin: origins[key.name].clone(),
                })
            })
            .collect();

        Ok(Resolved {
            machine,
            changes,
            origins,
            options: self.options()?,
            warnings: self.warnings.clone(),
        })
    }
}

fn setting(key: &Key) -> crate::keys::Setting {
    key.setting.expect("keys::settings() yields settings only")
}

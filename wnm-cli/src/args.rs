//! The flat, snake_case flags of the main job (the Python wnm's names, each also read from its
//! UPPER_CASE environment variable).

/// Flags of a `wnm` run.
#[derive(Debug, Default, clap::Args)]
pub struct RunArgs {}

//! The one place wnm spawns and signals processes: `SystemRunner` implements `wnm_core::Runner`.

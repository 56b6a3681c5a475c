//! Seeing the colony: OpenMetrics parsing, the concurrent node survey over HTTP, and machine metrics.
//!
//! - [`openmetrics`]: an allocation-free tokenizer for OpenMetrics text.
//! - [`parse_metrics`] / [`parse_metadata`]: antnode's `/metrics` and `/metadata` into
//!   [`wnm_core::NodeMetrics`] and [`Metadata`].
//! - [`survey`]: many nodes at once, bounded in flight, a deadline per node; plain results.
//! - [`MachineSampler`]: host figures over a window overlapping the survey
//!   ([`SysinfoSampler`] for real, [`FixedSampler`] for tests).

pub mod boot;
pub mod cgroup;
mod extract;
mod http;
pub mod machine;
pub mod openmetrics;
mod survey;

pub use extract::{Metadata, parse_metadata, parse_metrics, to_f64, to_u64};
pub use machine::{FixedSampler, MachineSampler, SysinfoSampler};
pub use openmetrics::ParseError;
pub use survey::{
    MetadataReading, Outcome, Reading, SurveyOptions, SurveyResult, SurveyTarget, survey,
    survey_node,
};

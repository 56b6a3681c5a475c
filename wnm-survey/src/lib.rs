//! Seeing the colony: OpenMetrics parsing, the concurrent node survey over HTTP, and machine metrics.

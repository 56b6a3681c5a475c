//! Fuzz target: the OpenMetrics tokenizer and the /metrics and /metadata readers must never
//! panic, and a body that validates must also be readable by both extractors.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wnm_survey::openmetrics::{Line, Lines, validate};
use wnm_survey::{parse_metadata, parse_metrics};

fuzz_target!(|data: &[u8]| {
    let metrics = parse_metrics(data);
    let metadata = parse_metadata(data);
    if validate(data).is_ok() {
        // Whatever validates fully must be accepted by the lazy readers too.
        assert!(
            metrics.is_ok(),
            "validate ok but parse_metrics failed: {metrics:?}"
        );
        assert!(
            metadata.is_ok(),
            "validate ok but parse_metadata failed: {metadata:?}"
        );
    }
    if let Ok(lines) = Lines::new(data) {
        for line in lines.flatten() {
            if let Line::Sample(s) = line
                && let Ok(sample) = s.parse()
            {
                for label in sample.labels.iter() {
                    let _ = label.value();
                }
            }
        }
    }
});

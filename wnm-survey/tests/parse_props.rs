//! Property tests: the parser never panics on any input, and reads back what a writer wrote.
use proptest::prelude::*;
use wnm_survey::openmetrics::{Line, Lines, validate};
use wnm_survey::{parse_metadata, parse_metrics};

const MAINNET: &[u8] =
    include_bytes!("../../wnm-testkit/fixtures/antnode-0.4.7-mainnet/metrics.txt");

/// Run every entry point; they may fail but must not panic.
fn exercise(body: &[u8]) {
    let _ = parse_metrics(body);
    let _ = parse_metadata(body);
    let _ = validate(body);
    if let Ok(lines) = Lines::new(body) {
        for line in lines.flatten() {
            if let Line::Sample(s) = line
                && let Ok(sample) = s.parse()
            {
                for l in sample.labels.iter() {
                    let _ = l.value();
                }
            }
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&body);
    }

    #[test]
    fn arbitrary_text_never_panics(body in "\\PC{0,400}") {
        exercise(body.as_bytes());
    }

    #[test]
    fn openmetrics_shaped_text_never_panics(
        body in "((# (HELP|TYPE|UNIT|EOF) ?)?[a-z_:]{0,6}(\\{([a-z_]{0,3}(=\"([a-z\\\\\"n,{} ]{0,5})\")?,?){0,3}\\}?)? ?[-+0-9.eEnNaIif]{0,6} ?[0-9#{}]{0,4}\r?\n){0,8}"
    ) {
        exercise(body.as_bytes());
    }

    #[test]
    fn mutated_mainnet_bodies_never_panic(
        cut in 0..MAINNET.len(),
        flips in proptest::collection::vec((0..MAINNET.len(), any::<u8>()), 0..8),
    ) {
        let mut body = MAINNET.to_vec();
        for (at, byte) in flips {
            body[at] = byte;
        }
        body.truncate(cut.max(1));
        exercise(&body);
    }

    #[test]
    fn written_samples_read_back(
        samples in proptest::collection::vec(
            ("[a-z_][a-z0-9_]{0,12}",
             proptest::collection::vec(("[a-z_][a-z0-9_]{0,6}", "\\PC{0,8}"), 0..3),
             any::<u32>()),
            0..12)
    ) {
        let mut body = String::new();
        for (name, labels, value) in &samples {
            body.push_str(name);
            if !labels.is_empty() {
                let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
                body.push_str(&format!("{{{}}}", l.join(",")));
            }
            body.push_str(&format!(" {value}\n"));
        }
        body.push_str("# EOF\n");
        let mut read = Vec::new();
        for line in Lines::new(body.as_bytes()).unwrap() {
            if let Line::Sample(s) = line.unwrap() {
                let s = s.parse().unwrap();
                let labels: Vec<(String, String)> =
                    s.labels.iter().map(|l| (l.name.to_string(), l.value().into_owned())).collect();
                read.push((s.name.to_string(), labels, s.value.parse::<u32>().unwrap()));
            }
        }
        prop_assert_eq!(read, samples);
    }

    #[test]
    fn puts_are_the_sum_over_labels(counts in proptest::collection::vec(0u32..1_000_000, 0..10)) {
        let mut body = String::from("# TYPE ant_node_put_record_ok counter\n");
        for (i, c) in counts.iter().enumerate() {
            body.push_str(&format!("ant_node_put_record_ok_total{{record_type=\"t{i}\"}} {c}\n"));
        }
        body.push_str("# EOF\n");
        let m = parse_metrics(body.as_bytes()).unwrap();
        prop_assert_eq!(m.puts, counts.iter().map(|&c| u64::from(c)).sum::<u64>());
    }
}

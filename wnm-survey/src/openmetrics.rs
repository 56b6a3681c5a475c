//! An allocation-free OpenMetrics text tokenizer: lines, samples, labels and numbers, by the grammar.
//!
//! The body is split into lines (a label value cannot hold a raw LF, so every line ends at
//! the next LF). Each line is one of `# HELP|TYPE|UNIT name ...`, `# EOF`, or a sample
//! `metricname[{labels}] value [timestamp] [# exemplar]`. [`Lines`] yields them lazily:
//! a sample's name is checked at once, its labels and value only when [`SampleLine::parse`]
//! is called, so a reader that wants a few families pays for those only. [`validate`] parses
//! every line fully (what the fuzz target and the property tests drive).
//!
//! Leniencies, all harmless for reading: blank lines and other `#` comments are skipped
//! (Prometheus text allows them), a trailing comma in a label set is accepted.
use std::borrow::Cow;
use std::fmt;

/// Why a body is not OpenMetrics text: the 1-based line and what was wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number (0 when the problem is the body as a whole).
    pub line: usize,
    /// What was wrong.
    pub what: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "not OpenMetrics text: {}", self.what)
        } else {
            write!(f, "not OpenMetrics text: line {}: {}", self.line, self.what)
        }
    }
}

impl std::error::Error for ParseError {}

/// One line of an exposition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Line<'a> {
    /// `# HELP`, `# TYPE` or `# UNIT` for a family.
    Descriptor {
        /// `HELP`, `TYPE` or `UNIT`.
        kind: &'a str,
        /// The family name.
        family: &'a str,
        /// The rest of the line after the family name (help text, type, unit).
        rest: &'a str,
    },
    /// A sample, its labels and value still unparsed.
    Sample(SampleLine<'a>),
    /// `# EOF`: the end of the exposition.
    Eof,
}

/// A sample line whose metric name is known and whose remainder is parsed on demand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleLine<'a> {
    /// The metric (sample) name, e.g. `ant_node_put_record_ok_total`.
    pub name: &'a str,
    rest: &'a str,
    line: usize,
}

/// A fully parsed sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample<'a> {
    /// The metric (sample) name.
    pub name: &'a str,
    /// The label set, validated; iterate with [`Labels::iter`].
    pub labels: Labels<'a>,
    /// The value token, validated as an OpenMetrics number (`12`, `0.5`, `NaN`, `+Inf`, `1e3`).
    pub value: &'a str,
}

/// A validated label set (the text between `{` and `}`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Labels<'a> {
    raw: &'a str,
}

/// One label: its name and its value as written (still escaped).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Label<'a> {
    /// Label name.
    pub name: &'a str,
    /// Label value with `\\`, `\"` and `\n` escapes still in place.
    pub raw_value: &'a str,
}

impl<'a> Label<'a> {
    /// The value with escapes resolved; borrows when there was nothing to unescape.
    pub fn value(&self) -> Cow<'a, str> {
        unescape(self.raw_value)
    }
}

impl<'a> Labels<'a> {
    /// No labels.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The labels in order.
    pub fn iter(&self) -> LabelIter<'a> {
        LabelIter { rest: self.raw }
    }

    /// The escaped value of label `name`, if present.
    pub fn get(&self, name: &str) -> Option<Label<'a>> {
        self.iter().find(|l| l.name == name)
    }
}

/// Iterator over a validated label set.
#[derive(Debug, Clone)]
pub struct LabelIter<'a> {
    rest: &'a str,
}

impl<'a> Iterator for LabelIter<'a> {
    type Item = Label<'a>;
    fn next(&mut self) -> Option<Label<'a>> {
        // The set was validated by `parse_labels`, so this walk cannot fail; it still
        // returns None rather than panicking if it ever met something unexpected.
        let s = self.rest;
        if s.is_empty() {
            return None;
        }
        let eq = s.find('=')?;
        let name = &s[..eq];
        let after = s.get(eq + 2..)?; // skip `="`
        let end = closing_quote(after.as_bytes())?;
        let raw_value = &after[..end];
        let tail = &after[end + 1..];
        self.rest = tail.strip_prefix(',').unwrap_or(tail);
        Some(Label { name, raw_value })
    }
}

impl<'a> SampleLine<'a> {
    /// Parse labels, value, optional timestamp and exemplar of this line.
    pub fn parse(&self) -> Result<Sample<'a>, ParseError> {
        let err = |what| ParseError {
            line: self.line,
            what,
        };
        let mut rest = self.rest;
        let mut labels = Labels::default();
        if rest.starts_with('{') {
            let (l, tail) = parse_labels(rest).map_err(err)?;
            labels = l;
            rest = tail;
        }
        let rest = rest
            .strip_prefix(' ')
            .ok_or(err("expected a space before the value"))?;
        let (value, tail) = split_token(rest);
        if !is_number(value) {
            return Err(err("value is not a number"));
        }
        if !tail.is_empty() {
            let tail = &tail[1..]; // split_token stops at a space
            let tail = if tail.starts_with('#') {
                tail
            } else {
                let (ts, t) = split_token(tail);
                if !is_real_number(ts) {
                    return Err(err("timestamp is not a number"));
                }
                t.strip_prefix(' ').unwrap_or(t)
            };
            if !tail.is_empty() {
                parse_exemplar(tail).map_err(err)?;
            }
        }
        Ok(Sample {
            name: self.name,
            labels,
            value,
        })
    }
}

/// Lazily yields the lines of an exposition; stops after `# EOF`.
///
/// Yields `Err` once for the first malformed line, for bytes after `# EOF`, or for a body
/// that ends without `# EOF` (a truncated answer), then ends.
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    rest: &'a str,
    line: usize,
    done: bool,
}

impl<'a> Lines<'a> {
    /// Tokenize `body`, which must be UTF-8 (OpenMetrics text always is).
    pub fn new(body: &'a [u8]) -> Result<Self, ParseError> {
        let text = std::str::from_utf8(body).map_err(|_| ParseError {
            line: 0,
            what: "body is not UTF-8 text",
        })?;
        Ok(Lines {
            rest: text,
            line: 0,
            done: false,
        })
    }

    fn fail(&mut self, what: &'static str) -> Option<Result<Line<'a>, ParseError>> {
        self.done = true;
        Some(Err(ParseError {
            line: self.line,
            what,
        }))
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Result<Line<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            if self.rest.is_empty() {
                self.line += 1;
                return self.fail("missing `# EOF` (body truncated?)");
            }
            let (line, tail) = match memchr::memchr(b'\n', self.rest.as_bytes()) {
                Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
                None => (self.rest, ""),
            };
            self.rest = tail;
            self.line += 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            if let Some(comment) = line.strip_prefix('#') {
                if comment == " EOF" {
                    self.done = true;
                    if !self.rest.is_empty() {
                        self.line += 1;
                        return self.fail("text after `# EOF`");
                    }
                    return Some(Ok(Line::Eof));
                }
                match parse_descriptor(comment) {
                    Ok(Some(d)) => return Some(Ok(d)),
                    Ok(None) => continue, // another comment
                    Err(what) => return self.fail(what),
                }
            }
            let name_len = metricname_len(line.as_bytes());
            if name_len == 0 {
                return self.fail("line does not start with a metric name");
            }
            return Some(Ok(Line::Sample(SampleLine {
                name: &line[..name_len],
                rest: &line[name_len..],
                line: self.line,
            })));
        }
    }
}

/// Parse every line of `body` fully; `Ok` with the number of samples if it is valid.
pub fn validate(body: &[u8]) -> Result<usize, ParseError> {
    let mut samples = 0usize;
    for line in Lines::new(body)? {
        if let Line::Sample(s) = line? {
            let sample = s.parse()?;
            for label in sample.labels.iter() {
                let _ = label.value();
            }
            samples += 1;
        }
    }
    Ok(samples)
}

/// `# HELP name text`, `# TYPE name type`, `# UNIT name unit` -> a descriptor; other comments -> None.
fn parse_descriptor(comment: &str) -> Result<Option<Line<'_>>, &'static str> {
    let Some(body) = comment.strip_prefix(' ') else {
        return Ok(None);
    };
    let (kind, rest) = split_token(body);
    if !matches!(kind, "HELP" | "TYPE" | "UNIT") {
        return Ok(None);
    }
    let rest = rest
        .strip_prefix(' ')
        .ok_or("descriptor without a family name")?;
    let n = metricname_len(rest.as_bytes());
    if n == 0 {
        return Err("descriptor family is not a metric name");
    }
    let family = &rest[..n];
    let after = &rest[n..];
    let text = match after.strip_prefix(' ') {
        Some(t) => t,
        None if after.is_empty() => "",
        None => return Err("descriptor family is not a metric name"),
    };
    match kind {
        "TYPE" => {
            if !matches!(
                text,
                "counter"
                    | "gauge"
                    | "histogram"
                    | "gaugehistogram"
                    | "stateset"
                    | "info"
                    | "summary"
                    | "unknown"
            ) {
                return Err("unknown metric type");
            }
        }
        "HELP" => {
            if !escapes_ok(text) {
                return Err("bad escape in HELP text");
            }
        }
        _ => {
            if text.bytes().any(|b| !is_name_char(b)) {
                return Err("bad UNIT");
            }
        }
    }
    Ok(Some(Line::Descriptor {
        kind,
        family,
        rest: text,
    }))
}

/// `{name="value",...}` at the start of `s` -> (labels, text after `}`).
fn parse_labels(s: &str) -> Result<(Labels<'_>, &str), &'static str> {
    let b = s.as_bytes();
    let mut i = 1; // past `{`
    loop {
        if b.get(i) == Some(&b'}') {
            let raw = &s[1..i];
            let raw = raw.strip_suffix(',').unwrap_or(raw);
            return Ok((Labels { raw }, &s[i + 1..]));
        }
        let n = labelname_len(&b[i..]);
        if n == 0 {
            return Err("bad label name");
        }
        i += n;
        if b.get(i) != Some(&b'=') || b.get(i + 1) != Some(&b'"') {
            return Err("label name not followed by =\"");
        }
        i += 2;
        let end = closing_quote(&b[i..]).ok_or("label value not closed")?;
        if !escapes_ok(&s[i..i + end]) {
            return Err("bad escape in label value");
        }
        i += end + 1;
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => {}
            _ => return Err("labels not separated by a comma"),
        }
    }
}

/// ` # {labels} value [timestamp]` after the sample (the leading space already consumed).
fn parse_exemplar(s: &str) -> Result<(), &'static str> {
    let s = s
        .strip_prefix("# ")
        .ok_or("unexpected text after the value")?;
    if !s.starts_with('{') {
        return Err("exemplar without labels");
    }
    let (_, rest) = parse_labels(s)?;
    let rest = rest.strip_prefix(' ').ok_or("exemplar without a value")?;
    let (value, tail) = split_token(rest);
    if !is_number(value) {
        return Err("exemplar value is not a number");
    }
    if tail.is_empty() {
        return Ok(());
    }
    let ts = &tail[1..];
    if is_real_number(ts) {
        Ok(())
    } else {
        Err("exemplar timestamp is not a number")
    }
}

/// Index of the first unescaped `"` in `b`.
fn closing_quote(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        let j = memchr::memchr2(b'"', b'\\', b.get(i..)?)? + i;
        if b[j] == b'"' {
            return Some(j);
        }
        i = j + 2; // skip the escaped character
    }
}

/// Every backslash is followed by `\`, `"` or `n`.
fn escapes_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(j) = b.get(i..).and_then(|t| memchr::memchr(b'\\', t)) {
        let j = i + j;
        if !matches!(b.get(j + 1), Some(b'\\' | b'"' | b'n')) {
            return false;
        }
        i = j + 2;
    }
    true
}

/// Resolve `\\`, `\"` and `\n`.
pub fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The text up to the first space, and the rest starting at that space (or empty).
fn split_token(s: &str) -> (&str, &str) {
    match memchr::memchr(b' ', s.as_bytes()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

fn is_name_initial(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':'
}

fn is_name_char(b: u8) -> bool {
    is_name_initial(b) || b.is_ascii_digit()
}

fn metricname_len(b: &[u8]) -> usize {
    match b.first() {
        Some(&c) if is_name_initial(c) => b.iter().take_while(|&&c| is_name_char(c)).count(),
        _ => 0,
    }
}

fn labelname_len(b: &[u8]) -> usize {
    match b.first() {
        Some(&c) if c.is_ascii_alphabetic() || c == b'_' => b
            .iter()
            .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_')
            .count(),
        _ => 0,
    }
}

/// An OpenMetrics number: a real number, `[+-]Inf`/`Infinity`, or `NaN` (case-insensitive).
pub fn is_number(s: &str) -> bool {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity") {
        return true;
    }
    s.eq_ignore_ascii_case("nan") || is_real_number(s)
}

/// `[+-] digits [. digits] [e [+-] digits]`, with at least one digit in the mantissa.
pub fn is_real_number(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = int;
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac;
    }
    if int + frac == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Owned = (String, Vec<(String, String)>, String);

    fn samples(body: &str) -> Vec<Owned> {
        Lines::new(body.as_bytes())
            .unwrap()
            .filter_map(|l| match l.unwrap() {
                Line::Sample(s) => {
                    let s = s.parse().unwrap();
                    Some((
                        s.name.to_string(),
                        s.labels
                            .iter()
                            .map(|l| (l.name.to_string(), l.value().into_owned()))
                            .collect(),
                        s.value.to_string(),
                    ))
                }
                _ => None,
            })
            .collect()
    }

    fn err(body: &str) -> ParseError {
        validate(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn samples_labels_and_values() {
        let got = samples(
            "# HELP a_total A.\n# TYPE a counter\na_total{x=\"1\",y=\"q\\\"u\\\\o\\nte\"} 3\nb NaN\nc +Inf 1700000000\n# EOF\n",
        );
        assert_eq!(
            got,
            vec![
                (
                    "a_total".into(),
                    vec![("x".into(), "1".into()), ("y".into(), "q\"u\\o\nte".into())],
                    "3".into()
                ),
                ("b".into(), vec![], "NaN".into()),
                ("c".into(), vec![], "+Inf".into()),
            ]
        );
    }

    #[test]
    fn descriptors_and_eof() {
        let lines: Vec<_> = Lines::new(
            b"# HELP x_total Hello \\\\ there.\n# UNIT x seconds\n# TYPE x counter\n# EOF",
        )
        .unwrap()
        .map(|l| l.unwrap())
        .collect();
        assert_eq!(
            lines,
            vec![
                Line::Descriptor {
                    kind: "HELP",
                    family: "x_total",
                    rest: "Hello \\\\ there."
                },
                Line::Descriptor {
                    kind: "UNIT",
                    family: "x",
                    rest: "seconds"
                },
                Line::Descriptor {
                    kind: "TYPE",
                    family: "x",
                    rest: "counter"
                },
                Line::Eof
            ]
        );
    }

    #[test]
    fn exemplars_timestamps_trailing_comma_and_crlf() {
        assert_eq!(
            validate(
                b"a_bucket{le=\"1\",} 2 123.5 # {trace_id=\"x\"} 0.5 17\r\nb 1 # {} 2\n# EOF\n"
            ),
            Ok(2)
        );
    }

    #[test]
    fn number_grammar() {
        for ok in [
            "0",
            "12",
            "-3",
            "+4",
            "1.5",
            ".5",
            "5.",
            "1e9",
            "1E-3",
            "NaN",
            "nan",
            "+Inf",
            "-inf",
            "Infinity",
            "184467440737095516150",
        ] {
            assert!(is_number(ok), "{ok}");
        }
        for bad in [
            "", "-", ".", "e5", "1e", "1.2.3", "0x10", "1_000", "inf1", "++1", " 1",
        ] {
            assert!(!is_number(bad), "{bad}");
        }
    }

    #[test]
    fn malformed_lines_name_their_line() {
        assert_eq!(err("a 1\n").what, "missing `# EOF` (body truncated?)");
        assert_eq!(err("").line, 1);
        assert_eq!(err("a 1\n# EOF\nb 2\n").what, "text after `# EOF`");
        assert_eq!(err("a 1\n9a 2\n# EOF\n").line, 2);
        assert_eq!(err("a{x=\"1} 2\n# EOF\n").what, "label value not closed");
        assert_eq!(
            err("a{x=\"\\q\"} 2\n# EOF\n").what,
            "bad escape in label value"
        );
        assert_eq!(
            err("a{x=1} 2\n# EOF\n").what,
            "label name not followed by =\""
        );
        assert_eq!(
            err("a{x=\"1\" y=\"2\"} 2\n# EOF\n").what,
            "labels not separated by a comma"
        );
        assert_eq!(err("a{=\"1\"} 2\n# EOF\n").what, "bad label name");
        assert_eq!(err("a  2\n# EOF\n").what, "value is not a number");
        assert_eq!(err("a 2 x\n# EOF\n").what, "timestamp is not a number");
        assert_eq!(
            err("a 2 3 4\n# EOF\n").what,
            "unexpected text after the value"
        );
        assert_eq!(err("a\n# EOF\n").what, "expected a space before the value");
        assert_eq!(err("# TYPE a wobbly\n# EOF\n").what, "unknown metric type");
        assert_eq!(
            err("# HELP 1a x\n# EOF\n").what,
            "descriptor family is not a metric name"
        );
        assert_eq!(validate(b"\xff\xfe# EOF\n").unwrap_err().line, 0);
    }

    #[test]
    fn other_comments_and_blank_lines_are_skipped() {
        assert_eq!(validate(b"# just a note\n\na 1\n# EOF\n"), Ok(1));
    }

    #[test]
    fn unescape_borrows_when_it_can() {
        assert!(matches!(unescape("plain"), Cow::Borrowed("plain")));
        assert_eq!(unescape(r#"a\"b\\c\nd"#), "a\"b\\c\nd");
    }
}

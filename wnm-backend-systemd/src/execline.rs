//! systemd's command-line and assignment syntax, both ways: quoting arguments for `ExecStart=`
//! and `Environment=` (quotes, C escapes, `%%` specifiers, `$$` variables) and splitting them back.
use wnm_core::{Error, Result};

/// Quote one `ExecStart=` word: `%` becomes `%%` (specifier), `$` becomes `$$` (variable), and a
/// word with blanks, quotes, backslashes or control characters (or an empty one) is put in double
/// quotes with C escapes.
pub fn quote_exec_word(word: &str) -> String {
    let escaped = word.replace('%', "%%").replace('$', "$$");
    quote_word(&escaped)
}

/// Quote one `Environment=` assignment `KEY=VALUE`: always double-quoted (as anm writes it),
/// `%` doubled; `$` stays (systemd does not expand variables in `Environment=`).
pub fn quote_env_assignment(key: &str, value: &str) -> String {
    let raw = format!("{key}={value}").replace('%', "%%");
    format!("\"{}\"", c_escape(&raw))
}

/// Build a whole `ExecStart=` value from a program and its arguments.
pub fn exec_line(argv: &[String]) -> String {
    argv.iter()
        .map(|w| quote_exec_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn needs_quotes(w: &str) -> bool {
    w.is_empty()
        || w == ";"
        || w.chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '\\'))
}

fn quote_word(w: &str) -> String {
    if needs_quotes(w) {
        format!("\"{}\"", c_escape(w))
    } else {
        w.to_string()
    }
}

fn c_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Split a value into words the way systemd does: blanks separate words, `"..."` and `'...'`
/// group, C escapes (`\\ \" \' \n \t \r \s \xHH`) are decoded. Specifiers and variables are not
/// touched (see [`split_exec_line`]).
pub fn split_words(s: &str) -> Result<Vec<String>> {
    let mut words = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(words);
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match (quote, c) {
                (None, c) if c.is_whitespace() => break,
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (_, '\\') => {
                    let e = chars.next().ok_or_else(|| {
                        Error::invalid_config(format!("{s:?}: a backslash ends the line"))
                    })?;
                    match e {
                        'n' => word.push('\n'),
                        't' => word.push('\t'),
                        'r' => word.push('\r'),
                        's' => word.push(' '),
                        'x' => {
                            let hex: String = chars.by_ref().take(2).collect();
                            let v = u8::from_str_radix(&hex, 16).map_err(|_| {
                                Error::invalid_config(format!("{s:?}: bad escape \\x{hex}"))
                            })?;
                            word.push(char::from(v));
                        }
                        other => word.push(other),
                    }
                }
                (_, c) => word.push(c),
            }
        }
        if quote.is_some() {
            return Err(Error::invalid_config(format!(
                "{s:?}: a quote is not closed"
            )));
        }
        words.push(word);
    }
}

/// Split an `ExecStart=` value into the program and its arguments: words as [`split_words`], then
/// `%%` -> `%` and `$$` -> `$` in each word, and the executable prefixes (`-@:+!`) dropped from
/// the program.
pub fn split_exec_line(s: &str) -> Result<Vec<String>> {
    let mut words: Vec<String> = split_words(s)?
        .into_iter()
        .map(|w| w.replace("%%", "%").replace("$$", "$"))
        .collect();
    if let Some(first) = words.first_mut() {
        let trimmed = first.trim_start_matches(['-', '@', ':', '+', '!']);
        *first = trimmed.to_string();
    }
    Ok(words)
}

/// Split an `Environment=` value into `(KEY, VALUE)` pairs (`%%` -> `%`).
pub fn split_env_assignments(s: &str) -> Result<Vec<(String, String)>> {
    split_words(s)?
        .into_iter()
        .map(|w| {
            let w = w.replace("%%", "%");
            match w.split_once('=') {
                Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
                _ => Err(Error::invalid_config(format!(
                    "Environment= entry {w:?} is not KEY=VALUE"
                ))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_plain() {
        assert_eq!(quote_exec_word("--port"), "--port");
        assert_eq!(
            quote_exec_word("/var/antctl/services/antnode0001"),
            "/var/antctl/services/antnode0001"
        );
        assert_eq!(
            quote_exec_word("0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93"),
            "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93"
        );
    }

    #[test]
    fn special_words_are_escaped() {
        assert_eq!(quote_exec_word("/data/my node"), "\"/data/my node\"");
        assert_eq!(quote_exec_word(""), "\"\"");
        assert_eq!(quote_exec_word("50%"), "50%%");
        assert_eq!(quote_exec_word("$HOME"), "$$HOME");
        assert_eq!(quote_exec_word("a\"b"), "\"a\\\"b\"");
        assert_eq!(quote_exec_word(";"), "\";\"");
        assert_eq!(
            quote_env_assignment("ANT_LOG", "ant_evm=error"),
            "\"ANT_LOG=ant_evm=error\""
        );
        assert_eq!(quote_env_assignment("P", "5%"), "\"P=5%%\"");
    }

    #[test]
    fn round_trip_of_awkward_arguments() {
        let argv: Vec<String> = [
            "/opt/my nodes/antnode",
            "--root-dir",
            "/opt/my nodes/antnode0001",
            "",
            "tab\there",
            "quote\"d",
            "single'd",
            "back\\slash",
            "100%",
            "$NOT_A_VAR",
            "${ALSO}",
            ";",
            "new\nline",
            "evm-arbitrum-one",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let line = exec_line(&argv);
        assert_eq!(split_exec_line(&line).unwrap(), argv, "{line}");
    }

    #[test]
    fn systemd_forms_written_by_hand_are_read() {
        assert_eq!(
            split_exec_line("-/bin/x 'a b' \"c\\sd\" e\\x41").unwrap(),
            vec!["/bin/x", "a b", "c d", "eA"]
        );
        assert_eq!(
            split_env_assignments("\"A=1 2\" B=3 'C=x=y'").unwrap(),
            vec![
                ("A".into(), "1 2".into()),
                ("B".into(), "3".into()),
                ("C".into(), "x=y".into())
            ]
        );
        assert!(split_words("\"open").is_err());
        assert!(split_words("x\\").is_err());
        assert!(split_env_assignments("NOVALUE").is_err());
    }
}

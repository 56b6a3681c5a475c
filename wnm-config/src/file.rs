//! Line parsers for config files (`key = value`, `key: value`, `key value`) and `.env` files
//! (`KEY=value` with shell quoting, optional `export`; python-dotenv's unquoted values).
//!
//! Config files follow configargparse (the Python wnm's parser): `#` and `;` start comment lines
//! and, after whitespace, inline comments; a value may be wrapped in one pair of quotes; a bare
//! `key` means `key = true`; `[section]` lines are ignored. Inside double quotes `\"` and `\\`
//! are escapes (so any value can be written back); single quotes are literal.

/// One `key value` line of a config or `.env` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number.
    pub number: usize,
    /// The key as written.
    pub key: String,
    /// The value with quotes and comments removed.
    pub value: String,
}

/// Parse a config file. Errors are `(line number, message)`.
pub fn parse_config(contents: &str) -> Result<Vec<Line>, (usize, String)> {
    let mut out = Vec::new();
    for (i, raw) in contents.lines().enumerate() {
        let number = i + 1;
        let line = raw.trim();
        if line.is_empty()
            || line.starts_with('#')
            || line.starts_with(';')
            || (line.starts_with('[') && line.ends_with(']'))
        {
            continue;
        }
        let key_end = line
            .find(|c: char| c == '=' || c == ':' || c.is_whitespace())
            .unwrap_or(line.len());
        let key = &line[..key_end];
        if key.is_empty() {
            return Err((number, format!("no key before {:?}", &line[..1])));
        }
        let mut rest = line[key_end..].trim_start();
        if let Some(r) = rest.strip_prefix(['=', ':']) {
            rest = r.trim_start();
        }
        let value = if rest.is_empty() {
            if line[key_end..].trim().is_empty() {
                "true".to_string()
            } else {
                String::new()
            }
        } else {
            config_value(rest).map_err(|m| (number, m))?
        };
        out.push(Line {
            number,
            key: key.to_string(),
            value,
        });
    }
    Ok(out)
}

fn config_value(rest: &str) -> Result<String, String> {
    let first = rest.chars().next().unwrap_or(' ');
    if first == '"' || first == '\'' {
        let mut value = String::new();
        let mut chars = rest[1..].char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            if c == first {
                end = Some(i + 2);
                break;
            }
            if c == '\\' && first == '"' {
                match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => value.push(e),
                    Some((_, e)) => {
                        value.push('\\');
                        value.push(e);
                    }
                    None => value.push('\\'),
                }
            } else {
                value.push(c);
            }
        }
        let end =
            end.ok_or_else(|| format!("the value opens a {first} quote that is never closed"))?;
        let after = rest[end..].trim_start();
        if !(after.is_empty() || after.starts_with('#') || after.starts_with(';')) {
            return Err(format!("unexpected text {after:?} after the quoted value"));
        }
        return Ok(value);
    }
    // Unquoted: an inline comment starts at whitespace followed by # or ;.
    let mut end = rest.len();
    let bytes = rest.as_bytes();
    for i in 1..bytes.len() {
        if (bytes[i] == b'#' || bytes[i] == b';') && bytes[i - 1].is_ascii_whitespace() {
            end = i;
            break;
        }
    }
    Ok(rest[..end].trim_end().to_string())
}

/// Parse a `.env` file: `KEY=value` lines, optional `export `, `#` comments, values in shell
/// quoting (single quotes literal, double quotes with backslash escapes, `'\''` joins).
pub fn parse_dotenv(contents: &str) -> Result<Vec<Line>, (usize, String)> {
    let mut out = Vec::new();
    for (i, raw) in contents.lines().enumerate() {
        let number = i + 1;
        let mut line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(r) = line.strip_prefix("export ") {
            line = r.trim_start();
        }
        let (key, rest) = line
            .split_once('=')
            .ok_or_else(|| (number, "expected KEY=value".to_string()))?;
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err((number, format!("{key:?} is not a variable name")));
        }
        let value = shell_word(rest.trim_start()).map_err(|m| (number, m))?;
        out.push(Line {
            number,
            key: key.to_string(),
            value,
        });
    }
    Ok(out)
}

/// One shell word (what `set -a; . FILE` would assign), without expansions; unquoted spaces are
/// kept as python-dotenv keeps them.
fn shell_word(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(x) => out.push(x),
                    None => return Err("a ' quote is never closed".into()),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(e @ ('"' | '\\' | '$' | '`')) => out.push(e),
                        Some(e) => {
                            out.push('\\');
                            out.push(e);
                        }
                        None => return Err("a \" quote is never closed".into()),
                    },
                    Some(x) => out.push(x),
                    None => return Err("a \" quote is never closed".into()),
                }
            },
            '\\' => {
                if let Some(e) = chars.next() {
                    out.push(e);
                }
            }
            c if c.is_whitespace() => {
                // Like python-dotenv (the Python wnm's reader), an unquoted value runs to the end
                // of the line; whitespace before `#` starts a comment.
                let rest: String = chars.clone().collect();
                let rest = rest.trim_start();
                if rest.is_empty() || rest.starts_with('#') {
                    break;
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> (String, String) {
        let l = parse_config(s).unwrap();
        assert_eq!(l.len(), 1, "{s}");
        (l[0].key.clone(), l[0].value.clone())
    }

    #[test]
    fn config_separators() {
        assert_eq!(one("node_cap = 40"), ("node_cap".into(), "40".into()));
        assert_eq!(one("node_cap: 40"), ("node_cap".into(), "40".into()));
        assert_eq!(one("node_cap=40"), ("node_cap".into(), "40".into()));
        assert_eq!(one("node_cap 40"), ("node_cap".into(), "40".into()));
        assert_eq!(one("  no_upnp  "), ("no_upnp".into(), "true".into()));
        assert_eq!(
            one("antctl_version ="),
            ("antctl_version".into(), "".into())
        );
    }

    #[test]
    fn config_values_keep_colons_and_strip_quotes_and_comments() {
        assert_eq!(
            one("rewards_address: 0xabc:100,faucet # main wallet").1,
            "0xabc:100,faucet"
        );
        assert_eq!(one("node_storage = \"/a b/c\"  # x").1, "/a b/c");
        assert_eq!(one("start_args = '--x \"y\"'").1, "--x \"y\"");
        assert_eq!(one(r#"start_args = "a \"b\" \\ c""#).1, r#"a "b" \ c"#);
        assert_eq!(one("environment = A=1;B=2").1, "A=1;B=2");
        assert!(parse_config("node_storage = \"/x").is_err());
        assert!(parse_config("node_storage = \"/x\" junk").is_err());
    }

    #[test]
    fn config_skips_comments_blank_lines_and_sections() {
        let l = parse_config("# c\n; c\n\n[wnm]\nnode_cap=3\n").unwrap();
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].number, 5);
    }

    #[test]
    fn dotenv_shell_quoting() {
        let l = parse_dotenv(
            "# x\nexport NODE_CAP=40\nNODE_STORAGE='/a b'\nSTART_ARGS='it'\\''s'\nENVIRONMENT=\"A=\\\"1\\\"\"  # c\nEMPTY=\n",
        )
        .unwrap();
        let v: Vec<(&str, &str)> = l
            .iter()
            .map(|x| (x.key.as_str(), x.value.as_str()))
            .collect();
        assert_eq!(
            v,
            vec![
                ("NODE_CAP", "40"),
                ("NODE_STORAGE", "/a b"),
                ("START_ARGS", "it's"),
                ("ENVIRONMENT", "A=\"1\""),
                ("EMPTY", ""),
            ]
        );
        assert_eq!(parse_dotenv("A=b  c # x").unwrap()[0].value, "b  c");
        assert!(parse_dotenv("A='b").is_err());
        assert!(parse_dotenv("not a line").is_err());
    }
}

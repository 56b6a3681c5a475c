//! A small reader of XML property lists (Apple plist 1.0), written apart from the backend's own
//! parser so the emulator checks what wnm writes instead of agreeing with it by construction.
//! Accepts what CoreFoundation accepts for the value types a launchd job uses: `dict`, `array`,
//! `string`, `key`, `integer`, `real`, `true`/`false` (empty or not), `date`, `data`; the five
//! named entities and numeric character references; CDATA; comments, the XML declaration and
//! the DOCTYPE. Anything else is an error, as launchd refuses such a file.
use std::collections::BTreeMap;

/// A plist value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<string>`, `<date>`, `<data>` (kept as text).
    Str(String),
    /// `<integer>`.
    Int(i64),
    /// `<real>`.
    Real(f64),
    /// `<true/>`, `<false/>`.
    Bool(bool),
    /// `<array>`.
    Array(Vec<Value>),
    /// `<dict>` (keys in file order).
    Dict(Vec<(String, Value)>),
}

impl Value {
    /// The entry `key` of a dict.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(d) => d.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    /// The text of a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

struct Reader<'a> {
    s: &'a str,
    pos: usize,
}

fn decode(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after
            .find(';')
            .ok_or_else(|| format!("unterminated entity in {raw:?}"))?;
        let name = &after[..end];
        let ch = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| format!("bad character reference &{n};"))?,
            n if n.starts_with('#') => n[1..]
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| format!("bad character reference &{n};"))?,
            n => return Err(format!("unknown entity &{n};")),
        };
        out.push(ch);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

enum Tag {
    Open(String),
    Close(String),
    Empty(String),
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    /// Skip whitespace, comments, declarations and the DOCTYPE.
    fn skip_misc(&mut self) -> Result<(), String> {
        loop {
            let r = self.rest();
            let trimmed = r.trim_start();
            self.pos += r.len() - trimmed.len();
            let r = self.rest();
            let close = if r.starts_with("<!--") {
                "-->"
            } else if r.starts_with("<?") {
                "?>"
            } else if r.starts_with("<!DOCTYPE") {
                ">"
            } else {
                return Ok(());
            };
            let end = r
                .find(close)
                .ok_or_else(|| "unterminated comment or declaration".to_string())?;
            self.pos += end + close.len();
        }
    }

    fn tag(&mut self) -> Result<Tag, String> {
        self.skip_misc()?;
        let r = self.rest();
        if !r.starts_with('<') {
            return Err(format!(
                "expected a tag at {:?}",
                r.chars().take(30).collect::<String>()
            ));
        }
        let end = r.find('>').ok_or("unterminated tag")?;
        let inner = &r[1..end];
        self.pos += end + 1;
        let name = |t: &str| t.split_whitespace().next().unwrap_or("").to_string();
        Ok(if let Some(n) = inner.strip_prefix('/') {
            Tag::Close(name(n))
        } else if let Some(n) = inner.strip_suffix('/') {
            Tag::Empty(name(n))
        } else {
            Tag::Open(name(inner))
        })
    }

    /// The text up to `</name>` (entities decoded, CDATA kept literally).
    fn text_until_close(&mut self, name: &str) -> Result<String, String> {
        let mut out = String::new();
        loop {
            let r = self.rest();
            if let Some(body) = r.strip_prefix("<![CDATA[") {
                let end = body.find("]]>").ok_or("unterminated CDATA")?;
                out.push_str(&body[..end]);
                self.pos += "<![CDATA[".len() + end + 3;
                continue;
            }
            if r.starts_with("<!--") {
                let end = r.find("-->").ok_or("unterminated comment")?;
                self.pos += end + 3;
                continue;
            }
            let lt = r
                .find('<')
                .ok_or_else(|| format!("unterminated <{name}>"))?;
            out.push_str(&decode(&r[..lt])?);
            self.pos += lt;
            if self.rest().starts_with("<![CDATA[") || self.rest().starts_with("<!--") {
                continue;
            }
            return match self.tag()? {
                Tag::Close(n) if n == name => Ok(out),
                _ => Err(format!("<{name}> holds markup")),
            };
        }
    }

    fn value_of(&mut self, tag: Tag) -> Result<Value, String> {
        match tag {
            Tag::Empty(n) => match n.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                "string" | "date" | "data" => Ok(Value::Str(String::new())),
                "array" => Ok(Value::Array(Vec::new())),
                "dict" => Ok(Value::Dict(Vec::new())),
                other => Err(format!("unexpected <{other}/>")),
            },
            Tag::Open(n) => match n.as_str() {
                "true" | "false" => {
                    let t = self.text_until_close(&n)?;
                    if !t.trim().is_empty() {
                        return Err(format!("<{n}> holds text"));
                    }
                    Ok(Value::Bool(n == "true"))
                }
                "string" | "date" | "data" => Ok(Value::Str(self.text_until_close(&n)?)),
                "integer" => {
                    let t = self.text_until_close(&n)?;
                    t.trim()
                        .parse()
                        .map(Value::Int)
                        .map_err(|_| format!("bad integer {t:?}"))
                }
                "real" => {
                    let t = self.text_until_close(&n)?;
                    t.trim()
                        .parse()
                        .map(Value::Real)
                        .map_err(|_| format!("bad real {t:?}"))
                }
                "array" => {
                    let mut items = Vec::new();
                    loop {
                        match self.tag()? {
                            Tag::Close(c) if c == "array" => return Ok(Value::Array(items)),
                            t => items.push(self.value_of(t)?),
                        }
                    }
                }
                "dict" => {
                    let mut entries: Vec<(String, Value)> = Vec::new();
                    loop {
                        match self.tag()? {
                            Tag::Close(c) if c == "dict" => return Ok(Value::Dict(entries)),
                            Tag::Open(k) if k == "key" => {
                                let key = self.text_until_close("key")?;
                                let t = self.tag()?;
                                let v = self.value_of(t)?;
                                entries.push((key, v));
                            }
                            _ => return Err("a <dict> entry does not start with <key>".into()),
                        }
                    }
                }
                other => Err(format!("unknown element <{other}>")),
            },
            Tag::Close(n) => Err(format!("unexpected </{n}>")),
        }
    }
}

/// Parse a whole plist document into its top value.
pub fn parse(text: &str) -> Result<Value, String> {
    let mut r = Reader { s: text, pos: 0 };
    match r.tag()? {
        Tag::Open(n) if n == "plist" => {}
        _ => return Err("the document is not a <plist>".into()),
    }
    let t = r.tag()?;
    let v = r.value_of(t)?;
    match r.tag()? {
        Tag::Close(n) if n == "plist" => {}
        _ => return Err("more than one value in <plist>".into()),
    }
    r.skip_misc()?;
    if !r.rest().trim().is_empty() {
        return Err("text after </plist>".into());
    }
    Ok(v)
}

/// The parts of a job plist the emulator acts on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Job {
    /// `Label`.
    pub label: String,
    /// `ProgramArguments` (with `Program` as argv[0]'s executable when given).
    pub program: Vec<String>,
    /// `EnvironmentVariables`.
    pub env: BTreeMap<String, String>,
    /// `WorkingDirectory`.
    pub cwd: Option<String>,
    /// `StandardOutPath`.
    pub stdout: Option<String>,
    /// `StandardErrorPath`.
    pub stderr: Option<String>,
    /// `UserName`.
    pub user: Option<String>,
    /// `RunAtLoad`.
    pub run_at_load: bool,
    /// `KeepAlive` (true, or a dictionary of conditions).
    pub keep_alive: bool,
    /// `ExitTimeOut` seconds (default 20).
    pub exit_timeout: u64,
    /// `ThrottleInterval` seconds (default 10).
    pub throttle: u64,
}

/// Read a job out of plist text, with launchd's requirements: a dict with a string `Label` and
/// a program.
pub fn job(text: &str) -> Result<Job, String> {
    let v = parse(text)?;
    if !matches!(v, Value::Dict(_)) {
        return Err("the top value is not a dictionary".into());
    }
    let label = v
        .get("Label")
        .and_then(Value::as_str)
        .ok_or("no Label")?
        .to_string();
    let mut program: Vec<String> = match v.get("ProgramArguments") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or("a non-string argument")
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("ProgramArguments is not an array".into()),
        None => Vec::new(),
    };
    if let Some(p) = v.get("Program").and_then(Value::as_str) {
        if program.is_empty() {
            program.push(p.to_string());
        } else {
            program[0] = p.to_string();
        }
    }
    if program.is_empty() {
        return Err("neither Program nor ProgramArguments".into());
    }
    let mut env = BTreeMap::new();
    if let Some(Value::Dict(d)) = v.get("EnvironmentVariables") {
        for (k, val) in d {
            match val {
                Value::Str(s) => env.insert(k.clone(), s.clone()),
                _ => return Err(format!("EnvironmentVariables {k} is not a string")),
            };
        }
    }
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let b = |k: &str| matches!(v.get(k), Some(Value::Bool(true)));
    let n = |k: &str, d: u64| match v.get(k) {
        Some(Value::Int(i)) if *i >= 0 => *i as u64,
        _ => d,
    };
    Ok(Job {
        label,
        program,
        env,
        cwd: s("WorkingDirectory"),
        stdout: s("StandardOutPath"),
        stderr: s("StandardErrorPath"),
        user: s("UserName"),
        run_at_load: b("RunAtLoad"),
        keep_alive: b("KeepAlive") || matches!(v.get("KeepAlive"), Some(Value::Dict(_))),
        exit_timeout: n("ExitTimeOut", 20),
        throttle: n("ThrottleInterval", 10),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_job_in_any_spelling() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<!-- c -->\n<dict>\n\t<key>KeepAlive</key>\n\t<true></true>\n\t<key>Label</key>\n\t<string>com.autonomi.antnode-1</string>\n\t<key>ProgramArguments</key>\n\t<array>\n\t\t<string>/a&amp;b/antnode</string>\n\t\t<string>&lt;&#62;&#x27;&quot;</string>\n\t\t<string><![CDATA[x<y]]></string>\n\t</array>\n\t<key>EnvironmentVariables</key>\n\t<dict><key>K</key><string>v</string></dict>\n\t<key>RunAtLoad</key>\n\t<true/>\n\t<key>ExitTimeOut</key>\n\t<integer>3</integer>\n\t<key>Extra</key>\n\t<array/>\n</dict>\n</plist>\n";
        let j = job(text).unwrap();
        assert_eq!(j.label, "com.autonomi.antnode-1");
        assert_eq!(j.program, ["/a&b/antnode", "<>'\"", "x<y"]);
        assert!(j.keep_alive && j.run_at_load);
        assert_eq!(j.env.get("K").map(String::as_str), Some("v"));
        assert_eq!((j.exit_timeout, j.throttle), (3, 10));
    }

    #[test]
    fn refuses_what_launchd_refuses() {
        for bad in [
            "",
            "<plist><dict><key>Label</key><string>x</string></dict></plist>",
            "<plist><dict><key>Program</key><string>/x</string></dict></plist>",
            "<plist><dict><key>Label</key><string>x</string><key>Program</key><string>/x</string>",
            "<plist><dict><string>x</string></dict></plist>",
            "<plist><dict><key>Label</key><string>a&b</string><key>Program</key><string>/x</string></dict></plist>",
            "<plist><array/></plist>",
            "<plist><dict/></plist><x/>",
        ] {
            assert!(job(bad).is_err(), "{bad}");
        }
        assert!(job("<plist><dict><key>Label</key><string>x</string><key>Program</key><string>/x</string></dict></plist>").is_ok());
    }
}

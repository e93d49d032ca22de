//! The schema of one object type compiled against one file's header: which field holds which
//! column, and the checks each value must pass. Built once per file, then applied to every row
//! without allocating unless a row has a problem.

use super::issue::{Issue, IssueKind};
use crate::schema::{
    normalize_header, registry, timezones, Column, Condition, Identity, Kind, ObjectType,
    ERROR_CSV_COLUMNS,
};

/// A pattern such as `^[A-Za-z][A-Za-z0-9_\- ]*$`, compiled to byte tables when it is one (the
/// common case: far faster than a regex per value), else a regex.
#[derive(Debug, Clone)]
enum Pattern {
    Class {
        first: Option<Box<[bool; 256]>>,
        rest: Box<[bool; 256]>,
        at_least_one: bool,
        source: String,
    },
    Regex(regex::Regex),
}

/// Parses a bracket class body such as `A-Za-z0-9._\-() ` into a byte table.
fn class_table(body: &str) -> Option<Box<[bool; 256]>> {
    let mut t = Box::new([false; 256]);
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    let mut prev: Option<u8> = None;
    while i < chars.len() {
        let c = chars[i];
        let lit = if c == '\\' {
            i += 1;
            match *chars.get(i)? {
                'd' => {
                    for b in b'0'..=b'9' {
                        t[b as usize] = true;
                    }
                    prev = None;
                    i += 1;
                    continue;
                }
                // As the API's (Java) patterns read it: ASCII white space. Line breaks and the
                // other controls are refused before a pattern is consulted.
                's' => {
                    for b in [b' ', b'\t', b'\n', 0x0b, 0x0c, b'\r'] {
                        t[b as usize] = true;
                    }
                    prev = None;
                    i += 1;
                    continue;
                }
                e if e.is_ascii_punctuation() => e as u8,
                _ => return None,
            }
        } else if c == '-' && prev.is_some() && i + 1 < chars.len() {
            let lo = prev?;
            let hi = chars[i + 1];
            if !hi.is_ascii() || hi == '\\' {
                return None;
            }
            for b in lo..=hi as u8 {
                t[b as usize] = true;
            }
            prev = None;
            i += 2;
            continue;
        } else if c.is_ascii() {
            c as u8
        } else {
            return None;
        };
        t[lit as usize] = true;
        prev = Some(lit);
        i += 1;
    }
    Some(t)
}

impl Pattern {
    fn compile(p: &str) -> Pattern {
        Self::as_class(p).unwrap_or_else(|| {
            Pattern::Regex(regex::Regex::new(p).expect("schema patterns are checked by a test"))
        })
    }

    fn as_class(p: &str) -> Option<Pattern> {
        let inner = p.strip_prefix('^')?.strip_suffix('$')?;
        let (first, rest) = if let Some(r) = inner.strip_prefix('[') {
            let close = r.find(']')?;
            let after = &r[close + 1..];
            if after.starts_with('[') {
                (Some(class_table(&r[..close])?), after)
            } else {
                (None, inner)
            }
        } else {
            return None;
        };
        let body = rest.strip_prefix('[')?;
        let (class, quant) = body.split_at(body.rfind(']')?);
        let at_least_one = match &quant[1..] {
            "*" => false,
            "+" => true,
            _ => return None,
        };
        Some(Pattern::Class {
            first,
            rest: class_table(class)?,
            at_least_one,
            source: p.to_string(),
        })
    }

    /// The first character that breaks the pattern, or `Err(())` if the value breaks it
    /// otherwise; `Ok(None)` if it matches.
    fn check(&self, v: &str) -> Result<Option<char>, ()> {
        match self {
            Pattern::Class {
                first,
                rest,
                at_least_one,
                ..
            } => {
                let bytes = v.as_bytes();
                let mut body = bytes;
                if let Some(f) = first {
                    match bytes.first() {
                        Some(&b) if f[b as usize] => body = &bytes[1..],
                        Some(_) => return Ok(v.chars().next()),
                        None => return Err(()),
                    }
                } else if *at_least_one && bytes.is_empty() {
                    return Err(());
                }
                match body.iter().position(|&b| !rest[b as usize]) {
                    None => Ok(None),
                    Some(i) => {
                        let at = bytes.len() - body.len() + i;
                        Ok(v[floor_char(v, at)..].chars().next())
                    }
                }
            }
            Pattern::Regex(r) => {
                if r.is_match(v) {
                    Ok(None)
                } else {
                    Err(())
                }
            }
        }
    }

    /// Whether the pattern has its own class for the first character and `v`'s first character
    /// is not in it; `Some(true)` when that class is the ASCII letters ("begins with a letter").
    fn first_rejects(&self, v: &str) -> Option<bool> {
        let Pattern::Class { first: Some(f), .. } = self else {
            return None;
        };
        let b = *v.as_bytes().first()?;
        if f[b as usize] {
            return None;
        }
        Some((0..=255u8).all(|x| f[x as usize] == x.is_ascii_alphabetic()))
    }

    fn source(&self) -> &str {
        match self {
            Pattern::Class { source, .. } => source,
            Pattern::Regex(r) => r.as_str(),
        }
    }
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn char_len(v: &str) -> usize {
    if v.is_ascii() {
        v.len()
    } else {
        v.chars().count()
    }
}

/// The rules a name (an object's own, or a reference to another object) must follow.
///
/// Which characters, and whether the first must be a letter, is the type's `pattern` in
/// types.json: the Configuration API's pattern for the type, except that Entry Point names begin
/// with a letter (Cisco's CSV article asks it for entry points only). Team names have no pattern.
#[derive(Debug, Clone)]
struct NameRule {
    /// "site name", "user profile name", ...
    noun: String,
    max_len: usize,
    pattern: Option<Pattern>,
    wav: bool,
    /// The bytes of a name certainly valid (`Fast::accepts`), `None` when only the full check
    /// can tell.
    fast: Option<Fast>,
}

/// A one-pass test that a value is certainly valid: ASCII only (so characters are bytes), its
/// first byte in `first` when the pattern has a class of its own for it, the others in `rest`,
/// at most `max_len` bytes. Values it does not accept go to the full check, which says why.
#[derive(Debug, Clone)]
struct Fast {
    first: Option<Box<[bool; 256]>>,
    rest: Box<[bool; 256]>,
    max_len: usize,
    /// No pattern: any character goes, so a non-ASCII value is accepted too when it has at
    /// most `max_len` characters.
    any: bool,
}

impl Fast {
    /// The test for names of `max_len` characters matching `pattern`, if one can be built.
    fn for_name(pattern: Option<&Pattern>, max_len: usize, wav: bool) -> Option<Fast> {
        let ascii = |t: &[bool; 256]| {
            let mut a = Box::new([false; 256]);
            for b in 0..128 {
                a[b] = t[b];
            }
            a
        };
        if wav {
            return None;
        }
        match pattern {
            None => Some(Fast {
                first: None,
                rest: ascii(&[true; 256]),
                max_len,
                any: true,
            }),
            Some(Pattern::Class { first, rest, .. }) => Some(Fast {
                first: first.as_deref().map(ascii),
                rest: ascii(rest),
                max_len,
                any: false,
            }),
            Some(Pattern::Regex(_)) => None,
        }
    }

    #[inline]
    fn accepts(&self, v: &str) -> bool {
        self.accepts_bytes(v.as_bytes())
    }

    /// `b` is a whole string's bytes or a part cut at ASCII bytes: valid UTF-8.
    #[inline]
    fn accepts_bytes(&self, b: &[u8]) -> bool {
        if self.any {
            // Characters are the bytes that do not continue a UTF-8 sequence.
            return !b.is_empty()
                && (b.len() <= self.max_len
                    || b.iter().filter(|&&c| c & 0xc0 != 0x80).count() <= self.max_len);
        }
        let Some((&head, tail)) = b.split_first() else {
            return false;
        };
        let body = match &self.first {
            Some(f) if !f[head as usize] => return false,
            Some(_) => tail,
            None => b,
        };
        b.len() <= self.max_len && body.iter().fold(true, |ok, &c| ok & self.rest[c as usize])
    }
}

impl NameRule {
    fn new(noun: String, max_len: usize, pattern: Option<Pattern>, wav: bool) -> NameRule {
        let fast = Fast::for_name(pattern.as_ref(), max_len, wav);
        NameRule {
            noun,
            max_len,
            pattern,
            wav,
            fast,
        }
    }

    fn for_type(id: &str) -> NameRule {
        let reg = registry();
        let noun = format!("{} name", id.replace('-', " "));
        if id == "audio-file" {
            return NameRule::new("audio file name".into(), 80, None, true);
        }
        match reg.get(id).and_then(|t| {
            t.columns
                .iter()
                .find(|c| c.kind == Kind::Name && t.identity.first() == Some(&c.name))
        }) {
            Some(c) => NameRule::new(
                noun,
                c.max_len.unwrap_or(80),
                c.pattern.as_deref().map(Pattern::compile),
                false,
            ),
            // Types outside the registry (multimedia profiles, desktop layouts, dial plans,
            // threshold rules): the service checks they exist; locally only a length cap.
            None => NameRule::new(noun, 255, None, false),
        }
    }

    fn check(&self, v: &str) -> Option<(IssueKind, String)> {
        if self.fast.as_ref().is_some_and(|f| f.accepts(v)) {
            return None;
        }
        if let Some(letters) = self.pattern.as_ref().and_then(|p| p.first_rejects(v)) {
            let what = if letters {
                "a letter".to_string()
            } else {
                format!(
                    "a character of {}",
                    self.pattern.as_ref().map_or("", |p| p.source())
                )
            };
            return Some((
                IssueKind::InvalidName,
                format!(
                    "\"{v}\" is not a valid {}: it must begin with {what}",
                    self.noun
                ),
            ));
        }
        let n = char_len(v);
        if n > self.max_len {
            return Some((
                IssueKind::TooLong,
                format!(
                    "\"{}\" is {n} characters long; a {} holds at most {}",
                    abbreviate(v),
                    self.noun,
                    self.max_len
                ),
            ));
        }
        if self.wav && !v.to_ascii_lowercase().ends_with(".wav") {
            return Some((
                IssueKind::InvalidName,
                format!("\"{v}\" is not an audio file name: it must end in .wav"),
            ));
        }
        if let Some(p) = &self.pattern {
            match p.check(v) {
                Ok(None) => {}
                Ok(Some(c)) => {
                    return Some((
                        IssueKind::InvalidCharacters,
                        format!(
                            "\"{v}\" is not a valid {}: '{c}' is not allowed (allowed: {})",
                            self.noun,
                            p.source()
                        ),
                    ))
                }
                Err(()) => {
                    return Some((
                        IssueKind::InvalidCharacters,
                        format!(
                            "\"{v}\" is not a valid {}: it must match {}",
                            self.noun,
                            p.source()
                        ),
                    ))
                }
            }
        }
        None
    }
}

fn abbreviate(v: &str) -> String {
    if char_len(v) <= 40 {
        v.to_string()
    } else {
        format!("{}...", v.chars().take(37).collect::<String>())
    }
}

/// How one column's values are checked.
#[derive(Debug, Clone)]
enum Rule {
    Text {
        max_len: Option<usize>,
        pattern: Option<Pattern>,
    },
    Name(NameRule),
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Choice {
        boolean: bool,
        values: Vec<String>,
        aliases: Vec<String>,
    },
    Email,
    /// A dial number: the column's API pattern when it has one, else an optional `+` and
    /// digits (an extension such as `1001` too).
    Phone {
        pattern: Option<Pattern>,
        max_len: Option<usize>,
    },
    Timezone,
    Ref(NameRule),
    List {
        separator: char,
        element: Box<Rule>,
        /// `<team>[: <site>]`: only the part before `: ` is the name.
        qualified: bool,
    },
}

impl Rule {
    fn compile(c: &Column) -> Rule {
        match c.kind {
            Kind::Text => Rule::Text {
                max_len: c.max_len,
                pattern: c.pattern.as_deref().map(Pattern::compile),
            },
            Kind::Name => Rule::Name(NameRule::new(
                "name".into(),
                c.max_len.unwrap_or(80),
                c.pattern.as_deref().map(Pattern::compile),
                false,
            )),
            Kind::Integer => Rule::Integer {
                min: c.min,
                max: c.max,
            },
            Kind::Boolean | Kind::Enum => Rule::Choice {
                boolean: c.kind == Kind::Boolean,
                values: c.values.clone(),
                aliases: c.value_aliases.values().flatten().cloned().collect(),
            },
            Kind::Email => Rule::Email,
            Kind::Phone => Rule::Phone {
                pattern: c.pattern.as_deref().map(Pattern::compile),
                max_len: c.max_len,
            },
            Kind::Timezone => Rule::Timezone,
            Kind::Ref => Rule::Ref(NameRule::for_type(c.target.as_deref().unwrap_or("?"))),
            Kind::List => {
                let element = if let Some(t) = &c.target {
                    Rule::Ref(NameRule::for_type(t))
                } else if !c.values.is_empty() {
                    Rule::Choice {
                        boolean: false,
                        values: c.values.clone(),
                        aliases: Vec::new(),
                    }
                } else {
                    Rule::Text {
                        max_len: Some(80),
                        pattern: None,
                    }
                };
                let sep = c.separator.as_deref().unwrap_or(&registry().list_separator);
                Rule::List {
                    // The schema's separators are one character (`|`); a test holds that.
                    separator: sep.chars().next().unwrap_or('|'),
                    element: Box::new(element),
                    qualified: c.element.as_deref().is_some_and(|e| e.contains("[: ")),
                }
            }
        }
    }

    /// Checks a non-empty, trimmed value.
    fn check(&self, v: &str) -> Option<(IssueKind, String)> {
        match self {
            Rule::Text { max_len, pattern } => {
                if let Some(m) = max_len {
                    let n = char_len(v);
                    if n > *m {
                        return Some((
                            IssueKind::TooLong,
                            format!(
                                "\"{}\" is {n} characters long; at most {m} are allowed",
                                abbreviate(v)
                            ),
                        ));
                    }
                }
                match pattern.as_ref().map(|p| (p.check(v), p)) {
                    Some((Ok(Some(_)) | Err(()), p)) => Some((
                        IssueKind::InvalidCharacters,
                        format!("\"{}\" does not match {}", abbreviate(v), p.source()),
                    )),
                    _ => None,
                }
            }
            Rule::Name(n) | Rule::Ref(n) => n.check(v),
            Rule::Integer { min, max } => check_integer(v, *min, *max),
            Rule::Choice {
                boolean,
                values,
                aliases,
            } => {
                if values.iter().chain(aliases).any(|a| a == v) {
                    return None;
                }
                let kind = if *boolean {
                    IssueKind::InvalidBoolean
                } else {
                    IssueKind::InvalidEnum
                };
                let near = values.iter().find(|a| a.eq_ignore_ascii_case(v));
                let msg = match near {
                    Some(n) => format!(
                        "\"{v}\" is not allowed; did you mean \"{n}\"? (values are case-sensitive)"
                    ),
                    None => format!("\"{}\" is not one of: {}", abbreviate(v), values.join(", ")),
                };
                Some((kind, msg))
            }
            Rule::Email => check_email(v),
            Rule::Phone { pattern, max_len } => check_phone(v, pattern.as_ref(), *max_len),
            Rule::Timezone => {
                let tz = timezones();
                if tz.binary_search(&v).is_ok() {
                    return None;
                }
                let near = tz.iter().find(|z| z.eq_ignore_ascii_case(v));
                Some((
                    IssueKind::InvalidTimezone,
                    match near {
                        Some(z) => format!("\"{v}\" is not a time zone; did you mean \"{z}\"?"),
                        None => format!(
                            "\"{}\" is not a time-zone id such as America/New_York or Europe/Berlin",
                            abbreviate(v)
                        ),
                    },
                ))
            }
            Rule::List {
                separator,
                element,
                qualified,
            } => {
                // `str::split` by hand: an ASCII separator (every one in the schema) is found
                // with a byte loop (values are short) rather than a char searcher.
                let sep = *separator;
                let mut rest = v;
                loop {
                    let cut = if sep.is_ascii() {
                        rest.bytes().position(|b| b == sep as u8)
                    } else {
                        rest.find(sep)
                    };
                    let (item, more) = match cut {
                        Some(i) => (&rest[..i], Some(&rest[i + sep.len_utf8()..])),
                        None => (rest, None),
                    };
                    let item = item.trim_ascii();
                    if item.is_empty() {
                        return Some((
                            IssueKind::EmptyListItem,
                            format!("\"{}\" has an empty item; separate values with a single '{separator}'", abbreviate(v)),
                        ));
                    }
                    let name = if *qualified {
                        item.split(": ").next().unwrap_or(item)
                    } else {
                        item
                    };
                    if let Some(problem) = element.check(name) {
                        return Some(problem);
                    }
                    match more {
                        Some(m) => rest = m,
                        None => return None,
                    }
                }
            }
        }
    }
}

impl Rule {
    /// A warning for a valid, non-empty, trimmed value that is probably not what was meant.
    fn warning(&self, v: &str) -> Option<(IssueKind, String)> {
        match self {
            Rule::Phone { .. } => phone_warning(v).filter(|_| self.check(v).is_none()),
            _ => None,
        }
    }
}

fn check_integer(v: &str, min: Option<i64>, max: Option<i64>) -> Option<(IssueKind, String)> {
    let n: i64 = match v.parse() {
        Ok(n) => n,
        Err(_) => {
            let hint = if v.contains([',', '.', ' '])
                && v.replace([',', '.', ' '], "").parse::<i64>().is_ok()
            {
                " (write it without separators or decimals)"
            } else {
                ""
            };
            return Some((
                IssueKind::InvalidInteger,
                format!("\"{}\" is not a whole number{hint}", abbreviate(v)),
            ));
        }
    };
    let below = min.is_some_and(|m| n < m);
    let above = max.is_some_and(|m| n > m);
    if below || above {
        let range = match (min, max) {
            (Some(a), Some(b)) => format!("between {a} and {b}"),
            (Some(a), None) => format!("at least {a}"),
            (None, Some(b)) => format!("at most {b}"),
            (None, None) => unreachable!(),
        };
        return Some((
            IssueKind::OutOfRange,
            format!("{n} is out of range: it must be {range}"),
        ));
    }
    None
}

/// The bytes an email address's local part may hold (RFC 5322's atom characters and '.').
static EMAIL_LOCAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric();
        b += 1;
    }
    let extra = b"!#$%&'*+/=?^_`{|}~.-";
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
};

/// Whether `v` is certainly an address `check_email` accepts, in one forward pass: local-part
/// bytes up to the first `@`, then dot-separated labels of letters, digits and inner `-` (so
/// that `@` is also the last).
#[inline]
fn plain_email(v: &[u8]) -> bool {
    if v.len() > 254 {
        return false;
    }
    let mut i = 0;
    let mut prev = b'.';
    while i < v.len() && EMAIL_LOCAL[v[i] as usize] {
        if v[i] == b'.' && prev == b'.' {
            return false;
        }
        prev = v[i];
        i += 1;
    }
    if i == 0 || i > 64 || prev == b'.' || v.get(i) != Some(&b'@') {
        return false;
    }
    let mut labels = 1;
    let mut label = 0;
    let mut prev = b'.';
    for &b in &v[i + 1..] {
        if b.is_ascii_alphanumeric() || (b == b'-' && prev != b'.') {
            label += 1;
        } else if b == b'.' && prev != b'.' && prev != b'-' && label <= 63 {
            labels += 1;
            label = 0;
        } else {
            return false;
        }
        prev = b;
    }
    labels >= 2 && (1..=63).contains(&label) && prev != b'-'
}

fn check_email(v: &str) -> Option<(IssueKind, String)> {
    let bad = |why: &str| {
        Some((
            IssueKind::InvalidEmail,
            format!("\"{}\" is not an email address: {why}", abbreviate(v)),
        ))
    };
    if v.len() > 254 {
        return bad("longer than 254 characters");
    }
    let bytes = v.as_bytes();
    let Some(at) = bytes.iter().rposition(|&b| b == b'@') else {
        return bad("it has no '@'");
    };
    let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
    if local.is_empty() || local.len() > 64 {
        return bad("the part before '@' must be 1 to 64 characters");
    }
    // One branch-free pass: allowed bytes only, no '.' first, last or next to another.
    let mut local_ok = true;
    let mut prev = b'.';
    for &b in local {
        local_ok &= EMAIL_LOCAL[b as usize] & !(b == b'.' && prev == b'.');
        prev = b;
    }
    local_ok &= prev != b'.';
    if !local_ok {
        return bad("the part before '@' has characters an address cannot hold");
    }
    // Labels are cut at '.', each checked in the same pass: 1 to 63 letters, digits and '-',
    // not at either end.
    let mut labels = 0;
    let mut bad_label = false;
    for l in domain.split(|&b| b == b'.') {
        labels += 1;
        bad_label |= l.is_empty()
            || l.len() > 63
            || l[0] == b'-'
            || l[l.len() - 1] == b'-'
            || !l.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-');
    }
    if labels < 2 || bad_label {
        return bad("the domain after '@' is not a valid domain such as example.com");
    }
    None
}

/// A dial number as the API takes it in this column. Only what is certainly wrong is an error:
/// a number a spreadsheet turned into scientific notation, a form the column's API pattern
/// refuses, a `+` number that is not E.164. A form that is valid but suspicious is a warning
/// (`phone_warning`).
fn check_phone(
    v: &str,
    pattern: Option<&Pattern>,
    max_len: Option<usize>,
) -> Option<(IssueKind, String)> {
    if pattern.is_none() && plain_dial_number(v, max_len) {
        return None;
    }
    check_phone_full(v, pattern, max_len)
}

/// `check_phone` without the one-pass test for the common case.
fn check_phone_full(
    v: &str,
    pattern: Option<&Pattern>,
    max_len: Option<usize>,
) -> Option<(IssueKind, String)> {
    let bad = |why: String| Some((IssueKind::InvalidPhone, why));
    let sci = v.bytes().any(|b| b | 0x20 == b'e') && {
        let u = v.to_ascii_uppercase();
        u.contains("E+")
            && u.split("E+").count() == 2
            && u.replace(['.', ','], "")
                .replace("E+", "")
                .bytes()
                .all(|b| b.is_ascii_digit())
    };
    if sci {
        return bad(format!(
            "\"{v}\" looks like a number a spreadsheet turned into scientific notation; format the column as text and type the number again as +<country code><number>"
        ));
    }
    if let Some(m) = max_len {
        if char_len(v) > m {
            return Some((
                IssueKind::TooLong,
                format!(
                    "\"{}\" is {} characters long; at most {m} are allowed",
                    abbreviate(v),
                    char_len(v)
                ),
            ));
        }
    }
    match pattern {
        Some(p) => {
            if p.check(v) != Ok(None) {
                return bad(format!(
                    "\"{}\" is not a number this column takes: it must match {}",
                    abbreviate(v),
                    p.source()
                ));
            }
        }
        None => {
            let mut prev_sep = true;
            for b in v.strip_prefix('+').unwrap_or(v).bytes() {
                match b {
                    b'0'..=b'9' => prev_sep = false,
                    b'-' | b'.' if !prev_sep => prev_sep = true,
                    _ => {
                        return bad(format!(
                            "\"{}\" is not a dial number: digits with an optional leading '+' (and '-' or '.' between digits), e.g. +14085550123 or the extension 1001",
                            abbreviate(v)
                        ))
                    }
                }
            }
            if prev_sep {
                return bad(format!(
                    "\"{}\" is not a dial number: it must end in a digit",
                    abbreviate(v)
                ));
            }
        }
    }
    if let Some(rest) = v.strip_prefix('+') {
        let digits = rest.bytes().filter(u8::is_ascii_digit).count();
        let first = rest.bytes().find(u8::is_ascii_digit);
        if !(2..=15).contains(&digits) || first == Some(b'0') {
            return bad(format!(
                "\"{}\" is not an E.164 number: after the '+', a country code not starting with 0, and at most 15 digits in all",
                abbreviate(v)
            ));
        }
    }
    None
}

/// Whether `v` is certainly a valid dial number for a column without a pattern, in one pass:
/// digits with an optional leading `+` and single `-` or `.` between digits, at most `max_len`
/// long, and E.164 when it has the `+`. Other values go to the full check, which says why.
#[inline]
fn plain_dial_number(v: &str, max_len: Option<usize>) -> bool {
    let b = v.as_bytes();
    let (plus, rest) = match b.split_first() {
        Some((b'+', rest)) => (true, rest),
        _ => (false, b),
    };
    let mut prev_sep = true;
    let mut digits = 0;
    for &c in rest {
        match c {
            b'0'..=b'9' => {
                prev_sep = false;
                digits += 1;
            }
            b'-' | b'.' if !prev_sep => prev_sep = true,
            _ => return false,
        }
    }
    // `rest` starts with a digit: a separator cannot come first.
    !prev_sep
        && max_len.is_none_or(|m| b.len() <= m)
        && (!plus || ((2..=15).contains(&digits) && rest[0] != b'0'))
}

/// Digits in a number without a `+` from which it is probably an international number whose
/// `+` a spreadsheet dropped: a country code and a national number (national numbers and
/// extensions are shorter).
const SUSPICIOUS_DIGITS: usize = 11;

/// A valid dial number that is probably not what the admin meant: a long number without `+`.
fn phone_warning(v: &str) -> Option<(IssueKind, String)> {
    if v.starts_with('+')
        || !v
            .bytes()
            .all(|b| b.is_ascii_digit() || b"()-. ".contains(&b))
    {
        return None;
    }
    let digits: String = v.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= SUSPICIOUS_DIGITS).then(|| {
        (
            IssueKind::SuspiciousPhone,
            format!(
                "\"{v}\" has no leading '+': if it is an international number (a spreadsheet drops the '+'), write +{digits}"
            ),
        )
    })
}

/// Whether a record may hold a line break or another control character (C0, tab excepted):
/// rows that do not are spared the per-value search. Branch-free, so it vectorises.
pub fn may_hold_controls(record: &[u8]) -> bool {
    record
        .iter()
        .fold(false, |acc, &b| acc | ((b < 0x20) & (b != b'\t')))
}

/// The first control character other than tab, CR and LF in a value: (1-based character
/// position, the character).
fn find_control(raw: &str) -> Option<(usize, char)> {
    raw.chars()
        .enumerate()
        .find(|&(_, c)| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
        .map(|(i, c)| (i + 1, c))
}

/// A column's test that a non-empty, trimmed value is certainly valid, small enough to run
/// inline for every value: `Rule::check` (which says why a value is wrong) only sees the values
/// it does not accept.
#[derive(Debug, Clone)]
enum Quick {
    /// Every value is valid (free text without limits).
    Any,
    /// Names and other text: `Fast`.
    Table(Fast),
    /// `plain_dial_number`.
    Dial(Option<usize>),
    /// One of these exact values.
    OneOf(Vec<String>),
    /// An email address (`check_email` on its own, without the dispatch of `Rule::check`).
    Email,
    /// A list of names separated by an ASCII byte, each item (trimmed) accepted by `Fast`.
    List(u8, Fast),
    /// No quick test: always ask the rule.
    None,
}

impl Quick {
    fn of(rule: &Rule) -> Quick {
        match rule {
            Rule::Text {
                max_len: None,
                pattern: None,
            } => Quick::Any,
            Rule::Text {
                max_len: Some(m),
                pattern: None,
            } => Fast::for_name(None, *m, false).map_or(Quick::None, Quick::Table),
            Rule::Name(n) | Rule::Ref(n) => n.fast.clone().map_or(Quick::None, Quick::Table),
            Rule::Phone {
                pattern: None,
                max_len,
            } => Quick::Dial(*max_len),
            Rule::Choice {
                values, aliases, ..
            } => Quick::OneOf(values.iter().chain(aliases).cloned().collect()),
            Rule::Email => Quick::Email,
            Rule::List {
                separator,
                element,
                qualified: false,
            } if separator.is_ascii() => match &**element {
                Rule::Ref(n) | Rule::Name(n) => n
                    .fast
                    .clone()
                    .map_or(Quick::None, |f| Quick::List(*separator as u8, f)),
                _ => Quick::None,
            },
            _ => Quick::None,
        }
    }

    /// Whether the non-empty, trimmed `v` is certainly valid (`false`: ask the rule).
    #[inline]
    fn accepts(&self, v: &str) -> bool {
        match self {
            Quick::Any => true,
            Quick::Table(f) => f.accepts(v),
            Quick::Dial(max_len) => plain_dial_number(v, *max_len),
            Quick::OneOf(values) => values.iter().any(|a| a == v),
            Quick::Email => plain_email(v.as_bytes()),
            Quick::List(sep, f) => v
                .as_bytes()
                .split(|&b| b == *sep)
                .all(|item| f.accepts_bytes(item.trim_ascii())),
            Quick::None => false,
        }
    }
}

#[derive(Debug, Clone)]
enum Cond {
    Equals {
        pos: Option<usize>,
        values: Vec<String>,
        describe: String,
    },
    AnySet {
        pos: Vec<Option<usize>>,
        describe: String,
    },
}

#[derive(Debug, Clone)]
struct Compiled {
    column: &'static Column,
    /// Field index in the file, if the file has the column.
    pos: Option<usize>,
    rule: Rule,
    /// The column's one-pass test for the common valid values, tried before `rule`.
    quick: Quick,
    /// Required on every row (identity and child columns), not just an object's first row.
    every_row: bool,
    cond: Option<Cond>,
}

/// A type's schema compiled against one header.
#[derive(Debug, Clone)]
pub struct Plan {
    pub object: &'static ObjectType,
    /// Number of fields every row must have.
    pub width: usize,
    /// Field positions that go into an error CSV (all but `Line` / `Error Message`).
    pub keep: Vec<usize>,
    /// The error CSV's header before its `Line` and `Error Message` columns.
    pub output_header: Vec<String>,
    /// Problems with the header itself (reported on line 1).
    pub header_issues: Vec<Issue>,
    /// Where the file's identity columns are.
    pub identity: Identity,
    columns: Vec<Compiled>,
    /// Indices into `columns` of the columns whose rule can warn (phones).
    warn: Vec<usize>,
}

impl Plan {
    /// Compiles `object`'s schema against `header`.
    pub fn new(object: &'static ObjectType, header: &[String]) -> Plan {
        let mut header_issues = Vec::new();
        let mut pos_of: Vec<Option<usize>> = vec![None; object.columns.len()];
        let mut keep = Vec::new();
        let mut output_header = Vec::new();
        for (i, h) in header.iter().enumerate() {
            let norm = normalize_header(h);
            if ERROR_CSV_COLUMNS
                .iter()
                .any(|e| e.eq_ignore_ascii_case(&norm))
            {
                continue;
            }
            keep.push(i);
            output_header.push(h.clone());
            match object
                .columns
                .iter()
                .position(|c| normalize_header(&c.name) == norm)
            {
                Some(ci) => match pos_of[ci] {
                    None => pos_of[ci] = Some(i),
                    Some(first) => header_issues.push(Issue {
                        line: 1,
                        column: Some(i + 1),
                        column_name: Some(object.columns[ci].name.clone()),
                        kind: IssueKind::DuplicateColumn,
                        message: format!(
                            "column \"{}\" appears twice (columns {} and {}); remove one",
                            object.columns[ci].name,
                            first + 1,
                            i + 1
                        ),
                    }),
                },
                None => {
                    let suggestion = object
                        .columns
                        .iter()
                        .map(|c| {
                            (
                                strsim::jaro_winkler(&normalize_header(&c.name), &norm),
                                &c.name,
                            )
                        })
                        .filter(|(s, _)| *s > 0.8)
                        .max_by(|a, b| a.0.total_cmp(&b.0))
                        .map(|(_, n)| format!("; did you mean \"{n}\"?"))
                        .unwrap_or_else(|| {
                            format!(
                                "; {} columns are: {}",
                                object.display_name,
                                object.header().join(", ")
                            )
                        });
                    let message = if norm.is_empty() {
                        format!("column {} has no name{suggestion}", i + 1)
                    } else {
                        format!(
                            "\"{}\" is not a column of {}{suggestion}",
                            h.trim(),
                            object.display_name
                        )
                    };
                    header_issues.push(Issue {
                        line: 1,
                        column: Some(i + 1),
                        column_name: None,
                        kind: IssueKind::UnknownColumn,
                        message,
                    });
                }
            }
        }
        for (ci, c) in object.columns.iter().enumerate() {
            if c.required && pos_of[ci].is_none() {
                header_issues.push(Issue {
                    line: 1,
                    column: None,
                    column_name: Some(c.name.clone()),
                    kind: IssueKind::MissingColumn,
                    message: format!("required column \"{}\" is missing from the header", c.name),
                });
            }
        }
        let find = |name: &str| {
            object
                .columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(name))
                .and_then(|ci| pos_of[ci])
        };
        let columns: Vec<Compiled> = object
            .columns
            .iter()
            .enumerate()
            .map(|(ci, c)| {
                let identity = object
                    .identity
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(&c.name));
                Compiled {
                    column: c,
                    pos: pos_of[ci],
                    rule: Rule::compile(c),
                    quick: Quick::of(&Rule::compile(c)),
                    every_row: !object.is_multi_row()
                        || identity
                        || object.is_child_column(&c.name),
                    cond: c.required_if.as_ref().map(|r| match r {
                        Condition::Equals { column, equals } => Cond::Equals {
                            pos: find(column),
                            values: equals.clone(),
                            describe: format!(
                                "when \"{column}\" is {}",
                                equals
                                    .iter()
                                    .map(|e| format!("\"{e}\""))
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            ),
                        },
                        Condition::AnySet { any_set } => Cond::AnySet {
                            pos: any_set.iter().map(|n| find(n)).collect(),
                            describe: format!(
                                "when {} has a value",
                                any_set
                                    .iter()
                                    .map(|e| format!("\"{e}\""))
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            ),
                        },
                    }),
                }
            })
            .collect();
        let identity = Identity::locate(object, header);
        let warn = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.pos.is_some() && matches!(c.rule, Rule::Phone { .. }))
            .map(|(i, _)| i)
            .collect();
        Plan {
            object,
            width: header.len(),
            keep,
            output_header,
            header_issues,
            columns,
            identity,
            warn,
        }
    }

    /// Whether the header problems stop rows from being checked at all (none do: rows are
    /// checked for the columns that are there).
    pub fn header_ok(&self) -> bool {
        self.header_issues.is_empty()
    }

    /// Checks one row's values; `first_of_object` is false for the child rows of a multi-row
    /// object after its first row.
    pub fn check_row<'a>(
        &self,
        field: impl Fn(usize) -> &'a str,
        line: u64,
        first_of_object: bool,
        out: &mut Vec<Issue>,
    ) {
        self.check_row_breaks(field, line, first_of_object, true, out)
    }

    /// `check_row`, told whether the row may hold a line break or another control character at
    /// all (`may_hold_controls`: most rows cannot, and looking in every value is a large share
    /// of the work).
    pub fn check_row_breaks<'a>(
        &self,
        field: impl Fn(usize) -> &'a str,
        line: u64,
        first_of_object: bool,
        may_break: bool,
        out: &mut Vec<Issue>,
    ) {
        let mut all_empty = true;
        // An error CSV's own Line and Error Message columns are not content.
        for &p in &self.keep {
            if !field(p).trim_ascii().is_empty() {
                all_empty = false;
                break;
            }
        }
        if all_empty {
            out.push(Issue {
                line,
                column: None,
                column_name: None,
                kind: IssueKind::EmptyRow,
                message: "the row is empty; delete it".into(),
            });
            return;
        }
        for c in &self.columns {
            let raw = c.pos.map(&field).unwrap_or("");
            let v = raw.trim_ascii();
            let mut push = |kind, message: String| {
                out.push(Issue {
                    line,
                    column: c.pos.map(|p| p + 1),
                    column_name: Some(c.column.name.clone()),
                    kind,
                    message,
                })
            };
            // Before anything else, and on the untrimmed value: a control character is never
            // data, even at the edge of an otherwise empty cell.
            if let Some((at, ch)) = may_break.then(|| find_control(raw)).flatten() {
                push(
                    IssueKind::ControlCharacter,
                    format!(
                        "column \"{}\": character {at} is the control character U+{:04X}; remove it (only a tab, and line breaks in descriptions, may appear in a value)",
                        c.column.name, ch as u32
                    ),
                );
                continue;
            }
            if v == crate::schema::CLEAR {
                // Empties the value on update: only where a blank would keep it.
                if !c.column.clearable() {
                    let (kind, why) = if c.column.blank == crate::schema::Blank::Clear {
                        (
                            IssueKind::InvalidCharacters,
                            "a blank cell already clears this column: leave it empty",
                        )
                    } else {
                        (
                            IssueKind::MissingValue,
                            "this column needs a value: it cannot be cleared",
                        )
                    };
                    push(
                        kind,
                        format!(
                            "column \"{}\": {}: {why}",
                            c.column.name,
                            crate::schema::CLEAR
                        ),
                    );
                }
                continue;
            }
            if v.is_empty() {
                if c.column.required && (first_of_object || c.every_row) {
                    if c.pos.is_some() {
                        push(
                            IssueKind::MissingValue,
                            format!("column \"{}\" is required", c.column.name),
                        );
                    }
                } else if let Some(why) = self.condition_holds(c, &field) {
                    let message = if c.pos.is_some() {
                        format!("column \"{}\" is required {why}", c.column.name)
                    } else {
                        format!(
                            "column \"{}\" is required {why}, but the file has no such column",
                            c.column.name
                        )
                    };
                    push(IssueKind::MissingValue, message);
                }
                continue;
            }
            if may_break
                && !c.column.multiline
                && memchr::memchr2(b'\n', b'\r', raw.as_bytes()).is_some()
            {
                push(
                    IssueKind::LineBreak,
                    format!("column \"{}\" may not hold a line break", c.column.name),
                );
                continue;
            }
            if c.quick.accepts(v) {
                continue;
            }
            if let Some((kind, msg)) = c.rule.check(v) {
                push(kind, format!("column \"{}\": {msg}", c.column.name));
            }
        }
    }

    /// Values that are valid but probably not what was meant (a long number without `+`): they
    /// go to `out` as warnings, which never make a row invalid. Call it for rows that passed
    /// or failed `check_row`; a value with an error gets no warning.
    pub fn warn_row<'a>(&self, field: impl Fn(usize) -> &'a str, line: u64, out: &mut Vec<Issue>) {
        for &i in &self.warn {
            let c = &self.columns[i];
            let Some(pos) = c.pos else { continue };
            let v = field(pos).trim_ascii();
            if v.is_empty() {
                continue;
            }
            if let Some((kind, msg)) = c.rule.warning(v) {
                out.push(Issue {
                    line,
                    column: Some(pos + 1),
                    column_name: Some(c.column.name.clone()),
                    kind,
                    message: format!("column \"{}\": {msg}", c.column.name),
                });
            }
        }
    }

    fn condition_holds<'a>(
        &self,
        c: &Compiled,
        field: &impl Fn(usize) -> &'a str,
    ) -> Option<String> {
        match c.cond.as_ref()? {
            Cond::Equals {
                pos,
                values,
                describe,
            } => {
                let v = pos.map(field).map(str::trim).unwrap_or("");
                // `_` and ' ' alike, ASCII case ignored: compared byte by byte, no allocation.
                let canon = |b: u8| match b {
                    b'_' => b' ',
                    b => b.to_ascii_uppercase(),
                };
                let same = |e: &str| {
                    e.len() == v.len()
                        && e.bytes().zip(v.bytes()).all(|(a, b)| canon(a) == canon(b))
                };
                values
                    .iter()
                    .any(|e| e == v || same(e) && !v.is_empty())
                    .then(|| describe.clone())
            }
            Cond::AnySet { pos, describe } => pos
                .iter()
                .any(|p| p.map(field).is_some_and(|v| !v.trim().is_empty()))
                .then(|| describe.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: &str, col: &str, v: &str) -> Option<IssueKind> {
        let t = registry().get(kind).unwrap();
        let c = t.column(col).unwrap();
        Rule::compile(c).check(v).map(|(k, _)| k)
    }

    /// The one-pass tests (`Fast`, `plain_dial_number`) only ever accept what the full checks
    /// accept, and accept the common valid values.
    #[test]
    fn fast_paths_agree_with_the_full_checks() {
        let values = [
            "Standard Agent",
            "Kraków Hub",
            "a",
            "1abc",
            "_x",
            "Tech L2, Networking",
            "Agent-Default v2.1",
            "Blended (Voice, Chat)",
            "x@y.z",
            "tab\there",
            "ctl\u{1}x",
            "line\nbreak",
            &"n".repeat(80),
            &"n".repeat(81),
            &"n".repeat(256),
            "+918075329037",
            "+12955556224",
            "+1-408-555-0123",
            "1001",
            "1001-",
            "-1001",
            "+0123",
            "+1",
            "+12",
            &format!("+{}", "1".repeat(15)),
            &format!("+{}", "1".repeat(16)),
            "4.47E+11",
            "1..2",
            "+",
            "",
            "ann.wav",
            "Zürich Support",
            &"ü".repeat(80),
            &"ü".repeat(81),
            &"ü".repeat(255),
            &"ü".repeat(256),
        ];
        let mut rules = Vec::new();
        for t in &registry().types {
            for c in &t.columns {
                let rule = Rule::compile(c);
                match &rule {
                    Rule::List { element, .. } => rules.push((**element).clone()),
                    _ => rules.push(rule.clone()),
                }
            }
        }
        rules.push(Rule::Ref(NameRule::for_type("audio-file")));
        let mut accepted = 0;
        for rule in &rules {
            for v in values {
                match rule {
                    Rule::Name(n) | Rule::Ref(n) => {
                        let Some(fast) = &n.fast else { continue };
                        let full = NameRule {
                            fast: None,
                            ..n.clone()
                        };
                        if fast.accepts(v) {
                            accepted += 1;
                            assert_eq!(full.check(v), None, "{v:?} {n:?}");
                        }
                    }
                    Rule::Phone {
                        pattern: None,
                        max_len,
                    } if plain_dial_number(v, *max_len) => {
                        accepted += 1;
                        assert_eq!(check_phone_full(v, None, *max_len), None, "{v:?}");
                    }
                    _ => {}
                }
            }
        }
        assert!(accepted > 50, "{accepted}");
        let emails = [
            "ann.lee@example.com",
            "a@b.co",
            "a@b",
            "a@b.",
            "a@.b",
            "a@b..c",
            "a@-b.c",
            "a@b-.c",
            "a@b-c.d-e",
            ".a@b.c",
            "a.@b.c",
            "a..b@c.d",
            "a@b@c.d",
            "a b@c.d",
            "@b.c",
            "!#$%&'*+/=?^_`{|}~.-@x.y",
            "Zoë@x.y",
            "a@x_y.z",
            &format!("{}@b.c", "l".repeat(64)),
            &format!("{}@b.c", "l".repeat(65)),
            &format!("a@{}.c", "d".repeat(63)),
            &format!("a@{}.c", "d".repeat(64)),
            &format!("a@b.{}", "d".repeat(64)),
            &format!("a@{}.c", "d".repeat(250)),
        ];
        for e in emails {
            assert_eq!(plain_email(e.as_bytes()), check_email(e).is_none(), "{e:?}");
        }
        for t in &registry().types {
            for c in &t.columns {
                let rule = Rule::compile(c);
                let quick = Quick::of(&rule);
                for v in values.iter().chain(&emails).copied().chain([
                    "On",
                    "TRUE",
                    "on",
                    "A|B",
                    "A | B",
                    "A||B",
                    "A|",
                    "Sales: Berlin|X",
                ]) {
                    if !v.is_empty() && quick.accepts(v) {
                        assert_eq!(rule.check(v), None, "{}: {v:?} {quick:?}", c.name);
                    }
                }
            }
        }
        let user = registry().get("user").unwrap();
        for c in &user.columns {
            let quick = Quick::of(&Rule::compile(c));
            assert!(!matches!(quick, Quick::None), "{}: {quick:?}", c.name);
        }
        let any = Fast::for_name(None, 80, false).unwrap();
        assert!(!any.accepts(""));
        assert!(any.accepts(&"ü".repeat(80)) && !any.accepts(&"ü".repeat(81)));
    }

    #[test]
    fn value_rules_table() {
        use IssueKind::*;
        let cases: &[(&str, &str, &str, Option<IssueKind>)] = &[
            ("user", "Email", "ann.lee@example.com", None),
            ("user", "Email", "ann.lee@", Some(InvalidEmail)),
            ("user", "Email", "ann lee@example.com", Some(InvalidEmail)),
            ("user", "Contact Center Enabled", "On", None),
            ("user", "Contact Center Enabled", "on", Some(InvalidEnum)),
            // the reference lists ON/TRUE as accepted spellings of On
            ("user", "Contact Center Enabled", "TRUE", None),
            ("user", "Contact Center Enabled", "yes", Some(InvalidEnum)),
            ("user", "Default DN", "+14085550123", None),
            ("user", "Default DN", "+1-408-555-0123", None),
            // valid for the API (no pattern); a warning says the '+' may be lost
            ("user", "Default DN", "14085550123", None),
            ("user", "Default DN", "1001", None),
            ("team", "DN", "1001", None),
            ("user", "Default DN", "+0123456", Some(InvalidPhone)),
            ("user", "Default DN", "1001-", Some(InvalidPhone)),
            ("address-book", "Phone Number", "(408)555-0123", None),
            (
                "address-book",
                "Phone Number",
                "408 555 0123",
                Some(InvalidPhone),
            ),
            (
                "address-book",
                "Phone Number",
                "4.47E+11",
                Some(InvalidPhone),
            ),
            ("outdial-ani", "Entry Number", "sip:agent@example.com", None),
            ("outdial-ani", "Entry Number", "+14085550123", None),
            (
                "outdial-ani",
                "Entry Number",
                "agent@example.com",
                Some(InvalidPhone),
            ),
            ("entry-point-mapping", "Dialed Number", "14085550123", None),
            (
                "entry-point-mapping",
                "Dialed Number",
                "+1-408-555-0123",
                None,
            ),
            (
                "entry-point-mapping",
                "Dialed Number",
                "(408)5550123",
                Some(InvalidPhone),
            ),
            (
                "entry-point-mapping",
                "Dialed Number",
                &"1".repeat(21),
                Some(TooLong),
            ),
            ("user", "Default DN", "4.47E+11", Some(InvalidPhone)),
            ("user", "Default DN", "+1 408 555 0123", Some(InvalidPhone)),
            (
                "user",
                "Default DN",
                "+1234567890123456",
                Some(InvalidPhone),
            ),
            ("user", "Site", "Berlin Hub", None),
            // the API's site pattern allows a leading digit; lab guides import 100_Site
            ("user", "Site", "1Berlin", None),
            ("site", "Name", "100_Site", None),
            ("team", "Name", "100_Team1", None),
            ("skill-definition", "Name", "24x7 Support", None),
            ("user", "Site", "Berlin!", Some(InvalidCharacters)),
            ("user", "Site", "Kraków", Some(InvalidCharacters)),
            ("user", "Site", &"S".repeat(81), Some(TooLong)),
            ("user", "Site", &"S".repeat(80), None),
            ("user", "Teams", "Sales|Billing T2", None),
            ("user", "Teams", "Sales||Billing", Some(EmptyListItem)),
            (
                "user",
                "Teams",
                &format!("Sales|{}", "T".repeat(81)),
                Some(TooLong),
            ),
            ("user", "User Profile", "Supervisor, Read-Only", None),
            (
                "user",
                "User Profile",
                "Agent (Tier 1)",
                Some(InvalidCharacters),
            ),
            ("user", "Desktop Profile", "Agent (Tier 1)", None),
            ("entry-point", "Timezone", "America/New_York", None),
            (
                "entry-point",
                "Timezone",
                "america/new_york",
                Some(InvalidTimezone),
            ),
            ("entry-point", "Service Level Threshold", "30", None),
            (
                "entry-point",
                "Service Level Threshold",
                "-1",
                Some(OutOfRange),
            ),
            (
                "entry-point",
                "Service Level Threshold",
                "1,000",
                Some(InvalidInteger),
            ),
            ("entry-point", "Channel Type", "SOCIAL_CHANNEL", None),
            ("entry-point", "Name", "Main Line", None),
            ("entry-point", "Name", "9 Main", Some(InvalidName)),
            ("queue", "Default Music in Queue", "hold.wav", None),
            (
                "queue",
                "Default Music in Queue",
                "hold.mp3",
                Some(InvalidName),
            ),
            ("queue", "Group Teams", "Sales: Berlin|Support", None),
            ("agent-profile", "Screen Popups", "ON", None),
            ("agent-profile", "Screen Popups", "On", Some(InvalidBoolean)),
        ];
        for (t, c, v, want) in cases {
            assert_eq!(check(t, c, v), *want, "{t}.{c} = {v:?}");
        }
    }

    #[test]
    fn warnings_are_for_valid_but_suspicious_numbers_only() {
        let warn = |t: &str, c: &str, v: &str| {
            let col = registry().get(t).unwrap().column(c).unwrap();
            Rule::compile(col).warning(v).map(|(k, _)| k)
        };
        let w = Some(IssueKind::SuspiciousPhone);
        assert_eq!(warn("user", "Default DN", "14085550123"), w);
        assert_eq!(warn("address-book", "Phone Number", "1(408)555-0123"), w);
        assert_eq!(warn("user", "Default DN", "+14085550123"), None);
        assert_eq!(warn("user", "Default DN", "1001"), None);
        assert_eq!(warn("user", "Default DN", "4085550123"), None);
        // an error is not also a warning
        assert_eq!(warn("user", "Default DN", "140 8555 0123"), None);
        assert_eq!(warn("user", "Email", "14085550123@example.com"), None);
    }

    #[test]
    fn control_characters_are_found_in_any_column() {
        let t = registry().get("team").unwrap();
        let h: Vec<String> = t.header().iter().map(|s| s.to_string()).collect();
        let plan = Plan::new(t, &h);
        for (bad, col) in [("Sales\0", 1), ("\x0c", 8), ("Berlin\x1b[31m", 2)] {
            let mut row = ["Sales", "Berlin", "AGENT", "", "", "", "", ""];
            row[col - 1] = bad;
            assert!(may_hold_controls(row.join(",").as_bytes()));
            let mut out = Vec::new();
            plan.check_row(|i| row[i], 3, true, &mut out);
            assert_eq!(out.len(), 1, "{bad:?}: {out:?}");
            assert_eq!(out[0].kind, IssueKind::ControlCharacter);
            assert_eq!(out[0].column, Some(col));
        }
        assert!(!may_hold_controls(b"Sales\tTeam,Berlin,AGENT"));
    }

    #[test]
    fn list_separators_are_one_character() {
        for t in &registry().types {
            for c in &t.columns {
                if let Some(sep) = &c.separator {
                    assert_eq!(sep.chars().count(), 1, "{}.{}", t.id, c.name);
                }
            }
        }
    }

    #[test]
    fn class_patterns_compile_to_tables() {
        for p in [
            "^[A-Za-z][A-Za-z0-9&_\\- ]*$",
            "^[A-Za-z0-9._\\-() ]+$",
            "^[A-Za-z0-9._)/(\\- ]*$",
            "^[A-Za-z0-9._\\-\\s]*$",
            "^[A-Za-z][A-Za-z0-9&_\\-\\s]*$",
        ] {
            assert!(matches!(Pattern::compile(p), Pattern::Class { .. }), "{p}");
        }
        assert!(matches!(Pattern::compile("^\\d{2,10}$"), Pattern::Regex(_)));
        let p = Pattern::compile("^[A-Za-z][A-Za-z0-9&_\\- ]*$");
        assert_eq!(p.check("Main-Line 2"), Ok(None));
        assert_eq!(p.check("Main/Line"), Ok(Some('/')));
        assert_eq!(p.check("2Main"), Ok(Some('2')));
    }

    #[test]
    fn header_problems_are_found() {
        let t = registry().get("team").unwrap();
        let h: Vec<String> = ["NAME", " site ", "Typ", "Name", "Line", "Error Message"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let plan = Plan::new(t, &h);
        let kinds: Vec<(IssueKind, Option<usize>)> = plan
            .header_issues
            .iter()
            .map(|i| (i.kind, i.column))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (IssueKind::UnknownColumn, Some(3)),
                (IssueKind::DuplicateColumn, Some(4)),
                (IssueKind::MissingColumn, None),
            ]
        );
        assert!(plan.header_issues[0]
            .message
            .contains("did you mean \"Type\""));
        assert_eq!(plan.keep, vec![0, 1, 2, 3]);
    }

    #[test]
    fn conditional_requirements_apply_per_row() {
        let t = registry().get("user").unwrap();
        let h: Vec<String> = t.header().iter().map(|s| s.to_string()).collect();
        let plan = Plan::new(t, &h);
        let row = ["a@example.com", "Agent", "On", "", "", "", "", "", "", ""];
        let mut out = Vec::new();
        plan.check_row(|i| row[i], 7, true, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].kind, IssueKind::MissingValue);
        assert_eq!(out[0].column, Some(4));
        assert!(out[0]
            .message
            .contains("when \"Contact Center Enabled\" is \"On\""));
    }
}

//! Splitting one record into its fields, strictly by RFC 4180.
//!
//! A quote opens a quoted value only at the start of a field; `""` inside it is one quote; after
//! the closing quote only a separator or the end of the record may follow. Anything else is a
//! stray quote, reported with its column, because the boundary scan and the service would
//! disagree about where such a record ends.

/// Why a record could not be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldError {
    /// A `"` inside an unquoted value, or text after a closing quote (1-based column).
    StrayQuote { column: usize },
    /// A quoted value is never closed (the file ended inside it) (1-based column).
    Unclosed { column: usize },
}

/// The fields of the last record split, borrowed from the record or, for a quoted value with
/// doubled quotes, unquoted into a scratch buffer; reused from record to record so splitting
/// allocates nothing in the steady state.
#[derive(Debug, Default)]
pub struct Fields {
    scratch: Vec<u8>,
    /// Byte ranges of the fields in the record, or in `scratch` when the start has
    /// [`IN_SCRATCH`] set.
    ranges: Vec<(usize, usize)>,
}

/// Marks a range of `Fields::ranges` as one in the scratch buffer.
const IN_SCRATCH: usize = 1 << (usize::BITS - 1);

/// Strips the record's line end (LF or CRLF).
pub fn strip_terminator(rec: &[u8]) -> &[u8] {
    let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
    rec.strip_suffix(b"\r").unwrap_or(rec)
}

impl Fields {
    /// Splits `rec` (with or without its line end) at `delim`.
    pub fn split(&mut self, rec: &[u8], delim: u8) -> Result<(), FieldError> {
        let rec = strip_terminator(rec);
        self.ranges.clear();
        self.scratch.clear();
        let n = rec.len();
        let mut i = 0;
        loop {
            let column = self.ranges.len() + 1;
            if i < n && rec[i] == b'"' {
                i += 1;
                let open = i;
                let Some(q) = find(rec, i, b'"', b'"') else {
                    return Err(FieldError::Unclosed { column });
                };
                i = q + 1;
                if i < n && rec[i] == b'"' {
                    // A doubled quote: unquote the value into the scratch buffer.
                    let begin = self.scratch.len();
                    self.scratch.extend_from_slice(&rec[open..i]);
                    i += 1;
                    loop {
                        let Some(q) = find(rec, i, b'"', b'"') else {
                            return Err(FieldError::Unclosed { column });
                        };
                        self.scratch.extend_from_slice(&rec[i..q]);
                        i = q + 1;
                        if i < n && rec[i] == b'"' {
                            self.scratch.push(b'"');
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    self.ranges.push((begin | IN_SCRATCH, self.scratch.len()));
                } else {
                    self.ranges.push((open, i - 1));
                }
                if i == n {
                    return Ok(());
                }
                if rec[i] != delim {
                    return Err(FieldError::StrayQuote { column });
                }
                i += 1;
            } else {
                let end = match find(rec, i, delim, b'"') {
                    Some(k) if rec[k] == b'"' => {
                        return Err(FieldError::StrayQuote { column });
                    }
                    Some(k) => k,
                    None => n,
                };
                self.ranges.push((i, end));
                if end == n {
                    return Ok(());
                }
                i = end + 1;
            }
            if i == n {
                self.ranges.push((n, n));
                return Ok(());
            }
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Field `i` of the record last split (pass the same record bytes).
    #[inline]
    pub fn get<'a>(&'a self, rec: &'a [u8], i: usize) -> &'a [u8] {
        let (s, e) = self.ranges[i];
        if s & IN_SCRATCH != 0 {
            &self.scratch[s & !IN_SCRATCH..e]
        } else {
            &rec[s..e]
        }
    }

    /// Field `i` as text, for a record already known to be valid UTF-8; `""` otherwise.
    #[inline]
    pub fn get_str<'a>(&'a self, rec: &'a [u8], i: usize, utf8: bool) -> &'a str {
        let f = self.get(rec, i);
        if utf8 {
            // SAFETY: the caller checked `rec` is valid UTF-8. Fields are cut at ASCII bytes
            // (separators and quotes), so each is a run of whole characters of `rec`, and the
            // scratch copy only ever drops ASCII quote bytes.
            unsafe { std::str::from_utf8_unchecked(f) }
        } else {
            std::str::from_utf8(f).unwrap_or("")
        }
    }

    /// All fields as owned strings (lossy for invalid UTF-8), for error files and the service.
    pub fn to_strings(&self, rec: &[u8]) -> Vec<String> {
        (0..self.len())
            .map(|i| String::from_utf8_lossy(self.get(rec, i)).into_owned())
            .collect()
    }
}

/// The first position at or after `from` holding `a` or `b`.
///
/// Values are short, so the search is inline, 16 bytes at a time, with no set-up to pay for
/// each value as `memchr` has; the last (partial) step reloads the final 16 bytes of `hay`.
#[inline(always)]
fn find(hay: &[u8], from: usize, a: u8, b: u8) -> Option<usize> {
    let n = hay.len();
    #[cfg(target_arch = "x86_64")]
    if n >= 16 {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
            _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of x86_64; every load reads 16 bytes inside `hay`
        // (`i + 16 <= n`, and the last one starts at `n - 16 >= 0`).
        unsafe {
            let va = _mm_set1_epi8(a as i8);
            let vb = _mm_set1_epi8(b as i8);
            let mask = |at: usize| {
                let v = _mm_loadu_si128(hay.as_ptr().add(at) as *const __m128i);
                _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb))) as u32
            };
            let mut i = from;
            while i + 16 <= n {
                let m = mask(i);
                if m != 0 {
                    return Some(i + m.trailing_zeros() as usize);
                }
                i += 16;
            }
            if i >= n {
                return None;
            }
            let last = n - 16;
            let m = mask(last) >> (i - last);
            return (m != 0).then(|| i + m.trailing_zeros() as usize);
        }
    }
    hay.get(from..)?
        .iter()
        .position(|&c| c == a || c == b)
        .map(|k| from + k)
}

/// Splits a record leniently for reporting: like a spreadsheet would, never failing. Used to
/// put a broken record into an error file.
pub fn lenient_fields(rec: &[u8], delim: u8) -> Vec<String> {
    let mut f = Fields::default();
    if f.split(rec, delim).is_ok() {
        return f.to_strings(rec);
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(strip_terminator(rec));
    let mut out = Vec::new();
    if let Some(Ok(r)) = rdr.byte_records().next() {
        out = r
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(rec: &str) -> Result<Vec<String>, FieldError> {
        let mut f = Fields::default();
        f.split(rec.as_bytes(), b',')?;
        Ok(f.to_strings(rec.as_bytes()))
    }

    #[test]
    fn splits_like_rfc_4180() {
        let cases: &[(&str, &[&str])] = &[
            ("a,b,c\r\n", &["a", "b", "c"]),
            ("a,,\n", &["a", "", ""]),
            ("", &[""]),
            ("\"a,b\",c", &["a,b", "c"]),
            ("\"He said \"\"hi\"\"\",x", &["He said \"hi\"", "x"]),
            ("\"multi\nline\",\"\"\r\n", &["multi\nline", ""]),
            ("x,\"\"", &["x", ""]),
            ("\"a\",", &["a", ""]),
        ];
        for (rec, want) in cases {
            assert_eq!(split(rec).unwrap(), *want, "{rec:?}");
        }
    }

    #[test]
    fn stray_and_unclosed_quotes_name_their_column() {
        assert_eq!(
            split("a,5\" screen,c"),
            Err(FieldError::StrayQuote { column: 2 })
        );
        assert_eq!(
            split("a,\"b\"c,d"),
            Err(FieldError::StrayQuote { column: 2 })
        );
        assert_eq!(split("a,b,\"open"), Err(FieldError::Unclosed { column: 3 }));
    }

    /// The inline 16-byte search: values of every length around its steps, quoted or not,
    /// with doubled quotes, and stray quotes far into long records, split as RFC 4180 says
    /// (the csv crate's reading of the same bytes).
    #[test]
    fn long_records_split_like_short_ones() {
        let mut values = Vec::new();
        for len in [0, 1, 7, 15, 16, 17, 31, 32, 33, 47] {
            let plain: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            values.push((plain.clone(), plain.clone()));
            values.push((format!("\"{plain}, x\""), format!("{plain}, x")));
            values.push((format!("\"{plain}\"\"q\"\"\""), format!("{plain}\"q\"")));
        }
        for width in 1..5 {
            for start in 0..values.len() {
                let row: Vec<&(String, String)> = (0..width)
                    .map(|k| &values[(start + 7 * k) % values.len()])
                    .collect();
                let rec = row
                    .iter()
                    .map(|(raw, _)| raw.as_str())
                    .collect::<Vec<_>>()
                    .join(",");
                let want: Vec<String> = row.iter().map(|(_, v)| v.clone()).collect();
                for end in ["", "\r\n"] {
                    let rec = format!("{rec}{end}");
                    assert_eq!(split(&rec).unwrap(), want, "{rec:?}");
                }
            }
        }
        let long = "x".repeat(40);
        assert_eq!(
            split(&format!("{long},{long}\"y,z")),
            Err(FieldError::StrayQuote { column: 2 })
        );
        assert_eq!(
            split(&format!("{long},\"{long}\"y,z")),
            Err(FieldError::StrayQuote { column: 2 })
        );
        assert_eq!(
            split(&format!("{long},{long},\"{long}")),
            Err(FieldError::Unclosed { column: 3 })
        );
        for n in 0..40 {
            let hay = vec![b'a'; n];
            for from in 0..=n {
                assert_eq!(find(&hay, from, b',', b'"'), None);
                let mut with = hay.clone();
                if from < n {
                    with[n - 1] = b'"';
                    assert_eq!(find(&with, from, b',', b'"'), Some(n - 1), "{n} {from}");
                }
            }
        }
    }

    #[test]
    fn lenient_split_never_fails() {
        assert_eq!(
            lenient_fields(b"a,5\" screen,c\r\n", b','),
            ["a", "5\" screen", "c"]
        );
    }
}

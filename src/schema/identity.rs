//! What makes two rows the same object, written once: the identity key and its hash, and where
//! the consecutive rows of a multi-row object begin and end.
//!
//! `validate` (duplicates, first-row rules, object counts), `chunk` (objects never split),
//! `--skip-invalid` (objects dropped whole) and the sandbox (objects stored whole, keyed by
//! identity) all decide with these.

use super::{normalize_header, ObjectType, ERROR_CSV_COLUMNS};

/// Separator between the values of a composite identity in a key.
const KEY_SEPARATOR: char = '\u{1f}';

/// The identity key of an object from its identity values, in the schema's order: each value
/// trimmed and lower-cased, joined by U+001F. The sandbox stores objects under it.
pub fn identity_key(values: &[&str]) -> String {
    let mut key = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            key.push(KEY_SEPARATOR);
        }
        key.push_str(&v.trim().to_lowercase());
    }
    key
}

/// A key as a person reads it: `Sales / Berlin` for a team.
pub fn display_key(key: &str) -> String {
    key.replace(KEY_SEPARATOR, " / ")
}

/// An object type's identity columns, located in one file's header.
#[derive(Debug, Clone)]
pub struct Identity {
    object: &'static ObjectType,
    /// Field position of each identity column (`None`: the file lacks it).
    positions: Vec<Option<usize>>,
}

impl Identity {
    /// Finds `object`'s identity columns in `header` (spelling and case as `validate` matches
    /// them; an error CSV's `Line` and `Error Message` columns are never identity).
    pub fn locate(object: &'static ObjectType, header: &[String]) -> Identity {
        let positions = object
            .identity
            .iter()
            .map(|name| {
                let want = normalize_header(name);
                header.iter().position(|h| {
                    let norm = normalize_header(h);
                    norm == want
                        && !ERROR_CSV_COLUMNS
                            .iter()
                            .any(|e| e.eq_ignore_ascii_case(&norm))
                })
            })
            .collect();
        Identity { object, positions }
    }

    pub fn object(&self) -> &'static ObjectType {
        self.object
    }

    /// The row's identity key (see [`identity_key`]); `None` when an identity value is missing
    /// or blank, since such a row cannot be told apart from another.
    pub fn key<'a>(&self, field: impl Fn(usize) -> Option<&'a str>) -> Option<String> {
        let mut values = Vec::with_capacity(self.positions.len());
        for p in &self.positions {
            let v = p.and_then(&field).unwrap_or("");
            if v.trim().is_empty() {
                return None;
            }
            values.push(v);
        }
        (!values.is_empty()).then(|| identity_key(&values))
    }

    /// The row's identity as a 64-bit hash, computed without allocating for ASCII values; 0
    /// when the row has no usable identity. Equal keys have equal hashes.
    pub fn hash<'a>(&self, field: impl Fn(usize) -> Option<&'a [u8]>) -> u64 {
        let mut h = Hasher::default();
        for p in &self.positions {
            let v = p.and_then(&field).map(|v| v.trim_ascii()).unwrap_or(b"");
            if v.is_empty() {
                return 0;
            }
            if v.is_ascii() {
                h.write_ascii_lowercase(v);
            } else {
                let s = String::from_utf8_lossy(v).trim().to_lowercase();
                h.write(s.as_bytes());
            }
            h.write(&[KEY_SEPARATOR as u8]);
        }
        h.finish().max(1)
    }

    /// 1-based column number and name of the first identity column, for messages.
    pub fn first_column(&self) -> (Option<usize>, String) {
        (
            self.positions.first().copied().flatten().map(|p| p + 1),
            self.object.identity.first().cloned().unwrap_or_default(),
        )
    }

    /// A fresh [`Objects`] for rows of this file.
    pub fn objects(&self) -> Objects {
        Objects::new(self.object)
    }
}

/// Groups a stream of rows into objects, fed each row's identity hash in file order: for a
/// multi-row type, consecutive rows with the same identity are one object; otherwise every row
/// is one. A row without a usable identity (hash 0) always starts an object of its own.
#[derive(Debug, Clone, Copy)]
pub struct Objects {
    multi: bool,
    prev: u64,
}

impl Objects {
    pub fn new(object: &ObjectType) -> Objects {
        Objects {
            multi: object.is_multi_row(),
            prev: 0,
        }
    }

    /// Whether the next row, whose identity hash is `hash`, starts a new object rather than
    /// continuing the one before it.
    pub fn starts(&mut self, hash: u64) -> bool {
        let continues = self.multi && hash != 0 && hash == self.prev;
        self.prev = hash;
        !continues
    }
}

/// A fast 64-bit hash for identity keys: each 16 bytes are mixed in with a 128-bit multiply
/// folded to 64 bits (as wyhash mixes), then a murmur finaliser. Only compared within one
/// run, never stored.
///
/// It replaced an FxHash-style mix, `(h.rotate_left(5) ^ w) * K`, whose multiply carries a
/// difference only upwards: two emails differing in two adjacent words, such as
/// `seoyeon.petrova12@acme-support.net` and `seoyeon.petrova99@acme-support.net`, hashed alike,
/// and 5,000,000 generated users gave about 2,500 such pairs, each re-read from disk to be told
/// apart. foldhash itself, fed word by word, cost 0.4 s more CPU on those users.
#[derive(Default)]
struct Hasher(u64);

impl Hasher {
    /// Mixes in 16 bytes with one 128-bit multiply folded to 64 bits (wyhash's step). `K1`
    /// has bytes of 0x80 and over, so no word of ASCII text can cancel it to a zero factor.
    fn mix(&mut self, a: u64, b: u64) {
        const K0: u64 = 0xa076_1d64_78bd_642f;
        const K1: u64 = 0xe703_7ed1_a0b4_28db;
        let p = u128::from(a ^ self.0 ^ K0) * u128::from(b ^ K1);
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }

    /// Hashes `bytes` 16 at a time; the tail is padded and the length mixed in, so different
    /// byte strings give different word sequences.
    fn write(&mut self, bytes: &[u8]) {
        self.write_words(bytes, |w| w);
    }

    /// `write` of `bytes` lower-cased, for ASCII `bytes`: the same hash, without a copy (the
    /// letters of each word are lower-cased in place, eight at a time).
    fn write_ascii_lowercase(&mut self, bytes: &[u8]) {
        self.write_words(bytes, ascii_lowercase_word);
    }

    /// [`Hasher::write`] with each little-endian word passed through `map` before mixing.
    #[inline]
    fn write_words(&mut self, bytes: &[u8], map: impl Fn(u64) -> u64) {
        let word = |w: &[u8]| map(u64::from_le_bytes(w.try_into().expect("8 bytes")));
        let mut pairs = bytes.chunks_exact(16);
        for p in &mut pairs {
            self.mix(word(&p[..8]), word(&p[8..]));
        }
        let tail = pairs.remainder();
        let mut last = [0u8; 16];
        last[..tail.len()].copy_from_slice(tail);
        self.mix(
            word(&last[..8]),
            word(&last[8..]) ^ ((bytes.len() as u64) << 56),
        );
    }

    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// The eight ASCII bytes of `w` with `A`-`Z` lower-cased. Each byte's high bit (clear in
/// ASCII) takes the carry of its own comparison, so no byte disturbs its neighbour.
#[inline]
fn ascii_lowercase_word(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let at_least_a = w + (0x80 - b'A' as u64) * ONES;
    let above_z = w + (0x80 - b'Z' as u64 - 1) * ONES;
    let upper = at_least_a & !above_z & (0x80 * ONES);
    w | (upper >> 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::registry;

    fn header(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn key_trims_lower_cases_and_joins() {
        assert_eq!(identity_key(&[" Sales ", "BERLIN"]), "sales\u{1f}berlin");
        assert_eq!(
            display_key(&identity_key(&["Sales", "Berlin"])),
            "sales / berlin"
        );
        let team = registry().get("team").unwrap();
        let id = Identity::locate(team, &header(&["site", " NAME ", "Type"]));
        assert_eq!(id.first_column(), (Some(2), "Name".to_string()));
        let row = ["Berlin", "Sales", "AGENT"];
        let key = id.key(|p| row.get(p).copied());
        assert_eq!(key.as_deref(), Some("sales\u{1f}berlin"));
        let blank = ["Berlin", "  ", "AGENT"];
        assert_eq!(id.key(|p| blank.get(p).copied()), None);
        assert_eq!(id.hash(|p| blank.get(p).map(|s| s.as_bytes())), 0);
    }

    #[test]
    fn equal_keys_have_equal_hashes() {
        let team = registry().get("team").unwrap();
        let id = Identity::locate(team, &header(&["Name", "Site"]));
        // A final capital sigma lower-cases to "ς" in a word, and a non-breaking space is
        // trimmed: the key and the hash used to disagree on both.
        let rows: [[&str; 2]; 7] = [
            ["Sales", "Berlin"],
            [" sales", "BERLIN "],
            ["ÆBLE", "Ørsted"],
            ["æble", "ørsted"],
            ["ΟΔΟΣ", "x"],
            ["οδος", "x"],
            ["Sales\u{a0}", "Berlin"],
        ];
        let hash = |r: &[&str; 2]| id.hash(|p| r.get(p).map(|s| s.as_bytes()));
        let key = |r: &[&str; 2]| id.key(|p| r.get(p).copied());
        for a in &rows {
            for b in &rows {
                if key(a) == key(b) {
                    assert_eq!(hash(a), hash(b), "{a:?} {b:?}");
                }
            }
        }
        assert_eq!(key(&rows[4]), key(&rows[5]));
        assert_eq!(key(&rows[0]), key(&rows[6]));
        assert_eq!(hash(&rows[0]), hash(&rows[1]));
        assert_ne!(hash(&rows[0]), hash(&rows[2]));
    }

    #[test]
    fn words_lower_case_like_bytes() {
        for b in 0..128u8 {
            for shift in 0..8 {
                let mut bytes = *b"aZ@[`{09";
                bytes[shift] = b;
                let mut want = bytes;
                want.make_ascii_lowercase();
                assert_eq!(
                    ascii_lowercase_word(u64::from_le_bytes(bytes)).to_le_bytes(),
                    want,
                    "{b} at {shift}"
                );
            }
        }
        for len in 0..40 {
            let v: Vec<u8> = (0..len).map(|i| b"AbYz-@._Q1"[i % 10]).collect();
            let (mut a, mut b) = (Hasher::default(), Hasher::default());
            a.write(&v.to_ascii_lowercase());
            b.write_ascii_lowercase(&v);
            assert_eq!(a.finish(), b.finish(), "{len}");
        }
    }

    /// Keys that differ in adjacent words hash apart: the FxHash-style mix this replaced gave
    /// the first pair (from the bench's generated users) one hash, and 5,856 of the 240,000
    /// generated keys below a hash another one had.
    #[test]
    fn near_keys_hash_apart() {
        let user = registry().get("user").unwrap();
        let id = Identity::locate(user, &header(&["Email"]));
        let hash = |e: &str| id.hash(|_| Some(e.as_bytes()));
        assert_ne!(
            hash("seoyeon.petrova12@acme-support.net"),
            hash("seoyeon.petrova99@acme-support.net")
        );
        let mut seen = std::collections::HashSet::new();
        let mut n = 0;
        for name in ["seoyeon.petrova", "sophia.angstrom", "li.wei", "a"] {
            for domain in ["acme-support.net", "example.com", "contoso-cc.com"] {
                for i in 0..20_000 {
                    n += 1;
                    seen.insert(hash(&format!("{name}{i}@{domain}")));
                }
            }
        }
        assert_eq!(seen.len(), n, "{} collisions", n - seen.len());
    }

    #[test]
    fn error_csv_columns_are_never_identity() {
        let user = registry().get("user").unwrap();
        let id = Identity::locate(user, &header(&["Line", "Error Message", "Email"]));
        assert_eq!(id.first_column(), (Some(3), "Email".to_string()));
    }

    #[test]
    fn objects_group_consecutive_rows_of_multi_row_types_only() {
        let profile = registry().get("skill-profile").unwrap();
        let mut o = Objects::new(profile);
        let starts: Vec<bool> = [5, 5, 0, 0, 7, 5].iter().map(|&h| o.starts(h)).collect();
        assert_eq!(starts, [true, false, true, true, true, true]);
        let user = registry().get("user").unwrap();
        let mut o = Objects::new(user);
        assert!(o.starts(5) && o.starts(5));
    }
}

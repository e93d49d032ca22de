//! A stable 128-bit hash (the same on every platform and version) for plan ids, chunk contents and
//! idempotency keys: computed as bytes stream by, so a chunk is hashed while it is written.

/// Two FNV-1a 64-bit hashes with different offsets: stable and dependency-free; not for
/// adversaries, only to tell our own plans and chunks apart.
pub struct StableHash {
    a: u64,
    b: u64,
}

impl StableHash {
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub fn new() -> Self {
        StableHash {
            a: 0xcbf2_9ce4_8422_2325,
            b: 0x6c62_272e_07bb_0142,
        }
    }

    pub fn write(&mut self, bytes: &[u8]) {
        for &x in bytes {
            self.a = (self.a ^ u64::from(x)).wrapping_mul(Self::PRIME);
            self.b = (self.b ^ u64::from(x.rotate_left(3))).wrapping_mul(Self::PRIME);
        }
    }

    /// Writes a length-prefixed field, so that ("ab", "c") and ("a", "bc") differ.
    pub fn field(&mut self, bytes: &[u8]) {
        self.write(&(bytes.len() as u64).to_le_bytes());
        self.write(bytes);
    }

    pub fn hex(&self) -> String {
        format!("{:016x}{:016x}", self.a, self.b)
    }
}

impl Default for StableHash {
    fn default() -> Self {
        Self::new()
    }
}

/// A stable 128-bit hash of bytes, as 32 hex digits.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h = StableHash::new();
    h.write(bytes);
    h.hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_equals_whole() {
        let mut h = StableHash::new();
        h.write(b"Name,Site\r\n");
        h.write(b"a,b\r\n");
        assert_eq!(h.hex(), content_hash(b"Name,Site\r\na,b\r\n"));
    }
}

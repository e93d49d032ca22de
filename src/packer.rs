//! Where chunks start: first-fit packing of objects (rows and bytes) into chunks of at most N
//! rows and B bytes. Used by `chunk` to cut files and by `validate` to count the chunks a file
//! will need, so neither depends on the other for it.

use std::fmt;

/// An object that cannot fit in any chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooBig {
    pub rows: u64,
    pub bytes: u64,
    pub max_rows: u64,
    pub max_bytes: u64,
}

impl fmt::Display for TooBig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rows > self.max_rows {
            write!(
                f,
                "spans {} rows, more than the {} one file may hold",
                self.rows, self.max_rows
            )
        } else {
            write!(
                f,
                "is {} bytes, more than the {} one file may hold with its header",
                self.bytes, self.max_bytes
            )
        }
    }
}

/// Decides where chunks start, object by object (first fit, in input order).
#[derive(Debug, Clone)]
pub struct Packer {
    max_rows: u64,
    max_bytes: u64,
    header: u64,
    rows: u64,
    bytes: u64,
    chunks: u64,
}

impl Packer {
    /// A packer for chunks of at most `max_rows` data rows and `max_bytes` bytes, each starting
    /// with a header of `header` bytes.
    pub fn new(max_rows: u64, max_bytes: u64, header: u64) -> Self {
        Packer {
            max_rows: max_rows.max(1),
            max_bytes,
            header,
            rows: 0,
            bytes: 0,
            chunks: 0,
        }
    }

    /// Adds an object of `rows` rows and `bytes` bytes; `Ok(true)` when it starts a new chunk.
    pub fn add(&mut self, rows: u64, bytes: u64) -> Result<bool, TooBig> {
        if rows > self.max_rows || self.header + bytes > self.max_bytes {
            return Err(TooBig {
                rows,
                bytes: self.header + bytes,
                max_rows: self.max_rows,
                max_bytes: self.max_bytes,
            });
        }
        let fresh = self.would_start(rows, bytes);
        if fresh {
            self.chunks += 1;
            self.rows = 0;
            self.bytes = 0;
        }
        self.rows += rows;
        self.bytes += bytes;
        Ok(fresh)
    }

    /// Whether an object of `rows` and `bytes` would start a new chunk (if it fits at all).
    pub fn would_start(&self, rows: u64, bytes: u64) -> bool {
        self.chunks == 0
            || self.rows + rows > self.max_rows
            || self.header + self.bytes + bytes > self.max_bytes
    }

    /// Chunks started so far.
    pub fn chunks(&self) -> u64 {
        self.chunks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_limits_bind() {
        let mut p = Packer::new(3, 100, 10);
        let starts: Vec<bool> = [(1, 20), (1, 20), (1, 20), (1, 20), (1, 50), (1, 30)]
            .iter()
            .map(|&(r, b)| p.add(r, b).unwrap())
            .collect();
        // rows: the 4th row starts chunk 2; bytes: 10 + 20 + 50 fits in 100, 10 + 70 + 30 does not
        assert_eq!(starts, [true, false, false, true, false, true]);
        assert_eq!(p.chunks(), 3);
        assert!(p.add(1, 91).is_err());
        assert!(p.add(4, 10).is_err());
    }
}

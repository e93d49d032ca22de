//! Finding repeated identities in a file of any size with bounded memory.
//!
//! Every object's identity is recorded as (hash, line, offset, length). Up to a budget the
//! entries stay in memory; past it they spill to 256 temporary bucket files by hash. At the end
//! each bucket is sorted on its own, and entries that share a hash are candidates; the caller
//! confirms each candidate by re-reading the records at their offsets and comparing the real
//! identities, so a hash collision can never report a false duplicate.

use std::fs::File;
use std::io::{self, BufWriter, Write};

/// One object's identity and where its record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub hash: u64,
    pub line: u64,
    pub offset: u64,
    pub len: u64,
}

const ENTRY_BYTES: usize = 32;
const BUCKETS: usize = 256;

/// Collects identity entries; memory stays under about `budget` entries.
pub struct DupIndex {
    mem: Vec<Entry>,
    budget: usize,
    spill: Option<Vec<BufWriter<File>>>,
    spill_dir: Option<tempfile::TempDir>,
}

impl DupIndex {
    pub fn new(budget: usize) -> Self {
        DupIndex {
            mem: Vec::new(),
            budget: budget.max(16),
            spill: None,
            spill_dir: None,
        }
    }

    pub fn push(&mut self, e: Entry) -> io::Result<()> {
        self.mem.push(e);
        if self.mem.len() >= self.budget {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.spill.is_none() {
            let dir = tempfile::Builder::new().prefix("bulk-dups-").tempdir()?;
            let mut files = Vec::with_capacity(BUCKETS);
            for i in 0..BUCKETS {
                files.push(BufWriter::with_capacity(
                    8 * 1024,
                    File::create(dir.path().join(format!("{i:03}")))?,
                ));
            }
            self.spill = Some(files);
            self.spill_dir = Some(dir);
        }
        let files = self.spill.as_mut().expect("just created");
        for e in self.mem.drain(..) {
            let mut b = [0u8; ENTRY_BYTES];
            b[0..8].copy_from_slice(&e.hash.to_le_bytes());
            b[8..16].copy_from_slice(&e.line.to_le_bytes());
            b[16..24].copy_from_slice(&e.offset.to_le_bytes());
            b[24..32].copy_from_slice(&e.len.to_le_bytes());
            files[(e.hash >> 56) as usize].write_all(&b)?;
        }
        Ok(())
    }

    /// Groups of entries sharing a hash (at least two each, in line order), groups in order of
    /// their first line.
    pub fn candidates(mut self) -> io::Result<Vec<Vec<Entry>>> {
        let mut groups = Vec::new();
        if self.spill.is_none() {
            collect_groups(&mut self.mem, &mut groups);
        } else {
            self.flush()?;
            let files = self.spill.take().expect("spilled");
            let dir = self.spill_dir.as_ref().expect("spilled");
            drop(
                files
                    .into_iter()
                    .map(|mut f| f.flush())
                    .collect::<io::Result<Vec<_>>>()?,
            );
            // The buckets are independent: two threads take every other one.
            let per_thread: Vec<io::Result<Vec<Vec<Entry>>>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..2)
                    .map(|t| {
                        s.spawn(move || -> io::Result<Vec<Vec<Entry>>> {
                            let mut groups = Vec::new();
                            let mut bucket = Vec::new();
                            for i in (t..BUCKETS).step_by(2) {
                                let bytes = std::fs::read(dir.path().join(format!("{i:03}")))?;
                                bucket.clear();
                                bucket.extend(bytes.chunks_exact(ENTRY_BYTES).map(decode));
                                collect_groups(&mut bucket, &mut groups);
                            }
                            Ok(groups)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a bucket thread does not panic"))
                    .collect()
            });
            for g in per_thread {
                groups.extend(g?);
            }
        }
        groups.sort_by_key(|g| g[0].line);
        Ok(groups)
    }
}

fn decode(b: &[u8]) -> Entry {
    let word = |k: usize| u64::from_le_bytes(b[k..k + 8].try_into().expect("8 bytes"));
    Entry {
        hash: word(0),
        line: word(8),
        offset: word(16),
        len: word(24),
    }
}

fn collect_groups(entries: &mut [Entry], out: &mut Vec<Vec<Entry>>) {
    // Hashes are nearly all distinct: sorting on them alone is enough to find the runs, and
    // only a run (a candidate group) needs its entries put in line order.
    entries.sort_unstable_by_key(|e| e.hash);
    for run in entries.chunk_by(|a, b| a.hash == b.hash) {
        if run.len() > 1 {
            let mut group = run.to_vec();
            group.sort_unstable();
            out.push(group);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(hashes: &[u64]) -> Vec<Entry> {
        hashes
            .iter()
            .enumerate()
            .map(|(i, &h)| Entry {
                hash: h,
                line: i as u64 + 2,
                offset: i as u64 * 10,
                len: 10,
            })
            .collect()
    }

    #[test]
    fn same_candidates_in_memory_and_spilled() {
        let hashes: Vec<u64> = (0..5000u64)
            .map(|i| (i % 4000).wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let mut small = DupIndex::new(1 << 20);
        let mut spilled = DupIndex::new(100);
        for e in entries(&hashes) {
            small.push(e).unwrap();
            spilled.push(e).unwrap();
        }
        let a = small.candidates().unwrap();
        let b = spilled.candidates().unwrap();
        assert_eq!(a.len(), 1000);
        assert_eq!(a, b);
        assert!(a
            .iter()
            .all(|g| g.len() == 2 && g[0].line + 4000 == g[1].line));
    }
}

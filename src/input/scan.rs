//! Finding record boundaries without parsing fields: a quote-aware scan for line feeds.
//!
//! A record ends at a line feed outside quotes; every `"` toggles the quoted state (a doubled
//! `""` toggles twice, so it needs no special case). This is all `split` needs, and `validate`
//! uses it to cut the input into blocks of whole records that worker threads parse in parallel.
//! Line numbers are physical lines, 1-based, the header on line 1; blank lines are skipped but
//! counted. Memory is one block plus the record in progress, and a record longer than
//! `max_record` bytes is not kept at all: it is reported as oversized.

use memchr::memchr2;
use std::io::{self, Read};

/// Where one record sits in its block, and where it came from in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordPos {
    /// Start of the record's bytes in `Block::data` (both 0 for an oversized record).
    pub start: usize,
    /// End of the record's bytes, terminator included.
    pub end: usize,
    /// Physical line on which the record starts.
    pub line: u64,
    /// Physical lines the record spans (more than 1 when a quoted value holds line breaks).
    pub lines: u64,
    /// The record's length in bytes, terminator included (also for oversized records).
    pub len: u64,
    /// Byte offset of the record in the source.
    pub offset: u64,
    /// The record was longer than `max_record`; its bytes were not kept.
    pub oversized: bool,
    /// The file ended inside quotes: a quoted value opened in this record is never closed.
    pub unclosed: bool,
}

impl RecordPos {
    /// Whether the record ends with a line break (every record but maybe the last).
    pub fn terminated(&self, data: &[u8]) -> bool {
        self.end > self.start && data[self.end - 1] == b'\n'
    }
}

/// A run of whole records.
#[derive(Debug, Default)]
pub struct Block {
    /// Sequence number, from 0.
    pub seq: u64,
    pub data: Vec<u8>,
    pub records: Vec<RecordPos>,
}

/// Cuts a byte stream into blocks of whole records.
pub struct Scanner<R> {
    reader: R,
    block_size: usize,
    max_record: usize,
    buf: Vec<u8>,
    /// Byte offset of `buf[0]` in the source.
    buf_offset: u64,
    /// How far `buf` has been scanned.
    scan_pos: usize,
    in_quotes: bool,
    /// Start of the record in progress in `buf`.
    rec_start: usize,
    rec_line: u64,
    line: u64,
    /// Bytes of the record in progress already dropped because it is oversized.
    dropped: Option<u64>,
    records: Vec<RecordPos>,
    eof: bool,
    seq: u64,
    /// A block buffer handed back for reuse (fresh memory costs page faults).
    spare: Option<Vec<u8>>,
}

impl<R: Read> Scanner<R> {
    /// A scanner yielding blocks of about `block_size` bytes; records longer than `max_record`
    /// bytes are reported as oversized instead of being kept.
    pub fn new(reader: R, block_size: usize, max_record: usize) -> Self {
        Scanner {
            reader,
            block_size: block_size.max(64),
            max_record: max_record.max(1),
            buf: Vec::with_capacity(block_size),
            buf_offset: 0,
            scan_pos: 0,
            in_quotes: false,
            rec_start: 0,
            rec_line: 1,
            line: 1,
            dropped: None,
            records: Vec::new(),
            eof: false,
            seq: 0,
            spare: None,
        }
    }

    /// Hands a block's buffer back, to be reused for a later block.
    pub fn recycle(&mut self, mut buf: Vec<u8>) {
        if buf.capacity() >= self.block_size {
            buf.clear();
            self.spare = Some(buf);
        }
    }

    /// The next block of whole records, or `None` at the end of the input.
    pub fn next_block(&mut self) -> io::Result<Option<Block>> {
        loop {
            self.scan();
            let have_enough = self.buf.len() >= self.block_size && !self.records.is_empty();
            if have_enough || (self.eof && !self.records.is_empty()) {
                return Ok(Some(self.take_block()));
            }
            if self.eof {
                return Ok(None);
            }
            // Complete records are handed out first (above); what is left is blank lines and the
            // record in progress. Once that record outgrows `max_record`, keep scanning it but
            // stop keeping its bytes.
            let in_progress = self.buf.len() - self.rec_start;
            if self.records.is_empty() && (self.dropped.is_some() || in_progress > self.max_record)
            {
                *self.dropped.get_or_insert(0) += in_progress as u64;
                self.rec_start = self.buf.len();
                self.compact(self.buf.len());
            }
            self.fill()?;
        }
    }

    /// Reads up to one more block's worth of input into `buf`.
    fn fill(&mut self) -> io::Result<()> {
        let old = self.buf.len();
        let want = self
            .block_size
            .max(old - self.rec_start + self.block_size / 4);
        self.buf.resize(old + want, 0);
        let mut n = 0;
        while n < want {
            match self.reader.read(&mut self.buf[old + n..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.truncate(old + n);
                    return Err(e);
                }
            }
        }
        self.buf.truncate(old + n);
        if self.eof {
            self.finish_last_record();
        }
        Ok(())
    }

    fn scan(&mut self) {
        let buf = &self.buf;
        let mut pos = self.scan_pos;
        while let Some(i) = memchr2(b'"', b'\n', &buf[pos..]) {
            let p = pos + i;
            pos = p + 1;
            if buf[p] == b'"' {
                self.in_quotes = !self.in_quotes;
                continue;
            }
            self.line += 1;
            if self.in_quotes {
                continue;
            }
            let body = &buf[self.rec_start..pos];
            let blank = self.dropped.is_none() && (body == b"\n" || body == b"\r\n");
            if !blank {
                self.records.push(self.record(self.rec_start, pos, false));
            }
            self.dropped = None;
            self.rec_start = pos;
            self.rec_line = self.line;
        }
        self.scan_pos = buf.len();
    }

    fn record(&self, start: usize, end: usize, unclosed: bool) -> RecordPos {
        let lines = if end > start && self.buf[end - 1] == b'\n' {
            self.line - self.rec_line
        } else {
            self.line - self.rec_line + 1
        };
        match self.dropped {
            Some(d) => RecordPos {
                start: 0,
                end: 0,
                line: self.rec_line,
                lines,
                len: d + (end - start) as u64,
                offset: self.buf_offset + start as u64 - d,
                oversized: true,
                unclosed,
            },
            None if end - start > self.max_record => RecordPos {
                start: 0,
                end: 0,
                line: self.rec_line,
                lines,
                len: (end - start) as u64,
                offset: self.buf_offset + start as u64,
                oversized: true,
                unclosed,
            },
            None => RecordPos {
                start,
                end,
                line: self.rec_line,
                lines,
                len: (end - start) as u64,
                offset: self.buf_offset + start as u64,
                oversized: false,
                unclosed,
            },
        }
    }

    /// At the end of the input, the bytes after the last line feed are a record too.
    fn finish_last_record(&mut self) {
        self.scan();
        let end = self.buf.len();
        let body = &self.buf[self.rec_start..end];
        let blank = body.is_empty() || body == b"\r";
        if self.dropped.is_some() || !blank {
            self.records
                .push(self.record(self.rec_start, end, self.in_quotes));
            self.dropped = None;
        }
        self.rec_start = end;
    }

    /// Drops `buf[..upto]` (bytes already handed out or dropped), keeping positions consistent.
    fn compact(&mut self, upto: usize) {
        self.buf.drain(..upto);
        self.buf_offset += upto as u64;
        self.scan_pos -= upto;
        self.rec_start -= upto;
    }

    fn take_block(&mut self) -> Block {
        let cut = self.rec_start;
        let next = self
            .spare
            .take()
            .unwrap_or_else(|| Vec::with_capacity(self.block_size + (self.block_size / 4)));
        let mut data = std::mem::replace(&mut self.buf, next);
        self.buf.extend_from_slice(&data[cut..]);
        data.truncate(cut);
        self.buf_offset += cut as u64;
        self.scan_pos -= cut;
        self.rec_start = 0;
        let block = Block {
            seq: self.seq,
            data,
            records: std::mem::take(&mut self.records),
        };
        self.seq += 1;
        block
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(input: &[u8], block: usize, max: usize) -> Vec<(RecordPos, Vec<u8>)> {
        let mut s = Scanner::new(input, block, max);
        let mut out = Vec::new();
        while let Some(b) = s.next_block().unwrap() {
            for r in &b.records {
                out.push((*r, b.data[r.start..r.end].to_vec()));
            }
        }
        out
    }

    #[test]
    fn records_lines_and_offsets() {
        let input = b"h1,h2\r\na,\"x\ny\"\r\n\r\nb,\"q\"\"\"\r\nc,d";
        for block in [64, 4, 1] {
            let recs = scan_all(input, block, 1000);
            let got: Vec<(u64, u64, &[u8])> = recs
                .iter()
                .map(|(r, b)| (r.line, r.lines, b.as_slice()))
                .collect();
            assert_eq!(
                got,
                vec![
                    (1, 1, &b"h1,h2\r\n"[..]),
                    (2, 2, &b"a,\"x\ny\"\r\n"[..]),
                    (5, 1, &b"b,\"q\"\"\"\r\n"[..]),
                    (6, 1, &b"c,d"[..]),
                ],
                "block size {block}"
            );
            for (r, bytes) in &recs {
                let o = r.offset as usize;
                assert_eq!(&input[o..o + bytes.len()], bytes.as_slice());
            }
        }
    }

    #[test]
    fn an_unclosed_quote_runs_to_the_end_and_is_flagged() {
        let recs = scan_all(b"h\r\n\"abc\r\nmore\r\n", 4, 1000);
        assert_eq!(recs.len(), 2);
        assert!(recs[1].0.unclosed);
        assert_eq!(recs[1].0.line, 2);
    }

    #[test]
    fn oversized_records_are_measured_but_not_kept() {
        let mut input = b"h\r\nsmall\r\n\"".to_vec();
        input.extend(std::iter::repeat_n(b'x', 10_000));
        input.extend_from_slice(b"\"\r\nafter\r\n");
        for block in [16, 256, 100_000] {
            let recs = scan_all(&input, block, 100);
            assert_eq!(recs.len(), 4, "block {block}");
            let big = recs[2].0;
            assert!(big.oversized);
            assert_eq!(big.len, 10_004);
            assert_eq!(big.offset, 10);
            assert_eq!(big.line, 3);
            assert_eq!(recs[3].1, b"after\r\n");
            assert_eq!(recs[3].0.line, 4);
        }
    }

    #[test]
    fn blocks_hold_whole_records() {
        let mut input = Vec::new();
        for i in 0..1000 {
            input.extend_from_slice(format!("row{i},\"a\nb\"\r\n").as_bytes());
        }
        let mut s = Scanner::new(&input[..], 512, 1 << 20);
        let mut n = 0;
        let mut seq = 0;
        while let Some(b) = s.next_block().unwrap() {
            assert_eq!(b.seq, seq);
            seq += 1;
            for r in &b.records {
                assert!(b.data[r.start..r.end].ends_with(b"\"\r\n"));
                assert_eq!(r.line, 1 + 2 * n);
                n += 1;
            }
        }
        assert_eq!(n, 1000);
        assert!(seq > 10);
    }
}

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

    /// Reads up to one more block's worth of input into `buf`. `read_to_end` reads into the
    /// spare capacity without zeroing it first (a `File` fills uninitialised memory), which a
    /// `resize` before each read would cost: a memset of every byte of the input.
    fn fill(&mut self) -> io::Result<()> {
        let old = self.buf.len();
        let want = self
            .block_size
            .max(old - self.rec_start + self.block_size / 4);
        self.buf.reserve_exact(want);
        let read = (&mut self.reader)
            .take(want as u64)
            .read_to_end(&mut self.buf);
        // On an error the bytes read so far stay in `buf`, as before.
        let n = read?;
        if n < want {
            self.eof = true;
        }
        if self.eof {
            self.finish_last_record();
        }
        Ok(())
    }

    fn scan(&mut self) {
        let pos = self.scan_wide(self.scan_pos);
        self.scan_bytes(pos);
    }

    /// Scans whole 64-byte windows from `pos` with bit masks, as simdjson finds strings: one
    /// bit per `"` and per line feed, the quoted state of every byte from a prefix XOR of the
    /// quote bits, record ends where a line feed is outside quotes. Its cost does not depend on
    /// how many quotes there are, where a search for the next `"` or line feed (below) stops at
    /// each of them (81% of the records of a typical users file hold quoted values). Answers
    /// where it stopped: the rest, less than a window, is for [`Scanner::scan_bytes`].
    fn scan_wide(&mut self, mut pos: usize) -> usize {
        while let Some(window) = self.buf.get(pos..pos + 64) {
            let (quotes, feeds) = masks(window);
            if quotes | feeds == 0 {
                pos += 64;
                continue;
            }
            // Bit i: an odd number of quotes at or before byte i, i.e. byte i is inside quotes
            // (for a line feed, which is not a quote itself).
            let mut inside = prefix_xor(quotes);
            if self.in_quotes {
                inside = !inside;
            }
            let mut ends = feeds & !inside;
            let mut feeds_left = feeds;
            while ends != 0 {
                let i = ends.trailing_zeros();
                let upto = u64::MAX >> (63 - i);
                self.line += u64::from((feeds_left & upto).count_ones());
                feeds_left &= !upto;
                self.end_record(pos + i as usize + 1);
                ends &= ends - 1;
            }
            self.line += u64::from(feeds_left.count_ones());
            self.in_quotes = inside >> 63 == 1;
            pos += 64;
        }
        pos
    }

    /// Scans from `pos` to the end of `buf`, stopping at each `"` and line feed.
    fn scan_bytes(&mut self, mut pos: usize) {
        while let Some(i) = memchr2(b'"', b'\n', &self.buf[pos..]) {
            let p = pos + i;
            pos = p + 1;
            if self.buf[p] == b'"' {
                self.in_quotes = !self.in_quotes;
                continue;
            }
            self.line += 1;
            if self.in_quotes {
                continue;
            }
            self.end_record(pos);
        }
        self.scan_pos = self.buf.len();
    }

    /// A line feed outside quotes ends the record in progress at `end` (after the feed).
    fn end_record(&mut self, end: usize) {
        let body = &self.buf[self.rec_start..end];
        let blank = self.dropped.is_none() && (body == b"\n" || body == b"\r\n");
        if !blank {
            self.records.push(self.record(self.rec_start, end, false));
        }
        self.dropped = None;
        self.rec_start = end;
        self.rec_line = self.line;
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

/// Bit i of the answer: the XOR of bits 0 to i of `x`.
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// One bit per `"` and one per line feed of a 64-byte window (bit i for byte i).
#[cfg(target_arch = "x86_64")]
fn masks(window: &[u8]) -> (u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    assert!(window.len() >= 64);
    let (mut quotes, mut feeds) = (0u64, 0u64);
    // SAFETY: SSE2 is part of every x86_64 CPU, and each unaligned load reads bytes
    // 16k..16k + 16 of `window`, which holds at least 64 (asserted above).
    unsafe {
        let quote = _mm_set1_epi8(b'"' as i8);
        let feed = _mm_set1_epi8(b'\n' as i8);
        for k in 0..4 {
            let v = _mm_loadu_si128(window.as_ptr().add(16 * k).cast::<__m128i>());
            let q = _mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) as u16;
            let f = _mm_movemask_epi8(_mm_cmpeq_epi8(v, feed)) as u16;
            quotes |= u64::from(q) << (16 * k);
            feeds |= u64::from(f) << (16 * k);
        }
    }
    (quotes, feeds)
}

/// One bit per `"` and one per line feed of a 64-byte window (bit i for byte i).
#[cfg(not(target_arch = "x86_64"))]
fn masks(window: &[u8]) -> (u64, u64) {
    let (mut quotes, mut feeds) = (0u64, 0u64);
    for (i, &b) in window[..64].iter().enumerate() {
        quotes |= u64::from(b == b'"') << i;
        feeds |= u64::from(b == b'\n') << i;
    }
    (quotes, feeds)
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

    /// The record boundaries of `input` by the rule itself, one byte at a time: (line, lines,
    /// bytes) of each record.
    fn reference(input: &[u8]) -> Vec<(u64, u64, Vec<u8>)> {
        let (mut out, mut quoted, mut line, mut start, mut rec_line) = (vec![], false, 1, 0, 1);
        for (i, &b) in input.iter().enumerate() {
            quoted ^= b == b'"';
            if b == b'\n' {
                line += 1;
                if !quoted {
                    let body = &input[start..=i];
                    if body != b"\n" && body != b"\r\n" {
                        out.push((rec_line, line - rec_line, body.to_vec()));
                    }
                    start = i + 1;
                    rec_line = line;
                }
            }
        }
        let body = &input[start..];
        if !body.is_empty() && body != b"\r" {
            // A quote left open runs to the end, maybe past a last line feed.
            let last_line = u64::from(!body.ends_with(b"\n"));
            out.push((rec_line, line - rec_line + last_line, body.to_vec()));
        }
        out
    }

    /// The 64-byte windows (quotes and line feeds at every position of a window, quoted state
    /// carried across windows and blocks) find what the byte-at-a-time rule finds.
    #[test]
    fn windows_agree_with_the_rule() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for case in 0..300 {
            let len = (next() % 3000) as usize;
            let input: Vec<u8> = (0..len)
                .map(|_| match next() % 16 {
                    0..=1 => b'"',
                    2 => b'\n',
                    3 => b'\r',
                    4..=5 => b',',
                    _ => b'a',
                })
                .collect();
            let expected = reference(&input);
            for block in [64, 100, 1000, 1 << 16] {
                let got: Vec<(u64, u64, Vec<u8>)> = scan_all(&input, block, 1 << 20)
                    .into_iter()
                    .map(|(r, b)| (r.line, r.lines, b))
                    .collect();
                assert_eq!(got, expected, "case {case}, block {block}");
            }
        }
    }
}

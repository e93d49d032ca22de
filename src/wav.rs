//! Reads the RIFF/WAVE header of an audio prompt, so `bulk split` can refuse a file the service
//! would reject before it is packed and uploaded.
//!
//! Only the header is read: the parser walks the chunks (bounded, with RIFF's odd-size padding)
//! until it has both the `fmt ` chunk and the size of the `data` chunk, skipping anything in
//! between without holding it in memory. Every size the header declares is checked against the
//! real file size, because a lying header is how a broken or hostile file gets past a naive reader.

use std::fmt;
use std::io::{self, Read};

/// Most chunks walked before giving up; real prompts have two to five.
const MAX_CHUNKS: usize = 256;

/// The smallest size of a well-formed WAVE file: RIFF header 12, fmt chunk 8 + 16, data header 8.
pub const MIN_WAV_BYTES: u64 = 44;

/// What the header of a WAVE file says about its audio.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WavFormat {
    /// The `wFormatTag` of the fmt chunk (1 = PCM, 7 = mu-law, ...).
    pub format_tag: u16,
    /// A human name for `format_tag`: "PCM", "G.711 mu-law", "G.711 A-law", "IEEE float",
    /// "extensible" or "unknown".
    pub codec: &'static str,
    /// Number of channels (1 = mono).
    pub channels: u16,
    /// Samples per second per channel.
    pub sample_rate: u32,
    /// Bytes of audio per second, as the header declares it (or derived when it says 0).
    pub byte_rate: u32,
    /// Bytes per sample frame (all channels).
    pub block_align: u16,
    /// Bits per sample of one channel.
    pub bits_per_sample: u16,
    /// Size of the `data` chunk, without its padding byte.
    pub data_bytes: u64,
    /// Length of the audio in seconds (`data_bytes / byte_rate`; 0 when the rate is unknown).
    pub duration_secs: f64,
}

/// Why a file is not a WAVE file the service can take.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    /// The first bytes are not `RIFF....WAVE`.
    #[error("not a WAVE file: it starts with \"{found}\" (expected RIFF....WAVE)")]
    NotWave {
        /// The first bytes, printable ASCII kept and the rest escaped as `\xNN`.
        found: String,
    },
    /// Too few bytes to hold any WAVE header.
    #[error(
        "the file is only {size} bytes, too short to be a WAVE file (at least {MIN_WAV_BYTES})"
    )]
    TooShort {
        /// The file size.
        size: u64,
    },
    /// The RIFF header declares more bytes than the file holds.
    #[error("the header claims {claimed} bytes but the file has {actual}")]
    HeaderClaims {
        /// The size the RIFF header implies (its size field + 8).
        claimed: u64,
        /// The real file size.
        actual: u64,
    },
    /// A chunk declares more bytes than remain in the file.
    #[error("the {chunk} chunk claims {claimed} bytes but only {available} remain in the file")]
    ChunkTooLong {
        /// The chunk id, e.g. `data`.
        chunk: String,
        /// The size field of the chunk.
        claimed: u64,
        /// The bytes left between the chunk header and the end of the RIFF data.
        available: u64,
    },
    /// The fmt chunk is shorter than the 16 bytes every WAVE format needs.
    #[error("truncated fmt chunk: {size} bytes, at least 16 needed")]
    TruncatedFmt {
        /// The bytes the fmt chunk has.
        size: u64,
    },
    /// The bytes ran out before the size given for the file.
    #[error("the file ends at byte {at}, inside the {what}")]
    Truncated {
        /// How many bytes could be read.
        at: u64,
        /// What was being read.
        what: String,
    },
    /// The fmt chunk holds a value no audio can have.
    #[error("the fmt chunk declares {0}")]
    BadFmt(&'static str),
    /// The chunks end without a fmt chunk.
    #[error("no fmt chunk: the file does not say how its audio is encoded")]
    MissingFmt,
    /// The chunks end without a data chunk.
    #[error("no data chunk: the file holds no audio")]
    MissingData,
    /// Too many chunks before the audio; real files have a handful.
    #[error("more than {MAX_CHUNKS} chunks before the audio data; refusing to walk further")]
    TooManyChunks,
    /// Reading failed.
    #[error("cannot read the file: {0}")]
    Io(#[from] io::Error),
}

/// Names the codec of a `wFormatTag`.
pub fn codec_name(format_tag: u16) -> &'static str {
    match format_tag {
        0x0001 => "PCM",
        0x0003 => "IEEE float",
        0x0006 => "G.711 A-law",
        0x0007 => "G.711 mu-law",
        0xFFFE => "extensible",
        _ => "unknown",
    }
}

/// Parses the header from the first bytes of a file whose whole size is `file_size`.
///
/// `bytes` must reach at least to the `data` chunk header (and past it when `fmt ` comes after
/// `data`); the audio itself is not needed. See [`read_header`].
pub fn parse_header(bytes: &[u8], file_size: u64) -> Result<WavFormat, WavError> {
    read_header(bytes, file_size)
}

/// Whether bytes look like a WAVE file at all: `RIFF....WAVE` and a `fmt ` chunk of at least
/// 16 bytes that the bytes hold, found by walking the chunks to the end of `data` (the RIFF size
/// is not trusted here). The sandbox's acceptance test of an uploaded prompt; `bulk` itself
/// checks the whole header with [`read_header`] before anything is sent.
pub fn looks_like_wav(data: &[u8]) -> bool {
    let Some(head) = data.get(..12) else {
        return false;
    };
    if riff_size(head.try_into().expect("12 bytes")).is_none() {
        return false;
    }
    let end = data.len() as u64;
    let mut pos: u64 = 12;
    while pos + 8 <= end {
        let at = pos as usize;
        let (id, size) = chunk_header(data[at..at + 8].try_into().expect("8 bytes"));
        if &id == b"fmt " {
            return size >= 16 && pos + 8 + 16 <= end;
        }
        pos += 8 + padded(size);
    }
    false
}

/// The RIFF size of a `RIFF....WAVE` header, `None` if the 12 bytes are not one.
fn riff_size(head: &[u8; 12]) -> Option<u32> {
    (&head[0..4] == b"RIFF" && &head[8..12] == b"WAVE").then(|| le32(&head[4..8]))
}

/// A chunk header: its id and the size of its body.
fn chunk_header(ch: &[u8; 8]) -> ([u8; 4], u64) {
    ([ch[0], ch[1], ch[2], ch[3]], u64::from(le32(&ch[4..8])))
}

/// A chunk body's size with RIFF's padding byte after an odd size.
fn padded(size: u64) -> u64 {
    size + (size & 1)
}

/// Reads the header from the start of a file whose whole size is `file_size`.
///
/// Reads no further than the `data` chunk header unless the `fmt ` chunk comes after the audio,
/// in which case the audio is skipped through a fixed buffer. Never panics on any input.
pub fn read_header<R: Read>(mut reader: R, file_size: u64) -> Result<WavFormat, WavError> {
    let mut head = [0u8; 12];
    let got = fill(&mut reader, &mut head)?;
    if (got >= 4 && &head[0..4] != b"RIFF") || (got == 12 && &head[8..12] != b"WAVE") {
        return Err(WavError::NotWave {
            found: printable(&head[..got]),
        });
    }
    // Past the check above, a whole 12-byte head is `RIFF....WAVE`.
    let Some(riff) = riff_size(&head).filter(|_| got == 12 && file_size >= MIN_WAV_BYTES) else {
        // An empty or tiny file says nothing about being a WAVE file; say how small it is.
        return Err(WavError::TooShort { size: file_size });
    };
    let riff_end = 8 + u64::from(riff);
    if riff_end > file_size {
        return Err(WavError::HeaderClaims {
            claimed: riff_end,
            actual: file_size,
        });
    }

    let mut pos: u64 = 12;
    let mut fmt: Option<Fmt> = None;
    let mut data_bytes: Option<u64> = None;
    for _ in 0..MAX_CHUNKS {
        if pos + 8 > riff_end {
            return finish(fmt, data_bytes);
        }
        let mut ch = [0u8; 8];
        let got = fill(&mut reader, &mut ch)?;
        if got < 8 {
            return Err(WavError::Truncated {
                at: pos + got as u64,
                what: "chunk header".into(),
            });
        }
        let (id, size) = chunk_header(&ch);
        let body = pos + 8;
        let available = riff_end - body;
        let mut consumed = 0;
        match &id {
            b"fmt " => {
                if size < 16 {
                    return Err(WavError::TruncatedFmt { size });
                }
                if size > available {
                    return Err(WavError::ChunkTooLong {
                        chunk: "fmt".into(),
                        claimed: size,
                        available,
                    });
                }
                let mut f = [0u8; 16];
                let got = fill(&mut reader, &mut f)?;
                if got < 16 {
                    return Err(WavError::TruncatedFmt { size: got as u64 });
                }
                consumed = 16;
                // A second fmt chunk is not valid RIFF; the first one is what players use.
                if fmt.is_none() {
                    fmt = Some(Fmt::parse(&f)?);
                }
            }
            b"data" => {
                if size > available {
                    return Err(WavError::ChunkTooLong {
                        chunk: "data".into(),
                        claimed: size,
                        available,
                    });
                }
                if data_bytes.is_none() {
                    data_bytes = Some(size);
                }
                if fmt.is_some() {
                    return finish(fmt, data_bytes);
                }
            }
            _ => {
                if size > available {
                    return Err(WavError::ChunkTooLong {
                        chunk: printable(&id),
                        claimed: size,
                        available,
                    });
                }
            }
        }
        // Chunks are word-aligned: an odd-sized chunk is followed by one padding byte, which
        // writers sometimes leave out at the very end of the file.
        let padded = padded(size).min(available);
        skip(&mut reader, padded - consumed, body + consumed, &id)?;
        pos = body + padded;
    }
    Err(WavError::TooManyChunks)
}

/// The fields of the fmt chunk that matter here.
#[derive(Debug, Clone, Copy)]
struct Fmt {
    format_tag: u16,
    channels: u16,
    sample_rate: u32,
    byte_rate: u32,
    block_align: u16,
    bits_per_sample: u16,
}

impl Fmt {
    fn parse(f: &[u8; 16]) -> Result<Fmt, WavError> {
        let fmt = Fmt {
            format_tag: le16(&f[0..2]),
            channels: le16(&f[2..4]),
            sample_rate: le32(&f[4..8]),
            byte_rate: le32(&f[8..12]),
            block_align: le16(&f[12..14]),
            bits_per_sample: le16(&f[14..16]),
        };
        if fmt.channels == 0 {
            return Err(WavError::BadFmt("0 channels"));
        }
        if fmt.sample_rate == 0 {
            return Err(WavError::BadFmt("a sample rate of 0 Hz"));
        }
        Ok(fmt)
    }
}

fn finish(fmt: Option<Fmt>, data_bytes: Option<u64>) -> Result<WavFormat, WavError> {
    let fmt = fmt.ok_or(WavError::MissingFmt)?;
    let data_bytes = data_bytes.ok_or(WavError::MissingData)?;
    // Some writers leave the byte rate at 0; PCM-like formats let us derive it.
    let byte_rate = if fmt.byte_rate > 0 {
        u64::from(fmt.byte_rate)
    } else if fmt.block_align > 0 {
        u64::from(fmt.block_align) * u64::from(fmt.sample_rate)
    } else {
        u64::from(fmt.channels) * u64::from(fmt.sample_rate) * u64::from(fmt.bits_per_sample) / 8
    };
    let duration_secs = if byte_rate == 0 {
        0.0
    } else {
        data_bytes as f64 / byte_rate as f64
    };
    Ok(WavFormat {
        format_tag: fmt.format_tag,
        codec: codec_name(fmt.format_tag),
        channels: fmt.channels,
        sample_rate: fmt.sample_rate,
        byte_rate: u32::try_from(byte_rate).unwrap_or(u32::MAX),
        block_align: fmt.block_align,
        bits_per_sample: fmt.bits_per_sample,
        data_bytes,
        duration_secs,
    })
}

/// Reads until `buf` is full or the reader ends; returns how many bytes were read.
fn fill<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Skips `n` bytes through a fixed buffer; `at` is the offset where skipping starts.
fn skip<R: Read>(reader: &mut R, n: u64, at: u64, id: &[u8; 4]) -> Result<(), WavError> {
    let copied = io::copy(&mut reader.by_ref().take(n), &mut io::sink())?;
    if copied < n {
        return Err(WavError::Truncated {
            at: at + copied,
            what: format!("{} chunk", printable(id).trim_end()),
        });
    }
    Ok(())
}

fn le16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Shows bytes as text for a message: printable ASCII as is, the rest as `\xNN`.
fn printable(bytes: &[u8]) -> String {
    struct Show<'a>(&'a [u8]);
    impl fmt::Display for Show<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            for &b in self.0 {
                if b == b'"' || b == b'\\' {
                    write!(f, "\\x{b:02x}")?;
                } else if b.is_ascii_graphic() || b == b' ' {
                    write!(f, "{}", b as char)?;
                } else {
                    write!(f, "\\x{b:02x}")?;
                }
            }
            Ok(())
        }
    }
    Show(bytes).to_string()
}

/// Builds WAVE files for tests, here and in `pack`.
#[cfg(test)]
pub(crate) mod testutil {
    /// A valid WAVE file: `format_tag` 1 (16-bit PCM) or 7 (8-bit mu-law), mono 8 kHz,
    /// `samples` samples of a repeating non-silent pattern.
    pub(crate) fn wav_bytes(format_tag: u16, samples: usize) -> Vec<u8> {
        let bits: u16 = if format_tag == 1 { 16 } else { 8 };
        let block = bits / 8;
        let data_len = samples * usize::from(block);
        let mut v = Vec::with_capacity(44 + data_len + 1);
        v.extend_from_slice(b"RIFF");
        let riff = 4 + 8 + 16 + 8 + data_len + (data_len & 1);
        v.extend_from_slice(&(riff as u32).to_le_bytes());
        v.extend_from_slice(b"WAVEfmt ");
        v.extend_from_slice(&16u32.to_le_bytes());
        v.extend_from_slice(&format_tag.to_le_bytes());
        v.extend_from_slice(&1u16.to_le_bytes());
        v.extend_from_slice(&8000u32.to_le_bytes());
        v.extend_from_slice(&(8000 * u32::from(block)).to_le_bytes());
        v.extend_from_slice(&block.to_le_bytes());
        v.extend_from_slice(&bits.to_le_bytes());
        v.extend_from_slice(b"data");
        v.extend_from_slice(&(data_len as u32).to_le_bytes());
        // A pseudo-random pattern so the data deflates about as poorly as real speech.
        let mut x: u32 = 0x1234_5678;
        for _ in 0..data_len {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            v.push(x as u8);
        }
        if data_len & 1 == 1 {
            v.push(0);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::wav_bytes;
    use super::*;
    use proptest::prelude::*;

    fn parse(b: &[u8]) -> Result<WavFormat, WavError> {
        parse_header(b, b.len() as u64)
    }

    /// Builds a file from a RIFF size and chunks given as (id, declared size, body).
    fn riff(riff_size: Option<u32>, chunks: &[(&[u8; 4], u32, Vec<u8>)]) -> Vec<u8> {
        let mut body = b"WAVE".to_vec();
        for (id, size, data) in chunks {
            body.extend_from_slice(*id);
            body.extend_from_slice(&size.to_le_bytes());
            body.extend_from_slice(data);
        }
        let mut v = b"RIFF".to_vec();
        v.extend_from_slice(&riff_size.unwrap_or(body.len() as u32).to_le_bytes());
        v.extend_from_slice(&body);
        v
    }

    fn fmt16(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let block = channels * bits / 8;
        let mut f = Vec::new();
        f.extend_from_slice(&tag.to_le_bytes());
        f.extend_from_slice(&channels.to_le_bytes());
        f.extend_from_slice(&rate.to_le_bytes());
        f.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
        f.extend_from_slice(&block.to_le_bytes());
        f.extend_from_slice(&bits.to_le_bytes());
        f
    }

    #[test]
    fn valid_files() {
        let mulaw = fmt16(7, 1, 8000, 8);
        let cases: Vec<(&str, Vec<u8>, &str, u64, f64)> = vec![
            ("pcm 1s", wav_bytes(1, 8000), "PCM", 16000, 1.0),
            ("mu-law 0.5s", wav_bytes(7, 4000), "G.711 mu-law", 4000, 0.5),
            (
                "odd data, padded",
                wav_bytes(7, 3),
                "G.711 mu-law",
                3,
                3.0 / 8000.0,
            ),
            (
                // A LIST chunk of odd size before fmt: its padding byte must be skipped.
                "odd chunk before fmt",
                riff(
                    None,
                    &[
                        (b"LIST", 3, vec![1, 2, 3, 0]),
                        (b"fmt ", 16, mulaw.clone()),
                        (b"data", 2, vec![9, 9]),
                    ],
                ),
                "G.711 mu-law",
                2,
                2.0 / 8000.0,
            ),
            (
                "fmt after data",
                riff(
                    None,
                    &[
                        (b"data", 4, vec![1, 2, 3, 4]),
                        (b"fmt ", 16, fmt16(6, 1, 8000, 8)),
                    ],
                ),
                "G.711 A-law",
                4,
                4.0 / 8000.0,
            ),
            (
                // Writers that omit the final pad byte of an odd data chunk are common.
                "odd data without its pad byte",
                riff(
                    Some(4 + 24 + 8 + 3),
                    &[(b"fmt ", 16, mulaw.clone()), (b"data", 3, vec![1, 2, 3])],
                ),
                "G.711 mu-law",
                3,
                3.0 / 8000.0,
            ),
            (
                "18-byte fmt (cbSize), float stereo",
                riff(
                    None,
                    &[
                        (b"fmt ", 18, [fmt16(3, 2, 48000, 32), vec![0, 0]].concat()),
                        (b"data", 8, vec![0; 8]),
                    ],
                ),
                "IEEE float",
                8,
                8.0 / 384000.0,
            ),
            (
                "trailing bytes after the RIFF data",
                [wav_bytes(7, 10), b"junk".to_vec()].concat(),
                "G.711 mu-law",
                10,
                10.0 / 8000.0,
            ),
        ];
        for (what, bytes, codec, data, secs) in cases {
            let f = parse(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(f.codec, codec, "{what}");
            assert_eq!(f.data_bytes, data, "{what}");
            assert!(
                (f.duration_secs - secs).abs() < 1e-9,
                "{what}: {}",
                f.duration_secs
            );
        }
    }

    #[test]
    fn codec_names() {
        for (tag, name) in [
            (1, "PCM"),
            (3, "IEEE float"),
            (6, "G.711 A-law"),
            (7, "G.711 mu-law"),
            (0xFFFE, "extensible"),
            (0x55, "unknown"),
        ] {
            assert_eq!(codec_name(tag), name);
        }
    }

    #[test]
    fn broken_files() {
        let mulaw = fmt16(7, 1, 8000, 8);
        let good = wav_bytes(7, 100);
        let mut lying_riff = good.clone();
        lying_riff[4..8].copy_from_slice(&1_000_000u32.to_le_bytes());
        let mut lying_data = good.clone();
        lying_data[40..44].copy_from_slice(&5000u32.to_le_bytes());
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("empty", vec![], "the file is only 0 bytes, too short"),
            ("text", b"hello, this is not audio at all, sorry about that".to_vec(),
                "not a WAVE file: it starts with \"hello, this \" (expected RIFF....WAVE)"),
            ("id3 mp3", b"ID3\x04\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0".to_vec(),
                "not a WAVE file: it starts with \"ID3\\x04\\x00"),
            ("avi", [b"RIFF\x10\0\0\0AVI ".to_vec(), vec![0; 40]].concat(),
                "not a WAVE file: it starts with \"RIFF\\x10\\x00\\x00\\x00AVI \""),
            ("lying riff", lying_riff, "the header claims 1000008 bytes but the file has 144"),
            ("lying data", lying_data, "the data chunk claims 5000 bytes but only 100 remain"),
            ("short fmt", riff(None, &[(b"fmt ", 14, vec![0; 14]), (b"data", 30, vec![0; 30])]),
                "truncated fmt chunk: 14 bytes"),
            ("fmt past the end", riff(None, &[(b"data", 30, vec![0; 30]), (b"fmt ", 40, mulaw.clone())]),
                "the fmt chunk claims 40 bytes but only 16 remain"),
            ("no data", riff(None, &[(b"fmt ", 16, mulaw.clone()), (b"LIST", 20, vec![0; 20])]),
                "no data chunk"),
            ("no fmt", riff(None, &[(b"data", 40, vec![0; 40])]), "no fmt chunk"),
            ("zero channels", riff(None, &[(b"fmt ", 16, fmt16(7, 0, 8000, 8)), (b"data", 20, vec![0; 20])]),
                "the fmt chunk declares 0 channels"),
            ("zero rate", riff(None, &[(b"fmt ", 16, fmt16(7, 1, 0, 8)), (b"data", 20, vec![0; 20])]),
                "the fmt chunk declares a sample rate of 0 Hz"),
            ("too many chunks", riff(None, &vec![(b"junk", 0, vec![]); 300]),
                "more than 256 chunks"),
        ];
        for (what, bytes, want) in cases {
            let err = parse(&bytes).expect_err(what).to_string();
            assert!(err.contains(want), "{what}: got {err:?}, want {want:?}");
        }
    }

    #[test]
    fn prefix_shorter_than_the_file_size() {
        let good = wav_bytes(7, 100);
        // Enough bytes to reach the data chunk header: fine.
        assert_eq!(parse_header(&good[..44], 144).unwrap().data_bytes, 100);
        // A prefix that stops inside the header says where.
        let err = parse_header(&good[..30], 144).unwrap_err().to_string();
        assert!(err.contains("truncated fmt chunk"), "{err}");
        let err = parse_header(&good[..38], 144).unwrap_err().to_string();
        assert!(
            err.contains("the file ends at byte 38, inside the chunk header"),
            "{err}"
        );
    }

    #[test]
    fn committed_fixtures_parse_as_documented() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/audio");
        let read = |name: &str| parse(&std::fs::read(dir.join(name)).unwrap());
        let mulaw = read("tone-mulaw.wav").unwrap();
        assert_eq!((mulaw.codec, mulaw.data_bytes), ("G.711 mu-law", 200));
        let pcm = read("tone-pcm16.wav").unwrap();
        assert_eq!(
            (pcm.codec, pcm.bits_per_sample, pcm.data_bytes),
            ("PCM", 16, 200)
        );
        assert!(matches!(
            read("not-audio.wav"),
            Err(WavError::NotWave { .. })
        ));
    }

    /// The sandbox's acceptance of an uploaded prompt (moved here with `is_wav`).
    #[test]
    fn wav_check_wants_riff_wave_and_fmt() {
        let mut ok = b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0".to_vec();
        ok.extend([0u8; 16]);
        assert!(looks_like_wav(&ok));
        assert!(!looks_like_wav(b"RIFF\x24\0\0\0WAVEdata"));
        assert!(!looks_like_wav(b"hello world, not a wav"));
    }

    /// The loose check accepts what the sandbox always accepted, including files the full
    /// parse refuses (no `data` chunk, a RIFF size that lies), and never what it refuses.
    #[test]
    fn loose_check_is_looser_than_the_full_parse() {
        let fmt = fmt16(1, 1, 8000, 16);
        let no_data = riff(None, &[(b"fmt ", 16, fmt.clone())]);
        assert!(looks_like_wav(&no_data));
        assert!(parse(&no_data).is_err());
        let lying = riff(
            Some(4000),
            &[(b"fmt ", 16, fmt.clone()), (b"data", 0, vec![])],
        );
        assert!(looks_like_wav(&lying));
        assert!(parse(&lying).is_err());
        let odd = riff(None, &[(b"LIST", 3, vec![1, 2, 3, 0]), (b"fmt ", 16, fmt)]);
        assert!(looks_like_wav(&odd), "odd-sized chunks are padded");
        let short_fmt = riff(None, &[(b"fmt ", 14, vec![0; 14])]);
        assert!(!looks_like_wav(&short_fmt));
        assert!(looks_like_wav(&wav_bytes(7, 10)));
    }

    proptest! {
        #[test]
        fn full_parse_implies_loose_check(samples in 0usize..64, edits in proptest::collection::vec((0usize..60, any::<u8>()), 0..6)) {
            let mut bytes = wav_bytes(1, samples);
            for (at, b) in edits {
                if at < bytes.len() {
                    bytes[at] = b;
                }
            }
            if parse(&bytes).is_ok() {
                prop_assert!(looks_like_wav(&bytes));
            }
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), extra in 0u64..1000) {
            let _ = parse(&bytes);
            let _ = looks_like_wav(&bytes);
            let _ = parse_header(&bytes, bytes.len() as u64 + extra);
            let _ = parse_header(&bytes, bytes.len().saturating_sub(extra as usize) as u64);
        }

        #[test]
        fn mutated_headers_never_panic_or_overclaim(
            samples in 0usize..64,
            edits in proptest::collection::vec((0usize..60, any::<u8>()), 0..6),
            cut in 0usize..120,
        ) {
            let mut bytes = wav_bytes(7, samples);
            for (at, b) in edits {
                if at < bytes.len() {
                    bytes[at] = b;
                }
            }
            bytes.truncate(bytes.len().saturating_sub(cut));
            if let Ok(f) = parse(&bytes) {
                prop_assert!(f.data_bytes <= bytes.len() as u64);
                prop_assert!(f.duration_secs.is_finite() && f.duration_secs >= 0.0);
            }
        }
    }
}

//! WAV files made in the test, shared by the test binaries that need audio (included with
//! `#[path]`; not a test target of its own).
#![allow(dead_code)]

/// A minimal RIFF/WAVE file: PCM (format 1) or mu-law (7), mono, 8 kHz, `data_len` sample bytes.
pub fn wav_bytes(format: u16, bits: u16, data_len: usize) -> Vec<u8> {
    let channels: u16 = 1;
    let rate: u32 = 8000;
    let block_align = channels * bits / 8;
    let byte_rate = rate * block_align as u32;
    let mut v = Vec::with_capacity(44 + data_len);
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data_len as u32).to_le_bytes());
    v.extend_from_slice(b"WAVE");
    v.extend_from_slice(b"fmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&format.to_le_bytes());
    v.extend_from_slice(&channels.to_le_bytes());
    v.extend_from_slice(&rate.to_le_bytes());
    v.extend_from_slice(&byte_rate.to_le_bytes());
    v.extend_from_slice(&block_align.to_le_bytes());
    v.extend_from_slice(&bits.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&(data_len as u32).to_le_bytes());
    // A deterministic, poorly compressible signal.
    let mut x: u32 = 0x1234_5678 ^ data_len as u32;
    for _ in 0..data_len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v.push((x >> 24) as u8);
    }
    v
}

/// A 16-bit PCM WAV of `data_len` bytes of samples.
pub fn pcm_wav(data_len: usize) -> Vec<u8> {
    wav_bytes(1, 16, data_len)
}

/// A mu-law (G.711) WAV of `samples` bytes, the format Webex Contact Center prompts use.
pub fn mulaw_wav(samples: usize) -> Vec<u8> {
    wav_bytes(7, 8, samples)
}

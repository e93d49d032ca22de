//! Generated inputs, written once: users, sites and teams for the sandbox's tenant, WAV files,
//! ZIPs, and the few committed fixtures.

use super::csv_file::{csv_of, Csv};
use super::workdir::Workdir;
use std::io::Write;
use std::path::Path;

/// The site and the team every generated agent refers to (`Site A`, `Team A`).
pub const SITES: &str = "Name,Multimedia Profile\nSite A,Default Multimedia Profile\n";
pub const TEAMS: &str = "Name,Site,Type\nTeam A,Site A,AGENT\n";

/// The columns of generated agents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserCols {
    /// Email, profiles, site and team.
    Agent,
    /// The same and an empty `External Id` (a column a test can fill with awkward values).
    AgentExternalId,
}

impl UserCols {
    pub fn header(self) -> &'static str {
        match self {
            UserCols::Agent => {
                "Email,User Profile,Contact Center Enabled,Site,Teams,Desktop Profile\n"
            }
            UserCols::AgentExternalId => {
                "Email,User Profile,Contact Center Enabled,Site,Teams,Desktop Profile,External Id\n"
            }
        }
    }

    /// One agent row (with its line end); `team` is `Team A` or a team the service does not
    /// know (which it rejects).
    pub fn row(self, email: &str, team: &str) -> String {
        let end = match self {
            UserCols::Agent => "",
            UserCols::AgentExternalId => ",",
        };
        format!("{email},Standard Agent,On,Site A,{team},Default Desktop Profile{end}\n")
    }
}

/// The header of [`users`].
pub const USER_HEADER: &str =
    "Email,User Profile,Contact Center Enabled,Site,Teams,Desktop Profile\n";

/// One row of [`users`]: `user{i}@example.com` in `team`.
pub fn user_row(i: usize, team: &str) -> String {
    UserCols::Agent.row(&format!("user{i}@example.com"), team)
}

/// A users CSV of `n` valid agents `user1@example.com`... in `Team A`.
pub fn users(n: usize) -> String {
    users_rejecting(UserCols::Agent, "user", n, 0).0
}

/// A users CSV of `n` agents named `{prefix}{i}@example.com`; every `reject_every`-th row (none
/// when 0) names an unknown team. Returns the text, the emails the service takes and those it
/// rejects.
pub fn users_rejecting(
    cols: UserCols,
    prefix: &str,
    n: usize,
    reject_every: usize,
) -> (String, Vec<String>, Vec<String>) {
    let mut s = String::from(cols.header());
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for i in 1..=n {
        let email = format!("{prefix}{i}@example.com");
        if reject_every > 0 && i % reject_every == 0 {
            s.push_str(&cols.row(&email, "Ghost Team"));
            bad.push(email);
        } else {
            s.push_str(&cols.row(&email, "Team A"));
            ok.push(email);
        }
    }
    (s, ok, bad)
}

/// `n` users `agent0@example.com`... not enabled for Contact Center (no site, no team): the
/// cheapest valid rows, for load on the service.
pub fn plain_users(n: usize) -> String {
    let mut body = String::from("Email,User Profile,Contact Center Enabled\n");
    for i in 0..n {
        body.push_str(&format!("agent{i}@example.com,Standard Agent,Off\n"));
    }
    body
}

/// A valid users file of `n` rows built from `bulk template user --example`, distinct emails.
pub fn user_csv(n: usize) -> Csv {
    let mut c = csv_of("user", n);
    c.uniquify("Email");
    c
}

/// Sites named `{prefix}{i}` for `i` in `range`, in one CSV.
pub fn sites_csv(prefix: &str, range: std::ops::Range<usize>) -> String {
    let mut s = String::from("Name,Multimedia Profile\n");
    for i in range {
        s.push_str(&format!("{prefix}{i},Default Multimedia Profile\n"));
    }
    s
}

/// Imports the sites and teams the generated agents need, with `wd`'s target (the embedded
/// sandbox unless told otherwise); the tenant is fresh otherwise.
pub fn seed(wd: &Workdir) {
    wd.write("seed/sites.csv", SITES);
    wd.write("seed/teams.csv", TEAMS);
    wd.run(&["import", "seed/sites.csv", "seed/teams.csv"])
        .code(0);
}

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

/// A ZIP (deflated) of `(name, bytes)` entries, names as given (even hostile ones).
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The committed fixture `tests/data/audio/NAME`.
pub fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/audio")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

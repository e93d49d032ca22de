//! `bulk`: bulk provisioning for Webex Contact Center. The binary is a thin shell around `run`.
// Only `output` writes to the terminal; the lints hold the line for println!/eprintln!, and
// the test below for process exits and environment reads.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod auth;
pub mod chunk;
pub mod cli;
pub mod commands;
pub mod config;
pub mod context;
pub mod error;
pub mod errors_csv;
pub mod export;
pub mod fsutil;
pub mod hash;
pub mod import;
pub mod input;
pub mod output;
pub mod pack;
pub mod packer;
pub mod schema;
pub mod validate;
pub mod wav;

pub use commands::run;
pub mod api;
pub mod sandbox;
pub mod wxcc;

#[cfg(test)]
mod layering {
    use std::path::{Path, PathBuf};

    /// Modules allowed to end the process (`main`) or read the environment (`config`, `context`).
    const ALLOWED: [(&str, &[&str]); 2] = [
        ("exit", &["main.rs"]),
        ("env", &["main.rs", "config/", "context.rs", "output/"]),
    ];

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src is readable") {
            let path = entry.expect("src entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Nothing below `main` ends the process, and only `config`/`context` read environment
    /// variables: a failure names the file and line to fix.
    #[test]
    fn no_process_exit_or_env_reads_outside_their_modules() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        // Spelled in pieces so that this file does not match itself.
        let needles = [
            ("exit", ["process", "::exit"].concat()),
            ("env", ["env", "::var"].concat()),
        ];
        let mut found = Vec::new();
        for file in &files {
            let rel = file
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(file).expect("readable source");
            for (kind, needle) in &needles {
                let allowed = ALLOWED
                    .iter()
                    .find(|(k, _)| k == kind)
                    .map(|(_, a)| *a)
                    .unwrap_or_default();
                if allowed
                    .iter()
                    .any(|a| rel == *a || (a.ends_with('/') && rel.starts_with(a)))
                {
                    continue;
                }
                for (n, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or_default();
                    if code.contains(needle.as_str()) {
                        found.push(format!("src/{rel}:{}: {}", n + 1, line.trim()));
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "process exits belong in main.rs and environment reads in config/context:\n{}",
            found.join("\n")
        );
    }
}

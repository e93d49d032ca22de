//! `bulk generate` (hidden): shell completions and man pages from the clap definitions, so the
//! committed `completions/` and `man/` can never say something the binary does not do (a test
//! regenerates them and compares).

use crate::cli::{documented_command, GenerateArgs};
use crate::error::Exit;
use crate::output::Printer;
use anyhow::Context as _;
use clap_complete::Shell;
use std::path::{Path, PathBuf};

/// Shells that get a completion script.
const SHELLS: [Shell; 4] = [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell];

pub fn run(args: GenerateArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let written = generate(&args.out_dir)?;
    if printer.json {
        printer.json_doc(&serde_json::json!({ "files": written }))?;
    } else {
        printer.info(format!(
            "wrote {} files to {} and {}",
            written.len(),
            args.out_dir.join("completions").display(),
            args.out_dir.join("man").display()
        ));
    }
    Ok(Exit::Ok)
}

/// Whether a file has a name `generate` writes (`bulk*.1`, `bulk.bash`, `_bulk`, ...).
pub fn is_generated(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    (name.starts_with("bulk") && name.ends_with(".1"))
        || matches!(name, "bulk.bash" | "_bulk" | "bulk.fish" | "_bulk.ps1")
}

/// Writes `completions/` (bash, zsh, fish, PowerShell) and `man/` (one page per visible
/// command and subcommand: `bulk.1`, `bulk-import.1`, `bulk-jobs-list.1`, ...) below `out_dir`,
/// replacing what was there, and returns the files written.
pub fn generate(out_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let completions = out_dir.join("completions");
    let man = out_dir.join("man");
    for dir in [&completions, &man] {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        // Pages of removed subcommands must not survive a regeneration; files that are not
        // ours are left alone.
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_file() && is_generated(&path) {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
    }
    let mut written = Vec::new();
    for shell in SHELLS {
        let mut cmd = documented_command();
        let path = clap_complete::generate_to(shell, &mut cmd, "bulk", &completions)
            .with_context(|| format!("cannot write the {shell} completions"))?;
        written.push(path);
    }
    clap_mangen::generate_to(documented_command(), &man)
        .with_context(|| format!("cannot write the man pages to {}", man.display()))?;
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&man)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    pages.sort();
    written.extend(pages);
    Ok(written)
}

//! The committed completions/ and man/ must be what `bulk generate` renders now.

use crate::harness::Workdir;
use std::collections::BTreeMap;
use std::path::Path;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd {
            let p = e.unwrap().path();
            m.insert(
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            );
        }
    }
    m
}

#[test]
fn committed_completions_and_man_pages_are_up_to_date() {
    let env = Workdir::new();
    let out = env.path("gen");
    env.run(&["generate", "--out-dir", out.to_str().unwrap()])
        .expect(0);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for sub in ["completions", "man"] {
        let want = files(&out.join(sub));
        let have = files(&repo.join(sub));
        assert!(want.len() >= 4, "generate wrote too little: {want:?}");
        for (name, bytes) in &want {
            match have.get(name) {
                None => stale.push(format!("{sub}/{name} is missing")),
                Some(b) if b != bytes => stale.push(format!("{sub}/{name} differs")),
                _ => {}
            }
        }
        for name in have.keys().filter(|n| !want.contains_key(*n)) {
            stale.push(format!("{sub}/{name} is no longer generated"));
        }
    }
    assert!(
        stale.is_empty(),
        "the committed completions/man pages are stale; run `cargo run -- generate` at the repo top and commit:\n  {}",
        stale.join("\n  ")
    );
    for page in [
        "bulk.1",
        "bulk-import.1",
        "bulk-jobs-list.1",
        "bulk-export.1",
    ] {
        assert!(out.join("man").join(page).exists(), "{page}");
    }
    for c in ["bulk.bash", "_bulk", "bulk.fish", "_bulk.ps1"] {
        assert!(out.join("completions").join(c).exists(), "{c}");
    }
}

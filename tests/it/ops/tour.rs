//! Issue 9: the README's tour runs as written, in order, on a fresh home, each exit code
//! asserted. The lines are read from README.md itself; only the placeholders are filled in
//! (`3f2c1a`: a prefix of the job that had row errors; `https://…`: a second sandbox's URL).

use crate::harness::{pcm_wav, Sandbox, Workdir};
use std::time::Duration;

/// The commands of the README's tour, without comments.
fn tour() -> Vec<Vec<String>> {
    let readme = include_str!("../../../README.md");
    let start = readme.find("## A tour\n\n```sh\n").expect("a tour") + "## A tour\n\n```sh\n".len();
    let end = start + readme[start..].find("```").expect("end of the tour");
    readme[start..end]
        .lines()
        .map(|l| l.split(" #").next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

#[test]
fn the_readme_tour_runs_as_written_on_a_fresh_home() {
    let env = Workdir::new();
    // What the admin has brought: recordings, and a tenant folder (one team names a site that
    // does not exist, so that the tour has a job with row errors to look at).
    env.write("prompts/welcome.wav", pcm_wav(800));
    env.write("prompts/hold/music.wav", pcm_wav(1600));
    env.write(
        "tenant/sites.csv",
        "Name,Multimedia Profile\nTour Site,Default Multimedia Profile\n",
    );
    let (team_head, _) = crate::harness::template("team");
    let mut teams = team_head.join(",");
    teams.push('\n');
    let row = |name: &str, site: &str| {
        team_head
            .iter()
            .map(|h| match h.as_str() {
                "Name" => name.to_string(),
                "Site" => site.to_string(),
                "Type" => "AGENT".to_string(),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    teams.push_str(&format!(
        "{}\n{}\n",
        row("Tour Team", "Tour Site"),
        row("Lost Team", "No Such Site")
    ));
    env.write("tenant/teams.csv", teams);
    let remote = Sandbox::start_temp(|_| {});
    env.secret(&remote.token);

    let mut failed_job = String::new();
    let commands = tour();
    assert_eq!(commands.len(), 15, "the tour changed: update this test");
    for cmd in commands {
        assert_eq!(cmd[0], "bulk");
        let mut args: Vec<String> = cmd[1..].to_vec();
        for a in &mut args {
            if a == "3f2c1a" {
                *a = failed_job[..6].to_string();
            }
            if a == "https://…" {
                *a = remote.url.clone();
            }
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        if argv == ["sandbox", "serve"] {
            // A server: it must come up; an ephemeral port, as every test's.
            let mut child = env.spawn(&["sandbox", "serve", "--addr", "127.0.0.1:0"]);
            std::thread::sleep(Duration::from_millis(1500));
            assert!(child.try_wait().unwrap().is_none(), "sandbox serve exited");
            child.kill().unwrap();
            child.wait().unwrap();
            continue;
        }
        let stdin = (argv.contains(&"--token-stdin")).then_some(remote.token.as_str());
        let out = env.run_stdin(&argv, stdin, &[]);
        let want = match argv.as_slice() {
            ["import", "./tenant/"] => 4,
            ["import", "users.errors.csv"] => 3,
            ["jobs", "wait", ..] => 4,
            _ => 0,
        };
        out.code(want);
        match argv.as_slice() {
            ["import", "./tenant/"] => {
                out.stderr_has("teams.errors.csv");
                let jobs = env.run(&["jobs", "--json"]).expect(0).json();
                failed_job = jobs
                    .as_array()
                    .or_else(|| jobs["jobs"].as_array())
                    .unwrap()
                    .iter()
                    .find(|j| j["status"] == "completed_with_errors")
                    .expect("the teams job")["id"]
                    .as_str()
                    .unwrap()
                    .to_string();
            }
            ["import", "users.csv"] => {
                out.stderr_has("target: the local sandbox");
            }
            ["import", "users.errors.csv"] => {
                out.stderr_has("nothing to import");
            }
            ["errors", ..] => {
                assert!(env.read_string("failed.csv").contains("Lost Team"));
            }
            ["export", ..] => {
                assert!(!env.read("all-users.csv").starts_with(b"PK"));
            }
            _ => {}
        }
    }
}

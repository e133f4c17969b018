//! docs/OPERATIONS.md, run: every command block of the operations guide is
//! executed, in order, against a real server, and the output the guide
//! promises is checked.
//!
//! The conventions of the guide (they are what this test reads):
//!
//! - A fenced block tagged ` ```sh ` is a command block. It runs with
//!   `bash -euo pipefail` in a scratch directory laid out like the
//!   repository root (symlinks to `schemas/`, `policies/`, `projections/`
//!   and `sagas/`), with `nexus`, `grpcurl` and `curl` first on `PATH`,
//!   `TMPDIR` inside the test's temporary directory, and the caller's
//!   `NEXUS_*`, `OTEL_*` and `RUST_LOG` removed. The block must exit 0.
//! - The guide's addresses are the defaults a reader has: the gRPC listener
//!   `127.0.0.1:50051` and the admin (metrics) listener `127.0.0.1:9464`.
//!   The test rewrites them to the test server's addresses.
//! - After a block, HTML comments (invisible on GitHub) say what to check:
//!   `<!-- expect: TEXT -->` (one or more): TEXT must appear in the
//!   block's output (stdout and stderr together);
//!   `<!-- expect-exit: N -->`: the block must exit with N instead of 0
//!   (grpcurl exits with 64 + the gRPC code of an error).
//! - ` ```sh background ` is a long-running command (`nexus serve …`). It
//!   is started in a fresh directory of its own, on free ports (its
//!   `127.0.0.1:50051`, `127.0.0.1:9464` and `127.0.0.1:4317` are
//!   rewritten, and `NEXUS_LISTEN` / `NEXUS_ADMIN__LISTEN` point at them
//!   for a command that relies on the defaults); the test waits until
//!   grpc.health answers SERVING there and the expectations appear in its
//!   output, then stops it.
//! - Other tags (`text`, `toml`, `yaml`, `json`) are output samples and
//!   configuration snippets, never run. Any other tag is an error, so a
//!   command cannot hide from this test under a tag it does not know.
//!
//! On failure the test prints the block, its output and the tail of the
//! server's log.

use std::{
    fs,
    net::TcpListener,
    os::unix::process::CommandExt as _,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use nexus_e2e::{NexusProcess, ServerOptions, find_binary, grpcurl, which, workspace_root};

/// The guide, relative to the workspace root.
const GUIDE: &str = "docs/OPERATIONS.md";

/// The sections alert runbooks link to (deploy/prometheus/alerts.yml) and
/// the brief of the guide asks for; each must have a command block.
const SECTIONS: [&str; 14] = [
    "Inspect a stream",
    "Read the audit log",
    "Dry-run a policy",
    "Register and check a schema",
    "Projection lag",
    "Rebuild a projection",
    "Dead letters",
    "Failed sagas",
    "Event store errors",
    "Command errors",
    "Overload",
    "Metrics",
    "Tracing",
    "Logs",
];

/// Longest run of one command block.
const BLOCK_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest wait for a background server to answer SERVING.
const BACKGROUND_READY: Duration = Duration::from_secs(60);
/// Longest wait, after it serves, for a background block's expectations.
const BACKGROUND_EXPECT: Duration = Duration::from_secs(20);
/// Longest wait for a stopped background block to exit.
const BACKGROUND_STOP: Duration = Duration::from_secs(15);

/// The reader's addresses in the guide.
const GRPC_DEFAULT: &str = "127.0.0.1:50051";
const ADMIN_DEFAULT: &str = "127.0.0.1:9464";
const OTLP_DEFAULT: &str = "127.0.0.1:4317";

// ---------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------

/// A free port on 127.0.0.1 (bound, read, released).
fn free_addr() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").to_string()
}

// ---------------------------------------------------------------------------
// The guide
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Runs to completion.
    Foreground,
    /// A server: started, checked, stopped.
    Background,
}

#[derive(Debug)]
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    /// The `##` section it is in.
    section: String,
    mode: Mode,
    script: String,
    expects: Vec<String>,
    exit: i32,
}

impl Block {
    fn title(&self) -> String {
        format!("{GUIDE}:{} (section \"{}\")", self.line, self.section)
    }
}

/// Tags of blocks that are shown, never run.
const SAMPLE_TAGS: [&str; 5] = ["text", "toml", "yaml", "json", "rego"];

/// The guide's headings (any level), as written.
fn headings(doc: &str) -> Vec<String> {
    let mut in_fence = false;
    let mut out = Vec::new();
    for line in doc.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence && line.starts_with('#') {
            out.push(line.trim_start_matches('#').trim().to_string());
        }
    }
    out
}

/// GitHub's anchor of a heading: lowercase, punctuation dropped, spaces to '-'.
fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn parse(doc: &str) -> Vec<Block> {
    let lines: Vec<&str> = doc.lines().collect();
    let mut blocks = Vec::new();
    let mut section = String::from("(top)");
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(heading) = line.strip_prefix("## ") {
            section = heading.trim().to_string();
            i += 1;
            continue;
        }
        let Some(tag) = line.strip_prefix("```") else {
            assert!(
                !line.trim_start().starts_with("<!-- expect"),
                "{GUIDE}:{}: an expectation that follows no command block: {line}",
                i + 1
            );
            i += 1;
            continue;
        };
        let opening = i + 1;
        let tag = tag.trim();
        let mode = match tag {
            "sh" => Some(Mode::Foreground),
            "sh background" => Some(Mode::Background),
            t if SAMPLE_TAGS.contains(&t) => None,
            other => panic!(
                "{GUIDE}:{opening}: a fenced block tagged {other:?}: command blocks are `sh` (or `sh background`), \
                 samples one of {SAMPLE_TAGS:?}"
            ),
        };
        let mut body = Vec::new();
        i += 1;
        while i < lines.len() && lines[i].trim_end() != "```" {
            body.push(lines[i]);
            i += 1;
        }
        assert!(i < lines.len(), "{GUIDE}:{opening}: the block is never closed");
        i += 1; // the closing fence
        // Directives: HTML comments right after the block (blank lines allowed).
        let mut expects = Vec::new();
        let mut exit = 0;
        let mut j = i;
        while j < lines.len() {
            let text = lines[j].trim();
            if text.is_empty() {
                j += 1;
                continue;
            }
            let Some(comment) = text.strip_prefix("<!--").and_then(|t| t.strip_suffix("-->")) else { break };
            let comment = comment.trim();
            assert!(mode.is_some(), "{GUIDE}:{}: a directive after a {tag:?} block, which is not run", j + 1);
            if let Some(text) = comment.strip_prefix("expect:") {
                let text = text.trim();
                assert!(!text.is_empty(), "{GUIDE}:{}: an empty expectation", j + 1);
                expects.push(text.to_string());
            } else if let Some(code) = comment.strip_prefix("expect-exit:") {
                exit = code
                    .trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("{GUIDE}:{}: expect-exit needs a number: {comment}", j + 1));
            } else {
                panic!("{GUIDE}:{}: unknown directive {comment:?} (expect: TEXT, expect-exit: N)", j + 1);
            }
            j += 1;
        }
        i = j;
        if let Some(mode) = mode {
            assert!(
                mode == Mode::Foreground || exit == 0,
                "{GUIDE}:{opening}: a background block cannot expect an exit code"
            );
            blocks.push(Block {
                line: opening,
                section: section.clone(),
                mode,
                script: body.join("\n") + "\n",
                expects,
                exit,
            });
        }
    }
    blocks
}

fn guide() -> String {
    let path = workspace_root().join(GUIDE);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------
// Running blocks
// ---------------------------------------------------------------------------

/// Where blocks run and what they find there.
struct Sandbox {
    root: tempfile::TempDir,
    /// `nexus`, `grpcurl`, `curl`.
    bin: PathBuf,
    /// TMPDIR of the blocks (`mktemp -d` lands here).
    tmp: PathBuf,
    /// The working directory of foreground blocks.
    scratch: PathBuf,
    grpcurl: PathBuf,
    counter: usize,
}

impl Sandbox {
    fn new() -> Self {
        let root = tempfile::Builder::new().prefix("nexus-ops-guide-").tempdir().expect("temporary directory");
        let bin = root.path().join("bin");
        let tmp = root.path().join("tmp");
        fs::create_dir_all(&bin).expect("bin dir");
        fs::create_dir_all(&tmp).expect("tmp dir");
        let grpcurl = grpcurl();
        let curl = which(Path::new("curl")).unwrap_or_else(|| {
            panic!("curl not found on PATH: the guide's metrics commands need it (apt-get install curl)")
        });
        for (name, target) in [("nexus", find_binary()), ("grpcurl", grpcurl.clone()), ("curl", curl)] {
            std::os::unix::fs::symlink(&target, bin.join(name))
                .unwrap_or_else(|e| panic!("cannot link {} to {}: {e}", name, target.display()));
        }
        let mut sandbox = Sandbox { root, bin, tmp, scratch: PathBuf::new(), grpcurl, counter: 0 };
        sandbox.scratch = sandbox.repo_like_dir("scratch");
        sandbox
    }

    /// A directory with the repository's definition folders, like the
    /// repository root a reader runs `nexus serve` from.
    fn repo_like_dir(&self, name: &str) -> PathBuf {
        let dir = self.root.path().join(name);
        fs::create_dir_all(&dir).expect("create dir");
        for folder in ["schemas", "policies", "projections", "sagas"] {
            std::os::unix::fs::symlink(workspace_root().join(folder), dir.join(folder))
                .unwrap_or_else(|e| panic!("cannot link {folder}: {e}"));
        }
        dir
    }

    /// Writes the block's script and starts `bash -euo pipefail` on it in
    /// `dir`, in a process group of its own, stdout and stderr to one file.
    fn spawn(&mut self, script: &str, dir: &Path, env: &[(&str, String)]) -> (Child, PathBuf) {
        self.counter += 1;
        let script_path = self.root.path().join(format!("block-{:03}.sh", self.counter));
        let output_path = self.root.path().join(format!("block-{:03}.out", self.counter));
        fs::write(&script_path, script).expect("write the block's script");
        let output = fs::File::create(&output_path).expect("create the block's output file");
        let errors = output.try_clone().expect("clone the output file handle");
        let path = std::env::join_paths(
            std::iter::once(self.bin.clone())
                .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
        )
        .expect("PATH");
        let mut command = Command::new("bash");
        for (key, _) in std::env::vars_os() {
            let key_text = key.to_string_lossy();
            if key_text.starts_with("NEXUS_") || key_text.starts_with("OTEL_") || key_text == "RUST_LOG" {
                command.env_remove(&key);
            }
        }
        command
            .args(["-euo", "pipefail"])
            .arg(&script_path)
            .current_dir(dir)
            .env("PATH", path)
            .env("TMPDIR", &self.tmp)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::from(output))
            .stderr(Stdio::from(errors))
            .process_group(0);
        let child = command.spawn().unwrap_or_else(|e| panic!("cannot run bash: {e}"));
        (child, output_path)
    }
}

/// Sends `signal` to the whole process group of `child`.
fn signal_group(child: &Child, signal: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{signal}"), "--", &format!("-{}", child.id())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Waits for `child` to exit, up to `timeout`.
async fn wait_exit(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Stops a process group: TERM, then KILL if it does not go.
async fn stop(child: &mut Child) {
    signal_group(child, "TERM");
    if wait_exit(child, BACKGROUND_STOP).await.is_none() {
        signal_group(child, "KILL");
        let _ = wait_exit(child, BACKGROUND_STOP).await;
    }
}

fn read_output(path: &Path) -> String {
    fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

fn missing<'a>(expects: &'a [String], output: &str) -> Vec<&'a str> {
    expects.iter().map(String::as_str).filter(|e| !output.contains(e)).collect()
}

fn report(block: &Block, script: &str, what: &str, output: &str) -> String {
    format!(
        "{}: {what}\n--- block (as run) ---\n{script}--- output ---\n{output}\n--- end of output ---",
        block.title()
    )
}

/// Runs a foreground block; the error is a report.
async fn run_foreground(sandbox: &mut Sandbox, block: &Block, script: &str) -> Result<String, String> {
    let scratch = sandbox.scratch.clone();
    let (mut child, output_path) = sandbox.spawn(script, &scratch, &[]);
    let status = wait_exit(&mut child, BLOCK_TIMEOUT).await;
    if status.is_none() {
        signal_group(&child, "KILL");
        let _ = wait_exit(&mut child, BACKGROUND_STOP).await;
    }
    // Children the block left behind (it should leave none).
    signal_group(&child, "KILL");
    let output = read_output(&output_path);
    let Some(status) = status else {
        return Err(report(block, script, &format!("did not finish within {BLOCK_TIMEOUT:?}"), &output));
    };
    if status.code() != Some(block.exit) {
        return Err(report(
            block,
            script,
            &format!("exited with {status}, the guide expects exit code {}", block.exit),
            &output,
        ));
    }
    let missing = missing(&block.expects, &output);
    if !missing.is_empty() {
        return Err(report(block, script, &format!("the output lacks {missing:?}"), &output));
    }
    Ok(output)
}

/// Asks grpc.health at `addr` once.
fn serving(grpcurl: &Path, addr: &str) -> bool {
    Command::new(grpcurl)
        .args(["-max-time", "3", "-plaintext", "-d", "{}", addr, "grpc.health.v1.Health/Check"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|out| out.status.success() && String::from_utf8_lossy(&out.stdout).contains("\"SERVING\""))
}

/// Runs a background block: starts it, waits until it serves and its
/// expectations appear, stops it.
async fn run_background(sandbox: &mut Sandbox, block: &Block) -> Result<String, String> {
    let (grpc, admin, otlp) = (free_addr(), free_addr(), free_addr());
    let script = block.script.replace(GRPC_DEFAULT, &grpc).replace(ADMIN_DEFAULT, &admin).replace(OTLP_DEFAULT, &otlp);
    let dir = sandbox.repo_like_dir(&format!("background-{}", block.line));
    let env = [("NEXUS_LISTEN", grpc.clone()), ("NEXUS_ADMIN__LISTEN", admin.clone())];
    let (mut child, output_path) = sandbox.spawn(&script, &dir, &env);
    let grpcurl = sandbox.grpcurl.clone();
    let result = async {
        let deadline = Instant::now() + BACKGROUND_READY;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let what = format!("exited with {status} before it served grpc.health on {grpc}");
                return Err(report(block, &script, &what, &read_output(&output_path)));
            }
            if serving(&grpcurl, &grpc) {
                break;
            }
            if Instant::now() >= deadline {
                let what = format!("did not serve grpc.health on {grpc} within {BACKGROUND_READY:?}");
                return Err(report(block, &script, &what, &read_output(&output_path)));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let deadline = Instant::now() + BACKGROUND_EXPECT;
        loop {
            let output = read_output(&output_path);
            let missing = missing(&block.expects, &output);
            if missing.is_empty() {
                return Ok(output);
            }
            if Instant::now() >= deadline {
                let what = format!("serves, but its output lacks {missing:?} after {BACKGROUND_EXPECT:?}");
                return Err(report(block, &script, &what, &output));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    .await;
    stop(&mut child).await;
    result
}

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

/// Every command block of the guide runs and shows what the guide says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_of_the_operations_guide_works() {
    let doc = guide();
    let blocks = parse(&doc);
    assert!(!blocks.is_empty(), "{GUIDE} has no ```sh blocks: nothing to run");
    for section in SECTIONS {
        assert!(
            blocks.iter().any(|b| b.section == section),
            "{GUIDE}: section \"## {section}\" has no command block (or is missing)"
        );
    }

    // `head` closes the pipe once it has its lines; whatever writes into it
    // may then die of SIGPIPE, which `pipefail` makes the block's failure,
    // at random (it depends on who is faster).
    for block in &blocks {
        assert!(
            !block.script.contains("| head"),
            "{GUIDE}:{} (section \"{}\"): `| head` fails at random under pipefail (SIGPIPE); use `| sed -n 1,Np`",
            block.line,
            block.section
        );
    }

    let mut sandbox = Sandbox::new();
    // Like the reader's `nexus serve`: events of unregistered types are
    // refused. The harness gives the server its admin listener
    // (`--admin-listen`, a free port) and tells us where.
    let nexus = NexusProcess::start_with(ServerOptions { strict_schemas: true, ..ServerOptions::default() }).await;
    let grpc = nexus.addr().to_string();
    let admin = nexus.admin_addr().to_string();
    eprintln!("server {grpc}, admin {admin}, sandbox {}", sandbox.root.path().display());

    for block in &blocks {
        let started = Instant::now();
        let result = match block.mode {
            Mode::Foreground => {
                let script = block.script.replace(GRPC_DEFAULT, &grpc).replace(ADMIN_DEFAULT, &admin);
                run_foreground(&mut sandbox, block, &script).await
            }
            Mode::Background => run_background(&mut sandbox, block).await,
        };
        match result {
            Ok(_) => eprintln!("ok   {} in {:.1?}", block.title(), started.elapsed()),
            Err(report) => nexus.fail(&report),
        }
    }
    eprintln!("{} command blocks of {GUIDE} passed", blocks.len());
}

/// The sections exist under the headings runbook links name, and every
/// runbook link of the alert rules points at a heading of the guide.
#[test]
fn runbook_links_point_at_sections_of_the_guide() {
    let doc = guide();
    let anchors: Vec<String> = headings(&doc).iter().map(|h| anchor(h)).collect();
    for section in SECTIONS {
        assert!(
            doc.lines().any(|line| line.trim_end() == format!("## {section}")),
            "{GUIDE} lacks the heading \"## {section}\""
        );
    }
    for expected in ["projection-lag", "dead-letters", "event-store-errors", "command-errors", "overload"] {
        assert!(anchors.iter().any(|a| a == expected), "{GUIDE} has no heading with anchor #{expected}");
    }
    let alerts = workspace_root().join("deploy/prometheus/alerts.yml");
    let Ok(rules) = fs::read_to_string(&alerts) else {
        eprintln!("{} not found: runbook links not checked", alerts.display());
        return;
    };
    let marker = "docs/OPERATIONS.md#";
    let mut links = 0;
    for (number, line) in rules.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find(marker) {
            let after = &rest[at + marker.len()..];
            let end = after.find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_')).unwrap_or(after.len());
            let target = &after[..end];
            assert!(
                anchors.iter().any(|a| a == target),
                "{}:{}: runbook link #{target} matches no heading of {GUIDE} (anchors: {anchors:?})",
                alerts.display(),
                number + 1
            );
            links += 1;
            rest = &after[end..];
        }
    }
    assert!(links > 0, "{} links no runbook in {GUIDE}", alerts.display());
}

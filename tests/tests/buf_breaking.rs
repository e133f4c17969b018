//! `buf breaking` against the committed baseline image (the check scripts/test
//! runs, see docs/GOVERNANCE.md "Proto level") lets the current protos and
//! compatible additions through and catches breaking edits, naming them.
//!
//! Each test copies proto/ (module and baseline) into a temporary directory,
//! edits the copy by text replacement and runs the same command as
//! scripts/test from the copy's root: `buf breaking proto --against
//! proto/baseline/nexus-v1.binpb`.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use nexus_e2e::workspace_root;

const BUF_MISSING: &str = "buf not found: run scripts/test (it installs buf into scripts/tools/node_modules), \
     or `npm ci --prefix scripts/tools`, or set BUF to a buf binary";

/// The baseline image, relative to the workspace root (and to a copy's root).
const BASELINE: &str = "proto/baseline/nexus-v1.binpb";

/// buf's exit code when the check ran and found violations (1 is any other
/// failure, such as a proto that does not compile).
const BUF_EXIT_VIOLATIONS: i32 = 100;

/// `BUF`, else the project's `scripts/tools/node_modules/.bin/buf` (the
/// version pinned in package-lock.json), else `buf` on PATH.
fn buf() -> PathBuf {
    if let Some(path) = std::env::var_os("BUF").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(path.is_file() || which(&path).is_some(), "BUF={} does not exist ({BUF_MISSING})", path.display());
        return path;
    }
    Some(workspace_root().join("scripts/tools/node_modules/.bin/buf"))
        .filter(|p| p.is_file())
        .or_else(|| which(Path::new("buf")))
        .unwrap_or_else(|| panic!("{BUF_MISSING}"))
}

fn which(name: &Path) -> Option<PathBuf> {
    if name.components().count() > 1 {
        return name.is_file().then(|| name.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("directory entry");
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&src, &dst);
        } else {
            fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copy {} to {}: {e}", src.display(), dst.display()));
        }
    }
}

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn text(&self) -> String {
        format!("exit code {:?}\nstdout:\n{}\nstderr:\n{}", self.code, self.stdout, self.stderr)
    }
}

/// A throwaway copy of proto/ with the committed baseline.
struct ProtoCopy {
    root: tempfile::TempDir,
}

impl ProtoCopy {
    fn new() -> Self {
        let source = workspace_root().join("proto");
        assert!(
            workspace_root().join(BASELINE).is_file(),
            "{BASELINE} is missing: generate it with scripts/proto-baseline and commit it"
        );
        let root = tempfile::tempdir().expect("temporary directory");
        copy_dir(&source, &root.path().join("proto"));
        ProtoCopy { root }
    }

    /// Replaces `from` (which must occur exactly once) with `to` in
    /// proto/nexus/v1/`file`.
    #[track_caller]
    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.root.path().join("proto/nexus/v1").join(file);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let count = text.matches(from).count();
        assert_eq!(
            count, 1,
            "expected {from:?} exactly once in proto/nexus/v1/{file}, found it {count} times; \
             the proto changed, so pick another line for this test"
        );
        fs::write(&path, text.replacen(from, to, 1)).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// `buf breaking proto --against proto/baseline/nexus-v1.binpb`, run from
    /// the copy's root as scripts/test runs it from the workspace root.
    fn breaking(&self) -> Outcome {
        let buf = buf();
        let output = Command::new(&buf)
            .current_dir(self.root.path())
            .args(["breaking", "proto", "--against", BASELINE, "--error-format", "text"])
            .env("BUF_LOG_FORMAT", "text")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e} ({BUF_MISSING})", buf.display()));
        let outcome = Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        eprintln!("$ {} breaking proto --against {BASELINE}\n{}", buf.display(), outcome.text());
        outcome
    }
}

#[track_caller]
fn assert_passes(what: &str, outcome: &Outcome) {
    assert_eq!(outcome.code, Some(0), "buf breaking rejected {what}:\n{}", outcome.text());
    assert!(outcome.stdout.trim().is_empty(), "buf breaking reported something for {what}:\n{}", outcome.text());
}

/// Asserts buf found violations (not some other failure) and that its
/// report contains every one of `expected`.
#[track_caller]
fn assert_caught(what: &str, outcome: &Outcome, expected: &[&str]) {
    assert_eq!(
        outcome.code,
        Some(BUF_EXIT_VIOLATIONS),
        "buf breaking should have reported {what} as a breaking change (exit code {BUF_EXIT_VIOLATIONS}):\n{}",
        outcome.text()
    );
    for needle in expected {
        assert!(
            outcome.stdout.contains(needle),
            "buf breaking's report of {what} lacks {needle:?}:\n{}",
            outcome.text()
        );
    }
}

#[test]
fn current_protos_match_the_baseline() {
    let copy = ProtoCopy::new();
    assert_passes(
        "the unchanged protos (if this fails on the real tree, proto/ has a breaking change: \
         see docs/GOVERNANCE.md for updating the baseline)",
        &copy.breaking(),
    );
}

#[test]
fn changed_field_type_is_caught() {
    let copy = ProtoCopy::new();
    copy.edit("event.proto", "  string user_id = 3;\n", "  int64 user_id = 3;\n");
    assert_caught(
        "a field whose type changed",
        &copy.breaking(),
        &["nexus/v1/event.proto", r#"Field "3" with name "user_id" on message "EventMetadata" changed type"#],
    );
}

#[test]
fn deleted_field_is_caught() {
    let copy = ProtoCopy::new();
    copy.edit("event.proto", "  map<string, string> custom = 5;\n", "");
    assert_caught(
        "a deleted field",
        &copy.breaking(),
        &["nexus/v1/event.proto", r#"field "5" with name "custom" on message "EventMetadata" was deleted"#],
    );
}

#[test]
fn deleted_rpc_is_caught() {
    let copy = ProtoCopy::new();
    copy.edit(
        "event_store.proto",
        "  rpc ReadAll(ReadAllRequest) returns (ReadAllResponse) {\n    option (nexus.v1.rpc) = {effect: EFFECT_READ};\n  }\n",
        "",
    );
    assert_caught(
        "a deleted RPC",
        &copy.breaking(),
        &["nexus/v1/event_store.proto", r#"RPC "ReadAll" on service "EventStoreService" was deleted"#],
    );
}

#[test]
fn additions_pass() {
    let copy = ProtoCopy::new();
    // A new field with a fresh number, a new message and a new RPC.
    copy.edit(
        "event.proto",
        "message EventMetadata {\n",
        "message EventMetadata {\n  // Added by the buf_breaking test.\n  string added_by_test = 1000;\n",
    );
    copy.edit(
        "event.proto",
        "message EventMetadata {\n",
        "// Added by the buf_breaking test.\nmessage AddedByTest {\n  // A field.\n  string name = 1;\n}\n\n\
         message EventMetadata {\n",
    );
    copy.edit(
        "event_store.proto",
        "service EventStoreService {\n",
        "service EventStoreService {\n  // Added by the buf_breaking test.\n  \
         rpc AddedByTest(google.protobuf.Empty) returns (google.protobuf.Empty);\n",
    );
    assert_passes("a new field, message and RPC", &copy.breaking());
}

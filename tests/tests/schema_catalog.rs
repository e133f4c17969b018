//! `nexus schema check` and `nexus schema sync`: the schema catalog from the
//! command line, against copies of the repository's schemas/ folder.

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use nexus_e2e::{NexusProcess, find_binary, unique, workspace_root};
use nexus_sdk::proto::{
    Compatibility, GetSchemaVersionRequest, GetSubjectRequest, SubjectVersion, get_schema_version_request::Selector,
};
use serde_json::json;
use tempfile::TempDir;

/// How long one CLI run may take.
const CLI_TIMEOUT: Duration = Duration::from_secs(60);

/// What a CLI run produced.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn assert_success(&self, what: &str) {
        assert_eq!(self.code, Some(0), "{what} should exit 0: {self:#?}");
    }

    /// Asserts exit code 1: a reported problem, not a crash (a panic exits 101).
    #[track_caller]
    fn assert_problem(&self, what: &str) {
        assert_eq!(self.code, Some(1), "{what} should exit 1 with a report: {self:#?}");
    }
}

/// Runs `nexus <args>` in a scratch directory, with the caller's NEXUS_*
/// variables removed; kills it after [`CLI_TIMEOUT`].
async fn nexus(args: Vec<String>) -> Run {
    tokio::task::spawn_blocking(move || run_blocking(&args)).await.expect("CLI runner thread")
}

fn run_blocking(args: &[String]) -> Run {
    let scratch = tempfile::tempdir().expect("tempdir");
    let out_path = scratch.path().join("stdout");
    let err_path = scratch.path().join("stderr");
    let mut command = Command::new(find_binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("NEXUS_") {
            command.env_remove(key);
        }
    }
    let mut child = command
        .args(args)
        .current_dir(scratch.path())
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("stdout file"))
        .stderr(File::create(&err_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run nexus {args:?}: {e}"));
    let deadline = Instant::now() + CLI_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for nexus") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        code: status.and_then(|s| s.code()),
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    };
    assert!(status.is_some(), "nexus {args:?} did not finish within {CLI_TIMEOUT:?}: {run:#?}");
    run
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn check_args(dir: &Path) -> Vec<String> {
    args(&["schema", "check", "--dir", &dir.display().to_string()])
}

/// A copy of the repository's schemas/ folder in a temporary directory;
/// returns the directory and the catalog path inside it.
/// The repository catalog's subjects and versions (folders with a
/// `subject.toml`, and their `v<N>.*` files), so the expectations follow it.
fn repository_catalog() -> (usize, usize) {
    let mut subjects = 0;
    let mut versions = 0;
    for entry in std::fs::read_dir(workspace_root().join("schemas")).expect("schemas/") {
        let path = entry.expect("dir entry").path();
        if !path.join("subject.toml").is_file() {
            continue;
        }
        subjects += 1;
        versions += std::fs::read_dir(&path)
            .expect("subject dir")
            .filter(|f| {
                let name = f.as_ref().expect("file").file_name().to_string_lossy().into_owned();
                name.starts_with('v') && name[1..].split('.').next().is_some_and(|n| n.parse::<u32>().is_ok())
            })
            .count();
    }
    (subjects, versions)
}

fn catalog_copy() -> (TempDir, PathBuf) {
    let tmp = tempfile::Builder::new().prefix("nexus-catalog-").tempdir().expect("tempdir");
    let catalog = tmp.path().join("schemas");
    copy_dir(&workspace_root().join("schemas"), &catalog);
    (tmp, catalog)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("mkdir {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn json_text(value: serde_json::Value) -> String {
    serde_json::to_string_pretty(&value).expect("json")
}

#[tokio::test]
async fn check_accepts_the_repository_catalog() {
    let (_tmp, catalog) = catalog_copy();
    let run = nexus(check_args(&catalog)).await;
    run.assert_success("nexus schema check on the repository catalog");
    let (subjects, versions) = repository_catalog();
    assert!(
        run.stdout.contains(&format!("{subjects} subjects, {versions} versions"))
            && run.stdout.contains("all compatible"),
        "{run:#?}"
    );
}

/// Needs the JSON Schema compatibility checker (compat/json.rs).
#[tokio::test]
async fn check_reports_a_breaking_version_with_its_file() {
    let (_tmp, catalog) = catalog_copy();
    // MoneyDeposited (BACKWARD_ALL): v2 turns amount into a string.
    let v2 = catalog.join("MoneyDeposited").join("v2.json");
    write(
        &v2,
        &json_text(json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "amount": { "type": "string" },
                "balance": { "type": "integer", "minimum": 0 }
            },
            "required": ["amount", "balance"],
            "additionalProperties": false
        })),
    );
    let run = nexus(check_args(&catalog)).await;
    run.assert_problem("a breaking v2");
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("MoneyDeposited/v2.json"))
        .unwrap_or_else(|| panic!("stderr does not name MoneyDeposited/v2.json: {run:#?}"));
    assert!(line.contains("BACKWARD_ALL") && line.contains("v1"), "the mode and the version broken: {line}");
    assert!(line.contains("amount"), "the changed property: {line}");
    assert!(line.contains("TYPE_CHANGED"), "the kind of change: {line}");

    // An additive, optional change is fine.
    write(
        &v2,
        &json_text(json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "amount": { "type": "integer", "exclusiveMinimum": 0 },
                "balance": { "type": "integer", "minimum": 0 },
                "reference": { "type": "string" }
            },
            "required": ["amount", "balance"],
            "additionalProperties": false
        })),
    );
    let run = nexus(check_args(&catalog)).await;
    run.assert_success("an optional property added in v2");
}

#[tokio::test]
async fn check_reports_gaps_and_bad_settings_with_their_files() {
    // A gap: v1 then v3.
    let (_tmp, catalog) = catalog_copy();
    let v1 = std::fs::read_to_string(catalog.join("MoneyWithdrawn").join("v1.json")).expect("read v1");
    write(&catalog.join("MoneyWithdrawn").join("v3.json"), &v1);
    let run = nexus(check_args(&catalog)).await;
    run.assert_problem("a version gap");
    assert!(
        run.stderr.lines().any(|l| l.contains("MoneyWithdrawn/v3.json") && l.contains("v2 is missing")),
        "stderr does not name the file after the gap: {run:#?}"
    );

    // A subject.toml with an unknown mode.
    let (_tmp, catalog) = catalog_copy();
    write(&catalog.join("AccountClosed").join("subject.toml"), "compatibility = \"SIDEWAYS\"\n");
    let run = nexus(check_args(&catalog)).await;
    run.assert_problem("an unknown compatibility mode");
    assert!(
        run.stderr.lines().any(|l| l.contains("AccountClosed/subject.toml") && l.contains("SIDEWAYS")),
        "stderr does not name subject.toml: {run:#?}"
    );

    // A subject.toml that is not TOML, one with an unknown key, and a stray file.
    let (_tmp, catalog) = catalog_copy();
    write(&catalog.join("AccountOpened").join("subject.toml"), "compatibility = [unclosed\n");
    write(&catalog.join("MoneyDeposited").join("subject.toml"), "colour = \"blue\"\n");
    write(&catalog.join("MoneyWithdrawn").join("notes.txt"), "remember the milk\n");
    let run = nexus(check_args(&catalog)).await;
    run.assert_problem("broken settings");
    for needle in ["AccountOpened/subject.toml", "MoneyDeposited/subject.toml", "MoneyWithdrawn/notes.txt"] {
        assert!(run.stderr.contains(needle), "stderr does not name {needle}: {run:#?}");
    }

    // A version that is not a JSON Schema.
    let (_tmp, catalog) = catalog_copy();
    write(&catalog.join("AccountClosed").join("v1.json"), r#"{"type": 12}"#);
    let run = nexus(check_args(&catalog)).await;
    run.assert_problem("an invalid schema");
    assert!(run.stderr.contains("AccountClosed/v1.json"), "stderr does not name the file: {run:#?}");

    // A folder that does not exist.
    let run = nexus(check_args(&workspace_root().join("no-such-catalog"))).await;
    assert_ne!(run.code, Some(0), "a missing catalog folder must fail: {run:#?}");
}

#[tokio::test]
async fn sync_registers_the_catalog_idempotently_and_check_detects_drift() {
    let nexus_server = NexusProcess::start().await;
    let endpoint = nexus_server.endpoint();
    let schemas = nexus_server.client().await.schemas();
    let (_tmp, catalog) = catalog_copy();

    // Two subjects the server does not know: one with a single version, one
    // with two versions and an upcaster (under NONE: the upcaster renames a
    // field, which no schema-level check allows).
    let single = unique("CatalogSingle");
    let evolved = unique("CatalogEvolved");
    let single_v1 = catalog.join(&single).join("v1.json");
    write(
        &single_v1,
        &json_text(json!({
            "type": "object",
            "properties": { "id": { "type": "string" } },
            "required": ["id"]
        })),
    );
    write(
        &catalog.join(&evolved).join("v1.json"),
        &json_text(json!({"type": "object", "properties": {"owner": {"type": "string"}}, "required": ["owner"]})),
    );
    write(
        &catalog.join(&evolved).join("v2.json"),
        &json_text(json!({"type": "object", "properties": {"holder": {"type": "string"}}, "required": ["holder"]})),
    );
    write(
        &catalog.join(&evolved).join("subject.toml"),
        "description = \"Renamed owner to holder.\"\ncompatibility = \"NONE\"\n\n[[upcasters]]\nfrom_version = 1\nsteps = [{ op = \"rename\", from = \"/owner\", to = \"/holder\" }]\n",
    );
    let dir = catalog.display().to_string();

    let run = nexus(args(&["schema", "sync", "--server", &endpoint, "--dir", &dir])).await;
    run.assert_success("the first sync");
    // The server registered the repository catalog at start; the test added
    // two subjects with three versions.
    let (subjects, versions) = repository_catalog();
    assert!(
        run.stdout.contains(&format!("{} subjects", subjects + 2))
            && run.stdout.contains("3 versions registered")
            && run.stdout.contains(&format!("{versions} already there")),
        "first sync summary: {run:#?}"
    );

    let run = nexus(args(&["schema", "sync", "--server", &endpoint, "--dir", &dir])).await;
    run.assert_success("the second sync");
    assert!(
        run.stdout.contains("0 versions registered") && run.stdout.contains(&format!("{} already there", versions + 3)),
        "a second sync must change nothing: {run:#?}"
    );

    // The versions and settings are visible through the API.
    let get = |subject: &str, version: u32| {
        let mut schemas = schemas.clone();
        let request = GetSchemaVersionRequest {
            selector: Some(Selector::SubjectVersion(SubjectVersion { subject: subject.into(), version })),
        };
        async move { schemas.get_schema_version(request).await.map(|r| r.into_inner().version.expect("version")) }
    };
    let got = get(&single, 1).await.unwrap_or_else(|s| panic!("{single} v1 was not registered: {s:?}"));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&got.definition).expect("json"),
        json!({"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]})
    );
    assert!(get(&evolved, 1).await.is_ok() && get(&evolved, 2).await.is_ok(), "{evolved} versions missing");
    assert_eq!(get(&evolved, 3).await.expect_err("no v3").code(), tonic::Code::NotFound);
    let subject = schemas
        .clone()
        .get_subject(GetSubjectRequest { name: evolved.clone() })
        .await
        .expect("GetSubject")
        .into_inner()
        .subject
        .expect("subject");
    assert_eq!(subject.compatibility, Compatibility::None as i32, "{subject:?}");
    assert_eq!(subject.description, "Renamed owner to holder.", "{subject:?}");
    assert_eq!(subject.upcasters.len(), 1, "{subject:?}");
    assert_eq!((subject.last_version, subject.latest_version), (2, 2), "{subject:?}");

    // Checking against the server: nothing drifted yet.
    let check_with_server = args(&["schema", "check", "--server", &endpoint, "--dir", &dir]);
    nexus(check_with_server.clone()).await.assert_success("check --server before any edit");

    // Editing a registered version is drift: check --server refuses it (the
    // catalog alone is still consistent: the subject runs under NONE).
    let evolved_v1 = catalog.join(&evolved).join("v1.json");
    write(
        &evolved_v1,
        &json_text(json!({
            "type": "object",
            "properties": { "owner": { "type": "string" }, "since": { "type": "integer" } },
            "required": ["owner"]
        })),
    );
    nexus(check_args(&catalog)).await.assert_success("check without a server after the edit");
    let run = nexus(check_with_server).await;
    run.assert_problem("check --server after editing a registered v1");
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains(&format!("{evolved}/v1.json")))
        .unwrap_or_else(|| panic!("stderr does not name the edited file: {run:#?}"));
    assert!(line.contains("differs from version 1 registered"), "{line}");
    assert!(!run.stderr.contains(&format!("{evolved}/v2.json")), "v2 did not change: {run:#?}");

    // Sync refuses it too, naming the file, and registers nothing: the edit
    // must not become a new version on the server.
    let run = nexus(args(&["schema", "sync", "--server", &endpoint, "--dir", &dir])).await;
    run.assert_problem("sync of an edited registered version");
    assert!(run.stderr.contains(&format!("{evolved}/v1.json")), "sync does not name the edited file: {run:#?}");
    let status = get(&evolved, 3).await.expect_err("the edited v1 must not be registered as a new version");
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
}

#[tokio::test]
async fn sync_dry_run_reports_the_changes_and_registers_nothing() {
    let nexus_server = NexusProcess::start().await;
    let endpoint = nexus_server.endpoint();
    let schemas = nexus_server.client().await.schemas();
    let (_tmp, catalog) = catalog_copy();
    let subject = unique("CatalogDryRun");
    let v1 = json!({
        "type": "object",
        "properties": { "id": { "type": "string" } },
        "required": ["id"],
        "additionalProperties": false
    });
    write(&catalog.join(&subject).join("v1.json"), &json_text(v1));
    let dir = catalog.display().to_string();
    let dry_run = args(&["schema", "sync", "--dry-run", "--server", &endpoint, "--dir", &dir]);
    let subject_exists = |name: String| {
        let mut schemas = schemas.clone();
        async move { schemas.get_subject(GetSubjectRequest { name }).await.is_ok() }
    };

    // A new subject: the plan names it and its version; nothing is created.
    let run = nexus(dry_run.clone()).await;
    run.assert_success("a dry run with a new subject");
    assert!(run.stdout.contains(&format!("would create subject {subject}")), "{run:#?}");
    assert!(run.stdout.contains(&format!("would register {subject} version 1")), "{run:#?}");
    assert!(run.stdout.contains("nothing was changed"), "{run:#?}");
    assert!(!subject_exists(subject.clone()).await, "a dry run must not create the subject");

    nexus(args(&["schema", "sync", "--server", &endpoint, "--dir", &dir])).await.assert_success("the real sync");
    let run = nexus(dry_run.clone()).await;
    run.assert_success("a dry run after the sync");
    assert!(run.stdout.contains("0 change(s)"), "nothing left to do: {run:#?}");

    // A compatible v2 and a settings change: reported, not applied.
    write(
        &catalog.join(&subject).join("v2.json"),
        &json_text(json!({
            "type": "object",
            "properties": { "id": { "type": "string" }, "note": { "type": "string" } },
            "required": ["id"],
            "additionalProperties": false
        })),
    );
    write(&catalog.join(&subject).join("subject.toml"), "description = \"Dry-run subject.\"\n");
    let run = nexus(dry_run.clone()).await;
    run.assert_success("a dry run with a compatible v2");
    assert!(run.stdout.contains(&format!("would update subject {subject}")), "{run:#?}");
    assert!(run.stdout.contains(&format!("would register {subject} version 2")), "{run:#?}");
    let get_v2 = GetSchemaVersionRequest {
        selector: Some(Selector::SubjectVersion(SubjectVersion { subject: subject.clone(), version: 2 })),
    };
    let status = schemas.clone().get_schema_version(get_v2.clone()).await.expect_err("v2 must not be registered");
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");

    // A v2 that breaks BACKWARD (a new required field): exit 1, the file
    // named, nothing registered.
    write(
        &catalog.join(&subject).join("v2.json"),
        &json_text(json!({
            "type": "object",
            "properties": { "id": { "type": "string" }, "amount": { "type": "integer" } },
            "required": ["id", "amount"],
            "additionalProperties": false
        })),
    );
    let run = nexus(dry_run.clone()).await;
    run.assert_problem("a dry run with an incompatible v2");
    assert!(run.stderr.contains(&format!("{subject}/v2.json")), "the file is named: {run:#?}");
    let status = schemas.clone().get_schema_version(get_v2).await.expect_err("v2 must not be registered");
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");

    // Drift (an edited registered version) fails the dry run too.
    write(
        &catalog.join(&subject).join("v1.json"),
        &json_text(json!({"type": "object", "properties": { "id": { "type": "integer" } }})),
    );
    std::fs::remove_file(catalog.join(&subject).join("v2.json")).expect("remove v2");
    let run = nexus(dry_run).await;
    run.assert_problem("a dry run with drift");
    assert!(run.stderr.contains("differs from version 1"), "{run:#?}");
}

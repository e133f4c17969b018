//! The schema catalog in the repository: `schemas/<EventType>/` folders with
//! numbered versions (`v1.json`, `v2.json` … for JSON Schema, `.avsc` for
//! Avro, `.proto` for Protobuf) and an optional `subject.toml`:
//!
//! ```toml
//! compatibility = "BACKWARD"   # default: the registry's default mode
//! route = "core"               # or "secondary"
//! description = "Money was paid into an account."
//!
//! [[upcasters]]                # v1 -> v2
//! from_version = 1
//! steps = [{ op = "add", path = "/currency", default = "EUR" }]
//! ```
//!
//! [`load`] reads a catalog, [`check`] finds every problem without a server,
//! and [`sync`] registers it idempotently.

use std::{
    collections::BTreeMap,
    fmt,
    path::{Path, PathBuf},
};

use serde::Deserialize;

use super::{
    Compatibility, DataFormat, IncompatibleChange, Route, SubjectConfig,
    format::{ParsedSchema, same_definition},
    governance::{Governance, incompatible_changes},
    upcast::{UpcastChain, UpcasterSpec},
};
use crate::core::error::NexusError;

/// The name of a subject's settings file.
pub const SUBJECT_FILE: &str = "subject.toml";

/// One subject of the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogSubject {
    pub name: String,
    pub dir: PathBuf,
    pub format: DataFormat,
    pub compatibility: Option<Compatibility>,
    pub config: SubjectConfig,
    /// Versions 1..=n in order.
    pub versions: Vec<CatalogVersion>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogVersion {
    pub number: u32,
    pub path: PathBuf,
    pub definition: String,
}

/// `subject.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SubjectFile {
    compatibility: Option<String>,
    format: Option<String>,
    description: String,
    route: Route,
    allow_unvalidated: bool,
    message_name: Option<String>,
    upcasters: Vec<UpcasterSpec>,
}

/// A problem found in the catalog, tied to the file it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

fn problem(path: &Path, message: impl Into<String>) -> Problem {
    Problem { path: path.to_path_buf(), message: message.into() }
}

fn format_of_extension(path: &Path) -> Option<DataFormat> {
    match path.extension()?.to_str()? {
        "json" => Some(DataFormat::Json),
        "avsc" => Some(DataFormat::Avro),
        "proto" => Some(DataFormat::Protobuf),
        _ => None,
    }
}

/// Reads a catalog directory. Every problem that stops a subject from being
/// read is returned; subjects that read cleanly are returned too.
pub fn load(dir: &Path) -> (Vec<CatalogSubject>, Vec<Problem>) {
    let mut subjects = Vec::new();
    let mut problems = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return (subjects, vec![problem(dir, format!("cannot read the schema catalog: {e}"))]),
    };
    let mut dirs: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    for subject_dir in dirs {
        match load_subject(&subject_dir) {
            Ok(subject) => subjects.push(subject),
            Err(mut found) => problems.append(&mut found),
        }
    }
    (subjects, problems)
}

fn load_subject(dir: &Path) -> Result<CatalogSubject, Vec<Problem>> {
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    let settings_path = dir.join(SUBJECT_FILE);
    let settings: SubjectFile = if settings_path.exists() {
        let text = std::fs::read_to_string(&settings_path).map_err(|e| vec![problem(&settings_path, e.to_string())])?;
        toml::from_str(&text).map_err(|e| vec![problem(&settings_path, e.to_string())])?
    } else {
        SubjectFile::default()
    };
    let mut problems = Vec::new();
    let mut numbered: BTreeMap<u32, PathBuf> = BTreeMap::new();
    let files = std::fs::read_dir(dir).map_err(|e| vec![problem(dir, e.to_string())])?;
    for path in files.filter_map(Result::ok).map(|e| e.path()) {
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else { continue };
        if path.file_name().is_some_and(|n| n == SUBJECT_FILE) || path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        match stem.strip_prefix('v').and_then(|n| n.parse::<u32>().ok()).filter(|n| *n > 0) {
            Some(n) if format_of_extension(&path).is_some() => {
                if let Some(previous) = numbered.insert(n, path.clone()) {
                    problems.push(problem(&path, format!("version {n} is also defined by {}", previous.display())));
                }
            }
            _ => problems.push(problem(
                &path,
                "unexpected file; versions are named v1.json, v2.json … (.avsc for Avro, .proto for Protobuf)",
            )),
        }
    }
    let mut format = match settings.format.as_deref().map(str::parse::<DataFormat>).transpose() {
        Ok(format) => format,
        Err(e) => {
            problems.push(problem(&settings_path, e));
            None
        }
    };
    let mut versions = Vec::new();
    for (expected, (number, path)) in (1..).zip(numbered) {
        if number != expected {
            problems.push(problem(
                &path,
                format!("versions must be numbered 1, 2, 3 … without gaps; v{expected} is missing"),
            ));
            break;
        }
        let file_format = format_of_extension(&path).unwrap_or(DataFormat::Json);
        match format {
            Some(f) if f != file_format => {
                problems.push(problem(&path, format!("is {file_format} but the subject's format is {f}")));
            }
            _ => format = Some(file_format),
        }
        match std::fs::read_to_string(&path) {
            Ok(definition) => versions.push(CatalogVersion { number, path, definition }),
            Err(e) => problems.push(problem(&path, e.to_string())),
        }
    }
    let compatibility = match settings.compatibility.as_deref().map(str::parse::<Compatibility>).transpose() {
        Ok(mode) => mode,
        Err(e) => {
            problems.push(problem(&settings_path, e));
            None
        }
    };
    if versions.is_empty() && !settings.allow_unvalidated && problems.is_empty() {
        problems.push(problem(dir, "holds no schema version (v1.json …)"));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(CatalogSubject {
        name,
        dir: dir.to_path_buf(),
        format: format.unwrap_or(DataFormat::Json),
        compatibility,
        config: SubjectConfig {
            description: settings.description,
            route: settings.route,
            allow_unvalidated: settings.allow_unvalidated,
            message_name: settings.message_name,
            upcasters: settings.upcasters,
        },
        versions,
    })
}

/// Checks a catalog without a server: every version parses, every version
/// obeys the subject's compatibility mode (`default_mode` when it sets none)
/// against the versions before it, and upcasters compile and name existing
/// versions.
pub fn check(subjects: &[CatalogSubject], default_mode: Compatibility) -> Vec<Problem> {
    let mut problems = Vec::new();
    for subject in subjects {
        let settings_path = subject.dir.join(SUBJECT_FILE);
        if let Err(e) = UpcastChain::compile(&subject.config.upcasters) {
            problems.push(problem(&settings_path, e.to_string()));
        }
        let last = subject.versions.len() as u32;
        for upcaster in &subject.config.upcasters {
            if upcaster.from_version >= last {
                problems.push(problem(
                    &settings_path,
                    format!(
                        "upcaster from version {} leads to version {}, which does not exist (latest: {last})",
                        upcaster.from_version,
                        upcaster.from_version + 1
                    ),
                ));
            }
        }
        let mode = subject.compatibility.unwrap_or(default_mode);
        let mut previous: Vec<(u32, ParsedSchema)> = Vec::new();
        for version in &subject.versions {
            let parsed = match ParsedSchema::parse(subject.format, &version.definition, &subject.config) {
                Ok(parsed) => parsed,
                Err(e) => {
                    problems.push(problem(&version.path, e));
                    break;
                }
            };
            if mode == Compatibility::Disabled && !previous.is_empty() {
                problems.push(problem(&version.path, "the subject's compatibility is DISABLED: no versions after v1"));
            }
            for change in incompatible_changes(mode, &previous, &parsed) {
                problems.push(problem(&version.path, describe_change(mode, &change)));
            }
            previous.push((version.number, parsed));
        }
    }
    problems
}

fn describe_change(mode: Compatibility, change: &IncompatibleChange) -> String {
    format!(
        "breaks {mode} compatibility with v{}: {} at {}: {}",
        change.version, change.change.kind, change.change.path, change.change.detail
    )
}

/// What [`sync`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub subjects: usize,
    pub registered: usize,
    pub unchanged: usize,
}

/// Registers a catalog: each subject's settings, then its versions in order.
/// Idempotent. A file whose content differs from the version registered
/// under its number is an error (versions are immutable).
pub async fn sync(governance: &Governance, subjects: &[CatalogSubject]) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    // Compare every file with what is registered under its number before
    // registering anything: registered versions are immutable.
    let mut present = std::collections::HashSet::new();
    for subject in subjects {
        let registered = governance.registry().get_subject(&subject.name).await;
        let last_version = registered
            .map_err(|e| SyncError { path: subject.dir.clone(), error: e.into() })?
            .map_or(0, |s| s.last_version);
        for version in &subject.versions {
            let at = |error| SyncError { path: version.path.clone(), error };
            match governance.registry().get_version(&subject.name, version.number).await.map_err(|e| at(e.into()))? {
                Some(stored) if !same_definition(subject.format, &stored.definition, &version.definition) => {
                    return Err(at(NexusError::Internal(format!(
                        "differs from version {} of {} already registered; registered versions are immutable: \
                         restore the file and add the change as the next version",
                        version.number, subject.name
                    ))));
                }
                Some(_) => {
                    present.insert((subject.name.as_str(), version.number));
                }
                None if version.number <= last_version => {
                    return Err(at(NexusError::Internal(format!(
                        "version {} of {} was deleted from the registry; it cannot be registered again",
                        version.number, subject.name
                    ))));
                }
                None => {}
            }
        }
    }
    for subject in subjects {
        governance
            .put_subject(&subject.name, subject.format, subject.compatibility, subject.config.clone())
            .await
            .map_err(|error| SyncError { path: subject.dir.join(SUBJECT_FILE), error })?;
        for version in &subject.versions {
            let at = |error| SyncError { path: version.path.clone(), error };
            if present.contains(&(subject.name.as_str(), version.number)) {
                report.unchanged += 1; // registered and equal: checked above
                continue;
            }
            let (registered, created) = governance
                .register(&subject.name, subject.format, &version.definition, file_metadata(&version.path))
                .await
                .map_err(at)?;
            if registered.version != version.number {
                return Err(at(NexusError::Internal(format!(
                    "this file was registered as version {} of {}, not version {}: the registry and the catalog \
                     disagree (was a version registered or deleted outside the catalog, or a file edited?)",
                    registered.version, subject.name, version.number
                ))));
            }
            if created { report.registered += 1 } else { report.unchanged += 1 }
        }
        report.subjects += 1;
    }
    Ok(report)
}

fn file_metadata(path: &Path) -> BTreeMap<String, String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    BTreeMap::from([("source".to_string(), name.to_string())])
}

/// A sync failure and the file it concerns.
#[derive(Debug)]
pub struct SyncError {
    pub path: PathBuf,
    pub error: NexusError,
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.error)
    }
}

impl std::error::Error for SyncError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, text: &str) {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    const V1: &str = r#"{"type":"object","properties":{"amount":{"type":"integer"}},"required":["amount"]}"#;

    #[test]
    fn loads_versions_in_order_with_settings() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A closed content model: adding an optional property is backward
        // compatible (old payloads cannot have it).
        write(
            dir.path(),
            "Deposited/v1.json",
            r#"{"type":"object","properties":{"amount":{"type":"integer"}},"required":["amount"],"additionalProperties":false}"#,
        );
        write(
            dir.path(),
            "Deposited/v2.json",
            r#"{"type":"object","properties":{"amount":{"type":"integer"},"note":{"type":"string"}},"required":["amount"],"additionalProperties":false}"#,
        );
        write(
            dir.path(),
            "Deposited/subject.toml",
            "compatibility = \"BACKWARD_ALL\"\nroute = \"secondary\"\n[[upcasters]]\nfrom_version = 1\nsteps = [{ op = \"add\", path = \"/note\", default = \"\" }]\n",
        );
        let (subjects, problems) = load(dir.path());
        assert_eq!(problems, vec![]);
        assert_eq!(subjects.len(), 1);
        let s = &subjects[0];
        assert_eq!(
            (s.name.as_str(), s.format, s.compatibility),
            ("Deposited", DataFormat::Json, Some(Compatibility::BackwardAll))
        );
        assert_eq!(s.config.route, Route::Secondary);
        assert_eq!(s.versions.iter().map(|v| v.number).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(s.config.upcasters.len(), 1);
        assert_eq!(check(&subjects, Compatibility::Backward), vec![]);
        // FULL would also need old readers to read v2 payloads, which carry a
        // property v1's closed model forbids.
        let mut full = subjects.clone();
        full[0].compatibility = Some(Compatibility::Full);
        let found = check(&full, Compatibility::Backward);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("FULL"), "{}", found[0].message);
    }

    #[test]
    fn check_reports_a_breaking_edit_with_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "Deposited/v1.json", V1);
        // v2 turns amount into a string: old events no longer match.
        write(
            dir.path(),
            "Deposited/v2.json",
            r#"{"type":"object","properties":{"amount":{"type":"string"}},"required":["amount"]}"#,
        );
        let (subjects, problems) = load(dir.path());
        assert_eq!(problems, vec![]);
        let found = check(&subjects, Compatibility::Backward);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].path.ends_with("Deposited/v2.json"));
        assert!(found[0].message.contains("BACKWARD") && found[0].message.contains("v1"), "{}", found[0].message);
        // Under NONE the same edit is allowed.
        assert_eq!(check(&subjects, Compatibility::None), vec![]);
    }

    #[test]
    fn gaps_stray_files_and_bad_settings_are_problems() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "A/v1.json", V1);
        write(dir.path(), "A/v3.json", V1);
        write(dir.path(), "B/v1.json", V1);
        write(dir.path(), "B/notes.txt", "x");
        write(dir.path(), "C/v1.json", V1);
        write(dir.path(), "C/subject.toml", "compatibility = \"SIDEWAYS\"\n");
        write(dir.path(), "D/v1.json", V1);
        write(
            dir.path(),
            "D/subject.toml",
            "[[upcasters]]\nfrom_version = 1\nsteps = [{ op = \"jq\", expr = \".[\" }]\n",
        );
        let (subjects, problems) = load(dir.path());
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(text.iter().any(|p| p.contains("A/v3.json") && p.contains("v2 is missing")), "{text:?}");
        assert!(text.iter().any(|p| p.contains("B/notes.txt")), "{text:?}");
        assert!(text.iter().any(|p| p.contains("C/subject.toml") && p.contains("SIDEWAYS")), "{text:?}");
        assert_eq!(subjects.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), vec!["D"]);
        let found = check(&subjects, Compatibility::Backward);
        assert_eq!(found.len(), 2, "bad jq and an upcaster to a missing version: {found:?}");
    }

    #[tokio::test]
    async fn sync_is_idempotent_and_refuses_an_edited_registered_version_without_registering_anything() {
        use std::sync::Arc;

        use crate::{
            adapters::sqlite::SqliteSchemaRegistry,
            core::schema::governance::{Governance, GovernanceSettings},
        };
        let data = tempfile::tempdir().expect("tempdir");
        let registry =
            SqliteSchemaRegistry::open(data.path().join("registry.db"), Compatibility::Backward).expect("registry");
        let governance = Governance::new(Arc::new(registry), GovernanceSettings::default());
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "Deposited/v1.json", V1);
        let (subjects, _) = load(dir.path());
        let first = sync(&governance, &subjects).await.expect("first sync");
        assert_eq!((first.registered, first.unchanged), (1, 0));
        let again = sync(&governance, &subjects).await.expect("second sync");
        assert_eq!((again.registered, again.unchanged), (0, 1));

        // v1 edited in place, plus a new v2: nothing at all is registered.
        write(dir.path(), "Deposited/v1.json", r#"{"type":"object"}"#);
        write(dir.path(), "Deposited/v2.json", r#"{"type":"object","properties":{"note":{"type":"string"}}}"#);
        let (subjects, _) = load(dir.path());
        let error = sync(&governance, &subjects).await.expect_err("edited v1 refused");
        assert!(error.path.ends_with("Deposited/v1.json"), "{error}");
        assert!(error.to_string().contains("immutable"), "{error}");
        let versions = governance.all_versions("Deposited", true).await.expect("versions");
        assert_eq!(versions.len(), 1, "nothing registered: {versions:?}");
    }
}

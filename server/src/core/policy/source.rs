//! Reading a policy directory and turning it into a regorus engine.

use std::{collections::BTreeMap, fmt::Write as _, path::Path};

use regorus::{Engine, Value};
use sha2::{Digest, Sha256};

use super::PolicyError;

/// What a file in the policy directory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// `*.rego` other than tests: loaded at runtime.
    Policy,
    /// `*_test.rego`: loaded by `nexus policy test` only.
    Test,
    /// `*.json`: data, mounted at the path of its directory (as `opa` does).
    Data,
}

/// One file of the policy directory, read.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    /// Path relative to the policy directory, with `/` separators.
    pub rel: String,
    pub kind: FileKind,
    pub contents: String,
}

impl SourceFile {
    pub fn sha256(&self) -> String {
        hex(&Sha256::digest(self.contents.as_bytes()))
    }

    /// Where a data file is mounted: its directory's components
    /// (`authz/data.json` → `["authz"]`, `data.json` → `[]`).
    pub fn mount(&self) -> Vec<&str> {
        let mut parts: Vec<&str> = self.rel.split('/').collect();
        parts.pop();
        parts
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Reads every policy, test and data file under `dir`, recursively, in path
/// order. Hidden files and directories (`.name`) are skipped.
pub(crate) fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, PolicyError> {
    let io = |path: &Path, e: std::io::Error| PolicyError::Io { path: path.to_path_buf(), message: e.to_string() };
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).map_err(|e| io(&current, e))? {
            let entry = entry.map_err(|e| io(&current, e))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let file_type = entry.file_type().map_err(|e| io(&path, e))?;
            if file_type.is_dir() {
                pending.push(path);
                continue;
            }
            let kind = if name.ends_with("_test.rego") {
                FileKind::Test
            } else if name.ends_with(".rego") {
                FileKind::Policy
            } else if name.ends_with(".json") {
                FileKind::Data
            } else {
                continue;
            };
            let contents = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
            files.push(SourceFile { rel: relative(dir, &path), kind, contents });
        }
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(files)
}

fn relative(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// A digest of the files the runtime loads (tests excluded), to tell whether
/// anything changed.
pub(crate) fn fingerprint(files: &[SourceFile]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for file in files.iter().filter(|f| f.kind != FileKind::Test) {
        hasher.update(file.rel.as_bytes());
        hasher.update([0]);
        hasher.update((file.contents.len() as u64).to_le_bytes());
        hasher.update(file.contents.as_bytes());
    }
    hasher.finalize().into()
}

/// Where a regorus error points, from its `--> file:line:col` marker.
pub(crate) fn parse_error(default_file: &str, error: &anyhow::Error) -> PolicyError {
    let text = format!("{error:#}");
    let mut file = default_file.to_owned();
    let mut line = None;
    let mut column = None;
    if let Some(start) = text.find("--> ") {
        let location = text[start + 4..].lines().next().unwrap_or_default();
        let mut parts = location.rsplitn(3, ':');
        let col = parts.next().and_then(|c| c.trim().parse().ok());
        let ln = parts.next().and_then(|l| l.trim().parse().ok());
        if let (Some(path), Some(ln)) = (parts.next(), ln) {
            file = path.to_owned();
            line = Some(ln);
            column = col;
        }
    }
    // The last line is "error: <what>"; the lines before it show the source.
    let message = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().trim_start_matches("error:").trim().to_owned())
        .unwrap_or_else(|| text.clone());
    PolicyError::Parse { file, line, column, message, detail: text.trim().to_owned() }
}

/// A package whose decision the engine can compute in one evaluation.
#[derive(Debug, Clone)]
pub(crate) struct PackageEntry {
    /// The rule of the internal module that yields `{"allow", "deny"}`.
    pub rule: String,
    /// `data.a.b` for package `a.b`.
    pub path: String,
    pub declares_allow: bool,
    pub declares_deny: bool,
}

/// The internal module: one rule per package returning both of its decision
/// rules at once, with `allow` false and `deny` empty when undefined.
pub(crate) const INTERNAL_PACKAGE: &str = "nexus_engine_internal";
const INTERNAL_FILE: &str = "<nexus: decision rules>";

/// An engine holding `files` (tests only when `with_tests`), the data, and
/// the internal decision module; parsed and compiled, ready to clone.
pub(crate) struct Built {
    pub engine: Engine,
    pub packages: BTreeMap<String, PackageEntry>,
    /// Package of each `.rego` file, by relative path.
    pub file_packages: BTreeMap<String, String>,
}

pub(crate) fn build(files: &[SourceFile], with_tests: bool) -> Result<Built, PolicyError> {
    let mut engine = Engine::new();
    engine.set_execution_timer_config(super::EVALUATION_TIME_LIMIT);
    for file in files.iter().filter(|f| f.kind == FileKind::Data) {
        let data_error = |message: String| PolicyError::Data { file: file.rel.clone(), message };
        let mut value = Value::from_json_str(&file.contents).map_err(|e| data_error(format!("{e:#}")))?;
        if !matches!(value, Value::Object(_)) {
            return Err(data_error("a data file must hold a JSON object".into()));
        }
        for component in file.mount().into_iter().rev() {
            value = Value::from(BTreeMap::from([(Value::from(component), value)]));
        }
        engine.add_data(value).map_err(|e| data_error(format!("conflicts with other data: {e:#}")))?;
    }
    let mut file_packages = BTreeMap::new();
    for file in files.iter().filter(|f| f.kind == FileKind::Policy || (with_tests && f.kind == FileKind::Test)) {
        engine.add_policy(file.rel.clone(), file.contents.clone()).map_err(|e| parse_error(&file.rel, &e))?;
    }
    let mut packages = BTreeMap::new();
    let components = engine.get_policy_package_components().map_err(|e| parse_error("", &e))?;
    for module in &components {
        let name = module.components.join(".");
        file_packages.insert(module.source_file.clone(), name.clone());
        let path = data_path(&module.components);
        let declares = |rule: &str| engine.has_declared_rule_rooted_at(&module.source_file, rule).unwrap_or(false);
        let (allow, deny) = (declares("allow"), declares("deny"));
        let index = packages.len();
        let entry = packages.entry(name).or_insert_with(|| PackageEntry {
            rule: format!("data.{INTERNAL_PACKAGE}.d{index}"),
            path,
            declares_allow: false,
            declares_deny: false,
        });
        entry.declares_allow |= allow;
        entry.declares_deny |= deny;
    }
    let mut internal = format!("package {INTERNAL_PACKAGE}\n\nimport rego.v1\n\nready := true\n");
    for entry in packages.values() {
        let Some(index) = entry.rule.rsplit('.').next() else { continue };
        let path = &entry.path;
        let _ = write!(
            internal,
            "\ndefault {index}_allow := false\n{index}_allow := {path}.allow\n\
             default {index}_deny := set()\n{index}_deny := {path}.deny\n\
             {index} := {{\"allow\": {index}_allow, \"deny\": {index}_deny}}\n"
        );
    }
    engine.add_policy(INTERNAL_FILE.into(), internal).map_err(|e| parse_error(INTERNAL_FILE, &e))?;
    // The first evaluation compiles the modules (reporting unsafe variables,
    // unknown functions, ...); doing it here means every clone starts compiled.
    engine.eval_rule(format!("data.{INTERNAL_PACKAGE}.ready")).map_err(|e| parse_error("", &e))?;
    Ok(Built { engine, packages, file_packages })
}

/// `data.a.b` for package `a.b`, with bracketed strings for components that
/// are not identifiers.
fn data_path(components: &[String]) -> String {
    let mut path = String::from("data");
    for component in components {
        let ident = component.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && component.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if ident {
            path.push('.');
            path.push_str(component);
        } else {
            let _ = write!(path, "[{}]", serde_json::Value::from(component.as_str()));
        }
    }
    path
}

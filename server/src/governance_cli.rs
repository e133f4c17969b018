//! `nexus governance check`: architecture rules as policy.
//!
//! The binary derives a manifest of facts from the repository and from its
//! own registrations, and the Rego package `nexus.governance`
//! (policies/governance/) decides whether they are acceptable:
//!
//! - `handlers`: every aggregate the binary serves, with the event types it
//!   can emit (its `EVENT_TYPES`);
//! - `subjects`: every subject of the schema catalog, its compatibility mode
//!   and, for every pair of its versions, the breaking changes in each
//!   direction (the policy decides which pairs the mode covers);
//! - `rpcs`: every RPC of the API with its `(nexus.v1.rpc)` annotation
//!   (effect on stored data, temporal or not), read from the descriptors the
//!   server serves;
//! - `modules`: every module of `server/src` with the crate modules it uses;
//! - `rate_limits`: the rate limits the server applies (calls per minute per
//!   principal, by default).
//!
//! `--manifest FILE` evaluates a given manifest instead, which is how the
//! tests prove that each rule fails on a violating one.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context;
use prost_reflect::{DescriptorPool, ReflectMessage, Value as ReflectValue};
use serde::Serialize;

use crate::{
    core::{
        policy::PolicyEngine,
        schema::{Compatibility, catalog, format::ParsedSchema},
    },
    domain,
};

/// The package that decides.
pub const PACKAGE: &str = "nexus.governance";

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Repository root: server/src, schemas/ and policies/ are read from here.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub repo: PathBuf,
    /// The schema catalog [default: <repo>/schemas].
    #[arg(long, value_name = "DIR")]
    pub schemas_dir: Option<PathBuf>,
    /// The policy folder [default: <repo>/policies].
    #[arg(long, value_name = "DIR")]
    pub policies_dir: Option<PathBuf>,
    /// The mode of subjects whose subject.toml sets none.
    #[arg(long, default_value = "BACKWARD", value_name = "MODE")]
    pub default_compatibility: String,
    /// Evaluate this manifest (JSON) instead of deriving one.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Print the manifest (derived or given) before the verdict.
    #[arg(long)]
    pub print_manifest: bool,
}

/// Runs the check; exit code 1 when the policy denies.
pub fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let policies_dir = args.policies_dir.clone().unwrap_or_else(|| args.repo.join("policies"));
    let manifest = match &args.manifest {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            serde_json::from_str(&text).with_context(|| format!("{} is not a JSON manifest", path.display()))?
        }
        None => {
            let mode: Compatibility = args.default_compatibility.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            let schemas_dir = args.schemas_dir.clone().unwrap_or_else(|| args.repo.join("schemas"));
            serde_json::to_value(derive_manifest(&args.repo, &schemas_dir, mode)?)?
        }
    };
    if args.print_manifest {
        println!("{}", serde_json::to_string_pretty(&manifest)?);
    }
    let engine = PolicyEngine::load(&policies_dir)
        .with_context(|| format!("cannot load the policies in {}", policies_dir.display()))?;
    let decision = engine.evaluate(PACKAGE, manifest.clone()).with_context(|| format!("cannot evaluate {PACKAGE}"))?;
    let count = |key: &str| manifest.get(key).and_then(|v| v.as_array()).map_or(0, Vec::len);
    let summary = format!(
        "{} handlers, {} subjects, {} rpcs, {} modules",
        count("handlers"),
        count("subjects"),
        count("rpcs"),
        count("modules")
    );
    if decision.allow {
        println!("governance check passed ({summary})");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("governance check FAILED ({summary}): {} violation(s)", decision.reasons.len());
        for reason in &decision.reasons {
            eprintln!("  - {reason}");
        }
        Ok(ExitCode::from(1))
    }
}

/// The facts `nexus.governance` decides on.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub handlers: Vec<HandlerFacts>,
    pub subjects: Vec<SubjectFacts>,
    pub rpcs: Vec<RpcFacts>,
    pub modules: Vec<ModuleFacts>,
    /// `<service>/<method>` → calls per minute per principal (the default).
    pub rate_limits: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HandlerFacts {
    pub aggregate_type: String,
    pub command_types: Vec<String>,
    pub event_types: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubjectFacts {
    pub name: String,
    pub compatibility: String,
    pub versions: Vec<u32>,
    /// Definitions that do not parse (the policy refuses any).
    pub problems: Vec<String>,
    /// Breaking changes between every later and every earlier version.
    pub pairs: Vec<PairFacts>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairFacts {
    pub version: u32,
    pub against: u32,
    /// Readers of `version` cannot read `against` data this way.
    pub backward: Vec<String>,
    /// Readers of `against` cannot read `version` data this way.
    pub forward: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RpcFacts {
    pub service: String,
    pub method: String,
    /// `READ`, `APPEND`, `STREAM_LIFECYCLE`, `REGISTRY`, `ADMIN`,
    /// `MODIFY_EVENTS`, or `UNSPECIFIED` when not annotated.
    pub effect: String,
    pub temporal: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModuleFacts {
    /// Module path inside the server crate, e.g. `core::subscription`.
    pub name: String,
    pub file: String,
    /// Crate modules it uses (outside its own tests).
    pub uses: Vec<String>,
}

/// Derives the manifest from the repository and the binary.
pub fn derive_manifest(repo: &Path, schemas_dir: &Path, default_mode: Compatibility) -> anyhow::Result<Manifest> {
    Ok(Manifest {
        handlers: handler_facts(),
        subjects: subject_facts(schemas_dir, default_mode),
        rpcs: rpc_facts(nexus_sdk::proto::FILE_DESCRIPTOR_SET)?,
        modules: module_facts(&repo.join("server").join("src"))?,
        rate_limits: rate_limits(),
    })
}

/// The RPCs the server rate-limits, with the default limit (calls per
/// minute per principal).
fn rate_limits() -> BTreeMap<String, u32> {
    let per_minute = crate::config::TemporalConfig::default().per_minute;
    crate::api::temporal::RATE_LIMITED_RPCS.iter().map(|rpc| (rpc.to_string(), per_minute)).collect()
}

fn handler_facts() -> Vec<HandlerFacts> {
    domain::handlers()
        .iter()
        .map(|h| HandlerFacts {
            aggregate_type: h.aggregate_type().to_string(),
            command_types: h.command_types(),
            event_types: h.event_types(),
        })
        .collect()
}

fn subject_facts(dir: &Path, default_mode: Compatibility) -> Vec<SubjectFacts> {
    let (subjects, load_problems) = catalog::load(dir);
    let mut out = Vec::new();
    for subject in &subjects {
        let mut problems: Vec<String> =
            load_problems.iter().filter(|p| p.path.starts_with(&subject.dir)).map(|p| p.message.clone()).collect();
        let mut parsed: Vec<(u32, ParsedSchema)> = Vec::new();
        for version in &subject.versions {
            match ParsedSchema::parse(subject.format, &version.definition, &subject.config) {
                Ok(p) => parsed.push((version.number, p)),
                Err(e) => problems.push(format!("{}: {e}", version.path.display())),
            }
        }
        let mut pairs = Vec::new();
        for (i, (version, new)) in parsed.iter().enumerate() {
            for (against, old) in &parsed[..i] {
                let describe = |changes: Vec<crate::core::schema::compat::BreakingChange>| {
                    changes.into_iter().map(|c| c.to_string()).collect::<Vec<_>>()
                };
                pairs.push(PairFacts {
                    version: *version,
                    against: *against,
                    backward: describe(ParsedSchema::backward_changes(old, new)),
                    forward: describe(ParsedSchema::backward_changes(new, old)),
                });
            }
        }
        out.push(SubjectFacts {
            name: subject.name.clone(),
            compatibility: subject.compatibility.unwrap_or(default_mode).to_string(),
            versions: subject.versions.iter().map(|v| v.number).collect(),
            problems,
            pairs,
        });
    }
    out
}

/// Every RPC of the `nexus.v1` services with its annotation.
pub fn rpc_facts(descriptor_set: &[u8]) -> anyhow::Result<Vec<RpcFacts>> {
    let pool = DescriptorPool::decode(descriptor_set).context("the server's descriptor set does not decode")?;
    let extension = pool
        .get_extension_by_name("nexus.v1.rpc")
        .context("the descriptor set has no nexus.v1.rpc method option (proto/nexus/v1/options.proto)")?;
    let mut rpcs = Vec::new();
    for service in pool.services().filter(|s| s.package_name() == "nexus.v1") {
        for method in service.methods() {
            let options = method.options();
            let (mut effect, mut temporal) = ("UNSPECIFIED".to_string(), false);
            if options.has_extension(&extension)
                && let ReflectValue::Message(rules) = options.get_extension(&extension).as_ref()
            {
                if let Some(ReflectValue::EnumNumber(n)) = rules.get_field_by_name("effect").as_deref() {
                    let name = rules
                        .descriptor()
                        .get_field_by_name("effect")
                        .and_then(|f| f.kind().as_enum().and_then(|e| e.get_value(*n)).map(|v| v.name().to_string()))
                        .unwrap_or_else(|| n.to_string());
                    effect = name.trim_start_matches("EFFECT_").to_string();
                }
                temporal = rules.get_field_by_name("temporal").and_then(|v| v.as_bool()).unwrap_or(false);
            }
            rpcs.push(RpcFacts {
                service: service.full_name().to_string(),
                method: method.name().to_string(),
                effect,
                temporal,
            });
        }
    }
    Ok(rpcs)
}

/// Every module under `src` with the crate modules its code uses.
pub fn module_facts(src: &Path) -> anyhow::Result<Vec<ModuleFacts>> {
    let mut files = Vec::new();
    collect_rs(src, &mut files).with_context(|| format!("cannot read the sources in {}", src.display()))?;
    files.sort();
    let modules: Vec<(String, PathBuf)> = files.iter().map(|f| (module_of(src, f), f.clone())).collect();
    let known: BTreeSet<&str> = modules.iter().map(|(m, _)| m.as_str()).collect();
    let mut out = Vec::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        let code = without_tests(&text);
        let mut uses = BTreeSet::new();
        for path in crate_paths(code, module) {
            if let Some(target) = longest_known(&path, &known)
                && target != module
            {
                uses.insert(target.to_string());
            }
        }
        out.push(ModuleFacts {
            name: module.clone(),
            file: file.strip_prefix(src).unwrap_or(file).display().to_string(),
            uses: uses.into_iter().collect(),
        });
    }
    Ok(out)
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_rs(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// `core/schema/mod.rs` → `core::schema`; `lib.rs`/`main.rs` → `crate`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> =
        relative.with_extension("").components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
        return "crate".into();
    }
    parts.join("::")
}

/// The file's code before its `#[cfg(test)]` test module.
fn without_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod ") {
        Some(at) => &text[..at],
        None => text,
    }
}

fn longest_known<'a>(path: &str, known: &BTreeSet<&'a str>) -> Option<&'a str> {
    let mut candidate = path;
    loop {
        if let Some(found) = known.get(candidate) {
            return Some(found);
        }
        candidate = &candidate[..candidate.rfind("::")?];
    }
}

/// Absolute module paths (without `crate::`) the code names through `use`
/// declarations and inline `crate::…`/`super::…` paths.
fn crate_paths(code: &str, module: &str) -> Vec<String> {
    let mut out = Vec::new();
    // `use` declarations, with their brace groups expanded.
    let mut rest = code;
    while let Some(at) = find_use(rest) {
        let after = &rest[at..];
        let Some(end) = after.find(';') else { break };
        let tree: String = after[4..end].chars().filter(|c| !c.is_whitespace()).collect();
        for path in expand_use(&tree) {
            if let Some(abs) = resolve(&path, module) {
                out.push(abs);
            }
        }
        rest = &after[end..];
    }
    // Inline paths such as `crate::core::model::X` in code.
    for anchor in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(anchor) {
            let start = from + at;
            let path: String = code[start..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect::<String>()
                .trim_end_matches(':')
                .to_string();
            if let Some(abs) = resolve(&path, module) {
                out.push(abs);
            }
            from = start + anchor.len();
        }
    }
    out
}

/// The next `use ` at the start of a line (after indentation or `pub`).
fn find_use(code: &str) -> Option<usize> {
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let lead = line.len() - trimmed.len();
        for prefix in ["use ", "pub use ", "pub(crate) use ", "pub(super) use "] {
            if trimmed.starts_with(prefix) {
                return Some(offset + lead + prefix.len() - 4);
            }
        }
        offset += line.len();
    }
    None
}

/// `a::{b,c::{d,e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand_use(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or(tree).trim_end_matches("::*").to_string()];
    };
    let prefix = &tree[..open];
    let inner = tree[open + 1..].strip_suffix('}').unwrap_or(&tree[open + 1..]);
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|item| !item.is_empty())
        .flat_map(|item| {
            expand_use(item).into_iter().map(|rest| {
                if rest == "self" { prefix.trim_end_matches("::").to_string() } else { format!("{prefix}{rest}") }
            })
        })
        .collect()
}

/// `crate::a::b` → `a::b`; `super::x` from `core::schema` → `core::x`;
/// `self::x` → `<module>::x`. External crates → `None`.
fn resolve(path: &str, module: &str) -> Option<String> {
    let mut base: Vec<&str> = if module == "crate" { Vec::new() } else { module.split("::").collect() };
    let mut segments = path.split("::").filter(|s| !s.is_empty()).peekable();
    match segments.peek().copied() {
        Some("crate") => {
            base.clear();
            segments.next();
        }
        Some("super") => {
            while segments.peek() == Some(&"super") {
                segments.next();
                base.pop();
            }
        }
        Some("self") => {
            segments.next();
        }
        _ => return None,
    }
    base.extend(segments);
    (!base.is_empty()).then(|| base.join("::"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_trees_expand_and_resolve() {
        let code = "use super::{\n    model::{A, B},\n    ports::EventStore,\n};\nuse crate::core::schema::governance::Governance;\nuse std::sync::Arc;\nfn f() { crate::api::status::invalid(x); }\n";
        let mut paths = crate_paths(code, "core::command");
        paths.sort();
        paths.dedup();
        assert!(paths.contains(&"core::model::A".to_string()), "{paths:?}");
        assert!(paths.contains(&"core::ports::EventStore".to_string()), "{paths:?}");
        assert!(paths.contains(&"core::schema::governance::Governance".to_string()), "{paths:?}");
        assert!(paths.contains(&"api::status::invalid".to_string()), "{paths:?}");
        assert!(!paths.iter().any(|p| p.starts_with("std")), "{paths:?}");
    }

    #[test]
    fn the_repository_is_described() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let manifest = derive_manifest(&root, &root.join("schemas"), Compatibility::Backward).expect("manifest");

        let account = manifest.handlers.iter().find(|h| h.aggregate_type == "account").expect("account handler");
        assert!(account.event_types.contains(&"MoneyDeposited".to_string()));

        let append = manifest
            .rpcs
            .iter()
            .find(|r| r.service == "nexus.v1.EventStoreService" && r.method == "AppendToStream")
            .expect("AppendToStream");
        assert_eq!(append.effect, "APPEND");
        let delete = manifest.rpcs.iter().find(|r| r.method == "DeleteStream").expect("DeleteStream");
        assert_eq!(delete.effect, "STREAM_LIFECYCLE");
        assert!(manifest.rpcs.iter().all(|r| r.effect != "UNSPECIFIED"), "every RPC is annotated");

        let command = manifest.modules.iter().find(|m| m.name == "core::command").expect("core::command");
        assert!(command.uses.contains(&"core::ports".to_string()), "{:?}", command.uses);
        let subscription = manifest.modules.iter().find(|m| m.name == "core::subscription").expect("subscription");
        assert!(!subscription.uses.iter().any(|u| u == "core::command"), "{:?}", subscription.uses);

        let opened = manifest.subjects.iter().find(|s| s.name == "AccountOpened").expect("AccountOpened subject");
        assert_eq!(opened.versions, vec![1]);
        assert!(opened.problems.is_empty());
    }
}

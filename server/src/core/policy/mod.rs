//! Policies as code: the Rego in `policies/`, evaluated in-process with
//! regorus.
//!
//! Two packages decide at runtime:
//! - `nexus.authz` decides every RPC ([`PolicyEngine::authorize`]): allowed
//!   when its `allow` is true and its `deny` set is empty.
//! - `nexus.events` decides every append before anything is stored
//!   ([`PolicyEngine::check_events`]): allowed when its `deny` set is empty.
//!
//! The loaded set (policies, data and a compiled engine) is immutable and
//! swapped whole on reload, so a decision sees either the old or the new set,
//! and a set that fails to parse or compile never becomes active.
//!
//! Evaluation needs a `&mut regorus::Engine`. Each set keeps a pool of clones
//! of its compiled engine: a decision takes one (cloning the template when the
//! pool is empty, which happens once per concurrent caller), evaluates and puts
//! it back. Clones share the parsed modules and data; nothing is recompiled
//! per call.

mod input;
mod source;
pub mod testing;
#[cfg(test)]
mod tests;

use std::{
    collections::{BTreeMap, HashMap},
    num::NonZeroU32,
    panic::{AssertUnwindSafe, catch_unwind},
    path::{Path, PathBuf},
    sync::{Arc, Mutex, PoisonError, RwLock},
    time::Duration,
};

pub use input::{AuthzInput, EventInput, EventRoute, EventsInput, Resource, tenant_of};
use input::{ToRego, json_to_rego};
use regorus::{
    Engine, Value,
    languages::rego::compiler::Compiler,
    rvm::{RegoVM, program::Program},
    utils::limits::ExecutionTimerConfig,
};
use serde::Serialize;
use source::{FileKind, PackageEntry, SourceFile};
use tokio_util::sync::CancellationToken;

/// The package deciding every RPC.
pub const AUTHZ_PACKAGE: &str = "nexus.authz";
/// The package deciding every append.
pub const EVENTS_PACKAGE: &str = "nexus.events";

/// How often [`PolicyEngine::watch`] looks for changed files.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(1);

/// An evaluation running longer than this is stopped and fails closed (a
/// policy looping over something huge must not hold a request forever).
/// Generous: a 100-event append takes about 1 ms in a release build, but tens
/// of milliseconds in an unoptimized test build on a busy machine.
const EVALUATION_TIME_LIMIT: ExecutionTimerConfig =
    ExecutionTimerConfig { limit: Duration::from_secs(1), check_interval: NonZeroU32::MIN.saturating_add(999) };

/// Most idle engine clones a set keeps (more callers than this at once still
/// work; the extra clones are dropped after use).
const MAX_IDLE_ENGINES: usize = 64;

/// The outcome of one policy decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allow: bool,
    /// Why not: the policy's deny messages (sorted), or a generic message when
    /// no rule allowed the call, or the evaluation error. Empty when allowed.
    pub reasons: Vec<String>,
    /// The package that decided, e.g. `nexus.authz`.
    pub policy: String,
}

impl Decision {
    fn deny(policy: &str, reason: String) -> Self {
        Self { allow: false, reasons: vec![reason], policy: policy.to_owned() }
    }
}

/// A loaded `.rego` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyInfo {
    /// Path relative to the policy directory, `/`-separated.
    pub path: String,
    /// Its package, e.g. `nexus.authz`.
    pub package: String,
    pub source: String,
    /// Hex SHA-256 of the source.
    pub sha256: String,
}

/// A loaded data file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataFileInfo {
    /// Path relative to the policy directory, `/`-separated.
    pub path: String,
    /// Where its object is mounted under `data` (`authz/data.json` → `authz`,
    /// empty for the directory's root).
    pub mount: String,
    pub sha256: String,
}

/// What a successful reload loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReloadReport {
    /// The new generation.
    pub generation: u64,
    /// Policy files (tests not counted).
    pub policies: usize,
    pub data_files: usize,
    /// Packages loaded, e.g. `["nexus.authz", "nexus.events"]`.
    pub packages: Vec<String>,
    /// Whether the files differed from the previous set.
    pub changed: bool,
}

/// Errors of loading policies and of dry runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read {}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    /// A policy that does not parse or compile; `file` is relative to the
    /// policy directory. `detail` is regorus's full report with the source line.
    #[error("{file}:{}: {message}", line.map_or_else(|| "?".to_owned(), |l| match column { Some(c) => format!("{l}:{c}"), None => l.to_string() }))]
    Parse { file: String, line: Option<u32>, column: Option<u32>, message: String, detail: String },
    #[error("data file {file}: {message}")]
    Data { file: String, message: String },
    #[error("no policy package {0} is loaded")]
    UnknownPackage(String),
    #[error("invalid policy input: {0}")]
    Input(String),
}

/// One immutable, loaded policy set.
struct PolicySet {
    generation: u64,
    fingerprint: [u8; 32],
    policies: Vec<PolicyInfo>,
    data_files: Vec<DataFileInfo>,
    packages: BTreeMap<String, PackageEntry>,
    engines: Mutex<EnginePool>,
    /// `nexus.authz` decisions of this set, by input. Rego without I/O or
    /// clock builtins (none are compiled in) decides the same input the same
    /// way, so a decision can be reused until the set is replaced.
    authz_cache: Mutex<HashMap<String, Decision>>,
    /// The routes whose events' payloads go into the `nexus.events` input.
    payload_routes: PayloadRoutes,
}

/// Which events' payloads the `nexus.events` input carries. Building a Rego
/// value of every payload is most of an event decision's cost, so the event
/// policy's data says which routes its rules read payloads of:
/// `data.events.input.payload_routes` (for example `["secondary"]`); without
/// it, every event's payload is given. Events of other routes carry
/// `payload: null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadRoutes {
    pub core: bool,
    pub secondary: bool,
}

impl Default for PayloadRoutes {
    fn default() -> Self {
        Self { core: true, secondary: true }
    }
}

impl PayloadRoutes {
    /// Whether events of `route` carry their payload.
    pub fn includes(self, route: EventRoute) -> bool {
        match route {
            EventRoute::Core => self.core,
            EventRoute::Secondary => self.secondary,
        }
    }

    /// From the event policy's data file, if it says.
    fn from_files(files: &[SourceFile]) -> Result<Self, PolicyError> {
        let Some(file) = files.iter().find(|f| f.kind == FileKind::Data && f.mount() == ["events"]) else {
            return Ok(Self::default());
        };
        let invalid = |message: String| PolicyError::Data { file: file.rel.clone(), message };
        let data: serde_json::Value = serde_json::from_str(&file.contents).map_err(|e| invalid(e.to_string()))?;
        let Some(routes) = data.pointer("/input/payload_routes") else { return Ok(Self::default()) };
        let routes =
            routes.as_array().ok_or_else(|| invalid("input.payload_routes must be an array of route names".into()))?;
        let mut out = Self { core: false, secondary: false };
        for route in routes {
            match route.as_str() {
                Some("core") => out.core = true,
                Some("secondary") => out.secondary = true,
                _ => {
                    return Err(invalid(format!(
                        "input.payload_routes: {route} is not a route (\"core\" or \"secondary\")"
                    )));
                }
            }
        }
        Ok(out)
    }
}

/// Most cached authz decisions per policy set; the cache starts over when
/// full (inputs name streams, so a busy server sees many).
const AUTHZ_CACHE_ENTRIES: usize = 16_384;

struct EnginePool {
    template: Template,
    idle: Vec<Machine>,
}

/// What evaluates: regorus's bytecode VM when the policies compile for it
/// (the fast path), else its tree-walking interpreter.
enum Template {
    Vm { program: Arc<Program>, data: Value },
    Interpreter(Box<Engine>),
}

enum Machine {
    Vm(Box<RegoVM>),
    Interpreter(Box<Engine>),
}

impl Template {
    /// Compiles the built engine's decision rules to a VM program, falling
    /// back to the interpreter when the compiler does not support something
    /// the policies use.
    fn new(engine: Engine, packages: &BTreeMap<String, PackageEntry>) -> Self {
        let entry_points: Vec<&str> = packages.values().map(|p| p.rule.as_str()).collect();
        let Some(first) = entry_points.first() else { return Self::Interpreter(Box::new(engine)) };
        let mut compiling = engine.clone();
        let program = compiling
            .compile_with_entrypoint(&regorus::Rc::from(*first))
            .and_then(|compiled| Ok(Compiler::compile_from_policy(&compiled, &entry_points)?));
        match program {
            Ok(program) => Self::Vm { program, data: engine.get_data() },
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), "policies do not compile to the regorus VM; using the slower interpreter");
                Self::Interpreter(Box::new(engine))
            }
        }
    }

    fn machine(&self) -> Result<Machine, String> {
        match self {
            Self::Vm { program, data } => {
                let mut vm = RegoVM::new();
                vm.load_program(Arc::clone(program));
                vm.set_data(data.clone()).map_err(|e| format!("{e:#}"))?;
                vm.set_execution_timer_config(Some(EVALUATION_TIME_LIMIT));
                // The VM's default stops after 25,000 instructions, which a
                // large append exceeds; the time limit is the guard instead.
                vm.set_max_instructions(usize::MAX);
                Ok(Machine::Vm(Box::new(vm)))
            }
            Self::Interpreter(engine) => Ok(Machine::Interpreter(engine.clone())),
        }
    }
}

impl Machine {
    fn eval(&mut self, rule: &str, input: Value) -> Result<Value, String> {
        let result = match self {
            Self::Vm(vm) => {
                vm.set_input(input);
                vm.execute_entry_point_by_name(rule).map_err(|e| format!("{e}"))
            }
            Self::Interpreter(engine) => {
                engine.set_input(input);
                engine.eval_rule(rule.to_owned()).map_err(|e| format!("{e:#}"))
            }
        };
        match self {
            Self::Vm(vm) => vm.set_input(Value::Undefined),
            Self::Interpreter(engine) => engine.set_input(Value::Undefined),
        }
        result
    }
}

impl PolicySet {
    fn load(dir: &Path, generation: u64) -> Result<Self, PolicyError> {
        let files = source::read_dir(dir)?;
        Self::from_files(&files, generation)
    }

    fn from_files(files: &[SourceFile], generation: u64) -> Result<Self, PolicyError> {
        let built = source::build(files, false)?;
        let policies = files
            .iter()
            .filter(|f| f.kind == FileKind::Policy)
            .map(|f| PolicyInfo {
                path: f.rel.clone(),
                package: built.file_packages.get(&f.rel).cloned().unwrap_or_default(),
                source: f.contents.clone(),
                sha256: f.sha256(),
            })
            .collect();
        let data_files = files
            .iter()
            .filter(|f| f.kind == FileKind::Data)
            .map(|f| DataFileInfo { path: f.rel.clone(), mount: f.mount().join("."), sha256: f.sha256() })
            .collect();
        let template = Template::new(built.engine, &built.packages);
        let payload_routes = PayloadRoutes::from_files(files)?;
        Ok(Self {
            generation,
            fingerprint: source::fingerprint(files),
            policies,
            data_files,
            packages: built.packages,
            engines: Mutex::new(EnginePool { template, idle: Vec::new() }),
            authz_cache: Mutex::new(HashMap::new()),
            payload_routes,
        })
    }

    /// Evaluates `rule` for `input` on a pooled engine. Errors and panics of
    /// the evaluation come back as `Err` (a panicking engine is discarded).
    fn eval(&self, rule: &str, input: Value) -> Result<Value, String> {
        let idle = self.engines.lock().unwrap_or_else(PoisonError::into_inner).idle.pop();
        let mut machine = match idle {
            Some(machine) => machine,
            None => self.engines.lock().unwrap_or_else(PoisonError::into_inner).template.machine()?,
        };
        let result = catch_unwind(AssertUnwindSafe(|| machine.eval(rule, input)));
        match result {
            Ok(result) => {
                let mut pool = self.engines.lock().unwrap_or_else(PoisonError::into_inner);
                if pool.idle.len() < MAX_IDLE_ENGINES {
                    pool.idle.push(machine);
                }
                result
            }
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Err(format!("the policy engine panicked: {what}"))
            }
        }
    }

    /// Whether decisions run on the bytecode VM (else the interpreter).
    fn compiled(&self) -> bool {
        matches!(self.engines.lock().unwrap_or_else(PoisonError::into_inner).template, Template::Vm { .. })
    }

    /// The decision of `package` for `input`. `require_allow`: whether `allow`
    /// must be true (else only `deny` counts). `call` names the RPC in the
    /// generic message when nothing allowed it. Fails closed.
    fn decide(&self, package: &str, input: Value, require_allow: bool, call: impl FnOnce() -> String) -> Decision {
        self.try_decide(package, input, require_allow, call).unwrap_or_else(|failed| failed)
    }

    /// Like [`Self::decide`], with the denials of a failure (package
    /// missing, evaluation error, malformed `deny`) as `Err`: those are not
    /// the policy's verdict on the input, so they are never cached.
    fn try_decide(
        &self,
        package: &str,
        input: Value,
        require_allow: bool,
        call: impl FnOnce() -> String,
    ) -> Result<Decision, Decision> {
        let Some(entry) = self.packages.get(package) else {
            tracing::error!(policy = package, generation = self.generation, "policy package not loaded: denying");
            return Err(Decision::deny(package, format!("no policy package {package} is loaded")));
        };
        let value = match self.eval(&entry.rule, input) {
            Ok(value) => value,
            Err(error) => {
                tracing::error!(policy = package, generation = self.generation, %error, "policy evaluation failed: denying");
                return Err(Decision::deny(package, format!("policy {package} failed to evaluate: {error}")));
            }
        };
        let mut reasons = match messages(&value["deny"]) {
            Ok(reasons) => reasons,
            Err(error) => {
                tracing::error!(policy = package, generation = self.generation, %error, "malformed deny: denying");
                return Err(Decision::deny(package, format!("policy {package}: {error}")));
            }
        };
        reasons.sort();
        reasons.dedup();
        let allowed = value["allow"] == Value::Bool(true);
        if require_allow && !allowed && reasons.is_empty() {
            reasons.push(format!("no rule in {package} allows {}", call()));
        }
        Ok(Decision { allow: reasons.is_empty(), reasons, policy: package.to_owned() })
    }
}

/// Counts a denying decision in `nexus.policy.denials` by policy and
/// rule: `deny` (a deny rule fired), `no_allow` (no rule allowed the call)
/// or `error` (the policy is missing or failed to evaluate). Rego deny
/// messages carry no rule name, and their text often holds ids, so it
/// would make an unbounded label.
fn count_denial(decision: &Decision, failed: bool) {
    if decision.allow {
        return;
    }
    let rule = if failed {
        "error"
    } else if decision.reasons.len() == 1 && decision.reasons[0].starts_with("no rule in ") {
        "no_allow"
    } else {
        "deny"
    };
    crate::core::metrics::metrics().policy_denials.add(
        1,
        &[opentelemetry::KeyValue::new("policy", decision.policy.clone()), opentelemetry::KeyValue::new("rule", rule)],
    );
}

/// The messages of a `deny` set (strings as they are, other values as JSON).
fn messages(deny: &Value) -> Result<Vec<String>, String> {
    let text = |v: &Value| match v {
        Value::String(s) => s.to_string(),
        other => other.to_string(),
    };
    match deny {
        Value::Set(set) => Ok(set.iter().map(text).collect()),
        Value::Array(array) => Ok(array.iter().map(text).collect()),
        Value::Undefined | Value::Null => Ok(Vec::new()),
        Value::Bool(true) => Ok(vec!["denied".into()]),
        Value::Bool(false) => Ok(Vec::new()),
        other => Err(format!("deny must be a set of messages, not {other}")),
    }
}

/// The loaded policies of a directory, shared as `Arc<PolicyEngine>`:
/// decisions are `&self`, concurrent and lock-free apart from two short
/// critical sections (taking and returning a pooled engine).
pub struct PolicyEngine {
    dir: PathBuf,
    current: RwLock<Arc<PolicySet>>,
    /// Serializes reloads (the watcher and PolicyService.ReloadPolicies).
    reloading: Mutex<()>,
}

impl std::fmt::Debug for PolicyEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyEngine").field("dir", &self.dir).field("generation", &self.generation()).finish()
    }
}

impl PolicyEngine {
    /// Loads every `*.rego` under `dir` (recursively; `*_test.rego` excluded)
    /// and every `*.json` data file, mounted at its directory's path
    /// (`dir/authz/data.json` is `data.authz`). Generation 1.
    pub fn load(dir: &Path) -> Result<Self, PolicyError> {
        let set = PolicySet::load(dir, 1)?;
        for package in [AUTHZ_PACKAGE, EVENTS_PACKAGE] {
            if !set.packages.contains_key(package) {
                tracing::warn!(dir = %dir.display(), package, "policy package missing: its decisions will all deny");
            }
        }
        Ok(Self { dir: dir.to_path_buf(), current: RwLock::new(Arc::new(set)), reloading: Mutex::new(()) })
    }

    /// The directory the policies come from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn current(&self) -> Arc<PolicySet> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Reads the directory again and, if it loads, makes it the active set
    /// atomically (decisions in flight finish on the set they started with).
    /// On error the previous set stays active and the error names the file
    /// and line.
    pub fn reload(&self) -> Result<ReloadReport, PolicyError> {
        let _guard = self.reloading.lock().unwrap_or_else(PoisonError::into_inner);
        let previous = self.current();
        let files = source::read_dir(&self.dir)?;
        let set = match PolicySet::from_files(&files, previous.generation + 1) {
            Ok(set) => set,
            Err(error) => {
                tracing::error!(dir = %self.dir.display(), %error, generation = previous.generation, "policy reload rejected: the previous policies stay active");
                return Err(error);
            }
        };
        let report = ReloadReport {
            generation: set.generation,
            policies: set.policies.len(),
            data_files: set.data_files.len(),
            packages: set.packages.keys().filter(|p| *p != source::INTERNAL_PACKAGE).cloned().collect(),
            changed: set.fingerprint != previous.fingerprint,
        };
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(set);
        tracing::info!(dir = %self.dir.display(), generation = report.generation, policies = report.policies, data_files = report.data_files, changed = report.changed, "policies reloaded");
        Ok(report)
    }

    /// Reloads whenever the files change, checking every [`WATCH_INTERVAL`],
    /// until `shutdown`. A change is loaded once the files have stayed the same
    /// for one interval (editors write in steps); a broken change is logged
    /// once and retried when the files change again.
    pub fn watch(self: &Arc<Self>, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        self.watch_every(WATCH_INTERVAL, shutdown)
    }

    /// [`PolicyEngine::watch`] with another interval.
    pub fn watch_every(
        self: &Arc<Self>,
        interval: Duration,
        shutdown: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let engine = Arc::clone(self);
        tokio::spawn(async move {
            // The fingerprint last seen, and the last one that failed to load.
            let mut seen = engine.current().fingerprint;
            let mut failed = None;
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(interval) => {}
                }
                let dir = engine.dir.clone();
                let Ok(Ok(files)) = tokio::task::spawn_blocking(move || source::read_dir(&dir)).await else {
                    continue;
                };
                let now = source::fingerprint(&files);
                let active = engine.current().fingerprint;
                if now == active || Some(now) == failed {
                    seen = now;
                    continue;
                }
                if now != seen {
                    // Changed since the last look: wait until it settles.
                    seen = now;
                    continue;
                }
                let reloader = Arc::clone(&engine);
                match tokio::task::spawn_blocking(move || reloader.reload()).await {
                    Ok(Ok(_)) => failed = None,
                    Ok(Err(_)) => failed = Some(now),
                    Err(error) => tracing::error!(%error, "policy reload task failed"),
                }
            }
        })
    }

    /// The `nexus.authz` decision for one RPC. Never fails: a missing package
    /// or an evaluation error denies (and is logged).
    pub fn authorize(&self, input: &AuthzInput) -> Decision {
        let set = self.current();
        // The whole input is the key: the same caller doing the same thing
        // to the same resource gets the decision the set made before.
        let key = serde_json::to_string(input).ok();
        if let Some(key) = &key
            && let Some(hit) = set.authz_cache.lock().unwrap_or_else(PoisonError::into_inner).get(key)
        {
            count_denial(hit, false);
            return hit.clone();
        }
        let decided = match input.to_rego() {
            Ok(value) => set.try_decide(AUTHZ_PACKAGE, value, true, || format!("{}/{}", input.service, input.method)),
            Err(error) => Err(Decision::deny(AUTHZ_PACKAGE, error)),
        };
        let decision = match decided {
            Ok(decision) => decision,
            Err(failed) => {
                count_denial(&failed, true);
                return failed;
            }
        };
        count_denial(&decision, false);
        if let Some(key) = key {
            let mut cache = set.authz_cache.lock().unwrap_or_else(PoisonError::into_inner);
            if cache.len() >= AUTHZ_CACHE_ENTRIES {
                cache.clear();
            }
            cache.insert(key, decision.clone());
        }
        decision
    }

    /// Which events' payloads the `nexus.events` input should carry.
    pub fn payload_routes(&self) -> PayloadRoutes {
        self.current().payload_routes
    }

    /// The `nexus.events` decision for one append (all its events at once).
    /// Never fails: a missing package or an evaluation error denies.
    pub fn check_events(&self, input: &EventsInput) -> Decision {
        let set = self.current();
        let decided = match input.to_rego() {
            Ok(value) => set.try_decide(EVENTS_PACKAGE, value, false, String::new),
            Err(error) => Err(Decision::deny(EVENTS_PACKAGE, error)),
        };
        match decided {
            Ok(decision) => {
                count_denial(&decision, false);
                decision
            }
            Err(failed) => {
                count_denial(&failed, true);
                failed
            }
        }
    }

    /// A dry run of any loaded package (PolicyService.Evaluate): `nexus.authz`
    /// and `nexus.events` decide as at runtime; other packages need `allow`
    /// when they declare one, and an empty `deny`. Errors only when the
    /// package is not loaded or the input cannot be represented; an evaluation
    /// error is a denying decision, as at runtime.
    pub fn evaluate(&self, policy: &str, input: serde_json::Value) -> Result<Decision, PolicyError> {
        let set = self.current();
        let Some(entry) = set.packages.get(policy) else {
            return Err(PolicyError::UnknownPackage(policy.to_owned()));
        };
        let require_allow = match policy {
            AUTHZ_PACKAGE => true,
            EVENTS_PACKAGE => false,
            _ => entry.declares_allow,
        };
        let call = || {
            let field = |name: &str| input.get(name).and_then(|v| v.as_str()).unwrap_or("?").to_owned();
            format!("{}/{}", field("service"), field("method"))
        };
        let call = call();
        let value = json_to_rego(&input).map_err(PolicyError::Input)?;
        Ok(set.decide(policy, value, require_allow, || call))
    }

    /// The loaded `.rego` files (tests excluded), in path order.
    pub fn policies(&self) -> Vec<PolicyInfo> {
        self.current().policies.clone()
    }

    /// The loaded data files, in path order.
    pub fn data_files(&self) -> Vec<DataFileInfo> {
        self.current().data_files.clone()
    }

    /// The loaded packages, e.g. `["nexus.authz", "nexus.events"]`.
    pub fn packages(&self) -> Vec<String> {
        self.current().packages.keys().cloned().collect()
    }

    /// Whether the active policies run on regorus's bytecode VM (true for
    /// the shipped ones) rather than its slower interpreter.
    pub fn compiled(&self) -> bool {
        self.current().compiled()
    }

    /// 1 after [`PolicyEngine::load`], +1 on every successful reload.
    pub fn generation(&self) -> u64 {
        self.current().generation
    }
}

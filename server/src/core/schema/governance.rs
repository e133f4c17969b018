//! Governance: registering schema versions under a compatibility mode,
//! checking every event against its version before it is stored, and
//! upcasting old events on read.
//!
//! Compiled schemas are cached per subject. Versions are immutable, so a
//! cached version never goes stale; what can change is a subject's settings
//! and its latest version. Changes made through this instance update the
//! cache at once; changes made by another replica (AWS shape) are seen after
//! at most `cache_ttl`.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use bytes::Bytes;

use super::{
    CompatDirection, Compatibility, DataFormat, IncompatibleChange, RegistryError, Route, SchemaRegistry,
    SchemaVersion, Subject, SubjectConfig, VersionStatus,
    format::{self, ParsedSchema, PayloadError},
    upcast::UpcastChain,
};
use crate::core::{
    error::{FieldViolation, NexusError},
    model::{ProposedEvent, RecordedEvent},
};

/// How governance treats events.
#[derive(Debug, Clone)]
pub struct GovernanceSettings {
    /// Store events whose type has no subject, unchecked (schema version 0).
    /// Off by default: an unknown event type is refused.
    pub allow_unregistered: bool,
    /// How long subject settings and latest versions are cached before they
    /// are read again (changes made through this server apply at once).
    pub cache_ttl: Duration,
}

impl Default for GovernanceSettings {
    fn default() -> Self {
        Self { allow_unregistered: false, cache_ttl: Duration::from_secs(5) }
    }
}

/// A version with its parsed definition.
pub struct CompiledVersion {
    pub version: SchemaVersion,
    pub parsed: ParsedSchema,
    /// Whether this server has already recorded the version as in use.
    marked_in_use: AtomicBool,
}

/// What the cache holds for one subject.
/// What governance learned of one event it let through: the route its
/// subject takes, and its JSON payload if validation parsed it (so later
/// checks such as the event policy need not parse it again).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Governed {
    pub route: Route,
    pub payload: Option<serde_json::Value>,
}

struct SubjectView {
    subject: Subject,
    effective: Compatibility,
    /// The latest available version, if any.
    latest: Option<Arc<CompiledVersion>>,
    upcasters: Arc<UpcastChain>,
    /// Versions other than the latest, compiled when first needed.
    others: Mutex<HashMap<u32, Arc<CompiledVersion>>>,
}

impl SubjectView {
    /// The subject, its mode in force and its latest available version.
    fn summary(&self) -> (Subject, Compatibility, u32) {
        (self.subject.clone(), self.effective, self.latest.as_ref().map_or(0, |l| l.version.version))
    }
}

/// The view of a subject that must exist.
fn found(name: &str, view: Option<Arc<SubjectView>>) -> Result<Arc<SubjectView>, RegistryError> {
    view.ok_or_else(|| RegistryError::SubjectNotFound(name.to_string()))
}

struct CacheSlot {
    view: Option<Arc<SubjectView>>,
    loaded: Instant,
}

/// The result of a compatibility check.
#[derive(Debug, Clone, PartialEq)]
pub struct CompatibilityReport {
    pub mode: Compatibility,
    pub changes: Vec<IncompatibleChange>,
    /// An existing version with an equal definition.
    pub existing: Option<SchemaVersion>,
}

/// The governance service of the core.
pub struct Governance {
    registry: Arc<dyn SchemaRegistry>,
    settings: GovernanceSettings,
    cache: RwLock<HashMap<String, CacheSlot>>,
}

/// Subject names: what Glue allows in schema names, plus ':'.
fn check_subject_name(field: &str, name: &str) -> Result<(), NexusError> {
    let problem = if name.is_empty() {
        Some("must not be empty".to_string())
    } else if name.len() > 255 {
        Some(format!("is {} bytes; the limit is 255", name.len()))
    } else {
        name.chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "._-$#:".contains(*c)))
            .map(|c| format!("contains {c:?}; only letters, digits and . _ - $ # : are allowed"))
    };
    match problem {
        Some(p) => Err(NexusError::invalid(field, p)),
        None => Ok(()),
    }
}

impl Governance {
    pub fn new(registry: Arc<dyn SchemaRegistry>, settings: GovernanceSettings) -> Self {
        Self { registry, settings, cache: RwLock::new(HashMap::new()) }
    }

    pub fn registry(&self) -> &Arc<dyn SchemaRegistry> {
        &self.registry
    }

    // ---- the write path ----------------------------------------------------

    /// Checks every event against its schema version and records the version
    /// checked against in the event. All or nothing: any failure returns
    /// every violation found (fields named `{prefix}[i].…`) and the caller
    /// must store nothing. JSON payloads are parsed once here, whether a
    /// schema governs them or not: malformed JSON is `InvalidArgument`,
    /// a payload that does not match its schema `SchemaViolation`.
    pub async fn govern(&self, prefix: &str, events: &mut [ProposedEvent]) -> Result<Vec<Governed>, NexusError> {
        let mut governed = Vec::with_capacity(events.len());
        let mut violations = Vec::new();
        let mut malformed = Vec::new();
        let mut used: Vec<Arc<CompiledVersion>> = Vec::new();
        // Events of one append usually share a type: look each type up once.
        let mut last: Option<(String, Option<Arc<SubjectView>>)> = None;
        for (i, event) in events.iter_mut().enumerate() {
            let field = |name: &str| format!("{prefix}[{i}].{name}");
            let json = format::is_json(&event.content_type);
            let check_well_formed = |malformed: &mut Vec<FieldViolation>| {
                if json && let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&event.data) {
                    malformed.push(FieldViolation::new(field("data"), format!("is not valid JSON: {e}")));
                }
            };
            let view = match &last {
                Some((event_type, view)) if *event_type == event.event_type => view.clone(),
                _ => {
                    let view = self.view(&event.event_type).await?;
                    last = Some((event.event_type.clone(), view.clone()));
                    view
                }
            };
            let Some(view) = view else {
                check_well_formed(&mut malformed);
                if self.settings.allow_unregistered && event.schema_version == 0 {
                    governed.push(Governed::default());
                    continue;
                }
                crate::core::metrics::metrics()
                    .schema_failures
                    .add(1, &[opentelemetry::KeyValue::new("subject", event.event_type.clone())]);
                violations.push(FieldViolation::new(
                    field("event_type"),
                    format!(
                        "event type {:?} has no registered schema; register one (SchemaService.RegisterSchemaVersion \
                         or schemas/{}/v1.json) before writing it",
                        event.event_type, event.event_type
                    ),
                ));
                continue;
            };
            let compiled = match self.version_for_write(&view, event.schema_version).await {
                Ok(Some(compiled)) => compiled,
                Ok(None) => {
                    // allow_unvalidated subject without versions
                    check_well_formed(&mut malformed);
                    governed.push(Governed { route: view.subject.config.route, payload: None });
                    continue;
                }
                Err(problem) => {
                    check_well_formed(&mut malformed);
                    violations.push(FieldViolation::new(field("schema_version"), problem));
                    continue;
                }
            };
            let mut payload = None;
            let checked = if json {
                match serde_json::from_slice::<serde_json::Value>(&event.data) {
                    Ok(value) => {
                        let checked = compiled.parsed.validate_value(&value);
                        payload = Some(value);
                        checked
                    }
                    Err(e) => {
                        malformed.push(FieldViolation::new(field("data"), format!("is not valid JSON: {e}")));
                        continue;
                    }
                }
            } else {
                compiled.parsed.validate(&event.content_type, &event.data)
            };
            if let Err(errors) = checked {
                crate::core::metrics::metrics()
                    .schema_failures
                    .add(1, &[opentelemetry::KeyValue::new("subject", view.subject.name.clone())]);
                violations.extend(errors.into_iter().map(|e| {
                    FieldViolation::new(
                        format!("{}{}", field("data"), e.pointer),
                        format!("{} (schema {} version {})", e.message, view.subject.name, compiled.version.version),
                    )
                }));
                continue;
            }
            event.schema_version = compiled.version.version;
            event.schema_id = Some(compiled.version.id);
            governed.push(Governed { route: view.subject.config.route, payload });
            if !compiled.marked_in_use.load(Ordering::Acquire) && !used.iter().any(|u| Arc::ptr_eq(u, &compiled)) {
                used.push(compiled);
            }
        }
        if !malformed.is_empty() {
            return Err(NexusError::InvalidArgument(malformed));
        }
        if !violations.is_empty() {
            return Err(NexusError::SchemaViolation(violations));
        }
        // Before anything is stored, so a version with stored events is
        // always marked (a failed append leaves a harmless extra mark).
        for compiled in used {
            let v = &compiled.version;
            if self.registry.mark_in_use(&v.subject, v.version).await? {
                compiled.marked_in_use.store(true, Ordering::Release);
            } else {
                self.invalidate(&v.subject);
                return Err(NexusError::SchemaViolation(vec![FieldViolation::new(
                    format!("{prefix}.schema_version"),
                    format!("schema {} version {} was deleted while the events were checked", v.subject, v.version),
                )]));
            }
        }
        Ok(governed)
    }

    /// The version an event names (0: the latest), if it can be written.
    /// `Ok(None)`: the subject accepts unchecked events.
    async fn version_for_write(
        &self,
        view: &SubjectView,
        requested: u32,
    ) -> Result<Option<Arc<CompiledVersion>>, String> {
        let name = &view.subject.name;
        if requested == 0 || view.latest.as_ref().is_some_and(|l| l.version.version == requested) {
            return match &view.latest {
                Some(latest) => Ok(Some(latest.clone())),
                None if view.subject.config.allow_unvalidated => Ok(None),
                None => Err(format!("schema subject {name:?} has no available version")),
            };
        }
        match self.compiled_version(view, requested).await {
            Ok(Some(v)) if v.version.status == VersionStatus::Available => Ok(Some(v)),
            Ok(Some(_)) => Err(format!("schema {name} version {requested} was deleted; use a newer version")),
            Ok(None) => Err(format!(
                "schema {name} has no version {requested} (latest: {})",
                view.latest.as_ref().map_or(0, |l| l.version.version)
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    // ---- the read path -----------------------------------------------------

    /// Upcasts each event stored under an older version to the latest version
    /// of its subject (see [`Governance::upcast`]).
    pub async fn upcast_all(&self, events: Vec<RecordedEvent>) -> Result<Vec<RecordedEvent>, NexusError> {
        let mut out = Vec::with_capacity(events.len());
        for event in events {
            out.push(self.upcast(event).await?);
        }
        Ok(out)
    }

    /// Upcasts an event stored under an older version of its subject to the
    /// latest version: the subject's upcasters run from the stored version to
    /// the latest (a version without one passes the payload through), and
    /// the result must match the latest version's schema, so an event labelled
    /// with the latest version always follows it.
    /// Events of unknown subjects, of the latest version, or with non-JSON
    /// payloads are returned unchanged.
    pub async fn upcast(&self, mut event: RecordedEvent) -> Result<RecordedEvent, NexusError> {
        if event.schema_version == 0 || !format::is_json(&event.content_type) {
            return Ok(event);
        }
        let Some(view) = self.view(&event.event_type).await? else { return Ok(event) };
        let Some(latest) = &view.latest else { return Ok(event) };
        let target = latest.version.version;
        let stored = event.schema_version;
        if stored >= target {
            return Ok(event);
        }
        let failed = |detail: String| NexusError::UpcastFailed {
            event_id: event.event_id,
            event_type: event.event_type.clone(),
            stored_version: stored,
            target_version: target,
            detail,
        };
        let value: serde_json::Value =
            serde_json::from_slice(&event.data).map_err(|e| failed(format!("stored payload is not JSON: {e}")))?;
        let (value, changed) = if view.upcasters.is_empty() {
            (value, false)
        } else {
            (view.upcasters.upcast(value, stored, target).map_err(|e| failed(e.to_string()))?, true)
        };
        latest.parsed.validate_value(&value).map_err(|errors| {
            failed(format!(
                "the {} payload does not match version {target} (add an upcaster from version {stored}, or read \
                 with as_stored): {}",
                if changed { "upcast" } else { "stored" },
                describe(&errors)
            ))
        })?;
        if changed {
            event.data = Bytes::from(serde_json::to_vec(&value).map_err(|e| failed(e.to_string()))?);
        }
        event.stored_schema_version = Some(stored);
        event.schema_version = target;
        Ok(event)
    }

    // ---- the registry ------------------------------------------------------

    /// Registers `definition` as the next version of `subject`, creating the
    /// subject on its first version. Returns the version and whether it is
    /// new (an equal definition returns the existing version).
    pub async fn register(
        &self,
        subject: &str,
        format: DataFormat,
        definition: &str,
        metadata: BTreeMap<String, String>,
    ) -> Result<(SchemaVersion, bool), NexusError> {
        check_subject_name("subject", subject)?;
        // A definition that cannot be used must not leave a new, empty
        // subject behind: parse it before anything is written.
        let config = self.registry.get_subject(subject).await?.map(|s| s.config).unwrap_or_default();
        parse_definition(subject, format, definition, &config)?;
        for _attempt in 0..8 {
            let current = match self.registry.get_subject(subject).await? {
                Some(s) => s,
                None => {
                    self.registry.create_subject(new_subject(subject, format, None, SubjectConfig::default())).await?
                }
            };
            let report = self.check_against(&current, format, definition).await?;
            if let Some(existing) = report.existing {
                return Ok((existing, false));
            }
            if report.mode == Compatibility::Disabled && current.last_version > 0 {
                return Err(NexusError::SchemaRegistrationDisabled(subject.to_string()));
            }
            if !report.changes.is_empty() {
                return Err(NexusError::SchemaIncompatible {
                    subject: subject.to_string(),
                    mode: report.mode,
                    changes: report.changes,
                });
            }
            match self.registry.add_version(subject, current.last_version, definition, metadata.clone()).await {
                Ok(version) => {
                    self.invalidate(subject);
                    tracing::info!(subject, version = version.version, id = %version.id, "schema version registered");
                    return Ok((version, true));
                }
                Err(RegistryError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(RegistryError::Conflict(subject.to_string()).into())
    }

    /// What registering `definition` would do now, without doing it.
    pub async fn check_compatibility(
        &self,
        subject: &str,
        format: Option<DataFormat>,
        definition: &str,
    ) -> Result<CompatibilityReport, NexusError> {
        check_subject_name("subject", subject)?;
        match self.registry.get_subject(subject).await? {
            Some(current) => self.check_against(&current, format.unwrap_or(current.format), definition).await,
            None => {
                let format = format.unwrap_or(DataFormat::Json);
                parse_definition(subject, format, definition, &SubjectConfig::default())?;
                let mode = self.registry.default_compatibility().await?;
                Ok(CompatibilityReport { mode, changes: Vec::new(), existing: None })
            }
        }
    }

    async fn check_against(
        &self,
        subject: &Subject,
        format: DataFormat,
        definition: &str,
    ) -> Result<CompatibilityReport, NexusError> {
        if format != subject.format {
            return Err(NexusError::InvalidSchema {
                subject: subject.name.clone(),
                violations: vec![FieldViolation::new(
                    "data_format",
                    format!("subject {} holds {} schemas, not {format}", subject.name, subject.format),
                )],
            });
        }
        let parsed = parse_definition(&subject.name, format, definition, &subject.config)?;
        let mode = match subject.compatibility {
            Some(mode) => mode,
            None => self.registry.default_compatibility().await?,
        };
        let previous = self.all_versions(&subject.name, false).await?;
        if let Some(existing) =
            previous.iter().rev().find(|v| format::same_definition(format, &v.definition, definition))
        {
            return Ok(CompatibilityReport { mode, changes: Vec::new(), existing: Some(existing.clone()) });
        }
        let against: &[SchemaVersion] =
            if mode.transitive() || previous.is_empty() { &previous } else { &previous[previous.len() - 1..] };
        let mut parsed_previous = Vec::with_capacity(against.len());
        for old in against {
            let old_parsed = ParsedSchema::parse(old.format, &old.definition, &subject.config).map_err(|e| {
                NexusError::Internal(format!(
                    "stored schema {} version {} does not parse: {e}",
                    old.subject, old.version
                ))
            })?;
            parsed_previous.push((old.version, old_parsed));
        }
        let changes = incompatible_changes(mode, &parsed_previous, &parsed);
        Ok(CompatibilityReport { mode, changes, existing: None })
    }

    /// Every version of a subject in number order.
    pub async fn all_versions(&self, subject: &str, include_deleted: bool) -> Result<Vec<SchemaVersion>, NexusError> {
        let mut out = Vec::new();
        loop {
            let page = self
                .registry
                .list_versions(subject, out.last().map(|v: &SchemaVersion| v.version), 500, include_deleted)
                .await?;
            let done = page.len() < 500;
            out.extend(page);
            if done {
                return Ok(out);
            }
        }
    }

    /// Creates a subject or replaces its compatibility mode and settings.
    pub async fn put_subject(
        &self,
        name: &str,
        format: DataFormat,
        compatibility: Option<Compatibility>,
        config: SubjectConfig,
    ) -> Result<Subject, NexusError> {
        check_subject_name("subject.name", name)?;
        UpcastChain::compile(&config.upcasters).map_err(|e| NexusError::InvalidSchema {
            subject: name.to_string(),
            violations: vec![FieldViolation::new("subject.upcasters", e.to_string())],
        })?;
        let existing = match self.registry.get_subject(name).await? {
            Some(existing) => existing,
            None => {
                let created =
                    self.registry.create_subject(new_subject(name, format, compatibility, config.clone())).await?;
                if created.format == format && created.compatibility == compatibility && created.config == config {
                    self.invalidate(name);
                    return Ok(created);
                }
                created
            }
        };
        if existing.format != format && existing.last_version > 0 {
            return Err(NexusError::invalid(
                "subject.data_format",
                format!("subject {name} already holds {} schemas; its format cannot change", existing.format),
            ));
        }
        let updated = self.registry.update_subject(name, compatibility, config).await?;
        self.invalidate(name);
        Ok(updated)
    }

    /// The subject's own mode and the mode in force; `None` subject asks for
    /// the registry default.
    pub async fn compatibility(
        &self,
        subject: Option<&str>,
    ) -> Result<(Option<Compatibility>, Compatibility), NexusError> {
        let default = self.registry.default_compatibility().await?;
        match subject {
            None => Ok((Some(default), default)),
            Some(name) => {
                let subject = self.existing_subject(name).await?;
                Ok((subject.compatibility, subject.compatibility.unwrap_or(default)))
            }
        }
    }

    /// Sets a subject's mode (`None` follows the default), or the default.
    pub async fn set_compatibility(
        &self,
        subject: Option<&str>,
        mode: Option<Compatibility>,
    ) -> Result<Compatibility, NexusError> {
        match subject {
            None => {
                let mode = mode.ok_or_else(|| {
                    NexusError::invalid("compatibility", "the registry default must be a mode, not unspecified")
                })?;
                self.registry.set_default_compatibility(mode).await?;
                self.cache.write().unwrap_or_else(|p| p.into_inner()).clear();
                Ok(mode)
            }
            Some(name) => {
                let subject = self.existing_subject(name).await?;
                self.registry.update_subject(name, mode, subject.config).await?;
                self.invalidate(name);
                Ok(self.compatibility(Some(name)).await?.1)
            }
        }
    }

    /// The subject with its mode in force and latest available version.
    pub async fn subject(&self, name: &str) -> Result<(Subject, Compatibility, u32), NexusError> {
        Ok(found(name, self.fresh_view(name).await?)?.summary())
    }

    /// Like [`Governance::subject`], from the cache (at most `cache_ttl` old).
    pub async fn cached_subject(&self, name: &str) -> Result<(Subject, Compatibility, u32), NexusError> {
        Ok(found(name, self.view(name).await?)?.summary())
    }

    /// The latest available version of a subject.
    pub async fn latest_version(&self, name: &str) -> Result<SchemaVersion, NexusError> {
        let view = found(name, self.fresh_view(name).await?)?;
        let latest =
            view.latest.as_ref().ok_or(RegistryError::VersionNotFound { subject: name.to_string(), version: 0 })?;
        Ok(latest.version.clone())
    }

    /// A subject that must exist.
    async fn existing_subject(&self, name: &str) -> Result<Subject, NexusError> {
        Ok(self.registry.get_subject(name).await?.ok_or_else(|| RegistryError::SubjectNotFound(name.to_string()))?)
    }

    /// Checks a payload against a version (0: the latest) of a subject.
    pub async fn validate_payload(
        &self,
        subject: &str,
        version: u32,
        content_type: &str,
        data: &[u8],
    ) -> Result<(u32, Vec<PayloadError>), NexusError> {
        let view = found(subject, self.view(subject).await?)?;
        let compiled = if version == 0 {
            view.latest.clone()
        } else {
            self.compiled_version(&view, version).await.map_err(NexusError::Registry)?
        };
        let compiled =
            compiled.ok_or_else(|| RegistryError::VersionNotFound { subject: subject.to_string(), version })?;
        let errors = compiled.parsed.validate(content_type, data).err().unwrap_or_default();
        Ok((compiled.version.version, errors))
    }

    /// Soft-deletes a version, or permanently deletes a soft-deleted one.
    pub async fn delete_version(
        &self,
        subject: &str,
        version: u32,
        permanent: bool,
    ) -> Result<Option<SchemaVersion>, NexusError> {
        let stored = self
            .registry
            .get_version(subject, version)
            .await?
            .ok_or_else(|| RegistryError::VersionNotFound { subject: subject.to_string(), version })?;
        let result = if permanent {
            if stored.status != VersionStatus::Deleted {
                return Err(NexusError::SchemaVersionNotSoftDeleted { subject: subject.to_string(), version });
            }
            self.registry.hard_delete_version(subject, version).await?;
            None
        } else {
            Some(self.registry.soft_delete_version(subject, version).await?)
        };
        self.invalidate(subject);
        Ok(result)
    }

    // ---- the cache ---------------------------------------------------------

    fn invalidate(&self, subject: &str) {
        self.cache.write().unwrap_or_else(|p| p.into_inner()).remove(subject);
    }

    /// The cached view of a subject (`None`: no such subject).
    async fn view(&self, name: &str) -> Result<Option<Arc<SubjectView>>, NexusError> {
        {
            let cache = self.cache.read().unwrap_or_else(|p| p.into_inner());
            if let Some(slot) = cache.get(name)
                && slot.loaded.elapsed() < self.settings.cache_ttl
            {
                return Ok(slot.view.clone());
            }
        }
        self.fresh_view(name).await
    }

    async fn fresh_view(&self, name: &str) -> Result<Option<Arc<SubjectView>>, NexusError> {
        let loaded = Instant::now();
        let view = match self.registry.get_subject(name).await? {
            None => None,
            Some(subject) => Some(Arc::new(self.load_view(subject).await?)),
        };
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        // Unknown names are cached too (so a flood of bad types costs no
        // lookups), but the cache stays bounded.
        if cache.len() >= 10_000 {
            cache.retain(|_, slot| slot.view.is_some());
        }
        cache.insert(name.to_string(), CacheSlot { view: view.clone(), loaded });
        Ok(view)
    }

    async fn load_view(&self, subject: Subject) -> Result<SubjectView, NexusError> {
        let effective = match subject.compatibility {
            Some(mode) => mode,
            None => self.registry.default_compatibility().await?,
        };
        let upcasters = UpcastChain::compile(&subject.config.upcasters).map_err(|e| {
            NexusError::Internal(format!("stored upcasters of subject {} do not compile: {e}", subject.name))
        })?;
        // The latest available version: walk down from the last number.
        let mut latest = None;
        let mut number = subject.last_version;
        while number > 0 {
            if let Some(v) = self.registry.get_version(&subject.name, number).await?
                && v.status == VersionStatus::Available
            {
                latest = Some(Arc::new(compile(&subject, v)?));
                break;
            }
            number -= 1;
        }
        Ok(SubjectView {
            subject,
            effective,
            latest,
            upcasters: Arc::new(upcasters),
            others: Mutex::new(HashMap::new()),
        })
    }

    async fn compiled_version(
        &self,
        view: &SubjectView,
        number: u32,
    ) -> Result<Option<Arc<CompiledVersion>>, RegistryError> {
        if let Some(latest) = &view.latest
            && latest.version.version == number
        {
            return Ok(Some(latest.clone()));
        }
        if let Some(found) = view.others.lock().unwrap_or_else(|p| p.into_inner()).get(&number) {
            return Ok(Some(found.clone()));
        }
        let Some(version) = self.registry.get_version(&view.subject.name, number).await? else { return Ok(None) };
        let compiled = Arc::new(compile(&view.subject, version).map_err(|e| RegistryError::Internal(e.to_string()))?);
        view.others.lock().unwrap_or_else(|p| p.into_inner()).insert(number, compiled.clone());
        Ok(Some(compiled))
    }
}

/// The changes that make `new` break `mode` against `previous` (versions in
/// number order, available ones only).
pub fn incompatible_changes(
    mode: Compatibility,
    previous: &[(u32, ParsedSchema)],
    new: &ParsedSchema,
) -> Vec<IncompatibleChange> {
    let (backward, forward) = mode.directions();
    let against = if mode.transitive() { previous } else { previous.last().map_or(&[][..], std::slice::from_ref) };
    let mut changes = Vec::new();
    for (version, old) in against {
        if backward {
            changes.extend(ParsedSchema::backward_changes(old, new).into_iter().map(|change| IncompatibleChange {
                version: *version,
                direction: CompatDirection::Backward,
                change,
            }));
        }
        if forward {
            changes.extend(ParsedSchema::backward_changes(new, old).into_iter().map(|change| IncompatibleChange {
                version: *version,
                direction: CompatDirection::Forward,
                change,
            }));
        }
    }
    changes
}

fn compile(subject: &Subject, version: SchemaVersion) -> Result<CompiledVersion, NexusError> {
    let parsed = ParsedSchema::parse(version.format, &version.definition, &subject.config).map_err(|e| {
        NexusError::Internal(format!(
            "stored schema {} version {} does not parse: {e}",
            version.subject, version.version
        ))
    })?;
    let marked = version.in_use;
    Ok(CompiledVersion { version, parsed, marked_in_use: AtomicBool::new(marked) })
}

fn parse_definition(
    subject: &str,
    format: DataFormat,
    definition: &str,
    config: &SubjectConfig,
) -> Result<ParsedSchema, NexusError> {
    ParsedSchema::parse(format, definition, config).map_err(|problem| NexusError::InvalidSchema {
        subject: subject.to_string(),
        violations: vec![FieldViolation::new("definition", problem)],
    })
}

fn new_subject(name: &str, format: DataFormat, compatibility: Option<Compatibility>, config: SubjectConfig) -> Subject {
    Subject {
        name: name.to_string(),
        format,
        compatibility,
        config,
        last_version: 0,
        created_at_micros: crate::core::model::now_micros(),
    }
}

fn describe(errors: &[PayloadError]) -> String {
    errors
        .iter()
        .map(|e| if e.pointer.is_empty() { e.message.clone() } else { format!("{}: {}", e.pointer, e.message) })
        .collect::<Vec<_>>()
        .join("; ")
}

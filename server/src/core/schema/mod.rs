//! Schema governance: every event is checked against a registered schema
//! version before it is stored ("born governed").
//!
//! The vocabulary follows AWS Glue Schema Registry so the Glue adapter can
//! come later without reshaping anything: a registry holds *subjects* (Glue
//! calls them schemas; Nexus names each after the event type it governs),
//! and a subject holds numbered, immutable *versions*, each with a UUID id,
//! a data format, a definition and free-form metadata.

pub mod catalog;
pub mod compat;
pub mod format;
pub mod governance;
pub mod upcast;

use std::{collections::BTreeMap, fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use self::upcast::UpcasterSpec;

/// The language a schema is written in (the three Glue supports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DataFormat {
    /// JSON Schema, drafts 4, 6, 7, 2019-09 and 2020-12 (the `$schema`
    /// keyword picks the draft; 2020-12 when absent).
    Json,
    /// Apache Avro.
    Avro,
    /// Protocol Buffers (proto2 or proto3 source text).
    Protobuf,
}

impl DataFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            DataFormat::Json => "JSON",
            DataFormat::Avro => "AVRO",
            DataFormat::Protobuf => "PROTOBUF",
        }
    }
}

impl fmt::Display for DataFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DataFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "JSON" => Ok(DataFormat::Json),
            "AVRO" => Ok(DataFormat::Avro),
            "PROTOBUF" => Ok(DataFormat::Protobuf),
            _ => Err(format!("unknown data format {s:?}; valid formats: JSON, AVRO, PROTOBUF")),
        }
    }
}

/// How new versions of a subject must relate to the ones before them.
///
/// "Backward" means consumers using the new version can read events written
/// with older ones, which is what an event store needs most: old events stay
/// in the log for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Compatibility {
    /// Any change is accepted.
    None,
    /// No new versions may be registered at all.
    Disabled,
    /// The new version can read data written with the latest version.
    Backward,
    /// The new version can read data written with every earlier version.
    BackwardAll,
    /// The latest version can read data written with the new version.
    Forward,
    /// Every earlier version can read data written with the new version.
    ForwardAll,
    /// Backward and forward against the latest version.
    Full,
    /// Backward and forward against every earlier version.
    FullAll,
}

impl Compatibility {
    pub const ALL: [Compatibility; 8] = [
        Compatibility::None,
        Compatibility::Disabled,
        Compatibility::Backward,
        Compatibility::BackwardAll,
        Compatibility::Forward,
        Compatibility::ForwardAll,
        Compatibility::Full,
        Compatibility::FullAll,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Compatibility::None => "NONE",
            Compatibility::Disabled => "DISABLED",
            Compatibility::Backward => "BACKWARD",
            Compatibility::BackwardAll => "BACKWARD_ALL",
            Compatibility::Forward => "FORWARD",
            Compatibility::ForwardAll => "FORWARD_ALL",
            Compatibility::Full => "FULL",
            Compatibility::FullAll => "FULL_ALL",
        }
    }

    /// Whether new data must be readable by old readers (forward) and old
    /// data by new readers (backward).
    pub fn directions(self) -> (bool, bool) {
        match self {
            Compatibility::None | Compatibility::Disabled => (false, false),
            Compatibility::Backward | Compatibility::BackwardAll => (true, false),
            Compatibility::Forward | Compatibility::ForwardAll => (false, true),
            Compatibility::Full | Compatibility::FullAll => (true, true),
        }
    }

    /// Whether the check runs against every earlier version rather than the
    /// latest only.
    pub fn transitive(self) -> bool {
        matches!(self, Compatibility::BackwardAll | Compatibility::ForwardAll | Compatibility::FullAll)
    }
}

impl fmt::Display for Compatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Compatibility {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_uppercase();
        Compatibility::ALL.into_iter().find(|c| c.as_str() == wanted).ok_or_else(|| {
            format!(
                "unknown compatibility mode {s:?}; valid modes: {}",
                Compatibility::ALL.map(|c| c.as_str()).join(", ")
            )
        })
    }
}

/// Which path stored events of a subject take out of the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// The ordered, low-latency stream path.
    #[default]
    Core,
    /// The retrying queue path with dead-letter queues.
    Secondary,
}

/// Per-subject settings beyond the compatibility mode.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubjectConfig {
    /// A person's description of the event type.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The path events of this type take after they are stored.
    pub route: Route,
    /// Accept events of this type that name no schema version while the
    /// subject has no versions (they are stored with schema version 0). Off by
    /// default: an event type is governed as soon as its subject exists.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_unvalidated: bool,
    /// For Protobuf subjects: the message payloads are checked against
    /// (default: the first message of the file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_name: Option<String>,
    /// Steps that upcast a payload of one version to the next.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub upcasters: Vec<UpcasterSpec>,
}

/// A named series of schema versions; Nexus names it after the event type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    pub name: String,
    pub format: DataFormat,
    /// `None` follows the registry-wide default.
    pub compatibility: Option<Compatibility>,
    pub config: SubjectConfig,
    /// The highest version number ever assigned (0 when none). Numbers are
    /// never reused, even after a version is deleted.
    pub last_version: u32,
    pub created_at_micros: i64,
}

/// Whether a version can be used for new events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum VersionStatus {
    Available,
    /// Soft-deleted: kept for reading old events, refused for new ones and
    /// left out of compatibility checks.
    Deleted,
}

/// One immutable version of a subject's schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaVersion {
    /// Globally unique id of this version.
    pub id: Uuid,
    pub subject: String,
    /// 1, 2, 3… within the subject.
    pub version: u32,
    pub format: DataFormat,
    pub definition: String,
    pub metadata: BTreeMap<String, String>,
    pub status: VersionStatus,
    /// Whether an event was ever accepted under this version; such a version
    /// can never be deleted permanently.
    pub in_use: bool,
    pub created_at_micros: i64,
}

/// Which way a change breaks compatibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompatDirection {
    /// Readers using the new version cannot read data of the old one.
    Backward,
    /// Readers using the old version cannot read data of the new one.
    Forward,
}

impl CompatDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            CompatDirection::Backward => "BACKWARD",
            CompatDirection::Forward => "FORWARD",
        }
    }
}

/// A breaking change found against one existing version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncompatibleChange {
    /// The existing version compared with.
    pub version: u32,
    pub direction: CompatDirection,
    pub change: compat::BreakingChange,
}

impl fmt::Display for IncompatibleChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} against version {}: {}", self.direction.as_str(), self.version, self.change)
    }
}

/// Errors of the [`SchemaRegistry`] port.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegistryError {
    #[error("schema subject {0:?} not found")]
    SubjectNotFound(String),
    #[error("schema subject {subject:?} has no version {version}")]
    VersionNotFound { subject: String, version: u32 },
    #[error("no schema version has id {0}")]
    VersionIdNotFound(Uuid),
    /// Someone else changed the subject first; re-read and try again.
    #[error("schema subject {0:?} was changed concurrently")]
    Conflict(String),
    #[error("schema subject {subject:?} version {version} is used by stored events and cannot be deleted permanently")]
    InUse { subject: String, version: u32 },
    #[error("schema registry unavailable: {0}")]
    Unavailable(String),
    #[error("schema registry failure: {0}")]
    Internal(String),
}

/// Storage of subjects and versions. Compatibility is decided by the core
/// ([`governance::Governance`]) before a version reaches the port, because
/// not every backend checks it (Glue in moto does not).
#[async_trait::async_trait]
pub trait SchemaRegistry: Send + Sync + 'static {
    /// The compatibility mode of subjects that set none.
    async fn default_compatibility(&self) -> Result<Compatibility, RegistryError>;
    async fn set_default_compatibility(&self, mode: Compatibility) -> Result<(), RegistryError>;

    async fn get_subject(&self, name: &str) -> Result<Option<Subject>, RegistryError>;
    /// Subjects in name order, after `after`.
    async fn list_subjects(&self, after: Option<&str>, limit: usize) -> Result<Vec<Subject>, RegistryError>;
    /// Creates the subject unless it exists; returns the stored subject.
    async fn create_subject(&self, subject: Subject) -> Result<Subject, RegistryError>;
    /// Replaces the compatibility mode and config of an existing subject.
    async fn update_subject(
        &self,
        name: &str,
        compatibility: Option<Compatibility>,
        config: SubjectConfig,
    ) -> Result<Subject, RegistryError>;

    /// Adds version `expected_last_version + 1` atomically; fails with
    /// [`RegistryError::Conflict`] if the subject's last version moved.
    async fn add_version(
        &self,
        subject: &str,
        expected_last_version: u32,
        definition: &str,
        metadata: BTreeMap<String, String>,
    ) -> Result<SchemaVersion, RegistryError>;
    /// A version by number, whatever its status.
    async fn get_version(&self, subject: &str, version: u32) -> Result<Option<SchemaVersion>, RegistryError>;
    async fn get_version_by_id(&self, id: Uuid) -> Result<Option<SchemaVersion>, RegistryError>;
    /// Versions in number order, after `after`.
    async fn list_versions(
        &self,
        subject: &str,
        after: Option<u32>,
        limit: usize,
        include_deleted: bool,
    ) -> Result<Vec<SchemaVersion>, RegistryError>;
    /// Records that an event is about to be stored under the version.
    /// Returns false (and records nothing) when the version is not
    /// available, so a concurrent deletion and a write never both win.
    async fn mark_in_use(&self, subject: &str, version: u32) -> Result<bool, RegistryError>;
    /// Soft-deletes a version.
    async fn soft_delete_version(&self, subject: &str, version: u32) -> Result<SchemaVersion, RegistryError>;
    /// Removes a soft-deleted version for ever; [`RegistryError::InUse`] if
    /// events were stored under it.
    async fn hard_delete_version(&self, subject: &str, version: u32) -> Result<(), RegistryError>;
}

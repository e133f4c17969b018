//! The [`SchemaRegistry`] port on AWS Glue Schema Registry, indexed and
//! sequenced in the coordination table (DynamoDB).
//!
//! **Glue holds the schemas.** One Glue registry per deployment
//! (`aws.resources.schema_registry`), one Glue schema per subject, named
//! `aws.resources.schema_name_prefix` + the subject name with `$` written
//! `$24` and `:` written `$3a` (Glue names allow only `[a-zA-Z0-9-_$#.]`).
//! Each Nexus version is a Glue schema version carrying the metadata
//! `nexus.version` and `nexus.id` (and the version's own metadata where it
//! fits Glue's limits: ten pairs, 128 characters, `[a-zA-Z0-9+=._/@-]`); the
//! schema's description and tags carry the subject's description, route and
//! compatibility mode. The Glue schema is created with the first version
//! (Glue's CreateSchema wants a definition).
//!
//! **Glue's own compatibility check is off** (`NONE` on every schema). Nexus
//! decides compatibility itself before a version reaches the port
//! ([`crate::core::schema::governance`]), with its own modes, soft-deleted
//! versions left out; a second, different check in Glue could refuse a
//! version after Nexus gave it a number, and a refused registration cannot
//! be told apart from one still pending for ever. The subject's Nexus mode
//! is recorded in the tag `nexus:compatibility`.
//!
//! **DynamoDB is the index Nexus reads.** Glue cannot add "version N + 1
//! only if the last is N", and its listing and deletion calls are missing
//! from moto, so the coordination table (partition key `pk` only) keeps:
//!
//! ```text
//! pk                               what
//! schema#settings                  default_compatibility
//! schema#subjects                  names: a string set of every subject (listing)
//! schema#subject#<name>            format, compatibility, config (JSON), last_version,
//!                                  pending (a number being registered), created_at
//! schema#version#<name>#<n>        id, format, definition, metadata (JSON), status
//!                                  (PENDING, AVAILABLE, DELETED), in_use,
//!                                  glue_version_id, glue_version_number, created_at
//! schema#id#<uuid>                 subject, version
//! ```
//!
//! Listing subjects reads the one `schema#subjects` item and pages through
//! its sorted names: a registry holds at most a few thousand subjects,
//! which fit in one item (400 KB), and no scan of the shared table is needed.
//!
//! **Adding a version** is three steps. (1) One transaction moves the
//! subject's `last_version` from the expected N to N + 1 (refused if it
//! moved, or if another version is `pending`), sets `pending = N + 1`, and
//! writes the version item as `PENDING` with its id item. (2) Glue:
//! CreateSchema for the first version, else RegisterSchemaVersion; both are
//! idempotent here (Glue returns the existing version for an identical
//! definition, and an existing schema is registered into). (3) The version
//! item becomes `AVAILABLE` with the Glue version's id and number, and
//! `pending` is cleared. A crash or a Glue outage between the steps leaves
//! `pending` set: readers do not see the version (it was never
//! acknowledged), and the next `add_version` on the subject completes it
//! first and answers `Conflict`, so the caller re-reads and checks its
//! definition against the completed version. A definition Glue refuses for
//! good (`InvalidInputException`) leaves the number behind as a deleted
//! version with the reason in its metadata (numbers are never reused).
//!
//! Glue version N is Nexus version N as long as definitions do not repeat:
//! Glue keeps one version per definition, so a definition equal to an
//! earlier version's (one soft-deleted, say) maps to that Glue version, and
//! Glue's numbers run behind Nexus's from then on. The version item records
//! the Glue version it maps to.
//!
//! **Deletion** is Nexus's: a soft delete sets the status (and the Glue
//! metadata `nexus.status.v<n>`), a permanent delete removes the index items.
//! The Glue version stays, marked `nexus.status=PURGED`: a Glue version can
//! back several Nexus versions, and moto lacks DeleteSchemaVersions.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_dynamodb::{
    error::SdkError,
    operation::transact_write_items::TransactWriteItemsError,
    types::{AttributeValue, Delete, Put, ReturnValue, TransactWriteItem, Update},
};
use aws_sdk_glue::{
    error::ProvideErrorMetadata,
    types::{Compatibility as GlueCompatibility, DataFormat as GlueDataFormat, MetadataKeyValuePair, SchemaId},
};
use uuid::Uuid;

use super::{
    AwsClients,
    item::{self, Fault, Item, get_n, get_s, n, s},
    provision::{PK, error_text},
};
use crate::{
    config::AwsResources,
    core::{
        model::now_micros,
        schema::{
            Compatibility, DataFormat, RegistryError, SchemaRegistry, SchemaVersion, Subject, SubjectConfig,
            VersionStatus,
        },
    },
};

const SETTINGS: &str = "schema#settings";
const SUBJECTS: &str = "schema#subjects";

const PENDING: &str = "PENDING";
const AVAILABLE: &str = "AVAILABLE";
const DELETED: &str = "DELETED";

/// Glue's limits on a schema version's metadata.
const GLUE_METADATA_PAIRS: usize = 10;
const GLUE_METADATA_LENGTH: usize = 128;
const GLUE_DESCRIPTION_LENGTH: usize = 2048;
const GLUE_NAME_LENGTH: usize = 255;

/// Where a deployment's schemas live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlueNames {
    /// The Glue registry.
    pub registry: String,
    /// Prepended to every Glue schema name.
    pub schema_name_prefix: String,
    /// The DynamoDB table holding the index (the coordination table).
    pub table: String,
}

impl GlueNames {
    pub fn of(resources: &AwsResources) -> Self {
        Self {
            registry: resources.schema_registry.clone(),
            schema_name_prefix: resources.schema_name_prefix.clone(),
            table: resources.coordination_table.clone(),
        }
    }
}

/// Checks `aws.resources.schema_name_prefix` against Glue's name rules.
pub fn check_schema_name_prefix(prefix: &str) -> anyhow::Result<()> {
    if let Some(c) = prefix.chars().find(|c| !glue_name_char(*c)) {
        anyhow::bail!(
            "aws.resources.schema_name_prefix {prefix:?} contains {c:?}; Glue schema names allow only letters, \
             digits and - _ $ # ."
        );
    }
    if prefix.len() > 100 {
        anyhow::bail!("aws.resources.schema_name_prefix {prefix:?} is longer than 100 characters");
    }
    Ok(())
}

fn glue_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_$#.".contains(c)
}

/// The Glue schema name of a subject: `$` and `:` escaped (`$24`, `$3a`) so
/// that distinct subjects never share a Glue schema.
pub fn glue_schema_name(prefix: &str, subject: &str) -> Result<String, RegistryError> {
    let mut name = String::with_capacity(prefix.len() + subject.len());
    name.push_str(prefix);
    for c in subject.chars() {
        match c {
            '$' => name.push_str("$24"),
            ':' => name.push_str("$3a"),
            c if glue_name_char(c) => name.push(c),
            c => {
                return Err(RegistryError::Internal(format!(
                    "subject {subject:?} cannot be a Glue schema name: it contains {c:?}"
                )));
            }
        }
    }
    if name.len() > GLUE_NAME_LENGTH {
        return Err(RegistryError::Internal(format!(
            "subject {subject:?} is too long for Glue: its schema name {name:?} has {} characters, the limit is \
             {GLUE_NAME_LENGTH}",
            name.len()
        )));
    }
    Ok(name)
}

fn subject_key(name: &str) -> String {
    format!("schema#subject#{name}")
}

fn version_key(name: &str, version: u32) -> String {
    format!("schema#version#{name}#{version}")
}

fn id_key(id: Uuid) -> String {
    format!("schema#id#{id}")
}

fn pk(key: impl Into<String>) -> Item {
    HashMap::from([(PK.to_string(), s(key))])
}

fn internal(e: impl std::fmt::Display) -> RegistryError {
    RegistryError::Internal(e.to_string())
}

impl From<Fault> for RegistryError {
    fn from(f: Fault) -> Self {
        if f.transient { RegistryError::Unavailable(f.text) } else { RegistryError::Internal(f.text) }
    }
}

/// A failed Glue call as a [`RegistryError`]: throttling, Glue's own faults
/// and transport failures may pass and are `Unavailable`.
fn glue_error<E, R>(call: &str, error: &SdkError<E, R>) -> RegistryError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let transient = match error {
        SdkError::ServiceError(e) => matches!(
            e.err().code(),
            Some(
                "ThrottlingException"
                    | "InternalServiceException"
                    | "ConcurrentModificationException"
                    | "OperationTimeoutException"
            )
        ),
        _ => true,
    };
    let text = format!("Glue {call}: {}", error_text(error));
    if transient { RegistryError::Unavailable(text) } else { RegistryError::Internal(text) }
}

/// Whether a transaction was refused by one of its conditions.
fn cancelled<R>(error: &SdkError<TransactWriteItemsError, R>) -> Option<bool> {
    match error {
        SdkError::ServiceError(e) => match e.err() {
            TransactWriteItemsError::TransactionCanceledException(t) => {
                Some(t.cancellation_reasons().iter().any(|r| r.code() == Some("ConditionalCheckFailed")))
            }
            _ => None,
        },
        _ => None,
    }
}

/// A subject with what only this adapter needs.
struct StoredSubject {
    subject: Subject,
    /// A version number taken but not yet registered in Glue.
    pending: Option<u32>,
}

fn subject_of(item: &Item) -> Result<StoredSubject, RegistryError> {
    let name = get_s(item, "name").ok_or_else(|| internal("a stored subject has no name"))?;
    let corrupt = |what: &str| internal(format!("stored subject {name:?}: {what}"));
    let subject = Subject {
        name: name.to_string(),
        format: get_s(item, "format").ok_or_else(|| corrupt("no format"))?.parse().map_err(|e: String| corrupt(&e))?,
        compatibility: get_s(item, "compatibility")
            .map(str::parse::<Compatibility>)
            .transpose()
            .map_err(|e: String| corrupt(&e))?,
        config: serde_json::from_str::<SubjectConfig>(get_s(item, "config").unwrap_or("{}"))
            .map_err(|e| corrupt(&e.to_string()))?,
        last_version: get_n(item, "last_version").ok_or_else(|| corrupt("no last_version"))?,
        created_at_micros: get_n(item, "created_at").unwrap_or_default(),
    };
    Ok(StoredSubject { subject, pending: get_n(item, "pending") })
}

/// A version item and its status as stored (`PENDING` included).
struct StoredVersion {
    version: SchemaVersion,
    pending: bool,
}

fn version_of(item: &Item) -> Result<StoredVersion, RegistryError> {
    let subject = get_s(item, "subject").ok_or_else(|| internal("a stored schema version has no subject"))?;
    let number: u32 = get_n(item, "version").ok_or_else(|| internal("a stored schema version has no number"))?;
    let corrupt = |what: &str| internal(format!("stored schema {subject:?} version {number}: {what}"));
    let status = get_s(item, "status").ok_or_else(|| corrupt("no status"))?;
    let version = SchemaVersion {
        id: get_s(item, "id")
            .ok_or_else(|| corrupt("no id"))?
            .parse()
            .map_err(|e: uuid::Error| corrupt(&e.to_string()))?,
        subject: subject.to_string(),
        version: number,
        format: get_s(item, "format").ok_or_else(|| corrupt("no format"))?.parse().map_err(|e: String| corrupt(&e))?,
        definition: get_s(item, "definition").ok_or_else(|| corrupt("no definition"))?.to_string(),
        metadata: serde_json::from_str(get_s(item, "metadata").unwrap_or("{}")).map_err(|e| corrupt(&e.to_string()))?,
        status: if status == DELETED { VersionStatus::Deleted } else { VersionStatus::Available },
        in_use: matches!(item.get("in_use"), Some(AttributeValue::Bool(true))),
        created_at_micros: get_n(item, "created_at").unwrap_or_default(),
    };
    Ok(StoredVersion { version, pending: status == PENDING })
}

fn glue_format(format: DataFormat) -> GlueDataFormat {
    match format {
        DataFormat::Json => GlueDataFormat::Json,
        DataFormat::Avro => GlueDataFormat::Avro,
        DataFormat::Protobuf => GlueDataFormat::Protobuf,
    }
}

/// Whether a string fits Glue's metadata keys and values.
fn glue_metadata_text(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= GLUE_METADATA_LENGTH
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "+=._/@-".contains(c))
}

/// The Glue schema's description: the subject's, truncated to Glue's limit.
fn glue_description(subject: &Subject) -> String {
    let mut text = format!("Nexus subject {}", subject.name);
    if !subject.config.description.is_empty() {
        text.push_str(": ");
        text.push_str(&subject.config.description);
    }
    if text.len() > GLUE_DESCRIPTION_LENGTH {
        let mut cut = GLUE_DESCRIPTION_LENGTH;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

fn glue_tags(subject: &Subject) -> HashMap<String, String> {
    let route = match subject.config.route {
        crate::core::schema::Route::Core => "core",
        crate::core::schema::Route::Secondary => "secondary",
    };
    HashMap::from([
        ("nexus:route".to_string(), route.to_string()),
        ("nexus:compatibility".to_string(), subject.compatibility.map_or("DEFAULT", Compatibility::as_str).to_string()),
    ])
}

/// The Glue version a Nexus version was registered as.
struct GlueVersion {
    id: String,
    number: i64,
}

/// What registering a definition in Glue came to.
enum Registration {
    Done(GlueVersion),
    /// Glue refused the definition for good.
    Refused(String),
}

/// What completing a pending version came to.
enum Completion {
    /// Registered (`None`: its item was gone).
    Done(Option<SchemaVersion>),
    /// Glue refused it for good; its number is left as a deleted version.
    Refused(String),
}

/// The embedded registry's counterpart on AWS; see the module docs.
#[derive(Clone, Debug)]
pub struct GlueSchemaRegistry {
    dynamodb: aws_sdk_dynamodb::Client,
    glue: aws_sdk_glue::Client,
    names: GlueNames,
    configured_default: Compatibility,
}

impl GlueSchemaRegistry {
    pub fn new(clients: &AwsClients, names: GlueNames, configured_default: Compatibility) -> Self {
        Self { dynamodb: clients.dynamodb.clone(), glue: clients.glue.clone(), names, configured_default }
    }

    fn schema_id(&self, subject: &str) -> Result<SchemaId, RegistryError> {
        Ok(SchemaId::builder()
            .registry_name(&self.names.registry)
            .schema_name(glue_schema_name(&self.names.schema_name_prefix, subject)?)
            .build())
    }

    async fn get_item(&self, key: String) -> Result<Option<Item>, RegistryError> {
        let out = self
            .dynamodb
            .get_item()
            .table_name(&self.names.table)
            .set_key(Some(pk(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| Fault::of("GetItem", &e))?;
        Ok(out.item)
    }

    async fn stored_subject(&self, name: &str) -> Result<Option<StoredSubject>, RegistryError> {
        self.get_item(subject_key(name)).await?.as_ref().map(subject_of).transpose()
    }

    async fn stored_version(&self, subject: &str, version: u32) -> Result<Option<StoredVersion>, RegistryError> {
        self.get_item(version_key(subject, version)).await?.as_ref().map(version_of).transpose()
    }

    fn put(&self, item: Item, condition: Option<&str>) -> Result<TransactWriteItem, RegistryError> {
        let put = Put::builder()
            .table_name(&self.names.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_string))
            .build()
            .map_err(Fault::build)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Step 1 of adding a version: takes number `expected + 1` and writes
    /// the version as `PENDING`, in one transaction. Returns the subject as
    /// it now is and the number.
    async fn reserve(
        &self,
        subject: &str,
        expected_last_version: u32,
        definition: &str,
        metadata: BTreeMap<String, String>,
    ) -> Result<(Subject, u32), RegistryError> {
        let Some(current) = self.stored_subject(subject).await? else {
            return Err(RegistryError::SubjectNotFound(subject.to_string()));
        };
        if let Some(pending) = current.pending {
            // A registration stopped half-way: finish it (or give its
            // number up if Glue refuses it), then let the caller re-check its
            // definition against the subject as it is now.
            self.complete(&current.subject, pending).await?;
            return Err(RegistryError::Conflict(subject.to_string()));
        }
        if current.subject.last_version != expected_last_version {
            return Err(RegistryError::Conflict(subject.to_string()));
        }
        let next = expected_last_version + 1;
        let id = Uuid::new_v4();
        let take = Update::builder()
            .table_name(&self.names.table)
            .set_key(Some(pk(subject_key(subject))))
            .update_expression("SET last_version = :next, pending = :next")
            .condition_expression("last_version = :expected AND attribute_not_exists(pending)")
            .expression_attribute_values(":next", n(next))
            .expression_attribute_values(":expected", n(expected_last_version))
            .build()
            .map_err(Fault::build)?;
        let mut version = pk(version_key(subject, next));
        version.insert("subject".into(), s(subject));
        version.insert("version".into(), n(next));
        version.insert("id".into(), s(id.to_string()));
        version.insert("format".into(), s(current.subject.format.as_str()));
        version.insert("definition".into(), s(definition));
        version.insert("metadata".into(), s(serde_json::to_string(&metadata).map_err(internal)?));
        version.insert("status".into(), s(PENDING));
        version.insert("in_use".into(), AttributeValue::Bool(false));
        version.insert("created_at".into(), n(now_micros()));
        let mut by_id = pk(id_key(id));
        by_id.insert("subject".into(), s(subject));
        by_id.insert("version".into(), n(next));
        let items = vec![
            TransactWriteItem::builder().update(take).build(),
            self.put(version, Some("attribute_not_exists(pk)"))?,
            self.put(by_id, Some("attribute_not_exists(pk)"))?,
        ];
        match self.dynamodb.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => {}
            Err(e) if cancelled(&e).is_some() => {
                return Err(match self.stored_subject(subject).await? {
                    None => RegistryError::SubjectNotFound(subject.to_string()),
                    Some(_) => RegistryError::Conflict(subject.to_string()),
                });
            }
            Err(e) => return Err(Fault::of("TransactWriteItems", &e).into()),
        }
        let mut numbered = current.subject;
        numbered.last_version = next;
        Ok((numbered, next))
    }

    /// Completes a version left `pending` (by this call or an earlier one
    /// that stopped half-way): registers it in Glue, marks it available and
    /// clears the subject's marker. Idempotent.
    async fn complete(&self, subject: &Subject, number: u32) -> Result<Completion, RegistryError> {
        let Some(stored) = self.stored_version(&subject.name, number).await? else {
            // Nothing to register (removed by hand?): let the subject go on.
            self.clear_pending(&subject.name, number).await?;
            return Ok(Completion::Done(None));
        };
        if !stored.pending {
            self.clear_pending(&subject.name, number).await?;
            return Ok(Completion::Done(Some(stored.version)));
        }
        let version = stored.version;
        match self.register_in_glue(subject, &version.definition).await? {
            Registration::Done(glue) => {
                self.mirror_version_metadata(&version, &glue).await;
                let updated = self
                    .dynamodb
                    .update_item()
                    .table_name(&self.names.table)
                    .set_key(Some(pk(version_key(&subject.name, number))))
                    .update_expression("SET #status = :available, glue_version_id = :gid, glue_version_number = :gn")
                    .condition_expression("#status = :pending")
                    .expression_attribute_names("#status", "status")
                    .expression_attribute_values(":available", s(AVAILABLE))
                    .expression_attribute_values(":pending", s(PENDING))
                    .expression_attribute_values(":gid", s(&glue.id))
                    .expression_attribute_values(":gn", n(glue.number))
                    .send()
                    .await;
                match updated {
                    Ok(_) => {}
                    // Completed by a concurrent call.
                    Err(e) if item::condition_failed(&e) => {}
                    Err(e) => return Err(Fault::of("UpdateItem", &e).into()),
                }
                self.clear_pending(&subject.name, number).await?;
                if glue.number != i64::from(number) {
                    tracing::info!(
                        subject = %subject.name,
                        version = number,
                        glue_version = glue.number,
                        "schema version maps to a Glue version of another number (an equal definition exists)"
                    );
                }
                Ok(Completion::Done(self.stored_version(&subject.name, number).await?.map(|v| v.version)))
            }
            Registration::Refused(reason) => {
                tracing::warn!(subject = %subject.name, version = number, %reason, "Glue refused a schema version");
                let mut metadata = version.metadata.clone();
                metadata.insert("nexus.glue_refused".into(), reason.clone());
                let abandoned = self
                    .dynamodb
                    .update_item()
                    .table_name(&self.names.table)
                    .set_key(Some(pk(version_key(&subject.name, number))))
                    .update_expression("SET #status = :deleted, #metadata = :metadata")
                    .condition_expression("#status = :pending")
                    .expression_attribute_names("#status", "status")
                    .expression_attribute_names("#metadata", "metadata")
                    .expression_attribute_values(":deleted", s(DELETED))
                    .expression_attribute_values(":pending", s(PENDING))
                    .expression_attribute_values(":metadata", s(serde_json::to_string(&metadata).map_err(internal)?))
                    .send()
                    .await;
                match abandoned {
                    Ok(_) => {}
                    Err(e) if item::condition_failed(&e) => {}
                    Err(e) => return Err(Fault::of("UpdateItem", &e).into()),
                }
                self.clear_pending(&subject.name, number).await?;
                Ok(Completion::Refused(reason))
            }
        }
    }

    async fn clear_pending(&self, subject: &str, number: u32) -> Result<(), RegistryError> {
        let out = self
            .dynamodb
            .update_item()
            .table_name(&self.names.table)
            .set_key(Some(pk(subject_key(subject))))
            .update_expression("REMOVE pending")
            .condition_expression("pending = :n")
            .expression_attribute_values(":n", n(number))
            .send()
            .await;
        match out {
            Ok(_) => Ok(()),
            Err(e) if item::condition_failed(&e) => Ok(()),
            Err(e) => Err(Fault::of("UpdateItem", &e).into()),
        }
    }

    /// Registers `definition` in the subject's Glue schema, creating the
    /// schema on its first version.
    async fn register_in_glue(&self, subject: &Subject, definition: &str) -> Result<Registration, RegistryError> {
        let schema_id = self.schema_id(&subject.name)?;
        for _ in 0..3 {
            let registered = self
                .glue
                .register_schema_version()
                .schema_id(schema_id.clone())
                .schema_definition(definition)
                .send()
                .await;
            let (id, number, status) = match registered {
                Ok(out) => (
                    out.schema_version_id().map(str::to_string),
                    out.version_number(),
                    out.status().map(|s| s.as_str().to_string()),
                ),
                Err(e) if e.code() == Some("EntityNotFoundException") => {
                    let created = self
                        .glue
                        .create_schema()
                        .registry_id(
                            aws_sdk_glue::types::RegistryId::builder().registry_name(&self.names.registry).build(),
                        )
                        .schema_name(glue_schema_name(&self.names.schema_name_prefix, &subject.name)?)
                        .data_format(glue_format(subject.format))
                        .compatibility(GlueCompatibility::None)
                        .description(glue_description(subject))
                        .set_tags(Some(glue_tags(subject)))
                        .schema_definition(definition)
                        .send()
                        .await;
                    match created {
                        Ok(out) => (
                            out.schema_version_id().map(str::to_string),
                            out.latest_schema_version(),
                            out.schema_version_status().map(|s| s.as_str().to_string()),
                        ),
                        // Created concurrently: register into it.
                        Err(e) if e.code() == Some("AlreadyExistsException") => continue,
                        Err(e) if e.code() == Some("InvalidInputException") => {
                            return Ok(Registration::Refused(error_text(&e)));
                        }
                        Err(e) => return Err(glue_error("CreateSchema", &e)),
                    }
                }
                Err(e) if e.code() == Some("InvalidInputException") => {
                    return Ok(Registration::Refused(error_text(&e)));
                }
                Err(e) => return Err(glue_error("RegisterSchemaVersion", &e)),
            };
            let id = id.ok_or_else(|| internal("Glue answered a registration without a schema version id"))?;
            return self.settle(id, number, status).await;
        }
        Err(RegistryError::Unavailable(format!(
            "Glue schema for subject {} kept changing while it was created",
            subject.name
        )))
    }

    /// Waits for a Glue version to leave `PENDING` (Glue checks
    /// compatibility asynchronously; with mode NONE this is quick).
    async fn settle(
        &self,
        id: String,
        mut number: Option<i64>,
        mut status: Option<String>,
    ) -> Result<Registration, RegistryError> {
        for attempt in 0..20u64 {
            match status.as_deref() {
                Some("AVAILABLE") if number.is_some() => {
                    return Ok(Registration::Done(GlueVersion { id, number: number.unwrap_or_default() }));
                }
                Some("FAILURE") => {
                    return Ok(Registration::Refused(format!("Glue schema version {id} has status FAILURE")));
                }
                _ => {}
            }
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
            }
            let out = self
                .glue
                .get_schema_version()
                .schema_version_id(&id)
                .send()
                .await
                .map_err(|e| glue_error("GetSchemaVersion", &e))?;
            number = out.version_number();
            status = out.status().map(|s| s.as_str().to_string());
        }
        Err(RegistryError::Unavailable(format!("Glue schema version {id} is still {status:?}")))
    }

    /// Labels the Glue version with its Nexus number, id and the metadata
    /// that fits. Best effort: the index holds the truth.
    async fn mirror_version_metadata(&self, version: &SchemaVersion, glue: &GlueVersion) {
        let mut pairs = vec![
            ("nexus.version".to_string(), version.version.to_string()),
            ("nexus.id".to_string(), version.id.to_string()),
        ];
        pairs.extend(
            version
                .metadata
                .iter()
                .filter(|(k, v)| glue_metadata_text(k) && glue_metadata_text(v))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        pairs.truncate(GLUE_METADATA_PAIRS);
        for (key, value) in pairs {
            self.put_glue_metadata(&glue.id, &key, &value).await;
        }
    }

    async fn put_glue_metadata(&self, glue_version_id: &str, key: &str, value: &str) {
        let pair = MetadataKeyValuePair::builder().metadata_key(key).metadata_value(value).build();
        let out = self
            .glue
            .put_schema_version_metadata()
            .schema_version_id(glue_version_id)
            .metadata_key_value(pair)
            .send()
            .await;
        match out {
            Ok(_) => {}
            Err(e) if e.code() == Some("AlreadyExistsException") => {}
            Err(e) => tracing::warn!(
                glue_version_id,
                key,
                error = %error_text(&e),
                "cannot label a Glue schema version; the Nexus index is unaffected"
            ),
        }
    }

    /// Copies the subject's settings to its Glue schema. Best effort.
    async fn mirror_subject(&self, subject: &Subject) {
        if subject.last_version == 0 {
            return; // the Glue schema comes with the first version
        }
        let Ok(schema_id) = self.schema_id(&subject.name) else { return };
        let updated =
            self.glue.update_schema().schema_id(schema_id.clone()).description(glue_description(subject)).send().await;
        let arn = match updated {
            Ok(out) => out.schema_arn().map(str::to_string),
            Err(e) => {
                tracing::warn!(subject = %subject.name, error = %error_text(&e), "cannot update the Glue schema's description");
                None
            }
        };
        if let Some(arn) = arn
            && let Err(e) =
                self.glue.tag_resource().resource_arn(arn).set_tags_to_add(Some(glue_tags(subject))).send().await
        {
            tracing::warn!(subject = %subject.name, error = %error_text(&e), "cannot tag the Glue schema");
        }
    }

    /// Labels the Glue version behind a Nexus version with its status.
    async fn mirror_status(&self, subject: &str, version: u32, status: &str) {
        match self.get_item(version_key(subject, version)).await {
            Ok(Some(item)) => {
                if let Some(glue_id) = get_s(&item, "glue_version_id") {
                    self.put_glue_metadata(glue_id, &format!("nexus.status.v{version}"), status).await;
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(subject, version, error = %e, "cannot label the Glue schema version"),
        }
    }
}

#[async_trait]
impl SchemaRegistry for GlueSchemaRegistry {
    async fn default_compatibility(&self) -> Result<Compatibility, RegistryError> {
        match self.get_item(SETTINGS.into()).await? {
            Some(item) => match get_s(&item, "default_compatibility") {
                Some(mode) => mode.parse().map_err(internal),
                None => Ok(self.configured_default),
            },
            None => Ok(self.configured_default),
        }
    }

    async fn set_default_compatibility(&self, mode: Compatibility) -> Result<(), RegistryError> {
        self.dynamodb
            .update_item()
            .table_name(&self.names.table)
            .set_key(Some(pk(SETTINGS)))
            .update_expression("SET default_compatibility = :m")
            .expression_attribute_values(":m", s(mode.as_str()))
            .send()
            .await
            .map_err(|e| Fault::of("UpdateItem", &e))?;
        Ok(())
    }

    async fn get_subject(&self, name: &str) -> Result<Option<Subject>, RegistryError> {
        Ok(self.stored_subject(name).await?.map(|s| s.subject))
    }

    async fn list_subjects(&self, after: Option<&str>, limit: usize) -> Result<Vec<Subject>, RegistryError> {
        let Some(index) = self.get_item(SUBJECTS.into()).await? else { return Ok(Vec::new()) };
        let mut names: Vec<&String> = match index.get("names") {
            Some(AttributeValue::Ss(names)) => names.iter().collect(),
            _ => Vec::new(),
        };
        names.sort();
        let after = after.unwrap_or_default();
        let page: Vec<&String> = names.into_iter().filter(|n| n.as_str() > after).take(limit).collect();
        let keys = page.iter().map(|name| pk(subject_key(name))).collect();
        let items = item::batch_get(&self.dynamodb, &self.names.table, keys).await?;
        let mut subjects =
            items.iter().map(|i| subject_of(i).map(|s| s.subject)).collect::<Result<Vec<_>, RegistryError>>()?;
        subjects.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(subjects)
    }

    async fn create_subject(&self, subject: Subject) -> Result<Subject, RegistryError> {
        // Refuse a name Glue cannot take before anything is written.
        glue_schema_name(&self.names.schema_name_prefix, &subject.name)?;
        let mut stored = pk(subject_key(&subject.name));
        stored.insert("name".into(), s(&subject.name));
        stored.insert("format".into(), s(subject.format.as_str()));
        if let Some(mode) = subject.compatibility {
            stored.insert("compatibility".into(), s(mode.as_str()));
        }
        stored.insert("config".into(), s(serde_json::to_string(&subject.config).map_err(internal)?));
        stored.insert("last_version".into(), n(0));
        stored.insert("created_at".into(), n(subject.created_at_micros));
        let index = Update::builder()
            .table_name(&self.names.table)
            .set_key(Some(pk(SUBJECTS)))
            .update_expression("ADD #names :name")
            .expression_attribute_names("#names", "names")
            .expression_attribute_values(":name", AttributeValue::Ss(vec![subject.name.clone()]))
            .build()
            .map_err(Fault::build)?;
        let items = vec![
            self.put(stored, Some("attribute_not_exists(pk)"))?,
            TransactWriteItem::builder().update(index).build(),
        ];
        match self.dynamodb.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => {}
            Err(e) if cancelled(&e).is_some() => {} // it exists, or a concurrent write got in the way
            Err(e) => return Err(Fault::of("TransactWriteItems", &e).into()),
        }
        self.get_subject(&subject.name).await?.ok_or_else(|| {
            RegistryError::Unavailable(format!(
                "creating schema subject {:?} collided with a concurrent write; try again",
                subject.name
            ))
        })
    }

    async fn update_subject(
        &self,
        name: &str,
        compatibility: Option<Compatibility>,
        config: SubjectConfig,
    ) -> Result<Subject, RegistryError> {
        let config = serde_json::to_string(&config).map_err(internal)?;
        let mut update = self
            .dynamodb
            .update_item()
            .table_name(&self.names.table)
            .set_key(Some(pk(subject_key(name))))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#config", "config")
            .expression_attribute_names("#mode", "compatibility")
            .expression_attribute_values(":config", s(config))
            .return_values(ReturnValue::AllNew);
        update = match compatibility {
            Some(mode) => update
                .update_expression("SET #config = :config, #mode = :mode")
                .expression_attribute_values(":mode", s(mode.as_str())),
            None => update.update_expression("SET #config = :config REMOVE #mode"),
        };
        let out = match update.send().await {
            Ok(out) => out,
            Err(e) if item::condition_failed(&e) => return Err(RegistryError::SubjectNotFound(name.to_string())),
            Err(e) => return Err(Fault::of("UpdateItem", &e).into()),
        };
        let subject =
            subject_of(out.attributes().ok_or_else(|| internal("UpdateItem returned no attributes"))?)?.subject;
        self.mirror_subject(&subject).await;
        Ok(subject)
    }

    async fn add_version(
        &self,
        subject: &str,
        expected_last_version: u32,
        definition: &str,
        metadata: BTreeMap<String, String>,
    ) -> Result<SchemaVersion, RegistryError> {
        let (numbered, next) = self.reserve(subject, expected_last_version, definition, metadata).await?;
        match self.complete(&numbered, next).await? {
            Completion::Done(Some(version)) => Ok(version),
            Completion::Done(None) => {
                Err(RegistryError::VersionNotFound { subject: subject.to_string(), version: next })
            }
            Completion::Refused(reason) => {
                Err(RegistryError::Internal(format!("Glue refused schema {subject} version {next}: {reason}")))
            }
        }
    }

    async fn get_version(&self, subject: &str, version: u32) -> Result<Option<SchemaVersion>, RegistryError> {
        // A pending version was never acknowledged: not there yet.
        Ok(self.stored_version(subject, version).await?.filter(|v| !v.pending).map(|v| v.version))
    }

    async fn get_version_by_id(&self, id: Uuid) -> Result<Option<SchemaVersion>, RegistryError> {
        let Some(item) = self.get_item(id_key(id)).await? else { return Ok(None) };
        let (Some(subject), Some(version)) = (get_s(&item, "subject"), get_n::<u32>(&item, "version")) else {
            return Err(internal(format!("the index entry of schema version id {id} is incomplete")));
        };
        self.get_version(subject, version).await
    }

    async fn list_versions(
        &self,
        subject: &str,
        after: Option<u32>,
        limit: usize,
        include_deleted: bool,
    ) -> Result<Vec<SchemaVersion>, RegistryError> {
        let Some(current) = self.stored_subject(subject).await? else {
            return Err(RegistryError::SubjectNotFound(subject.to_string()));
        };
        let last = current.subject.last_version;
        let mut out = Vec::new();
        let mut from = after.unwrap_or(0).saturating_add(1);
        while from <= last && out.len() < limit {
            let to = last.min(from.saturating_add(99));
            let keys = (from..=to).map(|v| pk(version_key(subject, v))).collect();
            let items = item::batch_get(&self.dynamodb, &self.names.table, keys).await?;
            let mut chunk = items.iter().map(version_of).collect::<Result<Vec<_>, RegistryError>>()?;
            chunk.sort_by_key(|v| v.version.version);
            out.extend(
                chunk
                    .into_iter()
                    .filter(|v| !v.pending && (include_deleted || v.version.status == VersionStatus::Available))
                    .map(|v| v.version),
            );
            from = to.saturating_add(1);
            if to == u32::MAX {
                break;
            }
        }
        out.truncate(limit);
        Ok(out)
    }

    async fn mark_in_use(&self, subject: &str, version: u32) -> Result<bool, RegistryError> {
        let out = self
            .dynamodb
            .update_item()
            .table_name(&self.names.table)
            .set_key(Some(pk(version_key(subject, version))))
            .update_expression("SET in_use = :t")
            .condition_expression("#status = :available")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":t", AttributeValue::Bool(true))
            .expression_attribute_values(":available", s(AVAILABLE))
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e) if item::condition_failed(&e) => Ok(false),
            Err(e) => Err(Fault::of("UpdateItem", &e).into()),
        }
    }

    async fn soft_delete_version(&self, subject: &str, version: u32) -> Result<SchemaVersion, RegistryError> {
        let out = self
            .dynamodb
            .update_item()
            .table_name(&self.names.table)
            .set_key(Some(pk(version_key(subject, version))))
            .update_expression("SET #status = :deleted")
            .condition_expression("#status IN (:available, :deleted)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":deleted", s(DELETED))
            .expression_attribute_values(":available", s(AVAILABLE))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            Err(e) if item::condition_failed(&e) => {
                return Err(RegistryError::VersionNotFound { subject: subject.to_string(), version });
            }
            Err(e) => return Err(Fault::of("UpdateItem", &e).into()),
        };
        let stored = version_of(out.attributes().ok_or_else(|| internal("UpdateItem returned no attributes"))?)?;
        self.mirror_status(subject, version, DELETED).await;
        Ok(stored.version)
    }

    async fn hard_delete_version(&self, subject: &str, version: u32) -> Result<(), RegistryError> {
        let Some(stored) = self.stored_version(subject, version).await?.filter(|v| !v.pending) else {
            return Err(RegistryError::VersionNotFound { subject: subject.to_string(), version });
        };
        if stored.version.in_use {
            return Err(RegistryError::InUse { subject: subject.to_string(), version });
        }
        // Labelled before the index entry goes, while its Glue id is known.
        self.mirror_status(subject, version, "PURGED").await;
        let delete = Delete::builder()
            .table_name(&self.names.table)
            .set_key(Some(pk(version_key(subject, version))))
            // A concurrent write may have marked it in use since it was read.
            .condition_expression("in_use = :f AND #status <> :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":f", AttributeValue::Bool(false))
            .expression_attribute_values(":pending", s(PENDING))
            .build()
            .map_err(Fault::build)?;
        let by_id = Delete::builder()
            .table_name(&self.names.table)
            .set_key(Some(pk(id_key(stored.version.id))))
            .build()
            .map_err(Fault::build)?;
        let items = vec![
            TransactWriteItem::builder().delete(delete).build(),
            TransactWriteItem::builder().delete(by_id).build(),
        ];
        match self.dynamodb.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(e) if cancelled(&e).is_some() => match self.stored_version(subject, version).await? {
                Some(v) if !v.pending => Err(RegistryError::InUse { subject: subject.to_string(), version }),
                _ => Err(RegistryError::VersionNotFound { subject: subject.to_string(), version }),
            },
            Err(e) => Err(Fault::of("TransactWriteItems", &e).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{sync::Arc, time::Duration};

    use bytes::Bytes;

    use super::*;
    use crate::{
        adapters::aws::testing,
        config::AwsConfig,
        conformance::registry::{RegistryFactory, registry_conformance},
        core::{
            error::NexusError,
            model::{EventMetadata, ProposedEvent},
            schema::governance::{Governance, GovernanceSettings},
        },
    };

    /// One fresh deployment per test (unique table and schema name prefix).
    struct OnMoto(tokio::sync::OnceCell<(AwsConfig, AwsClients)>);

    impl OnMoto {
        fn new() -> Self {
            Self(tokio::sync::OnceCell::new())
        }

        async fn deployment(&self) -> &(AwsConfig, AwsClients) {
            self.0.get_or_init(testing::moto_glue_deployment).await
        }

        async fn registry(&self, configured_default: Compatibility) -> GlueSchemaRegistry {
            let (config, clients) = self.deployment().await;
            GlueSchemaRegistry::new(clients, GlueNames::of(&config.resources), configured_default)
        }
    }

    #[async_trait]
    impl RegistryFactory for OnMoto {
        async fn open(&self, configured_default: Compatibility) -> Arc<dyn SchemaRegistry> {
            Arc::new(self.registry(configured_default).await)
        }
    }

    registry_conformance!(OnMoto::new());

    fn governance(registry: GlueSchemaRegistry, cache_ttl: Duration) -> Governance {
        Governance::new(Arc::new(registry), GovernanceSettings { allow_unregistered: false, cache_ttl })
    }

    fn event(event_type: &str, schema_version: u32, data: serde_json::Value) -> ProposedEvent {
        ProposedEvent {
            event_id: Uuid::new_v4(),
            event_type: event_type.into(),
            content_type: "application/json".into(),
            schema_version,
            schema_id: None,
            data: Bytes::from(data.to_string()),
            metadata: EventMetadata::default(),
        }
    }

    /// The version governance checked the event against, or the error.
    async fn govern(governance: &Governance, mut event: ProposedEvent) -> Result<u32, NexusError> {
        governance.govern("events", std::slice::from_mut(&mut event)).await?;
        Ok(event.schema_version)
    }

    fn is_schema_violation(result: &Result<u32, NexusError>) -> bool {
        matches!(result, Err(NexusError::SchemaViolation(_)))
    }

    const V1: &str =
        r#"{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false}"#;
    const V2: &str = r#"{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}},"required":["id"],"additionalProperties":false}"#;
    const V3: &str = r#"{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"},"n":{"type":"integer"}},"required":["id"],"additionalProperties":false}"#;

    /// Replicas: a version registered through one is enforced by the other
    /// at once when an event names it, and for events asking for the latest
    /// within `cache_ttl`; an unknown version, or a type another replica
    /// registered after this one looked, is refused meanwhile, never passed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_version_registered_through_one_replica_is_enforced_by_another() {
        let moto = OnMoto::new();
        let ttl = Duration::from_secs(2);
        let a = governance(moto.registry(Compatibility::Backward).await, ttl);
        let b = governance(moto.registry(Compatibility::Backward).await, ttl);

        // B looks first: no such type, and it remembers that.
        let looked = std::time::Instant::now();
        let refused = govern(&b, event("orders.placed", 0, serde_json::json!({"id": "1"}))).await;
        assert!(is_schema_violation(&refused), "an unregistered type is refused: {refused:?}");
        a.register("orders.placed", DataFormat::Json, V1, BTreeMap::new()).await.expect("v1 through A");
        let meanwhile = govern(&b, event("orders.placed", 0, serde_json::json!({"id": "1"}))).await;
        if looked.elapsed() < ttl - Duration::from_millis(200) {
            assert!(is_schema_violation(&meanwhile), "within the bound B still refuses (never passes): {meanwhile:?}");
        } else {
            assert!(matches!(meanwhile, Ok(1) | Err(NexusError::SchemaViolation(_))), "{meanwhile:?}");
        }
        tokio::time::sleep(ttl).await;
        assert_eq!(
            govern(&b, event("orders.placed", 0, serde_json::json!({"id": "1"}))).await.expect("after the bound"),
            1
        );
        let invalid = govern(&b, event("orders.placed", 0, serde_json::json!({"id": "1", "note": "x"}))).await;
        assert!(is_schema_violation(&invalid), "B validates against v1, which has no note: {invalid:?}");

        // v2 through A; B has v1 cached as the latest.
        let (v2, created) = a.register("orders.placed", DataFormat::Json, V2, BTreeMap::new()).await.expect("v2");
        assert!(created);
        assert_eq!(v2.version, 2);
        // An event naming v2 is checked against v2 at once (a cache miss reads the registry).
        assert_eq!(
            govern(&b, event("orders.placed", 2, serde_json::json!({"id": "2", "note": "x"}))).await.expect("v2"),
            2
        );
        let invalid = govern(&b, event("orders.placed", 2, serde_json::json!({"id": "2", "note": 5}))).await;
        assert!(is_schema_violation(&invalid), "v2's rules hold on B at once: {invalid:?}");
        // Unknown versions are refused, not passed.
        let unknown = govern(&b, event("orders.placed", 7, serde_json::json!({"id": "3"}))).await;
        assert!(is_schema_violation(&unknown), "an unknown version is refused: {unknown:?}");
        // "The latest" moves to v2 on B within the bound.
        tokio::time::sleep(ttl).await;
        assert_eq!(govern(&b, event("orders.placed", 0, serde_json::json!({"id": "4"}))).await.expect("latest"), 2);

        // A version soft-deleted through A and never used on B is refused by B at once.
        a.register("orders.placed", DataFormat::Json, V3, BTreeMap::new()).await.expect("v3");
        a.delete_version("orders.placed", 3, false).await.expect("soft delete v3");
        let deleted = govern(&b, event("orders.placed", 3, serde_json::json!({"id": "5"}))).await;
        assert!(is_schema_violation(&deleted), "a deleted version is refused: {deleted:?}");
    }

    /// A cache miss that cannot read the registry fails the write; it never
    /// lets the event through unchecked.
    #[tokio::test]
    async fn a_registry_that_cannot_be_read_refuses_events() {
        let moto = OnMoto::new();
        let (config, clients) = moto.deployment().await;
        let mut names = GlueNames::of(&config.resources);
        names.table = testing::unique("t-missing");
        let governance =
            governance(GlueSchemaRegistry::new(clients, names, Compatibility::Backward), Duration::from_secs(5));
        let result = govern(&governance, event("orders.placed", 0, serde_json::json!({"id": "1"}))).await;
        assert!(matches!(result, Err(NexusError::Registry(_))), "{result:?}");
    }

    /// A registration stopped after its number was taken (a crash, Glue
    /// unreachable) is invisible to readers and completed by the next
    /// registration, which then answers Conflict so its caller re-checks.
    #[tokio::test]
    async fn a_registration_stopped_half_way_is_completed_by_the_next() {
        let moto = OnMoto::new();
        let registry = moto.registry(Compatibility::Backward).await;
        let (config, clients) = moto.deployment().await;
        registry.create_subject(subject("half.way")).await.expect("create");
        let (_, number) = registry.reserve("half.way", 0, V1, BTreeMap::new()).await.expect("reserve");
        assert_eq!(number, 1);
        assert_eq!(registry.get_version("half.way", 1).await.expect("get"), None, "not acknowledged");
        assert_eq!(registry.list_versions("half.way", None, 10, true).await.expect("list"), vec![]);
        assert_eq!(
            registry.add_version("half.way", 1, V2, BTreeMap::new()).await,
            Err(RegistryError::Conflict("half.way".into())),
            "the pending version was completed first"
        );
        let v1 = registry.get_version("half.way", 1).await.expect("get").expect("completed");
        assert_eq!((v1.definition.as_str(), v1.status), (V1, VersionStatus::Available));
        let v2 = registry.add_version("half.way", 1, V2, BTreeMap::new()).await.expect("v2");
        assert_eq!(v2.version, 2);
        // Glue holds both, numbered as Nexus numbers them.
        let schema_id = registry.schema_id("half.way").expect("schema id");
        for (number, definition) in [(1, V1), (2, V2)] {
            let glue = clients
                .glue
                .get_schema_version()
                .schema_id(schema_id.clone())
                .schema_version_number(
                    aws_sdk_glue::types::SchemaVersionNumber::builder().version_number(number).build(),
                )
                .send()
                .await
                .expect("Glue version");
            assert_eq!(glue.schema_definition(), Some(definition));
        }
        let schema = clients.glue.get_schema().schema_id(schema_id).send().await.expect("Glue schema");
        assert_eq!(schema.compatibility(), Some(&GlueCompatibility::None), "Nexus checks compatibility, not Glue");
        assert_eq!(schema.registry_name(), Some(config.resources.schema_registry.as_str()));
        assert_eq!(schema.data_format(), Some(&GlueDataFormat::Json));
    }

    /// One Confluent case through governance on Glue: register the
    /// original, then the update under BACKWARD. `Ok(accepted)`, or why the
    /// case could not be run.
    async fn run_confluent_case(
        governance: &Governance,
        subject: &str,
        format: DataFormat,
        original: &str,
        update: &str,
    ) -> Result<bool, String> {
        governance
            .register(subject, format, original, BTreeMap::new())
            .await
            .map_err(|e| format!("the original was refused: {e}"))?;
        match governance.register(subject, format, update, BTreeMap::new()).await {
            Ok(_) => Ok(true),
            Err(NexusError::SchemaIncompatible { .. }) => Ok(false),
            Err(e) => Err(format!("the update failed otherwise: {e}")),
        }
    }

    /// The Confluent compatibility vectors end to end: governance decides,
    /// Glue (moto) stores, and a BACKWARD registration is accepted exactly
    /// when Confluent calls the change compatible (JSON Schema: every case;
    /// Protobuf: the share the compatibility checker itself must reach).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn confluent_vectors_through_governance_on_glue() {
        use futures::StreamExt;

        use crate::core::schema::compat::{json::conformance as json_cases, protobuf::conformance as proto_cases};

        let mut cases: Vec<(String, String, DataFormat, String, String, bool)> = Vec::new();
        for (f, file) in json_cases::FILES.iter().enumerate() {
            for (i, case) in json_cases::read_cases(file).iter().enumerate() {
                let compatible = case["compatible"].as_bool().expect("a boolean verdict");
                let label = format!("{file} #{i} {:?}", case["description"].as_str().unwrap_or_default());
                // The files not named 2020-12 are draft-07 cases (tuple
                // `items`): say so, as a catalog file would, since Nexus
                // reads a schema without `$schema` as 2020-12.
                let with_draft = |schema: &serde_json::Value| {
                    let mut schema = schema.clone();
                    if !file.contains("2020-12")
                        && let Some(object) = schema.as_object_mut()
                        && !object.contains_key("$schema")
                    {
                        object.insert("$schema".into(), "http://json-schema.org/draft-07/schema#".into());
                    }
                    schema.to_string()
                };
                let (original, update) = (with_draft(&case["original_schema"]), with_draft(&case["update_schema"]));
                cases.push((label, format!("json.{f}.{i}"), DataFormat::Json, original, update, compatible));
            }
        }
        let mut proto_total = 0usize;
        let proto_dir = proto_cases::conformance_dir();
        for (f, file) in proto_cases::FILES.iter().enumerate() {
            for (i, case) in proto_cases::load_cases(&proto_dir, file).iter().enumerate() {
                let has_imports = ["original_dependencies", "update_dependencies"]
                    .iter()
                    .any(|k| case.get(*k).and_then(|d| d.as_array()).is_some_and(|d| !d.is_empty()));
                if has_imports {
                    // Governance registers one self-contained file per version.
                    continue;
                }
                proto_total += 1;
                let compatible = case["compatible"].as_bool().expect("a boolean verdict");
                let label = format!("{file} #{i} {:?}", case["description"].as_str().unwrap_or_default());
                let original = case["original_schema"].as_str().unwrap_or_default().to_string();
                let update = case["update_schema"].as_str().unwrap_or_default().to_string();
                cases.push((label, format!("proto.{f}.{i}"), DataFormat::Protobuf, original, update, compatible));
            }
        }
        assert!(cases.len() > 200, "the conformance data has {} cases", cases.len());
        // Fresh, small index tables per chunk: moto copies a whole table
        // for every transaction with an update.
        let mut outcomes = Vec::new();
        for chunk in cases.chunks(40) {
            let moto = OnMoto::new();
            let registry = moto.registry(Compatibility::Backward).await;
            let governance = Arc::new(governance(registry.clone(), Duration::from_secs(5)));
            let chunk_outcomes: Vec<_> = futures::stream::iter(chunk.iter())
                .map(|(label, subject, format, original, update, compatible)| {
                    let governance = governance.clone();
                    async move {
                        let outcome = run_confluent_case(&governance, subject, *format, original, update).await;
                        (label, subject, *format, *compatible, outcome)
                    }
                })
                .buffer_unordered(2)
                .collect()
                .await;
            outcomes.extend(chunk_outcomes);
            // Leave moto's per-region schema count as it was.
            let (_, clients) = moto.deployment().await;
            for (_, subject, ..) in chunk {
                let _ = clients.glue.delete_schema().schema_id(registry.schema_id(subject).expect("id")).send().await;
            }
        }
        let (mut json_disagree, mut proto_agree) = (Vec::new(), 0usize);
        for (label, subject, format, compatible, outcome) in outcomes {
            let agrees = outcome.as_ref().is_ok_and(|accepted| *accepted == compatible);
            if format == DataFormat::Protobuf {
                proto_agree += usize::from(agrees);
            }
            if !agrees {
                println!(
                    "DISAGREE {label} ({subject}): Confluent says compatible={compatible}, Nexus on Glue: {outcome:?}"
                );
                if format == DataFormat::Json {
                    json_disagree.push(label.clone());
                }
            }
        }
        println!("protobuf through Glue: {proto_agree}/{proto_total} agree");
        assert!(json_disagree.is_empty(), "JSON Schema cases that disagree: {json_disagree:#?}");
        let share = proto_agree as f64 / proto_total.max(1) as f64;
        assert!(share >= proto_cases::REQUIRED_AGREEMENT, "protobuf agreement {proto_agree}/{proto_total}");
    }

    fn subject(name: &str) -> Subject {
        Subject {
            name: name.into(),
            format: DataFormat::Json,
            compatibility: None,
            config: SubjectConfig::default(),
            last_version: 0,
            created_at_micros: 1,
        }
    }

    #[test]
    fn subject_names_map_to_distinct_glue_names() {
        assert_eq!(glue_schema_name("", "account.opened").expect("plain"), "account.opened");
        assert_eq!(glue_schema_name("p.", "a:b").expect("colon"), "p.a$3ab");
        assert_eq!(glue_schema_name("", "a$b").expect("dollar"), "a$24b");
        assert_ne!(glue_schema_name("", "a:b").expect("colon"), glue_schema_name("", "a$3ab").expect("escaped"));
        assert_ne!(glue_schema_name("", "a$3ab").expect("a"), glue_schema_name("", "a$243ab").expect("b"));
        assert!(glue_schema_name("", "has space").is_err());
        assert!(glue_schema_name("", &":".repeat(100)).is_err(), "too long once escaped");
        assert!(check_schema_name_prefix("team-a.").is_ok());
        assert!(check_schema_name_prefix("team/a").is_err());
    }

    #[test]
    fn only_metadata_glue_accepts_is_mirrored() {
        assert!(glue_metadata_text("source"));
        assert!(glue_metadata_text("v1"));
        assert!(!glue_metadata_text("has space"));
        assert!(!glue_metadata_text(""));
        assert!(!glue_metadata_text(&"x".repeat(129)));
    }
}

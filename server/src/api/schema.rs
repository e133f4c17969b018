//! `nexus.v1.SchemaService`: the schema registry.

use std::sync::Arc;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use nexus_sdk::proto;
use tonic::{Request, Response, Status};

use super::{
    authz::{Call, Guard, service::SCHEMA},
    status::invalid,
};
use crate::core::{
    error::{FieldViolation, NexusError},
    model::JSON_CONTENT_TYPE,
    policy::tenant_of,
    schema::{
        Compatibility, DataFormat, Route, SchemaVersion, Subject, SubjectConfig, VersionStatus,
        governance::Governance,
        upcast::{UpcastStep, UpcasterSpec},
    },
};

pub struct SchemaApi {
    governance: Arc<Governance>,
    guard: Arc<Guard>,
}

impl SchemaApi {
    pub fn new(governance: Arc<Governance>, guard: Arc<Guard>) -> Self {
        Self { governance, guard }
    }
}

const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1000;

// ---- conversions -------------------------------------------------------------

fn data_format_from(value: i32, field: &str) -> Result<Option<DataFormat>, Status> {
    match proto::DataFormat::try_from(value) {
        Ok(proto::DataFormat::Unspecified) => Ok(None),
        Ok(proto::DataFormat::Json) => Ok(Some(DataFormat::Json)),
        Ok(proto::DataFormat::Avro) => Ok(Some(DataFormat::Avro)),
        Ok(proto::DataFormat::Protobuf) => Ok(Some(DataFormat::Protobuf)),
        Err(_) => Err(invalid(vec![FieldViolation::new(field, format!("unknown data format {value}"))])),
    }
}

pub fn data_format_to(format: DataFormat) -> proto::DataFormat {
    match format {
        DataFormat::Json => proto::DataFormat::Json,
        DataFormat::Avro => proto::DataFormat::Avro,
        DataFormat::Protobuf => proto::DataFormat::Protobuf,
    }
}

pub(crate) fn compatibility_from(value: i32, field: &str) -> Result<Option<Compatibility>, Status> {
    use proto::Compatibility as P;
    Ok(Some(match P::try_from(value) {
        Ok(P::Unspecified) => return Ok(None),
        Ok(P::None) => Compatibility::None,
        Ok(P::Disabled) => Compatibility::Disabled,
        Ok(P::Backward) => Compatibility::Backward,
        Ok(P::BackwardAll) => Compatibility::BackwardAll,
        Ok(P::Forward) => Compatibility::Forward,
        Ok(P::ForwardAll) => Compatibility::ForwardAll,
        Ok(P::Full) => Compatibility::Full,
        Ok(P::FullAll) => Compatibility::FullAll,
        Err(_) => return Err(invalid(vec![FieldViolation::new(field, format!("unknown compatibility {value}"))])),
    }))
}

fn compatibility_to(mode: Option<Compatibility>) -> i32 {
    use proto::Compatibility as P;
    let p = match mode {
        None => P::Unspecified,
        Some(Compatibility::None) => P::None,
        Some(Compatibility::Disabled) => P::Disabled,
        Some(Compatibility::Backward) => P::Backward,
        Some(Compatibility::BackwardAll) => P::BackwardAll,
        Some(Compatibility::Forward) => P::Forward,
        Some(Compatibility::ForwardAll) => P::ForwardAll,
        Some(Compatibility::Full) => P::Full,
        Some(Compatibility::FullAll) => P::FullAll,
    };
    p as i32
}

fn version_to(v: SchemaVersion) -> proto::SchemaVersion {
    proto::SchemaVersion {
        schema_id: v.id.to_string(),
        subject: v.subject,
        version: v.version,
        data_format: data_format_to(v.format) as i32,
        definition: v.definition,
        metadata: v.metadata.into_iter().collect(),
        status: match v.status {
            VersionStatus::Available => proto::VersionStatus::Available,
            VersionStatus::Deleted => proto::VersionStatus::Deleted,
        } as i32,
        in_use: v.in_use,
        create_time: Some(prost_types::Timestamp {
            seconds: v.created_at_micros.div_euclid(1_000_000),
            nanos: (v.created_at_micros.rem_euclid(1_000_000) * 1000) as i32,
        }),
    }
}

fn subject_to(subject: Subject, effective: Compatibility, latest: u32) -> proto::Subject {
    proto::Subject {
        effective_compatibility: compatibility_to(Some(effective)),
        last_version: subject.last_version,
        latest_version: latest,
        ..subject_settings_to(subject.name, subject.format, subject.compatibility, subject.config)
    }
}

/// A subject's settings as a message (as PutSubject takes them).
pub fn subject_settings_to(
    name: String,
    format: DataFormat,
    compatibility: Option<Compatibility>,
    config: SubjectConfig,
) -> proto::Subject {
    proto::Subject {
        name,
        data_format: data_format_to(format) as i32,
        compatibility: compatibility_to(compatibility),
        description: config.description,
        route: match config.route {
            Route::Core => proto::Route::Core,
            Route::Secondary => proto::Route::Secondary,
        } as i32,
        allow_unvalidated: config.allow_unvalidated,
        message_name: config.message_name.unwrap_or_default(),
        upcasters: config.upcasters.into_iter().map(upcaster_to).collect(),
        ..Default::default()
    }
}

fn upcaster_to(spec: UpcasterSpec) -> proto::Upcaster {
    use proto::upcast_step::Op;
    let steps = spec
        .steps
        .into_iter()
        .map(|step| proto::UpcastStep {
            op: Some(match step {
                UpcastStep::Rename { from, to } => Op::Rename(proto::RenameField { from, to }),
                UpcastStep::Add { path, default } => {
                    Op::Add(proto::AddField { path, default_json: default.to_string() })
                }
                UpcastStep::Remove { path } => Op::Remove(proto::RemoveField { path }),
                UpcastStep::Jq { expr } => Op::Jq(expr),
            }),
        })
        .collect();
    proto::Upcaster { from_version: spec.from_version, steps }
}

fn upcasters_from(upcasters: Vec<proto::Upcaster>, violations: &mut Vec<FieldViolation>) -> Vec<UpcasterSpec> {
    use proto::upcast_step::Op;
    let mut out = Vec::new();
    for (i, upcaster) in upcasters.into_iter().enumerate() {
        let mut steps = Vec::new();
        for (j, step) in upcaster.steps.into_iter().enumerate() {
            let field = format!("subject.upcasters[{i}].steps[{j}]");
            match step.op {
                Some(Op::Rename(r)) => steps.push(UpcastStep::Rename { from: r.from, to: r.to }),
                Some(Op::Add(a)) => match serde_json::from_str(&a.default_json) {
                    Ok(default) => steps.push(UpcastStep::Add { path: a.path, default }),
                    Err(e) => violations.push(FieldViolation::new(
                        format!("{field}.add.default_json"),
                        format!("is not valid JSON: {e}"),
                    )),
                },
                Some(Op::Remove(r)) => steps.push(UpcastStep::Remove { path: r.path }),
                Some(Op::Jq(expr)) => steps.push(UpcastStep::Jq { expr }),
                None => violations.push(FieldViolation::new(field, "must set one of rename, add, remove, jq")),
            }
        }
        out.push(UpcasterSpec { from_version: upcaster.from_version, steps });
    }
    out
}

fn page_size(value: u32, violations: &mut Vec<FieldViolation>) -> usize {
    if value > MAX_PAGE {
        violations.push(FieldViolation::new("page_size", format!("must be at most {MAX_PAGE}")));
    }
    (if value == 0 { DEFAULT_PAGE } else { value.min(MAX_PAGE) }) as usize
}

fn required(field: &str, value: &str, violations: &mut Vec<FieldViolation>) {
    if value.is_empty() {
        violations.push(FieldViolation::new(field, "is required"));
    }
}

fn check(violations: Vec<FieldViolation>) -> Result<(), Status> {
    if violations.is_empty() { Ok(()) } else { Err(invalid(violations)) }
}

/// Splits `limit + 1` items read into one page and the token of the next
/// page (the key of the page's last item; empty when there is no more).
fn split_page<T>(mut items: Vec<T>, limit: usize, key: impl Fn(&T) -> String) -> (Vec<T>, String) {
    let more = items.len() > limit;
    items.truncate(limit);
    let token = match items.last() {
        Some(last) if more => URL_SAFE_NO_PAD.encode(key(last)),
        _ => String::new(),
    };
    (items, token)
}

fn token_value(token: &str, violations: &mut Vec<FieldViolation>) -> Option<String> {
    if token.is_empty() {
        return None;
    }
    match URL_SAFE_NO_PAD.decode(token).ok().and_then(|b| String::from_utf8(b).ok()) {
        Some(value) => Some(value),
        None => {
            violations.push(FieldViolation::new("page_token", "is not a token returned by this service"));
            None
        }
    }
}

// ---- the service ---------------------------------------------------------------

#[tonic::async_trait]
impl proto::schema_service_server::SchemaService for SchemaApi {
    async fn register_schema_version(
        &self,
        request: Request<proto::RegisterSchemaVersionRequest>,
    ) -> Result<Response<proto::RegisterSchemaVersionResponse>, Status> {
        let call = Call::new(&request, SCHEMA, "RegisterSchemaVersion");
        let request = request.into_inner();
        let mut violations = Vec::new();
        required("subject", &request.subject, &mut violations);
        required("definition", &request.definition, &mut violations);
        let format = data_format_from(request.data_format, "data_format")?;
        check(violations)?;
        let format = match format {
            Some(format) => format,
            None => self.subject_format(&request.subject).await?,
        };
        let permit = self.guard.authorize(&call.subject(&request.subject)).await?;
        let metadata = request.metadata.into_iter().collect();
        let governance = &self.governance;
        let (version, created) = permit
            .write(async { Ok(governance.register(&request.subject, format, &request.definition, metadata).await?) })
            .await?;
        Ok(Response::new(proto::RegisterSchemaVersionResponse { version: Some(version_to(version)), created }))
    }

    async fn get_schema_version(
        &self,
        request: Request<proto::GetSchemaVersionRequest>,
    ) -> Result<Response<proto::GetSchemaVersionResponse>, Status> {
        use proto::get_schema_version_request::Selector;
        let call = Call::new(&request, SCHEMA, "GetSchemaVersion");
        let registry = self.governance.registry();
        let version = match request.into_inner().selector {
            Some(Selector::SchemaId(id)) => {
                let id = uuid::Uuid::parse_str(&id)
                    .map_err(|e| invalid(vec![FieldViolation::new("schema_id", format!("is not a UUID: {e}"))]))?;
                registry
                    .get_version_by_id(id)
                    .await
                    .map_err(NexusError::from)?
                    .ok_or_else(|| Status::from(crate::core::schema::RegistryError::VersionIdNotFound(id)))?
            }
            Some(Selector::SubjectVersion(sv)) => {
                registry.get_version(&sv.subject, sv.version).await.map_err(NexusError::from)?.ok_or_else(|| {
                    Status::from(NexusError::Registry(crate::core::schema::RegistryError::VersionNotFound {
                        subject: sv.subject.clone(),
                        version: sv.version,
                    }))
                })?
            }
            Some(Selector::LatestOfSubject(subject)) => self.governance.latest_version(&subject).await?,
            None => {
                return Err(invalid(vec![FieldViolation::new(
                    "selector",
                    "set one of schema_id, subject_version, latest_of_subject",
                )]));
            }
        };
        // Decided once the subject is known (a lookup by id names none).
        let _ = self.guard.authorize(&call.subject(&version.subject)).await?;
        Ok(Response::new(proto::GetSchemaVersionResponse { version: Some(version_to(version)) }))
    }

    async fn list_subjects(
        &self,
        request: Request<proto::ListSubjectsRequest>,
    ) -> Result<Response<proto::ListSubjectsResponse>, Status> {
        let call = Call::new(&request, SCHEMA, "ListSubjects").own_tenant();
        let request = request.into_inner();
        let mut violations = Vec::new();
        let limit = page_size(request.page_size, &mut violations);
        let after = token_value(&request.page_token, &mut violations);
        check(violations)?;
        let _ = self.guard.authorize(&call).await?;
        let page =
            self.governance.registry().list_subjects(after.as_deref(), limit + 1).await.map_err(NexusError::from)?;
        let (page, next_page_token) = split_page(page, limit, |s| s.name.clone());
        let mut subjects = Vec::new();
        // A tenant-bound caller sees shared subjects and its own, never
        // another tenant's.
        let visible = |name: &str| {
            let owner = tenant_of(name);
            owner.is_empty() || call.principal.tenant.is_empty() || owner == call.principal.tenant
        };
        for subject in page.into_iter().filter(|s| visible(&s.name)) {
            let (subject, effective, latest) = self.governance.cached_subject(&subject.name).await?;
            subjects.push(subject_to(subject, effective, latest));
        }
        Ok(Response::new(proto::ListSubjectsResponse { subjects, next_page_token }))
    }

    async fn list_versions(
        &self,
        request: Request<proto::ListVersionsRequest>,
    ) -> Result<Response<proto::ListVersionsResponse>, Status> {
        let call = Call::new(&request, SCHEMA, "ListVersions");
        let request = request.into_inner();
        let mut violations = Vec::new();
        required("subject", &request.subject, &mut violations);
        let limit = page_size(request.page_size, &mut violations);
        let after = token_value(&request.page_token, &mut violations);
        let after = match after.map(|a| a.parse::<u32>()) {
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => {
                violations.push(FieldViolation::new("page_token", "is not a token returned by this service"));
                None
            }
            None => None,
        };
        check(violations)?;
        let _ = self.guard.authorize(&call.subject(&request.subject)).await?;
        let page = self
            .governance
            .registry()
            .list_versions(&request.subject, after, limit + 1, request.include_deleted)
            .await
            .map_err(NexusError::from)?;
        let (page, next_page_token) = split_page(page, limit, |v| v.version.to_string());
        let versions = page.into_iter().map(version_to).collect();
        Ok(Response::new(proto::ListVersionsResponse { versions, next_page_token }))
    }

    async fn check_compatibility(
        &self,
        request: Request<proto::CheckCompatibilityRequest>,
    ) -> Result<Response<proto::CheckCompatibilityResponse>, Status> {
        let call = Call::new(&request, SCHEMA, "CheckCompatibility");
        let request = request.into_inner();
        let mut violations = Vec::new();
        required("subject", &request.subject, &mut violations);
        required("definition", &request.definition, &mut violations);
        let format = data_format_from(request.data_format, "data_format")?;
        check(violations)?;
        let _ = self.guard.authorize(&call.subject(&request.subject)).await?;
        let report = self.governance.check_compatibility(&request.subject, format, &request.definition).await?;
        Ok(Response::new(proto::CheckCompatibilityResponse {
            compatible: report.changes.is_empty(),
            compatibility: compatibility_to(Some(report.mode)),
            existing_version: report.existing.map(|v| v.version),
            breaking_changes: report
                .changes
                .into_iter()
                .map(|c| proto::BreakingChange {
                    version: c.version,
                    direction: c.direction.as_str().to_string(),
                    kind: c.change.kind,
                    path: c.change.path,
                    detail: c.change.detail,
                })
                .collect(),
        }))
    }

    async fn get_compatibility(
        &self,
        request: Request<proto::GetCompatibilityRequest>,
    ) -> Result<Response<proto::GetCompatibilityResponse>, Status> {
        let call = Call::new(&request, SCHEMA, "GetCompatibility");
        let subject = request.into_inner().subject;
        let _ = self.guard.authorize(&call.subject(&subject)).await?;
        let subject = (!subject.is_empty()).then_some(subject);
        let (own, effective) = self.governance.compatibility(subject.as_deref()).await?;
        Ok(Response::new(proto::GetCompatibilityResponse {
            compatibility: compatibility_to(own),
            effective_compatibility: compatibility_to(Some(effective)),
        }))
    }

    async fn set_compatibility(
        &self,
        request: Request<proto::SetCompatibilityRequest>,
    ) -> Result<Response<proto::SetCompatibilityResponse>, Status> {
        let call = Call::new(&request, SCHEMA, "SetCompatibility");
        let request = request.into_inner();
        let mode = compatibility_from(request.compatibility, "compatibility")?;
        // No subject: the registry-wide default, a shared resource.
        let permit = self.guard.authorize(&call.subject(&request.subject)).await?;
        let subject = (!request.subject.is_empty()).then_some(request.subject);
        let governance = &self.governance;
        let effective =
            permit.write(async { Ok(governance.set_compatibility(subject.as_deref(), mode).await?) }).await?;
        Ok(Response::new(proto::SetCompatibilityResponse {
            effective_compatibility: compatibility_to(Some(effective)),
        }))
    }

    async fn get_subject(
        &self,
        request: Request<proto::GetSubjectRequest>,
    ) -> Result<Response<proto::GetSubjectResponse>, Status> {
        let call = Call::new(&request, SCHEMA, "GetSubject");
        let name = request.into_inner().name;
        let _ = self.guard.authorize(&call.subject(&name)).await?;
        let (subject, effective, latest) = self.governance.subject(&name).await?;
        Ok(Response::new(proto::GetSubjectResponse { subject: Some(subject_to(subject, effective, latest)) }))
    }

    async fn put_subject(
        &self,
        request: Request<proto::PutSubjectRequest>,
    ) -> Result<Response<proto::PutSubjectResponse>, Status> {
        let call = Call::new(&request, SCHEMA, "PutSubject");
        let Some(subject) = request.into_inner().subject else {
            return Err(invalid(vec![FieldViolation::new("subject", "is required")]));
        };
        let mut violations = Vec::new();
        required("subject.name", &subject.name, &mut violations);
        let format = data_format_from(subject.data_format, "subject.data_format")?.unwrap_or(DataFormat::Json);
        let compatibility = compatibility_from(subject.compatibility, "subject.compatibility")?;
        let route = match proto::Route::try_from(subject.route) {
            Ok(proto::Route::Unspecified | proto::Route::Core) => Route::Core,
            Ok(proto::Route::Secondary) => Route::Secondary,
            Err(_) => {
                violations.push(FieldViolation::new("subject.route", format!("unknown route {}", subject.route)));
                Route::Core
            }
        };
        let upcasters = upcasters_from(subject.upcasters, &mut violations);
        check(violations)?;
        let config = SubjectConfig {
            description: subject.description,
            route,
            allow_unvalidated: subject.allow_unvalidated,
            message_name: (!subject.message_name.is_empty()).then_some(subject.message_name),
            upcasters,
        };
        let permit = self.guard.authorize(&call.subject(&subject.name)).await?;
        let governance = &self.governance;
        let stored = permit
            .write(async { Ok(governance.put_subject(&subject.name, format, compatibility, config).await?) })
            .await?;
        let (stored, effective, latest) = self.governance.subject(&stored.name).await?;
        Ok(Response::new(proto::PutSubjectResponse { subject: Some(subject_to(stored, effective, latest)) }))
    }

    async fn validate_payload(
        &self,
        request: Request<proto::ValidatePayloadRequest>,
    ) -> Result<Response<proto::ValidatePayloadResponse>, Status> {
        let call = Call::new(&request, SCHEMA, "ValidatePayload");
        let request = request.into_inner();
        let mut violations = Vec::new();
        required("subject", &request.subject, &mut violations);
        check(violations)?;
        let _ = self.guard.authorize(&call.subject(&request.subject)).await?;
        let content_type =
            if request.content_type.is_empty() { JSON_CONTENT_TYPE.to_string() } else { request.content_type };
        let (version, errors) =
            self.governance.validate_payload(&request.subject, request.version, &content_type, &request.data).await?;
        Ok(Response::new(proto::ValidatePayloadResponse {
            valid: errors.is_empty(),
            version,
            violations: errors
                .into_iter()
                .map(|e| proto::PayloadViolation { pointer: e.pointer, message: e.message })
                .collect(),
        }))
    }

    async fn delete_schema_version(
        &self,
        request: Request<proto::DeleteSchemaVersionRequest>,
    ) -> Result<Response<proto::DeleteSchemaVersionResponse>, Status> {
        let call = Call::new(&request, SCHEMA, "DeleteSchemaVersion");
        let request = request.into_inner();
        let mut violations = Vec::new();
        required("subject", &request.subject, &mut violations);
        if request.version == 0 {
            violations.push(FieldViolation::new("version", "must be 1 or more"));
        }
        check(violations)?;
        let permit = self.guard.authorize(&call.subject(&request.subject)).await?;
        let governance = &self.governance;
        let version = permit
            .write(async { Ok(governance.delete_version(&request.subject, request.version, request.permanent).await?) })
            .await?;
        Ok(Response::new(proto::DeleteSchemaVersionResponse { version: version.map(version_to) }))
    }
}

impl SchemaApi {
    /// The format of an existing subject, or JSON for a new one.
    async fn subject_format(&self, subject: &str) -> Result<DataFormat, Status> {
        let existing = self.governance.registry().get_subject(subject).await.map_err(NexusError::from)?;
        Ok(existing.map_or(DataFormat::Json, |s| s.format))
    }
}

//! Policy enforcement at the API: `nexus.authz` decides every call,
//! `nexus.events` every append's events, and the decisions that must be kept
//! (every decision on a write, every deny) go to the audit trail.
//!
//! Each RPC names what it is about in a [`Call`], asks
//! [`Guard::authorize`], and, if it writes, runs its write through
//! [`Permit::write`], which records the decision beside the write and answers
//! only when both are durable.

use std::{future::Future, sync::Arc};

use tonic::{Code, Status};

use super::{
    header, principal,
    status::{meta, status},
};
use crate::core::{
    audit::{AuditLog, AuditResource, DecisionRecord, PolicyOutcome},
    event_policy::events_input,
    model::{ProposedEvent, is_system_stream},
    policy::{AuthzInput, Decision, PolicyEngine, Resource, tenant_of},
    principal::Principal,
    schema::governance::Governed,
};

/// gRPC service names, as the policies see them.
pub mod service {
    pub const EVENT_STORE: &str = "nexus.v1.EventStoreService";
    pub const COMMAND: &str = "nexus.v1.CommandService";
    pub const SCHEMA: &str = "nexus.v1.SchemaService";
    pub const POLICY: &str = "nexus.v1.PolicyService";
    pub const TEMPORAL: &str = "nexus.v1.TemporalQueryService";
    pub const QUERY: &str = "nexus.v1.QueryService";
    pub const QUEUE: &str = "nexus.v1.QueueService";
    pub const SNAPSHOT: &str = "nexus.v1.SnapshotService";
    pub const SAGA: &str = "nexus.v1.SagaService";
    pub const HANDLER: &str = "nexus.v1.HandlerService";
}

/// What one call is about.
#[derive(Debug, Clone)]
pub struct Call {
    pub service: &'static str,
    pub method: &'static str,
    pub principal: Principal,
    pub resource: Resource,
    pub correlation_id: Option<String>,
}

impl Call {
    /// A call of `service`/`method` by the request's principal, about
    /// nothing in particular yet.
    pub fn new<T>(request: &tonic::Request<T>, service: &'static str, method: &'static str) -> Self {
        let principal = principal(request);
        let correlation_id = header(request, "x-correlation-id");
        Self { service, method, principal, resource: Resource::default(), correlation_id }
    }

    /// About a stream (and so its tenant).
    pub fn stream(mut self, stream: &str) -> Self {
        self.resource.tenant = tenant_of(stream).to_string();
        self.resource.stream = Some(stream.to_string());
        self
    }

    /// About a read of the global log limited to `prefixes` (none: all).
    /// Several prefixes are decided one by one; see [`Guard::authorize_prefixes`].
    pub fn stream_prefix(mut self, prefix: &str) -> Self {
        self.resource.tenant = tenant_of(prefix).to_string();
        self.resource.stream_prefix = Some(prefix.to_string());
        self
    }

    /// About a schema subject (and so its tenant); an empty subject means
    /// the registry-wide settings, a shared resource.
    pub fn subject(mut self, subject: &str) -> Self {
        self.resource.tenant = tenant_of(subject).to_string();
        self.resource.subject = (!subject.is_empty()).then(|| subject.to_string());
        self
    }

    /// About a projection's documents or its definition. Projections span
    /// tenants; a tenant's principal is given only its own tenant's
    /// documents (keys under `"<tenant>/"`), so the resource is its tenant.
    pub fn projection(mut self, projection: &str) -> Self {
        self.resource.projection = (!projection.is_empty()).then(|| projection.to_string());
        self.own_tenant()
    }

    /// About a consumer of the queue path (or, with an empty name, all of
    /// them). Consumers receive the secondary events of every tenant, so
    /// they belong to no tenant: only platform principals reach them.
    pub fn consumer(mut self, consumer: &str) -> Self {
        self.resource.tenant = String::new();
        self.resource.consumer = (!consumer.is_empty()).then(|| consumer.to_string());
        self
    }

    /// About a command.
    pub fn command(mut self, aggregate_type: &str, command_type: &str, stream: &str) -> Self {
        self.resource.aggregate_type = Some(aggregate_type.to_string());
        self.resource.command_type = Some(command_type.to_string());
        self.stream(stream)
    }

    /// The resource is the caller's own tenant (for calls about no named
    /// resource, such as listing decisions).
    pub fn own_tenant(mut self) -> Self {
        self.resource.tenant = self.principal.tenant.clone();
        self
    }

    fn audit_resource(&self) -> AuditResource {
        let r = &self.resource;
        AuditResource {
            stream: r.stream.clone().unwrap_or_default(),
            stream_prefix: r.stream_prefix.clone().unwrap_or_default(),
            tenant: r.tenant.clone(),
            aggregate_type: r.aggregate_type.clone().unwrap_or_default(),
            command_type: r.command_type.clone().unwrap_or_default(),
            subject: r.subject.clone().unwrap_or_default(),
            projection: r.projection.clone().unwrap_or_default(),
            consumer: r.consumer.clone().unwrap_or_default(),
        }
    }

    fn record(&self) -> DecisionRecord {
        let mut record = DecisionRecord::new(&self.principal, self.service, self.method, self.audit_resource());
        record.correlation_id = self.correlation_id.clone().unwrap_or_default();
        record
    }
}

/// The name recorded for the server's built-in refusals (writes to system
/// streams), which no policy can lift.
pub const SYSTEM_POLICY: &str = "nexus.system";

/// The policy engine and the audit trail, shared by every service.
pub struct Guard {
    pub engine: Arc<PolicyEngine>,
    pub audit: Arc<AuditLog>,
}

/// An allowed call, carrying its decision record until the call's write
/// records it.
#[must_use = "a write must go through Permit::write so its decision is audited"]
pub struct Permit {
    audit: Arc<AuditLog>,
    record: DecisionRecord,
}

impl Guard {
    pub fn new(engine: Arc<PolicyEngine>, audit: Arc<AuditLog>) -> Arc<Self> {
        Arc::new(Self { engine, audit })
    }

    /// Asks `nexus.authz` about `call`. A deny is recorded, then answered
    /// with PERMISSION_DENIED (reason POLICY_DENIED) carrying the policy's
    /// messages.
    pub async fn authorize(&self, call: &Call) -> Result<Permit, Status> {
        let input = AuthzInput {
            service: call.service.to_string(),
            method: call.method.to_string(),
            principal: call.principal.clone(),
            resource: call.resource.clone(),
            correlation_id: call.correlation_id.clone(),
        };
        let decision = tracing::debug_span!("policy.authorize", allow = tracing::field::Empty).in_scope(|| {
            let decision = self.engine.authorize(&input);
            tracing::Span::current().record("allow", decision.allow);
            decision
        });
        let mut record = call.record();
        record.push(outcome(&decision));
        if !decision.allow {
            return Err(record_deny(&self.audit, record, &decision).await);
        }
        Ok(Permit { audit: self.audit.clone(), record })
    }

    /// Asks `nexus.authz` once per stream prefix of a read of the global log
    /// (all must be allowed), or once for the whole log when there is none.
    pub async fn authorize_prefixes(&self, call: Call, prefixes: &[String]) -> Result<(), Status> {
        if prefixes.is_empty() {
            // Reads of the whole log are about the caller's own tenant: a
            // tenant-bound caller must name its prefix.
            let whole = Call { resource: Resource { tenant: String::new(), ..Resource::default() }, ..call };
            let _ = self.authorize(&whole).await?;
            return Ok(());
        }
        for prefix in prefixes {
            let _ = self.authorize(&call.clone().stream_prefix(prefix)).await?;
        }
        Ok(())
    }

    /// Writes to system streams (`$…`, such as the audit trail) are the
    /// server's alone, whatever the policies say: refused with
    /// PERMISSION_DENIED (reason SYSTEM_STREAM), and the refusal recorded.
    pub async fn refuse_system_stream(&self, call: &Call, stream: &str) -> Result<(), Status> {
        if !is_system_stream(stream) {
            return Ok(());
        }
        let reason = format!("stream {stream} is a system stream: only the server writes it");
        let mut record = call.record();
        record.resource.stream = stream.to_string();
        record.push(PolicyOutcome { policy: SYSTEM_POLICY.to_string(), allow: false, reasons: vec![reason.clone()] });
        let decision_id = record.decision_id;
        if let Err(e) = self.audit.record(record).await {
            tracing::error!(error = %e, %decision_id, "cannot record a refusal in the audit trail");
        }
        let metadata = meta([("stream_id", stream.to_string()), ("decision_id", decision_id.to_string())]);
        Err(status(Code::PermissionDenied, reason, "SYSTEM_STREAM", metadata, &[]))
    }

    /// Asks `nexus.events` about an append's events (after schema
    /// validation). A deny is recorded with the authz decision before it,
    /// and nothing is written.
    pub async fn check_events(
        &self,
        mut permit: Permit,
        principal: &Principal,
        stream: &str,
        events: &[ProposedEvent],
        governed: Vec<Governed>,
    ) -> Result<Permit, Status> {
        let decision = tracing::debug_span!("policy.events", allow = tracing::field::Empty).in_scope(|| {
            let input = events_input(principal, stream, events, governed, self.engine.payload_routes());
            let decision = self.engine.check_events(&input);
            tracing::Span::current().record("allow", decision.allow);
            decision
        });
        if !decision.allow {
            return Err(permit.deny(&decision).await);
        }
        permit.record.push(outcome(&decision));
        Ok(permit)
    }
}

/// Records a deny, then answers PERMISSION_DENIED.
async fn record_deny(audit: &AuditLog, record: DecisionRecord, decision: &Decision) -> Status {
    let decision_id = record.decision_id;
    let (service, method) = (record.service.clone(), record.method.clone());
    if let Err(e) = audit.record(record).await {
        tracing::error!(error = %e, %decision_id, "cannot record a deny in the audit trail");
    }
    denied(decision, &service, &method, &decision_id.to_string())
}

impl Permit {
    /// Queues the call's decision record, then runs `write`; answers when
    /// both are done. The record is queued first so that the store commits
    /// it with the write or before it: an acknowledged write always has its
    /// record on disk. If the record cannot be queued, nothing is written
    /// (UNAVAILABLE). The write's error wins; an audit failure after a
    /// successful write is UNAVAILABLE (retrying is safe: writes are
    /// idempotent by id).
    pub async fn write<T>(self, write: impl Future<Output = Result<T, Status>>) -> Result<T, Status> {
        let (written, audited) = self.beside(write).await?;
        let value = written?;
        audited?;
        Ok(value)
    }

    /// Queues the call's decision record, runs `write`, waits for the record
    /// to be durable, and returns both outcomes. `Err` (and no write) if the
    /// record cannot be queued.
    pub async fn beside<T, E>(
        self,
        write: impl Future<Output = Result<T, E>>,
    ) -> Result<(Result<T, E>, Result<(), Status>), Status> {
        let Permit { audit, record } = self;
        let pending = audit.submit(record).await.map_err(audit_status)?;
        let written = write.await;
        let audited = pending.durable().await.map_err(|e| {
            tracing::error!(error = %e, "a write went ahead but its audit record could not be stored");
            audit_status(e)
        });
        Ok((written, audited))
    }

    /// A permit for a second record about the same call (a fresh decision
    /// id and time, the decisions so far), for a policy that decides later.
    pub fn followup(&self) -> Permit {
        let mut record = self.record.clone();
        record.decision_id = uuid::Uuid::now_v7();
        record.time_micros = crate::core::audit::now_micros();
        Permit { audit: self.audit.clone(), record }
    }

    /// A later policy (the event policy inside a command) denied the
    /// allowed call: records both decisions and answers PERMISSION_DENIED.
    pub async fn deny(mut self, decision: &Decision) -> Status {
        self.record.push(outcome(decision));
        record_deny(&self.audit, self.record, decision).await
    }

    /// The decision id of this call's audit record.
    pub fn decision_id(&self) -> uuid::Uuid {
        self.record.decision_id
    }
}

fn audit_status(e: crate::core::ports::StoreError) -> Status {
    Status::from(crate::core::error::NexusError::from(e))
}

fn outcome(decision: &Decision) -> PolicyOutcome {
    PolicyOutcome { policy: decision.policy.clone(), allow: decision.allow, reasons: decision.reasons.clone() }
}

/// PERMISSION_DENIED with ErrorInfo reason POLICY_DENIED.
fn denied(decision: &Decision, service: &str, method: &str, decision_id: &str) -> Status {
    let reasons = decision.reasons.join("; ");
    let message = format!("{} denied {service}/{method}: {reasons}", decision.policy);
    let metadata = meta([
        ("policy", decision.policy.clone()),
        ("reasons", reasons),
        ("decision_id", decision_id.to_string()),
        ("method", format!("{service}/{method}")),
    ]);
    status(Code::PermissionDenied, message, "POLICY_DENIED", metadata, &[])
}

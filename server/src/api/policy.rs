//! `nexus.v1.PolicyService`: dry runs, the loaded policies, reloads and the
//! audit trail.

use std::sync::Arc;

use nexus_sdk::{json::struct_to_json, proto};
use tonic::{Code, Request, Response, Status};

use super::{
    authz::{Call, Guard, service::POLICY},
    convert,
    status::{invalid, meta, status},
};
use crate::core::{
    audit::{DecisionFilter, DecisionRecord, PolicyOutcome},
    error::{FieldViolation, NexusError},
    policy::{Decision, PolicyInfo},
};

/// Default and largest page of ListDecisions.
const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1000;
/// Most audit records one ListDecisions call examines.
const SCAN_LIMIT: usize = 20_000;
/// The packages Evaluate accepts.
const PACKAGES: &[&str] = &["nexus.authz", "nexus.events"];

pub struct PolicyApi {
    guard: Arc<Guard>,
}

impl PolicyApi {
    pub fn new(guard: Arc<Guard>) -> Self {
        Self { guard }
    }
}

fn file_to(info: &PolicyInfo) -> proto::PolicyFile {
    proto::PolicyFile { path: info.path.clone(), package: info.package.clone(), sha256: info.sha256.clone() }
}

fn decision_to(d: Decision) -> proto::Decision {
    proto::Decision { policy: d.policy, allow: d.allow, reasons: d.reasons }
}

fn outcome_to(o: PolicyOutcome) -> proto::Decision {
    proto::Decision { policy: o.policy, allow: o.allow, reasons: o.reasons }
}

fn record_to(r: DecisionRecord) -> proto::DecisionRecord {
    proto::DecisionRecord {
        decision_id: r.decision_id.to_string(),
        time: Some(convert::timestamp(r.time_micros)),
        principal: Some(proto::DecisionPrincipal {
            subject: r.principal.subject,
            tenant: r.principal.tenant,
            roles: r.principal.roles,
        }),
        service: r.service,
        method: r.method,
        resource: Some(proto::DecisionResource {
            stream: r.resource.stream,
            stream_prefix: r.resource.stream_prefix,
            tenant: r.resource.tenant,
            aggregate_type: r.resource.aggregate_type,
            command_type: r.resource.command_type,
            subject: r.resource.subject,
            projection: r.resource.projection,
            consumer: r.resource.consumer,
        }),
        allow: r.allow,
        decisions: r.decisions.into_iter().map(outcome_to).collect(),
        correlation_id: r.correlation_id,
        audit_revision: r.audit_revision,
    }
}

#[tonic::async_trait]
impl proto::policy_service_server::PolicyService for PolicyApi {
    async fn evaluate(
        &self,
        request: Request<proto::EvaluateRequest>,
    ) -> Result<Response<proto::EvaluateResponse>, Status> {
        let call = Call::new(&request, POLICY, "Evaluate").own_tenant();
        let request = request.into_inner();
        let mut violations = Vec::new();
        if !PACKAGES.contains(&request.policy.as_str()) {
            violations.push(FieldViolation::new("policy", format!("must be one of: {}", PACKAGES.join(", "))));
        }
        let Some(input) = request.input else {
            violations.push(FieldViolation::new("input", "is required"));
            return Err(invalid(violations));
        };
        if !violations.is_empty() {
            return Err(invalid(violations));
        }
        let _ = self.guard.authorize(&call).await?;
        let engine = &self.guard.engine;
        let decision = engine.evaluate(&request.policy, struct_to_json(input)).map_err(|e| {
            invalid(vec![FieldViolation::new("input", format!("cannot evaluate {}: {e}", request.policy))])
        })?;
        Ok(Response::new(proto::EvaluateResponse {
            decision: Some(decision_to(decision)),
            generation: engine.generation(),
        }))
    }

    async fn list_policies(
        &self,
        request: Request<proto::ListPoliciesRequest>,
    ) -> Result<Response<proto::ListPoliciesResponse>, Status> {
        let _ = self.guard.authorize(&Call::new(&request, POLICY, "ListPolicies").own_tenant()).await?;
        let engine = &self.guard.engine;
        let mut files = engine.policies();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Response::new(proto::ListPoliciesResponse {
            policies: files.iter().map(file_to).collect(),
            generation: engine.generation(),
        }))
    }

    async fn get_policy(
        &self,
        request: Request<proto::GetPolicyRequest>,
    ) -> Result<Response<proto::GetPolicyResponse>, Status> {
        let call = Call::new(&request, POLICY, "GetPolicy").own_tenant();
        let path = request.into_inner().path;
        if path.is_empty() {
            return Err(invalid(vec![FieldViolation::new("path", "is required")]));
        }
        let _ = self.guard.authorize(&call).await?;
        let files = self.guard.engine.policies();
        let Some(file) = files.into_iter().find(|f| f.path == path) else {
            return Err(status(
                Code::NotFound,
                format!("no loaded policy file {path:?}; ListPolicies shows the loaded ones"),
                "POLICY_NOT_FOUND",
                meta([("path", path.clone())]),
                &[],
            ));
        };
        Ok(Response::new(proto::GetPolicyResponse { policy: Some(file_to(&file)), source: file.source }))
    }

    async fn reload_policies(
        &self,
        request: Request<proto::ReloadPoliciesRequest>,
    ) -> Result<Response<proto::ReloadPoliciesResponse>, Status> {
        let permit = self.guard.authorize(&Call::new(&request, POLICY, "ReloadPolicies").own_tenant()).await?;
        let engine = self.guard.engine.clone();
        let reloaded = permit
            .write(async move {
                // Parsing and compiling is CPU work; keep it off the I/O threads.
                let engine2 = engine.clone();
                tokio::task::spawn_blocking(move || engine2.reload())
                    .await
                    .map_err(|e| Status::internal(format!("policy reload task failed: {e}")))?
                    .map_err(|e| {
                        status(
                            Code::FailedPrecondition,
                            format!("policies not reloaded, the previous set stays active: {e}"),
                            "POLICY_INVALID",
                            meta([("error", e.to_string())]),
                            &[],
                        )
                    })?;
                Ok(engine)
            })
            .await?;
        let mut files = reloaded.policies();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Response::new(proto::ReloadPoliciesResponse {
            generation: reloaded.generation(),
            policies: files.iter().map(file_to).collect(),
        }))
    }

    async fn list_decisions(
        &self,
        request: Request<proto::ListDecisionsRequest>,
    ) -> Result<Response<proto::ListDecisionsResponse>, Status> {
        let call = Call::new(&request, POLICY, "ListDecisions").own_tenant();
        let request = request.into_inner();
        let mut violations = Vec::new();
        if request.page_size > MAX_PAGE {
            violations.push(FieldViolation::new("page_size", format!("must be at most {MAX_PAGE}")));
        }
        let limit = if request.page_size == 0 { DEFAULT_PAGE } else { request.page_size.min(MAX_PAGE) } as usize;
        let before = match request.page_token.as_str() {
            "" => None,
            token => match token.strip_prefix("r").and_then(|r| r.parse::<u64>().ok()) {
                Some(revision) => Some(revision),
                None => {
                    violations.push(FieldViolation::new("page_token", "is not a token returned by this service"));
                    None
                }
            },
        };
        let f = request.filter.unwrap_or_default();
        let since_micros = f.since.map(|t| t.seconds * 1_000_000 + i64::from(t.nanos) / 1000);
        if !violations.is_empty() {
            return Err(invalid(violations));
        }
        let _ = self.guard.authorize(&call).await?;
        // A tenant-bound caller sees only its tenant's decisions.
        let own = &call.principal.tenant;
        let tenant = match (own.is_empty(), f.tenant.is_empty()) {
            (false, _) => Some(own.clone()),
            (true, false) => Some(f.tenant),
            (true, true) => None,
        };
        let filter = DecisionFilter {
            subject: f.subject,
            tenant,
            allow: f.allow,
            service: f.service,
            method: f.method,
            correlation_id: f.correlation_id,
            since_micros,
        };
        let page = self.guard.audit.list(&filter, before, limit, SCAN_LIMIT).await.map_err(NexusError::from)?;
        Ok(Response::new(proto::ListDecisionsResponse {
            decisions: page.records.into_iter().map(record_to).collect(),
            next_page_token: page.next_revision.map(|r| format!("r{r}")).unwrap_or_default(),
        }))
    }
}

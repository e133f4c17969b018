//! `nexus.v1.SnapshotService`: read, take, delete snapshots; their policies
//! and counters.
//!
//! An aggregate is named by type and id, as in CommandService.Execute, and
//! lives in the caller's tenant (`<tenant>/<type>-<id>`), so a tenant's
//! principal only ever reaches its own aggregates' snapshots.

use std::{collections::HashMap, sync::Arc, time::Duration};

use nexus_sdk::{json::json_to_value, proto};
use tonic::{Code, Request, Response, Status};

use super::{
    ApiState,
    authz::{Call, service::SNAPSHOT},
    convert,
    status::{invalid, meta, status},
};
use crate::core::{
    command::CommandBus,
    error::{FieldViolation, NexusError},
    snapshot::{
        SnapshotInfo, SnapshotPolicy,
        snapshotter::{PolicySource, Snapshotter, TypeStats},
    },
    validate,
};

const DEFAULT_PAGE: u32 = 100;

pub struct SnapshotApi {
    state: Arc<ApiState>,
    snapshotter: Option<Arc<Snapshotter>>,
}

impl SnapshotApi {
    pub fn new(state: Arc<ApiState>, snapshotter: Option<Arc<Snapshotter>>) -> Self {
        Self { state, snapshotter }
    }

    fn snapshotter(&self) -> Result<&Arc<Snapshotter>, Status> {
        self.snapshotter.as_ref().ok_or_else(|| {
            status(
                Code::FailedPrecondition,
                "snapshots are turned off on this server (snapshots.enabled = false)".into(),
                "SNAPSHOTS_DISABLED",
                HashMap::new(),
                &[],
            )
        })
    }

    /// Checks an aggregate type (it must have a handler) and, when given, an
    /// aggregate id.
    fn aggregate(
        &self,
        aggregate_type: &str,
        aggregate_id: Option<&str>,
        violations: &mut Vec<FieldViolation>,
    ) -> Result<(), Status> {
        if let Some(id) = aggregate_id {
            validate::aggregate_id("aggregate_id", id, violations);
        }
        if aggregate_type.is_empty() {
            violations.push(FieldViolation::new("aggregate_type", "must not be empty"));
            return Ok(());
        }
        if self.state.commands.handlers().get(aggregate_type).is_none() {
            return Err(NexusError::UnknownAggregateType {
                given: aggregate_type.to_string(),
                valid: self.state.commands.handlers().aggregate_types(),
            }
            .into());
        }
        Ok(())
    }

    /// Checks a request naming an aggregate (plus the `violations` already
    /// found in its other fields), authorizes the call on the aggregate's
    /// stream in the caller's tenant, and returns that stream.
    async fn authorize_aggregate(
        &self,
        call: Call,
        aggregate_type: &str,
        aggregate_id: &str,
        mut violations: Vec<FieldViolation>,
    ) -> Result<String, Status> {
        self.aggregate(aggregate_type, Some(aggregate_id), &mut violations)?;
        check(violations)?;
        let stream_id = CommandBus::stream_id(&call.principal.tenant, aggregate_type, aggregate_id);
        let _ = self.state.guard.authorize(&call.stream(&stream_id)).await?;
        Ok(stream_id)
    }

    fn current(&self, info: &SnapshotInfo) -> bool {
        self.state.commands.handlers().get(&info.aggregate_type).is_some_and(|h| h.snapshot_versions() == info.versions)
    }

    fn to_proto(&self, info: &SnapshotInfo, state: Option<serde_json::Value>) -> proto::Snapshot {
        proto::Snapshot {
            stream_id: info.stream_id.clone(),
            aggregate_type: info.aggregate_type.clone(),
            revision: info.revision,
            first_revision: info.first_revision,
            state_schema_version: info.versions.state_schema,
            handler_version: info.versions.handler,
            size_bytes: info.size,
            created_at: Some(convert::timestamp(info.created_at)),
            current: self.current(info),
            state: state.map(json_to_value),
        }
    }
}

fn check(violations: Vec<FieldViolation>) -> Result<(), Status> {
    if violations.is_empty() { Ok(()) } else { Err(invalid(violations)) }
}

fn snapshot_not_found(stream_id: &str, revision: Option<u64>) -> Status {
    let message = match revision {
        Some(r) => format!("stream {stream_id} has no snapshot at revision {r}"),
        None => format!("stream {stream_id} has no snapshot"),
    };
    let mut details = meta([("stream_id", stream_id.to_string())]);
    if let Some(r) = revision {
        details.insert("revision".into(), r.to_string());
    }
    status(Code::NotFound, message, "SNAPSHOT_NOT_FOUND", details, &[])
}

fn store_error(e: crate::core::snapshot::SnapshotError) -> Status {
    NexusError::Internal(e.to_string()).into()
}

fn duration_from(field: &str, d: Option<prost_types::Duration>, violations: &mut Vec<FieldViolation>) -> Duration {
    match d.map(Duration::try_from) {
        None => Duration::ZERO,
        Some(Ok(d)) => d,
        Some(Err(_)) => {
            violations.push(FieldViolation::new(field, "must not be negative"));
            Duration::ZERO
        }
    }
}

fn duration_to(d: Duration) -> Option<prost_types::Duration> {
    (!d.is_zero()).then(|| prost_types::Duration::try_from(d).unwrap_or_default())
}

fn policy_to_proto(p: &SnapshotPolicy) -> proto::SnapshotPolicy {
    proto::SnapshotPolicy {
        every_events: p.every_events,
        max_state_bytes: p.max_state_bytes,
        max_age: duration_to(p.max_age),
        keep_last: p.keep_last,
        ttl: duration_to(p.ttl),
    }
}

fn stats_to_proto(aggregate_type: String, s: TypeStats) -> proto::SnapshotStats {
    let mean = |total: u64, n: u64| total.checked_div(n).unwrap_or(0);
    proto::SnapshotStats {
        aggregate_type,
        snapshots_created: s.snapshots_created,
        snapshot_failures: s.snapshot_failures,
        snapshots_skipped: s.snapshots_skipped,
        creation_time_mean: duration_to(Duration::from_micros(mean(s.creation_micros_total, s.snapshots_created))),
        creation_time_max: duration_to(Duration::from_micros(s.creation_micros_max)),
        loads: s.loads,
        loads_from_snapshot: s.loads_from_snapshot,
        events_replayed_mean: if s.loads == 0 { 0.0 } else { s.events_replayed_total as f64 / s.loads as f64 },
        events_replayed_max: s.events_replayed_max,
    }
}

#[tonic::async_trait]
impl proto::snapshot_service_server::SnapshotService for SnapshotApi {
    async fn get_snapshot(
        &self,
        request: Request<proto::GetSnapshotRequest>,
    ) -> Result<Response<proto::GetSnapshotResponse>, Status> {
        let call = Call::new(&request, SNAPSHOT, "GetSnapshot");
        let request = request.into_inner();
        let stream_id =
            self.authorize_aggregate(call, &request.aggregate_type, &request.aggregate_id, Vec::new()).await?;
        let store = self.snapshotter()?.store();
        let found = match request.revision {
            Some(revision) => store.get(&stream_id, revision).await.map_err(store_error)?,
            None => match store.list(&stream_id, None, 1).await.map_err(store_error)?.snapshots.first() {
                Some(newest) => store.get(&stream_id, newest.revision).await.map_err(store_error)?,
                None => None,
            },
        };
        let snapshot = found.ok_or_else(|| snapshot_not_found(&stream_id, request.revision))?;
        let state = serde_json::from_slice(&snapshot.state).unwrap_or(serde_json::Value::Null);
        Ok(Response::new(proto::GetSnapshotResponse { snapshot: Some(self.to_proto(&snapshot.info(), Some(state))) }))
    }

    async fn list_snapshots(
        &self,
        request: Request<proto::ListSnapshotsRequest>,
    ) -> Result<Response<proto::ListSnapshotsResponse>, Status> {
        let call = Call::new(&request, SNAPSHOT, "ListSnapshots");
        let request = request.into_inner();
        let mut violations = Vec::new();
        let page_size = if request.page_size == 0 { DEFAULT_PAGE } else { request.page_size };
        let page_size = convert::page_size("page_size", page_size, &self.state.limits, &mut violations);
        let before = match request.page_token.as_str() {
            "" => None,
            token => match token.parse::<u64>() {
                Ok(r) => Some(r),
                Err(_) => {
                    violations.push(FieldViolation::new("page_token", "is not a token from a previous response"));
                    None
                }
            },
        };
        let stream_id =
            self.authorize_aggregate(call, &request.aggregate_type, &request.aggregate_id, violations).await?;
        let page = self.snapshotter()?.store().list(&stream_id, before, page_size).await.map_err(store_error)?;
        Ok(Response::new(proto::ListSnapshotsResponse {
            snapshots: page.snapshots.iter().map(|s| self.to_proto(s, None)).collect(),
            next_page_token: page.next_before.map(|r| r.to_string()).unwrap_or_default(),
        }))
    }

    async fn create_snapshot(
        &self,
        request: Request<proto::CreateSnapshotRequest>,
    ) -> Result<Response<proto::CreateSnapshotResponse>, Status> {
        let call = Call::new(&request, SNAPSHOT, "CreateSnapshot");
        let request = request.into_inner();
        let stream_id =
            self.authorize_aggregate(call, &request.aggregate_type, &request.aggregate_id, Vec::new()).await?;
        let info = self.snapshotter()?.create_now(&request.aggregate_type, &stream_id).await?.ok_or_else(|| {
            status(
                Code::NotFound,
                format!("aggregate {} {} has no events to snapshot", request.aggregate_type, request.aggregate_id),
                "AGGREGATE_NOT_FOUND",
                meta([("stream_id", stream_id.clone())]),
                &[],
            )
        })?;
        Ok(Response::new(proto::CreateSnapshotResponse { snapshot: Some(self.to_proto(&info, None)) }))
    }

    async fn delete_snapshots(
        &self,
        request: Request<proto::DeleteSnapshotsRequest>,
    ) -> Result<Response<proto::DeleteSnapshotsResponse>, Status> {
        let call = Call::new(&request, SNAPSHOT, "DeleteSnapshots");
        let request = request.into_inner();
        let stream_id =
            self.authorize_aggregate(call, &request.aggregate_type, &request.aggregate_id, Vec::new()).await?;
        let deleted =
            self.snapshotter()?.store().delete(&stream_id, request.max_revision).await.map_err(store_error)?;
        Ok(Response::new(proto::DeleteSnapshotsResponse { deleted }))
    }

    async fn get_snapshot_policy(
        &self,
        request: Request<proto::GetSnapshotPolicyRequest>,
    ) -> Result<Response<proto::GetSnapshotPolicyResponse>, Status> {
        let call = Call::new(&request, SNAPSHOT, "GetSnapshotPolicy");
        let request = request.into_inner();
        let mut violations = Vec::new();
        self.aggregate(&request.aggregate_type, None, &mut violations)?;
        check(violations)?;
        let _ = self.state.guard.authorize(&call).await?;
        let (policy, source) = self.snapshotter()?.policy(&request.aggregate_type);
        let source = match source {
            PolicySource::Default => proto::SnapshotPolicySource::Default,
            PolicySource::Config => proto::SnapshotPolicySource::Config,
            PolicySource::Api => proto::SnapshotPolicySource::Api,
        };
        Ok(Response::new(proto::GetSnapshotPolicyResponse {
            policy: Some(policy_to_proto(&policy)),
            source: source as i32,
        }))
    }

    async fn set_snapshot_policy(
        &self,
        request: Request<proto::SetSnapshotPolicyRequest>,
    ) -> Result<Response<proto::SetSnapshotPolicyResponse>, Status> {
        let call = Call::new(&request, SNAPSHOT, "SetSnapshotPolicy");
        let request = request.into_inner();
        let mut violations = Vec::new();
        self.aggregate(&request.aggregate_type, None, &mut violations)?;
        let policy = match request.policy {
            None => {
                violations.push(FieldViolation::new("policy", "is required"));
                SnapshotPolicy::default()
            }
            Some(p) => SnapshotPolicy {
                every_events: p.every_events,
                max_state_bytes: p.max_state_bytes,
                max_age: duration_from("policy.max_age", p.max_age, &mut violations),
                keep_last: p.keep_last,
                ttl: duration_from("policy.ttl", p.ttl, &mut violations),
            },
        };
        violations.extend(policy.problems("policy."));
        check(violations)?;
        let _ = self.state.guard.authorize(&call).await?;
        self.snapshotter()?.set_policy(&request.aggregate_type, policy.clone()).await.map_err(store_error)?;
        Ok(Response::new(proto::SetSnapshotPolicyResponse { policy: Some(policy_to_proto(&policy)) }))
    }

    async fn get_snapshot_stats(
        &self,
        request: Request<proto::GetSnapshotStatsRequest>,
    ) -> Result<Response<proto::GetSnapshotStatsResponse>, Status> {
        let call = Call::new(&request, SNAPSHOT, "GetSnapshotStats");
        let request = request.into_inner();
        let mut violations = Vec::new();
        if !request.aggregate_type.is_empty() {
            self.aggregate(&request.aggregate_type, None, &mut violations)?;
        }
        check(violations)?;
        let _ = self.state.guard.authorize(&call).await?;
        let stats = self
            .state
            .commands
            .loader()
            .stats()
            .all()
            .into_iter()
            .filter(|(t, _)| request.aggregate_type.is_empty() || *t == request.aggregate_type)
            .map(|(t, s)| stats_to_proto(t, s))
            .collect();
        Ok(Response::new(proto::GetSnapshotStatsResponse { stats }))
    }
}

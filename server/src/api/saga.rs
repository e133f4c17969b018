//! `nexus.v1.SagaService`: saga definitions, starting sagas, their status
//! and history, cancel and retry.
//!
//! A saga belongs to the tenant of the principal that started it and runs
//! its commands as that principal: a tenant's principal sees only its own
//! sagas (others are NOT_FOUND), and a start is authorized like each of the
//! commands the saga may send (CommandService/Execute on their streams).

use std::{pin::Pin, sync::Arc, time::Duration};

use futures::Stream;
use nexus_sdk::{
    json::{json_to_struct, struct_to_json},
    proto,
};
use tokio::sync::broadcast::error::RecvError;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::{
    ApiState,
    authz::{
        Call,
        service::{COMMAND, SAGA},
    },
    convert, principal,
    status::invalid,
};
use crate::core::{
    command::CommandBus,
    error::FieldViolation,
    principal::Principal,
    saga::{
        Saga, SagaFilter, SagaStatus, SagaTransition,
        coordinator::{SagaCoordinator, SagaError},
        definition::{CommandTemplate, RetryPolicy, SagaDefinition, StepDefinition, Trigger},
    },
};

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

const DEFAULT_PAGE: u32 = 100;

pub struct SagaApi {
    state: Arc<ApiState>,
    coordinator: Arc<SagaCoordinator>,
}

impl SagaApi {
    pub fn new(state: Arc<ApiState>, coordinator: Arc<SagaCoordinator>) -> Self {
        Self { state, coordinator }
    }

    /// The saga, if the caller's tenant may see it; NOT_FOUND otherwise.
    async fn visible(&self, principal: &Principal, saga_id: &str) -> Result<Saga, Status> {
        if saga_id.is_empty() {
            return Err(invalid(vec![FieldViolation::new("saga_id", "must not be empty")]));
        }
        let saga = self.coordinator.get(saga_id).await?;
        if !principal.tenant.is_empty() && saga.principal.tenant != principal.tenant {
            return Err(SagaError::NotFound(saga_id.to_owned()).into());
        }
        Ok(saga)
    }

    /// Authorizes a start as each command the saga may send, on the streams
    /// the input names.
    async fn authorize_commands<T>(
        &self,
        request: &Request<T>,
        definition: &SagaDefinition,
        input: &serde_json::Value,
    ) -> Result<(), Status> {
        let tenant = principal(request).tenant;
        let mut templates: Vec<&CommandTemplate> = Vec::new();
        for step in &definition.steps {
            templates.push(&step.command);
            templates.extend(step.compensation.as_ref());
        }
        for template in templates {
            // A template that cannot be built fails its step at run time.
            let Ok(command) = template.build(input) else { continue };
            let stream = CommandBus::stream_id(&tenant, &command.aggregate_type, &command.aggregate_id);
            let call =
                Call::new(request, COMMAND, "Execute").command(&command.aggregate_type, &command.command_type, &stream);
            let _ = self.state.guard.authorize(&call).await?;
        }
        Ok(())
    }
}

fn duration_to(d: Duration) -> Option<prost_types::Duration> {
    prost_types::Duration::try_from(d).ok()
}

fn duration_from(
    field: String,
    d: Option<prost_types::Duration>,
    default: Duration,
    violations: &mut Vec<FieldViolation>,
) -> Duration {
    match d.map(Duration::try_from) {
        None => default,
        Some(Ok(d)) => d,
        Some(Err(_)) => {
            violations.push(FieldViolation::new(field, "must not be negative"));
            default
        }
    }
}

fn template_to_proto(t: &CommandTemplate) -> proto::SagaCommandTemplate {
    proto::SagaCommandTemplate {
        aggregate_type: t.aggregate_type.clone(),
        aggregate_id: t.aggregate_id.clone(),
        command_type: t.command_type.clone(),
        payload: t.payload.clone(),
    }
}

fn template_from(t: proto::SagaCommandTemplate) -> CommandTemplate {
    CommandTemplate {
        aggregate_type: t.aggregate_type,
        aggregate_id: t.aggregate_id,
        command_type: t.command_type,
        payload: t.payload,
    }
}

fn definition_to_proto(d: &SagaDefinition) -> proto::SagaDefinition {
    proto::SagaDefinition {
        name: d.name.clone(),
        description: d.description.clone(),
        trigger_event_type: d.trigger.event_type.clone().unwrap_or_default(),
        steps: d
            .steps
            .iter()
            .map(|s| proto::SagaStep {
                name: s.name.clone(),
                command: Some(template_to_proto(&s.command)),
                compensation: s.compensation.as_ref().map(template_to_proto),
                timeout: duration_to(s.timeout),
                retry: Some(proto::SagaRetryPolicy {
                    max_attempts: s.retry.max_attempts,
                    initial_backoff: duration_to(s.retry.initial_backoff),
                    max_backoff: duration_to(s.retry.max_backoff),
                }),
                delay: duration_to(s.delay),
                success_event_type: s.success_event_type.clone().unwrap_or_default(),
            })
            .collect(),
    }
}

fn definition_from(d: proto::SagaDefinition) -> Result<SagaDefinition, Status> {
    let mut violations = Vec::new();
    let defaults = RetryPolicy::default();
    let mut steps = Vec::new();
    for (i, s) in d.steps.into_iter().enumerate() {
        let at = |field: &str| format!("definition.steps[{i}].{field}");
        let Some(command) = s.command else {
            violations.push(FieldViolation::new(at("command"), "must be set"));
            continue;
        };
        let retry = s.retry.unwrap_or_default();
        steps.push(StepDefinition {
            name: s.name,
            command: template_from(command),
            compensation: s.compensation.map(template_from),
            timeout: duration_from(at("timeout"), s.timeout, Duration::from_secs(30), &mut violations),
            retry: RetryPolicy {
                max_attempts: if retry.max_attempts == 0 { defaults.max_attempts } else { retry.max_attempts },
                initial_backoff: duration_from(
                    at("retry.initial_backoff"),
                    retry.initial_backoff,
                    defaults.initial_backoff,
                    &mut violations,
                ),
                max_backoff: duration_from(
                    at("retry.max_backoff"),
                    retry.max_backoff,
                    defaults.max_backoff,
                    &mut violations,
                ),
            },
            delay: duration_from(at("delay"), s.delay, Duration::ZERO, &mut violations),
            success_event_type: (!s.success_event_type.is_empty()).then_some(s.success_event_type),
        });
    }
    if !violations.is_empty() {
        return Err(invalid(violations));
    }
    let trigger = Trigger { event_type: (!d.trigger_event_type.is_empty()).then_some(d.trigger_event_type) };
    Ok(SagaDefinition { name: d.name, description: d.description, trigger, steps })
}

fn status_to_proto(s: SagaStatus) -> proto::SagaStatus {
    match s {
        SagaStatus::Running => proto::SagaStatus::Running,
        SagaStatus::Completed => proto::SagaStatus::Completed,
        SagaStatus::Compensating => proto::SagaStatus::Compensating,
        SagaStatus::Compensated => proto::SagaStatus::Compensated,
        SagaStatus::Failed => proto::SagaStatus::Failed,
        SagaStatus::Cancelled => proto::SagaStatus::Cancelled,
    }
}

fn status_from(s: proto::SagaStatus) -> Option<SagaStatus> {
    match s {
        proto::SagaStatus::Unspecified => None,
        proto::SagaStatus::Running => Some(SagaStatus::Running),
        proto::SagaStatus::Completed => Some(SagaStatus::Completed),
        proto::SagaStatus::Compensating => Some(SagaStatus::Compensating),
        proto::SagaStatus::Compensated => Some(SagaStatus::Compensated),
        proto::SagaStatus::Failed => Some(SagaStatus::Failed),
        proto::SagaStatus::Cancelled => Some(SagaStatus::Cancelled),
    }
}

fn millis(ms: i64) -> Option<prost_types::Timestamp> {
    Some(convert::timestamp(ms.saturating_mul(1000)))
}

fn transition_to_proto(saga: &Saga, t: &SagaTransition) -> proto::SagaTransition {
    let kind = serde_json::to_value(t.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    proto::SagaTransition {
        saga_id: t.saga_id.clone(),
        version: t.version,
        kind,
        status: status_to_proto(t.status).into(),
        step: t.step.and_then(|i| saga.definition.steps.get(i as usize)).map(|s| s.name.clone()).unwrap_or_default(),
        attempt: t.attempt,
        error: t.error.clone().unwrap_or_default(),
        time: millis(t.at),
    }
}

fn saga_to_proto(saga: &Saga, history: &[SagaTransition]) -> proto::Saga {
    proto::Saga {
        saga_id: saga.saga_id.clone(),
        definition: saga.definition.name.clone(),
        input: json_to_struct(saga.data.clone()),
        status: status_to_proto(saga.status).into(),
        completed_steps: saga.completed_steps,
        error: saga.error.clone().unwrap_or_default(),
        subject: saga.principal.subject.clone(),
        tenant: saga.principal.tenant.clone(),
        create_time: millis(saga.created_at),
        update_time: millis(saga.updated_at),
        history: history.iter().map(|t| transition_to_proto(saga, t)).collect(),
    }
}

/// Whether the saga stops moving after this transition.
fn is_last(t: &SagaTransition) -> bool {
    t.status.is_terminal()
}

#[tonic::async_trait]
impl proto::saga_service_server::SagaService for SagaApi {
    async fn register_saga_definition(
        &self,
        request: Request<proto::RegisterSagaDefinitionRequest>,
    ) -> Result<Response<proto::RegisterSagaDefinitionResponse>, Status> {
        let call = Call::new(&request, SAGA, "RegisterSagaDefinition").own_tenant();
        let request = request.into_inner();
        let Some(definition) = request.definition else {
            return Err(invalid(vec![FieldViolation::new("definition", "must be set")]));
        };
        let definition = definition_from(definition)?;
        let permit = self.state.guard.authorize(&call).await?;
        permit.write(async { self.coordinator.register(definition.clone()).await.map_err(Status::from) }).await?;
        Ok(Response::new(proto::RegisterSagaDefinitionResponse { definition: Some(definition_to_proto(&definition)) }))
    }

    async fn list_saga_definitions(
        &self,
        request: Request<proto::ListSagaDefinitionsRequest>,
    ) -> Result<Response<proto::ListSagaDefinitionsResponse>, Status> {
        let call = Call::new(&request, SAGA, "ListSagaDefinitions").own_tenant();
        let _ = self.state.guard.authorize(&call).await?;
        let definitions = self.coordinator.definitions().await;
        Ok(Response::new(proto::ListSagaDefinitionsResponse {
            definitions: definitions.iter().map(|(d, _)| definition_to_proto(d)).collect(),
        }))
    }

    async fn start_saga(
        &self,
        request: Request<proto::StartSagaRequest>,
    ) -> Result<Response<proto::StartSagaResponse>, Status> {
        let principal = principal(&request);
        let call = Call::new(&request, SAGA, "StartSaga").own_tenant();
        let mut violations = Vec::new();
        let body = request.get_ref();
        if body.definition.is_empty() {
            violations.push(FieldViolation::new("definition", "must not be empty"));
        }
        let input = match body.input.clone() {
            Some(input) => struct_to_json(input),
            None => {
                violations.push(FieldViolation::new("input", "must be set (a JSON object)"));
                serde_json::Value::Null
            }
        };
        if !violations.is_empty() {
            return Err(invalid(violations));
        }
        let definition = self
            .coordinator
            .definitions()
            .await
            .into_iter()
            .map(|(d, _)| d)
            .find(|d| d.name == body.definition)
            .ok_or_else(|| SagaError::UnknownDefinition(body.definition.clone()))?;
        let permit = self.state.guard.authorize(&call).await?;
        self.authorize_commands(&request, &definition, &input).await?;
        let body = request.into_inner();
        let request_id = (!body.request_id.is_empty()).then_some(body.request_id);
        let saga = permit
            .write(async {
                self.coordinator.start(&body.definition, request_id, input, &principal).await.map_err(Status::from)
            })
            .await?;
        Ok(Response::new(proto::StartSagaResponse { saga: Some(saga_to_proto(&saga, &[])) }))
    }

    async fn get_saga(
        &self,
        request: Request<proto::GetSagaRequest>,
    ) -> Result<Response<proto::GetSagaResponse>, Status> {
        let principal = principal(&request);
        let call = Call::new(&request, SAGA, "GetSaga").own_tenant();
        let saga = self.visible(&principal, &request.get_ref().saga_id).await?;
        let _ = self.state.guard.authorize(&call).await?;
        let history = self.coordinator.history(&saga.saga_id).await?;
        Ok(Response::new(proto::GetSagaResponse { saga: Some(saga_to_proto(&saga, &history)) }))
    }

    async fn list_sagas(
        &self,
        request: Request<proto::ListSagasRequest>,
    ) -> Result<Response<proto::ListSagasResponse>, Status> {
        let principal = principal(&request);
        let call = Call::new(&request, SAGA, "ListSagas").own_tenant();
        let request = request.into_inner();
        let mut violations = Vec::new();
        let page_size = if request.page_size == 0 { DEFAULT_PAGE } else { request.page_size };
        let page_size = convert::page_size("page_size", page_size, &self.state.limits, &mut violations);
        let status = match proto::SagaStatus::try_from(request.status) {
            Ok(status) => status_from(status),
            Err(_) => {
                violations.push(FieldViolation::new("status", "is not a SagaStatus"));
                None
            }
        };
        if !violations.is_empty() {
            return Err(invalid(violations));
        }
        let _ = self.state.guard.authorize(&call).await?;
        let filter = SagaFilter {
            status,
            definition: (!request.definition.is_empty()).then_some(request.definition),
            tenant: (!principal.tenant.is_empty()).then_some(principal.tenant),
        };
        let after = (!request.page_token.is_empty()).then_some(request.page_token);
        let page = match self.coordinator.list(&filter, after.as_deref(), page_size).await {
            Err(SagaError::Store(crate::core::saga::SagaStoreError::NotFound(_))) => {
                return Err(invalid(vec![FieldViolation::new(
                    "page_token",
                    "is not a token from a previous response",
                )]));
            }
            other => other?,
        };
        Ok(Response::new(proto::ListSagasResponse {
            sagas: page.sagas.iter().map(|s| saga_to_proto(s, &[])).collect(),
            next_page_token: page.next.unwrap_or_default(),
        }))
    }

    type WatchSagaStream = ResponseStream<proto::WatchSagaResponse>;

    async fn watch_saga(
        &self,
        request: Request<proto::WatchSagaRequest>,
    ) -> Result<Response<Self::WatchSagaStream>, Status> {
        let principal = principal(&request);
        let call = Call::new(&request, SAGA, "WatchSaga").own_tenant();
        let saga = self.visible(&principal, &request.get_ref().saga_id).await?;
        let _ = self.state.guard.authorize(&call).await?;
        let mut after = request.get_ref().after_version;
        // Subscribe before reading the history, so no transition falls between.
        let mut live = self.coordinator.watch();
        let coordinator = self.coordinator.clone();
        let shutdown = self.state.shutdown.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            let send =
                |t: &SagaTransition| proto::WatchSagaResponse { transition: Some(transition_to_proto(&saga, t)) };
            loop {
                // Catch up from the store (at the start and after lagging).
                let history = match coordinator.history(&saga.saga_id).await {
                    Ok(history) => history,
                    Err(e) => {
                        let _ = tx.send(Err(Status::from(e))).await;
                        return;
                    }
                };
                let from = after;
                for t in history.iter().filter(|t| t.version > from) {
                    if tx.send(Ok(send(t))).await.is_err() {
                        return;
                    }
                    after = t.version;
                    if is_last(t) {
                        return;
                    }
                }
                // Resumed after the end: nothing more will come.
                if history.last().is_some_and(is_last) {
                    return;
                }
                loop {
                    let next = tokio::select! {
                        next = live.recv() => next,
                        _ = shutdown.cancelled() => {
                            let _ = tx.send(Err(Status::unavailable("the server is shutting down"))).await;
                            return;
                        }
                        _ = tx.closed() => return,
                    };
                    match next {
                        Ok(t) if t.saga_id == saga.saga_id && t.version > after => {
                            if tx.send(Ok(send(&t))).await.is_err() {
                                return;
                            }
                            after = t.version;
                            if is_last(&t) {
                                return;
                            }
                        }
                        Ok(_) => {}
                        Err(RecvError::Lagged(_)) => break,
                        Err(RecvError::Closed) => return,
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn cancel_saga(
        &self,
        request: Request<proto::CancelSagaRequest>,
    ) -> Result<Response<proto::CancelSagaResponse>, Status> {
        let principal = principal(&request);
        let call = Call::new(&request, SAGA, "CancelSaga").own_tenant();
        let saga = self.visible(&principal, &request.get_ref().saga_id).await?;
        let permit = self.state.guard.authorize(&call).await?;
        let saga = permit.write(async { self.coordinator.cancel(&saga.saga_id).await.map_err(Status::from) }).await?;
        Ok(Response::new(proto::CancelSagaResponse { saga: Some(saga_to_proto(&saga, &[])) }))
    }

    async fn retry_saga(
        &self,
        request: Request<proto::RetrySagaRequest>,
    ) -> Result<Response<proto::RetrySagaResponse>, Status> {
        let principal = principal(&request);
        let call = Call::new(&request, SAGA, "RetrySaga").own_tenant();
        let saga = self.visible(&principal, &request.get_ref().saga_id).await?;
        let permit = self.state.guard.authorize(&call).await?;
        let saga = permit.write(async { self.coordinator.retry(&saga.saga_id).await.map_err(Status::from) }).await?;
        Ok(Response::new(proto::RetrySagaResponse { saga: Some(saga_to_proto(&saga, &[])) }))
    }
}

//! `nexus.v1.CommandService`.

use std::sync::Arc;

use nexus_sdk::{json::struct_to_json, proto};
use tonic::{Request, Response, Status};

use super::{
    ApiState,
    authz::{Call, service::COMMAND},
    convert, header, principal,
};
use crate::core::{
    command::{CommandBus, CommandRequest},
    error::NexusError,
};

pub struct CommandApi {
    state: Arc<ApiState>,
}

impl CommandApi {
    pub fn new(state: Arc<ApiState>) -> Self {
        Self { state }
    }
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

#[tonic::async_trait]
impl proto::command_service_server::CommandService for CommandApi {
    async fn execute(
        &self,
        request: Request<proto::ExecuteRequest>,
    ) -> Result<Response<proto::ExecuteResponse>, Status> {
        let principal = principal(&request);
        let call = Call::new(&request, COMMAND, "Execute");
        let correlation_header = header(&request, "x-correlation-id");
        let causation_header = header(&request, "x-causation-id");
        let traceparent = header(&request, "traceparent");
        let request = request.into_inner();
        let payload = request.payload.map(struct_to_json).unwrap_or_else(|| serde_json::json!({}));
        let mut custom_metadata = std::collections::BTreeMap::new();
        if let Some(traceparent) = traceparent {
            custom_metadata.insert("traceparent".to_string(), traceparent);
        }
        let stream = CommandBus::stream_id(&principal.tenant, &request.aggregate_type, &request.aggregate_id);
        let call = call.command(&request.aggregate_type, &request.command_type, &stream);
        let call = match non_empty(request.correlation_id.clone()) {
            Some(id) => Call { correlation_id: Some(id), ..call },
            None => call,
        };
        let permit = self.state.guard.authorize(&call).await?;
        let command = CommandRequest {
            aggregate_type: request.aggregate_type,
            aggregate_id: request.aggregate_id,
            command_type: request.command_type,
            payload,
            expected: request.expected_revision.map(|e| convert::expected_revision(Some(e))),
            command_id: non_empty(request.command_id),
            correlation_id: non_empty(request.correlation_id).or(correlation_header),
            causation_id: non_empty(request.causation_id).or(causation_header),
            principal,
            custom_metadata,
        };
        // The authz decision is recorded beside the command's write; if the
        // event policy then denies the events, a second record says so.
        let followup = permit.followup();
        let (result, audited) = permit.beside(self.state.commands.execute(command)).await?;
        let outcome = match result {
            Err(NexusError::PolicyDenied(decision)) => return Err(followup.deny(&decision).await),
            Err(e) => return Err(e.into()),
            Ok(outcome) => outcome,
        };
        audited?;
        Ok(Response::new(proto::ExecuteResponse {
            stream_id: outcome.stream_id,
            events: outcome.events.into_iter().map(convert::recorded_event).collect(),
            revision: outcome.revision,
            command_id: outcome.command_id,
            correlation_id: outcome.correlation_id,
            already_executed: outcome.already_executed,
        }))
    }

    async fn list_aggregate_types(
        &self,
        request: Request<proto::ListAggregateTypesRequest>,
    ) -> Result<Response<proto::ListAggregateTypesResponse>, Status> {
        let _ = self.state.guard.authorize(&Call::new(&request, COMMAND, "ListAggregateTypes")).await?;
        let commands = &self.state.commands;
        let mut aggregate_types: Vec<proto::AggregateTypeInfo> = commands
            .handlers()
            .iter()
            .map(|h| proto::AggregateTypeInfo {
                aggregate_type: h.aggregate_type().to_string(),
                command_types: h.command_types(),
                event_types: h.event_types(),
            })
            .collect();
        // Remote handlers' types, known once an instance registered.
        aggregate_types.extend(commands.remote().describe().into_iter().map(
            |(aggregate_type, command_types, event_types, _)| proto::AggregateTypeInfo {
                aggregate_type,
                command_types,
                event_types,
            },
        ));
        aggregate_types.sort_by(|a, b| a.aggregate_type.cmp(&b.aggregate_type));
        Ok(Response::new(proto::ListAggregateTypesResponse { aggregate_types }))
    }
}

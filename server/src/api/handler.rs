//! HandlerService: the stream over which remote command handlers register
//! and decide (the logic is in `core::remote`).

use std::{collections::BTreeMap, pin::Pin, sync::Arc, time::Duration};

use futures::Stream;
use nexus_sdk::{
    json::{json_to_struct, struct_to_json},
    proto::{self, decide_result, serve_request, serve_response},
};
use tokio::{sync::mpsc, time::Instant};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Request, Response, Status, Streaming};

use super::{
    ApiState,
    authz::{Call, service::HANDLER},
    convert, principal,
    status::invalid,
};
use crate::core::{
    error::FieldViolation,
    remote::{DecideJob, Decision, Registration},
};

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// How long a new stream may take to send its registration.
const REGISTRATION_TIMEOUT: Duration = Duration::from_secs(10);
/// Decide requests an instance may take at once when it does not say.
const DEFAULT_MAX_IN_FLIGHT: u32 = 16;

pub struct HandlerApi {
    state: Arc<ApiState>,
}

impl HandlerApi {
    pub fn new(state: Arc<ApiState>) -> Self {
        Self { state }
    }
}

#[tonic::async_trait]
impl proto::handler_service_server::HandlerService for HandlerApi {
    type ServeStream = ResponseStream<proto::ServeResponse>;

    async fn serve(
        &self,
        request: Request<Streaming<proto::ServeRequest>>,
    ) -> Result<Response<Self::ServeStream>, Status> {
        let _ = self.state.guard.authorize(&Call::new(&request, HANDLER, "Serve")).await?;
        if !principal(&request).tenant.is_empty() {
            return Err(Status::permission_denied(
                "a remote handler serves every tenant's commands: connect with a principal that is not bound to a tenant",
            ));
        }
        let mut inbound = request.into_inner();
        let first = match tokio::time::timeout(REGISTRATION_TIMEOUT, inbound.message()).await {
            Err(_) => return Err(Status::deadline_exceeded("no registration within 10 s")),
            Ok(Err(status)) => return Err(status),
            Ok(Ok(first)) => first,
        };
        let Some(proto::ServeRequest { message: Some(serve_request::Message::Register(registration)) }) = first else {
            return Err(invalid(vec![FieldViolation::new("register", "the first message must be a registration")]));
        };
        let remote = self.state.commands.remote().clone();
        let max_in_flight =
            if registration.max_in_flight == 0 { DEFAULT_MAX_IN_FLIGHT } else { registration.max_in_flight };
        let (instance, mut jobs) = remote.register(Registration {
            aggregate_type: registration.aggregate_type,
            command_types: registration.command_types,
            event_types: registration.event_types,
            instance_name: registration.instance_name,
            max_in_flight: max_in_flight as usize,
        })?;
        let interval = remote.config().heartbeat_interval;
        let (out, out_rx) = mpsc::channel(64);
        let registered = proto::ServeResponse {
            message: Some(serve_response::Message::Registered(proto::Registered {
                instance_id: instance.id.clone(),
                heartbeat_interval_millis: u32::try_from(interval.as_millis()).unwrap_or(u32::MAX),
            })),
        };
        let _ = out.send(Ok(registered)).await;
        let shutdown = self.state.shutdown.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.tick().await;
            let mut heard = Instant::now();
            let why = loop {
                tokio::select! {
                    _ = shutdown.cancelled() => break "the server is shutting down",
                    message = inbound.message() => match message {
                        Ok(Some(message)) => {
                            heard = Instant::now();
                            match message.message {
                                Some(serve_request::Message::Result(result)) => {
                                    let request_id = result.request_id.clone();
                                    if !instance.complete(&request_id, decision(result)) {
                                        tracing::debug!(instance = %instance.name, request_id, "late or unknown decide result dropped");
                                    }
                                }
                                Some(serve_request::Message::Register(_)) => {
                                    let _ = out.send(Err(invalid(vec![FieldViolation::new(
                                        "register",
                                        "an instance registers once, in its first message",
                                    )]))).await;
                                    break "it registered twice";
                                }
                                Some(serve_request::Message::Heartbeat(_)) | None => {}
                            }
                        }
                        Ok(None) => break "it closed the stream",
                        Err(_) => break "its stream broke",
                    },
                    job = jobs.recv() => match job {
                        Some(job) => {
                            let message = serve_response::Message::Decide(decide_request(job));
                            if out.send(Ok(proto::ServeResponse { message: Some(message) })).await.is_err() {
                                break "it went away";
                            }
                        }
                        None => break "its queue closed",
                    },
                    _ = tick.tick() => {
                        if heard.elapsed() > interval * 3 {
                            let _ = out.send(Err(Status::new(Code::DeadlineExceeded, "no heartbeat for three intervals"))).await;
                            break "it was silent for three heartbeat intervals";
                        }
                        let heartbeat = serve_response::Message::Heartbeat(proto::Heartbeat {});
                        if out.send(Ok(proto::ServeResponse { message: Some(heartbeat) })).await.is_err() {
                            break "it went away";
                        }
                    }
                }
            };
            tracing::info!(instance = %instance.name, why, "remote handler instance disconnected");
            // Queued requests fail over at once: close the queue, then wake
            // the requests waiting on this instance.
            drop(jobs);
            remote.unregister(&instance);
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(out_rx))))
    }
}

fn decide_request(job: DecideJob) -> proto::DecideRequest {
    proto::DecideRequest {
        request_id: job.request_id,
        aggregate_type: job.aggregate_type,
        aggregate_id: job.aggregate_id,
        stream_id: job.stream_id,
        command_type: job.command_type,
        payload: json_to_struct(job.payload),
        events: job.events.iter().cloned().map(convert::recorded_event).collect(),
        command_id: job.command_id,
        correlation_id: job.correlation_id,
        deadline: Some(convert::timestamp(job.deadline_micros)),
    }
}

fn decision(result: proto::DecideResult) -> Decision {
    match result.outcome {
        Some(decide_result::Outcome::Events(events)) => Decision::Events(
            events
                .events
                .into_iter()
                .map(|e| (e.event_type, e.data.map(struct_to_json).unwrap_or_else(|| serde_json::json!({}))))
                .collect(),
        ),
        Some(decide_result::Outcome::Rejection(rejection)) => Decision::Rejected {
            reason: rejection.reason,
            message: if rejection.message.is_empty() {
                "the handler rejected the command".into()
            } else {
                rejection.message
            },
            metadata: rejection.metadata.into_iter().collect::<BTreeMap<_, _>>(),
        },
        None => Decision::Invalid("a decide result without events or a rejection".into()),
    }
}

//! `nexus.v1.EventStoreService`.

use std::{pin::Pin, sync::Arc};

use futures::Stream;
use nexus_sdk::proto;
use tokio_stream::{StreamExt, wrappers::ReceiverStream};
use tracing::Instrument;

use crate::core::metrics::OpenStream;
use tonic::{Request, Response, Status};

use super::{
    ApiState,
    authz::{Call, service::EVENT_STORE},
    convert, principal,
    status::invalid,
};
use crate::core::{
    audit::AUDIT_STREAM,
    model::{ReadAllQuery, ReadStreamQuery, RecordedEvent, StreamState},
    ports::EventStore,
    schema::governance::Governance,
    subscription::{self, StreamFrom, SubscriptionError, SubscriptionMessage},
    validate,
};

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

pub struct EventStoreApi {
    state: Arc<ApiState>,
}

impl EventStoreApi {
    pub fn new(state: Arc<ApiState>) -> Self {
        Self { state }
    }

    /// The store holding a stream for reading: the audit trail (kept beside
    /// the log, never in it) for `$audit`, the event store for everything else.
    fn store_for(&self, stream_id: &str) -> &Arc<dyn EventStore> {
        if stream_id == AUDIT_STREAM { self.state.guard.audit.store() } else { &self.state.store }
    }
}

impl EventStoreApi {
    /// Events as the reader asked for them: upcast to the latest schema
    /// version of their type, or exactly as stored.
    async fn present(&self, events: Vec<RecordedEvent>, as_stored: bool) -> Result<Vec<RecordedEvent>, Status> {
        if as_stored { Ok(events) } else { Ok(self.state.governance.upcast_all(events).await?) }
    }

    /// A subscription's messages as the reader asked for them.
    fn presented(
        &self,
        rx: tokio::sync::mpsc::Receiver<Result<SubscriptionMessage, SubscriptionError>>,
        as_stored: bool,
    ) -> impl Stream<Item = Result<SubscriptionMessage, Status>> + Send + 'static {
        let governance = self.state.governance.clone();
        ReceiverStream::new(rx).then(move |item| present_message(governance.clone(), as_stored, item))
    }
}

/// One subscription message, its event upcast unless the reader asked for
/// stored payloads. An event that cannot be upcast ends the subscription with
/// the error (the reader can resume after the last position it saw, or ask
/// for stored payloads).
async fn present_message(
    governance: Arc<Governance>,
    as_stored: bool,
    item: Result<SubscriptionMessage, SubscriptionError>,
) -> Result<SubscriptionMessage, Status> {
    match item.map_err(Status::from)? {
        SubscriptionMessage::Event(event) if !as_stored => {
            Ok(SubscriptionMessage::Event(Box::new(governance.upcast(*event).await?)))
        }
        other => Ok(other),
    }
}

fn check(violations: Vec<crate::core::error::FieldViolation>) -> Result<(), Status> {
    if violations.is_empty() { Ok(()) } else { Err(invalid(violations)) }
}

#[tonic::async_trait]
impl proto::event_store_service_server::EventStoreService for EventStoreApi {
    async fn append_to_stream(
        &self,
        request: Request<proto::AppendToStreamRequest>,
    ) -> Result<Response<proto::AppendToStreamResponse>, Status> {
        let principal = principal(&request);
        let call = Call::new(&request, EVENT_STORE, "AppendToStream");
        let request = request.into_inner();
        let mut violations = Vec::new();
        validate::stream_id("stream_id", &request.stream_id, &mut violations);
        let mut events = convert::proposed_events(request.events, &principal, &self.state.limits, &mut violations);
        check(violations)?;
        // Consumers' spans hang under this call's span.
        for event in &mut events {
            crate::core::trace_context::inject_current(&mut event.metadata.custom);
        }
        let guard = &self.state.guard;
        guard.refuse_system_stream(&call, &request.stream_id).await?;
        let permit = guard.authorize(&call.stream(&request.stream_id)).await?;
        let event_count = events.len();
        let governed = self
            .state
            .governance
            .govern("events", &mut events)
            .instrument(tracing::debug_span!("schema.validate", event_count))
            .await?;
        let permit = guard.check_events(permit, &principal, &request.stream_id, &events, governed).await?;
        let expected = convert::expected_revision(request.expected_revision);
        let store = &self.state.store;
        let result = permit.write(async { Ok(store.append(&request.stream_id, expected, events).await?) }).await?;
        Ok(Response::new(convert::append_result(result)))
    }

    async fn read_stream(
        &self,
        request: Request<proto::ReadStreamRequest>,
    ) -> Result<Response<proto::ReadStreamResponse>, Status> {
        let call = Call::new(&request, EVENT_STORE, "ReadStream");
        let request = request.into_inner();
        let mut violations = Vec::new();
        validate::stream_id("stream_id", &request.stream_id, &mut violations);
        let direction = convert::direction(request.direction, &mut violations);
        let limit = convert::page_size("page_size", request.page_size, &self.state.limits, &mut violations);
        check(violations)?;
        let _ = self.state.guard.authorize(&call.stream(&request.stream_id)).await?;
        let slice = self
            .store_for(&request.stream_id)
            .read_stream(ReadStreamQuery {
                stream_id: request.stream_id,
                direction,
                from_revision: request.from_revision,
                limit,
            })
            .await?;
        let events = self.present(slice.events, request.as_stored).await?;
        Ok(Response::new(proto::ReadStreamResponse {
            events: events.into_iter().map(convert::recorded_event).collect(),
            next_revision: slice.next_revision,
            current_revision: slice.current_revision,
        }))
    }

    async fn read_all(
        &self,
        request: Request<proto::ReadAllRequest>,
    ) -> Result<Response<proto::ReadAllResponse>, Status> {
        let call = Call::new(&request, EVENT_STORE, "ReadAll");
        let request = request.into_inner();
        let mut violations = Vec::new();
        let direction = convert::direction(request.direction, &mut violations);
        let from = convert::all_from(request.from, direction, &mut violations);
        let limit = convert::page_size("page_size", request.page_size, &self.state.limits, &mut violations);
        let filter = convert::filter(request.filter, &mut violations);
        check(violations)?;
        self.state.guard.authorize_prefixes(call, &filter.stream_prefixes).await?;
        let slice = self.state.store.read_all(ReadAllQuery { from, direction, limit, filter }).await?;
        let events = self.present(slice.events, request.as_stored).await?;
        Ok(Response::new(proto::ReadAllResponse {
            events: events.into_iter().map(convert::recorded_event).collect(),
            next_position: slice.next.map(convert::position),
            end_of_log: slice.end_of_log,
        }))
    }

    type SubscribeAllStream = ResponseStream<proto::SubscribeAllResponse>;

    async fn subscribe_all(
        &self,
        request: Request<proto::SubscribeAllRequest>,
    ) -> Result<Response<Self::SubscribeAllStream>, Status> {
        use proto::subscribe_all_response::Content;
        let call = Call::new(&request, EVENT_STORE, "SubscribeAll");
        let request = request.into_inner();
        let mut violations = Vec::new();
        let from = convert::all_from(request.from, crate::core::model::Direction::Forwards, &mut violations);
        let filter = convert::filter(request.filter, &mut violations);
        let heartbeat = convert::heartbeat(request.heartbeat_interval, &mut violations);
        check(violations)?;
        self.state.guard.authorize_prefixes(call, &filter.stream_prefixes).await?;
        if let crate::core::model::AllFrom::After(position) = &from {
            // Reject a bad token now, as a status, rather than as the
            // stream's first message.
            self.state
                .store
                .read_all(ReadAllQuery {
                    from: crate::core::model::AllFrom::After(position.clone()),
                    direction: crate::core::model::Direction::Forwards,
                    limit: 1,
                    filter: Default::default(),
                })
                .await?;
        }
        let rx =
            subscription::subscribe_all(self.state.store.clone(), from, filter, heartbeat, self.state.shutdown.clone());
        let open = OpenStream::open("subscribe");
        let stream = self.presented(rx, request.as_stored).map(move |item| {
            let _counted = &open;
            let content = match item? {
                SubscriptionMessage::Event(event) => Content::Event(convert::recorded_event(*event)),
                SubscriptionMessage::CaughtUp(position) => {
                    Content::CaughtUp(proto::CaughtUp { position: position.map(convert::position) })
                }
                SubscriptionMessage::Checkpoint(position) => {
                    Content::Checkpoint(proto::Checkpoint { position: position.map(convert::position) })
                }
                SubscriptionMessage::Heartbeat => Content::Checkpoint(proto::Checkpoint { position: None }),
            };
            Ok(proto::SubscribeAllResponse { content: Some(content) })
        });
        Ok(Response::new(Box::pin(stream)))
    }

    type SubscribeStreamStream = ResponseStream<proto::SubscribeStreamResponse>;

    async fn subscribe_stream(
        &self,
        request: Request<proto::SubscribeStreamRequest>,
    ) -> Result<Response<Self::SubscribeStreamStream>, Status> {
        use proto::{stream_from::Kind, subscribe_stream_response::Content};
        let call = Call::new(&request, EVENT_STORE, "SubscribeStream");
        let request = request.into_inner();
        let mut violations = Vec::new();
        validate::stream_id("stream_id", &request.stream_id, &mut violations);
        let heartbeat = convert::heartbeat(request.heartbeat_interval, &mut violations);
        check(violations)?;
        let _ = self.state.guard.authorize(&call.stream(&request.stream_id)).await?;
        let from = match request.from.and_then(|f| f.kind) {
            None | Some(Kind::Start(())) => StreamFrom::Start,
            Some(Kind::End(())) => StreamFrom::End,
            Some(Kind::AfterRevision(r)) => StreamFrom::AfterRevision(r),
        };
        let store = self.store_for(&request.stream_id).clone();
        if store.stream_info(&request.stream_id).await?.state == StreamState::Tombstoned {
            return Err(crate::core::ports::StoreError::StreamTombstoned(request.stream_id).into());
        }
        let rx = subscription::subscribe_stream(store, request.stream_id, from, heartbeat, self.state.shutdown.clone());
        let open = OpenStream::open("subscribe");
        let stream = self.presented(rx, request.as_stored).map(move |item| {
            let _counted = &open;
            let content = match item? {
                SubscriptionMessage::Event(event) => Content::Event(convert::recorded_event(*event)),
                SubscriptionMessage::CaughtUp(position) => {
                    Content::CaughtUp(proto::CaughtUp { position: position.map(convert::position) })
                }
                SubscriptionMessage::Checkpoint(_) | SubscriptionMessage::Heartbeat => Content::Heartbeat(()),
            };
            Ok(proto::SubscribeStreamResponse { content: Some(content) })
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn get_stream_metadata(
        &self,
        request: Request<proto::GetStreamMetadataRequest>,
    ) -> Result<Response<proto::GetStreamMetadataResponse>, Status> {
        let call = Call::new(&request, EVENT_STORE, "GetStreamMetadata");
        let request = request.into_inner();
        let mut violations = Vec::new();
        validate::stream_id("stream_id", &request.stream_id, &mut violations);
        check(violations)?;
        let _ = self.state.guard.authorize(&call.stream(&request.stream_id)).await?;
        let info = self.store_for(&request.stream_id).stream_info(&request.stream_id).await?;
        let state = match info.state {
            StreamState::Absent => proto::StreamState::Unspecified,
            StreamState::Active => proto::StreamState::Active,
            StreamState::Deleted => proto::StreamState::Deleted,
            StreamState::Tombstoned => proto::StreamState::Tombstoned,
        };
        Ok(Response::new(proto::GetStreamMetadataResponse {
            stream_id: info.stream_id,
            metadata: Some(convert::stream_metadata_to_proto(info.metadata)),
            state: state as i32,
            last_revision: info.last_revision,
        }))
    }

    async fn set_stream_metadata(
        &self,
        request: Request<proto::SetStreamMetadataRequest>,
    ) -> Result<Response<proto::SetStreamMetadataResponse>, Status> {
        let call = Call::new(&request, EVENT_STORE, "SetStreamMetadata");
        let request = request.into_inner();
        let mut violations = Vec::new();
        validate::stream_id("stream_id", &request.stream_id, &mut violations);
        let metadata = convert::stream_metadata(request.metadata, &mut violations);
        check(violations)?;
        self.state.guard.refuse_system_stream(&call, &request.stream_id).await?;
        let permit = self.state.guard.authorize(&call.stream(&request.stream_id)).await?;
        let store = &self.state.store;
        let metadata =
            permit.write(async { Ok(store.set_stream_metadata(&request.stream_id, metadata).await?) }).await?;
        Ok(Response::new(proto::SetStreamMetadataResponse {
            metadata: Some(convert::stream_metadata_to_proto(metadata)),
        }))
    }

    async fn delete_stream(
        &self,
        request: Request<proto::DeleteStreamRequest>,
    ) -> Result<Response<proto::DeleteStreamResponse>, Status> {
        let call = Call::new(&request, EVENT_STORE, "DeleteStream");
        let request = request.into_inner();
        let mut violations = Vec::new();
        validate::stream_id("stream_id", &request.stream_id, &mut violations);
        check(violations)?;
        self.state.guard.refuse_system_stream(&call, &request.stream_id).await?;
        let permit = self.state.guard.authorize(&call.stream(&request.stream_id)).await?;
        let expected = convert::expected_revision(request.expected_revision);
        let store = &self.state.store;
        let last_revision = permit
            .write(async { Ok(store.delete_stream(&request.stream_id, expected, request.tombstone).await?) })
            .await?;
        Ok(Response::new(proto::DeleteStreamResponse { last_revision }))
    }
}

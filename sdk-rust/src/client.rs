use futures::Stream;
use tonic::{Code, Status, transport::Channel};
use tonic_types::StatusExt;

use crate::{
    auth::BearerToken,
    json::json_to_struct,
    proto::{
        AllFrom, AppendToStreamRequest, AppendToStreamResponse, EventFilter, ExecuteRequest, ExecuteResponse,
        ExpectedRevision, ProposedEvent, ReadAllRequest, ReadAllResponse, ReadStreamRequest, ReadStreamResponse,
        SubscribeAllRequest, SubscribeAllResponse, all_from, command_service_client::CommandServiceClient,
        event_store_service_client::EventStoreServiceClient, expected_revision,
        schema_service_client::SchemaServiceClient,
    },
};

/// Errors returned by [`Client`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server could not be reached.
    #[error("cannot connect to nexus: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The server answered with an error status.
    #[error("nexus returned {}: {}", .0.code(), .0.message())]
    Status(#[from] Box<Status>),
    /// The request could not be built.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl Error {
    /// The gRPC status code, if the server answered.
    pub fn code(&self) -> Option<Code> {
        match self {
            Error::Status(status) => Some(status.code()),
            _ => None,
        }
    }

    /// The stable `google.rpc.ErrorInfo` reason, such as
    /// `WRONG_EXPECTED_VERSION` or `INSUFFICIENT_FUNDS`.
    pub fn reason(&self) -> Option<String> {
        match self {
            Error::Status(status) => status.get_details_error_info().map(|info| info.reason),
            _ => None,
        }
    }
}

impl From<Status> for Error {
    fn from(status: Status) -> Self {
        Error::Status(Box::new(status))
    }
}

/// An event to append with [`Client::append`].
#[derive(Debug, Clone)]
pub struct EventToAppend {
    /// Client-chosen id; retries with the same id are idempotent.
    pub event_id: uuid::Uuid,
    /// The event type.
    pub event_type: String,
    /// JSON payload.
    pub data: serde_json::Value,
    /// Schema version the payload follows; 0 means the latest.
    pub schema_version: u32,
}

impl EventToAppend {
    /// A JSON event with a fresh random id.
    pub fn json(event_type: impl Into<String>, data: serde_json::Value) -> Self {
        Self { event_id: uuid::Uuid::new_v4(), event_type: event_type.into(), data, schema_version: 0 }
    }

    /// The same event, following a given schema version.
    pub fn with_schema_version(mut self, version: u32) -> Self {
        self.schema_version = version;
        self
    }
}

/// A typed Nexus client. Cheap to clone: clones share one HTTP/2 connection.
///
/// For a server that requires a token, add it with [`Client::with_token`];
/// for TLS, build the channel with `tonic::transport::ClientTlsConfig` and
/// use [`Client::from_channel`] (see [`crate::auth`]).
#[derive(Debug, Clone)]
pub struct Client {
    commands: CommandServiceClient<Channel>,
    events: EventStoreServiceClient<Channel>,
    schemas: SchemaServiceClient<Channel>,
    channel: Channel,
    token: BearerToken,
}

impl Client {
    /// Connects to a Nexus server, e.g. `http://127.0.0.1:50051`.
    pub async fn connect(endpoint: impl Into<String>) -> Result<Self, Error> {
        let channel = Channel::from_shared(endpoint.into())
            .map_err(|e| Error::InvalidRequest(e.to_string()))?
            .tcp_nodelay(true)
            .connect()
            .await?;
        Ok(Self::from_channel(channel))
    }

    /// Like [`Client::connect`], but connects on first use and does not
    /// fail when the server is not up yet: a long-running worker
    /// ([`crate::HandlerWorker`], [`crate::ProjectionWorker`]) started
    /// before the server then simply retries.
    pub fn connect_lazy(endpoint: impl Into<String>) -> Result<Self, Error> {
        let channel = Channel::from_shared(endpoint.into())
            .map_err(|e| Error::InvalidRequest(e.to_string()))?
            .tcp_nodelay(true)
            .connect_lazy();
        Ok(Self::from_channel(channel))
    }

    /// Wraps an existing channel.
    pub fn from_channel(channel: Channel) -> Self {
        Self {
            commands: CommandServiceClient::new(channel.clone()).max_decoding_message_size(64 * 1024 * 1024),
            events: EventStoreServiceClient::new(channel.clone()).max_decoding_message_size(64 * 1024 * 1024),
            schemas: SchemaServiceClient::new(channel.clone()).max_decoding_message_size(64 * 1024 * 1024),
            channel,
            token: BearerToken::none(),
        }
    }

    /// Sends `token` with every call this client wraps. The generated
    /// clients of [`Client::commands`], [`Client::event_store`] and
    /// [`Client::schemas`] do not carry it: wrap their channel with
    /// `with_interceptor(channel, token)` instead.
    pub fn with_token(mut self, token: BearerToken) -> Self {
        self.token = token;
        self
    }

    /// The underlying channel (shared by every clone).
    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    /// The token this client sends (see [`Client::with_token`]).
    pub fn token(&self) -> &BearerToken {
        &self.token
    }

    pub(crate) fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        self.token.apply(request.metadata_mut());
        request
    }

    /// The generated SchemaService client (the schema registry).
    pub fn schemas(&self) -> SchemaServiceClient<Channel> {
        self.schemas.clone()
    }

    /// The generated CommandService client, for calls this layer does not wrap.
    pub fn commands(&self) -> CommandServiceClient<Channel> {
        self.commands.clone()
    }

    /// The generated EventStoreService client, for calls this layer does not wrap.
    pub fn event_store(&self) -> EventStoreServiceClient<Channel> {
        self.events.clone()
    }

    /// Executes a command with a JSON object payload.
    pub async fn execute(
        &mut self,
        aggregate_type: &str,
        aggregate_id: &str,
        command_type: &str,
        payload: serde_json::Value,
    ) -> Result<ExecuteResponse, Error> {
        let payload = json_to_struct(payload)
            .ok_or_else(|| Error::InvalidRequest("command payload must be a JSON object".into()))?;
        self.execute_request(ExecuteRequest {
            aggregate_type: aggregate_type.into(),
            aggregate_id: aggregate_id.into(),
            command_type: command_type.into(),
            payload: Some(payload),
            ..Default::default()
        })
        .await
    }

    /// Executes a fully specified command (idempotency key, expected
    /// revision, correlation ids).
    pub async fn execute_request(&mut self, request: ExecuteRequest) -> Result<ExecuteResponse, Error> {
        Ok(self.commands.execute(self.request(request)).await?.into_inner())
    }

    /// Appends JSON events to a stream.
    pub async fn append(
        &mut self,
        stream_id: &str,
        expected: Option<expected_revision::Kind>,
        events: Vec<EventToAppend>,
    ) -> Result<AppendToStreamResponse, Error> {
        let events = events
            .into_iter()
            .map(|e| ProposedEvent {
                event_id: e.event_id.to_string(),
                event_type: e.event_type,
                content_type: "application/json".into(),
                data: serde_json::to_vec(&e.data).unwrap_or_default(),
                metadata: None,
                schema_version: e.schema_version,
            })
            .collect();
        let request = AppendToStreamRequest {
            stream_id: stream_id.into(),
            expected_revision: expected.map(|kind| ExpectedRevision { kind: Some(kind) }),
            events,
        };
        Ok(self.events.append_to_stream(self.request(request)).await?.into_inner())
    }

    /// Reads one page of a stream forwards from `from_revision`.
    pub async fn read_stream(
        &mut self,
        stream_id: &str,
        from_revision: u64,
        page_size: u32,
    ) -> Result<ReadStreamResponse, Error> {
        let request = ReadStreamRequest {
            stream_id: stream_id.into(),
            from_revision: Some(from_revision),
            page_size,
            ..Default::default()
        };
        Ok(self.events.read_stream(self.request(request)).await?.into_inner())
    }

    /// Reads one page of the global log forwards, after `after` (a position
    /// token) or from the start.
    pub async fn read_all(
        &mut self,
        after: Option<String>,
        page_size: u32,
        filter: Option<EventFilter>,
    ) -> Result<ReadAllResponse, Error> {
        let request = ReadAllRequest { from: Some(from_token(after)), page_size, filter, ..Default::default() };
        Ok(self.events.read_all(self.request(request)).await?.into_inner())
    }

    /// Subscribes to the global log after `after` (a position token) or from
    /// the start: history, then a caught-up marker, then live events.
    pub async fn subscribe_all(
        &mut self,
        after: Option<String>,
        filter: Option<EventFilter>,
    ) -> Result<impl Stream<Item = Result<SubscribeAllResponse, Status>> + use<>, Error> {
        let request = SubscribeAllRequest { from: Some(from_token(after)), filter, ..Default::default() };
        Ok(self.events.subscribe_all(self.request(request)).await?.into_inner())
    }
}

pub(crate) fn from_token(after: Option<String>) -> AllFrom {
    let kind = match after {
        Some(token) => all_from::Kind::After(token),
        None => all_from::Kind::Start(()),
    };
    AllFrom { kind: Some(kind) }
}

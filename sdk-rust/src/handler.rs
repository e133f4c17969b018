//! Remote command handlers: decide the commands of an aggregate type from a
//! Rust process (`nexus.v1.HandlerService.Serve`).
//!
//! A [`Handler`] is the aggregate's model: an initial state, a fold of the
//! aggregate's events into that state ([`Handler::evolve`]) and one decide
//! function per command type ([`Handler::command`]). It is pure and can be
//! tested without a server ([`Handler::fold`], [`Handler::decide`]).
//!
//! A [`HandlerWorker`] connects it to Nexus: it opens the Serve stream,
//! registers the aggregate type with its command and event types, and
//! answers each decide request by folding the request's events and calling
//! the command's decide function. It sends a heartbeat every third of the
//! server's heartbeat interval, decides up to `max_in_flight` requests at
//! once, and reconnects with [`Backoff`] when the stream breaks. Requests in
//! flight when a stream breaks are lost with it; the server sends them to
//! another instance (event ids derive from the command id, so nothing is
//! stored twice).
//!
//! ```no_run
//! use nexus_sdk::handler::{Handler, HandlerWorker, NewEvent, Rejection};
//! use serde::Deserialize;
//!
//! #[derive(Default)]
//! struct Counter { value: i64 }
//!
//! #[derive(Deserialize)]
//! #[serde(tag = "type", content = "data")]
//! enum Event { Incremented { by: i64 } }
//!
//! #[derive(Deserialize)]
//! struct Increment { by: i64 }
//!
//! # async fn demo() -> Result<(), nexus_sdk::Error> {
//! let counter = Handler::<Counter>::new("counter")
//!     .event_types(["Incremented"])
//!     .evolve(|state: &mut Counter, event: Event| match event {
//!         Event::Incremented { by } => state.value += by,
//!     })
//!     .command("Increment", |_state: &Counter, command: Increment| {
//!         if command.by <= 0 {
//!             return Err(Rejection::new("INVALID_AMOUNT", "by must be positive"));
//!         }
//!         Ok(vec![NewEvent::new("Incremented", serde_json::json!({ "by": command.by }))?])
//!     });
//! let client = nexus_sdk::Client::connect_lazy("http://127.0.0.1:50051")?;
//! let stop = tokio_util::sync::CancellationToken::new();
//! HandlerWorker::new(client, counter).run(stop).await
//! # }
//! ```

use std::{
    collections::BTreeMap,
    fmt,
    future::Future,
    panic::{AssertUnwindSafe, catch_unwind},
    sync::Arc,
    time::Duration,
};

use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value as Json;
use tokio::{
    sync::{Semaphore, mpsc},
    task::JoinSet,
    time::{Instant, MissedTickBehavior},
};
use tokio_util::sync::CancellationToken;
use tonic::Status;

use crate::{
    Client, Error,
    backoff::{Backoff, is_fatal},
    json::{json_to_struct, struct_to_json},
    proto::{
        DecideRequest, DecideResult, DecidedEvent, DecidedEvents, HandlerRegistration, Heartbeat, RecordedEvent,
        ServeRequest, ServeResponse, decide_result, handler_service_client::HandlerServiceClient, serve_request,
        serve_response,
    },
};

/// The rejection reason answered when a decide function panics, an event
/// cannot be folded, or a decided event cannot be sent.
pub const HANDLER_ERROR: &str = "HANDLER_ERROR";
/// The rejection reason answered for a command type without a decide
/// function.
pub const UNKNOWN_COMMAND: &str = "UNKNOWN_COMMAND";
/// The rejection reason answered when a command payload does not
/// deserialize into the decide function's command type.
pub const INVALID_COMMAND: &str = "INVALID_COMMAND";

/// How long to wait for the server's answer to a registration.
const REGISTRATION_WAIT: Duration = Duration::from_secs(30);
/// Used when the server does not say.
const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(5);

/// A business rule refused the command. The caller of Execute gets
/// `FAILED_PRECONDITION` with an ErrorInfo of this reason and metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Machine-readable, UPPER_SNAKE_CASE, for example `INSUFFICIENT_STOCK`.
    pub reason: String,
    /// For people.
    pub message: String,
    /// Details, for example `{"available": "3"}`.
    pub metadata: BTreeMap<String, String>,
}

impl Rejection {
    /// A rejection without metadata; an empty message becomes the reason.
    pub fn new(reason: impl Into<String>, message: impl Into<String>) -> Self {
        let reason = reason.into();
        let message = message.into();
        let message = if message.is_empty() { reason.clone() } else { message };
        Self { reason, message, metadata: BTreeMap::new() }
    }

    /// Adds a metadata entry (the value is formatted with `Display`).
    pub fn with(mut self, key: impl Into<String>, value: impl fmt::Display) -> Self {
        self.metadata.insert(key.into(), value.to_string());
        self
    }

    fn handler_error(message: impl Into<String>) -> Self {
        let mut message = message.into();
        if message.len() > 1000 {
            let mut end = 1000;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
        }
        Self::new(HANDLER_ERROR, message)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason, self.message)
    }
}

impl std::error::Error for Rejection {}

/// Lets a decide function use `?` on serialization: the command is answered
/// with a [`HANDLER_ERROR`] rejection.
impl From<serde_json::Error> for Rejection {
    fn from(error: serde_json::Error) -> Self {
        Self::handler_error(format!("serde_json: {error}"))
    }
}

/// An event a decide function produces.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The event type; one of the handler's [`Handler::event_types`].
    pub event_type: String,
    /// The data, a JSON object (stored as JSON, validated by the event
    /// type's schema).
    pub data: Json,
}

impl NewEvent {
    /// Serializes `data`; fails (as a [`HANDLER_ERROR`] rejection) if it
    /// does not serialize into a JSON object.
    pub fn new(event_type: impl Into<String>, data: impl Serialize) -> Result<Self, Rejection> {
        let event_type = event_type.into();
        let data = serde_json::to_value(data)?;
        if !data.is_object() {
            return Err(Rejection::handler_error(format!("the data of {event_type} is not a JSON object")));
        }
        Ok(Self { event_type, data })
    }
}

/// What a decide function returns: the events (none: nothing happens), or
/// a rejection.
pub type Decision = Result<Vec<NewEvent>, Rejection>;

type InitialFn<S> = dyn Fn() -> S + Send + Sync;
type EvolveFn<S> = dyn Fn(&mut S, &str, Json) -> Result<(), Rejection> + Send + Sync;
type DecideFn<S> = dyn Fn(&S, Json) -> Decision + Send + Sync;

/// A command handler for one aggregate type, with state type `S`.
pub struct Handler<S> {
    aggregate_type: String,
    event_types: Vec<String>,
    initial: Box<InitialFn<S>>,
    evolve: Option<Box<EvolveFn<S>>>,
    commands: BTreeMap<String, Box<DecideFn<S>>>,
}

impl<S: 'static> fmt::Debug for Handler<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handler")
            .field("aggregate_type", &self.aggregate_type)
            .field("command_types", &self.command_types())
            .field("event_types", &self.event_types)
            .finish_non_exhaustive()
    }
}

impl<S: Default + 'static> Handler<S> {
    /// A handler for `aggregate_type` (for example `inventory-item`; not one
    /// an in-process handler serves) whose new aggregates start at
    /// `S::default()`.
    pub fn new(aggregate_type: impl Into<String>) -> Self {
        Self::with_initial(aggregate_type, S::default)
    }
}

impl<S: 'static> Handler<S> {
    /// A handler whose new aggregates start at `initial()`.
    pub fn with_initial(aggregate_type: impl Into<String>, initial: impl Fn() -> S + Send + Sync + 'static) -> Self {
        Self {
            aggregate_type: aggregate_type.into(),
            event_types: Vec::new(),
            initial: Box::new(initial),
            evolve: None,
            commands: BTreeMap::new(),
        }
    }

    /// Every event type the decide functions may produce (the server
    /// refuses others, and each needs a schema). A decided event of another
    /// type is answered with a [`HANDLER_ERROR`] rejection.
    pub fn event_types<I, T>(mut self, event_types: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.event_types.extend(event_types.into_iter().map(Into::into));
        self
    }

    /// The fold, with typed events: each recorded event is deserialized as
    /// `{"type": <event type>, "data": <data>}` into `E`, which suits an
    /// enum with `#[serde(tag = "type", content = "data")]` (or use
    /// `serde_json::Value`). An event that does not deserialize fails the
    /// command with a [`HANDLER_ERROR`] rejection. Without a fold the state
    /// stays initial.
    pub fn evolve<E, F>(self, evolve: F) -> Self
    where
        E: DeserializeOwned,
        F: Fn(&mut S, E) + Send + Sync + 'static,
    {
        self.evolve_json(move |state, event_type, data| {
            let event = serde_json::from_value(serde_json::json!({ "type": event_type, "data": data }))
                .map_err(|e| Rejection::handler_error(format!("cannot decode a {event_type} event: {e}")))?;
            evolve(state, event);
            Ok(())
        })
    }

    /// The fold, with untyped events: `evolve(state, event_type, data)`.
    pub fn evolve_json<F>(mut self, evolve: F) -> Self
    where
        F: Fn(&mut S, &str, Json) -> Result<(), Rejection> + Send + Sync + 'static,
    {
        self.evolve = Some(Box::new(evolve));
        self
    }

    /// The decide function of `command_type`. The payload is deserialized
    /// into `C` (whole numbers come as integers; use `serde_json::Value` for
    /// the raw object); a payload that does not fit is answered with an
    /// [`INVALID_COMMAND`] rejection.
    pub fn command<C, F>(mut self, command_type: impl Into<String>, decide: F) -> Self
    where
        C: DeserializeOwned,
        F: Fn(&S, C) -> Decision + Send + Sync + 'static,
    {
        let command_type = command_type.into();
        let name = command_type.clone();
        let decide = move |state: &S, payload: Json| {
            let command = serde_json::from_value(payload)
                .map_err(|e| Rejection::new(INVALID_COMMAND, format!("invalid {name} payload: {e}")))?;
            decide(state, command)
        };
        self.commands.insert(command_type, Box::new(decide));
        self
    }

    /// The aggregate type.
    pub fn aggregate_type(&self) -> &str {
        &self.aggregate_type
    }

    /// The command types with a decide function.
    pub fn command_types(&self) -> Vec<String> {
        self.commands.keys().cloned().collect()
    }

    /// The state after `events`.
    pub fn fold(&self, events: &[RecordedEvent]) -> Result<S, Rejection> {
        let mut state = (self.initial)();
        if let Some(evolve) = &self.evolve {
            for event in events {
                let data: Json = crate::json::event_data(event).map_err(|e| {
                    Rejection::handler_error(format!(
                        "the data of event {} ({}) is not JSON: {e}",
                        event.stream_revision, event.event_type
                    ))
                })?;
                evolve(&mut state, &event.event_type, data)?;
            }
        }
        Ok(state)
    }

    /// Folds the request's events and decides its command: what the worker
    /// does for each decide request. Never fails: errors and panics become
    /// rejections.
    pub fn decide(&self, request: &DecideRequest) -> Decision {
        let Some(decide) = self.commands.get(&request.command_type) else {
            return Err(Rejection::new(UNKNOWN_COMMAND, format!("no decide function for {}", request.command_type)));
        };
        let payload = request.payload.clone().map_or_else(|| Json::Object(Default::default()), struct_to_json);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let state = self.fold(&request.events)?;
            decide(&state, payload)
        }));
        let events = match outcome {
            Ok(decision) => decision?,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".into());
                return Err(Rejection::handler_error(format!("the decide function panicked: {what}")));
            }
        };
        for event in &events {
            if !self.event_types.contains(&event.event_type) {
                return Err(Rejection::handler_error(format!(
                    "event type {} is not among the registered {:?}",
                    event.event_type, self.event_types
                )));
            }
        }
        Ok(events)
    }

    /// [`Handler::decide`] as the protocol's answer.
    pub fn decide_result(&self, request: &DecideRequest) -> DecideResult {
        let decision = self.decide(request).and_then(|events| {
            events
                .into_iter()
                .map(|event| {
                    let event_type = event.event_type;
                    json_to_struct(event.data)
                        .map(|data| DecidedEvent { event_type: event_type.clone(), data: Some(data) })
                        .ok_or_else(|| Rejection::handler_error(format!("the data of {event_type} is not an object")))
                })
                .collect::<Result<Vec<_>, _>>()
        });
        let outcome = match decision {
            Ok(events) => decide_result::Outcome::Events(DecidedEvents { events }),
            Err(rejection) => decide_result::Outcome::Rejection(crate::proto::Rejection {
                reason: rejection.reason,
                message: rejection.message,
                metadata: rejection.metadata.into_iter().collect(),
            }),
        };
        DecideResult { request_id: request.request_id.clone(), outcome: Some(outcome) }
    }
}

/// Serves a [`Handler`] on a Nexus server: see the [module](self) docs.
pub struct HandlerWorker<S> {
    handler: Arc<Handler<S>>,
    client: Client,
    instance_name: String,
    max_in_flight: u32,
    backoff: Backoff,
}

impl<S: 'static> fmt::Debug for HandlerWorker<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerWorker")
            .field("handler", &self.handler)
            .field("instance_name", &self.instance_name)
            .field("max_in_flight", &self.max_in_flight)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

impl<S: 'static> HandlerWorker<S> {
    /// A worker serving `handler` through `client` (its channel and token;
    /// `HandlerService.Serve` needs the admin role).
    pub fn new(client: Client, handler: Handler<S>) -> Self {
        Self {
            handler: Arc::new(handler),
            client,
            instance_name: String::new(),
            max_in_flight: 16,
            backoff: Backoff::default(),
        }
    }

    /// A name for the server's logs (default: one the server makes up).
    pub fn instance_name(mut self, name: impl Into<String>) -> Self {
        self.instance_name = name.into();
        self
    }

    /// How many decide requests the instance takes at once (default 16).
    pub fn max_in_flight(mut self, max_in_flight: u32) -> Self {
        self.max_in_flight = max_in_flight.max(1);
        self
    }

    /// The reconnection backoff (default: 200 ms doubling up to 5 s).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Serves until `stop` is cancelled. See [`HandlerWorker::run_until`].
    pub async fn run(self, stop: CancellationToken) -> Result<(), Error> {
        self.run_until(stop.cancelled_owned()).await
    }

    /// Serves until `shutdown` completes, reconnecting whenever the stream
    /// breaks or the server ends it. Returns `Ok(())` on shutdown, and an
    /// error when the handler has no command or event type, or when the
    /// server answers with a status another attempt will not fix
    /// (INVALID_ARGUMENT, FAILED_PRECONDITION, PERMISSION_DENIED,
    /// UNAUTHENTICATED, ...: a refused registration). Requests in flight at
    /// shutdown are dropped; the server sends them to another instance.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), Error> {
        if self.handler.commands.is_empty() {
            return Err(Error::InvalidRequest("the handler has no command: add one with Handler::command".into()));
        }
        if self.handler.event_types.is_empty() {
            return Err(Error::InvalidRequest(
                "the handler has no event type: add them with Handler::event_types".into(),
            ));
        }
        tokio::pin!(shutdown);
        let mut attempt = 0;
        loop {
            let mut registered = false;
            let outcome = tokio::select! {
                () = &mut shutdown => return Ok(()),
                outcome = self.session(&mut registered) => outcome,
            };
            match outcome {
                Ok(why) => tracing::warn!(aggregate_type = %self.handler.aggregate_type, "{why}; reconnecting"),
                Err(status) if is_fatal(status.code()) => return Err(status.into()),
                Err(status) => tracing::warn!(
                    aggregate_type = %self.handler.aggregate_type,
                    "handler stream failed ({}: {}); reconnecting", status.code(), status.message()
                ),
            }
            if registered {
                attempt = 0;
            }
            let delay = self.backoff.delay(attempt);
            attempt = attempt.saturating_add(1);
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// One Serve stream. `Ok(why)` when it ended in a way worth a
    /// reconnection, `Err` with the status it failed with.
    async fn session(&self, registered: &mut bool) -> Result<String, Status> {
        let registration = HandlerRegistration {
            aggregate_type: self.handler.aggregate_type.clone(),
            command_types: self.handler.command_types(),
            event_types: self.handler.event_types.clone(),
            instance_name: self.instance_name.clone(),
            max_in_flight: self.max_in_flight,
        };
        let (outbox, rx) = mpsc::unbounded_channel();
        let _ = outbox.send(ServeRequest { message: Some(serve_request::Message::Register(registration)) });
        let outbound = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|m| (m, rx)) });
        let mut stub = HandlerServiceClient::with_interceptor(self.client.channel(), self.client.token().clone())
            .max_decoding_message_size(64 * 1024 * 1024);
        let mut inbound = stub.serve(outbound).await?.into_inner();

        let first = match tokio::time::timeout(REGISTRATION_WAIT, inbound.message()).await {
            Err(_) => return Ok(format!("no answer to the registration within {REGISTRATION_WAIT:?}")),
            Ok(first) => first?,
        };
        let registered_as = match first {
            None => return Ok("the server ended the stream before answering the registration".into()),
            Some(ServeResponse { message: Some(serve_response::Message::Registered(registered)) }) => registered,
            Some(other) => return Ok(format!("the server answered the registration with {other:?}")),
        };
        *registered = true;
        let interval = match registered_as.heartbeat_interval_millis {
            0 => DEFAULT_HEARTBEAT,
            millis => Duration::from_millis(u64::from(millis).max(50)),
        };
        tracing::info!(
            aggregate_type = %self.handler.aggregate_type,
            instance_id = %registered_as.instance_id,
            "registered, heartbeat every {interval:?}"
        );

        let mut heartbeats = tokio::time::interval_at(Instant::now() + interval / 3, interval / 3);
        heartbeats.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let limit = Arc::new(Semaphore::new(self.max_in_flight as usize));
        // Dropped (aborting every decision in flight) when the session ends.
        let mut in_flight = JoinSet::new();
        let silence = 3 * interval;
        let mut deadline = Instant::now() + silence;
        loop {
            tokio::select! {
                message = tokio::time::timeout_at(deadline, inbound.message()) => {
                    let message = match message {
                        Err(_) => return Ok(format!("no message from the server for {silence:?}")),
                        Ok(message) => message?,
                    };
                    let Some(message) = message else { return Ok("the server ended the stream".into()) };
                    deadline = Instant::now() + silence;
                    if let Some(serve_response::Message::Decide(request)) = message.message {
                        let handler = Arc::clone(&self.handler);
                        let outbox = outbox.clone();
                        let limit = Arc::clone(&limit);
                        in_flight.spawn(async move {
                            let _permit = limit.acquire_owned().await;
                            let result = handler.decide_result(&request);
                            tracing::debug!(
                                command_type = %request.command_type,
                                aggregate_id = %request.aggregate_id,
                                request_id = %request.request_id,
                                rejected = matches!(result.outcome, Some(decide_result::Outcome::Rejection(_))),
                                "decided"
                            );
                            let _ = outbox.send(ServeRequest { message: Some(serve_request::Message::Result(result)) });
                        });
                    }
                }
                _ = heartbeats.tick() => {
                    let heartbeat = ServeRequest { message: Some(serve_request::Message::Heartbeat(Heartbeat {})) };
                    if outbox.send(heartbeat).is_err() {
                        return Ok("the request stream closed".into());
                    }
                }
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;
    use crate::json::json_to_struct;

    #[derive(Default, Debug)]
    struct Counter {
        value: i64,
        seen: Vec<String>,
    }

    #[derive(Deserialize)]
    #[serde(tag = "type", content = "data")]
    enum CounterEvent {
        Incremented { by: i64 },
        Reset {},
    }

    #[derive(Deserialize)]
    struct Increment {
        by: i64,
    }

    fn counter() -> Handler<Counter> {
        Handler::<Counter>::new("counter")
            .event_types(["Incremented", "Reset"])
            .evolve(|state: &mut Counter, event: CounterEvent| match event {
                CounterEvent::Incremented { by } => {
                    state.value += by;
                    state.seen.push("Incremented".into());
                }
                CounterEvent::Reset {} => {
                    state.value = 0;
                    state.seen.push("Reset".into());
                }
            })
            .command("Increment", |state: &Counter, command: Increment| {
                if command.by <= 0 {
                    return Err(Rejection::new("INVALID_AMOUNT", "by must be positive").with("by", command.by));
                }
                if state.value + command.by > 10 {
                    return Err(Rejection::new("TOO_BIG", "").with("value", state.value));
                }
                Ok(vec![NewEvent::new("Incremented", json!({ "by": command.by }))?])
            })
            .command(
                "Reset",
                |state: &Counter, _: Json| {
                    if state.value == 0 { Ok(vec![]) } else { Ok(vec![NewEvent::new("Reset", json!({}))?]) }
                },
            )
            .command("Bad", |_: &Counter, _: Json| Ok(vec![NewEvent::new("Other", json!({}))?]))
            .command("Panics", |_: &Counter, _: Json| panic!("boom"))
    }

    fn recorded(revision: u64, event_type: &str, data: Json) -> RecordedEvent {
        RecordedEvent {
            stream_revision: revision,
            event_type: event_type.into(),
            data: serde_json::to_vec(&data).expect("json"),
            ..Default::default()
        }
    }

    fn request(command_type: &str, payload: Json, events: Vec<RecordedEvent>) -> DecideRequest {
        DecideRequest {
            request_id: "r-1".into(),
            command_type: command_type.into(),
            payload: json_to_struct(payload),
            events,
            ..Default::default()
        }
    }

    #[test]
    fn folds_events_in_order() {
        let events = vec![
            recorded(0, "Incremented", json!({"by": 3})),
            recorded(1, "Reset", json!({})),
            recorded(2, "Incremented", json!({"by": 4})),
        ];
        let state = counter().fold(&events).expect("fold");
        assert_eq!(state.value, 4);
        assert_eq!(state.seen, ["Incremented", "Reset", "Incremented"]);
    }

    #[test]
    fn an_undecodable_event_is_a_handler_error() {
        let error = counter().fold(&[recorded(0, "Unknown", json!({}))]).expect_err("unknown event type");
        assert_eq!(error.reason, HANDLER_ERROR);
        let error = counter().fold(&[recorded(0, "Incremented", json!({"by": "x"}))]).expect_err("bad data");
        assert_eq!(error.reason, HANDLER_ERROR);
    }

    #[test]
    fn decides_on_the_folded_state() {
        let handler = counter();
        let events = vec![recorded(0, "Incremented", json!({"by": 8}))];
        let decided = handler.decide(&request("Increment", json!({"by": 2}), events.clone())).expect("events");
        assert_eq!(decided, vec![NewEvent { event_type: "Incremented".into(), data: json!({"by": 2}) }]);
        let rejection = handler.decide(&request("Increment", json!({"by": 3}), events)).expect_err("too big");
        assert_eq!(rejection.reason, "TOO_BIG");
        assert_eq!(rejection.message, "TOO_BIG");
        assert_eq!(rejection.metadata.get("value").map(String::as_str), Some("8"));
        assert_eq!(handler.decide(&request("Reset", json!({}), vec![])), Ok(vec![]));
    }

    #[test]
    fn dispatch_errors_become_rejections() {
        let handler = counter();
        assert_eq!(handler.decide(&request("Nope", json!({}), vec![])).expect_err("x").reason, UNKNOWN_COMMAND);
        assert_eq!(
            handler.decide(&request("Increment", json!({"by": "two"}), vec![])).expect_err("x").reason,
            INVALID_COMMAND
        );
        assert_eq!(handler.decide(&request("Increment", json!({}), vec![])).expect_err("x").reason, INVALID_COMMAND);
        let rejection = handler.decide(&request("Increment", json!({"by": -1}), vec![])).expect_err("x");
        assert_eq!((rejection.reason.as_str(), rejection.metadata["by"].as_str()), ("INVALID_AMOUNT", "-1"));
        let unregistered = handler.decide(&request("Bad", json!({}), vec![])).expect_err("x");
        assert_eq!(unregistered.reason, HANDLER_ERROR);
        let panicked = handler.decide(&request("Panics", json!({}), vec![])).expect_err("x");
        assert_eq!(panicked.reason, HANDLER_ERROR);
        assert!(panicked.message.contains("boom"), "{}", panicked.message);
    }

    #[test]
    fn results_echo_the_request_id() {
        let handler = counter();
        let result = handler.decide_result(&request("Increment", json!({"by": 1}), vec![]));
        assert_eq!(result.request_id, "r-1");
        let Some(decide_result::Outcome::Events(events)) = result.outcome else { panic!("events expected") };
        assert_eq!(events.events.len(), 1);
        assert_eq!(events.events[0].event_type, "Incremented");
        assert_eq!(struct_to_json(events.events[0].data.clone().expect("data")), json!({"by": 1}));

        let result = handler.decide_result(&request("Reset", json!({}), vec![]));
        assert!(matches!(result.outcome, Some(decide_result::Outcome::Events(ref e)) if e.events.is_empty()));

        let result = handler.decide_result(&request("Increment", json!({"by": 0}), vec![]));
        let Some(decide_result::Outcome::Rejection(rejection)) = result.outcome else { panic!("rejection expected") };
        assert_eq!(rejection.reason, "INVALID_AMOUNT");
        assert_eq!(rejection.metadata.get("by").map(String::as_str), Some("0"));
    }

    #[test]
    fn new_event_data_must_be_an_object() {
        assert_eq!(NewEvent::new("X", json!([1])).expect_err("array").reason, HANDLER_ERROR);
        assert_eq!(NewEvent::new("X", json!({"a": 1})).expect("object").data, json!({"a": 1}));
    }
}

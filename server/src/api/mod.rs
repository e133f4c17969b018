//! The gRPC API: tonic services over the core.

pub mod authz;
pub mod command;
pub mod convert;
pub mod event_store;
pub mod handler;
pub mod overload;
pub mod policy;
pub mod query;
pub mod queue;
pub mod saga;
pub mod schema;
pub mod snapshot;
pub mod status;
pub mod temporal;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::core::{command::CommandBus, ports::EventStore, principal::Principal, schema::governance::Governance};

/// What the services share.
pub struct ApiState {
    pub store: Arc<dyn EventStore>,
    pub commands: Arc<CommandBus>,
    pub governance: Arc<Governance>,
    /// Policy enforcement and the audit trail.
    pub guard: Arc<authz::Guard>,
    pub limits: convert::Limits,
    /// Fires when the server starts shutting down; open subscriptions end.
    pub shutdown: CancellationToken,
}

/// The caller of a request: the principal an authentication layer put into
/// the request's extensions, or the anonymous principal.
pub fn principal<T>(request: &tonic::Request<T>) -> Principal {
    request.extensions().get::<Principal>().cloned().unwrap_or_else(Principal::anonymous)
}

/// A request header as a string, if present and valid.
pub fn header<T>(request: &tonic::Request<T>, name: &str) -> Option<String> {
    request
        .metadata()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

//! Rust client for Nexus, the gRPC-first event-sourcing and CQRS platform.
//!
//! [`proto`] holds the messages and gRPC stubs generated from `proto/nexus/v1`;
//! [`Client`] is a small typed layer over them for the common calls.
//!
//! ```no_run
//! # async fn demo() -> Result<(), nexus_sdk::Error> {
//! let mut nexus = nexus_sdk::Client::connect("http://127.0.0.1:50051").await?;
//! let outcome = nexus
//!     .execute("account", "acc-1", "OpenAccount", serde_json::json!({"owner": "Alice"}))
//!     .await?;
//! println!("account at revision {:?}", outcome.revision);
//! # Ok(()) }
//! ```
//!
//! Two long-running workers build on it:
//!
//! - [`handler::HandlerWorker`] serves remote command handlers
//!   (`HandlerService.Serve`): it folds each aggregate's events into your
//!   state type and calls your decide function per command;
//! - [`projection::ProjectionWorker`] applies the global log to a read model
//!   with a checkpoint, resuming after restarts and disconnects.

pub mod auth;
mod backoff;
mod client;
pub mod handler;
pub mod json;
pub mod projection;

pub use auth::BearerToken;
pub use backoff::Backoff;
pub use client::{Client, Error, EventToAppend};
pub use handler::{Handler, HandlerWorker, NewEvent, Rejection};
pub use projection::{CheckpointStore, FileCheckpoint, InMemoryCheckpoint, ProjectionWorker};

/// Generated `nexus.v1` messages and gRPC stubs.
#[allow(clippy::all, missing_docs)]
pub mod proto {
    tonic::include_proto!("nexus.v1");

    /// Encoded `FileDescriptorSet` of the nexus.v1 API and its imports, for
    /// gRPC server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/nexus_descriptor.bin"));
}

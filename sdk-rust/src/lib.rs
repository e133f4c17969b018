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

pub mod auth;
mod client;
pub mod json;

pub use auth::BearerToken;
pub use client::{Client, Error, EventToAppend};

/// Generated `nexus.v1` messages and gRPC stubs.
#[allow(clippy::all, missing_docs)]
pub mod proto {
    tonic::include_proto!("nexus.v1");

    /// Encoded `FileDescriptorSet` of the nexus.v1 API and its imports, for
    /// gRPC server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/nexus_descriptor.bin"));
}

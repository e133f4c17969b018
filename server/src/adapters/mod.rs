//! Adapters: implementations of the core's ports on concrete backends.

#[cfg(feature = "aws")]
pub mod aws;
pub mod log_bus;
#[cfg(feature = "opensearch")]
pub mod opensearch;
pub mod sqlite;

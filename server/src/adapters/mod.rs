//! Adapters: implementations of the core's ports on concrete backends.

#[cfg(feature = "aws")]
pub mod aws;
pub mod log_bus;
pub mod sqlite;

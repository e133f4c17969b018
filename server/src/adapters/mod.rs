//! Adapters: implementations of the core's ports on concrete backends.

pub mod log_bus;
pub mod sqlite;

//! Adapters: implementations of the core's ports on concrete backends.

pub mod sqlite;

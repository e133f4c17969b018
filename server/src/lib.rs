//! Nexus: a gRPC-first event-sourcing and CQRS platform server.
//!
//! - [`core`]: the model, the ports (traits) and the command pipeline; it
//!   depends on no adapter.
//! - [`adapters`]: backends implementing the ports (embedded SQLite).
//! - [`api`]: the tonic services of `nexus.v1`.
//! - [`auth`]: authentication (JWT) and TLS.
//! - [`domain`]: the example bank-account domain.
//! - [`core::policy`]: the Rego policy engine; [`policy_cli`]: `nexus policy test`.
//! - [`server`] and [`config`]: wiring and configuration.

pub mod adapters;
pub mod admin;
pub mod api;
pub mod auth;
#[cfg(feature = "aws")]
pub mod aws_cli;
pub mod backends;
pub mod bench;
pub mod config;
pub mod core;
pub mod domain;
pub mod governance_cli;
pub mod health_cli;
pub mod policy_cli;
pub mod read_side;
pub mod schema_cli;
pub mod server;
pub mod telemetry;

#[cfg(test)]
pub(crate) mod conformance;
#[cfg(test)]
mod saga_tests;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod test_backends;

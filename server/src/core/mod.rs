//! The core: the event-sourcing model, the ports it depends on, the command
//! pipeline and subscriptions. Nothing here names an adapter.

pub mod aggregate;
pub mod audit;
pub mod bus;
pub mod command;
pub mod error;
pub mod event_policy;
pub mod files;
pub mod jq;
pub mod lease;
pub mod metrics;
pub mod model;
pub mod observed_store;
pub mod policy;
pub mod ports;
pub mod principal;
pub mod projection;
pub mod rate_limit;
pub mod read_store;
pub mod remote;
pub mod router;
pub mod saga;
pub mod schema;
pub mod snapshot;
pub mod subscription;
pub mod temporal;
pub mod trace_context;
pub mod validate;

//! Example domains shipped in the binary.

pub mod bank;

use crate::core::aggregate::{HandlerRegistry, handler};

/// Every handler of the shipped domains (served when
/// `commands.example_domain` is on).
pub fn handlers() -> HandlerRegistry {
    let mut handlers = HandlerRegistry::default();
    handlers.register(handler::<bank::Account>());
    handlers
}

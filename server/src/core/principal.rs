//! The caller on whose behalf a request runs.

/// An authenticated (or, with auth disabled, anonymous) caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Stable subject id, recorded as the events' user id.
    pub subject: String,
    /// Tenant, recorded as the events' tenant id; empty for none.
    pub tenant: String,
    pub roles: Vec<String>,
}

impl Principal {
    /// The caller when authentication is disabled.
    pub fn anonymous() -> Self {
        Self { subject: "anonymous".into(), tenant: String::new(), roles: Vec::new() }
    }
}

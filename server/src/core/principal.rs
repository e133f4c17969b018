//! The caller on whose behalf a request runs.

use serde::Serialize;

/// An authenticated (or, with auth disabled, anonymous) caller. It is the
/// `principal` of every policy input and the source of every stored event's
/// user id and tenant id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// Stable subject id (the token's `sub`), recorded as the events' user id.
    pub subject: String,
    /// Tenant, recorded as the events' tenant id; empty for none (a
    /// platform principal, not bound to one tenant).
    pub tenant: String,
    /// Roles such as `reader`, `writer`, `admin`.
    pub roles: Vec<String>,
    /// OAuth scopes from the token's `scope`/`scp` claim.
    pub scopes: Vec<String>,
    /// False for the anonymous principal of auth mode `none`.
    pub authenticated: bool,
}

impl Principal {
    /// The caller when authentication is disabled (auth mode `none`): a
    /// development principal holding the `admin` role, bound to no tenant.
    pub fn anonymous() -> Self {
        Self {
            subject: "anonymous".into(),
            tenant: String::new(),
            roles: vec!["admin".into()],
            scopes: Vec::new(),
            authenticated: false,
        }
    }
}

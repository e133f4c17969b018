//! Calling a server that requires a token.
//!
//! A server in auth mode `jwt` wants `authorization: Bearer <JWT>` on every
//! call. [`BearerToken`] is a tonic interceptor that adds it; use it with
//! the generated clients:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use nexus_sdk::{BearerToken, proto::event_store_service_client::EventStoreServiceClient};
//! let channel = tonic::transport::Channel::from_static("http://127.0.0.1:50051").connect().await?;
//! let token = BearerToken::new(std::env::var("NEXUS_TOKEN")?)?;
//! let mut events = EventStoreServiceClient::with_interceptor(channel, token);
//! # Ok(()) }
//! ```
//!
//! The typed [`crate::Client`] takes it through
//! [`crate::Client::with_token`].
//!
//! For TLS, configure the channel's endpoint with
//! `tonic::transport::ClientTlsConfig` (CA certificate, and a client
//! identity for mutual TLS) before connecting.

use tonic::{
    Request, Status,
    metadata::{AsciiMetadataValue, MetadataMap},
    service::Interceptor,
};

/// Adds `authorization: Bearer <token>` to every request; with no token
/// ([`BearerToken::none`]) it adds nothing.
#[derive(Clone, Default)]
pub struct BearerToken(Option<AsciiMetadataValue>);

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "BearerToken(<redacted>)" } else { "BearerToken(none)" })
    }
}

/// A token that cannot be sent in a header.
#[derive(Debug, thiserror::Error)]
#[error("the token is not printable ASCII, so it cannot be sent as a gRPC header")]
pub struct InvalidToken;

impl BearerToken {
    /// Sends `token` (a compact JWT) with every request.
    pub fn new(token: impl AsRef<str>) -> Result<Self, InvalidToken> {
        let mut value: AsciiMetadataValue =
            format!("Bearer {}", token.as_ref().trim()).parse().map_err(|_| InvalidToken)?;
        value.set_sensitive(true);
        Ok(Self(Some(value)))
    }

    /// Sends no token (a server in auth mode `none`).
    pub fn none() -> Self {
        Self(None)
    }

    /// [`BearerToken::new`] if a token is given, else [`BearerToken::none`].
    pub fn optional(token: Option<&str>) -> Result<Self, InvalidToken> {
        token.filter(|t| !t.trim().is_empty()).map_or_else(|| Ok(Self::none()), Self::new)
    }
}

impl BearerToken {
    pub(crate) fn apply(&self, metadata: &mut MetadataMap) {
        if let Some(value) = &self.0 {
            metadata.insert("authorization", value.clone());
        }
    }
}

impl Interceptor for BearerToken {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        self.apply(request.metadata_mut());
        Ok(request)
    }
}

//! Authentication: who is calling.
//!
//! [`AuthLayer`] runs in front of every gRPC service. It reads
//! `authorization: Bearer <JWT>`, verifies the token ([`jwt`]) and puts the
//! caller's [`Principal`] into the request extensions, where
//! [`crate::api::principal`] finds it. A request that cannot be
//! authenticated is answered UNAUTHENTICATED before it reaches a service.
//! Health checks (`grpc.health.v1.Health`) need no token.
//!
//! [`tls`] builds the listener's TLS (and mutual TLS) configuration.

pub mod client;
pub mod jwt;
pub mod tls;

use std::{
    collections::HashMap,
    sync::Arc,
    task::{Context, Poll},
};

use futures::future::{Either, Ready, ready};
use http::{Request, Response, header::AUTHORIZATION};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::{
    api::status::ERROR_DOMAIN,
    config::{AuthConfig, AuthMode},
    core::principal::Principal,
};

/// Paths served without authentication: health checks, so that load
/// balancers and orchestrators need no token.
const EXEMPT_PREFIXES: &[&str] = &["/grpc.health.v1.Health/"];

/// Why a request is not authenticated. Each variant is one stable
/// `ErrorInfo.reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("this call needs a token: send `authorization: Bearer <JWT>`")]
    Missing,
    #[error("the token was refused: {0}; send a token signed by a configured key")]
    Invalid(String),
    #[error("the token has expired: get a new one")]
    Expired,
    #[error("the token is not valid yet (nbf is in the future): check the clocks or wait")]
    NotYetValid,
    #[error("the token was issued by someone this server does not trust (wrong iss)")]
    WrongIssuer,
    #[error("the token is meant for another service (wrong aud)")]
    WrongAudience,
}

impl AuthError {
    /// The `ErrorInfo.reason`.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::Missing => "TOKEN_MISSING",
            AuthError::Invalid(_) => "TOKEN_INVALID",
            AuthError::Expired => "TOKEN_EXPIRED",
            AuthError::NotYetValid => "TOKEN_NOT_YET_VALID",
            AuthError::WrongIssuer => "TOKEN_WRONG_ISSUER",
            AuthError::WrongAudience => "TOKEN_WRONG_AUDIENCE",
        }
    }

    /// UNAUTHENTICATED with an `ErrorInfo` carrying [`AuthError::reason`].
    pub fn to_status(&self) -> Status {
        let details = ErrorDetails::with_error_info(self.reason(), ERROR_DOMAIN, HashMap::new());
        Status::with_error_details(Code::Unauthenticated, self.to_string(), details)
    }
}

/// Turns request headers into a principal, per the configured auth mode.
#[derive(Debug)]
pub enum Authenticator {
    /// Auth mode `none`: everyone is [`Principal::anonymous`].
    Disabled,
    /// Auth mode `jwt`.
    Jwt(jwt::JwtVerifier),
}

impl Authenticator {
    /// Builds the authenticator of the configuration, reading every key file
    /// now so that a bad one stops the start.
    pub fn from_config(config: &AuthConfig) -> Result<Self, jwt::KeyError> {
        Ok(match config.mode {
            AuthMode::None => Authenticator::Disabled,
            AuthMode::Jwt => Authenticator::Jwt(jwt::JwtVerifier::new(&config.jwt)?),
        })
    }

    /// The principal of a request with these headers.
    pub fn authenticate(&self, headers: &http::HeaderMap) -> Result<Principal, AuthError> {
        let verifier = match self {
            Authenticator::Disabled => return Ok(Principal::anonymous()),
            Authenticator::Jwt(verifier) => verifier,
        };
        let Some(value) = headers.get(AUTHORIZATION) else {
            return Err(AuthError::Missing);
        };
        let value = value
            .to_str()
            .map_err(|_| AuthError::Invalid("the authorization header is not printable ASCII".into()))?
            .trim();
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ if value.eq_ignore_ascii_case("bearer") || value.is_empty() => "",
            _ => return Err(AuthError::Invalid("the authorization header must be `Bearer <JWT>`".into())),
        };
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        verifier.verify(token)
    }
}

/// The tower layer that authenticates every request (see the module docs).
#[derive(Debug, Clone)]
pub struct AuthLayer {
    authenticator: Arc<Authenticator>,
}

impl AuthLayer {
    pub fn new(authenticator: Arc<Authenticator>) -> Self {
        Self { authenticator }
    }
}

impl<S> tower_layer::Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService { inner, authenticator: self.authenticator.clone() }
    }
}

/// The service [`AuthLayer`] wraps around the gRPC routes.
#[derive(Debug, Clone)]
pub struct AuthService<S> {
    inner: S,
    authenticator: Arc<Authenticator>,
}

impl<S, B, ResBody> tower_service::Service<Request<B>> for AuthService<S>
where
    S: tower_service::Service<Request<B>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<S::Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let path = request.uri().path();
        if EXEMPT_PREFIXES.iter().any(|prefix| path.starts_with(prefix)) {
            return Either::Right(self.inner.call(request));
        }
        match self.authenticator.authenticate(request.headers()) {
            Ok(principal) => {
                request.extensions_mut().insert(principal);
                Either::Right(self.inner.call(request))
            }
            Err(error) => {
                tracing::debug!(path, reason = error.reason(), %error, "request not authenticated");
                Either::Left(ready(Ok(error.to_status().into_http())))
            }
        }
    }
}

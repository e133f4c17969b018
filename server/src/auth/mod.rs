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
    sync::Arc,
    task::{Context, Poll},
};

use futures::future::{Either, Ready, ready};
use http::{Request, Response, header::AUTHORIZATION};
use tonic::Status;

use crate::{
    config::{AuthConfig, AuthMode},
    core::principal::Principal,
};

/// Paths served without authentication: health checks, so that load
/// balancers and orchestrators need no token.
const EXEMPT_PREFIXES: &[&str] = &["/grpc.health.v1.Health/"];

/// Why a request is not authenticated. Each variant is one stable
/// `ErrorInfo.reason`; `api::status` turns it into UNAUTHENTICATED.
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
}

/// Turns request headers into a principal, per the configured auth mode.
#[derive(Debug)]
pub enum Authenticator {
    /// Auth mode `none`: everyone is [`Principal::anonymous`].
    Disabled,
    /// Auth mode `jwt`.
    Jwt(Box<jwt::JwtVerifier>),
}

impl Authenticator {
    /// Builds the authenticator of the configuration, reading every key file
    /// now so that a bad one stops the start.
    pub fn from_config(config: &AuthConfig) -> Result<Self, jwt::KeyError> {
        Ok(match config.mode {
            AuthMode::None => Authenticator::Disabled,
            AuthMode::Jwt => Authenticator::Jwt(Box::new(jwt::JwtVerifier::new(&config.jwt)?)),
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
                // On the call's span (telemetry::rpc), so every log line of
                // the call names its caller.
                let span = tracing::Span::current();
                if principal.tenant.is_empty() {
                    span.record("principal", principal.subject.as_str());
                } else {
                    span.record("principal", format!("{}/{}", principal.tenant, principal.subject).as_str());
                }
                request.extensions_mut().insert(principal);
                Either::Right(self.inner.call(request))
            }
            Err(error) => {
                tracing::debug!(path, reason = error.reason(), %error, "request not authenticated");
                Either::Left(ready(Ok(Status::from(error).into_http())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::{
        convert::Infallible,
        future::Future,
        pin::pin,
        task::{Context, Poll, Waker},
    };

    use http::HeaderValue;
    use tonic::Code;
    use tonic_types::StatusExt;
    use tower_layer::Layer as _;
    use tower_service::Service as _;

    use super::*;
    use crate::config::{JwtConfig, Secret};

    const SECRET: &str = "layer-test-secret-that-is-long-enough-0123";

    fn jwt() -> Authenticator {
        let config = JwtConfig {
            hs256_secret: Some(Secret(SECRET.into())),
            issuer: "iss".into(),
            audience: "aud".into(),
            ..JwtConfig::default()
        };
        Authenticator::Jwt(Box::new(jwt::JwtVerifier::new(&config).unwrap()))
    }

    fn token() -> String {
        jwt::mint_hs256(
            SECRET.as_bytes(),
            &jwt::TokenRequest {
                subject: "alice".into(),
                tenant: Some("acme".into()),
                roles: vec![],
                scopes: vec![],
                issuer: "iss".into(),
                audience: "aud".into(),
                ttl: std::time::Duration::from_secs(60),
            },
        )
        .unwrap()
    }

    fn headers(authorization: &[u8]) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_bytes(authorization).unwrap());
        headers
    }

    #[test]
    fn header_forms() {
        let auth = jwt();
        assert_eq!(auth.authenticate(&http::HeaderMap::new()), Err(AuthError::Missing));
        assert_eq!(auth.authenticate(&headers(b"Bearer")), Err(AuthError::Missing));
        assert_eq!(auth.authenticate(&headers(b"Bearer   ")), Err(AuthError::Missing));
        assert!(matches!(auth.authenticate(&headers(b"Basic YTpi")), Err(AuthError::Invalid(_))));
        assert!(matches!(auth.authenticate(&headers(b"Bearer \xff\xfe")), Err(AuthError::Invalid(_))));
        assert!(matches!(auth.authenticate(&headers(b"Bearer a.b")), Err(AuthError::Invalid(_))));
        let good = token();
        for form in [format!("Bearer {good}"), format!("bearer  {good} "), format!("BEARER {good}")] {
            assert_eq!(auth.authenticate(&headers(form.as_bytes())).unwrap().subject, "alice", "{form}");
        }
        assert_eq!(Authenticator::Disabled.authenticate(&headers(b"Basic x")), Ok(Principal::anonymous()));
    }

    /// Answers 200 with the principal's subject (or "-") in a header.
    #[derive(Clone)]
    struct Echo;

    impl tower_service::Service<Request<()>> for Echo {
        type Response = Response<String>;
        type Error = Infallible;
        type Future = Ready<Result<Response<String>, Infallible>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request<()>) -> Self::Future {
            let who = request.extensions().get::<Principal>().map_or("-".to_string(), |p| p.subject.clone());
            ready(Ok(Response::new(who)))
        }
    }

    fn call(auth: Authenticator, path: &str, authorization: Option<&str>) -> Response<String> {
        let mut service = AuthLayer::new(Arc::new(auth)).layer(Echo);
        let mut request = Request::builder().uri(path);
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        let future = pin!(service.call(request.body(()).unwrap()));
        match future.poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(Ok(response)) => response,
            other => panic!("the layer answers at once: {other:?}"),
        }
    }

    #[test]
    fn the_layer_inserts_the_principal_or_answers_unauthenticated() {
        let ok = call(jwt(), "/nexus.v1.EventStoreService/AppendToStream", Some(&format!("Bearer {}", token())));
        assert_eq!(ok.body(), "alice");

        let refused = call(jwt(), "/nexus.v1.EventStoreService/AppendToStream", None);
        assert_eq!(refused.headers()["grpc-status"], (Code::Unauthenticated as i32).to_string().as_str());
        let status = Status::from_header_map(refused.headers()).unwrap();
        assert_eq!(status.get_details_error_info().unwrap().reason, "TOKEN_MISSING");
        assert_eq!(refused.body(), "", "the service was not called");

        let reflection = call(jwt(), "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", None);
        assert_eq!(reflection.body(), "", "reflection needs a token");

        let health = call(jwt(), "/grpc.health.v1.Health/Check", None);
        assert_eq!(health.body(), "-", "health is served without a token (and without a principal)");
        let spoof = call(jwt(), "/grpc.health.v1.HealthX/../../nexus.v1.EventStoreService/AppendToStream", None);
        assert_eq!(spoof.body(), "", "only the Health service itself is exempt");

        assert_eq!(call(Authenticator::Disabled, "/nexus.v1.CommandService/Execute", None).body(), "anonymous");
    }
}

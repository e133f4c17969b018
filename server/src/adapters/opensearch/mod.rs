//! The OpenSearch adapters: the read store ([`OpenSearchReadStore`]) on an
//! OpenSearch cluster (or `osmem-server` in tests), through the `opensearch`
//! crate with rustls.
//!
//! See `docs/OPENSEARCH.md` for the layout, how `apply` stays atomic for
//! readers without transactions, and what an operator must provide.

mod read_store;
#[cfg(test)]
pub mod testing;

use opensearch::{
    OpenSearch,
    http::{
        Method, StatusCode,
        headers::{CONTENT_TYPE, HeaderMap, HeaderValue},
        transport::{SingleNodeConnectionPool, TransportBuilder},
    },
};
pub use read_store::OpenSearchReadStore;
use serde_json::Value;

use crate::{config::OpenSearchConfig, core::read_store::ReadStoreError};

/// A thin JSON client over the `opensearch` crate: every call is a method,
/// a path and a JSON (or NDJSON) body, answered with the status and the
/// JSON body.
#[derive(Clone)]
pub(crate) struct Client {
    inner: OpenSearch,
    url: String,
}

/// A request that reached the cluster, with its answer.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    /// The error `type` of an error answer (`index_not_found_exception`…).
    pub fn error_type(&self) -> &str {
        self.body.pointer("/error/type").and_then(Value::as_str).unwrap_or_default()
    }

    /// Succeeds on 2xx, else maps the answer to the port's error.
    pub fn ok(self, what: &str) -> Result<Value, ReadStoreError> {
        if self.status.is_success() {
            return Ok(self.body);
        }
        Err(status_error(what, self.status, &self.body))
    }
}

impl Client {
    pub fn new(config: &OpenSearchConfig) -> Result<Self, ReadStoreError> {
        let url = opensearch::http::Url::parse(&config.url)
            .map_err(|e| ReadStoreError::Internal(format!("bad OpenSearch URL {}: {e}", config.url)))?;
        let transport = TransportBuilder::new(SingleNodeConnectionPool::new(url))
            .timeout(config.request_timeout)
            .build()
            .map_err(|e| ReadStoreError::Internal(format!("cannot build the OpenSearch client: {e}")))?;
        Ok(Self { inner: OpenSearch::new(transport), url: config.url.clone() })
    }

    /// Sends a JSON request.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Reply, ReadStoreError> {
        let body = body.map(|b| b.to_string());
        self.send(method, path, HeaderMap::new(), query, body).await
    }

    /// Sends an NDJSON body (`_bulk`).
    pub async fn call_ndjson(&self, path: &str, query: &[(&str, &str)], body: String) -> Result<Reply, ReadStoreError> {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
        self.send(Method::Post, path, headers, query, Some(body)).await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: HeaderMap,
        query: &[(&str, &str)],
        body: Option<String>,
    ) -> Result<Reply, ReadStoreError> {
        let query = (!query.is_empty()).then_some(query);
        let response = self.inner.send(method, path, headers, query, body, None).await.map_err(|e| {
            ReadStoreError::Unavailable(format!("OpenSearch at {} does not answer {method:?} {path}: {e}", self.url))
        })?;
        let status = response.status_code();
        let text = response
            .text()
            .await
            .map_err(|e| ReadStoreError::Unavailable(format!("cannot read OpenSearch's answer to {path}: {e}")))?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| {
                ReadStoreError::Internal(format!("OpenSearch answered {path} with {status} and no JSON ({e}): {text}"))
            })?
        };
        Ok(Reply { status, body })
    }
}

/// Whether a failed request (or bulk item) may succeed when sent again:
/// throttling (429), server faults (5xx) and write blocks (403, which a
/// cluster sets while its disks are full).
pub(crate) fn retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::FORBIDDEN || status.is_server_error()
}

pub(crate) fn status_error(what: &str, status: StatusCode, body: &Value) -> ReadStoreError {
    let reason =
        body.pointer("/error/reason").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| body.to_string());
    let message = format!("{what}: OpenSearch answered {status}: {reason}");
    if retryable(status) { ReadStoreError::Unavailable(message) } else { ReadStoreError::Internal(message) }
}

/// A document id as a path segment: everything but unreserved characters
/// percent-encoded.
pub(crate) fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

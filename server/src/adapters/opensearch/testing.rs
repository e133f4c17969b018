//! Test support: the read store on `osmem-server` (an in-memory
//! OpenSearch).
//!
//! `scripts/test` starts osmem-server on 127.0.0.1 and exports its URL as
//! `NEXUS_TEST_OPENSEARCH_URL`. A test that needs it and does not find it
//! fails with instructions; it never skips. Tests share one server and stay
//! apart by index prefixes unique to each ([`unique_config`]).

use crate::config::OpenSearchConfig;

/// The variable naming the OpenSearch (osmem-server) URL.
pub const OPENSEARCH_URL_VAR: &str = "NEXUS_TEST_OPENSEARCH_URL";

/// osmem-server's URL; panics with how to start it when it is not set.
pub fn opensearch_url() -> String {
    match std::env::var(OPENSEARCH_URL_VAR) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "this test needs OpenSearch (osmem-server, an in-memory emulator) and {OPENSEARCH_URL_VAR} is not set.\n\
             Run the whole suite with scripts/test (it starts osmem-server), or start one yourself:\n  \
             .venv/bin/pip install osmem-server==0.1.6\n  \
             \"$(.venv/bin/python -c 'import osmem_server,os;print(os.path.dirname(osmem_server.__file__))')/bin/osmem-server\" \
             -addr 127.0.0.1:9231 -no-stdin-watch &\n  \
             export {OPENSEARCH_URL_VAR}=http://127.0.0.1:9231"
        ),
    }
}

/// Settings for the test server with an index prefix unique to this call.
pub fn unique_config() -> OpenSearchConfig {
    let id = uuid::Uuid::new_v4().simple().to_string();
    OpenSearchConfig { url: opensearch_url(), index_prefix: format!("t{}-", &id[..12]), ..OpenSearchConfig::default() }
}

//! Test support: AWS clients pointed at moto in server mode.
//!
//! `scripts/test` starts moto on 127.0.0.1 and exports its URL as
//! `NEXUS_TEST_MOTO_URL`. A test that needs moto and does not find it
//! fails with instructions; it never skips. Tests share one moto and stay
//! apart by giving every resource a unique name ([`unique`]).

use super::{AwsClients, provision};
use crate::config::{AwsConfig, AwsResources};

/// The variable naming moto's URL.
pub const MOTO_URL_VAR: &str = "NEXUS_TEST_MOTO_URL";

/// moto's URL; panics with how to start it when it is not set.
pub fn moto_url() -> String {
    match std::env::var(MOTO_URL_VAR) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "this test needs moto (the AWS emulator) in server mode and {MOTO_URL_VAR} is not set.\n\
             Run the whole suite with scripts/test (it starts moto), or start one yourself:\n  \
             .venv/bin/moto_server -H 127.0.0.1 -p 5123 &   # pip install 'moto[server]'\n  \
             export {MOTO_URL_VAR}=http://127.0.0.1:5123"
        ),
    }
}

/// AWS configuration for moto with resource names unique to this call.
pub fn moto_config() -> AwsConfig {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let id = &id[..12];
    AwsConfig {
        endpoint_url: Some(moto_url()),
        resources: AwsResources {
            events_table: format!("t-events-{id}"),
            coordination_table: format!("t-coord-{id}"),
            kinesis_stream: format!("t-core-{id}"),
            topic: format!("t-secondary-{id}.fifo"),
            queue_prefix: format!("t{id}-"),
            snapshots_table: format!("t-snapshots-{id}"),
            sagas_table: format!("t-sagas-{id}"),
            // moto allows ten registries per region: tests share one and
            // stay apart by a schema name prefix.
            schema_registry: "nexus-tests".into(),
            schema_name_prefix: format!("t{id}."),
        },
        ..AwsConfig::default()
    }
}

/// Clients on moto.
pub async fn moto_clients(config: &AwsConfig) -> AwsClients {
    AwsClients::with_static_credentials(config, "testing", "testing").await
}

/// A fresh deployment on moto: unique names, the needed resources created.
pub async fn moto_deployment(needs: provision::Needs, shards: i32) -> (AwsConfig, AwsClients) {
    let config = moto_config();
    let clients = moto_clients(&config).await;
    provision::create(&clients, &config.resources, needs, shards).await.unwrap_or_else(|e| {
        panic!("cannot create resources on moto at {}: {e:#}", config.endpoint_url.as_deref().unwrap_or_default())
    });
    (config, clients)
}

/// A fresh deployment for the Glue schema registry (coordination table and
/// registry) in a region picked at random: moto caps schemas and versions
/// per region at a thousand, and tests that fail leave theirs behind.
pub async fn moto_glue_deployment() -> (AwsConfig, AwsClients) {
    const REGIONS: [&str; 12] = [
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "eu-west-2",
        "eu-central-1",
        "eu-north-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "ca-central-1",
    ];
    let mut config = moto_config();
    config.region = REGIONS[rand::random_range(0..REGIONS.len())].to_string();
    let clients = moto_clients(&config).await;
    let needs = provision::Needs { coordination_table: true, schema_registry: true, ..provision::Needs::default() };
    provision::create(&clients, &config.resources, needs, 1).await.unwrap_or_else(|e| {
        panic!("cannot create resources on moto at {}: {e:#}", config.endpoint_url.as_deref().unwrap_or_default())
    });
    (config, clients)
}

/// A unique name with a prefix.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

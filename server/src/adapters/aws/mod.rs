//! The AWS adapters: the ports on DynamoDB (events, checkpoints, leases,
//! snapshots, sagas),
//! DynamoDB Streams (the change feed), Kinesis (the stream path) and SNS→SQS
//! (the queue path) and Glue Schema Registry (the schema registry, indexed
//! in the coordination table). Compiled with the `aws` cargo feature (on by
//! default).
//!
//! Every adapter takes its clients from one [`AwsClients`], built from the
//! `[aws]` configuration: one HTTP stack (hyper 1 + rustls with ring, the
//! TLS provider the gRPC server already uses), the standard credential
//! chain (environment, profile, web identity, ECS, IMDS) and per-service
//! endpoint overrides for emulators such as moto.
//!
//! Tests run against moto in server mode; see [`testing`].

pub mod coordination;
pub mod events;
pub mod glue;
mod item;
pub mod kinesis;
pub mod leases;
pub mod provision;
pub mod sagas;
pub mod snapshots;
pub mod sqs;

#[cfg(test)]
pub(crate) mod testing;

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_smithy_http_client::{Builder, tls};

use crate::config::AwsConfig;

/// The service clients of one deployment, sharing one HTTP stack and one
/// credential provider.
#[derive(Clone, Debug)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub dynamodb_streams: aws_sdk_dynamodbstreams::Client,
    pub kinesis: aws_sdk_kinesis::Client,
    pub sns: aws_sdk_sns::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub glue: aws_sdk_glue::Client,
}

impl AwsClients {
    /// Builds the clients from configuration. Makes no request: a missing
    /// resource or an unreachable endpoint shows at the first call
    /// ([`provision::check`] makes those calls at start-up).
    pub async fn connect(config: &AwsConfig) -> Self {
        let sdk = sdk_config(config, None).await;
        Self::from_sdk(&sdk, config)
    }

    /// Clients with fixed credentials (tests, emulators).
    pub async fn with_static_credentials(config: &AwsConfig, access_key: &str, secret_key: &str) -> Self {
        let credentials = aws_sdk_dynamodb::config::Credentials::new(access_key, secret_key, None, None, "nexus");
        let sdk = sdk_config(config, Some(credentials)).await;
        Self::from_sdk(&sdk, config)
    }

    fn from_sdk(sdk: &SdkConfig, config: &AwsConfig) -> Self {
        let endpoints = &config.endpoints;
        let dynamodb = {
            let mut b = aws_sdk_dynamodb::config::Builder::from(sdk);
            if let Some(url) = &endpoints.dynamodb {
                b = b.endpoint_url(url);
            }
            aws_sdk_dynamodb::Client::from_conf(b.build())
        };
        let dynamodb_streams = {
            let mut b = aws_sdk_dynamodbstreams::config::Builder::from(sdk);
            if let Some(url) = &endpoints.dynamodb_streams {
                b = b.endpoint_url(url);
            }
            aws_sdk_dynamodbstreams::Client::from_conf(b.build())
        };
        let kinesis = {
            let mut b = aws_sdk_kinesis::config::Builder::from(sdk);
            if let Some(url) = &endpoints.kinesis {
                b = b.endpoint_url(url);
            }
            aws_sdk_kinesis::Client::from_conf(b.build())
        };
        let sns = {
            let mut b = aws_sdk_sns::config::Builder::from(sdk);
            if let Some(url) = &endpoints.sns {
                b = b.endpoint_url(url);
            }
            aws_sdk_sns::Client::from_conf(b.build())
        };
        let sqs = {
            let mut b = aws_sdk_sqs::config::Builder::from(sdk);
            if let Some(url) = &endpoints.sqs {
                b = b.endpoint_url(url);
            }
            aws_sdk_sqs::Client::from_conf(b.build())
        };
        let glue = {
            let mut b = aws_sdk_glue::config::Builder::from(sdk);
            if let Some(url) = &endpoints.glue {
                b = b.endpoint_url(url);
            }
            aws_sdk_glue::Client::from_conf(b.build())
        };
        Self { dynamodb, dynamodb_streams, kinesis, sns, sqs, glue }
    }
}

async fn sdk_config(config: &AwsConfig, credentials: Option<aws_sdk_dynamodb::config::Credentials>) -> SdkConfig {
    let http = Builder::new().tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring)).build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .region(Region::new(config.region.clone()))
        // Bounded: a request never hangs past these, so a caller gets
        // UNAVAILABLE in time rather than waiting out its deadline.
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(config.request_timeout)
                .operation_timeout(config.request_timeout * 3)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    if let Some(url) = &config.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(credentials) = credentials {
        loader = loader.credentials_provider(credentials);
    }
    loader.load().await
}

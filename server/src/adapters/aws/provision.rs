//! Creates and checks the AWS resources Nexus uses. `nexus aws provision`
//! and the tests create them with [`create`]; the server only checks them at
//! start-up ([`check`]): it never creates infrastructure on its own.

use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, StreamSpecification,
    StreamViewType,
};

use super::AwsClients;
use crate::config::AwsResources;

/// Name of the partition key of every table (a string).
pub const PK: &str = "pk";
/// Name of the sort key of the events table (a number) and of the
/// snapshots and sagas tables (a string).
pub const SK: &str = "sk";

/// Which resources a deployment needs, from its backends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    pub events_table: bool,
    pub coordination_table: bool,
    pub kinesis_stream: bool,
    pub topic: bool,
    /// Snapshots, with TTL on `expires_at`.
    pub snapshots_table: bool,
    /// Sagas, their transitions and definitions.
    pub sagas_table: bool,
    /// The Glue Schema Registry registry (its index lives in the
    /// coordination table, which is then needed too).
    pub schema_registry: bool,
}

impl Needs {
    pub fn all() -> Self {
        Self {
            events_table: true,
            coordination_table: true,
            kinesis_stream: true,
            topic: true,
            snapshots_table: true,
            sagas_table: true,
            schema_registry: true,
        }
    }
}

/// Creates what is missing of `needs`; existing resources are left as they
/// are. Waits until tables and the stream are active.
pub async fn create(clients: &AwsClients, names: &AwsResources, needs: Needs, shards: i32) -> anyhow::Result<()> {
    if needs.events_table {
        create_table(clients, &names.events_table, Some(ScalarAttributeType::N), true).await?;
    }
    if needs.coordination_table {
        create_table(clients, &names.coordination_table, None, false).await?;
        // Records that carry `expires_at` (the queue path's publish ledger)
        // are deleted by DynamoDB once it passes.
        enable_ttl(clients, &names.coordination_table).await?;
    }
    if needs.snapshots_table {
        create_table(clients, &names.snapshots_table, Some(ScalarAttributeType::S), false).await?;
        // Superseded snapshots carry `expires_at` (see adapters::aws::snapshots).
        enable_ttl(clients, &names.snapshots_table).await?;
    }
    if needs.sagas_table {
        create_table(clients, &names.sagas_table, Some(ScalarAttributeType::S), false).await?;
    }
    if needs.kinesis_stream {
        create_kinesis_stream(clients, &names.kinesis_stream, shards).await?;
    }
    if needs.schema_registry {
        // CloudFormation under moto skips AWS::Glue::Registry, and a
        // template may leave it out: create it here unless it exists.
        create_schema_registry(clients, &names.schema_registry).await?;
    }
    if needs.topic && !topic_exists(clients, &names.topic).await? {
        check_topic_name(&names.topic)?;
        // A FIFO topic: the queue path deduplicates publishes by event id
        // (see adapters::aws::sqs). An existing topic is left alone: SNS
        // refuses CreateTopic for a topic whose attributes differ (one
        // made by deploy/cloudformation carries a KMS key, for instance).
        clients
            .sns
            .create_topic()
            .name(&names.topic)
            .attributes("FifoTopic", "true")
            .attributes("ContentBasedDeduplication", "false")
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("cannot create SNS topic {}: {}", names.topic, error_text(&e)))?;
    }
    Ok(())
}

/// Creates the Glue registry unless it exists; an existing one is left as
/// it is.
async fn create_schema_registry(clients: &AwsClients, name: &str) -> anyhow::Result<()> {
    use aws_sdk_glue::{error::ProvideErrorMetadata, types::RegistryId};
    let id = RegistryId::builder().registry_name(name).build();
    match clients.glue.get_registry().registry_id(id).send().await {
        Ok(_) => return Ok(()),
        Err(e) if e.code() == Some("EntityNotFoundException") => {}
        Err(e) => anyhow::bail!("cannot look up Glue registry {name}: {}", error_text(&e)),
    }
    match clients
        .glue
        .create_registry()
        .registry_name(name)
        .description("Nexus event schemas: one schema per subject (event type); see docs/AWS.md")
        .send()
        .await
    {
        Ok(_) => Ok(()),
        // Another provision created it at this moment.
        Err(e) if e.code() == Some("AlreadyExistsException") => Ok(()),
        Err(e) => anyhow::bail!("cannot create Glue registry {name}: {}", error_text(&e)),
    }
}

/// Turns on TTL on `expires_at` unless it is on already.
async fn enable_ttl(clients: &AwsClients, table: &str) -> anyhow::Result<()> {
    let described = clients.dynamodb.describe_time_to_live().table_name(table).send().await;
    let on = described.ok().and_then(|d| d.time_to_live_description().and_then(|t| t.time_to_live_status().cloned()));
    if on == Some(aws_sdk_dynamodb::types::TimeToLiveStatus::Enabled) {
        return Ok(());
    }
    let ttl = aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
        .enabled(true)
        .attribute_name("expires_at")
        .build()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    clients
        .dynamodb
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(ttl)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot turn on TTL for DynamoDB table {table}: {}", error_text(&e)))?;
    Ok(())
}

/// The queue path's topic is a FIFO topic, whose name must end in `.fifo`.
fn check_topic_name(topic: &str) -> anyhow::Result<()> {
    if !topic.ends_with(".fifo") {
        anyhow::bail!(
            "SNS topic {topic:?} (aws.resources.topic) must be a FIFO topic, whose name ends in \".fifo\" \
             (the queue path deduplicates publishes by event id)"
        );
    }
    Ok(())
}

async fn create_table(
    clients: &AwsClients,
    name: &str,
    sort_key: Option<ScalarAttributeType>,
    with_stream: bool,
) -> anyhow::Result<()> {
    let ddb = &clients.dynamodb;
    if ddb.describe_table().table_name(name).send().await.is_ok() {
        return Ok(());
    }
    let mut request = ddb
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(PK, ScalarAttributeType::S))
        .key_schema(key(PK, KeyType::Hash));
    if let Some(kind) = sort_key {
        request = request.attribute_definitions(attribute(SK, kind)).key_schema(key(SK, KeyType::Range));
    }
    if with_stream {
        request = request.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewImage)
                .build()
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        );
    }
    match request.send().await {
        Ok(_) => {}
        // Another provision is creating it at this moment: wait for it below.
        Err(e) if aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&e) == Some("ResourceInUseException") => {}
        Err(e) => anyhow::bail!("cannot create DynamoDB table {name}: {}", error_text(&e)),
    }
    for _ in 0..100 {
        let described = ddb.describe_table().table_name(name).send().await;
        if let Ok(out) = described
            && out.table().and_then(|t| t.table_status()) == Some(&aws_sdk_dynamodb::types::TableStatus::Active)
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("DynamoDB table {name} did not become ACTIVE")
}

async fn create_kinesis_stream(clients: &AwsClients, name: &str, shards: i32) -> anyhow::Result<()> {
    let kinesis = &clients.kinesis;
    if kinesis.describe_stream_summary().stream_name(name).send().await.is_err() {
        kinesis
            .create_stream()
            .stream_name(name)
            .shard_count(shards)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("cannot create Kinesis stream {name}: {}", error_text(&e)))?;
    }
    for _ in 0..100 {
        let described = kinesis.describe_stream_summary().stream_name(name).send().await;
        if let Ok(out) = described
            && out.stream_description_summary().map(|s| s.stream_status())
                == Some(&aws_sdk_kinesis::types::StreamStatus::Active)
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("Kinesis stream {name} did not become ACTIVE")
}

/// Checks that every needed resource exists and answers. The error names
/// the resource and the setting that names it.
pub async fn check(clients: &AwsClients, names: &AwsResources, needs: Needs) -> anyhow::Result<()> {
    let hint =
        "create it with `nexus aws provision` (or deploy/cloudformation), or point the setting at an existing one";
    if needs.events_table {
        let table = &names.events_table;
        let out = clients.dynamodb.describe_table().table_name(table).send().await.map_err(|e| {
            anyhow::anyhow!(
                "DynamoDB table {table:?} (aws.resources.events_table) is not usable: {}; {hint}",
                error_text(&e)
            )
        })?;
        let stream_on = out.table().and_then(|t| t.stream_specification()).is_some_and(|s| {
            s.stream_enabled() && s.stream_view_type() == Some(&StreamViewType::NewImage)
                || s.stream_enabled() && s.stream_view_type() == Some(&StreamViewType::NewAndOldImages)
        });
        if !stream_on {
            anyhow::bail!(
                "DynamoDB table {table:?} (aws.resources.events_table) has no stream with NEW_IMAGE: turn on DynamoDB Streams (NEW_IMAGE) on it"
            );
        }
    }
    if needs.coordination_table {
        let table = &names.coordination_table;
        clients.dynamodb.describe_table().table_name(table).send().await.map_err(|e| {
            anyhow::anyhow!(
                "DynamoDB table {table:?} (aws.resources.coordination_table) is not usable: {}; {hint}",
                error_text(&e)
            )
        })?;
    }
    for (needed, table, setting) in [
        (needs.snapshots_table, &names.snapshots_table, "aws.resources.snapshots_table"),
        (needs.sagas_table, &names.sagas_table, "aws.resources.sagas_table"),
    ] {
        if !needed {
            continue;
        }
        let out = clients.dynamodb.describe_table().table_name(table).send().await.map_err(|e| {
            anyhow::anyhow!("DynamoDB table {table:?} ({setting}) is not usable: {}; {hint}", error_text(&e))
        })?;
        let keys = out.table().map(|t| t.key_schema()).unwrap_or_default();
        let string_sort_key = out
            .table()
            .map(|t| t.attribute_definitions())
            .unwrap_or_default()
            .iter()
            .any(|a| a.attribute_name() == SK && a.attribute_type() == &ScalarAttributeType::S);
        if !keys.iter().any(|k| k.attribute_name() == SK && k.key_type() == &KeyType::Range) || !string_sort_key {
            anyhow::bail!(
                "DynamoDB table {table:?} ({setting}) must have the string keys `pk` (partition) and `sk` (sort); {hint}"
            );
        }
    }
    if needs.schema_registry {
        let registry = &names.schema_registry;
        let id = aws_sdk_glue::types::RegistryId::builder().registry_name(registry).build();
        clients.glue.get_registry().registry_id(id).send().await.map_err(|e| {
            anyhow::anyhow!(
                "Glue registry {registry:?} (aws.resources.schema_registry) is not usable: {}; {hint}",
                error_text(&e)
            )
        })?;
        crate::adapters::aws::glue::check_schema_name_prefix(&names.schema_name_prefix)?;
    }
    if needs.kinesis_stream {
        let stream = &names.kinesis_stream;
        clients.kinesis.describe_stream_summary().stream_name(stream).send().await.map_err(|e| {
            anyhow::anyhow!(
                "Kinesis stream {stream:?} (aws.resources.kinesis_stream) is not usable: {}; {hint}",
                error_text(&e)
            )
        })?;
    }
    if needs.topic {
        let topic = &names.topic;
        if !topic_exists(clients, topic).await? {
            anyhow::bail!("SNS topic {topic:?} (aws.resources.topic) does not exist; {hint}");
        }
        check_topic_name(topic)?;
    }
    Ok(())
}

/// Whether the topic exists. CreateTopic would return the ARN of an
/// existing topic, but it would also create a missing one: look it up.
async fn topic_exists(clients: &AwsClients, topic: &str) -> anyhow::Result<bool> {
    let mut pages = clients.sns.list_topics().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            anyhow::anyhow!("cannot list SNS topics to find {topic:?} (aws.resources.topic): {}", error_text(&e))
        })?;
        if page.topics().iter().any(|t| t.topic_arn().is_some_and(|arn| arn.rsplit(':').next() == Some(topic))) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn attribute(name: &str, kind: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder().attribute_name(name).attribute_type(kind).build().expect("name and type are set")
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(kind).build().expect("name and type are set")
}

/// The most useful text of an SDK error: the service's code and message
/// when there is one, else the transport's.
pub fn error_text<E, R>(error: &aws_sdk_dynamodb::error::SdkError<E, R>) -> String
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_dynamodb::error::SdkError;
    match error {
        SdkError::ServiceError(e) => {
            let meta = e.err();
            match (meta.code(), meta.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_string(),
                _ => format!("{}", e.err()),
            }
        }
        SdkError::DispatchFailure(e) => format!("cannot reach the service ({e:?})"),
        SdkError::TimeoutError(_) => "timed out".to_string(),
        other => format!("{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::aws::testing;

    #[tokio::test]
    async fn check_names_a_missing_resource_and_passes_once_created() {
        let config = testing::moto_config();
        let clients = testing::moto_clients(&config).await;
        let error = check(&clients, &config.resources, Needs::all()).await.expect_err("nothing exists yet");
        let text = format!("{error:#}");
        assert!(text.contains(&config.resources.events_table), "{text}");
        assert!(text.contains("aws.resources.events_table"), "{text}");

        create(&clients, &config.resources, Needs::all(), 1).await.expect("create");
        check(&clients, &config.resources, Needs::all()).await.expect("everything exists");
        let ttl = clients
            .dynamodb
            .describe_time_to_live()
            .table_name(&config.resources.snapshots_table)
            .send()
            .await
            .expect("describe TTL");
        let ttl = ttl.time_to_live_description().expect("TTL description");
        assert_eq!(ttl.time_to_live_status(), Some(&aws_sdk_dynamodb::types::TimeToLiveStatus::Enabled));
        assert_eq!(ttl.attribute_name(), Some("expires_at"));
        // Creating again leaves what exists alone.
        create(&clients, &config.resources, Needs::all(), 1).await.expect("create again");
    }
}

//! Leases on DynamoDB: one item per lease in the coordination table
//! (`pk = lease#<name>`), replaced only by conditional writes on its
//! version. See [`crate::core::lease`] for the algorithm.

use async_trait::async_trait;
use aws_sdk_dynamodb::{Client, error::ProvideErrorMetadata, types::AttributeValue};

use crate::core::lease::{LeaseError, LeaseRecord, LeaseStore};

pub struct DynamoLeases {
    client: Client,
    table: String,
}

impl DynamoLeases {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }
}

fn key(name: &str) -> AttributeValue {
    AttributeValue::S(format!("lease#{name}"))
}

fn failed<E: ProvideErrorMetadata>(call: &str, e: &E) -> LeaseError {
    LeaseError::Unavailable(format!("DynamoDB {call}: {}", e.code().unwrap_or("unreachable")))
}

#[async_trait]
impl LeaseStore for DynamoLeases {
    async fn read(&self, name: &str) -> Result<Option<LeaseRecord>, LeaseError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", key(name))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| failed("GetItem", &e))?;
        Ok(out.item().and_then(|item| {
            let owner = item.get("owner")?.as_s().ok()?.clone();
            let version = item.get("version")?.as_s().ok()?.clone();
            Some(LeaseRecord { owner, version })
        }))
    }

    async fn write(&self, name: &str, record: &LeaseRecord, expected: Option<&str>) -> Result<bool, LeaseError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", key(name))
            .item("owner", AttributeValue::S(record.owner.clone()))
            .item("version", AttributeValue::S(record.version.clone()));
        put = match expected {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(version) => put
                .condition_expression("version = :v")
                .expression_attribute_values(":v", AttributeValue::S(version.to_string())),
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => Ok(false),
            Err(e) => Err(failed("PutItem", &e)),
        }
    }

    async fn delete(&self, name: &str, expected: &str) -> Result<bool, LeaseError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", key(name))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", AttributeValue::S(expected.to_string()))
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => Ok(false),
            Err(e) => Err(failed("DeleteItem", &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_trait::async_trait;

    use super::DynamoLeases;
    use crate::{
        adapters::aws::{AwsClients, provision::Needs, testing},
        config::AwsConfig,
        conformance::lease_store::{LeaseStoreFactory, lease_store_conformance},
        core::lease::LeaseStore,
    };

    struct OnMoto(tokio::sync::OnceCell<(AwsConfig, AwsClients)>);

    #[async_trait]
    impl LeaseStoreFactory for OnMoto {
        async fn open(&self) -> Arc<dyn LeaseStore> {
            let (config, clients) = self
                .0
                .get_or_init(|| testing::moto_deployment(Needs { coordination_table: true, ..Needs::default() }, 1))
                .await;
            Arc::new(DynamoLeases::new(clients.dynamodb.clone(), &config.resources.coordination_table))
        }
    }

    lease_store_conformance!(OnMoto(tokio::sync::OnceCell::new()));
}

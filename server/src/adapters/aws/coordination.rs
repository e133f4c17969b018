//! The [`Checkpoints`] port on the coordination table (DynamoDB).
//!
//! One item per name, partition key `checkpoint#<name>`, holding the
//! position's opaque token, its global position when it has one, and when it
//! was saved. A save is one unconditional `PutItem` (the last save wins, as
//! in the embedded adapter); a load is a strongly consistent `GetItem`, so a
//! restart or another replica reads what the last save acknowledged.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::{error::SdkError, types::AttributeValue};

use super::provision::{PK, error_text};
use crate::core::{
    bus::{BusError, Checkpoints},
    model::{Position, now_micros},
};

const TOKEN: &str = "token";
const GLOBAL: &str = "global";
const SAVED_AT: &str = "saved_at";

/// Checkpoints in the coordination table.
#[derive(Clone, Debug)]
pub struct DynamoCheckpoints {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoCheckpoints {
    /// Checkpoints in `table` (`aws.resources.coordination_table`), which has
    /// one string partition key `pk`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    fn key(name: &str) -> AttributeValue {
        AttributeValue::S(format!("checkpoint#{name}"))
    }
}

#[async_trait]
impl Checkpoints for DynamoCheckpoints {
    async fn load(&self, name: &str) -> Result<Option<Position>, BusError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, Self::key(name))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| dynamo_error("load a checkpoint", &e))?;
        let Some(item) = out.item() else { return Ok(None) };
        position_of(item).map(Some)
    }

    async fn save(&self, name: &str, position: &Position) -> Result<(), BusError> {
        let mut request = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, Self::key(name))
            .item(TOKEN, AttributeValue::S(position.token.clone()))
            .item(SAVED_AT, AttributeValue::N(now_micros().to_string()));
        if let Some(global) = position.global {
            request = request.item(GLOBAL, AttributeValue::N(global.to_string()));
        }
        request.send().await.map_err(|e| dynamo_error("save a checkpoint", &e))?;
        Ok(())
    }
}

fn position_of(item: &HashMap<String, AttributeValue>) -> Result<Position, BusError> {
    let token = match item.get(TOKEN) {
        Some(AttributeValue::S(token)) => token.clone(),
        _ => return Err(BusError::Internal("a stored checkpoint has no token".into())),
    };
    let global = match item.get(GLOBAL) {
        None => None,
        Some(AttributeValue::N(n)) => Some(
            n.parse::<u64>().map_err(|e| BusError::Internal(format!("a stored checkpoint's global position: {e}")))?,
        ),
        Some(_) => return Err(BusError::Internal("a stored checkpoint's global position is not a number".into())),
    };
    Ok(Position { token, global })
}

/// A DynamoDB error as a [`BusError`]: throttling, server faults and
/// transport failures are [`BusError::Unavailable`].
pub(crate) fn dynamo_error<E, R>(what: &str, error: &SdkError<E, R>) -> BusError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    // One list of transient DynamoDB errors for every adapter.
    let transient = super::item::Fault::of(what, error).transient;
    let text = format!("cannot {what}: {}", error_text(error));
    if transient { BusError::Unavailable(text) } else { BusError::Internal(text) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::aws::{provision::Needs, testing};

    #[tokio::test]
    async fn checkpoints_round_trip_on_the_coordination_table() {
        let (config, clients) =
            testing::moto_deployment(Needs { coordination_table: true, ..Needs::default() }, 1).await;
        let checkpoints = DynamoCheckpoints::new(clients.dynamodb.clone(), &config.resources.coordination_table);
        assert_eq!(checkpoints.load("router").await.expect("load"), None);
        let position = Position { token: "t-1".into(), global: Some(42) };
        checkpoints.save("router", &position).await.expect("save");
        let other = DynamoCheckpoints::new(clients.dynamodb.clone(), &config.resources.coordination_table);
        assert_eq!(other.load("router").await.expect("load"), Some(position));
        let missing = DynamoCheckpoints::new(clients.dynamodb, "no-such-table");
        assert!(missing.load("router").await.is_err());
    }
}

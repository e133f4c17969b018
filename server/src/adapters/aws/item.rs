//! Small pieces the snapshot and saga adapters share: reading attributes of
//! a DynamoDB item without panicking on what another writer (or a person)
//! left there, sort keys that order numbers as strings, and a DynamoDB
//! error reduced to what a port needs to know (transient or not).

use std::{collections::HashMap, time::Duration};

use aws_sdk_dynamodb::{
    Client,
    error::{ProvideErrorMetadata, SdkError},
    types::{AttributeValue, DeleteRequest, KeysAndAttributes, WriteRequest},
};

use super::provision::error_text;

/// One item as the SDK returns it.
pub type Item = HashMap<String, AttributeValue>;

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A number as a sort-key string that orders like the number (20 digits
/// hold every `u64`).
pub fn padded(value: u64) -> String {
    format!("{value:020}")
}

/// A string attribute, if present and a string.
pub fn get_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

/// A number attribute parsed as `T`, if present, a number and in range.
pub fn get_n<T: std::str::FromStr>(item: &Item, name: &str) -> Option<T> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

/// A binary attribute, if present and binary.
pub fn get_b<'a>(item: &'a Item, name: &str) -> Option<&'a [u8]> {
    item.get(name).and_then(|v| v.as_b().ok()).map(|b| b.as_ref())
}

/// A failed DynamoDB call: what it was, and whether trying again later may
/// succeed (throttling, server faults, no answer) or not (a malformed
/// request, an item too large, a missing table).
#[derive(Debug, Clone)]
pub struct Fault {
    pub transient: bool,
    pub text: String,
}

impl Fault {
    pub fn of<E, R>(call: &str, error: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let transient = match error {
            SdkError::ServiceError(e) => matches!(
                e.err().code(),
                Some(
                    "ProvisionedThroughputExceededException"
                        | "ThrottlingException"
                        | "RequestLimitExceeded"
                        | "InternalServerError"
                        | "ServiceUnavailable"
                        | "LimitExceededException"
                        | "TransactionInProgressException"
                        | "TransactionConflictException"
                )
            ),
            _ => true,
        };
        Self { transient, text: format!("DynamoDB {call}: {}", error_text(error)) }
    }

    /// A request the SDK refused to build (a required field missing).
    pub fn build(error: impl std::fmt::Display) -> Self {
        Self { transient: false, text: format!("cannot build a DynamoDB request: {error}") }
    }

    fn gave_up(call: &str) -> Self {
        Self { transient: true, text: format!("DynamoDB {call} kept leaving items unprocessed") }
    }
}

/// Whether a failed call was refused by its condition expression.
pub fn condition_failed<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    error.code() == Some("ConditionalCheckFailedException")
}

/// Items by key, strongly consistent, 100 keys per request, retrying the
/// keys DynamoDB leaves unprocessed (with backoff, a bounded number of
/// times). Absent keys are simply not in the answer; the order is not the
/// keys' order.
pub async fn batch_get(client: &Client, table: &str, keys: Vec<Item>) -> Result<Vec<Item>, Fault> {
    let mut found = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(100) {
        let mut pending = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(chunk.to_vec()))
                .consistent_read(true)
                .build()
                .map_err(Fault::build)?,
        );
        let mut rounds = 0u64;
        while let Some(request) = pending.take() {
            rounds += 1;
            let out = client
                .batch_get_item()
                .request_items(table, request)
                .send()
                .await
                .map_err(|e| Fault::of("BatchGetItem", &e))?;
            found.extend(out.responses().and_then(|r| r.get(table)).into_iter().flatten().cloned());
            pending = out.unprocessed_keys().and_then(|u| u.get(table)).filter(|k| !k.keys().is_empty()).cloned();
            if pending.is_some() {
                if rounds > 20 {
                    return Err(Fault::gave_up("BatchGetItem"));
                }
                tokio::time::sleep(Duration::from_millis(20 * rounds)).await;
            }
        }
    }
    Ok(found)
}

/// Deletes items by key, unconditionally, 25 per request, retrying what
/// DynamoDB leaves unprocessed.
pub async fn batch_delete(client: &Client, table: &str, keys: Vec<Item>) -> Result<(), Fault> {
    for chunk in keys.chunks(25) {
        let mut pending = chunk
            .iter()
            .map(|key| {
                let delete = DeleteRequest::builder().set_key(Some(key.clone())).build().map_err(Fault::build)?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<Result<Vec<_>, Fault>>()?;
        let mut rounds = 0u64;
        while !pending.is_empty() {
            rounds += 1;
            let out = client
                .batch_write_item()
                .request_items(table, std::mem::take(&mut pending))
                .send()
                .await
                .map_err(|e| Fault::of("BatchWriteItem", &e))?;
            pending = out.unprocessed_items().and_then(|u| u.get(table)).cloned().unwrap_or_default();
            if !pending.is_empty() {
                if rounds > 20 {
                    return Err(Fault::gave_up("BatchWriteItem"));
                }
                tokio::time::sleep(Duration::from_millis(20 * rounds)).await;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_numbers_sort_like_numbers() {
        let mut keys: Vec<String> = [10u64, 9, u64::MAX, 0, 100].iter().map(|v| padded(*v)).collect();
        keys.sort();
        assert_eq!(keys, [padded(0), padded(9), padded(10), padded(100), padded(u64::MAX)]);
        assert_eq!(padded(u64::MAX).len(), 20);
    }

    #[test]
    fn getters_refuse_the_wrong_type_instead_of_panicking() {
        let item =
            Item::from([("a".to_string(), s("text")), ("b".to_string(), n(-5)), ("c".to_string(), n("not a number"))]);
        assert_eq!(get_s(&item, "a"), Some("text"));
        assert_eq!(get_s(&item, "b"), None);
        assert_eq!(get_n::<i64>(&item, "b"), Some(-5));
        assert_eq!(get_n::<u64>(&item, "b"), None, "out of range");
        assert_eq!(get_n::<u64>(&item, "c"), None);
        assert_eq!(get_b(&item, "a"), None);
        assert_eq!(get_n::<u64>(&item, "missing"), None);
    }
}

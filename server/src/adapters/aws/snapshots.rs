//! The [`SnapshotStore`] on DynamoDB: one table (`aws.resources.snapshots_table`,
//! keys `pk` and `sk`, both strings, TTL on `expires_at`), shared by every
//! replica.
//!
//! ```text
//! pk                      sk                  what
//! stream#<stream>         rev#<revision:020>  a snapshot: agg, rev, first, ssv, hv, ct,
//!                                             state (binary), size, created (µs),
//!                                             expires_at (s, only once superseded)
//! type#<aggregate type>   stream#<stream>     the stream's newest snapshot (what
//!                                             `stale` and type-wide `prune` walk)
//! policy#<aggregate type> policy              a policy set through the API (JSON)
//! ```
//!
//! **Versions.** A snapshot is keyed by stream and revision, as in the
//! embedded store: a put at a revision replaces what was there (whatever
//! its handler versions), and `latest` picks the newest one whose versions
//! match exactly.
//!
//! **Retention.** `prune` deletes what is beyond `keep_last` or older than
//! the cutoff, never a stream's newest; and when given a cutoff it stamps
//! the older snapshots it keeps with `expires_at`, the moment they pass it
//! (the TTL the cutoff implies), so DynamoDB's TTL removes them even if no
//! later prune runs. The newest snapshot never carries `expires_at`. TTL
//! deletes lazily (within days on AWS), so every read ignores an item
//! whose `expires_at` has passed.
//!
//! **Size.** A DynamoDB item holds at most 400 KB. A snapshot's state may
//! be at most [`MAX_STATE_BYTES`]; a bigger one is refused with an error
//! saying so and nothing is written (loads then fold the events, which is
//! always correct). Snapshots are not split into several items.
//!
//! **The index.** A put writes the snapshot, then moves the stream's index
//! item forward (a conditional update: it never goes back to an older
//! revision, whichever replica writes last). Should the process stop in
//! between, the index shows the previous newest until the next put; it only
//! steers the age sweep and type-wide retention, never a load.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::{Client, primitives::Blob, types::AttributeValue};
use bytes::Bytes;

use super::item::{self, Fault, Item, get_b, get_n, get_s, n, padded, s};
use crate::core::{
    model::now_micros,
    snapshot::{Snapshot, SnapshotError, SnapshotInfo, SnapshotPage, SnapshotPolicy, SnapshotStore, SnapshotVersions},
};

/// Largest state a snapshot may hold on DynamoDB: the 400 KB item limit
/// less room for the keys and the other attributes.
pub const MAX_STATE_BYTES: usize = 380 * 1024;

/// Longest stream id or aggregate type: sort keys hold at most 1,024 bytes.
const MAX_NAME_BYTES: usize = 1000;

const REV_PREFIX: &str = "rev#";
const STREAM_PREFIX: &str = "stream#";

/// Snapshots in a DynamoDB table.
#[derive(Clone, Debug)]
pub struct DynamoSnapshotStore {
    client: Client,
    table: String,
}

impl From<Fault> for SnapshotError {
    fn from(f: Fault) -> Self {
        if f.transient { SnapshotError::Unavailable(f.text) } else { SnapshotError::Internal(f.text) }
    }
}

fn stream_pk(stream_id: &str) -> String {
    format!("{STREAM_PREFIX}{stream_id}")
}

fn rev_sk(revision: u64) -> String {
    format!("{REV_PREFIX}{}", padded(revision))
}

fn type_pk(aggregate_type: &str) -> String {
    format!("type#{aggregate_type}")
}

fn key(pk: String, sk: String) -> Item {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
}

/// Seconds since the epoch now (what `expires_at` counts in).
fn now_secs() -> i64 {
    now_micros().div_euclid(1_000_000)
}

/// Whether DynamoDB's TTL may delete the item already (it has not yet).
fn expired(item: &Item, now_secs: i64) -> bool {
    get_n::<i64>(item, "expires_at").is_some_and(|at| at <= now_secs)
}

fn corrupt(item: &Item, what: &str) -> SnapshotError {
    let pk = get_s(item, "pk").unwrap_or("?");
    let sk = get_s(item, "sk").unwrap_or("?");
    SnapshotError::Internal(format!("stored snapshot item {pk}/{sk} has no valid {what}"))
}

fn info_of(item: &Item) -> Result<SnapshotInfo, SnapshotError> {
    let text = |name: &str| get_s(item, name).map(str::to_string).ok_or_else(|| corrupt(item, name));
    let number = |name: &str| get_n::<u64>(item, name).ok_or_else(|| corrupt(item, name));
    Ok(SnapshotInfo {
        stream_id: text("stream")?,
        aggregate_type: text("agg")?,
        revision: number("rev")?,
        first_revision: number("first")?,
        versions: SnapshotVersions {
            state_schema: get_n(item, "ssv").ok_or_else(|| corrupt(item, "ssv"))?,
            handler: get_n(item, "hv").ok_or_else(|| corrupt(item, "hv"))?,
        },
        size: number("size")?,
        created_at: get_n(item, "created").ok_or_else(|| corrupt(item, "created"))?,
    })
}

fn snapshot_of(item: &Item) -> Result<Snapshot, SnapshotError> {
    let info = info_of(item)?;
    Ok(Snapshot {
        stream_id: info.stream_id,
        aggregate_type: info.aggregate_type,
        revision: info.revision,
        first_revision: info.first_revision,
        versions: info.versions,
        content_type: get_s(item, "ct").ok_or_else(|| corrupt(item, "ct"))?.to_string(),
        state: Bytes::copy_from_slice(get_b(item, "state").ok_or_else(|| corrupt(item, "state"))?),
        created_at: info.created_at,
    })
}

/// The attributes of a snapshot's info (the index item carries the same).
fn info_attributes(info: &SnapshotInfo) -> Vec<(&'static str, AttributeValue)> {
    vec![
        ("stream", s(&info.stream_id)),
        ("agg", s(&info.aggregate_type)),
        ("rev", n(info.revision)),
        ("first", n(info.first_revision)),
        ("ssv", n(info.versions.state_schema)),
        ("hv", n(info.versions.handler)),
        ("size", n(info.size)),
        ("created", n(info.created_at)),
    ]
}

/// What a query of a stream's snapshots returns of each.
#[derive(PartialEq)]
enum Fields {
    /// Everything but the state (what [`SnapshotInfo`] holds).
    Info,
    /// Everything.
    WithState,
}

/// Which sort keys of a stream's partition a query covers.
enum Revisions {
    All,
    AtMost(u64),
    Below(u64),
}

impl DynamoSnapshotStore {
    /// Snapshots in `table` (`aws.resources.snapshots_table`).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// A stream's snapshot items, newest first, strongly consistent, page
    /// by page, until `take` says stop (it sees each item; expired ones
    /// are passed over before it).
    async fn scan_stream(
        &self,
        stream_id: &str,
        range: Revisions,
        fields: Fields,
        mut take: impl FnMut(&Item) -> Result<bool, SnapshotError>,
    ) -> Result<(), SnapshotError> {
        let (condition, high) = match range {
            Revisions::All => ("pk = :pk AND begins_with(sk, :lo)", None),
            Revisions::AtMost(r) => ("pk = :pk AND sk BETWEEN :lo AND :hi", Some(rev_sk(r))),
            Revisions::Below(0) => return Ok(()),
            Revisions::Below(r) => ("pk = :pk AND sk BETWEEN :lo AND :hi", Some(rev_sk(r - 1))),
        };
        let now = now_secs();
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(condition)
                .expression_attribute_values(":pk", s(stream_pk(stream_id)))
                .expression_attribute_values(":lo", s(REV_PREFIX))
                .scan_index_forward(false)
                .consistent_read(true)
                .set_exclusive_start_key(start.take());
            if let Some(high) = &high {
                query = query.expression_attribute_values(":hi", s(high));
            }
            if fields == Fields::Info {
                query = query
                    .projection_expression("pk, sk, #stream, agg, rev, #first, ssv, hv, #size, created, expires_at")
                    .expression_attribute_names("#stream", "stream")
                    .expression_attribute_names("#first", "first")
                    .expression_attribute_names("#size", "size");
            }
            let out = query.send().await.map_err(|e| Fault::of("Query", &e))?;
            for item in out.items() {
                if !expired(item, now) && !take(item)? {
                    return Ok(());
                }
            }
            match out.last_evaluated_key() {
                Some(last) => start = Some(last.clone()),
                None => return Ok(()),
            }
        }
    }

    /// Moves the index item of the snapshot's stream to it unless it shows
    /// a newer revision already.
    async fn advance_index(&self, info: &SnapshotInfo) -> Result<(), SnapshotError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(type_pk(&info.aggregate_type), stream_pk(&info.stream_id))))
            .condition_expression("attribute_not_exists(pk) OR #rev <= :rev")
            .expression_attribute_names("#rev", "rev");
        let mut sets = Vec::new();
        for (i, (name, value)) in info_attributes(info).into_iter().enumerate() {
            sets.push(format!("#a{i} = :a{i}"));
            update = update
                .expression_attribute_names(format!("#a{i}"), name)
                .expression_attribute_values(format!(":a{i}"), value.clone());
            if name == "rev" {
                update = update.expression_attribute_values(":rev", value);
            }
        }
        match update.update_expression(format!("SET {}", sets.join(", "))).send().await {
            Ok(_) => Ok(()),
            Err(e) if item::condition_failed(&e) => Ok(()),
            Err(e) => Err(Fault::of("UpdateItem", &e).into()),
        }
    }

    /// Points the index item of `stream_id` (under `aggregate_type`) at the
    /// stream's newest remaining snapshot, or removes it, after a delete of
    /// everything at or below `max_revision`; an index item already showing
    /// a newer revision (a put meanwhile) is left alone.
    async fn repair_index(
        &self,
        aggregate_type: &str,
        stream_id: &str,
        max_revision: u64,
    ) -> Result<(), SnapshotError> {
        let mut newest = None;
        self.scan_stream(stream_id, Revisions::All, Fields::Info, |item| {
            newest = Some(info_of(item)?);
            Ok(false)
        })
        .await?;
        let index_key = key(type_pk(aggregate_type), stream_pk(stream_id));
        let result = match newest {
            Some(info) if info.aggregate_type == aggregate_type => return self.advance_index(&info).await,
            _ => {
                self.client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(index_key))
                    .condition_expression("#rev <= :max")
                    .expression_attribute_names("#rev", "rev")
                    .expression_attribute_values(":max", n(max_revision))
                    .send()
                    .await
            }
        };
        match result {
            Ok(_) => Ok(()),
            Err(e) if item::condition_failed(&e) => Ok(()),
            Err(e) => Err(Fault::of("DeleteItem", &e).into()),
        }
    }

    /// Deletes one snapshot item unless it was replaced since it was read
    /// (its creation time changed). Whether it went.
    async fn delete_if_unchanged(&self, item: &Item) -> Result<bool, SnapshotError> {
        let (Some(pk), Some(sk), Some(created)) = (get_s(item, "pk"), get_s(item, "sk"), item.get("created")) else {
            return Err(corrupt(item, "key"));
        };
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(pk.to_string(), sk.to_string())))
            .condition_expression("created = :c")
            .expression_attribute_values(":c", created.clone())
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e) if item::condition_failed(&e) => Ok(false),
            Err(e) => Err(Fault::of("DeleteItem", &e).into()),
        }
    }

    /// Retention of one stream (see [`SnapshotStore::prune`]).
    async fn prune_stream(
        &self,
        aggregate_type: &str,
        stream_id: &str,
        keep_last: Option<u32>,
        created_before: Option<i64>,
    ) -> Result<u64, SnapshotError> {
        let mut mine = Vec::new();
        self.scan_stream(stream_id, Revisions::All, Fields::Info, |item| {
            if get_s(item, "agg") == Some(aggregate_type) {
                mine.push(item.clone());
            }
            Ok(true)
        })
        .await?;
        let keep = keep_last.map_or(usize::MAX, |k| usize::try_from(k).unwrap_or(usize::MAX));
        // What the cutoff implies as a TTL, for the snapshots kept.
        let ttl_micros = created_before.map(|cutoff| now_micros().saturating_sub(cutoff));
        let mut deleted = 0;
        for (rank, item) in mine.iter().enumerate().skip(1) {
            let created = get_n::<i64>(item, "created").ok_or_else(|| corrupt(item, "created"))?;
            if rank >= keep || created_before.is_some_and(|cutoff| created < cutoff) {
                deleted += u64::from(self.delete_if_unchanged(item).await?);
            } else if let Some(ttl) = ttl_micros {
                let expires_at = created.saturating_add(ttl).div_euclid(1_000_000).saturating_add(1);
                if get_n::<i64>(item, "expires_at") != Some(expires_at) {
                    self.stamp(item, expires_at).await?;
                }
            }
        }
        Ok(deleted)
    }

    /// Sets `expires_at` on a superseded snapshot, unless it was replaced
    /// or deleted since it was read.
    async fn stamp(&self, item: &Item, expires_at: i64) -> Result<(), SnapshotError> {
        let (Some(pk), Some(sk), Some(created)) = (get_s(item, "pk"), get_s(item, "sk"), item.get("created")) else {
            return Err(corrupt(item, "key"));
        };
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(pk.to_string(), sk.to_string())))
            .update_expression("SET expires_at = :e")
            .condition_expression("created = :c")
            .expression_attribute_values(":e", n(expires_at))
            .expression_attribute_values(":c", created.clone())
            .send()
            .await;
        match out {
            Ok(_) => Ok(()),
            Err(e) if item::condition_failed(&e) => Ok(()),
            Err(e) => Err(Fault::of("UpdateItem", &e).into()),
        }
    }

    /// The index items of an aggregate type (each stream's newest
    /// snapshot), by stream id after `after`, page by page until `take`
    /// says stop.
    async fn scan_index(
        &self,
        aggregate_type: &str,
        after: Option<&str>,
        mut take: impl FnMut(SnapshotInfo) -> bool,
    ) -> Result<(), SnapshotError> {
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .expression_attribute_values(":pk", s(type_pk(aggregate_type)))
                .consistent_read(true)
                .set_exclusive_start_key(start.take());
            query = match after {
                // Every stream sort key is above `stream#` and `stream#<after>`.
                Some(after) => query
                    .key_condition_expression("pk = :pk AND sk > :after")
                    .expression_attribute_values(":after", s(stream_pk(after))),
                None => query
                    .key_condition_expression("pk = :pk AND begins_with(sk, :p)")
                    .expression_attribute_values(":p", s(STREAM_PREFIX)),
            };
            let out = query.send().await.map_err(|e| Fault::of("Query", &e))?;
            for item in out.items() {
                if !take(info_of(item)?) {
                    return Ok(());
                }
            }
            match out.last_evaluated_key() {
                Some(last) => start = Some(last.clone()),
                None => return Ok(()),
            }
        }
    }
}

fn check_names(stream_id: &str, aggregate_type: &str) -> Result<(), SnapshotError> {
    if stream_id.len() > MAX_NAME_BYTES || aggregate_type.len() > MAX_NAME_BYTES {
        return Err(SnapshotError::Internal(format!(
            "the DynamoDB snapshot store keeps stream ids and aggregate types of at most {MAX_NAME_BYTES} bytes"
        )));
    }
    Ok(())
}

#[async_trait]
impl SnapshotStore for DynamoSnapshotStore {
    async fn put(&self, snapshot: Snapshot) -> Result<(), SnapshotError> {
        if snapshot.state.len() > MAX_STATE_BYTES {
            return Err(SnapshotError::Internal(format!(
                "the snapshot of stream {} at revision {} has {} bytes of state; the DynamoDB snapshot store \
                 keeps at most {MAX_STATE_BYTES} (a DynamoDB item holds 400 KB): loads fold the events instead",
                snapshot.stream_id,
                snapshot.revision,
                snapshot.state.len()
            )));
        }
        check_names(&snapshot.stream_id, &snapshot.aggregate_type)?;
        let info = snapshot.info();
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(stream_pk(&snapshot.stream_id)))
            .item("sk", s(rev_sk(snapshot.revision)))
            .item("ct", s(snapshot.content_type))
            .item("state", AttributeValue::B(Blob::new(snapshot.state.to_vec())));
        for (name, value) in info_attributes(&info) {
            put = put.item(name, value);
        }
        put.send().await.map_err(|e| Fault::of("PutItem", &e))?;
        self.advance_index(&info).await
    }

    async fn latest(
        &self,
        stream_id: &str,
        versions: SnapshotVersions,
        max_revision: Option<u64>,
    ) -> Result<Option<Snapshot>, SnapshotError> {
        let range = max_revision.map_or(Revisions::All, Revisions::AtMost);
        let mut found = None;
        self.scan_stream(stream_id, range, Fields::WithState, |item| {
            let matches = get_n::<u32>(item, "ssv") == Some(versions.state_schema)
                && get_n::<u32>(item, "hv") == Some(versions.handler);
            if matches {
                found = Some(snapshot_of(item)?);
            }
            Ok(!matches)
        })
        .await?;
        Ok(found)
    }

    async fn get(&self, stream_id: &str, revision: u64) -> Result<Option<Snapshot>, SnapshotError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(stream_pk(stream_id), rev_sk(revision))))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| Fault::of("GetItem", &e))?;
        match out.item() {
            Some(item) if !expired(item, now_secs()) => snapshot_of(item).map(Some),
            _ => Ok(None),
        }
    }

    async fn list(
        &self,
        stream_id: &str,
        before_revision: Option<u64>,
        page_size: usize,
    ) -> Result<SnapshotPage, SnapshotError> {
        let page_size = page_size.max(1);
        let range = before_revision.map_or(Revisions::All, Revisions::Below);
        let mut snapshots = Vec::new();
        self.scan_stream(stream_id, range, Fields::Info, |item| {
            snapshots.push(info_of(item)?);
            Ok(snapshots.len() <= page_size)
        })
        .await?;
        let next_before = if snapshots.len() > page_size {
            snapshots.truncate(page_size);
            snapshots.last().map(|s| s.revision)
        } else {
            None
        };
        Ok(SnapshotPage { snapshots, next_before })
    }

    async fn delete(&self, stream_id: &str, max_revision: Option<u64>) -> Result<u64, SnapshotError> {
        let range = max_revision.map_or(Revisions::All, Revisions::AtMost);
        // Expired items are left to DynamoDB's TTL: they are gone already.
        let mut keys: Vec<Item> = Vec::new();
        let mut types: Vec<String> = Vec::new();
        self.scan_stream(stream_id, range, Fields::Info, |item| {
            let aggregate_type = get_s(item, "agg").ok_or_else(|| corrupt(item, "agg"))?;
            if !types.iter().any(|t| t == aggregate_type) {
                types.push(aggregate_type.to_string());
            }
            keys.push(
                item.iter()
                    .filter(|(name, _)| *name == "pk" || *name == "sk")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            );
            Ok(true)
        })
        .await?;
        let deleted = keys.len() as u64;
        if keys.is_empty() {
            return Ok(0);
        }
        item::batch_delete(&self.client, &self.table, keys).await?;
        for aggregate_type in types {
            self.repair_index(&aggregate_type, stream_id, max_revision.unwrap_or(u64::MAX)).await?;
        }
        Ok(deleted)
    }

    async fn prune(
        &self,
        aggregate_type: &str,
        stream_id: Option<&str>,
        keep_last: Option<u32>,
        created_before: Option<i64>,
    ) -> Result<u64, SnapshotError> {
        if keep_last.is_none() && created_before.is_none() {
            return Ok(0);
        }
        if let Some(stream_id) = stream_id {
            return self.prune_stream(aggregate_type, stream_id, keep_last, created_before).await;
        }
        let mut streams = Vec::new();
        self.scan_index(aggregate_type, None, |info| {
            streams.push(info.stream_id);
            true
        })
        .await?;
        let mut deleted = 0;
        for stream_id in streams {
            deleted += self.prune_stream(aggregate_type, &stream_id, keep_last, created_before).await?;
        }
        Ok(deleted)
    }

    async fn stale(
        &self,
        aggregate_type: &str,
        created_before: i64,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<SnapshotInfo>, SnapshotError> {
        let limit = limit.max(1);
        let mut found = Vec::new();
        self.scan_index(aggregate_type, after, |info| {
            if info.created_at < created_before {
                found.push(info);
            }
            found.len() < limit
        })
        .await?;
        Ok(found)
    }

    async fn get_policy(&self, aggregate_type: &str) -> Result<Option<SnapshotPolicy>, SnapshotError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(format!("policy#{aggregate_type}"), "policy".into())))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| Fault::of("GetItem", &e))?;
        let Some(item) = out.item() else { return Ok(None) };
        let text = get_s(item, "policy").ok_or_else(|| corrupt(item, "policy"))?;
        serde_json::from_str(text).map(Some).map_err(|e| SnapshotError::Internal(format!("stored policy: {e}")))
    }

    async fn put_policy(&self, aggregate_type: &str, policy: &SnapshotPolicy) -> Result<(), SnapshotError> {
        let text = serde_json::to_string(policy).map_err(|e| SnapshotError::Internal(e.to_string()))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(format!("policy#{aggregate_type}")))
            .item("sk", s("policy"))
            .item("policy", s(text))
            .item("updated", n(now_micros()))
            .send()
            .await
            .map_err(|e| Fault::of("PutItem", &e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_trait::async_trait;

    use super::*;
    use crate::{
        adapters::aws::{AwsClients, provision::Needs, testing},
        config::AwsConfig,
        conformance::snapshot_store::{SnapshotStoreFactory, snapshot_store_conformance},
    };

    struct OnMoto(tokio::sync::OnceCell<(AwsConfig, AwsClients)>);

    impl OnMoto {
        async fn deployment(&self) -> &(AwsConfig, AwsClients) {
            self.0
                .get_or_init(|| testing::moto_deployment(Needs { snapshots_table: true, ..Needs::default() }, 1))
                .await
        }
    }

    #[async_trait]
    impl SnapshotStoreFactory for OnMoto {
        async fn open(&self) -> Arc<dyn SnapshotStore> {
            let (config, clients) = self.deployment().await;
            Arc::new(DynamoSnapshotStore::new(clients.dynamodb.clone(), &config.resources.snapshots_table))
        }
    }

    snapshot_store_conformance!(OnMoto(tokio::sync::OnceCell::new()));

    const V1: SnapshotVersions = SnapshotVersions { state_schema: 1, handler: 1 };

    fn snapshot(stream: &str, revision: u64, created_at: i64) -> Snapshot {
        Snapshot {
            stream_id: stream.into(),
            aggregate_type: "account".into(),
            revision,
            first_revision: 0,
            versions: V1,
            content_type: "application/json".into(),
            state: Bytes::from(format!("{{\"revision\":{revision}}}")),
            created_at,
        }
    }

    async fn store() -> (DynamoSnapshotStore, Client, String) {
        let moto = OnMoto(tokio::sync::OnceCell::new());
        let (config, clients) = moto.deployment().await;
        let table = config.resources.snapshots_table.clone();
        (DynamoSnapshotStore::new(clients.dynamodb.clone(), &table), clients.dynamodb.clone(), table)
    }

    async fn raw(client: &Client, table: &str, stream: &str, revision: u64) -> Option<Item> {
        let out = client
            .get_item()
            .table_name(table)
            .set_key(Some(key(stream_pk(stream), rev_sk(revision))))
            .consistent_read(true)
            .send()
            .await
            .expect("get");
        out.item().cloned()
    }

    #[tokio::test]
    async fn reads_ignore_snapshots_whose_ttl_passed_before_dynamodb_deletes_them() {
        let (store, client, table) = store().await;
        for revision in [1, 2, 3] {
            store.put(snapshot("account-1", revision, now_micros())).await.expect("put");
        }
        // TTL deletes within days: until then the item is there, expired.
        client
            .update_item()
            .table_name(&table)
            .set_key(Some(key(stream_pk("account-1"), rev_sk(2))))
            .update_expression("SET expires_at = :e")
            .expression_attribute_values(":e", n(now_secs() - 10))
            .send()
            .await
            .expect("expire");
        assert!(raw(&client, &table, "account-1", 2).await.is_some(), "moto keeps it, as AWS does for a while");
        assert_eq!(store.get("account-1", 2).await, Ok(None));
        assert_eq!(store.latest("account-1", V1, Some(2)).await.expect("latest").map(|s| s.revision), Some(1));
        let listed: Vec<_> =
            store.list("account-1", None, 10).await.expect("list").snapshots.iter().map(|s| s.revision).collect();
        assert_eq!(listed, [3, 1]);
        assert_eq!(store.delete("account-1", Some(2)).await, Ok(1), "the expired one was gone already");
        assert_eq!(store.list("account-1", None, 10).await.expect("list").snapshots.len(), 1);
    }

    #[tokio::test]
    async fn prune_with_a_cutoff_stamps_the_kept_older_snapshots_and_never_the_newest() {
        let (store, client, table) = store().await;
        let now = now_micros();
        let hour = 3_600_000_000;
        store.put(snapshot("account-1", 1, now - 3 * hour)).await.expect("put");
        store.put(snapshot("account-1", 2, now - hour / 2)).await.expect("put");
        store.put(snapshot("account-1", 3, now)).await.expect("put");
        // A TTL of one hour: revision 1 goes now, revision 2 in half an hour.
        assert_eq!(store.prune("account", Some("account-1"), None, Some(now - hour)).await, Ok(1));
        assert!(raw(&client, &table, "account-1", 1).await.is_none());
        let kept = raw(&client, &table, "account-1", 2).await.expect("kept");
        let expires_at = get_n::<i64>(&kept, "expires_at").expect("stamped");
        let due = (now + hour / 2) / 1_000_000;
        assert!((due..=due + 5).contains(&expires_at), "{expires_at} is about {due}");
        let newest = raw(&client, &table, "account-1", 3).await.expect("newest");
        assert_eq!(newest.get("expires_at"), None, "the newest never expires");
        // A put replacing a stamped snapshot clears the stamp.
        store.put(snapshot("account-1", 2, now)).await.expect("put again");
        assert_eq!(raw(&client, &table, "account-1", 2).await.expect("kept").get("expires_at"), None);
    }

    #[tokio::test]
    async fn a_state_over_the_item_limit_is_refused_and_nothing_is_written() {
        let (store, _, _) = store().await;
        let mut big = snapshot("account-1", 5, 1);
        big.state = Bytes::from(vec![b'x'; MAX_STATE_BYTES + 1]);
        let error = store.put(big).await.expect_err("too big");
        let SnapshotError::Internal(text) = &error else { panic!("{error:?}") };
        assert!(text.contains("account-1") && text.contains(&MAX_STATE_BYTES.to_string()), "{text}");
        assert_eq!(store.get("account-1", 5).await, Ok(None));
        assert!(store.stale("account", i64::MAX, None, 10).await.expect("stale").is_empty(), "no index item");

        let mut largest = snapshot("account-1", 6, 1);
        largest.state = Bytes::from(vec![b'x'; MAX_STATE_BYTES]);
        store.put(largest.clone()).await.expect("the largest allowed fits in an item");
        assert_eq!(store.get("account-1", 6).await, Ok(Some(largest)));
    }

    #[tokio::test]
    async fn a_damaged_item_is_an_error_not_a_panic() {
        let (store, client, table) = store().await;
        store.put(snapshot("account-1", 1, 1)).await.expect("put");
        client
            .update_item()
            .table_name(&table)
            .set_key(Some(key(stream_pk("account-1"), rev_sk(1))))
            .update_expression("SET rev = :bad, ssv = :text")
            .expression_attribute_values(":bad", n("-1"))
            .expression_attribute_values(":text", s("one"))
            .send()
            .await
            .expect("damage");
        assert!(matches!(store.get("account-1", 1).await, Err(SnapshotError::Internal(_))));
        assert!(matches!(store.list("account-1", None, 10).await, Err(SnapshotError::Internal(_))));
        let missing = DynamoSnapshotStore::new(client, "no-such-table");
        assert!(missing.get("account-1", 1).await.is_err());
    }

    #[tokio::test]
    async fn deleting_the_newest_moves_the_index_back_so_stale_stays_right() {
        let (store, _, _) = store().await;
        store.put(snapshot("account-1", 1, 100)).await.expect("put");
        store.put(snapshot("account-1", 2, 900)).await.expect("put");
        assert!(store.stale("account", 500, None, 10).await.expect("stale").is_empty());
        assert_eq!(store.delete("account-1", Some(2)).await, Ok(2));
        assert!(store.stale("account", 500, None, 10).await.expect("stale").is_empty(), "no snapshot, no entry");
        store.put(snapshot("account-1", 1, 100)).await.expect("put");
        let stale = store.stale("account", 500, None, 10).await.expect("stale");
        assert_eq!(stale.iter().map(|s| s.revision).collect::<Vec<_>>(), [1]);
    }
}

//! What the runtime policies see: the input documents of `nexus.authz` and
//! `nexus.events`, and their conversion to Rego values.
//!
//! The structs serialize (serde) to exactly the JSON the policies read, which
//! is what `PolicyService.Evaluate` takes and docs/POLICIES.md shows. For
//! evaluation they are converted straight into regorus values, without a
//! detour through `serde_json::Value`; a test checks both agree.

use std::collections::BTreeMap;

use regorus::Value;
use serde::{Deserialize, Serialize};

use crate::core::principal::Principal;

/// Input of `data.nexus.authz`: one RPC about to run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthzInput {
    /// Full service name, e.g. `nexus.v1.EventStoreService`.
    pub service: String,
    /// Method name, e.g. `AppendToStream`.
    pub method: String,
    /// The caller.
    pub principal: Principal,
    /// What the call touches.
    pub resource: Resource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

/// The resource an RPC touches. `tenant` is always present: the owner of the
/// stream, prefix or schema subject (the part before the first `/`), or ""
/// for shared resources and calls that name none.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Resource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// The prefix of ReadAll / SubscribeAll.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_prefix: Option<String>,
    pub tenant: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregate_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_type: Option<String>,
    /// A schema subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// A projection (QueryService).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projection: Option<String>,
    /// A consumer of the queue path (a platform resource: tenant "").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer: Option<String>,
}

impl Resource {
    /// A stream's resource: its tenant is the part of its id before the first
    /// `/` (none for `account-1`, `$audit`).
    pub fn stream(stream: impl Into<String>) -> Self {
        let stream = stream.into();
        Self { tenant: tenant_of(&stream).to_owned(), stream: Some(stream), ..Self::default() }
    }

    /// The resource of ReadAll / SubscribeAll with a stream prefix ("" for none).
    pub fn stream_prefix(prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        if prefix.is_empty() {
            return Self::default();
        }
        Self { tenant: tenant_of(&prefix).to_owned(), stream_prefix: Some(prefix), ..Self::default() }
    }

    /// A schema subject's resource (`acme/Invoice` belongs to tenant `acme`).
    pub fn subject(subject: impl Into<String>) -> Self {
        let subject = subject.into();
        Self { tenant: tenant_of(&subject).to_owned(), subject: Some(subject), ..Self::default() }
    }
}

/// The tenant owning a stream id, prefix or schema subject: what precedes the
/// first `/`, or "" when there is none.
pub fn tenant_of(name: &str) -> &str {
    name.split_once('/').map_or("", |(tenant, _)| tenant)
}

/// Input of `data.nexus.events`: every event of one append, after schema
/// validation and before anything is stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventsInput {
    pub principal: Principal,
    pub stream: String,
    /// The stream's tenant (see [`tenant_of`]).
    pub tenant: String,
    pub events: Vec<EventInput>,
}

/// One proposed event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventInput {
    /// Position in the append, from 0.
    pub index: u32,
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub content_type: String,
    /// Payload size in bytes.
    pub size: usize,
    pub route: EventRoute,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// The parsed JSON payload; `null` for payloads that are not JSON.
    pub payload: serde_json::Value,
}

/// Where an event goes after it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventRoute {
    Core,
    Secondary,
}

impl EventRoute {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Core => "core",
            Self::Secondary => "secondary",
        }
    }
}

/// Conversion into the Rego value the policies see, equal to what the serde
/// serialization would give.
pub(crate) trait ToRego {
    fn to_rego(&self) -> Result<Value, String>;
}

struct Obj(BTreeMap<Value, Value>);

impl Obj {
    fn new() -> Self {
        Self(BTreeMap::new())
    }
    fn set(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        self.0.insert(Value::from(key), value.into());
        self
    }
    fn opt(&mut self, key: &str, value: Option<impl Into<Value>>) -> &mut Self {
        if let Some(value) = value {
            self.set(key, value);
        }
        self
    }
    fn build(&mut self) -> Value {
        Value::from(std::mem::take(&mut self.0))
    }
}

fn strings(values: &[String]) -> Value {
    Value::from(values.iter().map(|s| Value::from(s.as_str())).collect::<Vec<_>>())
}

fn principal_value(p: &Principal) -> Value {
    Obj::new()
        .set("subject", p.subject.as_str())
        .set("tenant", p.tenant.as_str())
        .set("roles", strings(&p.roles))
        .set("scopes", strings(&p.scopes))
        .set("authenticated", p.authenticated)
        .build()
}

/// A JSON value as a Rego value (one conversion, no intermediate copy).
pub(crate) fn json_to_rego(json: &serde_json::Value) -> Result<Value, String> {
    Value::deserialize(json).map_err(|e| format!("input is not representable in Rego: {e}"))
}

impl ToRego for AuthzInput {
    fn to_rego(&self) -> Result<Value, String> {
        let r = &self.resource;
        let resource = Obj::new()
            .opt("stream", r.stream.as_deref())
            .opt("stream_prefix", r.stream_prefix.as_deref())
            .set("tenant", r.tenant.as_str())
            .opt("aggregate_type", r.aggregate_type.as_deref())
            .opt("command_type", r.command_type.as_deref())
            .opt("subject", r.subject.as_deref())
            .opt("consumer", r.consumer.as_deref())
            .build();
        Ok(Obj::new()
            .set("service", self.service.as_str())
            .set("method", self.method.as_str())
            .set("principal", principal_value(&self.principal))
            .set("resource", resource)
            .opt("correlation_id", self.correlation_id.as_deref())
            .build())
    }
}

impl ToRego for EventsInput {
    fn to_rego(&self) -> Result<Value, String> {
        let mut events = Vec::with_capacity(self.events.len());
        for e in &self.events {
            events.push(
                Obj::new()
                    .set("index", u64::from(e.index))
                    .set("id", e.id.as_str())
                    .set("type", e.event_type.as_str())
                    .set("content_type", e.content_type.as_str())
                    .set("size", e.size as u64)
                    .set("route", e.route.as_str())
                    .opt("schema_subject", e.schema_subject.as_deref())
                    .opt("schema_version", e.schema_version.map(u64::from))
                    .set("payload", json_to_rego(&e.payload)?)
                    .build(),
            );
        }
        Ok(Obj::new()
            .set("principal", principal_value(&self.principal))
            .set("stream", self.stream.as_str())
            .set("tenant", self.tenant.as_str())
            .set("events", Value::from(events))
            .build())
    }
}

//! TEMPORARY stand-in with the contract's signatures (replaced by the policy branch).
#![allow(dead_code, unused_variables)]
use std::{path::Path, sync::Arc};

use serde::Serialize;

use super::principal::Principal;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allow: bool,
    pub reasons: Vec<String>,
    pub policy: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Resource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_prefix: Option<String>,
    pub tenant: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregate_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuthzInput {
    pub service: String,
    pub method: String,
    pub principal: Principal,
    pub resource: Resource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventInput {
    pub index: u32,
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub content_type: String,
    pub size: usize,
    pub route: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventsInput {
    pub principal: Principal,
    pub stream: String,
    pub tenant: String,
    pub events: Vec<EventInput>,
}

#[derive(Debug, Clone)]
pub struct PolicyInfo {
    pub path: String,
    pub package: String,
    pub source: String,
    pub sha256: String,
}

#[derive(Debug, Clone)]
pub struct ReloadReport {
    pub generation: u64,
}

pub struct PolicyEngine;

impl PolicyEngine {
    pub fn load(dir: &Path) -> Result<Self, PolicyError> {
        Ok(Self)
    }
    pub fn reload(&self) -> Result<ReloadReport, PolicyError> {
        Ok(ReloadReport { generation: 1 })
    }
    pub fn watch(self: &Arc<Self>, shutdown: tokio_util::sync::CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async {})
    }
    pub fn authorize(&self, input: &AuthzInput) -> Decision {
        Decision { allow: true, reasons: vec![], policy: "nexus.authz".into() }
    }
    pub fn check_events(&self, input: &EventsInput) -> Decision {
        Decision { allow: true, reasons: vec![], policy: "nexus.events".into() }
    }
    pub fn evaluate(&self, policy: &str, input: serde_json::Value) -> Result<Decision, PolicyError> {
        Ok(Decision { allow: true, reasons: vec![], policy: policy.into() })
    }
    pub fn policies(&self) -> Vec<PolicyInfo> {
        vec![]
    }
    pub fn generation(&self) -> u64 {
        1
    }
}

//! What the in-process tests of the command side stand on: the embedded
//! event store and schema registry in a temporary folder (event types
//! without a schema are accepted), and the shipped policies.

use std::{path::PathBuf, sync::Arc};

use crate::{
    adapters::sqlite::{SqliteEventStore, SqliteEventStoreConfig, SqliteSchemaRegistry},
    core::{
        policy::PolicyEngine,
        ports::EventStore,
        schema::{
            Compatibility,
            governance::{Governance, GovernanceSettings},
        },
    },
};

pub(crate) struct Backends {
    /// The folder holding the databases; tests open more files in it.
    pub dir: tempfile::TempDir,
    pub store: Arc<dyn EventStore>,
    pub governance: Arc<Governance>,
    pub policies: Arc<PolicyEngine>,
}

pub(crate) fn backends() -> Backends {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn EventStore> = Arc::new(
        SqliteEventStore::open(dir.path().join("events.db"), SqliteEventStoreConfig::default()).expect("store"),
    );
    let registry = SqliteSchemaRegistry::open(dir.path().join("registry.db"), Compatibility::Backward).expect("reg");
    let governance = Arc::new(Governance::new(
        Arc::new(registry),
        GovernanceSettings { allow_unregistered: true, ..GovernanceSettings::default() },
    ));
    let policies = PolicyEngine::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies"))
        .expect("the shipped policies");
    Backends { dir, store, governance, policies: Arc::new(policies) }
}

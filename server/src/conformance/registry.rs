//! The conformance suite of the [`SchemaRegistry`] port, run by every
//! adapter through [`registry_conformance!`] with a factory for its backend.

use std::{collections::BTreeMap, sync::Arc};

use async_trait::async_trait;
use uuid::Uuid;

use crate::core::schema::{
    Compatibility, DataFormat, RegistryError, Route, SchemaRegistry, Subject, SubjectConfig, VersionStatus,
};

/// Opens registries on one storage location: each call sees what the
/// previous ones stored.
#[async_trait]
pub trait RegistryFactory: Send + Sync {
    async fn open(&self, configured_default: Compatibility) -> Arc<dyn SchemaRegistry>;
}

/// Generates one `#[tokio::test]` per rule for the factory expression.
macro_rules! registry_conformance {
    ($factory:expr) => {
        registry_conformance!(@tests $factory;
            subjects_are_created_once_and_listed_in_name_order,
            update_subject_replaces_mode_and_settings,
            versions_are_numbered_and_guarded_by_the_expected_last_version,
            racing_registrations_never_both_win,
            versions_are_listed_in_order_and_paged,
            deleted_versions_cannot_be_marked_and_used_ones_cannot_be_removed,
            the_default_mode_is_the_configured_one_until_set_and_survives_reopening,
        );
    };
    (@tests $factory:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let factory = $factory;
                $crate::conformance::registry::$name(&factory).await;
            }
        )+
    };
}
pub(crate) use registry_conformance;

fn subject(name: &str) -> Subject {
    Subject {
        name: name.into(),
        format: DataFormat::Json,
        compatibility: None,
        config: SubjectConfig::default(),
        last_version: 0,
        created_at_micros: 1,
    }
}

fn no_metadata() -> BTreeMap<String, String> {
    BTreeMap::new()
}

/// A distinct JSON Schema per number.
fn definition(n: u32) -> String {
    format!(r#"{{"type":"object","properties":{{"f{n}":{{"type":"string"}}}}}}"#)
}

pub async fn subjects_are_created_once_and_listed_in_name_order(factory: &dyn RegistryFactory) {
    let registry = factory.open(Compatibility::Backward).await;
    assert_eq!(registry.get_subject("b.created").await.expect("get"), None);
    assert_eq!(registry.list_subjects(None, 10).await.expect("list empty"), vec![]);
    let mut first = subject("b.created");
    first.compatibility = Some(Compatibility::Full);
    first.config.description = "the first".into();
    let created = registry.create_subject(first.clone()).await.expect("create");
    assert_eq!(created, first);
    // Creating again keeps what is stored.
    let mut second = subject("b.created");
    second.format = DataFormat::Avro;
    assert_eq!(registry.create_subject(second).await.expect("create again"), first);
    // Names with every character a subject may hold.
    for name in ["a.first", "c:with-colon", "c$dollar", "d_under#hash", "e-last"] {
        registry.create_subject(subject(name)).await.expect("create");
    }
    let all: Vec<String> = registry.list_subjects(None, 100).await.expect("list").into_iter().map(|s| s.name).collect();
    assert_eq!(all, ["a.first", "b.created", "c$dollar", "c:with-colon", "d_under#hash", "e-last"]);
    let page: Vec<String> =
        registry.list_subjects(Some("b.created"), 2).await.expect("page").into_iter().map(|s| s.name).collect();
    assert_eq!(page, ["c$dollar", "c:with-colon"]);
    let rest: Vec<String> =
        registry.list_subjects(Some("c:with-colon"), 10).await.expect("rest").into_iter().map(|s| s.name).collect();
    assert_eq!(rest, ["d_under#hash", "e-last"]);
    assert_eq!(registry.list_subjects(Some("e-last"), 10).await.expect("past the end"), vec![]);
    // Another instance on the same storage sees them.
    let other = factory.open(Compatibility::Backward).await;
    assert_eq!(other.get_subject("b.created").await.expect("get"), Some(first));
}

pub async fn update_subject_replaces_mode_and_settings(factory: &dyn RegistryFactory) {
    let registry = factory.open(Compatibility::Backward).await;
    registry.create_subject(subject("orders.placed")).await.expect("create");
    registry.add_version("orders.placed", 0, &definition(1), no_metadata()).await.expect("v1");
    let config = SubjectConfig {
        description: "an order was placed".into(),
        route: Route::Secondary,
        allow_unvalidated: true,
        message_name: None,
        upcasters: Vec::new(),
    };
    let updated = registry
        .update_subject("orders.placed", Some(Compatibility::ForwardAll), config.clone())
        .await
        .expect("update");
    assert_eq!(updated.compatibility, Some(Compatibility::ForwardAll));
    assert_eq!(updated.config, config);
    assert_eq!(updated.last_version, 1, "the version counter is untouched");
    let read = registry.get_subject("orders.placed").await.expect("get").expect("exists");
    assert_eq!(read, updated);
    // Back to the registry default.
    let reset = registry.update_subject("orders.placed", None, SubjectConfig::default()).await.expect("reset");
    assert_eq!(reset.compatibility, None);
    assert_eq!(reset.config, SubjectConfig::default());
    assert_eq!(
        registry.update_subject("missing", None, SubjectConfig::default()).await,
        Err(RegistryError::SubjectNotFound("missing".into()))
    );
}

pub async fn versions_are_numbered_and_guarded_by_the_expected_last_version(factory: &dyn RegistryFactory) {
    let registry = factory.open(Compatibility::Backward).await;
    registry.create_subject(subject("S")).await.expect("create");
    let metadata: BTreeMap<String, String> =
        [("source".to_string(), "v1".to_string()), ("note".to_string(), "with spaces: kept".to_string())].into();
    let v1 = registry.add_version("S", 0, &definition(1), metadata.clone()).await.expect("v1");
    assert_eq!((v1.version, v1.subject.as_str(), v1.format), (1, "S", DataFormat::Json));
    assert_eq!(v1.definition, definition(1));
    assert_eq!(v1.metadata, metadata);
    assert_eq!((v1.status, v1.in_use), (VersionStatus::Available, false));
    // A writer that read the subject before v1 was added loses.
    assert_eq!(
        registry.add_version("S", 0, &definition(2), no_metadata()).await,
        Err(RegistryError::Conflict("S".into()))
    );
    let v2 = registry.add_version("S", 1, &definition(2), no_metadata()).await.expect("v2");
    assert_eq!(v2.version, 2);
    assert_ne!(v1.id, v2.id);
    assert_eq!(registry.get_version_by_id(v2.id).await.expect("by id"), Some(v2.clone()));
    assert_eq!(registry.get_version("S", 1).await.expect("get"), Some(v1.clone()));
    assert_eq!(registry.get_version("S", 3).await.expect("get"), None);
    assert_eq!(registry.get_version_by_id(Uuid::new_v4()).await.expect("by unknown id"), None);
    assert_eq!(registry.get_subject("S").await.expect("get").map(|s| s.last_version), Some(2));
    assert_eq!(
        registry.add_version("T", 0, &definition(1), no_metadata()).await,
        Err(RegistryError::SubjectNotFound("T".into()))
    );
    // A second instance on the same storage reads the same versions.
    let other = factory.open(Compatibility::Backward).await;
    assert_eq!(other.get_version_by_id(v1.id).await.expect("by id"), Some(v1));
}

pub async fn racing_registrations_never_both_win(factory: &dyn RegistryFactory) {
    let a = factory.open(Compatibility::Backward).await;
    let b = factory.open(Compatibility::Backward).await;
    a.create_subject(subject("raced")).await.expect("create");
    for round in 0..3u32 {
        let (da, db) = (definition(100 + round), definition(200 + round));
        let (ra, rb) = tokio::join!(
            a.add_version("raced", round, &da, no_metadata()),
            b.add_version("raced", round, &db, no_metadata())
        );
        let winners: Vec<_> = [&ra, &rb].into_iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one registration wins: {ra:?} / {rb:?}");
        assert_eq!(winners[0].version, round + 1);
        let loser = if ra.is_ok() { &rb } else { &ra };
        assert_eq!(loser, &Err(RegistryError::Conflict("raced".into())), "round {round}");
        let stored = a.get_version("raced", round + 1).await.expect("get").expect("the winner is stored");
        assert_eq!(&stored, winners[0]);
    }
    assert_eq!(a.get_subject("raced").await.expect("get").map(|s| s.last_version), Some(3));
    assert_eq!(a.list_versions("raced", None, 10, true).await.expect("list").len(), 3);
}

pub async fn versions_are_listed_in_order_and_paged(factory: &dyn RegistryFactory) {
    let registry = factory.open(Compatibility::Backward).await;
    registry.create_subject(subject("paged")).await.expect("create");
    for n in 0..7 {
        registry.add_version("paged", n, &definition(n + 1), no_metadata()).await.expect("add");
    }
    registry.soft_delete_version("paged", 3).await.expect("soft delete");
    let numbers = |versions: Vec<crate::core::schema::SchemaVersion>| -> Vec<u32> {
        versions.into_iter().map(|v| v.version).collect()
    };
    assert_eq!(numbers(registry.list_versions("paged", None, 100, true).await.expect("all")), [1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(
        numbers(registry.list_versions("paged", None, 100, false).await.expect("available")),
        [1, 2, 4, 5, 6, 7]
    );
    assert_eq!(numbers(registry.list_versions("paged", None, 3, false).await.expect("page 1")), [1, 2, 4]);
    assert_eq!(numbers(registry.list_versions("paged", Some(4), 3, false).await.expect("page 2")), [5, 6, 7]);
    assert_eq!(numbers(registry.list_versions("paged", Some(7), 3, false).await.expect("page 3")), Vec::<u32>::new());
    assert_eq!(
        registry.list_versions("missing", None, 10, true).await,
        Err(RegistryError::SubjectNotFound("missing".into()))
    );
    registry.create_subject(subject("empty")).await.expect("create");
    assert_eq!(registry.list_versions("empty", None, 10, true).await.expect("none"), vec![]);
}

pub async fn deleted_versions_cannot_be_marked_and_used_ones_cannot_be_removed(factory: &dyn RegistryFactory) {
    let registry = factory.open(Compatibility::Backward).await;
    registry.create_subject(subject("S")).await.expect("create");
    registry.add_version("S", 0, &definition(1), no_metadata()).await.expect("v1");
    let v2 = registry.add_version("S", 1, &definition(2), no_metadata()).await.expect("v2");
    assert!(registry.mark_in_use("S", 1).await.expect("mark"));
    assert!(registry.mark_in_use("S", 1).await.expect("mark again"), "marking twice is fine");
    assert!(registry.get_version("S", 1).await.expect("get").expect("v1").in_use);
    assert!(!registry.mark_in_use("S", 9).await.expect("mark a missing version"));
    let deleted = registry.soft_delete_version("S", 1).await.expect("soft delete");
    assert_eq!((deleted.version, deleted.status, deleted.in_use), (1, VersionStatus::Deleted, true));
    registry.soft_delete_version("S", 2).await.expect("soft delete");
    assert!(!registry.mark_in_use("S", 2).await.expect("mark"), "a deleted version is not marked");
    assert!(!registry.get_version("S", 2).await.expect("get").expect("v2").in_use);
    assert_eq!(
        registry.soft_delete_version("S", 9).await,
        Err(RegistryError::VersionNotFound { subject: "S".into(), version: 9 })
    );
    assert_eq!(
        registry.hard_delete_version("S", 1).await,
        Err(RegistryError::InUse { subject: "S".into(), version: 1 })
    );
    registry.hard_delete_version("S", 2).await.expect("unused version removed");
    assert_eq!(registry.get_version("S", 2).await.expect("get"), None);
    assert_eq!(registry.get_version_by_id(v2.id).await.expect("by id"), None);
    assert_eq!(
        registry.hard_delete_version("S", 2).await,
        Err(RegistryError::VersionNotFound { subject: "S".into(), version: 2 })
    );
    let listed = registry.list_versions("S", None, 10, true).await.expect("list");
    assert_eq!(listed.iter().map(|v| (v.version, v.status)).collect::<Vec<_>>(), vec![(1, VersionStatus::Deleted)]);
    assert_eq!(registry.list_versions("S", None, 10, false).await.expect("list"), vec![]);
    // Numbers are never reused.
    assert_eq!(registry.add_version("S", 2, &definition(3), no_metadata()).await.expect("v3").version, 3);
}

pub async fn the_default_mode_is_the_configured_one_until_set_and_survives_reopening(factory: &dyn RegistryFactory) {
    let registry = factory.open(Compatibility::Backward).await;
    assert_eq!(registry.default_compatibility().await, Ok(Compatibility::Backward));
    registry.set_default_compatibility(Compatibility::FullAll).await.expect("set");
    assert_eq!(registry.default_compatibility().await, Ok(Compatibility::FullAll));
    drop(registry);
    let reopened = factory.open(Compatibility::Backward).await;
    assert_eq!(reopened.default_compatibility().await, Ok(Compatibility::FullAll));
}

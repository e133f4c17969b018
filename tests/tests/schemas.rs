//! SchemaService and schema governance end to end: registration and
//! de-duplication, validation of every append (all or nothing), compatibility
//! modes, explicit schema versions, upcasting on every read path, deletion,
//! ValidatePayload, the example domain under the server's default
//! governance, and Avro subjects.
//!
//! JSON Schema compatibility checks (BACKWARD and friends) are exercised only
//! by `compatibility_modes_guard_new_versions`; every other test that
//! registers more than one JSON version sets its subject's mode to NONE
//! first (upcasters rename and retype fields on purpose, which no
//! schema-level compatibility check can allow).

use std::{collections::HashMap, time::Duration};

use nexus_e2e::{
    NexusProcess, assert_error, event_json, expect_raw_status, expected, field_violations, proposed, read_all_events,
    read_whole_stream, subscribe_all_response::Content as AllContent,
    subscribe_stream_response::Content as StreamContent, unique,
};
use nexus_sdk::proto::{
    AddField, AllFrom, AppendToStreamRequest, AppendToStreamResponse, CheckCompatibilityRequest,
    CheckCompatibilityResponse, Compatibility, DataFormat, DeleteSchemaVersionRequest, EventFilter,
    GetCompatibilityRequest, GetSchemaVersionRequest, GetSubjectRequest, ListSubjectsRequest, ListVersionsRequest,
    ProposedEvent, PutSubjectRequest, ReadAllRequest, ReadDirection, ReadStreamRequest, RecordedEvent,
    RegisterSchemaVersionRequest, RegisterSchemaVersionResponse, RenameField, SchemaVersion, SetCompatibilityRequest,
    StreamFrom, Subject, SubjectVersion, SubscribeAllRequest, SubscribeStreamRequest, UpcastStep, Upcaster,
    ValidatePayloadRequest, VersionStatus, all_from, event_store_service_client::EventStoreServiceClient,
    get_schema_version_request::Selector, schema_service_client::SchemaServiceClient, stream_from, upcast_step::Op,
};
use serde_json::{Value, json};
use tonic::{Code, Status, Streaming, transport::Channel};
use tonic_types::StatusExt;

type Schemas = SchemaServiceClient<Channel>;
type Store = EventStoreServiceClient<Channel>;

/// How long a test waits for one subscription message.
const STREAM_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------

/// A subject name no other test uses (letters and digits only).
fn subject_name(prefix: &str) -> String {
    unique(prefix)
}

async fn register_raw(
    schemas: &mut Schemas,
    subject: &str,
    format: DataFormat,
    definition: &str,
) -> Result<RegisterSchemaVersionResponse, Status> {
    schemas
        .register_schema_version(RegisterSchemaVersionRequest {
            subject: subject.into(),
            data_format: format as i32,
            definition: definition.into(),
            metadata: HashMap::new(),
        })
        .await
        .map(|r| r.into_inner())
}

/// Registers a JSON Schema and returns the version; panics on failure.
async fn register(schemas: &mut Schemas, subject: &str, definition: &Value) -> SchemaVersion {
    let response = register_raw(schemas, subject, DataFormat::Json, &definition.to_string())
        .await
        .unwrap_or_else(|s| panic!("RegisterSchemaVersion {subject} {definition}: {s:?}"));
    response.version.unwrap_or_else(|| panic!("RegisterSchemaVersion {subject}: no version in the response"))
}

async fn get_version(schemas: &mut Schemas, selector: Selector) -> Result<SchemaVersion, Status> {
    let response = schemas.get_schema_version(GetSchemaVersionRequest { selector: Some(selector) }).await?;
    Ok(response.into_inner().version.expect("GetSchemaVersion without a version"))
}

fn by_number(subject: &str, version: u32) -> Selector {
    Selector::SubjectVersion(SubjectVersion { subject: subject.into(), version })
}

/// Creates (or replaces) a subject with the given mode and upcasters.
async fn put_subject(schemas: &mut Schemas, name: &str, mode: Compatibility, upcasters: Vec<Upcaster>) -> Subject {
    schemas
        .put_subject(PutSubjectRequest {
            subject: Some(Subject {
                name: name.into(),
                data_format: DataFormat::Json as i32,
                compatibility: mode as i32,
                upcasters,
                ..Default::default()
            }),
        })
        .await
        .unwrap_or_else(|s| panic!("PutSubject {name}: {s:?}"))
        .into_inner()
        .subject
        .expect("PutSubject without a subject")
}

async fn append(
    store: &mut Store,
    stream_id: &str,
    events: Vec<ProposedEvent>,
) -> Result<AppendToStreamResponse, Status> {
    store
        .append_to_stream(AppendToStreamRequest {
            stream_id: stream_id.into(),
            expected_revision: expected(None),
            events,
        })
        .await
        .map(|r| r.into_inner())
}

fn versioned(event_type: &str, version: u32, data: Value) -> ProposedEvent {
    ProposedEvent { schema_version: version, ..proposed(event_type, data) }
}

async fn read_stream(store: &mut Store, stream_id: &str, as_stored: bool) -> Result<Vec<RecordedEvent>, Status> {
    let response = store
        .read_stream(ReadStreamRequest {
            stream_id: stream_id.into(),
            direction: ReadDirection::Forwards as i32,
            from_revision: None,
            page_size: 100,
            as_stored,
        })
        .await?;
    Ok(response.into_inner().events)
}

/// Asserts the stream was never written.
#[track_caller]
fn assert_not_found(result: Result<Vec<RecordedEvent>, Status>, what: &str) {
    match result {
        Ok(events) => panic!("{what}: the stream exists and holds {events:?}"),
        Err(status) => {
            assert_error(&status, Code::NotFound, "STREAM_NOT_FOUND");
        }
    }
}

/// Asserts INVALID_ARGUMENT, reason SCHEMA_VIOLATION; returns the
/// (field, description) pairs of the BadRequest detail.
#[track_caller]
fn schema_violations(status: &Status) -> Vec<(String, String)> {
    assert_error(status, Code::InvalidArgument, "SCHEMA_VIOLATION");
    let violations: Vec<(String, String)> =
        field_violations(status).into_iter().map(|v| (v.field, v.description)).collect();
    assert!(!violations.is_empty(), "SCHEMA_VIOLATION without BadRequest field violations: {status:?}");
    violations
}

/// The PreconditionFailure violations of a status as (type, subject,
/// description).
fn precondition_violations(status: &Status) -> Vec<(String, String, String)> {
    status
        .get_details_precondition_failure()
        .map(|f| f.violations.into_iter().map(|v| (v.r#type, v.subject, v.description)).collect())
        .unwrap_or_default()
}

/// The events of one stream in the global log, read page by page.
async fn read_all_of_stream(store: &mut Store, stream_id: &str, as_stored: bool) -> Vec<RecordedEvent> {
    let filter = Some(EventFilter { stream_prefixes: vec![stream_id.into()], ..Default::default() });
    if !as_stored {
        return read_all_events(store, filter, 1).await;
    }
    let mut out = Vec::new();
    let mut from = all_from::Kind::Start(());
    for _ in 0..1000 {
        let page = store
            .read_all(ReadAllRequest {
                from: Some(AllFrom { kind: Some(from.clone()) }),
                direction: ReadDirection::Forwards as i32,
                page_size: 1,
                filter: filter.clone(),
                as_stored,
            })
            .await
            .unwrap_or_else(|s| panic!("ReadAll as_stored: {s:?}"))
            .into_inner();
        out.extend(page.events);
        if page.end_of_log {
            return out;
        }
        from = all_from::Kind::After(page.next_position.expect("next_position").token);
    }
    panic!("ReadAll did not reach the end of the log");
}

/// Subscribes to a stream from its start and collects the events delivered
/// before CaughtUp.
async fn subscribe_stream_history(store: &mut Store, stream_id: &str, as_stored: bool) -> Vec<RecordedEvent> {
    let mut sub = store
        .subscribe_stream(SubscribeStreamRequest {
            stream_id: stream_id.into(),
            from: Some(StreamFrom { kind: Some(stream_from::Kind::Start(())) }),
            heartbeat_interval: None,
            as_stored,
        })
        .await
        .unwrap_or_else(|s| panic!("SubscribeStream {stream_id}: {s:?}"))
        .into_inner();
    let mut events = Vec::new();
    loop {
        match next(&mut sub, "SubscribeStream history").await.content.expect("content") {
            StreamContent::Event(event) => events.push(event),
            StreamContent::CaughtUp(_) => return events,
            StreamContent::Heartbeat(()) => {}
        }
        assert!(events.len() < 1000, "SubscribeStream never sent CaughtUp");
    }
}

/// Subscribes to the global log filtered to one stream and collects the
/// events delivered before CaughtUp.
async fn subscribe_all_history(store: &mut Store, stream_id: &str) -> Vec<RecordedEvent> {
    let mut sub = store
        .subscribe_all(SubscribeAllRequest {
            from: Some(AllFrom { kind: Some(all_from::Kind::Start(())) }),
            filter: Some(EventFilter { stream_prefixes: vec![stream_id.into()], ..Default::default() }),
            heartbeat_interval: None,
            as_stored: false,
        })
        .await
        .unwrap_or_else(|s| panic!("SubscribeAll: {s:?}"))
        .into_inner();
    let mut events = Vec::new();
    loop {
        match next(&mut sub, "SubscribeAll history").await.content.expect("content") {
            AllContent::Event(event) => events.push(event),
            AllContent::CaughtUp(_) => return events,
            AllContent::Checkpoint(_) => {}
        }
        assert!(events.len() < 1000, "SubscribeAll never sent CaughtUp");
    }
}

async fn next<T>(stream: &mut Streaming<T>, what: &str) -> T {
    match tokio::time::timeout(STREAM_TIMEOUT, stream.message()).await {
        Ok(Ok(Some(message))) => message,
        Ok(Ok(None)) => panic!("{what}: the subscription ended"),
        Ok(Err(status)) => panic!("{what}: the subscription failed: {status:?}"),
        Err(_) => panic!("{what}: no message within {STREAM_TIMEOUT:?}"),
    }
}

/// A simple JSON Schema object with the given properties and required names.
fn object_schema(properties: Value, required: &[&str]) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn deposit_v1() -> Value {
    object_schema(json!({"amount": {"type": "integer", "minimum": 1}, "note": {"type": "string"}}), &["amount"])
}

// ---------------------------------------------------------------------------
// 1. Registration, de-duplication, reads and paging.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn register_get_and_list_versions() {
    let nexus = NexusProcess::start().await;
    let client = nexus.client().await;
    let mut schemas = client.schemas();
    let subject = subject_name("Registered");

    let definition = r#"{"type":"object","properties":{"amount":{"type":"integer"},"note":{"type":"string"}},"required":["amount"]}"#;
    let first = schemas
        .register_schema_version(RegisterSchemaVersionRequest {
            subject: subject.clone(),
            data_format: DataFormat::Json as i32,
            definition: definition.into(),
            metadata: HashMap::from([("owner".to_string(), "team-payments".to_string())]),
        })
        .await
        .expect("register v1")
        .into_inner();
    assert!(first.created, "first registration must create the version: {first:?}");
    let v1 = first.version.expect("version");
    assert_eq!(v1.subject, subject);
    assert_eq!(v1.version, 1);
    assert!(uuid::Uuid::parse_str(&v1.schema_id).is_ok(), "schema_id is not a UUID: {:?}", v1.schema_id);
    assert_eq!(v1.data_format, DataFormat::Json as i32);
    assert_eq!(v1.status, VersionStatus::Available as i32);
    assert!(!v1.in_use, "a fresh version has no events: {v1:?}");
    assert!(v1.create_time.is_some(), "no create_time: {v1:?}");
    assert_eq!(v1.metadata.get("owner").map(String::as_str), Some("team-payments"));
    assert_eq!(v1.definition, definition);

    // The same schema with other whitespace and key order is the same version.
    let same = "{\n  \"required\": [\"amount\"],\n  \"properties\": {\"note\": {\"type\": \"string\"},\n \"amount\": {\"type\": \"integer\"}},\n  \"type\": \"object\"\n}";
    let again = register_raw(&mut schemas, &subject, DataFormat::Unspecified, same).await.expect("register again");
    assert!(!again.created, "an equal definition must not create a version: {again:?}");
    let again = again.version.expect("version");
    assert_eq!((again.version, again.schema_id.as_str()), (1, v1.schema_id.as_str()));

    // Three ways to read it.
    let by_id = get_version(&mut schemas, Selector::SchemaId(v1.schema_id.clone())).await.expect("by id");
    assert_eq!(by_id, v1);
    let by_subject = get_version(&mut schemas, by_number(&subject, 1)).await.expect("by subject+version");
    assert_eq!(by_subject, v1);
    let latest = get_version(&mut schemas, Selector::LatestOfSubject(subject.clone())).await.expect("latest");
    assert_eq!(latest, v1);

    // Unknown ids, numbers and subjects are NOT_FOUND.
    let status =
        expect_raw_status(get_version(&mut schemas, Selector::SchemaId(uuid::Uuid::new_v4().to_string())).await);
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    let status = expect_raw_status(get_version(&mut schemas, by_number(&subject, 7)).await);
    assert_error(&status, Code::NotFound, "SCHEMA_VERSION_NOT_FOUND");
    let status = expect_raw_status(get_version(&mut schemas, Selector::LatestOfSubject(subject_name("Nobody"))).await);
    assert_error(&status, Code::NotFound, "SCHEMA_SUBJECT_NOT_FOUND");
    let status = expect_raw_status(get_version(&mut schemas, Selector::SchemaId("not-a-uuid".into())).await);
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");

    // Two more versions (mode NONE: this test is not about compatibility).
    schemas
        .set_compatibility(SetCompatibilityRequest {
            subject: subject.clone(),
            compatibility: Compatibility::None as i32,
        })
        .await
        .expect("SetCompatibility NONE");
    let v2 = register(&mut schemas, &subject, &json!({"type": "object", "properties": {"amount": {"type": "number"}}}))
        .await;
    let v3 = register(&mut schemas, &subject, &json!({"type": "object"})).await;
    assert_eq!((v2.version, v3.version), (2, 3));
    assert!(v1.schema_id != v2.schema_id && v2.schema_id != v3.schema_id, "schema ids must be unique");
    let latest = get_version(&mut schemas, Selector::LatestOfSubject(subject.clone())).await.expect("latest");
    assert_eq!(latest.version, 3);

    // ListVersions, one per page.
    let mut numbers = Vec::new();
    let mut token = String::new();
    for page in 0.. {
        assert!(page < 10, "ListVersions does not stop paging: {numbers:?}");
        let response = schemas
            .list_versions(ListVersionsRequest {
                subject: subject.clone(),
                page_size: 1,
                page_token: token.clone(),
                include_deleted: false,
            })
            .await
            .expect("ListVersions")
            .into_inner();
        assert_eq!(response.versions.len(), 1, "page {page} of ListVersions: {response:?}");
        numbers.push(response.versions[0].version);
        if response.next_page_token.is_empty() {
            break;
        }
        token = response.next_page_token;
    }
    assert_eq!(numbers, [1, 2, 3]);

    // ListSubjects, one per page: the catalog's subjects and ours, in name order.
    let mut names: Vec<String> = Vec::new();
    let mut token = String::new();
    for page in 0.. {
        assert!(page < 100, "ListSubjects does not stop paging: {names:?}");
        let response = schemas
            .list_subjects(ListSubjectsRequest { page_size: 1, page_token: token.clone() })
            .await
            .expect("ListSubjects")
            .into_inner();
        assert_eq!(response.subjects.len(), 1, "page {page} of ListSubjects: {response:?}");
        let s = &response.subjects[0];
        if s.name == subject {
            assert_eq!((s.last_version, s.latest_version), (3, 3), "{s:?}");
            assert_eq!(s.compatibility, Compatibility::None as i32, "{s:?}");
            assert_eq!(s.effective_compatibility, Compatibility::None as i32, "{s:?}");
        }
        names.push(s.name.clone());
        if response.next_page_token.is_empty() {
            break;
        }
        token = response.next_page_token;
    }
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names, sorted, "ListSubjects pages are not in strict name order");
    for expected in ["AccountClosed", "AccountOpened", "MoneyDeposited", "MoneyWithdrawn", subject.as_str()] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing from ListSubjects: {names:?}");
    }

    // A bad page token is refused.
    let status =
        expect_raw_status(schemas.list_subjects(ListSubjectsRequest { page_size: 1, page_token: "%%%".into() }).await);
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
}

// ---------------------------------------------------------------------------
// 2–4. The write path: unregistered types, all-or-nothing batches, what is
// recorded.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn strict_server_refuses_unregistered_event_types() {
    let nexus = NexusProcess::start_strict().await;
    let mut store = nexus.client().await.event_store();
    let stream = unique("ghost-");
    let event_type = subject_name("NeverRegistered");

    let status = expect_raw_status(append(&mut store, &stream, vec![proposed(&event_type, json!({"x": 1}))]).await);
    let violations = schema_violations(&status);
    assert!(
        violations
            .iter()
            .any(|(field, description)| field == "events[0].event_type" && description.contains(&event_type)),
        "no violation on events[0].event_type naming the type: {violations:?}"
    );
    assert_not_found(read_stream(&mut store, &stream, false).await, "after a refused append");

    // The catalog's types are registered even on a strict server.
    let ok = proposed("MoneyDeposited", json!({"amount": 5, "balance": 5}));
    append(&mut store, &stream, vec![ok]).await.expect("a catalog type is accepted");
}

#[tokio::test]
async fn a_batch_with_one_invalid_event_stores_nothing() {
    let nexus = NexusProcess::start_strict().await;
    let client = nexus.client().await;
    let (mut schemas, mut store) = (client.schemas(), client.event_store());
    let subject = subject_name("Deposit");
    register(
        &mut schemas,
        &subject,
        &object_schema(json!({"amount": {"type": "integer"}, "currency": {"type": "string"}}), &["amount", "currency"]),
    )
    .await;
    let stream = unique("batch-");

    let events = vec![
        proposed(&subject, json!({"amount": 1, "currency": "EUR"})),
        // amount has the wrong type and currency is missing.
        proposed(&subject, json!({"amount": "ten"})),
        proposed(&subject, json!({"amount": 3, "currency": "EUR"})),
    ];
    let status = expect_raw_status(append(&mut store, &stream, events).await);
    let violations = schema_violations(&status);
    assert!(
        violations.iter().any(|(field, _)| field == "events[1].data/amount"),
        "no violation on events[1].data/amount: {violations:?}"
    );
    assert!(
        violations.iter().any(|(field, description)| field == "events[1].data" && description.contains("currency")),
        "no violation on events[1].data (the root) naming the missing currency: {violations:?}"
    );
    assert!(
        violations.iter().all(|(field, _)| field.starts_with("events[1].data")),
        "only the second event is wrong: {violations:?}"
    );
    assert_not_found(read_stream(&mut store, &stream, false).await, "after a refused batch");
}

#[tokio::test]
async fn recorded_events_carry_their_schema_version_and_id() {
    let nexus = NexusProcess::start_strict().await;
    let client = nexus.client().await;
    let (mut schemas, mut store) = (client.schemas(), client.event_store());
    let subject = subject_name("Deposit");
    let v1 = register(&mut schemas, &subject, &deposit_v1()).await;
    let stream = unique("recorded-");

    let event = proposed(&subject, json!({"amount": 10, "note": "salary"}));
    append(&mut store, &stream, vec![event.clone()]).await.expect("valid append");
    let events = read_stream(&mut store, &stream, false).await.expect("read");
    assert_eq!(events.len(), 1, "{events:?}");
    let recorded = &events[0];
    assert_eq!(recorded.event_id, event.event_id);
    assert_eq!(recorded.schema_version, 1, "{recorded:?}");
    assert_eq!(recorded.schema_id, v1.schema_id, "{recorded:?}");
    assert_eq!(recorded.stored_schema_version, None, "nothing was upcast: {recorded:?}");
    assert_eq!(event_json(recorded), json!({"amount": 10, "note": "salary"}));

    // The version is now in use.
    let v1 = get_version(&mut schemas, by_number(&subject, 1)).await.expect("get v1");
    assert!(v1.in_use, "a version with stored events must be in use: {v1:?}");
}

// ---------------------------------------------------------------------------
// 5. Compatibility modes (needs the JSON Schema compatibility checker).
// ---------------------------------------------------------------------------

#[tokio::test]
async fn compatibility_modes_guard_new_versions() {
    let nexus = NexusProcess::start().await;
    let client = nexus.client().await;
    let mut schemas = client.schemas();
    let subject = subject_name("Evolving");

    // The registry default is BACKWARD, and a new subject follows it.
    let default = schemas
        .get_compatibility(GetCompatibilityRequest { subject: String::new() })
        .await
        .expect("GetCompatibility default")
        .into_inner();
    assert_eq!(default.compatibility, Compatibility::Backward as i32, "{default:?}");
    assert_eq!(default.effective_compatibility, Compatibility::Backward as i32, "{default:?}");

    let v1 = object_schema(json!({"amount": {"type": "integer"}}), &["amount"]);
    register(&mut schemas, &subject, &v1).await;
    let own = schemas
        .get_compatibility(GetCompatibilityRequest { subject: subject.clone() })
        .await
        .expect("GetCompatibility subject")
        .into_inner();
    assert_eq!(own.compatibility, Compatibility::Unspecified as i32, "the subject follows the default: {own:?}");
    assert_eq!(own.effective_compatibility, Compatibility::Backward as i32, "{own:?}");

    // v2 adds an optional property: backward compatible.
    let v2 = object_schema(json!({"amount": {"type": "integer"}, "note": {"type": "string"}}), &["amount"]);
    let registered = register_raw(&mut schemas, &subject, DataFormat::Json, &v2.to_string())
        .await
        .unwrap_or_else(|s| panic!("adding an optional property must be BACKWARD compatible: {s:?}"));
    assert!(registered.created);
    assert_eq!(registered.version.expect("version").version, 2);

    // v3 makes note required and turns amount into a string: v2 data no
    // longer matches.
    let v3 = object_schema(json!({"amount": {"type": "string"}, "note": {"type": "string"}}), &["amount", "note"]);
    let status = expect_raw_status(register_raw(&mut schemas, &subject, DataFormat::Json, &v3.to_string()).await);
    let info = assert_error(&status, Code::FailedPrecondition, "SCHEMA_INCOMPATIBLE");
    assert_eq!(info.metadata.get("subject"), Some(&subject), "{info:?}");
    let violations = precondition_violations(&status);
    assert!(
        violations
            .iter()
            .any(|(kind, at, _)| kind == "TYPE_CHANGED" && at.starts_with("version 2") && at.contains("amount")),
        "no TYPE_CHANGED violation on amount against version 2: {violations:?}"
    );
    assert!(
        violations
            .iter()
            .any(|(kind, at, description)| !kind.is_empty() && (at.contains("note") || description.contains("note"))),
        "the newly required note is not listed: {violations:?}"
    );
    assert!(
        violations.iter().all(|(_, _, description)| description.starts_with("BACKWARD")),
        "every change is a BACKWARD break: {violations:?}"
    );

    // The dry run says the same, without registering.
    let check: CheckCompatibilityResponse = schemas
        .check_compatibility(CheckCompatibilityRequest {
            subject: subject.clone(),
            data_format: DataFormat::Unspecified as i32,
            definition: v3.to_string(),
        })
        .await
        .expect("CheckCompatibility")
        .into_inner();
    assert!(!check.compatible, "{check:?}");
    assert_eq!(check.compatibility, Compatibility::Backward as i32, "{check:?}");
    assert_eq!(check.existing_version, None, "{check:?}");
    assert!(
        check.breaking_changes.iter().any(|c| c.kind == "TYPE_CHANGED" && c.path.contains("amount") && c.version == 2),
        "{check:?}"
    );
    assert!(check.breaking_changes.iter().all(|c| c.direction == "BACKWARD" && c.version == 2), "{check:?}");
    assert!(check.breaking_changes.len() >= 2, "both breaking changes are listed: {check:?}");
    // A compatible candidate and an already registered one.
    let ok = schemas
        .check_compatibility(CheckCompatibilityRequest {
            subject: subject.clone(),
            data_format: DataFormat::Json as i32,
            definition: v2.to_string(),
        })
        .await
        .expect("CheckCompatibility v2")
        .into_inner();
    assert!(ok.compatible && ok.breaking_changes.is_empty(), "{ok:?}");
    assert_eq!(ok.existing_version, Some(2), "{ok:?}");
    let latest = get_version(&mut schemas, Selector::LatestOfSubject(subject.clone())).await.expect("latest");
    assert_eq!(latest.version, 2, "refused and dry-run candidates must not be registered");

    // Under NONE the same v3 is accepted.
    let set = schemas
        .set_compatibility(SetCompatibilityRequest {
            subject: subject.clone(),
            compatibility: Compatibility::None as i32,
        })
        .await
        .expect("SetCompatibility NONE")
        .into_inner();
    assert_eq!(set.effective_compatibility, Compatibility::None as i32);
    let registered = register_raw(&mut schemas, &subject, DataFormat::Json, &v3.to_string())
        .await
        .unwrap_or_else(|s| panic!("under NONE any change is accepted: {s:?}"));
    assert_eq!(registered.version.expect("version").version, 3);
    // The registry default did not change.
    let default = schemas
        .get_compatibility(GetCompatibilityRequest { subject: String::new() })
        .await
        .expect("GetCompatibility default")
        .into_inner();
    assert_eq!(default.effective_compatibility, Compatibility::Backward as i32, "{default:?}");

    // DISABLED refuses any new version (an existing definition is still found).
    schemas
        .set_compatibility(SetCompatibilityRequest {
            subject: subject.clone(),
            compatibility: Compatibility::Disabled as i32,
        })
        .await
        .expect("SetCompatibility DISABLED");
    let v4 = object_schema(json!({"amount": {"type": "string"}, "note": {"type": "string"}}), &["amount"]);
    let status = expect_raw_status(register_raw(&mut schemas, &subject, DataFormat::Json, &v4.to_string()).await);
    assert_error(&status, Code::FailedPrecondition, "SCHEMA_REGISTRATION_DISABLED");
    let existing =
        register_raw(&mut schemas, &subject, DataFormat::Json, &v3.to_string()).await.expect("re-register v3");
    assert!(!existing.created && existing.version.expect("version").version == 3);
    let subject_info = schemas
        .get_subject(GetSubjectRequest { name: subject.clone() })
        .await
        .expect("GetSubject")
        .into_inner()
        .subject
        .expect("subject");
    assert_eq!(subject_info.compatibility, Compatibility::Disabled as i32, "{subject_info:?}");
    assert_eq!((subject_info.last_version, subject_info.latest_version), (3, 3), "{subject_info:?}");
}

// ---------------------------------------------------------------------------
// 6. Events naming a schema version.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn events_can_name_an_older_schema_version() {
    let nexus = NexusProcess::start_strict().await;
    let client = nexus.client().await;
    let (mut schemas, mut store) = (client.schemas(), client.event_store());
    let subject = subject_name("Priced");
    // v2 retypes amount, which only NONE allows.
    put_subject(&mut schemas, &subject, Compatibility::None, vec![]).await;
    let v1 =
        register(&mut schemas, &subject, &object_schema(json!({"amount": {"type": "integer"}}), &["amount"])).await;
    let v2 = register(&mut schemas, &subject, &object_schema(json!({"amount": {"type": "string"}}), &["amount"])).await;
    assert_eq!((v1.version, v2.version), (1, 2));
    let stream = unique("priced-");

    // Valid for v1 only: refused as the latest, accepted when it names v1.
    let status = expect_raw_status(append(&mut store, &stream, vec![proposed(&subject, json!({"amount": 5}))]).await);
    let violations = schema_violations(&status);
    assert!(violations.iter().any(|(f, _)| f == "events[0].data/amount"), "{violations:?}");
    assert_not_found(read_stream(&mut store, &stream, false).await, "after a refused append");

    let old = versioned(&subject, 1, json!({"amount": 5}));
    append(&mut store, &stream, vec![old.clone()]).await.expect("a v1 payload naming v1");
    // Naming the latest explicitly works like 0.
    let new = versioned(&subject, 2, json!({"amount": "5"}));
    append(&mut store, &stream, vec![new.clone()]).await.expect("a v2 payload naming v2");
    // A v2 payload naming v1 is checked against v1.
    let status =
        expect_raw_status(append(&mut store, &stream, vec![versioned(&subject, 1, json!({"amount": "5"}))]).await);
    let violations = schema_violations(&status);
    assert!(violations.iter().any(|(f, _)| f == "events[0].data/amount"), "{violations:?}");

    let stored = read_stream(&mut store, &stream, true).await.expect("read as stored");
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert_eq!((stored[0].event_id.as_str(), stored[0].schema_version), (old.event_id.as_str(), 1));
    assert_eq!(stored[0].schema_id, v1.schema_id);
    assert_eq!(stored[0].stored_schema_version, None);
    assert_eq!(event_json(&stored[0]), json!({"amount": 5}));
    assert_eq!((stored[1].schema_version, stored[1].schema_id.as_str()), (2, v2.schema_id.as_str()));
    // The default read would present the v1 event as v2, but its payload
    // does not follow v2 and no upcaster converts it: the read says so
    // rather than mislabel it.
    let status = expect_raw_status(read_stream(&mut store, &stream, false).await);
    let info = assert_error(&status, Code::FailedPrecondition, "UPCAST_FAILED");
    assert_eq!(info.metadata.get("event_id"), Some(&old.event_id), "{info:?}");
    assert!(status.message().contains("as_stored"), "{}", status.message());
    // With an upcaster that converts it, the default read presents it as v2.
    let upcaster =
        Upcaster { from_version: 1, steps: vec![UpcastStep { op: Some(Op::Jq(".amount |= tostring".into())) }] };
    put_subject(&mut schemas, &subject, Compatibility::None, vec![upcaster]).await;
    let presented = read_stream(&mut store, &stream, false).await.expect("read");
    assert_eq!((presented[0].schema_version, presented[0].stored_schema_version), (2, Some(1)), "{presented:?}");
    assert_eq!(event_json(&presented[0]), json!({"amount": "5"}));
    assert_eq!((presented[1].schema_version, presented[1].stored_schema_version), (2, None), "{presented:?}");

    // A version that does not exist.
    let status =
        expect_raw_status(append(&mut store, &stream, vec![versioned(&subject, 9, json!({"amount": 5}))]).await);
    let violations = schema_violations(&status);
    assert!(
        violations.iter().any(|(f, d)| f == "events[0].schema_version" && d.contains('9')),
        "no violation on events[0].schema_version: {violations:?}"
    );
    assert_eq!(
        read_stream(&mut store, &stream, true).await.expect("read").len(),
        2,
        "the refused appends wrote nothing"
    );
}

// ---------------------------------------------------------------------------
// 7–8. Upcasting on read.
// ---------------------------------------------------------------------------

fn rename(from: &str, to: &str) -> UpcastStep {
    UpcastStep { op: Some(Op::Rename(RenameField { from: from.into(), to: to.into() })) }
}

fn add(path: &str, default_json: &str) -> UpcastStep {
    UpcastStep { op: Some(Op::Add(AddField { path: path.into(), default_json: default_json.into() })) }
}

fn jq(expr: &str) -> UpcastStep {
    UpcastStep { op: Some(Op::Jq(expr.into())) }
}

/// Asserts an event as presented after upcasting to v3.
#[track_caller]
fn assert_v3(event: &RecordedEvent, stored_version: u32, data: Value, v3_id: &str, what: &str) {
    assert_eq!(event.schema_version, 3, "{what}: schema_version of {event:?}");
    assert_eq!(event.stored_schema_version, Some(stored_version), "{what}: stored_schema_version of {event:?}");
    assert_eq!(event_json(event), data, "{what}: upcast payload");
    // schema_id stays the id the event was checked against when stored.
    assert_ne!(event.schema_id, v3_id, "{what}: schema_id must stay the stored version's id: {event:?}");
    assert!(!event.schema_id.is_empty(), "{what}: no schema_id: {event:?}");
}

#[tokio::test]
async fn old_events_are_upcast_on_every_read_path() {
    let nexus = NexusProcess::start_strict().await;
    let client = nexus.client().await;
    let (mut schemas, mut store) = (client.schemas(), client.event_store());
    let subject = subject_name("Payment");
    // The v1→v2 rename makes v2 unreadable for v1 data at the schema level,
    // so this subject runs under NONE; the upcasters bridge the versions.
    let put = put_subject(
        &mut schemas,
        &subject,
        Compatibility::None,
        vec![
            Upcaster { from_version: 1, steps: vec![rename("/owner", "/holder"), add("/currency", "\"EUR\"")] },
            Upcaster { from_version: 2, steps: vec![jq(".amount_cents = (.amount * 100)")] },
        ],
    )
    .await;
    assert_eq!(put.upcasters.len(), 2, "{put:?}");
    assert_eq!(put.effective_compatibility, Compatibility::None as i32, "{put:?}");

    let v1 = register(
        &mut schemas,
        &subject,
        &object_schema(json!({"owner": {"type": "string"}, "amount": {"type": "integer"}}), &["owner", "amount"]),
    )
    .await;
    let stream = unique("payment-");
    let old = proposed(&subject, json!({"owner": "Alice", "amount": 12}));
    append(&mut store, &stream, vec![old.clone()]).await.expect("append v1 event");

    let v2_properties =
        json!({"holder": {"type": "string"}, "currency": {"type": "string"}, "amount": {"type": "integer"}});
    let v2 = register(&mut schemas, &subject, &object_schema(v2_properties, &["holder", "currency", "amount"])).await;
    let v3 = register(
        &mut schemas,
        &subject,
        &object_schema(
            json!({
                "holder": {"type": "string"},
                "currency": {"type": "string"},
                "amount": {"type": "integer"},
                "amount_cents": {"type": "integer"},
            }),
            &["holder", "currency", "amount", "amount_cents"],
        ),
    )
    .await;
    assert_eq!((v1.version, v2.version, v3.version), (1, 2, 3));
    let middle = versioned(&subject, 2, json!({"holder": "Bob", "currency": "USD", "amount": 3}));
    append(&mut store, &stream, vec![middle.clone()]).await.expect("append v2 event");
    let newest = proposed(&subject, json!({"holder": "Carol", "currency": "GBP", "amount": 1, "amount_cents": 100}));
    append(&mut store, &stream, vec![newest.clone()]).await.expect("append v3 event");

    let expected_old = json!({"holder": "Alice", "currency": "EUR", "amount": 12, "amount_cents": 1200});
    let expected_middle = json!({"holder": "Bob", "currency": "USD", "amount": 3, "amount_cents": 300});
    let check_upcast = |events: &[RecordedEvent], what: &str| {
        assert_eq!(events.len(), 3, "{what}: {events:?}");
        assert_eq!(events[0].event_id, old.event_id, "{what}");
        assert_v3(&events[0], 1, expected_old.clone(), &v3.schema_id, what);
        assert_eq!(events[0].schema_id, v1.schema_id, "{what}");
        assert_v3(&events[1], 2, expected_middle.clone(), &v3.schema_id, what);
        assert_eq!(events[1].schema_id, v2.schema_id, "{what}");
        assert_eq!(events[2].schema_version, 3, "{what}");
        assert_eq!(events[2].stored_schema_version, None, "{what}: the v3 event was not upcast");
        assert_eq!(events[2].schema_id, v3.schema_id, "{what}");
    };
    let check_stored = |events: &[RecordedEvent], what: &str| {
        assert_eq!(events.len(), 3, "{what}: {events:?}");
        assert_eq!((events[0].schema_version, events[0].stored_schema_version), (1, None), "{what}");
        assert_eq!(event_json(&events[0]), json!({"owner": "Alice", "amount": 12}), "{what}");
        assert_eq!((events[1].schema_version, events[1].stored_schema_version), (2, None), "{what}");
        assert_eq!(event_json(&events[1]), json!({"holder": "Bob", "currency": "USD", "amount": 3}), "{what}");
        assert_eq!(events[2].schema_version, 3, "{what}");
        assert_eq!(
            events.iter().map(|e| e.schema_id.as_str()).collect::<Vec<_>>(),
            [v1.schema_id.as_str(), v2.schema_id.as_str(), v3.schema_id.as_str()]
        );
    };

    check_upcast(&read_stream(&mut store, &stream, false).await.expect("ReadStream"), "ReadStream");
    check_stored(&read_stream(&mut store, &stream, true).await.expect("ReadStream as_stored"), "ReadStream as_stored");
    check_upcast(&read_whole_stream(&mut store, &stream).await.expect("paged ReadStream"), "paged ReadStream");
    check_upcast(&read_all_of_stream(&mut store, &stream, false).await, "ReadAll");
    check_stored(&read_all_of_stream(&mut store, &stream, true).await, "ReadAll as_stored");
    check_upcast(&subscribe_stream_history(&mut store, &stream, false).await, "SubscribeStream");
    check_stored(&subscribe_stream_history(&mut store, &stream, true).await, "SubscribeStream as_stored");
    check_upcast(&subscribe_all_history(&mut store, &stream).await, "SubscribeAll");

    // Backwards reads upcast too.
    let backwards = store
        .read_stream(ReadStreamRequest {
            stream_id: stream.clone(),
            direction: ReadDirection::Backwards as i32,
            from_revision: None,
            page_size: 10,
            as_stored: false,
        })
        .await
        .expect("ReadStream backwards")
        .into_inner()
        .events;
    let mut forwards = backwards.clone();
    forwards.reverse();
    check_upcast(&forwards, "ReadStream backwards");
}

#[tokio::test]
async fn a_failing_upcaster_fails_the_read_not_the_server() {
    let nexus = NexusProcess::start_strict().await;
    let client = nexus.client().await;
    let (mut schemas, mut store) = (client.schemas(), client.event_store());
    let subject = subject_name("Broken");
    put_subject(
        &mut schemas,
        &subject,
        Compatibility::None,
        vec![Upcaster { from_version: 1, steps: vec![jq(r#"error("boom")"#)] }],
    )
    .await;
    register(&mut schemas, &subject, &object_schema(json!({"a": {"type": "integer"}}), &["a"])).await;
    let stream = unique("broken-");
    let old = proposed(&subject, json!({"a": 1}));
    append(&mut store, &stream, vec![old.clone()]).await.expect("append v1 event");
    register(
        &mut schemas,
        &subject,
        &object_schema(json!({"a": {"type": "integer"}, "b": {"type": "string"}}), &["a"]),
    )
    .await;

    let status = expect_raw_status(read_stream(&mut store, &stream, false).await);
    let info = assert_error(&status, Code::FailedPrecondition, "UPCAST_FAILED");
    assert_eq!(info.metadata.get("event_id"), Some(&old.event_id), "{info:?}");
    assert_eq!(info.metadata.get("stored_version").map(String::as_str), Some("1"), "{info:?}");
    assert_eq!(info.metadata.get("target_version").map(String::as_str), Some("2"), "{info:?}");
    assert!(status.message().contains("boom"), "the message does not carry the jq error: {status:?}");

    // The server is still up and serving.
    assert!(nexus_alive(&mut schemas, &subject).await, "the server died after a failing upcaster");
    let stored = read_stream(&mut store, &stream, true).await.expect("as_stored still reads the event");
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].schema_version, event_json(&stored[0])), (1, json!({"a": 1})));

    // ReadAll fails the same way; a subscription ends with the error.
    let status = expect_raw_status(
        store
            .read_all(ReadAllRequest {
                from: Some(AllFrom { kind: Some(all_from::Kind::Start(())) }),
                direction: ReadDirection::Forwards as i32,
                page_size: 10,
                filter: Some(EventFilter { stream_prefixes: vec![stream.clone()], ..Default::default() }),
                as_stored: false,
            })
            .await,
    );
    assert_error(&status, Code::FailedPrecondition, "UPCAST_FAILED");
    let mut sub = store
        .subscribe_stream(SubscribeStreamRequest {
            stream_id: stream.clone(),
            from: Some(StreamFrom { kind: Some(stream_from::Kind::Start(())) }),
            heartbeat_interval: None,
            as_stored: false,
        })
        .await
        .expect("SubscribeStream")
        .into_inner();
    let status = match tokio::time::timeout(STREAM_TIMEOUT, sub.message()).await {
        Ok(Err(status)) => status,
        other => panic!("the subscription should end with UPCAST_FAILED, got {other:?}"),
    };
    assert_error(&status, Code::FailedPrecondition, "UPCAST_FAILED");

    // A new event of the latest version reads fine.
    let fresh = unique("fine-");
    append(&mut store, &fresh, vec![proposed(&subject, json!({"a": 2, "b": "x"}))]).await.expect("append v2 event");
    let events = read_stream(&mut store, &fresh, false).await.expect("read v2 event");
    assert_eq!(events[0].schema_version, 2);
}

async fn nexus_alive(schemas: &mut Schemas, subject: &str) -> bool {
    schemas.get_subject(GetSubjectRequest { name: subject.into() }).await.is_ok()
}

// ---------------------------------------------------------------------------
// 9. Deleting versions.
// ---------------------------------------------------------------------------

async fn delete(
    schemas: &mut Schemas,
    subject: &str,
    version: u32,
    permanent: bool,
) -> Result<Option<SchemaVersion>, Status> {
    schemas
        .delete_schema_version(DeleteSchemaVersionRequest { subject: subject.into(), version, permanent })
        .await
        .map(|r| r.into_inner().version)
}

#[tokio::test]
async fn soft_and_permanent_deletes() {
    let nexus = NexusProcess::start_strict().await;
    let client = nexus.client().await;
    let (mut schemas, mut store) = (client.schemas(), client.event_store());
    let subject = subject_name("Deletable");
    put_subject(&mut schemas, &subject, Compatibility::None, vec![]).await;
    let v1 = register(&mut schemas, &subject, &object_schema(json!({"a": {"type": "integer"}}), &["a"])).await;
    let v2 = register(
        &mut schemas,
        &subject,
        &object_schema(json!({"a": {"type": "integer"}, "b": {"type": "integer"}}), &["a"]),
    )
    .await;
    let stream = unique("deletable-");
    append(&mut store, &stream, vec![versioned(&subject, 1, json!({"a": 1}))]).await.expect("append under v1");

    // Soft delete v1: kept for reading, refused for writing.
    let deleted = delete(&mut schemas, &subject, 1, false).await.expect("soft delete v1").expect("the version");
    assert_eq!(deleted.status, VersionStatus::Deleted as i32, "{deleted:?}");
    assert_eq!(deleted.schema_id, v1.schema_id);
    let status = expect_raw_status(append(&mut store, &stream, vec![versioned(&subject, 1, json!({"a": 2}))]).await);
    let violations = schema_violations(&status);
    assert!(violations.iter().any(|(f, _)| f == "events[0].schema_version"), "{violations:?}");
    assert_eq!(
        read_stream(&mut store, &stream, true).await.expect("read").len(),
        1,
        "the refused append wrote nothing"
    );
    let got = get_version(&mut schemas, by_number(&subject, 1)).await.expect("a soft-deleted version still reads");
    assert_eq!(got.status, VersionStatus::Deleted as i32);
    assert!(got.in_use, "{got:?}");
    let listed = |include_deleted: bool| {
        let mut schemas = schemas.clone();
        let subject = subject.clone();
        async move {
            schemas
                .list_versions(ListVersionsRequest {
                    subject,
                    page_size: 0,
                    page_token: String::new(),
                    include_deleted,
                })
                .await
                .expect("ListVersions")
                .into_inner()
                .versions
                .into_iter()
                .map(|v| v.version)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(false).await, [2]);
    assert_eq!(listed(true).await, [1, 2]);
    // The old event still reads (presented as v2).
    let events = read_stream(&mut store, &stream, false).await.expect("read after soft delete");
    assert_eq!((events[0].schema_version, events[0].stored_schema_version), (2, Some(1)));

    // A permanent delete needs a soft delete first.
    let status = expect_raw_status(delete(&mut schemas, &subject, 2, true).await);
    assert_error(&status, Code::FailedPrecondition, "SCHEMA_VERSION_NOT_SOFT_DELETED");
    assert_eq!(get_version(&mut schemas, by_number(&subject, 2)).await.expect("v2 is untouched").status, v2.status);

    // A version with stored events can never be removed.
    let status = expect_raw_status(delete(&mut schemas, &subject, 1, true).await);
    assert_error(&status, Code::FailedPrecondition, "SCHEMA_VERSION_IN_USE");
    assert!(get_version(&mut schemas, by_number(&subject, 1)).await.is_ok(), "v1 must survive");

    // A never-used version can.
    let v3 = register(&mut schemas, &subject, &object_schema(json!({"a": {"type": "number"}}), &["a"])).await;
    assert_eq!(v3.version, 3);
    delete(&mut schemas, &subject, 3, false).await.expect("soft delete v3");
    let gone = delete(&mut schemas, &subject, 3, true).await.expect("permanent delete v3");
    assert_eq!(gone, None, "a permanent delete returns no version");
    let status = expect_raw_status(get_version(&mut schemas, by_number(&subject, 3)).await);
    assert_error(&status, Code::NotFound, "SCHEMA_VERSION_NOT_FOUND");
    let status = expect_raw_status(get_version(&mut schemas, Selector::SchemaId(v3.schema_id.clone())).await);
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    let latest = get_version(&mut schemas, Selector::LatestOfSubject(subject.clone())).await.expect("latest");
    assert_eq!(latest.version, 2, "after deleting v3 the latest is v2");
    // Version numbers are never reused.
    let v4 = register(
        &mut schemas,
        &subject,
        &object_schema(json!({"a": {"type": "integer"}, "c": {"type": "string"}}), &["a"]),
    )
    .await;
    assert_eq!(v4.version, 4, "numbers must not be reused after a permanent delete");

    // Deleting what does not exist.
    let status = expect_raw_status(delete(&mut schemas, &subject, 3, false).await);
    assert_error(&status, Code::NotFound, "SCHEMA_VERSION_NOT_FOUND");
    let status = expect_raw_status(delete(&mut schemas, &subject, 0, false).await);
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
}

// ---------------------------------------------------------------------------
// 10. ValidatePayload.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn validate_payload_checks_without_storing() {
    let nexus = NexusProcess::start_strict().await;
    let client = nexus.client().await;
    let (mut schemas, mut store) = (client.schemas(), client.event_store());
    let subject = subject_name("Checked");
    register(&mut schemas, &subject, &deposit_v1()).await;
    let before = read_all_events(&mut store, None, 100).await.len();

    let validate = |data: Value, version: u32| {
        let mut schemas = schemas.clone();
        let subject = subject.clone();
        async move {
            schemas
                .validate_payload(ValidatePayloadRequest {
                    subject,
                    version,
                    content_type: String::new(),
                    data: serde_json::to_vec(&data).expect("json"),
                })
                .await
                .map(|r| r.into_inner())
        }
    };
    let bad = validate(json!({"amount": 0, "note": 7, "extra": true}), 0).await.expect("ValidatePayload bad");
    assert!(!bad.valid, "{bad:?}");
    assert_eq!(bad.version, 1);
    let pointers: Vec<&str> = bad.violations.iter().map(|v| v.pointer.as_str()).collect();
    assert!(pointers.contains(&"/amount"), "no violation at /amount: {bad:?}");
    assert!(pointers.contains(&"/note"), "no violation at /note: {bad:?}");
    assert!(bad.violations.iter().all(|v| !v.message.is_empty()), "{bad:?}");
    assert!(
        bad.violations.iter().any(|v| v.pointer.is_empty() && v.message.contains("extra")),
        "the unexpected property is reported at the root: {bad:?}"
    );
    let missing = validate(json!({}), 1).await.expect("ValidatePayload missing");
    assert!(!missing.valid && missing.violations.iter().any(|v| v.message.contains("amount")), "{missing:?}");

    let good = validate(json!({"amount": 3}), 0).await.expect("ValidatePayload good");
    assert!(good.valid, "{good:?}");
    assert!(good.violations.is_empty(), "{good:?}");
    assert_eq!(good.version, 1);

    let status = expect_raw_status(validate(json!({"amount": 3}), 5).await);
    assert_error(&status, Code::NotFound, "SCHEMA_VERSION_NOT_FOUND");
    let mut other = schemas.clone();
    let status = expect_raw_status(
        other
            .validate_payload(ValidatePayloadRequest {
                subject: subject_name("Unknown"),
                version: 0,
                content_type: String::new(),
                data: b"{}".to_vec(),
            })
            .await,
    );
    assert_error(&status, Code::NotFound, "SCHEMA_SUBJECT_NOT_FOUND");

    // Nothing was stored, and the version is not in use.
    assert_eq!(read_all_events(&mut store, None, 100).await.len(), before, "ValidatePayload stored events");
    let v1 = get_version(&mut schemas, by_number(&subject, 1)).await.expect("v1");
    assert!(!v1.in_use, "ValidatePayload must not mark the version in use: {v1:?}");
}

// ---------------------------------------------------------------------------
// 11. The example domain under the default governance; invalid definitions.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn bank_domain_is_governed_by_the_catalog() {
    let nexus = NexusProcess::start_strict().await;
    let mut client = nexus.client().await;
    let mut schemas = client.schemas();
    let id = unique("acc-");

    let opened = client
        .execute("account", &id, "OpenAccount", json!({"owner": "Alice", "initial_deposit": 100}))
        .await
        .expect("OpenAccount under strict governance");
    let deposited = client.execute("account", &id, "DepositMoney", json!({"amount": 25})).await.expect("DepositMoney");
    let withdrawn =
        client.execute("account", &id, "WithdrawMoney", json!({"amount": 125})).await.expect("WithdrawMoney");
    let closed = client.execute("account", &id, "CloseAccount", json!({})).await.expect("CloseAccount");
    let mut ids = HashMap::new();
    for subject in ["AccountOpened", "MoneyDeposited", "MoneyWithdrawn", "AccountClosed"] {
        let latest = get_version(&mut schemas, Selector::LatestOfSubject(subject.into()))
            .await
            .unwrap_or_else(|s| panic!("the catalog's {subject} is not registered: {s:?}"));
        assert_eq!(latest.version, 1, "{latest:?}");
        ids.insert(subject.to_string(), latest.schema_id);
    }
    for response in [&opened, &deposited, &withdrawn, &closed] {
        assert_eq!(response.events.len(), 1, "{response:?}");
        let event = &response.events[0];
        assert_eq!(event.schema_version, 1, "Execute response event: {event:?}");
        assert_eq!(Some(&event.schema_id), ids.get(&event.event_type), "Execute response event: {event:?}");
    }
    let events = read_whole_stream(&mut client.event_store(), &format!("account-{id}")).await.expect("read account");
    assert_eq!(events.len(), 4);
    for event in &events {
        assert_eq!(event.schema_version, 1, "{event:?}");
        assert_eq!(Some(&event.schema_id), ids.get(&event.event_type), "{event:?}");
    }

    // Definitions that are not JSON Schemas are refused.
    let subject = subject_name("Invalid");
    for definition in ["{not json", r#"{"type": 12}"#, "[1, 2]"] {
        let status = expect_raw_status(register_raw(&mut schemas, &subject, DataFormat::Json, definition).await);
        let info = assert_error(&status, Code::InvalidArgument, "INVALID_SCHEMA");
        assert_eq!(info.metadata.get("subject"), Some(&subject), "{info:?}");
        assert!(
            field_violations(&status).iter().any(|v| v.field == "definition"),
            "{definition}: no violation on definition: {status:?}"
        );
    }
    let status = expect_raw_status(get_version(&mut schemas, Selector::LatestOfSubject(subject.clone())).await);
    assert_eq!(status.code(), Code::NotFound, "an invalid definition registered something: {status:?}");
    // Not even an empty subject is left behind.
    let status = expect_raw_status(schemas.get_subject(GetSubjectRequest { name: subject.clone() }).await);
    assert_error(&status, Code::NotFound, "SCHEMA_SUBJECT_NOT_FOUND");
    // An invalid subject name.
    let status = expect_raw_status(register_raw(&mut schemas, "has space", DataFormat::Json, "{}").await);
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(field_violations(&status).iter().any(|v| v.field == "subject"), "{status:?}");
}

// ---------------------------------------------------------------------------
// 12. Avro subjects.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn avro_subjects_check_json_payloads() {
    let nexus = NexusProcess::start_strict().await;
    let client = nexus.client().await;
    let (mut schemas, mut store) = (client.schemas(), client.event_store());
    let subject = subject_name("AvroDeposit");
    let definition = r#"{"type":"record","name":"Deposit","namespace":"bank","fields":[
        {"name":"amount","type":"long"},
        {"name":"currency","type":"string"}
    ]}"#;
    let v1 = register_raw(&mut schemas, &subject, DataFormat::Avro, definition).await.expect("register Avro");
    assert!(v1.created);
    let v1 = v1.version.expect("version");
    assert_eq!((v1.version, v1.data_format), (1, DataFormat::Avro as i32));
    let info = schemas
        .get_subject(GetSubjectRequest { name: subject.clone() })
        .await
        .expect("GetSubject")
        .into_inner()
        .subject
        .expect("subject");
    assert_eq!(info.data_format, DataFormat::Avro as i32, "{info:?}");

    let stream = unique("avro-");
    let good = proposed(&subject, json!({"amount": 5, "currency": "EUR"}));
    append(&mut store, &stream, vec![good.clone()]).await.expect("a matching JSON payload");
    for bad in [json!({"amount": "five", "currency": "EUR"}), json!({"amount": 5})] {
        let status = expect_raw_status(append(&mut store, &stream, vec![proposed(&subject, bad.clone())]).await);
        let violations = schema_violations(&status);
        assert!(violations.iter().any(|(f, _)| f.starts_with("events[0].data")), "{bad}: {violations:?}");
    }
    let events = read_stream(&mut store, &stream, false).await.expect("read");
    assert_eq!(events.len(), 1, "only the matching payload was stored: {events:?}");
    assert_eq!((events[0].schema_version, events[0].schema_id.as_str()), (1, v1.schema_id.as_str()));
    assert_eq!(event_json(&events[0]), json!({"amount": 5, "currency": "EUR"}));

    // An invalid Avro schema, and a JSON Schema on an Avro subject.
    let status = expect_raw_status(
        register_raw(&mut schemas, &subject_name("AvroBad"), DataFormat::Avro, r#"{"type":"record","name":"X"}"#).await,
    );
    assert_error(&status, Code::InvalidArgument, "INVALID_SCHEMA");
    let status =
        expect_raw_status(register_raw(&mut schemas, &subject, DataFormat::Json, r#"{"type":"object"}"#).await);
    assert_error(&status, Code::InvalidArgument, "INVALID_SCHEMA");
    // Same definition with the format left unspecified: the subject's format is used.
    let again = register_raw(&mut schemas, &subject, DataFormat::Unspecified, definition).await.expect("re-register");
    assert!(!again.created && again.version.expect("version").schema_id == v1.schema_id);
}

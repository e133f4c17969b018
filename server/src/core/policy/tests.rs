#![allow(clippy::unwrap_used)]

use std::{path::PathBuf, sync::Arc, time::Duration};

use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

use super::{testing::Outcome, *};
use crate::core::principal::Principal;

/// The policies shipped in the repository.
fn shipped() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies")
}

fn shipped_engine() -> PolicyEngine {
    PolicyEngine::load(&shipped()).expect("the shipped policies load")
}

fn principal(subject: &str, tenant: &str, roles: &[&str]) -> Principal {
    Principal {
        subject: subject.into(),
        tenant: tenant.into(),
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        scopes: Vec::new(),
        authenticated: true,
    }
}

fn call(method: &str, who: Principal, resource: Resource) -> AuthzInput {
    let service = match method {
        "Execute" | "ListAggregateTypes" => "nexus.v1.CommandService",
        "RegisterSchemaVersion" | "GetSchemaVersion" | "SetCompatibility" => "nexus.v1.SchemaService",
        "ReloadPolicies" | "Evaluate" => "nexus.v1.PolicyService",
        _ => "nexus.v1.EventStoreService",
    };
    AuthzInput { service: service.into(), method: method.into(), principal: who, resource, correlation_id: None }
}

fn event(index: u32, event_type: &str, route: EventRoute, payload: serde_json::Value) -> EventInput {
    let size = payload.to_string().len();
    EventInput {
        index,
        id: format!("id-{index}"),
        event_type: event_type.into(),
        content_type: "application/json".into(),
        size,
        route,
        schema_subject: Some(event_type.into()),
        schema_version: Some(1),
        payload,
    }
}

fn append(events: Vec<EventInput>) -> EventsInput {
    EventsInput {
        principal: principal("walt", "acme", &["writer"]),
        stream: "acme/account-1".into(),
        tenant: "acme".into(),
        events,
    }
}

/// A policy directory in a temporary folder.
fn dir_with(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        write(dir.path(), path, contents);
    }
    dir
}

fn write(dir: &Path, path: &str, contents: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

const ALLOW_READS: &str =
    "package nexus.authz\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.method == \"ReadStream\"\n";

#[test]
fn the_shipped_policies_load_with_both_runtime_packages() {
    let engine = shipped_engine();
    assert_eq!(engine.generation(), 1);
    let packages = engine.packages();
    assert!(packages.contains(&AUTHZ_PACKAGE.to_owned()), "{packages:?}");
    assert!(packages.contains(&EVENTS_PACKAGE.to_owned()), "{packages:?}");
    let policies = engine.policies();
    assert!(policies.iter().all(|p| !p.path.ends_with("_test.rego")), "tests are not loaded at runtime");
    let authz = policies.iter().find(|p| p.path == "authz/authz.rego").expect("authz.rego listed");
    assert_eq!(authz.package, "nexus.authz");
    assert_eq!(authz.sha256.len(), 64);
    assert!(engine.data_files().iter().any(|d| d.path == "authz/data.json" && d.mount == "authz"));
}

#[test]
fn the_shipped_rego_tests_pass() {
    let run = testing::run_tests(&shipped()).expect("loads");
    let failed: Vec<_> = run.results.iter().filter(|r| r.outcome != Outcome::Pass).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(run.results.len() >= 20, "only {} tests found", run.results.len());
}

#[test]
fn each_role_gets_what_it_should() {
    let engine = shipped_engine();
    let stream = || Resource::stream("acme/account-1");
    let reader = || principal("alice", "acme", &["reader"]);
    let writer = || principal("walt", "acme", &["writer"]);
    let admin = || principal("ada", "acme", &["admin"]);
    for (who, method, allowed) in [
        (reader(), "ReadStream", true),
        (reader(), "SubscribeStream", true),
        (reader(), "AppendToStream", false),
        (reader(), "DeleteStream", false),
        (writer(), "ReadStream", true),
        (writer(), "AppendToStream", true),
        (writer(), "Execute", true),
        (writer(), "DeleteStream", false),
        (admin(), "DeleteStream", true),
        (admin(), "AppendToStream", true),
    ] {
        let decision = engine.authorize(&call(method, who.clone(), stream()));
        assert_eq!(decision.allow, allowed, "{} {method}: {decision:?}", who.roles[0]);
        assert_eq!(decision.policy, "nexus.authz");
        assert_eq!(decision.reasons.is_empty(), allowed, "{decision:?}");
    }
    let decision = engine.authorize(&call("AppendToStream", reader(), stream()));
    assert_eq!(
        decision.reasons,
        vec!["no rule in nexus.authz allows nexus.v1.EventStoreService/AppendToStream".to_owned()]
    );
}

#[test]
fn tenants_are_isolated() {
    let engine = shipped_engine();
    let alice = principal("alice", "acme", &["admin"]);
    let decision = engine.authorize(&call("ReadStream", alice.clone(), Resource::stream("globex/x")));
    assert!(!decision.allow);
    assert_eq!(decision.reasons, vec!["principal alice of tenant acme may not read stream globex/x of tenant globex"]);
    assert!(!engine.authorize(&call("AppendToStream", alice.clone(), Resource::stream("globex/x"))).allow);
    assert!(
        !engine.authorize(&call("RegisterSchemaVersion", alice.clone(), Resource::subject("globex/Invoice"))).allow
    );
    assert!(engine.authorize(&call("RegisterSchemaVersion", alice.clone(), Resource::subject("acme/Invoice"))).allow);
    assert!(!engine.authorize(&call("ReadAll", alice.clone(), Resource::stream_prefix(""))).allow);
    assert!(engine.authorize(&call("ReadAll", alice.clone(), Resource::stream_prefix("acme/"))).allow);
    // A platform principal is bound to no tenant.
    let root = principal("root", "", &["admin"]);
    assert!(engine.authorize(&call("ReadStream", root, Resource::stream("globex/x"))).allow);
}

#[test]
fn system_streams_are_read_by_admins_and_written_by_nobody() {
    let engine = shipped_engine();
    let root = principal("root", "", &["admin"]);
    let pat = principal("pat", "", &["reader", "writer"]);
    assert!(engine.authorize(&call("ReadStream", root.clone(), Resource::stream("$audit"))).allow);
    assert!(!engine.authorize(&call("ReadStream", pat.clone(), Resource::stream("$audit"))).allow);
    assert!(!engine.authorize(&call("AppendToStream", root.clone(), Resource::stream("$audit"))).allow);
    assert!(!engine.authorize(&call("DeleteStream", root, Resource::stream("$audit"))).allow);
    assert!(!engine.authorize(&call("AppendToStream", pat, Resource::stream("$audit"))).allow);
}

#[test]
fn anonymous_development_principal_is_allowed() {
    let engine = shipped_engine();
    assert!(engine.authorize(&call("DeleteStream", Principal::anonymous(), Resource::stream("account-1"))).allow);
}

#[test]
fn events_over_the_size_limit_deny_the_whole_append() {
    let engine = shipped_engine();
    let mut big = event(1, "BlobStored", EventRoute::Core, serde_json::Value::Null);
    big.size = 256 * 1024 + 1;
    let small = event(0, "AccountOpened", EventRoute::Core, serde_json::json!({"owner": "alice"}));
    let decision = engine.check_events(&append(vec![small.clone(), big]));
    assert!(!decision.allow);
    assert_eq!(decision.policy, "nexus.events");
    assert_eq!(
        decision.reasons,
        vec!["event 1 (BlobStored): payload of 262145 bytes exceeds the limit of 262144 bytes"]
    );
    assert!(engine.check_events(&append(vec![small])).allow);
}

#[test]
fn forbidden_fields_deny_secondary_route_events_only() {
    let engine = shipped_engine();
    let payload = serde_json::json!({"user": {"name": "a", "SSN": "123-45-6789"}});
    let decision =
        engine.check_events(&append(vec![event(2, "UserRegistered", EventRoute::Secondary, payload.clone())]));
    assert_eq!(decision.reasons, vec!["event 2 (UserRegistered): field ssn must not appear on secondary-route events"]);
    assert!(engine.check_events(&append(vec![event(2, "UserRegistered", EventRoute::Core, payload)])).allow);
}

#[test]
fn a_large_append_is_not_cut_short_by_an_instruction_limit() {
    let engine = shipped_engine();
    let payload = serde_json::json!({"order": 1, "lines": [{"sku": "a", "qty": 2}], "note": "password"});
    let events = (0..3000).map(|i| event(i, "OrderPlaced", EventRoute::Secondary, payload.clone())).collect();
    let decision = engine.check_events(&append(events));
    assert!(decision.allow, "{decision:?}");
}

#[test]
fn a_hundred_clean_events_pass() {
    let engine = shipped_engine();
    let events = (0..100)
        .map(|i| {
            event(i, "OrderPlaced", EventRoute::Secondary, serde_json::json!({"order": i, "lines": [{"sku": "a"}]}))
        })
        .collect();
    let decision = engine.check_events(&append(events));
    assert!(decision.allow, "{decision:?}");
}

#[test]
fn a_runtime_error_fails_closed() {
    // A runaway policy hits the evaluation time limit: an error, not a
    // verdict, so it denies with the error as the reason.
    let dir = dir_with(&[(
        "authz.rego",
        "package nexus.authz\n\nimport rego.v1\n\nallow if {\n  some a in numbers.range(1, 20000)\n  some b in numbers.range(1, 20000)\n  a * b == -1\n}\n",
    )]);
    let engine = PolicyEngine::load(dir.path()).expect("loads");
    let decision = engine.authorize(&call("ReadStream", principal("a", "", &["admin"]), Resource::stream("x")));
    assert!(engine.compiled());
    assert!(!decision.allow);
    assert_eq!(decision.reasons.len(), 1);
    assert!(decision.reasons[0].starts_with("policy nexus.authz failed to evaluate"), "{decision:?}");
    assert!(decision.reasons[0].contains("time limit"), "{decision:?}");
}

#[test]
fn a_malformed_deny_fails_closed() {
    let dir = dir_with(&[("events.rego", "package nexus.events\n\nimport rego.v1\n\ndeny := 5\n")]);
    let engine = PolicyEngine::load(dir.path()).expect("loads");
    let decision = engine.check_events(&append(vec![]));
    assert!(!decision.allow);
    assert_eq!(decision.reasons, vec!["policy nexus.events: deny must be a set of messages, not 5"]);
}

#[test]
fn a_missing_package_denies() {
    let dir = dir_with(&[("authz.rego", ALLOW_READS)]);
    let engine = PolicyEngine::load(dir.path()).expect("loads");
    let decision = engine.check_events(&append(vec![]));
    assert!(!decision.allow);
    assert_eq!(decision.reasons, vec!["no policy package nexus.events is loaded"]);
    assert!(engine.authorize(&call("ReadStream", principal("a", "", &[]), Resource::stream("x"))).allow);
}

#[test]
fn evaluate_is_a_dry_run_of_any_package() {
    let engine = shipped_engine();
    let input =
        serde_json::to_value(call("ReadStream", principal("alice", "acme", &["reader"]), Resource::stream("globex/x")))
            .unwrap();
    let decision = engine.evaluate("nexus.authz", input).unwrap();
    assert!(!decision.allow);
    assert_eq!(decision.reasons, vec!["principal alice of tenant acme may not read stream globex/x of tenant globex"]);
    let events = serde_json::to_value(append(vec![event(0, "A", EventRoute::Core, serde_json::json!({}))])).unwrap();
    assert!(engine.evaluate("nexus.events", events).unwrap().allow);
    assert_eq!(
        engine.evaluate("nexus.nope", serde_json::json!({})),
        Err(PolicyError::UnknownPackage("nexus.nope".into()))
    );
}

#[test]
fn rego_values_match_the_serialized_json() {
    let authz = call(
        "Execute",
        principal("walt", "acme", &["writer"]),
        Resource {
            aggregate_type: Some("account".into()),
            command_type: Some("Deposit".into()),
            ..Resource::stream("acme/a")
        },
    );
    let expected = regorus::Value::from(serde_json::to_value(&authz).unwrap());
    assert_eq!(input::ToRego::to_rego(&authz).unwrap(), expected);
    let events = append(vec![event(0, "A", EventRoute::Secondary, serde_json::json!({"x": [1, 2.5, null, true]}))]);
    let expected = regorus::Value::from(serde_json::to_value(&events).unwrap());
    assert_eq!(input::ToRego::to_rego(&events).unwrap(), expected);
}

#[test]
fn resources_carry_their_tenant() {
    assert_eq!(Resource::stream("acme/account-1").tenant, "acme");
    assert_eq!(Resource::stream("account-1").tenant, "");
    assert_eq!(Resource::stream("$audit").tenant, "");
    assert_eq!(Resource::subject("acme/Invoice").tenant, "acme");
    assert_eq!(Resource::stream_prefix(""), Resource::default());
}

#[test]
fn reload_swaps_and_a_broken_file_keeps_the_previous_set() {
    let dir = dir_with(&[("authz/authz.rego", ALLOW_READS)]);
    let engine = PolicyEngine::load(dir.path()).expect("loads");
    let read = call("ReadStream", principal("a", "", &[]), Resource::stream("x"));
    let append_call = call("AppendToStream", principal("a", "", &[]), Resource::stream("x"));
    assert!(engine.authorize(&read).allow);
    assert!(!engine.authorize(&append_call).allow);

    // A syntax error on line 6: rejected with file and line, nothing changes.
    write(
        dir.path(),
        "authz/authz.rego",
        "package nexus.authz\n\nimport rego.v1\n\nallow if {\n  input.method == \n}\n",
    );
    let error = engine.reload().expect_err("broken policy rejected");
    let PolicyError::Parse { file, line, .. } = &error else { panic!("{error:?}") };
    assert_eq!(file, "authz/authz.rego");
    assert!(matches!(line, Some(6 | 7)), "{error}");
    assert!(error.to_string().starts_with("authz/authz.rego:"), "{error}");
    assert_eq!(engine.generation(), 1);
    assert!(engine.authorize(&read).allow, "the previous set stays active");

    // A compile error (unsafe variable) is caught at reload as well.
    write(dir.path(), "authz/authz.rego", "package nexus.authz\n\nimport rego.v1\n\nallow if x == 1\n");
    assert!(engine.reload().is_err());
    assert_eq!(engine.generation(), 1);

    // A fixed file loads and takes effect at once.
    write(dir.path(), "authz/authz.rego", &ALLOW_READS.replace("ReadStream", "AppendToStream"));
    let report = engine.reload().expect("reloads");
    assert_eq!(report.generation, 2);
    assert!(report.changed);
    assert_eq!(report.packages, vec!["nexus.authz".to_owned()]);
    assert_eq!(engine.generation(), 2);
    assert!(!engine.authorize(&read).allow);
    assert!(engine.authorize(&append_call).allow);
}

#[test]
fn broken_data_is_rejected_with_its_file() {
    let dir = dir_with(&[("authz/authz.rego", ALLOW_READS), ("authz/data.json", "{\"roles\": ")]);
    let error = PolicyEngine::load(dir.path()).expect_err("broken data rejected");
    assert!(matches!(&error, PolicyError::Data { file, .. } if file == "authz/data.json"), "{error:?}");
}

#[test]
fn data_is_mounted_at_its_directory() {
    let dir = dir_with(&[
        ("authz/authz.rego", "package nexus.authz\n\nimport rego.v1\n\nallow if input.method in data.authz.methods\n"),
        ("authz/data.json", "{\"methods\": [\"ReadStream\"]}"),
    ]);
    let engine = PolicyEngine::load(dir.path()).unwrap();
    assert!(engine.authorize(&call("ReadStream", principal("a", "", &[]), Resource::stream("x"))).allow);
    assert!(!engine.authorize(&call("DeleteStream", principal("a", "", &[]), Resource::stream("x"))).allow);
}

#[test]
fn decisions_run_concurrently() {
    let engine = Arc::new(shipped_engine());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let engine = Arc::clone(&engine);
            std::thread::spawn(move || {
                for i in 0..50 {
                    let tenant = if (t + i) % 2 == 0 { "acme" } else { "globex" };
                    let d = engine.authorize(&call(
                        "ReadStream",
                        principal("alice", "acme", &["reader"]),
                        Resource::stream(format!("{tenant}/s-{i}")),
                    ));
                    assert_eq!(d.allow, tenant == "acme");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn the_engine_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<PolicyEngine>();
}

#[tokio::test]
async fn watch_picks_up_a_changed_file() {
    let dir = dir_with(&[("authz/authz.rego", ALLOW_READS)]);
    let engine = Arc::new(PolicyEngine::load(dir.path()).unwrap());
    let shutdown = CancellationToken::new();
    let watcher = engine.watch_every(Duration::from_millis(20), shutdown.clone());
    let append_call = call("AppendToStream", principal("a", "", &[]), Resource::stream("x"));
    assert!(!engine.authorize(&append_call).allow);

    // A broken file first: the watcher must keep the old set.
    write(dir.path(), "authz/authz.rego", "package nexus.authz\nallow if {\n");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(engine.generation(), 1);

    write(dir.path(), "authz/authz.rego", &ALLOW_READS.replace("ReadStream", "AppendToStream"));
    let mut waited = 0;
    while engine.generation() == 1 {
        assert!(waited < 500, "the watcher did not reload within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += 1;
    }
    assert_eq!(engine.generation(), 2);
    assert!(engine.authorize(&append_call).allow);
    shutdown.cancel();
    watcher.await.unwrap();
}

#[test]
fn policy_tests_report_failures() {
    let dir = dir_with(&[
        ("authz/authz.rego", ALLOW_READS),
        (
            "authz/authz_test.rego",
            "package nexus.authz_test\n\nimport rego.v1\n\nimport data.nexus.authz\n\n\
             test_reads_allowed if authz.allow with input as {\"method\": \"ReadStream\"}\n\n\
             test_deliberately_wrong if authz.allow with input as {\"method\": \"DeleteStream\"}\n\n\
             test_error if 1 / 0 == 1\n",
        ),
    ]);
    let run = testing::run_tests(dir.path()).expect("loads");
    let outcome = |name: &str| {
        run.results.iter().find(|r| r.name == format!("data.nexus.authz_test.{name}")).map(|r| r.outcome.clone())
    };
    assert_eq!(outcome("test_reads_allowed"), Some(Outcome::Pass));
    assert_eq!(outcome("test_deliberately_wrong"), Some(Outcome::Fail));
    assert!(matches!(outcome("test_error"), Some(Outcome::Fail | Outcome::Error(_))));
    assert!(!run.all_passed());
    // Tests are not loaded at runtime.
    let engine = PolicyEngine::load(dir.path()).unwrap();
    assert_eq!(engine.policies().len(), 1);
}

#[test]
fn the_shipped_policies_run_on_the_vm() {
    assert!(shipped_engine().compiled());
}

#[test]
fn the_event_policy_data_says_which_payloads_it_reads() {
    assert_eq!(shipped_engine().payload_routes(), PayloadRoutes { core: false, secondary: true });
    let dir = dir_with(&[("events/events.rego", "package nexus.events\n\nimport rego.v1\n\ndeny := set()\n")]);
    assert_eq!(PolicyEngine::load(dir.path()).expect("loads").payload_routes(), PayloadRoutes::default());
    write(dir.path(), "events/data.json", "{\"input\": {\"payload_routes\": [\"core\", \"tertiary\"]}}");
    let error = PolicyEngine::load(dir.path()).expect_err("an unknown route is refused");
    assert!(
        matches!(&error, PolicyError::Data { file, message } if file == "events/data.json" && message.contains("tertiary")),
        "{error:?}"
    );
}

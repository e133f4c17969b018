//! Policies against the real binary in auth mode `jwt`: the shipped RBAC and
//! tenant isolation (`nexus.authz`), the event rules (`nexus.events`), the
//! audit trail of decisions, PolicyService, and reloading policies.

use std::{
    path::Path,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use nexus_e2e::{NexusProcess, ServerOptions, assert_error, expect_raw_status, proposed, unique};
use nexus_sdk::{
    BearerToken,
    json::json_to_struct,
    proto::{
        AppendToStreamRequest, DataFormat, DecisionFilter, EvaluateRequest, ExecuteRequest, ListDecisionsRequest,
        ListPoliciesRequest, PutSubjectRequest, ReadAllRequest, ReadDirection, ReadStreamRequest,
        RegisterSchemaVersionRequest, ReloadPoliciesRequest, Route, Subject,
        command_service_client::CommandServiceClient, event_store_service_client::EventStoreServiceClient,
        policy_service_client::PolicyServiceClient, schema_service_client::SchemaServiceClient,
    },
};
use serde_json::json;
use tempfile::TempDir;
use tonic::{Code, service::interceptor::InterceptedService, transport::Channel};

const ISSUER: &str = "https://issuer.policies.test";
const AUDIENCE: &str = "nexus-policies";
const SECRET: &str = "policies-e2e-secret-only-for-tests-0123456789";

type Authed = InterceptedService<Channel, BearerToken>;

struct Server {
    nexus: NexusProcess,
    _dir: TempDir,
}

/// A server in auth mode `jwt` with the given policy folder (default: the
/// repository's policies/).
async fn jwt_server(policies_dir: Option<&Path>) -> Server {
    let dir = TempDir::new().expect("temp dir");
    let secret_file = dir.path().join("hs256.secret");
    std::fs::write(&secret_file, SECRET).expect("write secret");
    let options = ServerOptions { policies_dir: policies_dir.map(Path::to_path_buf), ..ServerOptions::default() }
        .env("NEXUS_AUTH__MODE", "jwt")
        .env("NEXUS_AUTH__JWT__HS256_SECRET_FILE", secret_file.display().to_string())
        .env("NEXUS_AUTH__JWT__ISSUER", ISSUER)
        .env("NEXUS_AUTH__JWT__AUDIENCE", AUDIENCE);
    Server { nexus: NexusProcess::start_with(options).await, _dir: dir }
}

fn token(sub: &str, tenant: &str, roles: &[&str]) -> BearerToken {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();
    let mut claims = json!({ "sub": sub, "roles": roles, "iss": ISSUER, "aud": AUDIENCE, "exp": now + 600 });
    if !tenant.is_empty() {
        claims["tenant"] = json!(tenant);
    }
    let jwt = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign");
    BearerToken::new(jwt).expect("ascii")
}

struct Caller {
    events: EventStoreServiceClient<Authed>,
    commands: CommandServiceClient<Authed>,
    schemas: SchemaServiceClient<Authed>,
    policies: PolicyServiceClient<Authed>,
}

async fn caller(server: &Server, token: BearerToken) -> Caller {
    let channel = server.nexus.channel().await;
    Caller {
        events: EventStoreServiceClient::with_interceptor(channel.clone(), token.clone()),
        commands: CommandServiceClient::with_interceptor(channel.clone(), token.clone()),
        schemas: SchemaServiceClient::with_interceptor(channel.clone(), token.clone()),
        policies: PolicyServiceClient::with_interceptor(channel, token),
    }
}

fn append(stream: &str, events: Vec<nexus_sdk::proto::ProposedEvent>) -> AppendToStreamRequest {
    AppendToStreamRequest { stream_id: stream.to_string(), expected_revision: None, events }
}

fn read(stream: &str) -> ReadStreamRequest {
    ReadStreamRequest {
        stream_id: stream.to_string(),
        direction: ReadDirection::Forwards as i32,
        from_revision: None,
        page_size: 100,
        as_stored: false,
    }
}

fn with_correlation<T>(message: T, id: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert("x-correlation-id", id.parse().expect("ascii"));
    request
}

async fn decisions(
    policies: &mut PolicyServiceClient<Authed>,
    filter: DecisionFilter,
) -> Vec<nexus_sdk::proto::DecisionRecord> {
    policies
        .list_decisions(ListDecisionsRequest { page_size: 1000, page_token: String::new(), filter: Some(filter) })
        .await
        .expect("ListDecisions")
        .into_inner()
        .decisions
}

#[tokio::test]
async fn roles_and_tenants_decide_every_call_and_writes_and_denies_are_audited() {
    let server = jwt_server(None).await;
    let mut alice = caller(&server, token("alice", "acme", &["writer"])).await;
    let mut carol = caller(&server, token("carol", "acme", &["reader"])).await;
    let mut root = caller(&server, token("root", "", &["admin"])).await;
    let mut ada = caller(&server, token("ada", "acme", &["admin"])).await;

    let own = format!("acme/{}", unique("orders-"));
    let foreign = format!("globex/{}", unique("orders-"));
    let correlation = unique("corr-");

    // A writer appends inside its tenant; the audit record is durable before the reply.
    alice
        .events
        .append_to_stream(with_correlation(append(&own, vec![proposed("OrderPlaced", json!({"n": 1}))]), &correlation))
        .await
        .expect("alice appends to her tenant's stream");

    // ... and nowhere else: denied, with the policy's own message, and nothing written.
    let status = expect_raw_status(
        alice.events.append_to_stream(append(&foreign, vec![proposed("OrderPlaced", json!({"n": 1}))])).await,
    );
    let info = assert_error(&status, Code::PermissionDenied, "POLICY_DENIED");
    assert_eq!(info.metadata.get("policy").map(String::as_str), Some("nexus.authz"));
    assert!(status.message().contains("principal alice of tenant acme may not append to stream"), "{status:?}");
    let status = expect_raw_status(root.events.read_stream(read(&foreign)).await);
    assert_eq!(status.code(), Code::NotFound, "the denied append wrote nothing: {status:?}");

    // Reads across tenants are denied too; ReadAll needs the tenant's prefix.
    let status = expect_raw_status(alice.events.read_stream(read(&foreign)).await);
    assert_error(&status, Code::PermissionDenied, "POLICY_DENIED");
    let status = expect_raw_status(alice.events.read_all(ReadAllRequest { page_size: 10, ..Default::default() }).await);
    assert_error(&status, Code::PermissionDenied, "POLICY_DENIED");
    let scoped = ReadAllRequest {
        page_size: 1000,
        filter: Some(nexus_sdk::proto::EventFilter { stream_prefixes: vec!["acme/".into()], ..Default::default() }),
        ..Default::default()
    };
    let page = alice.events.read_all(scoped).await.expect("ReadAll under acme/").into_inner();
    assert!(!page.events.is_empty() && page.events.iter().all(|e| e.stream_id.starts_with("acme/")));

    // A reader reads but does not write.
    carol.events.read_stream(read(&own)).await.expect("carol reads acme");
    let status =
        expect_raw_status(carol.events.append_to_stream(append(&own, vec![proposed("OrderPlaced", json!({}))])).await);
    assert_error(&status, Code::PermissionDenied, "POLICY_DENIED");

    // Nobody writes the audit trail, not even an admin.
    let status = expect_raw_status(
        root.events.append_to_stream(append("$audit", vec![proposed("PolicyDecision", json!({}))])).await,
    );
    assert_error(&status, Code::PermissionDenied, "SYSTEM_STREAM");

    // Commands of a tenant-bound principal land in the tenant's namespace.
    let account = unique("a");
    let executed = alice
        .commands
        .execute(ExecuteRequest {
            aggregate_type: "account".into(),
            aggregate_id: account.clone(),
            command_type: "OpenAccount".into(),
            payload: json_to_struct(json!({"owner": "Alice", "currency": "EUR"})),
            ..Default::default()
        })
        .await
        .expect("alice opens an account")
        .into_inner();
    assert_eq!(executed.stream_id, format!("acme/account-{account}"));

    // The audit trail: alice's allowed append, with its correlation id and both decisions.
    let mut by_correlation =
        decisions(&mut root.policies, DecisionFilter { correlation_id: correlation.clone(), ..Default::default() })
            .await;
    assert_eq!(by_correlation.len(), 1, "{by_correlation:?}");
    let record = by_correlation.remove(0);
    assert!(record.allow);
    assert_eq!(record.method, "AppendToStream");
    let principal = record.principal.expect("principal");
    assert_eq!((principal.subject.as_str(), principal.tenant.as_str()), ("alice", "acme"));
    assert_eq!(record.resource.expect("resource").stream, own);
    let policies: Vec<&str> = record.decisions.iter().map(|d| d.policy.as_str()).collect();
    assert_eq!(policies, ["nexus.authz", "nexus.events"]);

    // Every deny is there, with the reasons; reads that were allowed are not.
    let alice_denies = decisions(
        &mut root.policies,
        DecisionFilter { subject: "alice".into(), allow: Some(false), ..Default::default() },
    )
    .await;
    assert_eq!(alice_denies.len(), 3, "append to globex, read of globex, ReadAll without prefix: {alice_denies:?}");
    assert!(alice_denies.iter().all(|d| !d.decisions[0].reasons.is_empty()));
    let alice_all =
        decisions(&mut root.policies, DecisionFilter { subject: "alice".into(), ..Default::default() }).await;
    assert!(
        !alice_all.iter().any(|d| d.allow && d.method == "ReadAll"),
        "allowed reads are not recorded: {alice_all:?}"
    );
    assert!(alice_all.iter().any(|d| d.allow && d.method == "Execute"), "the command is recorded");
    let carol_denies =
        decisions(&mut root.policies, DecisionFilter { subject: "carol".into(), ..Default::default() }).await;
    assert_eq!(carol_denies.len(), 1);
    assert_eq!(carol_denies[0].method, "AppendToStream");

    // The same records through the normal read API, as PolicyDecision events of $audit.
    let trail = root.events.read_stream(read("$audit")).await.expect("admin reads $audit").into_inner();
    assert!(trail.events.iter().all(|e| e.event_type == "PolicyDecision"));
    assert!(trail.events.iter().any(|e| e.metadata.as_ref().is_some_and(|m| m.correlation_id == correlation)));
    let status = expect_raw_status(alice.events.read_stream(read("$audit")).await);
    assert_error(&status, Code::PermissionDenied, "POLICY_DENIED");

    // A tenant's admin sees only its tenant's decisions; a writer sees none.
    let acme_view = decisions(&mut ada.policies, DecisionFilter::default()).await;
    assert!(!acme_view.is_empty());
    assert!(
        acme_view.iter().all(|d| {
            d.principal.as_ref().is_some_and(|p| p.tenant == "acme")
                || d.resource.as_ref().is_some_and(|r| r.tenant == "acme")
        }),
        "{acme_view:?}"
    );
    assert!(!acme_view.iter().any(|d| d.principal.as_ref().is_some_and(|p| p.subject == "root")));
    let status = expect_raw_status(
        alice.policies.list_decisions(ListDecisionsRequest { page_size: 10, ..Default::default() }).await,
    );
    assert_error(&status, Code::PermissionDenied, "POLICY_DENIED");

    // Evaluate is a dry run: the decision comes back, nothing is recorded.
    let input = json!({
        "service": "nexus.v1.EventStoreService", "method": "ReadStream",
        "principal": {"subject": "dry-run-bob", "tenant": "globex", "roles": ["reader"], "scopes": [], "authenticated": true},
        "resource": {"stream": own, "tenant": "acme"}
    });
    let evaluated = root
        .policies
        .evaluate(EvaluateRequest { policy: "nexus.authz".into(), input: json_to_struct(input) })
        .await
        .expect("Evaluate")
        .into_inner();
    let decision = evaluated.decision.expect("decision");
    assert!(!decision.allow);
    assert!(decision.reasons.iter().any(|r| r.contains("dry-run-bob")), "{decision:?}");
    let recorded =
        decisions(&mut root.policies, DecisionFilter { subject: "dry-run-bob".into(), ..Default::default() }).await;
    assert!(recorded.is_empty());
}

#[tokio::test]
async fn the_event_policy_rejects_the_whole_append() {
    let server = jwt_server(None).await;
    let mut root = caller(&server, token("root", "", &["admin"])).await;
    let mut alice = caller(&server, token("alice", "acme", &["writer"])).await;

    // A secondary-route event type (its events leave the store): sensitive fields are refused.
    let subject = unique("PaymentCaptured");
    root.schemas
        .put_subject(PutSubjectRequest {
            subject: Some(Subject {
                name: subject.clone(),
                data_format: DataFormat::Json as i32,
                route: Route::Secondary as i32,
                ..Default::default()
            }),
        })
        .await
        .expect("PutSubject by a platform admin");
    root.schemas
        .register_schema_version(RegisterSchemaVersionRequest {
            subject: subject.clone(),
            data_format: DataFormat::Json as i32,
            definition: json!({"type": "object"}).to_string(),
            ..Default::default()
        })
        .await
        .expect("register");

    let stream = format!("acme/{}", unique("payments-"));
    let status = expect_raw_status(
        alice
            .events
            .append_to_stream(append(
                &stream,
                vec![
                    proposed(&subject, json!({"amount": 5})),
                    proposed(&subject, json!({"amount": 7, "card": {"Card_Number": "4111"}})),
                ],
            ))
            .await,
    );
    let info = assert_error(&status, Code::PermissionDenied, "POLICY_DENIED");
    assert_eq!(info.metadata.get("policy").map(String::as_str), Some("nexus.events"));
    assert!(status.message().contains("event 1"), "the message names the event: {status:?}");
    let status = expect_raw_status(root.events.read_stream(read(&stream)).await);
    assert_eq!(status.code(), Code::NotFound, "nothing of the denied append was written");

    // Too large for the event policy's limit (256 KiB), though within the server's own limit.
    let big = "x".repeat(300 * 1024);
    let status = expect_raw_status(
        alice.events.append_to_stream(append(&stream, vec![proposed("Noted", json!({ "blob": big }))])).await,
    );
    assert_error(&status, Code::PermissionDenied, "POLICY_DENIED");
    assert!(status.message().contains("exceeds the limit"), "{status:?}");

    // Clean events of the same type go through, and the deny is in the trail.
    alice
        .events
        .append_to_stream(append(&stream, vec![proposed(&subject, json!({"amount": 5}))]))
        .await
        .expect("a clean secondary event");
    let denies = decisions(
        &mut root.policies,
        DecisionFilter { subject: "alice".into(), allow: Some(false), ..Default::default() },
    )
    .await;
    assert_eq!(denies.len(), 2, "{denies:?}");
    assert!(denies.iter().all(|d| d.decisions.len() == 2 && d.decisions[0].allow && !d.decisions[1].allow));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

#[tokio::test]
async fn policies_reload_atomically_on_request_and_on_change() {
    let policies = TempDir::new().expect("temp dir");
    copy_dir(&nexus_e2e::workspace_root().join("policies"), policies.path());
    let server = jwt_server(Some(policies.path())).await;
    let mut root = caller(&server, token("root", "", &["admin"])).await;
    let mut alice = caller(&server, token("alice", "acme", &["writer"])).await;
    let stream = format!("acme/{}", unique("reload-"));

    let listed = root.policies.list_policies(ListPoliciesRequest {}).await.expect("ListPolicies").into_inner();
    assert!(listed.policies.iter().any(|p| p.path == "authz/authz.rego" && p.package == "nexus.authz"));
    let first_generation = listed.generation;

    // A broken file is refused with its name; the previous policies stay active.
    std::fs::write(policies.path().join("authz/broken.rego"), "package nexus.authz\n\nallow if {\n")
        .expect("write broken policy");
    let status = expect_raw_status(root.policies.reload_policies(ReloadPoliciesRequest {}).await);
    assert_error(&status, Code::FailedPrecondition, "POLICY_INVALID");
    assert!(status.message().contains("broken.rego"), "{status:?}");
    alice
        .events
        .append_to_stream(append(&stream, vec![proposed("Noted", json!({}))]))
        .await
        .expect("the previous policies still decide");

    // Fix it and take AppendToStream away from writers: the watcher reloads by itself.
    std::fs::remove_file(policies.path().join("authz/broken.rego")).expect("remove");
    let data_path = policies.path().join("authz/data.json");
    let data = std::fs::read_to_string(&data_path).expect("read data");
    let changed = data.replacen("\"nexus.v1.EventStoreService/AppendToStream\",", "", 1);
    assert_ne!(changed, data, "the writer role lists AppendToStream");
    std::fs::write(&data_path, changed).expect("write data");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let result = alice.events.append_to_stream(append(&stream, vec![proposed("Noted", json!({}))])).await;
        match result {
            Err(status) if status.code() == Code::PermissionDenied => break,
            Ok(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
            other => panic!("the changed policy data was not picked up within 15 s: {other:?}"),
        }
    }

    // An explicit reload reports the generation now active.
    let reloaded = root.policies.reload_policies(ReloadPoliciesRequest {}).await.expect("reload").into_inner();
    assert!(reloaded.generation > first_generation, "{reloaded:?}");
    let reloads =
        decisions(&mut root.policies, DecisionFilter { method: "ReloadPolicies".into(), ..Default::default() }).await;
    assert_eq!(reloads.len(), 2, "both reload requests are recorded: {reloads:?}");
}

//! Sagas through the real binary: the shipped transfer saga completes,
//! refunds when the deposit is refused, compensates a step that times out,
//! compensates on cancel, and, killed with SIGKILL at several points, resumes
//! after the restart and ends COMPLETED or COMPENSATED with every command
//! applied exactly once (checked through balances and event counts).

use std::time::Duration;

use nexus_e2e::{NexusProcess, assert_error, assert_violation, expect_raw_status, unique};
use nexus_sdk::{
    json::json_to_struct,
    proto::{
        CancelSagaRequest, GetSagaRequest, ListSagaDefinitionsRequest, ListSagasRequest, RegisterSagaDefinitionRequest,
        RetrySagaRequest, Saga, SagaCommandTemplate, SagaDefinition, SagaStatus, SagaStep, StartSagaRequest,
        WatchSagaRequest, saga_service_client::SagaServiceClient,
    },
};
use serde_json::{Value, json};
use tokio_stream::StreamExt;
use tonic::{Code, transport::Channel};

type Sagas = SagaServiceClient<Channel>;

fn template(aggregate_id: &str, command_type: &str) -> SagaCommandTemplate {
    SagaCommandTemplate {
        aggregate_type: "account".into(),
        aggregate_id: aggregate_id.into(),
        command_type: command_type.into(),
        payload: "{amount: .amount}".into(),
    }
}

fn millis(ms: u64) -> Option<prost_types::Duration> {
    Some(prost_types::Duration::try_from(Duration::from_millis(ms)).expect("duration"))
}

/// A transfer like the shipped one, with a delay before each command of the
/// withdraw step (also before its refund) and of the deposit step, and a
/// timeout for the deposit: how the tests hold a saga at a known point.
fn transfer(name: &str, withdraw_delay: u64, deposit_delay: u64, deposit_timeout: u64) -> SagaDefinition {
    SagaDefinition {
        name: name.into(),
        description: "a transfer for tests".into(),
        trigger_event_type: String::new(),
        steps: vec![
            SagaStep {
                name: "withdraw".into(),
                command: Some(template(".from", "WithdrawMoney")),
                compensation: Some(template(".from", "DepositMoney")),
                timeout: millis(30_000),
                retry: None,
                delay: millis(withdraw_delay),
                success_event_type: "MoneyWithdrawn".into(),
            },
            SagaStep {
                name: "deposit".into(),
                command: Some(template(".to", "DepositMoney")),
                compensation: None,
                timeout: millis(deposit_timeout),
                retry: None,
                delay: millis(deposit_delay),
                success_event_type: "MoneyDeposited".into(),
            },
        ],
    }
}

async fn register(sagas: &mut Sagas, definition: SagaDefinition) {
    let request = RegisterSagaDefinitionRequest { definition: Some(definition) };
    sagas.register_saga_definition(request).await.expect("registered");
}

async fn open(nexus: &NexusProcess, id: &str, initial: i64) {
    let payload = json!({"owner": "Ada", "initial_deposit": initial});
    nexus.client().await.execute("account", id, "OpenAccount", payload).await.expect("opened");
}

/// The account's balance (from its last event) and how many events it has.
async fn account(nexus: &NexusProcess, id: &str) -> (i64, usize) {
    let events = nexus.client().await.read_stream(&format!("account-{id}"), 0, 100).await.expect("read").events;
    let last: Value = serde_json::from_slice(&events.last().expect("an event").data).expect("json");
    let balance = last["balance"].as_i64().or_else(|| last["initial_deposit"].as_i64()).expect("a balance");
    (balance, events.len())
}

async fn start(sagas: &mut Sagas, definition: &str, input: Value) -> Saga {
    let request =
        StartSagaRequest { definition: definition.into(), input: json_to_struct(input), request_id: String::new() };
    sagas.start_saga(request).await.expect("started").into_inner().saga.expect("saga")
}

async fn get(sagas: &mut Sagas, saga_id: &str) -> Saga {
    let request = GetSagaRequest { saga_id: saga_id.into() };
    sagas.get_saga(request).await.expect("get").into_inner().saga.expect("saga")
}

/// Polls (bounded: 15 s) until `done` holds for the saga.
async fn wait_until(sagas: &mut Sagas, saga_id: &str, what: &str, done: impl Fn(&Saga) -> bool) -> Saga {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let saga = get(sagas, saga_id).await;
        if done(&saga) {
            return saga;
        }
        assert!(tokio::time::Instant::now() < deadline, "saga {saga_id} never got {what}: {saga:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn wait_for(sagas: &mut Sagas, saga_id: &str, status: SagaStatus) -> Saga {
    wait_until(sagas, saga_id, status.as_str_name(), |s| s.status == status as i32).await
}

fn kinds(saga: &Saga) -> Vec<(String, String)> {
    saga.history.iter().map(|t| (t.kind.clone(), t.step.clone())).collect()
}

fn pair(kind: &str, step: &str) -> (String, String) {
    (kind.to_owned(), step.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_transfer_completes_and_is_watched_to_the_end() {
    let nexus = NexusProcess::start().await;
    let mut sagas = SagaServiceClient::new(nexus.channel().await);
    let names: Vec<String> = sagas
        .list_saga_definitions(ListSagaDefinitionsRequest {})
        .await
        .expect("list")
        .into_inner()
        .definitions
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert!(names.contains(&"transfer".to_owned()), "{names:?}");
    let (a, b) = (unique("a"), unique("b"));
    open(&nexus, &a, 100).await;
    open(&nexus, &b, 0).await;
    let saga = start(&mut sagas, "transfer", json!({"from": a, "to": b, "amount": 25})).await;
    let watch = WatchSagaRequest { saga_id: saga.saga_id.clone(), after_version: 0 };
    let stream = sagas.watch_saga(watch).await.expect("watch").into_inner();
    let transitions: Vec<_> = tokio::time::timeout(Duration::from_secs(15), stream.collect::<Vec<_>>())
        .await
        .expect("the watch ends after the final transition");
    let transitions: Vec<_> = transitions.into_iter().map(|t| t.expect("transition").transition.expect("t")).collect();
    assert_eq!(transitions.last().map(|t| t.status), Some(SagaStatus::Completed as i32));
    let versions: Vec<u64> = transitions.iter().map(|t| t.version).collect();
    assert_eq!(versions, (1..=versions.len() as u64).collect::<Vec<_>>(), "every transition once, in order");
    assert_eq!(account(&nexus, &a).await, (75, 2));
    assert_eq!(account(&nexus, &b).await, (25, 2));
    // Watching a finished saga from its last version ends at once.
    let resumed = WatchSagaRequest { saga_id: saga.saga_id.clone(), after_version: versions.len() as u64 };
    let rest = sagas.watch_saga(resumed).await.expect("watch").into_inner();
    let rest = tokio::time::timeout(Duration::from_secs(5), rest.collect::<Vec<_>>()).await.expect("ends at once");
    assert!(rest.is_empty(), "{rest:?}");
    let done = get(&mut sagas, &saga.saga_id).await;
    assert_eq!(
        kinds(&done),
        [
            pair("STARTED", ""),
            pair("STEP_STARTED", "withdraw"),
            pair("STEP_SUCCEEDED", "withdraw"),
            pair("STEP_STARTED", "deposit"),
            pair("STEP_SUCCEEDED", "deposit"),
            pair("FINISHED", "")
        ]
    );
    assert!(done.history.iter().all(|t| t.time.is_some()));
    let completed =
        ListSagasRequest { status: SagaStatus::Completed as i32, definition: "transfer".into(), ..Default::default() };
    let listed = sagas.list_sagas(completed).await.expect("list").into_inner().sagas;
    assert!(listed.iter().any(|s| s.saga_id == saga.saga_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deposit_to_a_closed_or_unknown_account_refunds_the_source() {
    let nexus = NexusProcess::start().await;
    let mut sagas = SagaServiceClient::new(nexus.channel().await);
    let (a, closed) = (unique("a"), unique("closed"));
    open(&nexus, &a, 100).await;
    open(&nexus, &closed, 0).await;
    nexus.client().await.execute("account", &closed, "CloseAccount", json!({})).await.expect("closed");
    for (to, reason) in [(closed.clone(), "the account is closed"), (unique("nobody"), "has not been opened")] {
        let saga = start(&mut sagas, "transfer", json!({"from": a, "to": to, "amount": 30})).await;
        let done = wait_for(&mut sagas, &saga.saga_id, SagaStatus::Compensated).await;
        assert!(done.error.contains(reason), "{}", done.error);
        let failed = done.history.iter().find(|t| t.kind == "STEP_FAILED").expect("a failed step");
        assert_eq!(failed.step, "deposit");
        assert!(failed.error.contains(reason), "{}", failed.error);
        assert!(kinds(&done).contains(&pair("COMPENSATION_SUCCEEDED", "withdraw")));
    }
    // Opened, then two withdrawals and two refunds.
    assert_eq!(account(&nexus, &a).await, (100, 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deposit_that_times_out_is_compensated() {
    let nexus = NexusProcess::start().await;
    let mut sagas = SagaServiceClient::new(nexus.channel().await);
    register(&mut sagas, transfer("e2e-timeout", 0, 500, 300)).await;
    let (a, b) = (unique("a"), unique("b"));
    open(&nexus, &a, 100).await;
    open(&nexus, &b, 0).await;
    let saga = start(&mut sagas, "e2e-timeout", json!({"from": a, "to": b, "amount": 40})).await;
    let done = wait_for(&mut sagas, &saga.saga_id, SagaStatus::Compensated).await;
    assert!(done.error.contains("timed out after 300ms"), "{}", done.error);
    assert_eq!(account(&nexus, &a).await, (100, 3));
    assert_eq!(account(&nexus, &b).await, (0, 1), "the deposit was never sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_saga_is_compensated_and_ends_cancelled() {
    let nexus = NexusProcess::start().await;
    let mut sagas = SagaServiceClient::new(nexus.channel().await);
    register(&mut sagas, transfer("e2e-cancel", 0, 20_000, 30_000)).await;
    let (a, b) = (unique("a"), unique("b"));
    open(&nexus, &a, 100).await;
    open(&nexus, &b, 0).await;
    let saga = start(&mut sagas, "e2e-cancel", json!({"from": a, "to": b, "amount": 10})).await;
    wait_until(&mut sagas, &saga.saga_id, "the withdrawal done", |s| s.completed_steps == 1).await;
    assert_eq!(account(&nexus, &a).await, (90, 2));
    let cancel = CancelSagaRequest { saga_id: saga.saga_id.clone() };
    let cancelling = sagas.cancel_saga(cancel.clone()).await.expect("cancel").into_inner().saga.expect("saga");
    assert_eq!(cancelling.status, SagaStatus::Compensating as i32);
    let done = wait_for(&mut sagas, &saga.saga_id, SagaStatus::Cancelled).await;
    assert!(kinds(&done).contains(&pair("CANCEL_REQUESTED", "")));
    assert_eq!(account(&nexus, &a).await, (100, 3));
    assert_eq!(account(&nexus, &b).await, (0, 1));
    // A finished saga cannot be retried; a second cancel returns it.
    let status = expect_raw_status(sagas.retry_saga(RetrySagaRequest { saga_id: saga.saga_id.clone() }).await);
    assert_error(&status, Code::FailedPrecondition, "SAGA_NOT_FAILED");
    let again = sagas.cancel_saga(cancel).await.expect("cancel").into_inner().saga.expect("saga");
    assert_eq!(again.status, SagaStatus::Cancelled as i32);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_any_point_a_saga_resumes_and_applies_each_command_once() {
    let mut nexus = NexusProcess::start().await;
    let mut sagas = SagaServiceClient::new(nexus.channel().await);
    register(&mut sagas, transfer("e2e-slow", 600, 600, 30_000)).await;

    // 1. Killed right after the start: nothing applied yet.
    let (a, b) = (unique("a"), unique("b"));
    open(&nexus, &a, 100).await;
    open(&nexus, &b, 0).await;
    let first = start(&mut sagas, "e2e-slow", json!({"from": a, "to": b, "amount": 25})).await;
    nexus.restart().await;
    let mut sagas = SagaServiceClient::new(nexus.channel().await);
    wait_for(&mut sagas, &first.saga_id, SagaStatus::Completed).await;
    assert_eq!(account(&nexus, &a).await, (75, 2));
    assert_eq!(account(&nexus, &b).await, (25, 2));

    // 2. Killed between the steps: the withdrawal is applied, the deposit waits.
    let (c, d) = (unique("c"), unique("d"));
    open(&nexus, &c, 100).await;
    open(&nexus, &d, 0).await;
    let second = start(&mut sagas, "e2e-slow", json!({"from": c, "to": d, "amount": 25})).await;
    wait_until(&mut sagas, &second.saga_id, "the withdrawal done", |s| s.completed_steps == 1).await;
    nexus.restart().await;
    let mut sagas = SagaServiceClient::new(nexus.channel().await);
    wait_for(&mut sagas, &second.saga_id, SagaStatus::Completed).await;
    assert_eq!(account(&nexus, &c).await, (75, 2), "withdrawn once");
    assert_eq!(account(&nexus, &d).await, (25, 2), "deposited once");

    // 3. Killed while compensating: the deposit was refused, the refund waits.
    let e = unique("e");
    open(&nexus, &e, 100).await;
    let third = start(&mut sagas, "e2e-slow", json!({"from": e, "to": unique("nobody"), "amount": 25})).await;
    wait_for(&mut sagas, &third.saga_id, SagaStatus::Compensating).await;
    nexus.restart().await;
    let mut sagas = SagaServiceClient::new(nexus.channel().await);
    let done = wait_for(&mut sagas, &third.saga_id, SagaStatus::Compensated).await;
    assert_eq!(account(&nexus, &e).await, (100, 3), "withdrawn once, refunded once");
    assert!(kinds(&done).contains(&pair("COMPENSATION_SUCCEEDED", "withdraw")));

    // 4. Killed twice in a row while the withdrawal is pending.
    let (f, g) = (unique("f"), unique("g"));
    open(&nexus, &f, 100).await;
    open(&nexus, &g, 0).await;
    let fourth = start(&mut sagas, "e2e-slow", json!({"from": f, "to": g, "amount": 5})).await;
    wait_until(&mut sagas, &fourth.saga_id, "the withdrawal pending", |s| {
        s.history.iter().any(|t| t.kind == "STEP_STARTED" && t.step == "withdraw")
    })
    .await;
    nexus.restart().await;
    nexus.restart().await;
    let mut sagas = SagaServiceClient::new(nexus.channel().await);
    wait_for(&mut sagas, &fourth.saga_id, SagaStatus::Completed).await;
    assert_eq!(account(&nexus, &f).await, (95, 2));
    assert_eq!(account(&nexus, &g).await, (5, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_with_their_fields() {
    let nexus = NexusProcess::start().await;
    let mut sagas = SagaServiceClient::new(nexus.channel().await);
    let status = expect_raw_status(
        sagas.start_saga(StartSagaRequest { definition: String::new(), input: None, request_id: String::new() }).await,
    );
    assert_violation(&status, "definition", |v| v.field == "definition");
    assert_violation(&status, "input", |v| v.field == "input");
    let request = StartSagaRequest {
        definition: "no-such-saga".into(),
        input: json_to_struct(json!({})),
        request_id: String::new(),
    };
    assert_error(&expect_raw_status(sagas.start_saga(request).await), Code::NotFound, "SAGA_DEFINITION_NOT_FOUND");
    let missing = GetSagaRequest { saga_id: "no-such-saga".into() };
    assert_error(&expect_raw_status(sagas.get_saga(missing).await), Code::NotFound, "SAGA_NOT_FOUND");
    let mut bad = transfer("e2e-bad", 0, 0, 1000);
    bad.steps[1].command.as_mut().expect("command").payload = "{amount: .amount".into();
    let status = expect_raw_status(
        sagas.register_saga_definition(RegisterSagaDefinitionRequest { definition: Some(bad) }).await,
    );
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_violation(&status, "the payload program", |v| v.field == "definition.steps[1].command.payload");
    let shipped = SagaDefinition { name: "transfer".into(), ..transfer("x", 0, 0, 1000) };
    let status = expect_raw_status(
        sagas.register_saga_definition(RegisterSagaDefinitionRequest { definition: Some(shipped) }).await,
    );
    assert_violation(&status, "the name of a file definition", |v| v.field == "definition.name");
    let list = ListSagasRequest { page_token: "nonsense".into(), ..Default::default() };
    assert_violation(&expect_raw_status(sagas.list_sagas(list).await), "page_token", |v| v.field == "page_token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_trigger_starts_a_saga_per_event_across_a_restart() {
    let mut nexus = NexusProcess::start().await;
    let mut sagas = SagaServiceClient::new(nexus.channel().await);
    let bonus = SagaDefinition {
        name: "e2e-welcome-bonus".into(),
        description: "10 for every new account".into(),
        trigger_event_type: "AccountOpened".into(),
        steps: vec![SagaStep {
            name: "bonus".into(),
            command: Some(SagaCommandTemplate {
                aggregate_type: "account".into(),
                aggregate_id: r#".stream_id | ltrimstr("account-")"#.into(),
                command_type: "DepositMoney".into(),
                payload: "{amount: 10}".into(),
            }),
            ..Default::default()
        }],
    };
    register(&mut sagas, bonus).await;
    let first = unique("bonus");
    open(&nexus, &first, 5).await;
    let by_trigger = ListSagasRequest { definition: "e2e-welcome-bonus".into(), ..Default::default() };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while account(&nexus, &first).await != (15, 2) {
        assert!(tokio::time::Instant::now() < deadline, "no bonus: {:?}", account(&nexus, &first).await);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    nexus.restart().await;
    let mut sagas = SagaServiceClient::new(nexus.channel().await);
    let second = unique("bonus");
    open(&nexus, &second, 0).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while account(&nexus, &second).await != (10, 2) {
        assert!(tokio::time::Instant::now() < deadline, "no bonus after the restart");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // The deposit is visible a moment before the saga stores its end.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let listed = loop {
        let listed = sagas.list_sagas(by_trigger.clone()).await.expect("list").into_inner().sagas;
        if listed.iter().all(|s| s.status == SagaStatus::Completed as i32) {
            break listed;
        }
        assert!(tokio::time::Instant::now() < deadline, "the sagas never completed: {listed:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!(listed.len(), 2, "one saga per event: {listed:?}");
    assert!(listed.iter().all(|s| s.subject == "system:saga-trigger"), "{listed:?}");
    assert_eq!(account(&nexus, &first).await, (15, 2), "the first account got one bonus");
}

const ISSUER: &str = "https://issuer.e2e.test";
const AUDIENCE: &str = "nexus-e2e";
const SECRET: &str = "e2e-secret-only-for-tests-0123456789abcdef";

/// A request carrying an HS256 token for `sub` in `tenant` with `roles`.
fn as_user<T>(message: T, sub: &str, tenant: &str, roles: &[&str]) -> tonic::Request<T> {
    let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() + 600;
    let claims = json!({"sub": sub, "tenant": tenant, "roles": roles, "iss": ISSUER, "aud": AUDIENCE, "exp": exp});
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("token");
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert("authorization", format!("Bearer {token}").parse().expect("header"));
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saga_runs_in_its_starters_tenant_and_other_tenants_cannot_see_it() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let secret_file = dir.path().join("hs256.secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).expect("write secret");
    let options = nexus_e2e::ServerOptions::default()
        .env("NEXUS_AUTH__MODE", "jwt")
        .env("NEXUS_AUTH__JWT__HS256_SECRET_FILE", secret_file.display().to_string())
        .env("NEXUS_AUTH__JWT__ISSUER", ISSUER)
        .env("NEXUS_AUTH__JWT__AUDIENCE", AUDIENCE);
    let nexus = NexusProcess::start_with(options).await;
    let channel = nexus.channel().await;
    let mut commands = nexus_sdk::proto::command_service_client::CommandServiceClient::new(channel.clone());
    let mut sagas = SagaServiceClient::new(channel);
    fn walt<T>(message: T) -> tonic::Request<T> {
        as_user(message, "walt", "acme", &["writer"])
    }
    let (a, b) = (unique("a"), unique("b"));
    for (id, initial) in [(&a, 100), (&b, 0)] {
        let request = nexus_sdk::proto::ExecuteRequest {
            aggregate_type: "account".into(),
            aggregate_id: id.clone(),
            command_type: "OpenAccount".into(),
            payload: json_to_struct(json!({"owner": "Walt", "initial_deposit": initial})),
            ..Default::default()
        };
        commands.execute(walt(request)).await.expect("opened in acme");
    }
    let start = StartSagaRequest {
        definition: "transfer".into(),
        input: json_to_struct(json!({"from": a, "to": b, "amount": 25})),
        request_id: String::new(),
    };
    // A reader may not start sagas.
    let status = expect_raw_status(sagas.start_saga(as_user(start.clone(), "alice", "acme", &["reader"])).await);
    assert_eq!(status.code(), Code::PermissionDenied);
    let saga = sagas.start_saga(walt(start)).await.expect("started").into_inner().saga.expect("saga");
    assert_eq!((saga.tenant.as_str(), saga.subject.as_str()), ("acme", "walt"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let get = GetSagaRequest { saga_id: saga.saga_id.clone() };
        let current = sagas.get_saga(walt(get)).await.expect("get").into_inner().saga.expect("saga");
        if current.status == SagaStatus::Completed as i32 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never completed: {current:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // The commands ran in acme: its streams hold the moved money.
    let withdraw = nexus_sdk::proto::ExecuteRequest {
        aggregate_type: "account".into(),
        aggregate_id: b.clone(),
        command_type: "WithdrawMoney".into(),
        payload: json_to_struct(json!({"amount": 25})),
        ..Default::default()
    };
    let response = commands.execute(walt(withdraw)).await.expect("acme's b holds the 25").into_inner();
    assert_eq!(response.stream_id, format!("acme/account-{b}"));

    // Another tenant neither sees nor touches it.
    fn gina<T>(message: T) -> tonic::Request<T> {
        as_user(message, "gina", "globex", &["admin"])
    }
    let get = GetSagaRequest { saga_id: saga.saga_id.clone() };
    assert_error(&expect_raw_status(sagas.get_saga(gina(get)).await), Code::NotFound, "SAGA_NOT_FOUND");
    let cancel = CancelSagaRequest { saga_id: saga.saga_id.clone() };
    assert_error(&expect_raw_status(sagas.cancel_saga(gina(cancel)).await), Code::NotFound, "SAGA_NOT_FOUND");
    let listed = sagas.list_sagas(gina(ListSagasRequest::default())).await.expect("list").into_inner().sagas;
    assert!(listed.is_empty(), "globex sees acme's sagas: {listed:?}");
    let listed = sagas.list_sagas(walt(ListSagasRequest::default())).await.expect("list").into_inner().sagas;
    assert_eq!(listed.len(), 1);
}

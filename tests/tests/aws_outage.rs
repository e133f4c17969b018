//! A server on AWS backends whose services stop answering: grpc.health
//! turns NOT_SERVING, requests fail with UNAVAILABLE and RetryInfo rather
//! than hanging, and everything is SERVING again once AWS answers, without
//! a restart. The outage is a TCP proxy between the server and moto that
//! the test closes and opens again.

use std::{net::SocketAddr, time::Duration};

use nexus_e2e::{NexusProcess, ServerOptions, aws_env, aws_provision, moto_url};
use serde_json::json;
use tokio::{net::TcpListener, task::JoinSet};
use tonic::Code;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient};
use tonic_types::StatusExt;

/// Forwards 127.0.0.1:<port> to moto while it runs.
struct Proxy {
    addr: SocketAddr,
    tasks: JoinSet<()>,
}

impl Proxy {
    async fn start(addr: SocketAddr, upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind(addr).await.expect("bind the proxy");
        let addr = listener.local_addr().expect("addr");
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { return };
                connections.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Self { addr, tasks }
    }

    /// Closes the listener and every connection through it.
    async fn stop(mut self) -> SocketAddr {
        self.tasks.shutdown().await;
        self.addr
    }
}

async fn status_of(server: &NexusProcess, service: &str) -> ServingStatus {
    let mut health = HealthClient::new(server.channel().await);
    let response = health.check(HealthCheckRequest { service: service.into() }).await.expect("health answers");
    response.into_inner().status()
}

async fn wait_for_status(server: &NexusProcess, service: &str, want: ServingStatus) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while status_of(server, service).await != want {
        assert!(tokio::time::Instant::now() < deadline, "{service} never became {want:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_follows_the_backend_and_requests_fail_fast_while_it_is_away() {
    let moto: SocketAddr = moto_url().trim_start_matches("http://").parse().expect("moto address");
    let proxy = Proxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), moto).await;
    let mut env = aws_env(&format!("http://{}", proxy.addr));
    env.push(("NEXUS_AWS__REQUEST_TIMEOUT".into(), "1s".into()));
    aws_provision(&env);
    let server = NexusProcess::start_with(env.iter().fold(ServerOptions::default(), |o, (k, v)| o.env(k, v))).await;
    let mut client = server.client().await;
    let account = nexus_e2e::unique("acct");
    client
        .execute("account", &account, "OpenAccount", json!({"owner": "Ada", "currency": "EUR", "initial_deposit": 5}))
        .await
        .expect("open while AWS answers");
    assert_eq!(status_of(&server, "nexus.v1.CommandService").await, ServingStatus::Serving);

    let addr = proxy.stop().await;
    wait_for_status(&server, "nexus.v1.CommandService", ServingStatus::NotServing).await;
    assert_eq!(status_of(&server, "").await, ServingStatus::NotServing);
    // A request fails with UNAVAILABLE and a retry hint, well before its
    // 20 s deadline.
    let started = tokio::time::Instant::now();
    let mut request = tonic::Request::new(nexus_sdk::proto::ExecuteRequest {
        aggregate_type: "account".into(),
        aggregate_id: account.clone(),
        command_type: "DepositMoney".into(),
        payload: nexus_sdk::json::json_to_struct(json!({"amount": 1})),
        ..Default::default()
    });
    request.set_timeout(Duration::from_secs(20));
    let status = client.commands().execute(request).await.expect_err("AWS is away");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(status.get_details_retry_info().is_some(), "UNAVAILABLE carries RetryInfo: {status:?}");
    assert!(started.elapsed() < Duration::from_secs(20), "the request did not hang to its deadline");

    let _proxy = Proxy::start(addr, moto).await;
    wait_for_status(&server, "nexus.v1.CommandService", ServingStatus::Serving).await;
    client
        .execute("account", &account, "DepositMoney", json!({"amount": 1}))
        .await
        .expect("commands work again without a restart");
}

/// Missing resources stop the start with an error that names the resource
/// and the setting that names it.
#[tokio::test]
async fn a_missing_resource_stops_the_start_and_names_its_setting() {
    let env = aws_env(&moto_url());
    let data = tempfile::tempdir().expect("temp dir");
    let mut command = std::process::Command::new(nexus_e2e::find_binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("NEXUS_") {
            command.env_remove(key);
        }
    }
    let out = command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(data.path())
        .output()
        .expect("run nexus serve");
    assert!(!out.status.success(), "the server must not start without its resources");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let table = &env.iter().find(|(k, _)| k == "NEXUS_AWS__RESOURCES__EVENTS_TABLE").expect("name").1;
    assert!(stderr.contains(table.as_str()), "names the table: {stderr}");
    assert!(stderr.contains("aws.resources.events_table"), "names the setting: {stderr}");
    assert!(stderr.contains("nexus aws provision"), "says how to fix it: {stderr}");
}

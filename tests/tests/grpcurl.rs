//! Smoke test with grpcurl: reflection, health and a JSON Execute, as a
//! person would try the server from a shell.

use std::{process::Stdio, time::Duration};

use nexus_e2e::{NexusProcess, grpcurl};
use serde_json::Value;

struct Output {
    success: bool,
    stdout: String,
    stderr: String,
}

async fn run(args: &[&str]) -> Output {
    let mut command = tokio::process::Command::new(grpcurl());
    command
        .args(["-max-time", "20"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run grpcurl: {e} (run scripts/test, which installs it, or set GRPCURL)"));
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("grpcurl {args:?} did not finish within 60 s"))
        .expect("grpcurl output");
    Output {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[track_caller]
fn assert_ok(what: &str, output: &Output) {
    assert!(output.success, "{what} failed:\nstdout: {}\nstderr: {}", output.stdout, output.stderr);
}

/// Standard base64 (with or without padding), as protobuf JSON encodes bytes.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => panic!("not base64: {text:?}"),
        }
    };
    let clean: Vec<u8> = text.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::new();
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c) << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}

#[tokio::test]
async fn grpcurl_smoke() {
    let tool = grpcurl(); // fail early with the hint if it is missing
    eprintln!("using {}", tool.display());
    let nexus = NexusProcess::start().await;
    let addr = nexus.addr().to_string();

    // Reflection: list and describe.
    let list = run(&["-plaintext", &addr, "list"]).await;
    assert_ok("grpcurl list", &list);
    let services: Vec<&str> = list.stdout.lines().map(str::trim).collect();
    for service in ["nexus.v1.CommandService", "nexus.v1.EventStoreService", "grpc.health.v1.Health"] {
        assert!(services.contains(&service), "grpcurl list does not show {service}: {services:?}");
    }

    let describe = run(&["-plaintext", &addr, "describe", "nexus.v1.CommandService"]).await;
    assert_ok("grpcurl describe", &describe);
    assert!(describe.stdout.contains("rpc Execute"), "describe output: {}", describe.stdout);
    assert!(describe.stdout.contains("rpc ListAggregateTypes"), "describe output: {}", describe.stdout);

    let describe = run(&["-plaintext", &addr, "describe", "nexus.v1.ExecuteRequest"]).await;
    assert_ok("grpcurl describe ExecuteRequest", &describe);
    assert!(describe.stdout.contains("aggregate_type"), "describe output: {}", describe.stdout);

    // Health.
    let health = run(&["-plaintext", "-d", "{}", &addr, "grpc.health.v1.Health/Check"]).await;
    assert_ok("health check", &health);
    let json: Value = serde_json::from_str(&health.stdout).unwrap_or_else(|e| panic!("{e}: {}", health.stdout));
    assert_eq!(json["status"], "SERVING", "health: {}", health.stdout);

    // Execute with a JSON payload.
    let execute = run(&[
        "-plaintext",
        "-d",
        r#"{"aggregate_type":"account","aggregate_id":"g-1","command_type":"OpenAccount","payload":{"owner":"Alice"}}"#,
        &addr,
        "nexus.v1.CommandService/Execute",
    ])
    .await;
    assert_ok("Execute OpenAccount", &execute);
    let json: Value = serde_json::from_str(&execute.stdout).unwrap_or_else(|e| panic!("{e}: {}", execute.stdout));
    let field = |v: &Value, camel: &str, snake: &str| v.get(camel).or_else(|| v.get(snake)).cloned();
    assert_eq!(field(&json, "streamId", "stream_id"), Some(Value::from("account-g-1")), "response: {json}");
    let events = json["events"].as_array().unwrap_or_else(|| panic!("no events in {json}"));
    assert_eq!(events.len(), 1, "response: {json}");
    assert_eq!(field(&events[0], "eventType", "event_type"), Some(Value::from("AccountOpened")));
    let data = field(&events[0], "data", "data").and_then(|d| d.as_str().map(str::to_owned)).expect("data");
    let data: Value = serde_json::from_slice(&base64_decode(&data)).expect("event data is JSON");
    assert_eq!(data["owner"], "Alice", "event data {data}");

    // A temporal query, found through reflection like the rest (docs/TEMPORAL.md).
    let state = run(&[
        "-plaintext",
        "-d",
        r#"{"aggregate_type":"account","aggregate_id":"g-1","revision":0}"#,
        &addr,
        "nexus.v1.TemporalQueryService/GetAggregateStateAt",
    ])
    .await;
    assert_ok("GetAggregateStateAt", &state);
    let json: Value = serde_json::from_str(&state.stdout).unwrap_or_else(|e| panic!("{e}: {}", state.stdout));
    assert_eq!(json["state"]["owner"], "Alice", "response: {json}");
    assert_eq!(json["revision"], "0", "response: {json}");

    // Errors show the gRPC code.
    let bad = run(&[
        "-plaintext",
        "-d",
        r#"{"aggregate_type":"account","aggregate_id":"g-1","command_type":"NoSuchCommand","payload":{}}"#,
        &addr,
        "nexus.v1.CommandService/Execute",
    ])
    .await;
    assert!(!bad.success, "a bad command succeeded: {}", bad.stdout);
    assert!(bad.stderr.contains("Code: InvalidArgument"), "grpcurl error output: {}", bad.stderr);

    let bad = run(&[
        "-plaintext",
        "-d",
        r#"{"aggregate_type":"account","aggregate_id":"g-1","command_type":"DepositMoney","payload":{"amount":-1}}"#,
        &addr,
        "nexus.v1.CommandService/Execute",
    ])
    .await;
    assert!(!bad.success, "a negative deposit succeeded: {}", bad.stdout);
    assert!(bad.stderr.contains("Code: InvalidArgument"), "grpcurl error output: {}", bad.stderr);
}

#[test]
fn base64_decoder_works() {
    assert_eq!(base64_decode("eyJhIjoxfQ=="), br#"{"a":1}"#);
    assert_eq!(base64_decode("YWJj"), b"abc");
    assert_eq!(base64_decode("YWI="), b"ab");
}

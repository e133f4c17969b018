//! SIGTERM stops the server gracefully, ending open subscriptions.

use std::time::{Duration, Instant};

use nexus_e2e::{NexusProcess, read_whole_stream, subscribe_all_response::Content, unique};
use nexus_sdk::{
    EventToAppend,
    proto::{StreamFrom, SubscribeAllRequest, SubscribeStreamRequest, stream_from},
};
use serde_json::json;
use tonic::Code;

/// How a stream ended.
#[derive(Debug)]
enum Ending {
    EndOfStream,
    Status(tonic::Status),
}

#[tokio::test]
async fn sigterm_with_open_subscriptions_exits_cleanly() {
    let mut nexus = NexusProcess::start().await;
    let mut client = nexus.client().await;
    let stream = unique("before-shutdown-");
    let appended = client
        .append(&stream, None, (0..3).map(|i| EventToAppend::json("Kept", json!({"i": i}))).collect())
        .await
        .expect("append");
    assert_eq!(appended.current_revision, 2);

    // An open SubscribeAll that has caught up and is waiting for events.
    let mut all =
        client.event_store().subscribe_all(SubscribeAllRequest::default()).await.expect("SubscribeAll").into_inner();
    let mut delivered = 0;
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), all.message())
            .await
            .expect("SubscribeAll: no message within 10 s")
            .expect("SubscribeAll failed")
            .expect("SubscribeAll ended early");
        match message.content.expect("content") {
            Content::Event(_) => delivered += 1,
            Content::CaughtUp(_) => break,
            Content::Checkpoint(_) => {}
        }
    }
    assert_eq!(delivered, 3);

    // And an open SubscribeStream on a stream nobody writes to.
    let mut one = client
        .event_store()
        .subscribe_stream(SubscribeStreamRequest {
            stream_id: unique("idle-"),
            from: Some(StreamFrom { kind: Some(stream_from::Kind::Start(())) }),
            heartbeat_interval: None,
            as_stored: false,
        })
        .await
        .expect("SubscribeStream")
        .into_inner();

    let all_task = tokio::spawn(async move {
        let started = Instant::now();
        let ending = loop {
            match all.message().await {
                Ok(Some(_)) => continue,
                Ok(None) => break Ending::EndOfStream,
                Err(status) => break Ending::Status(status),
            }
        };
        (ending, started.elapsed())
    });
    let one_task = tokio::spawn(async move {
        let started = Instant::now();
        let ending = loop {
            match one.message().await {
                Ok(Some(_)) => continue,
                Ok(None) => break Ending::EndOfStream,
                Err(status) => break Ending::Status(status),
            }
        };
        (ending, started.elapsed())
    });

    let sent = Instant::now();
    nexus.terminate();
    let status = nexus.wait_exit(Duration::from_secs(10)).await;
    let exit_time = sent.elapsed();
    assert!(status.success(), "nexus exited with {status} after SIGTERM (expected status 0)");
    eprintln!("nexus exited {exit_time:?} after SIGTERM");

    for (name, task) in [("SubscribeAll", all_task), ("SubscribeStream", one_task)] {
        let (ending, _) = tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .unwrap_or_else(|_| panic!("{name} still open 10 s after the server exited"))
            .expect("drain task");
        eprintln!("{name} ended with {ending:?}");
        match ending {
            Ending::EndOfStream => {}
            Ending::Status(status) => assert_eq!(
                status.code(),
                Code::Unavailable,
                "{name} should end with end-of-stream or UNAVAILABLE on shutdown, got {status:?}"
            ),
        }
    }

    // What was acknowledged before the shutdown is there after a restart.
    nexus.restart().await;
    let client = nexus.client().await;
    let events = read_whole_stream(&mut client.event_store(), &stream).await.expect("read after restart");
    assert_eq!(events.len(), 3);
}

#[tokio::test]
async fn sigterm_when_idle_exits_quickly() {
    let mut nexus = NexusProcess::start().await;
    nexus.terminate();
    let status = nexus.wait_exit(Duration::from_secs(10)).await;
    assert!(status.success(), "nexus exited with {status} after SIGTERM (expected status 0)");
}

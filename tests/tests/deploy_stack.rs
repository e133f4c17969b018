//! The CloudFormation template (deploy/cloudformation/nexus.yaml) deployed
//! into moto, and Nexus run against the stack's outputs alone: the outputs
//! are the `[aws.resources]` names, the tables have the keys and stream the
//! adapters need, `nexus aws check` passes on the stack as it is, `nexus aws
//! provision` adds only what moto did not create (TTL) and leaves the
//! stack's tables alone, and a server with every port on AWS appends, reads
//! back, and delivers a queue-path event to the consumer the stack declared.
//!
//! The stack is created with boto3 (scripts/tools/cfn_stack.py) from the
//! project's venv; `NEXUS_TEST_PYTHON` names its Python (scripts/test sets
//! it), else `<workspace>/.venv/bin/python` is used.

use std::{collections::BTreeMap, path::PathBuf, process::Command, time::Duration};

use nexus_e2e::{NexusProcess, ServerOptions, find_binary, moto_url, proposed, read_whole_stream, workspace_root};
use nexus_sdk::proto::{
    AppendToStreamRequest, ConsumeRequest, ConsumeResponse, CreateConsumerRequest, DataFormat, GetConsumerRequest,
    PutSubjectRequest, Route, Subject,
    consume_request::{self, Kind as Inbound},
    consume_response::{Kind as Outbound, settled::Outcome},
    event_store_service_client::EventStoreServiceClient,
    queue_service_client::QueueServiceClient,
    schema_service_client::SchemaServiceClient,
};
use serde_json::{Value, json};
use tokio_stream::wrappers::ReceiverStream;
use tonic::Streaming;

const PATIENCE: Duration = Duration::from_secs(30);
const CONSUMER: &str = "orders";

fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("NEXUS_TEST_PYTHON").filter(|p| !p.is_empty()) {
        return PathBuf::from(python);
    }
    let venv = workspace_root().join(".venv/bin/python");
    if venv.exists() {
        return venv;
    }
    panic!(
        "this test creates a CloudFormation stack with boto3 and found no Python for it: NEXUS_TEST_PYTHON is not \
         set and {} does not exist.\nRun it through scripts/test (it installs scripts/tools/requirements.txt into \
         .venv), or:\n  python3 -m venv .venv && .venv/bin/pip install -r scripts/tools/requirements.txt",
        venv.display()
    )
}

/// Runs scripts/tools/cfn_stack.py and parses what it prints.
fn cfn_stack(args: &[&str]) -> Value {
    let out = Command::new(python())
        .arg(workspace_root().join("scripts/tools/cfn_stack.py"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .expect("run scripts/tools/cfn_stack.py");
    assert!(
        out.status.success(),
        "cfn_stack.py {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cfn_stack.py prints JSON")
}

/// Runs `nexus aws <command> --config <file>` and returns its output.
fn nexus_aws(command: &str, config: &std::path::Path) -> String {
    let (ok, text) = nexus_aws_output(command, config);
    assert!(ok, "nexus aws {command} failed: {text}");
    text
}

/// Runs `nexus aws <command>`: whether it succeeded, and what it printed.
fn nexus_aws_output(command: &str, config: &std::path::Path) -> (bool, String) {
    let mut run = Command::new(find_binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("NEXUS_") {
            run.env_remove(key);
        }
    }
    let out = run
        .args(["aws", command, "--config"])
        .arg(config)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run nexus aws");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// The next message of a Consume stream, within [`PATIENCE`].
async fn next(responses: &mut Streaming<ConsumeResponse>) -> Outbound {
    tokio::time::timeout(PATIENCE, responses.message())
        .await
        .unwrap_or_else(|_| panic!("nothing delivered to {CONSUMER} within {PATIENCE:?}"))
        .expect("the stream is healthy")
        .expect("the stream is open")
        .kind
        .expect("a message with content")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_template_deploys_and_nexus_runs_on_its_outputs() {
    let moto = moto_url();
    // NamePrefix: 2 to 23 lowercase letters, digits or '-'.
    let prefix = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let template = workspace_root().join("deploy/cloudformation/nexus.yaml");
    let stack = cfn_stack(&[
        "create",
        "--endpoint",
        moto.as_str(),
        "--template",
        template.to_str().expect("utf-8 path"),
        "--stack",
        &format!("{prefix}-stack"),
        "--param",
        &format!("NamePrefix={prefix}"),
        "--param",
        &format!("DeclaredConsumer={CONSUMER}"),
    ]);

    // The outputs, one per setting, named from the prefix.
    let outputs: BTreeMap<String, String> = serde_json::from_value(stack["outputs"].clone()).expect("outputs");
    let output = |key: &str| outputs.get(key).unwrap_or_else(|| panic!("no output {key} in {outputs:?}")).clone();
    let expected = [
        ("EventsTable", format!("{prefix}-events")),
        ("CoordinationTable", format!("{prefix}-coordination")),
        ("SnapshotsTable", format!("{prefix}-snapshots")),
        ("SagasTable", format!("{prefix}-sagas")),
        ("KinesisStream", format!("{prefix}-core-events")),
        ("Topic", format!("{prefix}-secondary-events.fifo")),
        ("QueuePrefix", format!("{prefix}-")),
        ("SchemaRegistry", prefix.clone()),
        ("Region", "us-east-1".to_string()),
        ("DeclaredConsumerName", CONSUMER.to_string()),
    ];
    for (key, value) in &expected {
        assert_eq!(&output(key), value, "output {key}");
    }
    assert!(!outputs.contains_key("OpenSearchUrl"), "OpenSearch is off by default: {outputs:?}");
    // The declared consumer's queues exist under the prefix.
    let resources = &stack["resources"];
    for (logical, name) in [
        ("DeclaredConsumerQueue", format!("{prefix}-{CONSUMER}.fifo")),
        ("DeclaredConsumerDeadLetterQueue", format!("{prefix}-{CONSUMER}-dlq.fifo")),
    ] {
        let physical = resources[logical][1].as_str().unwrap_or_else(|| panic!("no {logical} in {resources}"));
        assert!(physical.ends_with(&format!("/{name}")), "{logical}: {physical}");
    }

    // The tables: keys of provision.rs, on-demand, the events table's stream.
    let tables: Vec<String> = ["EventsTable", "CoordinationTable", "SnapshotsTable", "SagasTable"].map(output).to_vec();
    let mut describe = vec!["describe-tables", "--endpoint", moto.as_str()];
    describe.extend(tables.iter().map(String::as_str));
    let before = cfn_stack(&describe);
    let table = |report: &Value, key: &str| report[&output(key)].clone();
    assert_eq!(table(&before, "EventsTable")["keys"], json!({"pk": "HASH", "sk": "RANGE"}));
    assert_eq!(table(&before, "EventsTable")["attributes"], json!({"pk": "S", "sk": "N"}));
    assert_eq!(table(&before, "EventsTable")["stream"], json!("NEW_IMAGE"));
    assert_eq!(table(&before, "CoordinationTable")["keys"], json!({"pk": "HASH"}));
    for key in ["SnapshotsTable", "SagasTable"] {
        assert_eq!(table(&before, key)["attributes"], json!({"pk": "S", "sk": "S"}), "{key}");
        assert_eq!(table(&before, key)["stream"], json!(""), "{key}");
    }
    for name in &tables {
        assert_eq!(before[name]["billing"], json!("PAY_PER_REQUEST"), "{name}");
        assert!(before[name]["tags"]["nexus:resource"].is_string(), "{name}: {}", before[name]);
    }

    // A configuration made of the outputs, every port on AWS.
    let work = tempfile::tempdir().expect("temp dir");
    let config = work.path().join("nexus.toml");
    let toml = format!(
        r#"[event_store]
backend = "dynamodb"

[event_store.dynamodb]
poll_interval = "100ms"

[stream_bus]
backend = "kinesis"

[queue_bus]
backend = "sqs"

[coordination]
backend = "dynamodb"
lease_ttl = "3s"

[snapshots]
backend = "dynamodb"

[sagas]
backend = "dynamodb"

[schemas]
backend = "glue"

[aws]
region = "{region}"
endpoint_url = "{moto}"

[aws.resources]
events_table = "{events}"
coordination_table = "{coordination}"
kinesis_stream = "{kinesis}"
topic = "{topic}"
queue_prefix = "{queue_prefix}"
snapshots_table = "{snapshots}"
sagas_table = "{sagas}"
schema_registry = "{registry}"
"#,
        region = output("Region"),
        events = output("EventsTable"),
        coordination = output("CoordinationTable"),
        kinesis = output("KinesisStream"),
        topic = output("Topic"),
        queue_prefix = output("QueuePrefix"),
        snapshots = output("SnapshotsTable"),
        sagas = output("SagasTable"),
        registry = output("SchemaRegistry"),
    );
    std::fs::write(&config, toml).expect("write nexus.toml");

    // moto's CloudFormation skips AWS::Glue::Registry: the start-up check
    // names it, and provision creates it.
    let missing = nexus_aws_output("check", &config);
    assert!(!missing.0, "the check passed without the Glue registry: {}", missing.1);
    assert!(missing.1.contains(&output("SchemaRegistry")), "the check names the registry: {}", missing.1);
    // Provision creates only what is missing: moto's CloudFormation does
    // not apply TimeToLiveSpecification, so it turns TTL on; the tables
    // themselves are the stack's, untouched.
    nexus_aws("provision", &config);
    let after = cfn_stack(&describe);
    for name in &tables {
        for field in ["arn", "created", "keys", "attributes", "billing", "stream", "tags", "items"] {
            assert_eq!(after[name][field], before[name][field], "{name}: {field} changed by provision");
        }
    }
    assert_eq!(table(&after, "CoordinationTable")["ttl"], json!("expires_at"));
    assert_eq!(table(&after, "SnapshotsTable")["ttl"], json!("expires_at"));
    nexus_aws("check", &config);

    let nexus = NexusProcess::start_with(
        ServerOptions::default()
            .args(["--config".into(), config.clone().into_os_string()])
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test"),
    )
    .await;
    for file in ["events.db", "bus.db", "snapshots.db", "sagas.db", "registry.db"] {
        assert!(!nexus.data_dir().join(file).exists(), "{file}: a port is not on AWS");
    }
    let channel = nexus.channel().await;

    // Append and read back.
    let mut store = EventStoreServiceClient::new(channel.clone());
    let stream_id = format!("deploy-{prefix}");
    let events = vec![proposed("DeployChecked", json!({"n": 1})), proposed("DeployChecked", json!({"n": 2}))];
    let ids: Vec<String> = events.iter().map(|e| e.event_id.clone()).collect();
    store
        .append_to_stream(AppendToStreamRequest { stream_id: stream_id.clone(), events, ..Default::default() })
        .await
        .expect("append");
    let read = read_whole_stream(&mut store, &stream_id).await.expect("read the stream back");
    assert_eq!(read.iter().map(|e| e.event_id.clone()).collect::<Vec<_>>(), ids);

    // The declared consumer is a consumer before anyone created it...
    let mut queue = QueueServiceClient::new(channel.clone());
    let declared = queue
        .get_consumer(GetConsumerRequest { name: CONSUMER.into() })
        .await
        .expect("the stack's queue is a Nexus consumer")
        .into_inner()
        .consumer
        .expect("consumer");
    assert_eq!(declared.settings.as_ref().and_then(|s| s.max_deliveries), Some(5), "{declared:?}");
    // ...and CreateConsumer adopts it, subscribing it to the topic (moto
    // skips AWS::SNS::Subscription; on AWS the subscription exists already
    // and Subscribe returns it).
    queue
        .create_consumer(CreateConsumerRequest { name: CONSUMER.into(), settings: None })
        .await
        .expect("adopt the declared consumer");

    // A queue-path event reaches it.
    let event_type = format!("DeployNotified{prefix}");
    SchemaServiceClient::new(channel.clone())
        .put_subject(PutSubjectRequest {
            subject: Some(Subject {
                name: event_type.clone(),
                data_format: DataFormat::Json as i32,
                route: Route::Secondary as i32,
                allow_unvalidated: true,
                ..Default::default()
            }),
        })
        .await
        .expect("create a secondary-route subject");
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tx.send(ConsumeRequest {
        kind: Some(Inbound::Start(consume_request::Start { consumer: CONSUMER.into(), max_in_flight: 4 })),
    })
    .await
    .expect("send start");
    let mut responses = queue.consume(ReceiverStream::new(rx)).await.expect("consume").into_inner();
    let secondary = proposed(&event_type, json!({"order": 7}));
    let secondary_id = secondary.event_id.clone();
    store
        .append_to_stream(AppendToStreamRequest {
            stream_id: format!("order-{prefix}"),
            events: vec![secondary],
            ..Default::default()
        })
        .await
        .expect("append a secondary event");
    let delivery = match next(&mut responses).await {
        Outbound::Delivery(delivery) => delivery,
        other => panic!("expected a delivery, got {other:?}"),
    };
    assert_eq!(delivery.event.as_ref().map(|e| e.event_id.as_str()), Some(secondary_id.as_str()));
    tx.send(ConsumeRequest { kind: Some(Inbound::Ack(consume_request::Ack { receipt: delivery.receipt.clone() })) })
        .await
        .expect("send ack");
    match next(&mut responses).await {
        Outbound::Settled(settled) => assert_eq!(settled.outcome(), Outcome::Acked),
        other => panic!("expected the ack's answer, got {other:?}"),
    }
}

//! `nexus health`, the container HEALTHCHECK (deploy/Dockerfile): exit 0
//! and SERVING for a running server, 1 for an unknown service or a server
//! that does not answer.

use std::{
    net::TcpListener,
    process::{Command, Output},
};

use nexus_e2e::{NexusProcess, find_binary};

fn health(args: &[&str]) -> Output {
    let mut command = Command::new(find_binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("NEXUS_") {
            command.env_remove(key);
        }
    }
    command.arg("health").args(args).output().expect("run nexus health")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_exits_zero_only_when_the_server_is_serving() {
    let nexus = NexusProcess::start().await;
    let endpoint = nexus.endpoint();

    let whole = health(&["--server", &endpoint]);
    assert!(whole.status.success(), "{}", text(&whole));
    assert_eq!(String::from_utf8_lossy(&whole.stdout).trim(), "SERVING");

    let one = health(&["--server", &endpoint, "--service", "nexus.v1.EventStoreService"]);
    assert!(one.status.success(), "{}", text(&one));

    let unknown = health(&["--server", &endpoint, "--service", "nexus.v1.NoSuchService"]);
    assert_eq!(unknown.status.code(), Some(1), "{}", text(&unknown));
    assert!(text(&unknown).contains("NotFound"), "{}", text(&unknown));

    // A port nobody listens on.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let down = health(&["--server", &format!("http://{closed}"), "--timeout", "1s"]);
    assert_eq!(down.status.code(), Some(1), "{}", text(&down));
    assert!(text(&down).contains("cannot connect"), "{}", text(&down));
}

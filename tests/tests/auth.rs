//! Authentication and TLS against the real binary: auth mode `jwt` (tokens
//! minted by `nexus auth token` and by hand), mode `none` refusing a
//! non-loopback address, TLS and mutual TLS with certificates made here.

use std::{
    net::{IpAddr, Ipv4Addr},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use nexus_e2e::{
    ClientTls, NexusProcess, ServerOptions, assert_error, expect_raw_status, expect_status, find_binary, proposed,
    unique,
};
use nexus_sdk::{
    BearerToken, EventToAppend,
    proto::{
        AppendToStreamRequest, ListAggregateTypesRequest, ReadDirection, ReadStreamRequest,
        command_service_client::CommandServiceClient, event_store_service_client::EventStoreServiceClient,
    },
};
use rcgen::{
    BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use serde_json::json;
use tempfile::TempDir;
use tonic::{
    Code,
    transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity},
};
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient};

const ISSUER: &str = "https://issuer.e2e.test";
const AUDIENCE: &str = "nexus-e2e";
const SECRET: &str = "e2e-secret-only-for-tests-0123456789abcdef";

/// A server in auth mode `jwt` with an HS256 secret file, configured
/// through `NEXUS_*` variables.
async fn jwt_server(dir: &TempDir) -> (NexusProcess, PathBuf) {
    let secret_file = dir.path().join("hs256.secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).expect("write secret");
    let options = ServerOptions::default()
        .env("NEXUS_AUTH__MODE", "jwt")
        .env("NEXUS_AUTH__JWT__HS256_SECRET_FILE", secret_file.display().to_string())
        .env("NEXUS_AUTH__JWT__ISSUER", ISSUER)
        .env("NEXUS_AUTH__JWT__AUDIENCE", AUDIENCE);
    (NexusProcess::start_with(options).await, secret_file)
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs()
}

fn hs256(claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign")
}

/// `nexus auth token ...`, the developer helper.
fn mint_with_cli(secret_file: &Path, sub: &str, tenant: &str) -> String {
    let output = Command::new(find_binary())
        .args(["auth", "token", "--secret-file"])
        .arg(secret_file)
        .args(["--sub", sub, "--tenant", tenant, "--roles", "writer,reader"])
        .args(["--issuer", ISSUER, "--audience", AUDIENCE, "--ttl", "10m"])
        .output()
        .expect("run nexus auth token");
    assert!(output.status.success(), "nexus auth token failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8 token").trim().to_string()
}

fn events(
    channel: Channel,
    token: Option<&str>,
) -> EventStoreServiceClient<tonic::service::interceptor::InterceptedService<Channel, BearerToken>> {
    EventStoreServiceClient::with_interceptor(channel, BearerToken::optional(token).expect("ascii token"))
}

#[tokio::test]
async fn jwt_mode_requires_a_valid_token_and_records_its_principal() {
    let dir = TempDir::new().expect("temp dir");
    let (server, secret_file) = jwt_server(&dir).await;
    // Inside tenant acme, the tenant of the tokens below (policies/authz isolates tenants).
    let stream_id = format!("acme/{}", unique("auth-"));
    let append = |events_: Vec<_>| AppendToStreamRequest {
        stream_id: stream_id.clone(),
        expected_revision: None,
        events: events_,
    };

    // No token.
    let status = expect_raw_status(
        events(server.channel().await, None).append_to_stream(append(vec![proposed("Noted", json!({}))])).await,
    );
    let info = assert_error(&status, Code::Unauthenticated, "TOKEN_MISSING");
    assert!(status.message().contains("Bearer"), "the message says what to send: {status:?} {info:?}");
    let status = expect_raw_status(
        CommandServiceClient::new(server.channel().await).list_aggregate_types(ListAggregateTypesRequest {}).await,
    );
    assert_error(&status, Code::Unauthenticated, "TOKEN_MISSING");

    // Expired well beyond the leeway, wrong audience, wrong issuer, garbage.
    let base = json!({ "sub": "alice", "tenant": "acme", "iss": ISSUER, "aud": AUDIENCE, "exp": now() + 600 });
    let cases = [
        (json!({ "exp": now() - 3600 }), "TOKEN_EXPIRED"),
        (json!({ "nbf": now() + 3600 }), "TOKEN_NOT_YET_VALID"),
        (json!({ "aud": "someone-else" }), "TOKEN_WRONG_AUDIENCE"),
        (json!({ "iss": "https://evil.test" }), "TOKEN_WRONG_ISSUER"),
    ];
    for (change, reason) in cases {
        let mut claims = base.clone();
        claims.as_object_mut().expect("object").extend(change.as_object().expect("object").clone());
        let status = expect_raw_status(
            events(server.channel().await, Some(&hs256(&claims)))
                .append_to_stream(append(vec![proposed("Noted", json!({}))]))
                .await,
        );
        assert_error(&status, Code::Unauthenticated, reason);
    }
    let status = expect_raw_status(
        events(server.channel().await, Some("not.a.jwt"))
            .append_to_stream(append(vec![proposed("Noted", json!({}))]))
            .await,
    );
    assert_error(&status, Code::Unauthenticated, "TOKEN_INVALID");

    // A token from `nexus auth token`: the append works and the stored
    // event carries the token's subject and tenant.
    let token = mint_with_cli(&secret_file, "alice", "acme");
    let mut client = events(server.channel().await, Some(&token));
    client.append_to_stream(append(vec![proposed("Noted", json!({"n": 1}))])).await.expect("append with a good token");
    let page = client
        .read_stream(ReadStreamRequest {
            stream_id: stream_id.clone(),
            direction: ReadDirection::Forwards as i32,
            from_revision: Some(0),
            page_size: 10,
            as_stored: false,
        })
        .await
        .expect("read with a good token")
        .into_inner();
    assert_eq!(page.events.len(), 1, "one event stored, none by the refused calls");
    let metadata = page.events[0].metadata.clone().expect("metadata");
    assert_eq!((metadata.user_id.as_str(), metadata.tenant_id.as_str()), ("alice", "acme"));

    // The SDK's typed client with a token (another subject, a platform
    // writer: no tenant).
    let token = hs256(
        &json!({ "sub": "svc-billing", "roles": ["writer"], "iss": ISSUER, "aud": AUDIENCE, "exp": now() + 600 }),
    );
    let mut sdk = server.client().await;
    let refused = expect_status(sdk.read_stream(&stream_id, 0, 10).await);
    assert_error(&refused, Code::Unauthenticated, "TOKEN_MISSING");
    let mut sdk = sdk.with_token(BearerToken::new(&token).expect("ascii token"));
    sdk.append(&stream_id, None, vec![EventToAppend::json("Noted", json!({"n": 2}))]).await.expect("SDK append");
    let page = sdk.read_stream(&stream_id, 1, 10).await.expect("SDK read");
    let metadata = page.events[0].metadata.clone().expect("metadata");
    assert_eq!((metadata.user_id.as_str(), metadata.tenant_id.as_str()), ("svc-billing", ""));

    // Health checks need no token.
    let health = HealthClient::new(server.channel().await)
        .check(HealthCheckRequest { service: String::new() })
        .await
        .expect("health without a token")
        .into_inner();
    assert_eq!(health.status(), ServingStatus::Serving);
}

#[tokio::test]
async fn mode_none_refuses_a_non_loopback_address() {
    let dir = TempDir::new().expect("temp dir");
    let mut child = Command::new(find_binary())
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--schemas-dir")
        .arg(dir.path().join("no-schemas"))
        .env_remove("NEXUS_AUTH__MODE")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nexus");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("nexus kept running on 0.0.0.0 with auth mode none");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().expect("stderr"), &mut stderr).expect("read stderr");
    assert!(!status.success(), "exit status {status}; stderr:\n{stderr}");
    assert!(stderr.contains("refusing to listen on 0.0.0.0"), "stderr says why:\n{stderr}");
}

/// A CA, and certificates it signed, written as PEM files.
struct Pki {
    dir: TempDir,
    ca_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Pki {
    fn new() -> Self {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = params.self_signed(&key).expect("CA certificate");
        Pki { dir: TempDir::new().expect("temp dir"), ca_pem: ca.pem(), issuer: Issuer::new(params, key) }
    }

    /// A certificate for `localhost`/127.0.0.1 (server) or a client, as
    /// (certificate PEM, key PEM).
    fn issue(&self, server: bool) -> (String, String) {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params.subject_alt_names.push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        params.extended_key_usages =
            vec![if server { ExtendedKeyUsagePurpose::ServerAuth } else { ExtendedKeyUsagePurpose::ClientAuth }];
        let cert = params.signed_by(&key, &self.issuer).expect("sign");
        (cert.pem(), key.serialize_pem())
    }

    fn write(&self, name: &str, pem: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, pem).expect("write PEM");
        path
    }

    /// `serve` arguments for TLS, and mutual TLS when `mutual`.
    fn server_args(&self, mutual: bool) -> Vec<std::ffi::OsString> {
        let (cert, key) = self.issue(true);
        let mut args = vec![
            "--tls-cert".into(),
            self.write("server.pem", &cert).into(),
            "--tls-key".into(),
            self.write("server.key", &key).into(),
        ];
        if mutual {
            args.extend(["--tls-client-ca".into(), self.write("ca.pem", &self.ca_pem).into()]);
        }
        args
    }
}

async fn list_types(endpoint: &str, tls: ClientTlsConfig) -> Result<(), String> {
    let channel = Endpoint::from_shared(endpoint.to_string())
        .map_err(|e| e.to_string())?
        .tls_config(tls)
        .map_err(|e| e.to_string())?
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .connect()
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    CommandServiceClient::new(channel)
        .list_aggregate_types(ListAggregateTypesRequest {})
        .await
        .map(|_| ())
        .map_err(|status| format!("call: {status:?}"))
}

fn trusting(ca_pem: &str) -> ClientTlsConfig {
    ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca_pem)).domain_name("localhost")
}

#[tokio::test]
async fn tls_serves_clients_that_trust_the_ca() {
    let pki = Pki::new();
    let tls = ClientTls { ca_pem: pki.ca_pem.clone(), identity: None, domain: "localhost".into() };
    let server = NexusProcess::start_with(
        ServerOptions { tls: Some(tls), ..ServerOptions::default() }.args(pki.server_args(false)),
    )
    .await;
    assert!(server.endpoint().starts_with("https://"));
    list_types(&server.endpoint(), trusting(&pki.ca_pem)).await.expect("a client trusting the CA is served");

    let stranger = Pki::new();
    let refused = list_types(&server.endpoint(), trusting(&stranger.ca_pem)).await;
    assert!(refused.is_err(), "a client trusting another CA must not accept the server");

    let plaintext = Endpoint::from_shared(format!("http://{}", server.addr())).expect("url");
    let plain = async {
        let channel =
            plaintext.connect_timeout(Duration::from_secs(5)).timeout(Duration::from_secs(10)).connect().await?;
        Ok::<_, Box<dyn std::error::Error>>(
            CommandServiceClient::new(channel).list_aggregate_types(ListAggregateTypesRequest {}).await?,
        )
    };
    assert!(plain.await.is_err(), "plaintext gRPC is not served on a TLS listener");
}

#[tokio::test]
async fn mutual_tls_refuses_clients_without_a_certificate_signed_by_the_ca() {
    let pki = Pki::new();
    let (client_cert, client_key) = pki.issue(false);
    let tls = ClientTls {
        ca_pem: pki.ca_pem.clone(),
        identity: Some((client_cert.clone(), client_key.clone())),
        domain: "localhost".into(),
    };
    let server = NexusProcess::start_with(
        ServerOptions { tls: Some(tls), ..ServerOptions::default() }.args(pki.server_args(true)),
    )
    .await;

    let with_cert = trusting(&pki.ca_pem).identity(Identity::from_pem(&client_cert, &client_key));
    list_types(&server.endpoint(), with_cert).await.expect("a client with a CA-signed certificate is served");

    let without = list_types(&server.endpoint(), trusting(&pki.ca_pem)).await;
    assert!(without.is_err(), "a client without a certificate must be refused");

    let stranger = Pki::new();
    let (rogue_cert, rogue_key) = stranger.issue(false);
    let rogue = trusting(&pki.ca_pem).identity(Identity::from_pem(&rogue_cert, &rogue_key));
    assert!(
        list_types(&server.endpoint(), rogue).await.is_err(),
        "a client whose certificate another CA signed must be refused"
    );
}

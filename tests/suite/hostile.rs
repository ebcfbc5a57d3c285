//! Endpoints that misbehave at the transport level: the harness reports each as a
//! transport failure with a clear message within its timeout, never as a schema or contract
//! violation, never panics, and the whole run's deadline holds. Bodies that arrive complete
//! but are not JSON (invalid UTF-8, invalid JSON) are the one exception: the exchange worked,
//! so they are the contract violation `success.body_json`.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::util::{harness, ConformanceRun};

/// The longest any hostile connection is held open; servers stop by themselves.
const HOLD: Duration = Duration::from_secs(60);

/// What a hostile server does with each connection.
#[derive(Clone, Copy, Debug)]
enum Behaviour {
    NeverAnswers,
    StallsBody,
    Trickles,
    OversizedBody,
    InvalidUtf8Body,
    InvalidJsonBody,
    ResetsMidBody,
    ClosesWithoutResponse,
    RedirectsToAnotherHost,
    NotTls,
}

/// Starts a loopback server that treats every connection with `behaviour`.
async fn hostile_server(behaviour: Behaviour) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let stop = Instant::now() + HOLD;
        while Instant::now() < stop {
            let Ok(Ok((stream, _))) =
                tokio::time::timeout(Duration::from_secs(1), listener.accept()).await
            else {
                continue;
            };
            tokio::spawn(async move {
                let _ = tokio::time::timeout(HOLD, serve(stream, behaviour)).await;
            });
        }
    });
    let scheme = if matches!(behaviour, Behaviour::NotTls) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{address}")
}

/// Reads the whole request: its head, then as many body bytes as its Content-Length says.
/// (Closing a socket with unread request bytes sends a reset, which would race the answer.)
async fn read_request(stream: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if seen.len() >= 65_536 {
            return;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&seen[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while seen.len() < head_end + length.min(1 << 20) {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

fn head(status: &str, length: usize) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n"
    )
}

async fn serve(mut stream: TcpStream, behaviour: Behaviour) -> std::io::Result<()> {
    if matches!(behaviour, Behaviour::NotTls) {
        // A TLS client hello gets plain-text garbage back.
        stream
            .write_all(b"HTTP/1.1 400 Bad Request\r\n\r\nnot tls\r\n")
            .await?;
        return Ok(());
    }
    read_request(&mut stream).await;
    match behaviour {
        Behaviour::NeverAnswers => tokio::time::sleep(HOLD).await,
        Behaviour::StallsBody => {
            stream
                .write_all(head("201 Created", 100).as_bytes())
                .await?;
            stream.write_all(b"{\"User\":").await?;
            tokio::time::sleep(HOLD).await;
        }
        Behaviour::Trickles => {
            stream
                .write_all(head("201 Created", 10_000).as_bytes())
                .await?;
            for _ in 0..600 {
                stream.write_all(b" ").await?;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Behaviour::OversizedBody => {
            let size = 3 * 1024 * 1024;
            stream
                .write_all(head("201 Created", size).as_bytes())
                .await?;
            let chunk = vec![b' '; 64 * 1024];
            for _ in 0..size / chunk.len() {
                stream.write_all(&chunk).await?;
            }
        }
        Behaviour::InvalidUtf8Body => {
            let body = [0xff, 0xfe, 0xfd, b'{'];
            stream
                .write_all(head("201 Created", body.len()).as_bytes())
                .await?;
            stream.write_all(&body).await?;
        }
        Behaviour::InvalidJsonBody => {
            let body = b"{\"User\": {\"UserId\": ";
            stream
                .write_all(head("201 Created", body.len()).as_bytes())
                .await?;
            stream.write_all(body).await?;
        }
        Behaviour::ResetsMidBody => {
            stream
                .write_all(head("201 Created", 1000).as_bytes())
                .await?;
            stream.write_all(b"{\"User\": {").await?;
            // SO_LINGER 0 turns the close into a reset. (Deprecated because a non-zero
            // linger blocks on drop; a zero linger does not.)
            #[allow(deprecated)]
            stream.set_linger(Some(Duration::ZERO))?;
            drop(stream);
        }
        Behaviour::ClosesWithoutResponse => drop(stream),
        Behaviour::RedirectsToAnotherHost => {
            stream
                .write_all(
                    b"HTTP/1.1 307 Temporary Redirect\r\nlocation: http://127.0.0.2:9/elsewhere\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await?;
        }
        Behaviour::NotTls => unreachable!("answered above"),
    }
    Ok(())
}

const TIMEOUT_SECS: u64 = 2;

/// Runs one property and one case against a hostile endpoint; returns the run, its report
/// and how long it took.
async fn run_against(
    endpoint: String,
    timeout_secs: u64,
    extra: &[&str],
) -> (ConformanceRun, Value, Duration) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let report = dir.path().join("report.json");
    let mut args: Vec<String> = [
        "--endpoint",
        &endpoint,
        "--account-id",
        "acct",
        "--auth",
        "none",
        "--timeout",
        &timeout_secs.to_string(),
        "--report",
        report.to_str().expect("utf-8 path"),
        "--cases",
        "16",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let started = Instant::now();
    let run = harness(args, Vec::new()).await;
    let report = std::fs::read(&report)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (run, report, started.elapsed())
}

/// A property and the two duplicate-email cases (a libtest filter is one substring).
const FILTERS: [&str; 2] = [
    "property::valid_request_creates_user",
    "conflict::duplicate_email",
];

/// Asserts that the selected trials failed as transport failures naming `kind`, promptly.
async fn assert_transport_failure(behaviour: Behaviour, kind: &str) {
    let endpoint = hostile_server(behaviour).await;
    let (property, cases) = tokio::join!(
        run_against(endpoint.clone(), TIMEOUT_SECS, &FILTERS[..1]),
        run_against(endpoint, TIMEOUT_SECS, &FILTERS[1..]),
    );
    for (run, report, took) in [property, cases] {
        assert_eq!(run.code, 1, "{behaviour:?}: exit code\n{run}");
        let trials = report["trials"].as_array().cloned().unwrap_or_default();
        assert!(!trials.is_empty(), "{behaviour:?}: {report}");
        for trial in &trials {
            assert_eq!(trial["outcome"], "failed", "{behaviour:?}: {trial}");
            assert_eq!(trial["transport"], true, "{behaviour:?}: {trial}");
            assert_eq!(
                trial["rules"],
                serde_json::json!([]),
                "{behaviour:?}: no rule blamed: {trial}"
            );
            let message = trial["message"].as_str().unwrap_or("");
            assert!(
                message.contains(&format!("transport failure ({kind})"))
                    && message.contains("not a contract violation"),
                "{behaviour:?}: {message}"
            );
        }
        // Trials in parallel, each stopping at its first unanswered request.
        let bound = Duration::from_secs(4 * TIMEOUT_SECS + 10);
        assert!(
            took < bound,
            "{behaviour:?} took {took:?}, more than {bound:?}"
        );
        assert!(!run.stderr.contains("panicked"), "{run}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_never_answers_times_out() {
    assert_transport_failure(Behaviour::NeverAnswers, "Timeout").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stalls_times_out() {
    assert_transport_failure(Behaviour::StallsBody, "Timeout").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_times_out() {
    assert_transport_failure(Behaviour::Trickles, "Timeout").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_cap_is_refused() {
    assert_transport_failure(Behaviour::OversizedBody, "BodyTooLarge").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_mid_body_is_a_protocol_failure() {
    assert_transport_failure(Behaviour::ResetsMidBody, "Protocol").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_close_without_response_is_a_protocol_failure() {
    assert_transport_failure(Behaviour::ClosesWithoutResponse, "Protocol").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_not_followed() {
    assert_transport_failure(Behaviour::RedirectsToAnotherHost, "Redirect").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_tls_handshake_means_the_target_is_unreachable() {
    let endpoint = hostile_server(Behaviour::NotTls).await;
    let (run, _, took) = run_against(endpoint, TIMEOUT_SECS, &[]).await;
    assert_eq!(run.code, 3, "{run}");
    assert!(run.stderr.contains("target unreachable"), "{run}");
    assert!(
        took < Duration::from_secs(2 * TIMEOUT_SECS + 10),
        "took {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complete_bodies_that_are_not_json_are_the_body_json_rule() {
    for behaviour in [Behaviour::InvalidUtf8Body, Behaviour::InvalidJsonBody] {
        let endpoint = hostile_server(behaviour).await;
        let (run, report, _) = run_against(
            endpoint,
            TIMEOUT_SECS,
            &["--exact", "property::valid_request_creates_user"],
        )
        .await;
        assert_eq!(run.code, 1, "{behaviour:?}\n{run}");
        let trial = &report["trials"][0];
        assert_eq!(trial["transport"], false, "{behaviour:?}: {trial}");
        assert_eq!(
            trial["rules"],
            serde_json::json!(["success.body_json"]),
            "{behaviour:?}: {trial}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_deadline_holds_for_the_whole_suite() {
    let endpoint = hostile_server(Behaviour::NeverAnswers).await;
    // Every trial, a per-request timeout longer than the run's deadline.
    let (run, report, took) = run_against(endpoint, 30, &["--deadline", "3"]).await;
    assert_eq!(run.code, 1, "{run}");
    assert!(
        took < Duration::from_secs(15),
        "the 3 s deadline took {took:?}"
    );
    let trials = report["trials"].as_array().cloned().unwrap_or_default();
    assert!(trials.len() >= 10, "no trial lost: {report}");
    for trial in &trials {
        if trial["outcome"] == "failed" {
            assert_eq!(trial["transport"], true, "{trial}");
            assert_eq!(trial["rules"], serde_json::json!([]), "{trial}");
        }
    }
    assert!(run.stdout.contains("transport failure (Deadline)"), "{run}");
}

/// What a server that refuses large bodies early does with one connection: it reads the
/// request head only, then resets the connection, the body unread; before that, the
/// second and later requests with a body over 1 MiB (the first is the harness's own, the
/// next its raw re-probe) are answered with `status` (none: no answer at all).
async fn refuse_early(
    mut stream: TcpStream,
    status: Option<u16>,
    large_seen: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> std::io::Result<()> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") && seen.len() < 65_536 {
        match stream.read(&mut buf).await? {
            0 => return Ok(()),
            n => seen.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&seen).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let large = length > 1 << 20;
    let status = status
        .filter(|_| large && large_seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0);
    if let Some(status) = status {
        let (error_type, body) = match status {
            413 => (
                "RequestEntityTooLargeException",
                r#"{"message":"too large"}"#,
            ),
            _ => (
                "ServiceUnavailableException",
                r#"{"Code":"ServiceUnavailable","Message":"down"}"#,
            ),
        };
        let answer = format!(
            "HTTP/1.1 {status} Refused\r\ncontent-type: application/json\r\nx-amzn-errortype: {error_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(answer.as_bytes()).await?;
        stream.flush().await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // SO_LINGER 0: the close is a reset (deprecated for its blocking non-zero form only).
    #[allow(deprecated)]
    stream.set_linger(Some(Duration::ZERO))?;
    drop(stream);
    Ok(())
}

/// A loopback server whose first large request is reset with no answer, and every later
/// one (the harness's raw re-probe) refused early with `status` (none: reset with no
/// answer too), so that the HTTP client never sees an answer and the re-probe decides.
async fn early_refusal_server(status: Option<u16>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let large_seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let stop = Instant::now() + HOLD;
        while Instant::now() < stop {
            let Ok(Ok((stream, _))) =
                tokio::time::timeout(Duration::from_secs(1), listener.accept()).await
            else {
                continue;
            };
            tokio::spawn(refuse_early(stream, status, large_seen.clone()));
        }
    });
    format!("http://{address}")
}

/// The oversized-body trial against an early-refusal server: its report entry.
async fn oversized_against(status: Option<u16>) -> (ConformanceRun, Value) {
    let endpoint = early_refusal_server(status).await;
    let (run, report, _) = run_against(
        endpoint,
        TIMEOUT_SECS,
        &["--exact", "malformed::oversized_body"],
    )
    .await;
    let trial = report["trials"][0].clone();
    assert_eq!(trial["name"], "malformed::oversized_body", "{run}");
    (run, trial)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_early_413_then_a_reset_is_a_refusal_and_noted() {
    let (run, trial) = oversized_against(Some(413)).await;
    assert_eq!(run.code, 0, "{run}");
    let notes = trial["notes"].to_string();
    assert!(
        notes.contains(
            "body_size (choice): refused (HTTP 413 RequestEntityTooLargeException), then closed the connection"
        ),
        "{trial}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_early_503_then_a_reset_is_an_unexpected_fault() {
    let (run, trial) = oversized_against(Some(503)).await;
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(trial["transport"], false, "{trial}");
    assert_eq!(
        trial["rules"],
        serde_json::json!(["error.unexpected_fault"]),
        "{trial}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_with_no_answer_to_a_large_body_is_a_departure() {
    let (run, trial) = oversized_against(None).await;
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(trial["transport"], false, "{trial}");
    assert_eq!(
        trial["rules"],
        serde_json::json!(["input.malformed_refused"]),
        "{trial}"
    );
    let seen = trial["violations"][0]["seen"].as_str().unwrap_or("");
    assert!(seen.starts_with("no answer: the connection was"), "{seen}");
}

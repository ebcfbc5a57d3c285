//! The standalone mock under abuse, every loop bounded in count and time: a body far over
//! the cap is refused early (before the rest is read, with a JSON `BadRequestException`)
//! and the mock's memory stays flat; the refusal reaches a client still sending; an oversized request head gets 431; hundreds of idle
//! and half-sent connections plus a flood of garbage never stop a well-formed create; idle
//! connections are closed after the idle timeout; with every connection slot taken, a
//! create is served once the idle ones time out; running out of file descriptors under a
//! flood of connections does not stop the server.

use std::time::{Duration, Instant};

use chime_mock::{default_credentials, DEFAULT_ACCOUNT_ID};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::{create_user, spawn_mock_binary};

/// The host:port of a mock's URL.
fn address(url: &str) -> String {
    url.trim_start_matches("http://").to_string()
}

/// Peak resident memory of a process, in KiB (Linux only; 0 elsewhere).
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

/// A signed create with a fresh email; its status.
async fn create(url: &str, email: &str) -> u16 {
    let client = crate::common::http_client();
    let body = json!({ "Email": email });
    create_user(
        &client,
        url,
        DEFAULT_ACCOUNT_ID,
        &body,
        &default_credentials(),
    )
    .await
    .map(|answer| answer.status)
    .unwrap_or(0)
}

/// Reads whatever arrives until the peer closes or `within` passes.
async fn read_answer(stream: &mut TcpStream, within: Duration) -> String {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = Instant::now() + within;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buffer[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

const BIG: u64 = 256 * 1024 * 1024;

fn head(content_length: Option<u64>) -> String {
    let length = match content_length {
        Some(n) => format!("content-length: {n}\r\n"),
        None => "transfer-encoding: chunked\r\n".to_string(),
    };
    format!(
        "POST /accounts/{DEFAULT_ACCOUNT_ID}/users?operation=create HTTP/1.1\r\nhost: x\r\n\
         content-type: application/json\r\n{length}\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_limits_a_declared_oversized_body_is_refused_before_it_is_sent() {
    let mock = spawn_mock_binary(&[]);
    let mut stream = TcpStream::connect(address(&mock.url))
        .await
        .expect("connect");
    stream
        .write_all(head(Some(BIG)).as_bytes())
        .await
        .expect("send the head");
    // Not one byte of the 256 MiB body is sent: the answer must come all the same.
    let answer = read_answer(&mut stream, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let lower = answer.to_ascii_lowercase();
    assert!(
        lower.contains("x-amzn-errortype: badrequestexception"),
        "{answer}"
    );
    assert!(lower.contains("connection: close"), "{answer}");
    assert!(
        answer.contains("over the limit of 1048576 bytes"),
        "{answer}"
    );
    assert_eq!(create(&mock.url, "after-declared@example.com").await, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_limits_the_early_refusal_reaches_a_client_still_sending_its_body() {
    // A client that sends a body just over the cap: the mock answers before reading it,
    // and lingers (discarding) so the answer is not destroyed by a reset. Without the
    // lingering close, some of these end in a connection error instead of the 400.
    let mock = spawn_mock_binary(&[]);
    let client = crate::common::http_client();
    let url = format!(
        "{}/accounts/{DEFAULT_ACCOUNT_ID}/users?operation=create",
        mock.url
    );
    let body = format!(
        r#"{{"Email":"x@example.com","Username":"{}"}}"#,
        "x".repeat(2 << 20)
    );
    let mut outcomes = Vec::new();
    for _ in 0..20 {
        let answer = tokio::time::timeout(
            Duration::from_secs(10),
            client.post(&url).body(body.clone()).send(),
        )
        .await;
        outcomes.push(match answer {
            Ok(Ok(response)) => response.status().to_string(),
            Ok(Err(error)) => format!("error: {error:?}"),
            Err(_) => "timed out".into(),
        });
    }
    let refused = outcomes.iter().filter(|o| o.starts_with("400")).count();
    assert_eq!(refused, outcomes.len(), "{outcomes:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_limits_a_streamed_body_far_over_the_cap_is_cut_off_and_memory_stays_flat() {
    let mock = spawn_mock_binary(&[]);
    let before = peak_rss_kib(mock.pid());
    let stream = TcpStream::connect(address(&mock.url))
        .await
        .expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let reading = tokio::spawn(async move {
        let mut answer = Vec::new();
        let _ =
            tokio::time::timeout(Duration::from_secs(30), reader.read_to_end(&mut answer)).await;
        String::from_utf8_lossy(&answer).into_owned()
    });
    writer
        .write_all(head(None).as_bytes())
        .await
        .expect("send the head");
    // 256 MiB in 64 KiB chunks, unless the mock stops reading first (bounded by 30 s).
    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
    let started = Instant::now();
    let mut sent: u64 = 0;
    while sent < BIG && started.elapsed() < Duration::from_secs(30) {
        match tokio::time::timeout(Duration::from_secs(5), writer.write_all(chunk.as_bytes())).await
        {
            Ok(Ok(())) => sent += 64 * 1024,
            _ => break,
        }
    }
    let answer = reading.await.expect("the reader finishes");
    let after = peak_rss_kib(mock.pid());
    eprintln!(
        "streamed body: {} MiB sent before the mock stopped reading; peak RSS {} KiB before, {} KiB after",
        sent / (1024 * 1024),
        before,
        after
    );
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("badrequestexception"),
        "{answer}"
    );
    assert!(sent < BIG / 4, "the mock read on: {sent} bytes accepted");
    if cfg!(target_os = "linux") {
        assert!(
            after < before + 32 * 1024,
            "peak RSS grew from {before} KiB to {after} KiB"
        );
    }
    assert_eq!(create(&mock.url, "after-streamed@example.com").await, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_limits_an_oversized_request_head_gets_431() {
    let mock = spawn_mock_binary(&["--max-header-bytes", "16384"]);
    let mut stream = TcpStream::connect(address(&mock.url))
        .await
        .expect("connect");
    let request = format!(
        "GET /_chime-mock/health HTTP/1.1\r\nhost: x\r\nx-padding: {}\r\n\r\n",
        "p".repeat(64 * 1024)
    );
    let _ = stream.write_all(request.as_bytes()).await;
    let answer = read_answer(&mut stream, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:?}");
    assert_eq!(create(&mock.url, "after-head@example.com").await, 201);
}

/// Opens `count` connections: idle ones, half-sent heads, and (with `garbage`) garbage,
/// in turn.
async fn abusive_connections(url: &str, count: usize, garbage: bool) -> Vec<TcpStream> {
    let mut held = Vec::with_capacity(count);
    let kinds = if garbage { 3 } else { 2 };
    for i in 0..count {
        let mut stream = TcpStream::connect(address(url)).await.expect("connect");
        match i % kinds {
            0 => {}
            1 => {
                let _ = stream
                    .write_all(b"POST /accounts/x/users?operation=create HTTP/1.1\r\nhost: ")
                    .await;
            }
            _ => {
                let _ = stream
                    .write_all(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage")
                    .await;
            }
        }
        held.push(stream);
    }
    held
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_limits_hundreds_of_idle_connections_do_not_stop_creates() {
    let mock = spawn_mock_binary(&[]);
    let held = abusive_connections(&mock.url, 600, true).await;
    let started = Instant::now();
    for i in 0..20 {
        assert_eq!(
            create(&mock.url, &format!("busy{i}@example.com")).await,
            201
        );
    }
    let took = started.elapsed();
    eprintln!("600 idle, half-sent or garbage connections held; 20 creates took {took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    drop(held);
}

/// How many of `held` the mock has closed, all looked at together: a closed connection
/// reads EOF or a reset at once (after, at most, an answer); an open one has nothing to
/// read within `wait`.
async fn count_closed(held: &mut [TcpStream], wait: Duration) -> usize {
    let looks = held.iter_mut().map(|stream| async move {
        let mut buffer = [0u8; 1024];
        loop {
            match tokio::time::timeout(wait, stream.read(&mut buffer)).await {
                Err(_) => return false,
                Ok(Ok(n)) if n > 0 => continue,
                Ok(_) => return true,
            }
        }
    });
    futures::future::join_all(looks)
        .await
        .into_iter()
        .filter(|closed| *closed)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_limits_idle_connections_are_closed_after_the_idle_timeout() {
    let mock = spawn_mock_binary(&["--idle-timeout", "1"]);
    let mut held = abusive_connections(&mock.url, 60, false).await;
    let closed_at_first = count_closed(&mut held, Duration::from_millis(20)).await;
    assert_eq!(closed_at_first, 0, "closed before the idle timeout");
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let closed = count_closed(&mut held, Duration::from_millis(200)).await;
    assert_eq!(
        closed,
        held.len(),
        "only {closed} of {} were closed",
        held.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_limits_with_every_slot_taken_a_create_waits_only_for_the_idle_timeout() {
    let mock = spawn_mock_binary(&["--max-connections", "8", "--idle-timeout", "1"]);
    let held = abusive_connections(&mock.url, 8, false).await;
    let started = Instant::now();
    let status = tokio::time::timeout(
        Duration::from_secs(10),
        create(&mock.url, "queued@example.com"),
    )
    .await
    .unwrap_or(0);
    let took = started.elapsed();
    eprintln!("8 of 8 slots held; a create was answered {status} after {took:?}");
    assert_eq!(status, 201);
    assert!(
        took >= Duration::from_millis(500),
        "not queued behind the slots: {took:?}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
    drop(held);
}

/// A `chime-mock` allowed only `fds` open files (`ulimit -n`), killed when dropped.
struct FdLimitedMock {
    child: std::process::Child,
    url: String,
}

impl Drop for FdLimitedMock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_fd_limited_mock(fds: u32) -> FdLimitedMock {
    use std::io::{BufRead, BufReader};
    let script = format!("ulimit -n {fds} && exec \"$0\" --listen 127.0.0.1:0");
    let mut child = std::process::Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_chime-mock")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start chime-mock under sh");
    let stdout = child.stdout.take().expect("piped stdout");
    let first = BufReader::new(stdout).lines().next();
    let url = first
        .and_then(Result::ok)
        .and_then(|line| line.split_whitespace().last().map(str::to_string))
        .unwrap_or_default();
    FdLimitedMock { child, url }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_limits_running_out_of_file_descriptors_does_not_stop_the_server() {
    let mock = spawn_fd_limited_mock(64);
    assert!(mock.url.starts_with("http://"), "no URL printed");
    // Far more connections than the mock may have files open: accept fails for a while.
    let held = abusive_connections(&mock.url, 150, false).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = tokio::time::timeout(
        Duration::from_secs(10),
        create(&mock.url, "after-emfile@example.com"),
    )
    .await
    .unwrap_or(0);
    assert_eq!(
        status, 201,
        "the mock stopped serving after running out of descriptors"
    );
}

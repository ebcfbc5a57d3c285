//! The `chime-mock` binary as a standalone server: it starts on the port it is given,
//! prints its URL, creates a user for a signed request, and exits when told to stop.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chime_mock::{default_credentials, DEFAULT_ACCOUNT_ID};
use serde_json::json;

use crate::common::create_user;

/// Kills the child when the test ends, passed or failed.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind an OS port");
    listener.local_addr().expect("a local address").port()
}

/// Reads the child's stdout on a thread; returns the first line with the URL.
fn wait_for_url(child: &mut Child, deadline: Duration) -> String {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // Keep draining after the URL is found, so the child never writes to a
            // closed pipe.
            let _ = tx.send(line);
        }
    });
    let start = Instant::now();
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_sub(start.elapsed()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(at) = line.find("http://") {
                    return line[at..].trim().to_string();
                }
                seen.push(line);
            }
            Err(_) => break,
        }
    }
    panic!("chime-mock printed no URL within {deadline:?}; it printed {seen:?}");
}

fn stop(child: &mut Child) {
    #[cfg(unix)]
    {
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }
    #[cfg(not(unix))]
    child.kill().expect("kill the child");
}

fn wait_with_deadline(child: &mut Child, deadline: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("query the child") {
            return status;
        }
        assert!(
            start.elapsed() < deadline,
            "chime-mock did not exit within {deadline:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn mock_standalone_binary_serves_creates_and_exits_on_sigterm() {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_chime-mock"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env_remove("CHIME_MOCK_NO_AUTH")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("chime-mock starts");
    let mut guard = KillOnDrop(child);
    let url = wait_for_url(&mut guard.0, Duration::from_secs(30));
    assert_eq!(url, format!("http://127.0.0.1:{port}"));

    let client = crate::common::http_client();
    let answer = create_user(
        &client,
        &url,
        DEFAULT_ACCOUNT_ID,
        &json!({"Email": "standalone@example.com", "Username": "solo"}),
        &default_credentials(),
    )
    .await
    .expect("the binary answers");
    assert_eq!(answer.status, 201, "{answer:?}");
    let user = &answer.json()["User"];
    assert_eq!(user["AccountId"], DEFAULT_ACCOUNT_ID);
    assert_eq!(user["PrimaryEmail"], "standalone@example.com");

    stop(&mut guard.0);
    let status = wait_with_deadline(&mut guard.0, Duration::from_secs(10));
    #[cfg(unix)]
    assert!(status.success(), "chime-mock exited with {status:?}");
    #[cfg(not(unix))]
    let _ = status;
}

#[test]
fn mock_standalone_bad_flags_get_a_clear_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_chime-mock"))
        .args(["--fault-rate", "2"])
        .output()
        .expect("chime-mock runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--fault-rate"), "{stderr}");
    assert!(stderr.contains("between 0 and 1"), "{stderr}");

    let help = Command::new(env!("CARGO_BIN_EXE_chime-mock"))
        .arg("--help")
        .output()
        .expect("chime-mock runs");
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--listen",
        "--account",
        "--forbidden-account",
        "--throttled-account",
        "--throttle-rate",
        "--throttle-burst",
        "--access-key",
        "--secret-key",
        "--no-auth",
        "--fault-header",
        "--fault-rate",
        "--log-requests",
        "CHIME_MOCK_LISTEN",
    ] {
        assert!(help.contains(flag), "--help does not mention {flag}");
    }
}

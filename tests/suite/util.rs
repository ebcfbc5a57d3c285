//! Helpers shared by the integration tests: starting a reference mock and sending raw,
//! optionally SigV4-signed, HTTP requests to it.

#![allow(dead_code)]

use std::time::SystemTime;

use chime_conformance::contract::create_user_path;
use chime_conformance::contract::sigv4::{sign_request, SigningCredentials};
use chime_conformance::mock::{MockConfig, ReferenceMock};

/// A mock with the default fixtures.
pub async fn start_default_mock() -> ReferenceMock {
    ReferenceMock::start(MockConfig::default())
        .await
        .expect("the reference mock starts")
}

/// An answer, read in full.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl RawAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Sends `method base_uri+path_and_query` with `headers` and `body`, signed with
/// `credentials` when given. `path_and_query` is sent as it is (already percent-encoded).
pub async fn send(
    client: &reqwest::Client,
    base_uri: &str,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    credentials: Option<&SigningCredentials>,
) -> reqwest::Result<RawAnswer> {
    let url = format!("{base_uri}{path_and_query}");
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid method");
    let mut request = client.request(method.clone(), &url);
    if let Some(credentials) = credentials {
        let added = sign_request(
            method.as_str(),
            &url,
            headers,
            &body,
            credentials,
            "us-east-1",
            SystemTime::now(),
        )
        .expect("the test request can be signed");
        for (name, value) in added {
            request = request.header(name, value);
        }
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.body(body).send().await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await?.to_vec();
    Ok(RawAnswer {
        status,
        headers,
        body,
    })
}

/// A signed CreateUser with a JSON body.
pub async fn create_user(
    client: &reqwest::Client,
    mock_uri: &str,
    account_id: &str,
    body: &serde_json::Value,
    credentials: &SigningCredentials,
) -> reqwest::Result<RawAnswer> {
    send(
        client,
        mock_uri,
        "POST",
        &create_user_path(account_id),
        &[("content-type", "application/json")],
        body.to_string().into_bytes(),
        Some(credentials),
    )
    .await
}

/// What a finished `chime-conformance` run printed and returned.
pub struct ConformanceRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for ConformanceRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The longest a harness run in a test may take before it is killed.
pub const RUN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(180);

/// Runs the `chime-conformance` binary with `args` (plus `--no-regressions` unless they
/// name a `--regressions` file, so tests leave no files behind), the mock's default credentials in the environment, no
/// `CHIME_*` or `AWS_*` variables from the caller's, and `env` on top (an empty value
/// removes a variable). Killed after [`RUN_DEADLINE`].
pub fn conformance(args: &[&str], env: &[(&str, &str)]) -> ConformanceRun {
    use std::process::{Command, Stdio};
    let credentials = chime_conformance::mock::default_credentials();
    let mut command = Command::new(env!("CARGO_BIN_EXE_chime-conformance"));
    command.args(args);
    if !args.contains(&"--regressions") {
        command.arg("--no-regressions");
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars() {
        if name.starts_with("CHIME_") || name.starts_with("AWS_") {
            command.env_remove(name);
        }
    }
    // The mock's test credentials; no instance metadata lookups, no ~/.aws files.
    command
        .env("AWS_ACCESS_KEY_ID", &credentials.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &credentials.secret_access_key)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/chime-conformance/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/chime-conformance/credentials",
        );
    // An empty value removes the variable.
    for (name, value) in env {
        if value.is_empty() {
            command.env_remove(name);
        } else {
            command.env(name, value);
        }
    }
    let child = command.spawn().expect("start chime-conformance");
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(RUN_DEADLINE) {
        Ok(output) => output.expect("collect chime-conformance output"),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &id.to_string()])
                .status();
            panic!("chime-conformance {args:?} did not finish within {RUN_DEADLINE:?}");
        }
    };
    ConformanceRun {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A `chime-mock` process, killed when dropped.
pub struct MockProcess {
    pub url: String,
    child: std::process::Child,
}

impl MockProcess {
    /// The process id (for reading its memory use).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits (at most 10 s) for the exit; true when it exited with 0.
    pub fn terminate(mut self) -> bool {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the `chime-mock` binary on a free loopback port with `args` and waits (bounded)
/// until it prints the URL it serves.
pub fn spawn_mock_binary(args: &[&str]) -> MockProcess {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("find a free port")
        .port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_chime-mock"));
    for (name, _) in std::env::vars() {
        if name.starts_with("CHIME_MOCK_") {
            command.env_remove(name);
        }
    }
    let mut child = command
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chime-mock");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut process = MockProcess {
        url: String::new(),
        child,
    };
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(at) = line.find("http://") {
                    process.url = line[at..]
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_string();
                    return process;
                }
            }
            Err(_) => break,
        }
    }
    panic!("chime-mock printed no URL within 30 s");
}

/// The flags naming every fixture of an in-process mock.
pub fn fixture_flags(mock: &ReferenceMock) -> Vec<String> {
    let f = mock.fixtures();
    vec![
        "--account-id".into(),
        f.account_id,
        "--forbidden-account-id".into(),
        f.forbidden_account_id.unwrap_or_default(),
        "--throttled-account-id".into(),
        f.throttled_account_id.unwrap_or_default(),
        "--fault-header".into(),
        f.fault_header.unwrap_or_default(),
    ]
}

/// [`conformance`] from async code: runs off the runtime, which keeps serving the mocks.
pub async fn harness(args: Vec<String>, env: Vec<(String, String)>) -> ConformanceRun {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        conformance(&args, &env)
    })
    .await
    .expect("the harness run completes")
}

/// Runs the whole suite (seed 7, every fixture) against a mock started with `config`;
/// returns the run and its JSON report (`Null` if none was written).
pub async fn full_run_against(config: MockConfig) -> (ConformanceRun, serde_json::Value) {
    full_run_with(config, &[]).await
}

/// Like [`full_run_against`], with more flags (a `--seed` among them replaces the 7).
pub async fn full_run_with(
    config: MockConfig,
    extra: &[&str],
) -> (ConformanceRun, serde_json::Value) {
    let mock = ReferenceMock::start(config).await.expect("the mock starts");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let report = dir.path().join("report.json");
    let mut args = vec!["--endpoint".to_string(), mock.uri()];
    args.extend(fixture_flags(&mock));
    args.extend(["--report".to_string(), report.display().to_string()]);
    if !extra.contains(&"--seed") {
        args.extend(["--seed".to_string(), "7".to_string()]);
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    let run = harness(args, Vec::new()).await;
    let report = std::fs::read(&report)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    (run, report)
}

/// The failed trials of a JSON report.
pub fn failed_trials(report: &serde_json::Value) -> impl Iterator<Item = &serde_json::Value> {
    report["trials"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["outcome"] == "failed")
}

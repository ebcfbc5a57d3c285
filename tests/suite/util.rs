//! Helpers shared by the integration tests: starting a reference mock and sending raw,
//! optionally SigV4-signed, HTTP requests to it.

#![allow(dead_code)]

use chime_conformance::mock::{MockConfig, ReferenceMock};

// Raw, optionally signed, requests: the mock crate's own test helpers, one copy for both.
#[path = "../../crates/chime-mock/tests/common/mod.rs"]
mod common;
pub use common::{create_user, send, RawAnswer};

/// A mock with the default fixtures.
pub async fn start_default_mock() -> ReferenceMock {
    ReferenceMock::start(MockConfig::default())
        .await
        .expect("the reference mock starts")
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

/// A reference mock served from a thread of its own, with its own runtime, for the
/// synchronous tests that run the harness binary against an endpoint; it stops when
/// dropped.
pub struct MockThread {
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for MockThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts a reference mock with `config` on a thread of its own and waits until it serves.
pub fn spawn_mock_thread(config: MockConfig) -> MockThread {
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the mock");
        runtime.block_on(async move {
            let mock = ReferenceMock::start(config).await.expect("the mock starts");
            let _ = url_tx.send(mock.uri());
            let _ = stopped.await;
        });
    });
    let url = url_rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the mock thread serves within 30 s");
    MockThread {
        url,
        stop: Some(stop),
        thread: Some(thread),
    }
}

/// A mock with the default fixtures, signed requests only, on a thread of its own.
pub fn spawn_default_mock_thread() -> MockThread {
    spawn_mock_thread(MockConfig::default())
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

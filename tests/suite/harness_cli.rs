//! The `chime-conformance` binary as a user runs it: against the embedded mock, against a
//! standalone `chime-mock`, with `--list`, `--exact` and `--format json`, and against a
//! target that lacks fixtures.

use serde_json::Value;

use chime_conformance::mock::{
    DEFAULT_ACCOUNT_ID, DEFAULT_FAULT_HEADER, DEFAULT_FORBIDDEN_ACCOUNT_ID,
    DEFAULT_THROTTLED_ACCOUNT_ID,
};

use crate::util::{
    conformance, harness, spawn_default_mock_thread, spawn_mock_thread, ConformanceRun,
};

const PROPERTIES: [&str; 3] = [
    "property::error_responses_follow_restjson1",
    "property::invalid_request_is_rejected",
    "property::valid_request_creates_user",
];

#[test]
fn list_names_every_trial_in_the_libtest_format() {
    let run = conformance(&["--list"], &[]);
    assert_eq!(run.code, 0, "{run}");
    let names: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .collect();
    for p in PROPERTIES {
        assert!(names.contains(&p), "{p} missing from {names:?}");
    }
    let exceptions = names
        .iter()
        .filter(|n| n.starts_with("exception::"))
        .count();
    assert!(exceptions >= 8, "{names:?}");
    assert!(names.contains(&"exception::conflict::duplicate_email"));
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "trials are listed sorted by name");
    assert!(
        run.stderr.is_empty(),
        "--list prints nothing else: {}",
        run.stderr
    );
}

#[test]
fn exact_runs_exactly_one_trial() {
    let run = conformance(&["--exact", "exception::conflict::duplicate_email"], &[]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("1 passed; 0 failed"), "{run}");
    assert!(
        run.stdout
            .contains("exception::conflict::duplicate_email ... ok"),
        "{run}"
    );
}

#[test]
fn format_json_keeps_stdout_machine_readable() {
    let run = conformance(
        &["--format", "json", "-Z", "unstable-options", "--cases", "8"],
        &[],
    );
    assert_eq!(run.code, 0, "{run}");
    let events: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?} is not JSON: {e}")))
        .collect();
    let ok: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "test" && e["event"] == "ok")
        .filter_map(|e| e["name"].as_str())
        .collect();
    for p in PROPERTIES {
        assert!(ok.contains(&p), "{p} not ok in {ok:?}");
    }
    assert!(events
        .iter()
        .any(|e| e["type"] == "suite" && e["event"] == "ok"));
    assert!(run.stderr.contains("exceptions observed: 8 of 8"), "{run}");
}

#[test]
fn a_bare_run_passes_everything_and_observes_all_eight_exceptions() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let run = conformance(&["--report", report.to_str().unwrap()], &[]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stderr.contains("exceptions observed: 8 of 8"), "{run}");
    assert!(run.stderr.contains("(embedded reference mock)"), "{run}");
    let report: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(report["summary"]["failed"], 0);
    assert_eq!(report["summary"]["exceptions_observed"], 8);
    let trials = report["trials"].as_array().unwrap();
    assert!(trials.len() >= 11);
    // README's figure for a default run is this run's.
    let readme = include_str!("../../README.md");
    let requests = report["summary"]["requests"].as_u64().unwrap_or(0);
    assert!(
        readme.contains(&format!("A default run sends **{requests} requests**")),
        "README states another request count than the run's {requests}"
    );
    assert!(
        readme.contains(&format!("The whole default run ({requests} requests")),
        "README's first section states another request count than the run's {requests}"
    );
    assert!(!report["created_user_ids"].as_array().unwrap().is_empty());
    // Where the contract allows more than one answer, the report says which was chosen.
    let notes = |name: &str| {
        trials
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t["notes"].to_string())
            .unwrap_or_default()
    };
    assert!(
        notes("malformed::missing_content_type").contains("media_type (choice): 201 (parsed)"),
        "{report}"
    );
    assert!(
        notes("exception::signature_binding::stale_signature")
            .contains("auth_refusal (choice): 401 UnauthorizedClientException"),
        "{report}"
    );
}

fn standalone_flags(endpoint: &str, with_fault_hook: bool) -> Vec<String> {
    let mut flags = vec![
        "--endpoint".to_string(),
        endpoint.to_string(),
        "--account-id".into(),
        DEFAULT_ACCOUNT_ID.into(),
        "--forbidden-account-id".into(),
        DEFAULT_FORBIDDEN_ACCOUNT_ID.into(),
        "--throttled-account-id".into(),
        DEFAULT_THROTTLED_ACCOUNT_ID.into(),
    ];
    if with_fault_hook {
        flags.extend([
            "--fault-header".to_string(),
            DEFAULT_FAULT_HEADER.to_string(),
        ]);
    }
    flags
}

fn run_against(endpoint: &str, with_fault_hook: bool) -> ConformanceRun {
    let flags = standalone_flags(endpoint, with_fault_hook);
    let args: Vec<&str> = flags.iter().map(String::as_str).collect();
    conformance(&args, &[])
}

#[test]
fn a_standalone_mock_gives_the_same_result() {
    let mock = spawn_default_mock_thread();
    let run = run_against(&mock.url, true);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stderr.contains("exceptions observed: 8 of 8"), "{run}");
    assert!(!run.stderr.contains("(embedded reference mock)"));
}

#[test]
fn without_a_fault_hook_the_fault_cases_are_ignored_with_a_reason() {
    let mock = spawn_default_mock_thread();
    let run = run_against(&mock.url, false);
    assert_eq!(run.code, 0, "{run}");
    for trial in [
        "exception::service_failure::injected_fault ",
        "exception::service_unavailable::injected_fault ",
        "no_trace::injected_fault ",
    ] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.contains(trial) && l.contains("... ignored (needs a fault hook")),
            "{trial}: {run}"
        );
    }
    assert!(run.stderr.contains("exceptions observed: 6 of 8"), "{run}");
    assert!(run.stdout.contains("3 ignored"), "{run}");
}

#[test]
fn missing_fixtures_and_auth_none_ignore_what_they_cannot_trigger() {
    let mock = spawn_mock_thread(chime_conformance::mock::MockConfig {
        credentials: None,
        ..Default::default()
    });
    let run = conformance(
        &[
            "--endpoint",
            &mock.url,
            "--account-id",
            DEFAULT_ACCOUNT_ID,
            "--auth",
            "none",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{run}");
    for (trial, reason) in [
        (
            "exception::forbidden::disabled_account",
            "(needs a forbidden account",
        ),
        ("exception::throttled::burst", "(needs a low-limit account"),
        (
            "exception::unauthorized::wrong_secret",
            "(needs a target that checks credentials",
        ),
    ] {
        let line = run.stdout.lines().find(|l| l.contains(trial)).unwrap_or("");
        assert!(
            line.contains("ignored") && line.contains(reason),
            "{trial}: {line:?} in {run}"
        );
    }
    assert!(!run.stdout.contains("FAILED"), "{run}");
}

#[test]
fn bad_configuration_exits_2_and_an_unreachable_target_exits_3() {
    let run = conformance(&["--endpoint", "ftp://x", "--account-id", "a"], &[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("--endpoint"), "{run}");
    let run = conformance(&["--endpoint", "http://127.0.0.1:9"], &[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("--account-id"), "{run}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("g")).unwrap();
    std::fs::write(dir.path().join("g/c.toml"), "description = 1\n").unwrap();
    let run = conformance(&["--case-dir", dir.path().to_str().unwrap()], &[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("c.toml") && run.stderr.contains("line 1"),
        "{run}"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let run = conformance(
        &[
            "--endpoint",
            &endpoint,
            "--account-id",
            "a",
            "--timeout",
            "2",
        ],
        &[],
    );
    assert_eq!(run.code, 3, "{run}");
    assert!(run.stderr.contains("target unreachable"), "{run}");
}

/// Runs the harness against an in-process mock with `defect`, with extra arguments.
async fn against_defect(
    defect: chime_conformance::mock::Defect,
    extra: Vec<String>,
) -> (ConformanceRun, chime_conformance::mock::ReferenceMock) {
    use chime_conformance::mock::{MockConfig, ReferenceMock};
    let mock = ReferenceMock::start(MockConfig {
        defect: Some(defect),
        ..MockConfig::default()
    })
    .await
    .expect("the mock starts");
    let mut args = vec![
        "--endpoint".to_string(),
        mock.uri(),
        "--account-id".into(),
        DEFAULT_ACCOUNT_ID.into(),
    ];
    args.extend(extra);
    (harness(args, Vec::new()).await, mock)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_is_shrunk_persisted_and_replayed_first_next_run() {
    use chime_conformance::mock::Defect;
    let dir = tempfile::tempdir().unwrap();
    let regressions = dir.path().join("regressions.jsonl");
    let extra = vec![
        "--exact".to_string(),
        "property::valid_request_creates_user".into(),
        "--seed".into(),
        "99".into(),
        "--regressions".into(),
        regressions.display().to_string(),
    ];
    let (run, _mock) = against_defect(Defect::WrongUserTypeEcho, extra.clone()).await;
    assert_eq!(run.code, 1, "{run}");
    let message = &run.stdout;
    assert!(message.contains("invariant.user_type"), "{run}");
    assert!(message.contains("shrunk in"), "{run}");
    // Shrunk: the Email is gone from the minimal request; the UserType that the defect
    // needs is still there.
    let body = message
        .lines()
        .find(|l| l.trim_start().starts_with("body: {") && l.contains("UserType"))
        .unwrap_or_else(|| panic!("no request body line in {run}"));
    assert!(!body.contains("Email"), "not minimal: {body}");
    assert!(message.contains("seed: 99"), "{run}");
    assert!(message.contains("curl -sS -i -X POST"), "{run}");
    assert!(
        message
            .contains("chime-conformance --exact property::valid_request_creates_user --seed 99"),
        "{run}"
    );
    // Persisted, and replayed first by the next run, whatever its seed.
    let persisted = std::fs::read_to_string(&regressions).expect("the regressions file");
    assert_eq!(persisted.lines().count(), 1, "{persisted}");
    assert!(persisted.contains("property::valid_request_creates_user"));
    let mut extra = extra;
    extra[3] = "100".into();
    let (run, _mock) = against_defect(Defect::WrongUserTypeEcho, extra).await;
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stdout
            .contains("found: replayed from the regressions file"),
        "{run}"
    );
}

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    use std::process::{Command, Stdio};
    // A pipe whose reading end is closed before the child starts.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_chime-conformance"))
        .arg("--list")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("the run ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn most_answers_401_is_a_health_warning_and_strict_health_makes_it_a_failure() {
    let mock = spawn_default_mock_thread();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let summary = dir.path().join("summary.md");
    // A wrong secret: every probe is answered 401, and each 401 is a well-formed error, so
    // the property passes; the run could not judge it, and says so.
    let mut flags = standalone_flags(&mock.url, true);
    flags.extend(
        [
            "--exact",
            "property::error_responses_follow_restjson1",
            "--report",
            report.to_str().unwrap(),
            "--summary",
            summary.to_str().unwrap(),
        ]
        .map(String::from),
    );
    let args: Vec<&str> = flags.iter().map(String::as_str).collect();
    let env = [("AWS_SECRET_ACCESS_KEY", "not-the-mock-secret")];
    let run = conformance(&args, &env);
    assert_eq!(run.code, 0, "{run}");
    let warning = run
        .stderr
        .split("run health:\n  ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_default();
    assert!(
        warning.starts_with("property::error_responses_follow_restjson1: ")
            && warning.contains("answers were HTTP 401: the credentials are not accepted"),
        "{run}"
    );
    let json: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(json["health"][0]["status"], 401, "{json}");
    assert_eq!(json["health"].as_array().map(Vec::len), Some(1), "{json}");
    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(markdown.contains("### ⚠️ Run health (1)"), "{markdown}");

    let mut strict = args.clone();
    strict.push("--strict-health");
    let run = conformance(&strict, &env);
    assert_eq!(run.code, 1, "{run}");

    // A healthy run has no warning, strict or not.
    let mut healthy = standalone_flags(&mock.url, true);
    healthy.extend(
        [
            "--exact",
            "property::error_responses_follow_restjson1",
            "--strict-health",
        ]
        .map(String::from),
    );
    let args: Vec<&str> = healthy.iter().map(String::as_str).collect();
    let run = conformance(&args, &[]);
    assert_eq!(run.code, 0, "{run}");
    assert!(!run.stderr.contains("run health:"), "{run}");
}

#[test]
fn a_constraint_without_an_answered_probe_is_a_health_warning() {
    let mock = spawn_default_mock_thread();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    // A budget too small for the properties: most of their probes are never sent.
    let mut flags = standalone_flags(&mock.url, true);
    flags.extend(["--budget", "60", "--report", report.to_str().unwrap()].map(String::from));
    let args: Vec<&str> = flags.iter().map(String::as_str).collect();
    let run = conformance(&args, &[]);
    assert_eq!(run.code, 1, "the budget cuts the run short: {run}");
    let json: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let gaps: Vec<&Value> = json["health"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|w| w["trial"] == "input_coverage")
        .collect();
    assert!(!gaps.is_empty(), "{}", json["health"]);
    assert!(run.stderr.contains("input_coverage: "), "{run}");
}

/// The README's standalone example, as a new user runs it, gives what the README says.
#[test]
fn the_readme_standalone_example_gives_what_it_says() {
    let mock = spawn_default_mock_thread();
    let run = conformance(
        &["--endpoint", &mock.url, "--account-id", DEFAULT_ACCOUNT_ID],
        &[],
    );
    assert_eq!(run.code, 0, "{run}");
    let readme = include_str!("../../README.md");
    let claim = readme
        .lines()
        .find(|l| l.starts_with("gives ") && l.contains(" passed and "))
        .expect("README's standalone example states its result");
    let count = |word: &str| -> String {
        let before = claim.split(&format!(" {word}")).next().unwrap_or_default();
        before.rsplit(' ').next().unwrap_or_default().to_string()
    };
    let (passed, ignored) = (count("passed"), count("ignored"));
    assert!(
        run.stdout
            .contains(&format!("{passed} passed; 0 failed; {ignored} ignored")),
        "README says {passed} passed and {ignored} ignored: {run}"
    );
    assert!(run.stderr.contains("exceptions observed: 4 of 8"), "{run}");
}

#[test]
fn an_unwritable_report_is_an_io_failure_exit_5() {
    let dir = tempfile::tempdir().unwrap();
    // A report under a path whose parent is a file cannot be written, even by root.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let report = file.join("report.json");
    let report = report.to_str().unwrap();
    let run = conformance(
        &["--report", report, "--exact", "malformed::trailing_comma"],
        &[],
    );
    assert_eq!(run.code, 5, "{run}");
    assert!(
        run.stderr.contains(&format!(
            "chime-conformance: error: failed to write the report {report}: "
        )),
        "{run}"
    );
    assert!(
        run.stdout.contains("1 passed"),
        "the run itself finished: {run}"
    );
}

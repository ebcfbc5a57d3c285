//! Differential runs and cassettes: the reference mock compared with itself gives no
//! difference; with one `Defect` on the right, the defect's rules (and only those) break on
//! the right only, as a contract-level difference; with a conforming `Variant`, no
//! contract-level difference. A cassette recorded against the standalone mock is HAR 1.2,
//! holds one entry per exchange, keeps no secret, and replays green against the embedded
//! mock and red against a defective one.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use chime_conformance::check::diff::DiffClass;
use chime_conformance::mock::{Defect, MockConfig, ReferenceMock, Variant};

use crate::mutation::MUTANTS;
use crate::util::{harness, spawn_default_mock_thread, ConformanceRun};

/// A target profile for a mock (its endpoint and fixtures).
fn profile_of(mock: &ReferenceMock, dir: &Path) -> String {
    let f = mock.fixtures();
    let text = format!(
        "endpoint = {:?}\naccount_id = {:?}\nforbidden_account_id = {:?}\nthrottled_account_id = {:?}\nfault_header = {:?}\n",
        mock.uri(),
        f.account_id,
        f.forbidden_account_id.unwrap_or_default(),
        f.throttled_account_id.unwrap_or_default(),
        f.fault_header.unwrap_or_default(),
    );
    let path = dir.join(format!("{}.toml", mock.address().port()));
    std::fs::write(&path, text).expect("write the profile");
    path.display().to_string()
}

/// A differential run: the embedded mock (left) against `right`; the run and its report.
async fn compare_with(right: MockConfig, extra: &[&str]) -> (ConformanceRun, Value) {
    let mock = ReferenceMock::start(right).await.expect("the mock starts");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let report = dir.path().join("report.json");
    let mut args = vec![
        "--compare-target".to_string(),
        profile_of(&mock, dir.path()),
        "--report".into(),
        report.display().to_string(),
        "--seed".into(),
        "7".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let run = harness(args, Vec::new()).await;
    (run, read_json(&report))
}

fn read_json(path: &Path) -> Value {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null)
}

/// The classes that differ, by level.
fn differing(report: &Value, level: &str) -> BTreeSet<String> {
    report["drift"]["classes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["level"] == level && c["count"].as_u64().unwrap_or(0) > 0)
        .filter_map(|c| c["class"].as_str().map(str::to_string))
        .collect()
}

/// Whether libtest reported `trial` as failed.
fn failed(run: &ConformanceRun, trial: &str) -> bool {
    run.stdout.lines().any(|l| {
        l.strip_prefix("test ")
            .and_then(|rest| rest.split_whitespace().next())
            == Some(trial)
            && l.ends_with("FAILED")
    })
}

fn rule_names(report: &Value, side: &str) -> BTreeSet<String> {
    report["drift"][format!("rules_broken_by_{side}_only")]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_against_itself_differs_in_nothing() {
    let (run, report) = compare_with(MockConfig::default(), &[]).await;
    assert_eq!(run.code, 0, "{run}");
    assert!(
        report["drift"]["compared"].as_u64().unwrap_or(0) > 700,
        "{report}"
    );
    assert_eq!(differing(&report, "contract"), BTreeSet::new(), "{run}");
    assert_eq!(differing(&report, "wire"), BTreeSet::new(), "{run}");
    assert!(run.stdout.contains("7 passed"), "{run}");
}

/// How many differential runs the loops over `Defect::ALL` and `Variant::ALL` keep going
/// at once: each run is a harness process against an in-process mock, and most of its
/// time is spent waiting on the other side, so a few at once use both cores.
const RUNS_AT_ONCE: usize = 3;

/// Runs `check` for every item, `RUNS_AT_ONCE` at a time; the failures, in item order.
async fn for_each_at_once<T: Copy + std::fmt::Display, F>(
    items: &[T],
    check: impl Fn(T) -> F,
) -> Vec<String>
where
    F: std::future::Future<Output = Result<(), String>>,
{
    use futures::StreamExt;
    let mut results: Vec<(usize, Result<(), String>)> =
        futures::stream::iter(items.iter().enumerate())
            .map(|(i, &item)| {
                let checked = check(item);
                async move { (i, checked.await) }
            })
            .buffer_unordered(RUNS_AT_ONCE)
            .collect()
            .await;
    results.sort_by_key(|(i, _)| *i);
    results
        .into_iter()
        .filter_map(|(i, result)| result.err().map(|e| format!("{}: {e}", items[i])))
        .collect()
}

/// Turns a failed condition into the failure text of one item.
fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(message())
    }
}

/// One defect on the right: a contract-level difference whose rules are the defect's own,
/// broken on the right only.
async fn defect_differs_by_its_rules(defect: Defect) -> Result<(), String> {
    let mutant = MUTANTS
        .iter()
        .find(|m| m.defect == defect)
        .ok_or_else(|| "not in MUTANTS".to_string())?;
    let config = MockConfig {
        defect: Some(defect),
        ..MockConfig::default()
    };
    // A restriction is a conforming choice unless the run is --strict.
    let strict: &[&str] = if mutant.strict { &["--strict"] } else { &[] };
    let (run, report) = compare_with(config, strict).await;
    ensure(run.code == 1, || {
        format!("a contract-level difference fails\n{run}")
    })?;
    ensure(
        differing(&report, "contract").contains(DiffClass::ContractRule.name()),
        || format!("{}", report["drift"]),
    )?;
    let right = rule_names(&report, "right");
    let allowed: BTreeSet<String> = std::iter::once(mutant.rule)
        .chain(mutant.also.iter().copied())
        .map(|r| r.name().to_string())
        .collect();
    ensure(
        right.contains(mutant.rule.name()) && right.is_subset(&allowed),
        || format!("the right broke {right:?}, its rules are {allowed:?}"),
    )?;
    let left = rule_names(&report, "left");
    ensure(left.is_empty(), || format!("the left broke {left:?}"))?;
    ensure(failed(&run, "diff::contract_rule"), || format!("{run}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_defect_is_its_own_rules_broken_on_the_right_only() {
    let failures = for_each_at_once(Defect::ALL, defect_differs_by_its_rules).await;
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// One conforming variant on the right: no contract-level difference.
async fn variant_differs_in_no_contract_class(variant: Variant) -> Result<(), String> {
    let config = MockConfig {
        variant: Some(variant),
        ..MockConfig::default()
    };
    let (run, report) = compare_with(config, &[]).await;
    ensure(run.code == 0, || format!("{run}"))?;
    let contract = differing(&report, "contract");
    ensure(contract.is_empty(), || {
        format!("{contract:?}: {}", report["drift"])
    })?;
    // A variant that answers some requests with another conforming outcome than the plain
    // mock shows as `diff::choice`, as information.
    let other_outcome = matches!(
        variant,
        Variant::UnsupportedMediaType
            | Variant::SerializationErrors
            | Variant::FrontDoorAuthErrors
            | Variant::CaseSensitiveEmails
            | Variant::RestrictUnusualInput
            | Variant::RustRegexPatterns
    );
    let wire = differing(&report, "wire");
    ensure(!other_outcome || wire.contains("choice"), || {
        format!("no diff::choice: {wire:?}: {}", report["drift"])
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conforming_variant_differs_in_no_contract_level_class() {
    let failures = for_each_at_once(Variant::ALL, variant_differs_in_no_contract_class).await;
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Runs the suite against a standalone mock, recording a cassette; the cassette's path,
/// the run and its report.
async fn record_against_standalone(dir: &Path) -> (std::path::PathBuf, ConformanceRun, Value) {
    let mock = spawn_default_mock_thread();
    let cassette = dir.join("nightly/cassette.har");
    let report = dir.join("report.json");
    let args: Vec<String> = [
        "--endpoint",
        &mock.url,
        "--account-id",
        chime_conformance::mock::DEFAULT_ACCOUNT_ID,
        "--forbidden-account-id",
        chime_conformance::mock::DEFAULT_FORBIDDEN_ACCOUNT_ID,
        "--throttled-account-id",
        chime_conformance::mock::DEFAULT_THROTTLED_ACCOUNT_ID,
        "--fault-header",
        chime_conformance::mock::DEFAULT_FAULT_HEADER,
        "--record",
        &cassette.display().to_string(),
        "--report",
        &report.display().to_string(),
        "--cases",
        "64",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let env = vec![("AWS_SESSION_TOKEN".to_string(), "tok3n-SESSION".to_string())];
    let run = harness(args, env).await;
    drop(mock);
    (cassette, run, read_json(&report))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cassette_is_har_with_every_exchange_and_no_secret_and_replays() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (cassette, run, report) = record_against_standalone(dir.path()).await;
    assert_eq!(run.code, 0, "{run}");
    let text = std::fs::read_to_string(&cassette).expect("the cassette is written");
    let har: Value = serde_json::from_str(&text).expect("the cassette is JSON");
    assert_eq!(har["log"]["version"], "1.2");
    let entries = har["log"]["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // Every request the run sent, but the preflight and the retries of a 429.
    let sent = report["summary"]["requests"].as_u64().unwrap_or(0);
    let retries = report["summary"]["throttle_retries"].as_u64().unwrap_or(0);
    assert_eq!(
        entries.len() as u64,
        sent - 1 - retries,
        "{}",
        report["summary"]
    );
    for entry in &entries {
        for part in [
            "startedDateTime",
            "time",
            "request",
            "response",
            "cache",
            "timings",
            "_chime",
        ] {
            assert!(!entry[part].is_null(), "an entry has no {part}: {entry}");
        }
    }
    let secret = chime_conformance::mock::DEFAULT_SECRET_ACCESS_KEY;
    for leak in [
        "Signature=",
        "tok3n-SESSION",
        "x-amz-date",
        "@example.com",
        secret,
    ] {
        assert!(!text.contains(leak), "the cassette holds {leak:?}");
    }
    assert!(
        text.contains("\\\"PersonalPIN\\\":\\\"***\\\""),
        "PINs are masked"
    );

    // Replayed against the embedded mock: green; against a defective mock: red.
    let replay = |extra: Vec<String>| {
        let mut args = vec!["--replay".to_string(), cassette.display().to_string()];
        args.extend(extra);
        harness(args, Vec::new())
    };
    let green = replay(Vec::new()).await;
    assert_eq!(green.code, 0, "{green}");
    let broken = ReferenceMock::start(MockConfig {
        defect: Some(Defect::WrongAccountIdEcho),
        ..MockConfig::default()
    })
    .await
    .expect("the mock starts");
    let mut flags = vec!["--endpoint".to_string(), broken.uri()];
    flags.extend(crate::util::fixture_flags(&broken));
    let red = replay(flags).await;
    assert_eq!(red.code, 1, "{red}");
    assert!(failed(&red, "diff::contract_rule"), "{red}");
}

/// A run of the malformed trials only (a libtest filter), recording a cassette at
/// `cassette`, against `endpoint` (the embedded mock when `None`) unsigned when
/// `unsigned`.
async fn record_malformed(
    cassette: &Path,
    endpoint: Option<&str>,
    unsigned: bool,
) -> ConformanceRun {
    let mut args = vec![
        "--record".to_string(),
        cassette.display().to_string(),
        "malformed::".into(),
    ];
    if let Some(endpoint) = endpoint {
        args.extend(["--endpoint".into(), endpoint.into()]);
        args.extend(["--account-id".into(), "acct".into()]);
    }
    if unsigned {
        args.extend(["--auth".into(), "none".into()]);
    }
    harness(args, Vec::new()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_body_accepted_on_replay_fails_the_replay_by_its_rule() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cassette = dir.path().join("malformed.har");
    let recorded = record_malformed(&cassette, None, false).await;
    assert_eq!(recorded.code, 0, "{recorded}");
    let lenient = ReferenceMock::start(MockConfig {
        defect: Some(Defect::AcceptTrailingData),
        ..MockConfig::default()
    })
    .await
    .expect("the mock starts");
    let report = dir.path().join("report.json");
    let mut args = vec![
        "--replay".to_string(),
        cassette.display().to_string(),
        "--report".into(),
        report.display().to_string(),
        "--endpoint".into(),
        lenient.uri(),
    ];
    args.extend(crate::util::fixture_flags(&lenient));
    let red = harness(args, Vec::new()).await;
    assert_eq!(red.code, 1, "{red}");
    assert!(failed(&red, "diff::contract_rule"), "{red}");
    let report = read_json(&report);
    assert_eq!(
        rule_names(&report, "right"),
        BTreeSet::from(["input.malformed_refused".to_string()]),
        "{}",
        report["drift"]
    );
    assert!(
        report["drift"]["not_compared"]
            .as_array()
            .is_none_or(|n| n.is_empty()),
        "every body is replayed: {}",
        report["drift"]
    );
}

/// A server that keeps the body of every CreateUser request it gets (the preflight's
/// aside) and refuses each with a 400 BadRequestException.
async fn body_keeper() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = bodies.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut buf = vec![0u8; 64 * 1024];
                let head_end = loop {
                    if let Some(at) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        break at + 4;
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
                while seen.len() < head_end + length {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                if !head.contains("preflight") {
                    let body = seen[head_end..head_end + length].to_vec();
                    kept.lock().expect("not poisoned").push(body);
                }
                let body = r#"{"Code":"BadRequest","Message":"kept"}"#;
                let answer = format!(
                    "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nx-amzn-errortype: BadRequestException\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    (format!("http://{address}"), bodies)
}

/// A body with each address the harness makes (`chime-conformance+...@example.com`)
/// replaced by `EMAIL`.
fn without_addresses(body: &[u8]) -> Vec<u8> {
    const START: &[u8] = b"chime-conformance+";
    const END: &[u8] = b"@example.com";
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.windows(START.len()).position(|w| w == START) {
        out.extend_from_slice(&rest[..at]);
        let after = &rest[at..];
        match after.windows(END.len()).position(|w| w == END) {
            Some(end) => {
                out.extend_from_slice(b"EMAIL");
                rest = &after[end + END.len()..];
            }
            None => {
                out.extend_from_slice(after);
                rest = &[];
            }
        }
    }
    out.extend_from_slice(rest);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_sends_every_recorded_malformed_body_byte_for_byte_but_its_emails() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cassette = dir.path().join("malformed.har");
    let (first, recorded) = body_keeper().await;
    record_malformed(&cassette, Some(&first), true).await;
    let (second, replayed) = body_keeper().await;
    let args = vec![
        "--replay".to_string(),
        cassette.display().to_string(),
        "--endpoint".into(),
        second,
        "--account-id".into(),
        "acct".into(),
        "--auth".into(),
        "none".into(),
    ];
    let run = harness(args, Vec::new()).await;
    let bodies = |kept: &std::sync::Mutex<Vec<Vec<u8>>>| {
        let mut bodies: Vec<Vec<u8>> = kept
            .lock()
            .expect("not poisoned")
            .iter()
            .map(|b| without_addresses(b))
            .collect();
        bodies.sort();
        bodies
    };
    let (recorded, replayed) = (bodies(&recorded), bodies(&replayed));
    assert_eq!(recorded.len(), 13, "one request per malformed class");
    assert!(
        recorded
            .iter()
            .any(|b| b.windows(2).any(|w| w == [0xff, 0xfe])),
        "the invalid UTF-8 body was sent"
    );
    assert!(
        recorded
            .iter()
            .any(|b| b.ends_with(b"} trailing") && b.windows(5).any(|w| w == b"EMAIL")),
        "the trailing-data body carried an address"
    );
    let differ: Vec<String> = recorded
        .iter()
        .zip(&replayed)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| {
            let show = |x: &[u8]| String::from_utf8_lossy(&x[..x.len().min(120)]).into_owned();
            format!("recorded {} / replayed {}", show(a), show(b))
        })
        .collect();
    assert!(
        recorded.len() == replayed.len() && differ.is_empty(),
        "{} recorded, {} replayed; differing: {differ:#?}\n{run}",
        recorded.len(),
        replayed.len()
    );
}

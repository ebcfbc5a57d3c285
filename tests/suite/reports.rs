//! The JUnit and Markdown reporters, fed a report built by hand: a passed property, a
//! failed case with rules, a transport failure, an ignored case, and the exception matrix
//! of the built-in cases. The JUnit must parse as XML and agree with the records; the
//! Markdown must show the whole matrix and the failures, with `|` escaped.

use chime_conformance::check::Rule;
use chime_conformance::contract::Exception;
use chime_conformance::input::cases::embedded_cases;
use chime_conformance::report::junit::{junit_xml, write_junit};
use chime_conformance::report::markdown::{summary_markdown, write_summary};
use chime_conformance::report::matrix::build_matrix;
use chime_conformance::report::record::{
    FailureRecord, RunRecord, Summary, TrialOutcome, TrialRecord,
};
use chime_conformance::runner::planned_cases;
use std::time::Duration;

const FAILED_MESSAGE: &str = "input: step 2 of 2: expect ConflictException (HTTP 409)
rules broken:
  - case.expected_exception (an exception case's trigger yields its exception): got HTTP 201 | not 409
  - error.status (the status is the one the model gives the type): <none>
request:
  POST http://127.0.0.1:4566/accounts/a1b2c3d4-0000-4000-8000-000000000001/users?operation=create
  authorization: AWS4-HMAC-SHA256 *** (masked)
  body: {\"Email\":\"***@***\"}
seed: 42";

fn records() -> Vec<TrialRecord> {
    vec![
        TrialRecord::case(
            "exception::conflict::duplicate_email",
            Exception::Conflict,
            TrialOutcome::Failed(FailureRecord::new(
                vec![Rule::CaseExpectedException, Rule::ErrorStatus],
                false,
                FAILED_MESSAGE,
            )),
        )
        .with_requests(2)
        .with_duration(Duration::from_millis(31)),
        TrialRecord::case(
            "exception::bad_request::invalid_email",
            Exception::BadRequest,
            TrialOutcome::UnexpectedPass {
                reason: "staging accepted any Email until TICKET-77".into(),
            },
        )
        .with_requests(1)
        .with_duration(Duration::from_millis(3)),
        TrialRecord::case(
            "exception::conflict::duplicate_email_other_case",
            Exception::Conflict,
            TrialOutcome::ExpectedFailure {
                reason: "staging compares emails case-sensitively | TICKET-1234".into(),
                failure: FailureRecord::new(
                    vec![Rule::CaseExpectedException],
                    false,
                    "input: step 2 of 2\nrules broken:\n  - case.expected_exception: got HTTP 201",
                ),
            },
        )
        .with_requests(2)
        .with_duration(Duration::from_millis(9)),
        TrialRecord::case(
            "exception::forbidden::disabled_account",
            Exception::Forbidden,
            TrialOutcome::Ignored {
                reason: "needs a forbidden account (--forbidden-account-id | profile)".into(),
            },
        )
        .with_requests(0)
        .with_duration(Duration::from_millis(0)),
        TrialRecord::case(
            "exception::not_found::unknown_account",
            Exception::NotFound,
            TrialOutcome::Passed,
        )
        .with_requests(1)
        .with_duration(Duration::from_millis(4)),
        TrialRecord::property(
            "property::error_responses_follow_restjson1",
            TrialOutcome::Failed(FailureRecord::new(
                vec![],
                true,
                "transport failure (Timeout), not a contract violation:\n  timed out after 10 s",
            )),
        )
        .with_requests(17)
        .with_duration(Duration::from_millis(10_012)),
        TrialRecord::property("property::valid_request_creates_user", TrialOutcome::Passed)
            .with_requests(256)
            .with_duration(Duration::from_millis(1_234)),
    ]
}

fn with_report<T>(f: impl FnOnce(&RunRecord) -> T) -> T {
    let records = records();
    let cases = embedded_cases().expect("the built-in cases load");
    let mut report = RunRecord::new(
        "b67a6d1b",
        11_569_253_863_378_015_961,
        "https://chime.staging.example",
        false,
    );
    report.exception_matrix = build_matrix(&planned_cases(&cases), &records);
    report.summary = Summary::of(
        &records,
        &report.exception_matrix,
        records.iter().map(|r| r.requests).sum(),
        0,
    );
    report.trials = records;
    report.created_user_ids = vec!["4a6c0f47-8a2b-4c1e-9a53-0d7d1b2f0c11".to_string()];
    f(&report)
}

fn attr<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    node.attribute(name)
        .unwrap_or_else(|| panic!("<{}> has no {name} attribute", node.tag_name().name()))
}

#[test]
fn junit_parses_and_agrees_with_the_records() {
    with_report(|report| {
        let xml = junit_xml(report).expect("the JUnit XML is made");
        let doc = roxmltree::Document::parse(&xml).expect("the JUnit report is well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        let suites: Vec<_> = root
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        assert_eq!(suites.len(), 1, "{xml}");
        let suite = suites[0];
        assert_eq!(attr(suite, "name"), "chime-conformance");
        let s = &report.summary;
        assert_eq!(attr(suite, "tests"), report.trials.len().to_string());
        assert_eq!(attr(suite, "failures"), s.failed.to_string());
        assert_eq!(attr(suite, "errors"), "0");
        // Expected failures are reported as skipped, as pytest reports an xfail.
        let skipped = (s.ignored + s.expected_failures).to_string();
        assert_eq!(attr(suite, "skipped"), skipped);

        let properties: Vec<(&str, &str)> = suite
            .descendants()
            .filter(|n| {
                n.has_tag_name("property") && n.parent().is_some_and(|p| p.parent() == Some(suite))
            })
            .map(|n| (attr(n, "name"), attr(n, "value")))
            .collect();
        assert!(
            properties.contains(&("seed", "11569253863378015961")),
            "{properties:?}"
        );
        assert!(
            properties.contains(&("run_id", "b67a6d1b")),
            "{properties:?}"
        );

        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), report.trials.len());
        for (case, record) in cases.iter().zip(&report.trials) {
            assert_eq!(attr(*case, "name"), record.name);
            let classname = record.name.split("::").next().unwrap();
            assert_eq!(attr(*case, "classname"), classname);
            let time: f64 = attr(*case, "time").parse().expect("time is seconds");
            assert!(
                (time - record.duration.as_secs_f64()).abs() < 0.001,
                "{time}"
            );
            let child = |tag: &str| case.children().find(|n| n.has_tag_name(tag));
            match &record.outcome {
                TrialOutcome::Passed => {
                    assert!(child("failure").is_none() && child("skipped").is_none());
                }
                TrialOutcome::UnexpectedPass { reason } => {
                    assert!(child("failure").is_none() && child("skipped").is_none());
                    let out = child("system-out")
                        .and_then(|n| n.text())
                        .unwrap_or_default();
                    assert!(out.contains(reason.as_str()), "{out}");
                }
                TrialOutcome::ExpectedFailure { reason, failure } => {
                    let message = &failure.message;
                    let skipped = child("skipped").expect("an expected failure is <skipped>");
                    assert!(attr(skipped, "message").contains(reason.as_str()));
                    assert_eq!(attr(skipped, "type"), "expected failure");
                    assert_eq!(skipped.text(), Some(message.as_str()));
                    assert!(child("failure").is_none());
                }
                TrialOutcome::Failed(record) => {
                    let failure = child("failure").expect("a failed trial has <failure>");
                    let expected = if record.transport {
                        "transport failure".to_string()
                    } else {
                        let names: Vec<_> = record.rules.iter().map(|r| r.name()).collect();
                        names.join(", ")
                    };
                    assert_eq!(attr(failure, "message"), expected);
                    let class = if record.transport {
                        "transport"
                    } else {
                        "conformance"
                    };
                    assert_eq!(attr(failure, "type"), class);
                    assert_eq!(failure.text(), Some(record.message.as_str()));
                    assert!(child("skipped").is_none());
                }
                TrialOutcome::Ignored { reason } => {
                    let skipped = child("skipped").expect("an ignored trial has <skipped>");
                    assert_eq!(attr(skipped, "message"), reason);
                    assert!(child("failure").is_none());
                }
            }
        }
    });
}

#[test]
fn markdown_shows_the_matrix_failures_and_ignored_trials() {
    with_report(|report| {
        let md = summary_markdown(report);
        assert!(md.starts_with("## ❌ chime-conformance: failed\n"), "{md}");
        assert!(
            md.contains("**3 passed**, **2 failed**, 1 ignored, 1 expected failure (1 unexpected pass) · 279 requests"),
            "{md}"
        );
        assert!(md.contains("seed `11569253863378015961`"), "{md}");
        assert!(md.contains("run `b67a6d1b`"), "{md}");
        assert!(
            md.contains("endpoint `https://chime.staging.example`"),
            "{md}"
        );
        assert!(md.contains("Users created by this run: **1**"), "{md}");

        // Every exception has its row, with its status and verdict.
        for exception in Exception::ALL {
            let row = format!(
                "| {} | {} |",
                exception.shape_name(),
                exception.http_status()
            );
            assert!(md.contains(&row), "no matrix row {row:?} in\n{md}");
        }
        assert!(md.contains(
            "| ConflictException | 409 | no | state | ❌ **fail** | failed: `exception::conflict::duplicate_email` |"
        ), "{md}");
        assert!(md.contains(
            "| NotFoundException | 404 | yes | state | ✅ pass | `exception::not_found::unknown_account` |"
        ), "{md}");

        // The failed trials with their rules, the first line of their message and in full.
        assert!(md.contains(
            "| `exception::conflict::duplicate_email` | contract | `case.expected_exception`, `error.status` | `input: step 2 of 2: expect ConflictException (HTTP 409)` |"
        ), "{md}");
        assert!(
            md.contains("| `property::error_responses_follow_restjson1` | transport (not a contract violation) | `transport failure` |"),
            "{md}"
        );
        assert!(
            md.contains(&format!("```text\n{FAILED_MESSAGE}\n```")),
            "{md}"
        );

        // Expected failures and unexpected passes, each with its reason.
        assert!(md.contains("### Expected failures (1)"), "{md}");
        assert!(md.contains(
            "| `exception::conflict::duplicate_email_other_case` | staging compares emails case-sensitively \\| TICKET-1234 | contract | `case.expected_exception` | `input: step 2 of 2` |"
        ), "{md}");
        assert!(md.contains("### Unexpected passes (1)"), "{md}");
        assert!(md.contains(
            "| `exception::bad_request::invalid_email` | staging accepted any Email until TICKET-77 |"
        ), "{md}");
        assert!(md.contains(
            "| BadRequestException | 400 | yes | input | ✅ pass | `exception::bad_request::invalid_email` |"
        ), "{md}");

        // `|` is escaped in cells, so every row of a table has as many cells as its header.
        assert!(md.contains(r"(--forbidden-account-id \| profile)"), "{md}");
        let mut columns = None;
        for line in md.lines() {
            if !line.starts_with('|') {
                columns = None;
                continue;
            }
            let cells = unescaped_pipes(line);
            match columns {
                None => columns = Some(cells),
                Some(n) => assert_eq!(cells, n, "row with a stray `|`: {line}"),
            }
        }
    });
}

fn unescaped_pipes(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '|' {
            count += 1;
        }
    }
    count
}

#[test]
fn both_reports_are_written_to_files() {
    let dir = tempfile::tempdir().unwrap();
    with_report(|report| {
        let junit = dir.path().join("reports/junit.xml");
        let summary = dir.path().join("reports/summary.md");
        write_junit(&junit, report).expect("the JUnit report is written");
        write_summary(&summary, report).expect("the summary is written");
        assert_eq!(
            std::fs::read_to_string(&junit).unwrap(),
            junit_xml(report).unwrap()
        );
        assert_eq!(
            std::fs::read_to_string(&summary).unwrap(),
            summary_markdown(report)
        );
    });
}

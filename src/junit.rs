//! The JUnit XML report (`--junit PATH`), for CI tools that annotate test results: one
//! `<testsuite name="chime-conformance">` with one `<testcase>` per trial record, built with
//! the `quick-junit` crate as cargo-nextest builds its own. Like the JSON report it is a
//! consumer of trial records only, and holds nothing the records do not: failure text is
//! the record's message, already masked.
//!
//! Mapping:
//! - a passed trial is a plain `<testcase>`;
//! - a failed trial has a `<failure>` whose `message` names the broken rules
//!   (comma-separated, or "transport failure"), whose `type` is `conformance` or
//!   `transport`, and whose text is the full rendered message;
//! - an ignored trial has `<skipped message="reason">`;
//! - an expected failure (listed in the target profile, and failed) is skipped too, as
//!   pytest reports an xfail: `type="expected failure"`, the reason and rules as message,
//!   the failure message as text; an unexpected pass is a passed testcase whose
//!   `<system-out>` says to remove it from the list;
//! - the classname is the first segment of the trial name (`property`, `exception`);
//! - the seed, run id, endpoint, tool version, request count and exceptions observed are
//!   testsuite `<properties>`, and the exception matrix is the testsuite's `<system-out>`.

use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use crate::matrix::render_matrix;
use crate::report::{Report, ReportError};
use crate::runner::{RecordedOutcome, TrialRecord};

/// The name of the report and of its one testsuite.
pub const SUITE_NAME: &str = "chime-conformance";

/// Writes the report as JUnit XML to `path`, creating its parent directories.
pub fn write_junit(path: &Path, report: &Report<'_>) -> Result<(), ReportError> {
    let xml = junit_xml(report).map_err(|e| ReportError {
        path: path.display().to_string(),
        reason: e.reason,
    })?;
    write_text(path, &xml)
}

/// The report as a JUnit XML document.
///
/// ```
/// use chime_conformance::junit::junit_xml;
/// use chime_conformance::report::{Report, Summary};
///
/// let report = Report {
///     tool: "chime-conformance",
///     version: "0.1.0",
///     run_id: "b67a6d1b",
///     seed: 7,
///     endpoint: "http://127.0.0.1:4566",
///     embedded_mock: false,
///     summary: Summary::default(),
///     trials: &[],
///     exception_matrix: &[],
///     created_user_ids: &[],
/// };
/// let xml = junit_xml(&report).unwrap();
/// assert!(xml.contains(r#"<testsuite name="chime-conformance" tests="0""#));
/// assert!(xml.contains(r#"<property name="seed" value="7"/>"#));
/// ```
pub fn junit_xml(report: &Report<'_>) -> Result<String, ReportError> {
    let mut suite = TestSuite::new(SUITE_NAME);
    suite.add_properties([
        Property::new("seed", report.seed.to_string()),
        Property::new("run_id", report.run_id),
        Property::new("endpoint", report.endpoint),
        Property::new("embedded_mock", report.embedded_mock.to_string()),
        Property::new("version", report.version),
        Property::new("requests", report.summary.requests.to_string()),
        Property::new(
            "exceptions_observed",
            format!(
                "{} of {}",
                report.summary.exceptions_observed,
                report.exception_matrix.len()
            ),
        ),
    ]);
    suite.add_test_cases(report.trials.iter().map(test_case));
    // quick-junit counts skipped cases as `disabled`; most CI tools read `skipped`.
    let skipped = suite.disabled.to_string();
    suite.extra.insert("skipped".into(), skipped.into());
    if !report.exception_matrix.is_empty() {
        suite.set_system_out(render_matrix(report.exception_matrix));
    }

    let mut junit = quick_junit::Report::new(SUITE_NAME);
    junit.add_test_suite(suite);
    junit.to_string().map_err(|e| ReportError {
        path: "(JUnit XML in memory)".into(),
        reason: format!("failed to serialise JUnit XML: {e}"),
    })
}

/// The message of a failed trial's `<failure>`: its rules, or "transport failure".
pub(crate) fn failure_headline(rules: &[String], transport: bool) -> String {
    let mut parts: Vec<&str> = Vec::new();
    if transport {
        parts.push("transport failure");
    }
    parts.extend(rules.iter().map(String::as_str));
    if parts.is_empty() {
        "failed".to_string()
    } else {
        parts.join(", ")
    }
}

fn test_case(record: &TrialRecord) -> TestCase {
    let status = match &record.outcome {
        RecordedOutcome::Passed => TestCaseStatus::success(),
        RecordedOutcome::Failed {
            rules,
            transport,
            message,
        } => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(failure_headline(rules, *transport))
                .set_type(if *transport {
                    "transport"
                } else {
                    "conformance"
                })
                .set_description(message.as_str());
            status
        }
        RecordedOutcome::Ignored { reason } => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(reason.as_str());
            status
        }
        // As pytest reports an xfail: skipped, with the failure kept as the text.
        RecordedOutcome::ExpectedFailure {
            reason,
            rules,
            transport,
            message,
        } => {
            let mut status = TestCaseStatus::skipped();
            status
                .set_message(format!(
                    "expected failure ({}): {reason}",
                    failure_headline(rules, *transport)
                ))
                .set_type("expected failure")
                .set_description(message.as_str());
            status
        }
        RecordedOutcome::UnexpectedPass { .. } => TestCaseStatus::success(),
    };
    let mut case = TestCase::new(record.name.as_str(), status);
    if let RecordedOutcome::UnexpectedPass { reason } = &record.outcome {
        case.set_system_out(format!(
            "listed as an expected failure ({reason}) but passed: remove it from expected_failures"
        ));
    }
    let classname = record.name.split("::").next().unwrap_or(&record.name);
    case.set_classname(classname)
        .set_time(Duration::from_millis(
            u64::try_from(record.duration_ms).unwrap_or(u64::MAX),
        ))
        .add_property(Property::new("requests", record.requests.to_string()));
    case
}

/// Writes `text` to `path`, creating its parent directories.
pub(crate) fn write_text(path: &Path, text: &str) -> Result<(), ReportError> {
    let err = |e: std::io::Error| ReportError {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    std::fs::write(path, text).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::TriggerClass;
    use crate::report::Summary;
    use crate::runner::TrialKind;

    fn records() -> Vec<TrialRecord> {
        vec![
            TrialRecord {
                name: "exception::conflict::duplicate_email".into(),
                kind: TrialKind::Case {
                    exception: "ConflictException".into(),
                    trigger: TriggerClass::State,
                },
                outcome: RecordedOutcome::Ignored {
                    reason: "needs <a> \"fixture\" & more".into(),
                },
                requests: 0,
                duration_ms: 0,
            },
            TrialRecord {
                name: "property::valid_request_creates_user".into(),
                kind: TrialKind::Property,
                outcome: RecordedOutcome::Failed {
                    rules: vec!["invariant.account_id".into(), "success.schema".into()],
                    transport: false,
                    message: "rules broken:\n  - invariant.account_id: <x> & \u{1b}[31m]]>".into(),
                },
                requests: 256,
                duration_ms: 1_500,
            },
            TrialRecord {
                name: "property::invalid_request_is_rejected".into(),
                kind: TrialKind::Property,
                outcome: RecordedOutcome::Failed {
                    rules: vec![],
                    transport: true,
                    message: "transport failure (Timeout)".into(),
                },
                requests: 3,
                duration_ms: 10_000,
            },
            TrialRecord {
                name: "exception::conflict::duplicate_email_other_case".into(),
                kind: TrialKind::Case {
                    exception: "ConflictException".into(),
                    trigger: TriggerClass::State,
                },
                outcome: RecordedOutcome::ExpectedFailure {
                    reason: "case-sensitive emails".into(),
                    rules: vec!["case.expected_exception".into()],
                    transport: false,
                    message: "rules broken: got 201".into(),
                },
                requests: 2,
                duration_ms: 7,
            },
            TrialRecord {
                name: "exception::not_found::unknown_account".into(),
                kind: TrialKind::Case {
                    exception: "NotFoundException".into(),
                    trigger: TriggerClass::State,
                },
                outcome: RecordedOutcome::UnexpectedPass {
                    reason: "fixed upstream?".into(),
                },
                requests: 1,
                duration_ms: 3,
            },
        ]
    }

    fn report(trials: &[TrialRecord]) -> Report<'_> {
        Report {
            tool: "chime-conformance",
            version: "0.1.0",
            run_id: "b67a6d1b",
            seed: 42,
            endpoint: "http://127.0.0.1:4566",
            embedded_mock: true,
            summary: Summary {
                passed: 0,
                failed: 2,
                ignored: 1,
                requests: 259,
                ..Summary::default()
            },
            trials,
            exception_matrix: &[],
            created_user_ids: &[],
        }
    }

    #[test]
    fn junit_has_one_testcase_per_record_with_its_outcome() {
        let trials = records();
        let xml = junit_xml(&report(&trials)).unwrap();
        assert!(xml.starts_with("<?xml"), "{xml}");
        assert!(
            xml.contains(r#"tests="5" disabled="2" errors="0" failures="2""#),
            "{xml}"
        );
        assert!(xml.contains(r#"skipped="2""#), "{xml}");
        assert!(xml.contains(
            r#"<skipped message="expected failure (case.expected_exception): case-sensitive emails" type="expected failure">rules broken: got 201</skipped>"#
        ), "{xml}");
        assert!(xml.contains(
            "<system-out>listed as an expected failure (fixed upstream?) but passed: remove it from expected_failures</system-out>"
        ), "{xml}");
        assert!(xml.contains(r#"<property name="run_id" value="b67a6d1b"/>"#));
        assert!(xml.contains(
            r#"<testcase name="property::valid_request_creates_user" classname="property" time="1.500">"#
        ), "{xml}");
        assert!(
            xml.contains(
                r#"<failure message="invariant.account_id, success.schema" type="conformance">"#
            ),
            "{xml}"
        );
        assert!(xml.contains(r#"<failure message="transport failure" type="transport">"#));
        assert!(xml.contains(r#"classname="exception""#));
        // Text and attributes are escaped, terminal escapes dropped.
        assert!(
            xml.contains("needs &lt;a&gt; &quot;fixture&quot; &amp; more"),
            "{xml}"
        );
        assert!(xml.contains("&lt;x&gt; &amp; ]]&gt;"), "{xml}");
        assert!(!xml.contains('\u{1b}'));
    }

    #[test]
    fn failure_headline_names_rules_or_transport() {
        assert_eq!(
            failure_headline(&["a.b".into(), "c.d".into()], false),
            "a.b, c.d"
        );
        assert_eq!(failure_headline(&[], true), "transport failure");
        assert_eq!(failure_headline(&[], false), "failed");
    }

    #[test]
    fn write_junit_creates_parent_directories() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reports/nested/junit.xml");
        let trials = records();
        write_junit(&path, &report(&trials)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("<testsuites"));
    }

    #[test]
    fn write_junit_names_the_path_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        let path = file.join("junit.xml");
        let trials = records();
        let err = write_junit(&path, &report(&trials)).unwrap_err();
        assert!(err.to_string().contains("junit.xml"), "{err}");
    }
}

//! The JUnit XML report (`--junit PATH`), for CI tools that annotate test results: one
//! `<testsuite name="chime-conformance">` with one `<testcase>` per trial record, built with
//! the `quick-junit` crate as cargo-nextest builds its own. Like the JSON report it is a
//! consumer of trial records only, and holds nothing the records do not: failure text is
//! the record's message, already masked.
//!
//! Mapping:
//! - a passed trial is a plain `<testcase>`;
//! - a failed trial has a `<failure>` whose `message` names the broken rules
//!   (comma-separated, after "transport failure" if one ended it), whose `type` is its class
//!   (`conformance` for a contract violation, `transport`, or `aws-common`), and whose text
//!   is the full rendered message;
//! - an ignored trial has `<skipped message="reason">`;
//! - an expected failure (listed in the target profile, and failed) is skipped too, as
//!   pytest reports an xfail: `type="expected failure"`, the reason and rules as message,
//!   the failure message as text; an unexpected pass is a passed testcase whose
//!   `<system-out>` says to remove it from the list;
//! - the classname is the first segment of the trial name (`property`, `exception`);
//! - the seed, run id, endpoint, tool version, request count and exceptions observed are
//!   testsuite `<properties>`, and the exception matrix and the input coverage table are
//!   the testsuite's `<system-out>`.

use std::path::Path;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::coverage::render_coverage;
use super::matrix::render_matrix;
use super::record::{FailureClass, FailureRecord, RunRecord, TrialOutcome, TrialRecord};
use super::ReportError;

/// The name of the report and of its one testsuite.
pub const SUITE_NAME: &str = "chime-conformance";

/// Writes the report as JUnit XML to `path`, creating its parent directories.
pub fn write_junit(path: &Path, report: &RunRecord) -> Result<(), ReportError> {
    super::write_text(path, &junit_xml(report)?)
}

/// The report as a JUnit XML document.
///
/// ```
/// use chime_conformance::report::junit::junit_xml;
/// use chime_conformance::report::record::RunRecord;
///
/// let report = RunRecord::new("b67a6d1b", 7, "http://127.0.0.1:4566", false);
/// let xml = junit_xml(&report).unwrap();
/// assert!(xml.contains(r#"<testsuite name="chime-conformance" tests="0""#));
/// assert!(xml.contains(r#"<property name="seed" value="7"/>"#));
/// ```
pub fn junit_xml(report: &RunRecord) -> Result<String, ReportError> {
    let mut suite = TestSuite::new(SUITE_NAME);
    suite.add_properties([
        Property::new("seed", report.seed.to_string()),
        Property::new("run_id", report.run_id.as_str()),
        Property::new("endpoint", report.endpoint.as_str()),
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
        Property::new(
            "choices_and_restrictions",
            format!(
                "{} choices, {} restrictions, {} notes",
                report.summary.choices, report.summary.restrictions, report.summary.notes
            ),
        ),
    ]);
    suite.add_test_cases(report.trials.iter().map(test_case));
    let mut system_out = Vec::new();
    if !report.exception_matrix.is_empty() {
        system_out.push(render_matrix(&report.exception_matrix));
    }
    if !report.input_coverage.is_empty() {
        system_out.push(render_coverage(&report.input_coverage));
    }
    if !report.choices.is_empty() {
        system_out.push(super::choices::render_choices(&report.choices));
    }
    if !system_out.is_empty() {
        suite.set_system_out(system_out.join("\n\n"));
    }

    let mut junit = quick_junit::Report::new(SUITE_NAME);
    junit.add_test_suite(suite);
    junit.to_string().map_err(|e| ReportError::Serialise {
        what: "JUnit XML",
        source: Box::new(e),
    })
}

/// The `type` of a failure: `conformance` for a contract violation, else the class.
fn failure_type(failure: &FailureRecord) -> &'static str {
    match failure.class {
        FailureClass::Contract => "conformance",
        other => other.name(),
    }
}

fn test_case(record: &TrialRecord) -> TestCase {
    let status = match &record.outcome {
        TrialOutcome::Passed | TrialOutcome::UnexpectedPass { .. } => TestCaseStatus::success(),
        TrialOutcome::Failed(failure) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(failure.headline())
                .set_type(failure_type(failure))
                .set_description(failure.message.as_str());
            status
        }
        TrialOutcome::Ignored { reason } => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(reason.as_str());
            status
        }
        // As pytest reports an xfail: skipped, with the failure kept as the text.
        TrialOutcome::ExpectedFailure { reason, failure } => {
            let mut status = TestCaseStatus::skipped();
            status
                .set_message(format!(
                    "expected failure ({}): {reason}",
                    failure.headline()
                ))
                .set_type("expected failure")
                .set_description(failure.message.as_str());
            status
        }
    };
    let mut case = TestCase::new(record.name.as_str(), status);
    if let TrialOutcome::UnexpectedPass { reason } = &record.outcome {
        case.set_system_out(format!(
            "listed as an expected failure ({reason}) but passed: remove it from expected_failures"
        ));
    }
    let classname = record.name.split("::").next().unwrap_or(&record.name);
    case.set_classname(classname)
        .set_time(record.duration)
        .add_property(Property::new("requests", record.requests.to_string()));
    case
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use crate::check::Rule;
    use crate::contract::Exception;
    use crate::report::record::Summary;

    fn records() -> Vec<TrialRecord> {
        vec![
            TrialRecord::case(
                "exception::conflict::duplicate_email",
                Exception::Conflict,
                TrialOutcome::Ignored {
                    reason: "needs <a> \"fixture\" & more".into(),
                },
            )
            .with_requests(0)
            .with_duration(Duration::from_millis(0)),
            TrialRecord::property(
                "property::valid_request_creates_user",
                TrialOutcome::Failed(FailureRecord::new(
                    vec![Rule::InvariantAccountId, Rule::SuccessSchema],
                    false,
                    "rules broken:\n  - invariant.account_id: <x> & \u{1b}[31m]]>",
                )),
            )
            .with_requests(256)
            .with_duration(Duration::from_millis(1_500)),
            TrialRecord::property(
                "property::invalid_request_is_rejected",
                TrialOutcome::Failed(FailureRecord::new(
                    vec![],
                    true,
                    "transport failure (Timeout)",
                )),
            )
            .with_requests(3)
            .with_duration(Duration::from_millis(10_000)),
            TrialRecord::case(
                "exception::conflict::duplicate_email_other_case",
                Exception::Conflict,
                TrialOutcome::ExpectedFailure {
                    reason: "case-sensitive emails".into(),
                    failure: FailureRecord::new(
                        vec![Rule::CaseExpectedException],
                        false,
                        "rules broken: got 201",
                    ),
                },
            )
            .with_requests(2)
            .with_duration(Duration::from_millis(7)),
            TrialRecord::case(
                "exception::not_found::unknown_account",
                Exception::NotFound,
                TrialOutcome::UnexpectedPass {
                    reason: "fixed upstream?".into(),
                },
            )
            .with_requests(1)
            .with_duration(Duration::from_millis(3)),
        ]
    }

    fn report(trials: &[TrialRecord]) -> RunRecord {
        let mut report = RunRecord::new("b67a6d1b", 42, "http://127.0.0.1:4566", true);
        report.summary = Summary {
            failed: 2,
            ignored: 1,
            requests: 259,
            ..Summary::default()
        };
        report.trials = trials.to_vec();
        report
    }

    #[test]
    fn junit_has_one_testcase_per_record_with_its_outcome() {
        let trials = records();
        let xml = junit_xml(&report(&trials)).unwrap();
        assert!(xml.starts_with("<?xml"), "{xml}");
        assert!(
            xml.contains(r#"tests="5" skipped="2" errors="0" failures="2""#),
            "{xml}"
        );
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
    fn an_aws_common_failure_is_its_own_type() {
        let trials = [TrialRecord::property(
            "property::valid_request_creates_user",
            TrialOutcome::Failed(FailureRecord::new(vec![Rule::AwsCommonError], false, "m")),
        )];
        let xml = junit_xml(&report(&trials)).unwrap();
        assert!(
            xml.contains(r#"<failure message="aws.common_error" type="aws-common">"#),
            "{xml}"
        );
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

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
//!   testsuite `<properties>`, and the exception matrix is the testsuite's `<system-out>`.

use std::path::Path;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::matrix::render_matrix;
use super::record::{FailureClass, FailureRecord, RunRecord, TrialOutcome, TrialRecord};
use super::ReportError;

/// The name of the report and of its one testsuite.
pub const SUITE_NAME: &str = "chime-conformance";

/// Writes the report as JUnit XML to `path`, creating its parent directories.
pub fn write_junit(path: &Path, report: &RunRecord) -> Result<(), ReportError> {
    let xml = junit_xml(report).map_err(|e| ReportError::new(path.display().to_string(), e.reason))?;
    super::write_text(path, &xml)
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
    ]);
    suite.add_test_cases(report.trials.iter().map(test_case));
    // quick-junit counts skipped cases as `disabled`; most CI tools read `skipped`.
    let skipped = suite.disabled.to_string();
    suite.extra.insert("skipped".into(), skipped.into());
    if !report.exception_matrix.is_empty() {
        suite.set_system_out(render_matrix(&report.exception_matrix));
    }

    let mut junit = quick_junit::Report::new(SUITE_NAME);
    junit.add_test_suite(suite);
    junit.to_string().map_err(|e| {
        ReportError::new(
            "(JUnit XML in memory)",
            format!("failed to serialise JUnit XML: {e}"),
        )
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
                .set_message(format!("expected failure ({}): {reason}", failure.headline()))
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


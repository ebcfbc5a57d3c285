//! The JSON report (`--report PATH`): every trial with its outcome, rules and timing, the
//! seed, the exception matrix and the users the run created. Holds no secrets: trial
//! messages are rendered masked, and the target is described by its flags only.

use std::path::Path;

use serde::Serialize;

use crate::matrix::MatrixRow;
use crate::runner::{RecordedOutcome, TrialRecord};

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub tool: &'static str,
    pub version: &'static str,
    pub run_id: &'a str,
    pub seed: u64,
    pub endpoint: &'a str,
    pub embedded_mock: bool,
    pub summary: Summary,
    pub trials: &'a [TrialRecord],
    pub exception_matrix: &'a [MatrixRow],
    pub created_user_ids: &'a [String],
}

/// Counts of trial outcomes.
#[derive(Debug, Serialize, Default, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub ignored: usize,
    /// Listed as expected failures of the target, and failed.
    pub expected_failures: usize,
    /// Listed as expected failures of the target, but passed (counted in `passed` too).
    pub unexpected_passes: usize,
    pub exceptions_observed: usize,
    pub requests: u64,
    /// 429s during properties that were retried after their Retry-After.
    pub throttle_retries: u64,
}

impl Summary {
    /// Counts the outcomes of trial records.
    pub fn of(
        records: &[TrialRecord],
        matrix: &[MatrixRow],
        requests: u64,
        throttle_retries: u64,
    ) -> Summary {
        let count =
            |f: fn(&RecordedOutcome) -> bool| records.iter().filter(|r| f(&r.outcome)).count();
        Summary {
            passed: count(|o| {
                matches!(
                    o,
                    RecordedOutcome::Passed | RecordedOutcome::UnexpectedPass { .. }
                )
            }),
            failed: count(|o| matches!(o, RecordedOutcome::Failed { .. })),
            ignored: count(|o| matches!(o, RecordedOutcome::Ignored { .. })),
            expected_failures: count(|o| matches!(o, RecordedOutcome::ExpectedFailure { .. })),
            unexpected_passes: count(|o| matches!(o, RecordedOutcome::UnexpectedPass { .. })),
            exceptions_observed: matrix.iter().filter(|r| r.observed).count(),
            requests,
            throttle_retries,
        }
    }
}

/// Why the report could not be written.
#[derive(Debug, thiserror::Error)]
#[error("failed to write the report {path}: {reason}")]
pub struct ReportError {
    pub path: String,
    pub reason: String,
}

/// Writes the report as pretty JSON.
pub fn write_report(path: &Path, report: &Report<'_>) -> Result<(), ReportError> {
    let err = |reason: String| ReportError {
        path: path.display().to_string(),
        reason,
    };
    let text = serde_json::to_string_pretty(report).map_err(|e| err(e.to_string()))?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| err(e.to_string()))?;
    }
    std::fs::write(path, text + "\n").map_err(|e| err(e.to_string()))
}

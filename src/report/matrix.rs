//! The exception coverage matrix: for each of the eight exceptions, whether a case observed
//! it under its trigger, by which case, the trigger class and the verdict. Built from the
//! planned cases and the trial records; part of the run record, so every writer shows it.

use std::fmt::Write as _;

use serde::{Serialize, Serializer};

use super::trial::{TrialOutcome, TrialRecord};
use crate::contract::{Exception, TriggerClass};

/// A case the run knows of (whether or not it ran): its trial name, exception and trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedCase {
    pub name: String,
    pub exception: Exception,
    pub trigger: TriggerClass,
}

fn shape_name<S: Serializer>(e: &Exception, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(e.shape_name())
}

/// The verdict on one exception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "snake_case")]
pub enum Verdict {
    /// Every case of it that ran passed.
    Pass,
    /// A case of it failed.
    Fail,
    /// Its cases are listed as expected failures of the target, and failed (the reason).
    ExpectedFailure(String),
    /// All its cases were ignored (the reason of the first).
    Ignored(String),
    /// No case of it ran (filtered out, or none exists).
    NotRun,
}

/// One row of the matrix.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    #[serde(serialize_with = "shape_name")]
    pub exception: Exception,
    pub http_status: u16,
    pub observed: bool,
    /// The cases that observed it.
    pub observed_by: Vec<String>,
    pub trigger: TriggerClass,
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// Builds the matrix from the cases and the records of the trials that ran.
pub fn build_matrix(cases: &[PlannedCase], records: &[TrialRecord]) -> Vec<MatrixRow> {
    Exception::ALL
        .iter()
        .map(|&exception| {
            let of_it: Vec<(&PlannedCase, Option<&TrialRecord>)> = cases
                .iter()
                .filter(|c| c.exception == exception)
                .map(|c| (c, records.iter().find(|r| r.name == c.name)))
                .collect();
            // Observed: a case of it passed and its answers named it (a case may pass on
            // another conforming answer, such as a front door's authentication error).
            let observed_by: Vec<String> = of_it
                .iter()
                .filter(|(_, r)| {
                    r.is_some_and(|r| r.outcome.passed() && r.exceptions.contains(&exception))
                })
                .map(|(c, _)| c.name.clone())
                .collect();
            let passed = of_it
                .iter()
                .any(|(_, r)| r.is_some_and(|r| r.outcome.passed()));
            let ran: Vec<&TrialRecord> = of_it.iter().filter_map(|(_, r)| *r).collect();
            let verdict = if ran
                .iter()
                .any(|r| matches!(r.outcome, TrialOutcome::Failed(_)))
            {
                Verdict::Fail
            } else if passed {
                Verdict::Pass
            } else if let Some(reason) = ran.iter().find_map(|r| match &r.outcome {
                TrialOutcome::ExpectedFailure { reason, .. } => Some(reason.clone()),
                _ => None,
            }) {
                Verdict::ExpectedFailure(reason)
            } else if let Some(TrialOutcome::Ignored { reason }) = ran.first().map(|r| &r.outcome) {
                Verdict::Ignored(reason.clone())
            } else {
                Verdict::NotRun
            };
            MatrixRow {
                exception,
                http_status: exception.http_status(),
                observed: !observed_by.is_empty(),
                trigger: of_it
                    .first()
                    .map(|(c, _)| c.trigger)
                    .unwrap_or(exception.trigger_class()),
                observed_by,
                verdict,
            }
        })
        .collect()
}

/// The matrix as a plain-text table.
pub fn render_matrix(rows: &[MatrixRow]) -> String {
    let mut out = String::from("exception coverage:\n");
    let _ = writeln!(
        out,
        "  {:<29} {:>4}  {:<8} {:<11} {:<8} case",
        "exception", "http", "observed", "trigger", "verdict"
    );
    for row in rows {
        let (verdict, note) = match &row.verdict {
            Verdict::Pass => ("pass", String::new()),
            Verdict::Fail => ("FAIL", String::new()),
            Verdict::ExpectedFailure(reason) => ("xfail", format!(" (expected failure: {reason})")),
            Verdict::Ignored(reason) => ("ignored", format!(" ({reason})")),
            Verdict::NotRun => ("not run", String::new()),
        };
        let case = row
            .observed_by
            .first()
            .cloned()
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "  {:<29} {:>4}  {:<8} {:<11} {:<8} {case}{note}",
            row.exception.shape_name(),
            row.http_status,
            if row.observed { "yes" } else { "no" },
            row.trigger.to_string(),
            verdict
        );
    }
    let observed = rows.iter().filter(|r| r.observed).count();
    let _ = write!(out, "  exceptions observed: {observed} of {}", rows.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_that_passed_on_another_answer_did_not_observe_its_exception() {
        let cases = [PlannedCase {
            name: "exception::unauthorized::no_signature".into(),
            exception: Exception::Unauthorized,
            trigger: TriggerClass::Credentials,
        }];
        // Passed, but its answers named only a front door's error, not the exception.
        let mut record = TrialRecord::case(
            &*cases[0].name,
            Exception::Unauthorized,
            TrialOutcome::Passed,
        );
        record.exceptions.clear();
        let row = &build_matrix(&cases, &[record.clone()])[1];
        assert_eq!(row.exception, Exception::Unauthorized);
        assert_eq!((row.observed, &row.verdict), (false, &Verdict::Pass));
        record.exceptions = vec![Exception::Unauthorized];
        let row = &build_matrix(&cases, &[record])[1];
        assert!(row.observed, "{row:?}");
    }
}

//! What the run writes to stderr at its end, besides libtest's own lines on stdout: the
//! exception matrix as a table, the input coverage table, and the failures by class with the
//! exit-code policy.

use std::fmt::Write as _;

use super::coverage::render_coverage;
use super::drift::DriftReport;
use super::matrix::render_matrix;
use super::record::{FailureClass, RunRecord};
use crate::check::diff::DiffLevel;

/// The end-of-run text for stderr: the matrix (or, for a comparison, the drift table), the
/// input coverage table (when properties ran), then the failures by class (if any).
pub fn render_console(record: &RunRecord) -> String {
    let mut out = render_security(record);
    out += &match &record.drift {
        Some(drift) => render_drift(drift),
        None => render_matrix(&record.exception_matrix),
    };
    if !record.health.is_empty() {
        out.push_str("\nrun health:");
        for warning in &record.health {
            let _ = write!(out, "\n  {warning}");
        }
    }
    if record.drift.is_none() && !record.input_coverage.is_empty() {
        out.push_str(
            "

",
        );
        out.push_str(&render_coverage(&record.input_coverage));
    }
    if record.drift.is_none() && !record.choices.is_empty() {
        out.push_str("\n\n");
        out.push_str(super::choices::render_choices(&record.choices).trim_end());
    }
    let s = &record.summary;
    if s.failed > 0 {
        let _ = write!(
            out,
            "\nfailed trials by class: {} security, {} contract, {} transport, {} aws-common",
            s.failed_of(FailureClass::Security),
            s.failed_of(FailureClass::Contract),
            s.failed_of(FailureClass::Transport),
            s.failed_of(FailureClass::AwsCommon),
        );
        if s.failed_of(FailureClass::AwsCommon) == s.failed {
            out.push_str(
                "\n  only aws-common failures: the target answered with AWS front-door errors (credentials, clock, signature), not CreateUser's own; no contract violation was seen (exit code 4)",
            );
        }
    }
    out
}

/// The drift of a comparison as a plain-text table.
pub fn render_drift(drift: &DriftReport) -> String {
    let mut out = format!(
        "behaviour compared: {} (left) against {} (right), {} answers each\n",
        drift.left, drift.right, drift.compared
    );
    let _ = writeln!(
        out,
        "  {:<16} {:<9} {:>7}  example",
        "class", "level", "differ"
    );
    for class in &drift.classes {
        let level = match class.level {
            DiffLevel::Contract => "contract",
            DiffLevel::Wire => "wire",
        };
        let example = class
            .example
            .as_ref()
            .map(|e| format!("{} ({})", e.difference, e.trial))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "  {:<16} {:<9} {:>7}  {example}",
            class.class.name(),
            level,
            class.count
        );
    }
    for (trial, why) in &drift.not_compared {
        let _ = writeln!(out, "  not compared: {trial}: {why}");
    }
    let differing = drift
        .differing()
        .filter(|c| c.level == DiffLevel::Contract)
        .count();
    let _ = write!(out, "  contract-level classes that differ: {differing}");
    out
}

/// The security findings, first of all: each trial and its first broken rule's detail.
fn render_security(record: &RunRecord) -> String {
    let findings = record.findings();
    if findings.is_empty() {
        return String::new();
    }
    let mut out = format!("SECURITY FINDINGS ({}):\n", findings.len());
    for (trial, failure) in findings {
        let detail = failure
            .violations
            .iter()
            .find(|v| v.class() == crate::check::RuleClass::Security)
            .map(|v| format!("{}: {v}", v.rule))
            .unwrap_or_else(|| failure.headline());
        let _ = writeln!(out, "  {trial}: {detail}");
    }
    out.push('\n');
    out
}

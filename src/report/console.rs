//! What the run writes to stderr at its end, besides libtest's own lines on stdout: the
//! exception matrix as a table, and the failures by class with the exit-code policy.

use std::fmt::Write as _;

use super::matrix::render_matrix;
use super::record::{FailureClass, RunRecord};

/// The end-of-run text for stderr: the matrix, then the failures by class (if any).
pub fn render_console(record: &RunRecord) -> String {
    let mut out = render_matrix(&record.exception_matrix);
    let s = &record.summary;
    if s.failed > 0 {
        let _ = write!(
            out,
            "\nfailed trials by class: {} contract, {} transport, {} aws-common",
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

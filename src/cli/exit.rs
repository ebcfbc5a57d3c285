//! How `chime-conformance` ends: the documented exit codes, and the errors that end it
//! early, each mapped to the code that tells a user what kind of problem it was.

use std::process::ExitCode;

use chime_conformance::report::ReportError;
use chime_conformance::session::SessionError;
use chime_conformance::util::error_chain;

/// How the run ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: every trial that ran passed (ignored trials are not failures).
    Success = 0,
    /// 1: at least one trial failed: the target departs from the contract (or a
    /// transport failure interrupted a trial).
    ConformanceFailures = 1,
    /// 2: bad flags, environment, case files or configuration.
    Usage = 2,
    /// 3: the target could not be reached at all (connection, DNS, TLS).
    TargetUnreachable = 3,
    /// 4: trials failed, but only with AWS common errors (`aws.common_error`: a front
    /// door's RequestExpired, InvalidClientTokenId, ...): no contract violation was seen,
    /// and the contract could not be judged; check credentials, clock and endpoint.
    AwsCommonOnly = 4,
    /// 5: the run finished but a report, summary or cassette could not be written (a
    /// missing permission, a full disk): its result is not where it was asked for.
    Io = 5,
    /// 6: an internal error: the harness could not start what it needs (its async
    /// runtime, the embedded mock) or found a fault of its own. Please report it.
    Internal = 6,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

/// What ended the run early, with the exit status it gives; its message is printed with
/// every cause.
#[derive(Debug)]
pub struct CliError {
    pub status: ExitStatus,
    pub message: String,
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<SessionError> for CliError {
    fn from(e: SessionError) -> CliError {
        let status = match &e {
            SessionError::Setting { .. } => ExitStatus::Usage,
            SessionError::Unreachable { .. } => ExitStatus::TargetUnreachable,
            SessionError::Start { .. } | SessionError::Internal(_) => ExitStatus::Internal,
        };
        let message = match &e {
            SessionError::Setting { setting, source } => match super::settings::flag(*setting) {
                Some(flag) => format!("{flag}: {}", error_chain(source.as_ref())),
                None => error_chain(source.as_ref()),
            },
            other => error_chain(other),
        };
        CliError { status, message }
    }
}

impl From<ReportError> for CliError {
    fn from(e: ReportError) -> CliError {
        CliError {
            status: if e.is_io() {
                ExitStatus::Io
            } else {
                ExitStatus::Internal
            },
            message: error_chain(&e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_that_cannot_be_written_is_an_io_failure_with_its_cause() {
        let e = ReportError::Write {
            path: "/x/report.json".into(),
            source: std::io::Error::other("no space left on device"),
        };
        let cli = CliError::from(e);
        assert_eq!(cli.status, ExitStatus::Io);
        assert_eq!(
            cli.message,
            "failed to write the report /x/report.json: no space left on device"
        );
    }

    #[test]
    fn a_setting_names_its_flag_and_an_unreachable_target_is_3() {
        let e = SessionError::Setting {
            setting: chime_conformance::session::Setting::CaseDir,
            source: "failed to read case directory /nope".into(),
        };
        let cli = CliError::from(e);
        assert_eq!(cli.status, ExitStatus::Usage);
        assert!(cli.message.starts_with("--case-dir"), "{}", cli.message);
        let e = SessionError::Unreachable {
            url: "http://127.0.0.1:9".into(),
            message: "connection refused".into(),
        };
        assert_eq!(CliError::from(e).status, ExitStatus::TargetUnreachable);
    }
}

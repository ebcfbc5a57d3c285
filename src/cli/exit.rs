//! How `chime-conformance` ends: the documented exit codes, and the errors that end it
//! before any trial runs.

use std::process::ExitCode;

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
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

/// A usage or configuration error (exit code 2) or an unreachable target (exit code 3).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("target unreachable: {0}")]
    Unreachable(String),
}

impl CliError {
    pub fn status(&self) -> ExitStatus {
        match self {
            CliError::Usage(_) => ExitStatus::Usage,
            CliError::Unreachable(_) => ExitStatus::TargetUnreachable,
        }
    }
}

pub fn usage(message: impl Into<String>) -> CliError {
    CliError::Usage(message.into())
}

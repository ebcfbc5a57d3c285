//! The record of a run, as the runner leaves it and every reporter reads it: each trial
//! with its kind, outcome, typed violations and masked exchange, and the run as a whole
//! (seed, target, counts, exception matrix, input coverage, created users). Reporters depend on these types
//! only; nothing here is rendered prose except a failure's `message`, made once by
//! [`super::failure_text`].

use serde::Serialize;

use super::choices::ChoiceSummary;
use super::coverage::InputCoverage;
use super::drift::DriftReport;
use super::matrix::MatrixRow;
pub use super::trial::{
    ExchangeRecord, FailureClass, FailureRecord, RequestRecord, ResponseRecord, TransportRecord,
    TrialKind, TrialOutcome, TrialRecord,
};

/// Counts of trial outcomes.
#[derive(Debug, Serialize, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    /// Failed trials, of every class.
    pub failed: usize,
    /// Failed trials by class (`transport`, `contract`, `aws-common`).
    pub failed_by_class: std::collections::BTreeMap<FailureClass, usize>,
    pub ignored: usize,
    /// Listed as expected failures of the target, and failed.
    pub expected_failures: usize,
    /// Listed as expected failures of the target, but passed (counted in `passed` too).
    pub unexpected_passes: usize,
    pub exceptions_observed: usize,
    pub requests: u64,
    /// 429s during properties that were retried after their Retry-After.
    pub throttle_retries: u64,
    /// Transient 5xx answers retried as the SDKs' standard retry mode does.
    pub transient_retries: u64,
    /// Milliseconds waited before those retries (exponential backoff with jitter), in all.
    pub transient_backoff_ms: u64,
    /// Answers that made one of several conforming choices (see `choices`).
    pub choices: u64,
    /// Answers that were a documented restriction (fail only under `--strict`).
    pub restrictions: u64,
    /// Answers that broke a protocol MUST no client can notice (fail only under `--strict`).
    pub notes: u64,
}

impl Summary {
    /// Counts the outcomes of trial records.
    pub fn of(
        trials: &[TrialRecord],
        matrix: &[MatrixRow],
        requests: u64,
        throttle_retries: u64,
    ) -> Summary {
        let count = |f: fn(&TrialOutcome) -> bool| trials.iter().filter(|t| f(&t.outcome)).count();
        let mut failed_by_class = std::collections::BTreeMap::new();
        for t in trials {
            if let TrialOutcome::Failed(f) = &t.outcome {
                *failed_by_class.entry(f.class).or_insert(0) += 1;
            }
        }
        Summary {
            passed: count(TrialOutcome::passed),
            failed: count(|o| matches!(o, TrialOutcome::Failed(_))),
            failed_by_class,
            ignored: count(|o| matches!(o, TrialOutcome::Ignored { .. })),
            expected_failures: count(|o| matches!(o, TrialOutcome::ExpectedFailure { .. })),
            unexpected_passes: count(|o| matches!(o, TrialOutcome::UnexpectedPass { .. })),
            exceptions_observed: matrix.iter().filter(|r| r.observed).count(),
            requests,
            throttle_retries,
            transient_retries: 0,
            transient_backoff_ms: 0,
            choices: 0,
            restrictions: 0,
            notes: 0,
        }
    }

    /// Failed trials of one class.
    pub fn failed_of(&self, class: FailureClass) -> usize {
        self.failed_by_class.get(&class).copied().unwrap_or(0)
    }
}

/// A sign that a run could not judge what it meant to: most answers of a property share
/// one status that says the harness, not the target, is set up wrong, or a constraint of
/// the model got no answered probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthWarning {
    /// The trial, or `input_coverage` for a constraint without a probe.
    pub trial: String,
    /// The status most answers shared (absent for a coverage gap).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Answers with that status, of all the trial's answers.
    pub count: u64,
    pub total: u64,
    /// What it suggests, e.g. "the credentials are not accepted".
    pub hint: String,
}

impl std::fmt::Display for HealthWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(status) => write!(
                f,
                "{}: {} of {} answers were HTTP {status}: {}",
                self.trial, self.count, self.total, self.hint
            ),
            None => write!(f, "{}: {}", self.trial, self.hint),
        }
    }
}

/// The record of a whole run: what every reporter writes from.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    pub tool: &'static str,
    pub version: &'static str,
    pub run_id: String,
    pub seed: u64,
    pub endpoint: String,
    pub embedded_mock: bool,
    /// The names of the trials with a security finding, first for every reader (see
    /// [`RunRecord::with_findings`]).
    pub security_findings: Vec<String>,
    pub summary: Summary,
    pub trials: Vec<TrialRecord>,
    pub exception_matrix: Vec<MatrixRow>,
    /// What the properties' inputs covered: each member and constraint probed validly and
    /// invalidly, each boundary value sent.
    pub input_coverage: InputCoverage,
    pub created_user_ids: Vec<String>,
    /// Signs the run could not judge what it meant to (see [`HealthWarning`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub health: Vec<HealthWarning>,
    /// The open choices of the contract the run met: which answer the target chose, how
    /// often, with the smallest example of each (see [`super::choices`]).
    pub choices: Vec<ChoiceSummary>,
    /// What a comparison (differential run or replay) found; absent in a normal run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift: Option<DriftReport>,
}

impl RunRecord {
    /// The record with `security_findings` filled in from its trials.
    pub fn with_findings(mut self) -> RunRecord {
        self.security_findings = self.findings().iter().map(|(n, _)| n.to_string()).collect();
        self
    }

    /// The trials that failed with a security finding, with their failures.
    pub fn findings(&self) -> Vec<(&str, &FailureRecord)> {
        self.trials
            .iter()
            .filter_map(|t| match &t.outcome {
                TrialOutcome::Failed(f) if f.class == FailureClass::Security => {
                    Some((t.name.as_str(), f))
                }
                _ => None,
            })
            .collect()
    }

    /// A record with no trials, for a run of this tool against `endpoint`.
    pub fn new(run_id: &str, seed: u64, endpoint: &str, embedded_mock: bool) -> RunRecord {
        RunRecord {
            tool: "chime-conformance",
            version: env!("CARGO_PKG_VERSION"),
            run_id: run_id.to_string(),
            seed,
            endpoint: endpoint.to_string(),
            embedded_mock,
            security_findings: Vec::new(),
            summary: Summary::default(),
            trials: Vec::new(),
            exception_matrix: Vec::new(),
            input_coverage: InputCoverage::default(),
            created_user_ids: Vec::new(),
            health: Vec::new(),
            choices: Vec::new(),
            drift: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Rule;
    use crate::http::{ReceivedResponse, SentRequest};
    use std::time::Duration;

    #[test]
    fn a_masked_exchange_keeps_no_secret() {
        let request = SentRequest::sample_with_secrets();
        let response = ReceivedResponse {
            status: 201,
            headers: vec![],
            body: br#"{"User":{"UserId":"u","PersonalPIN":"8675309"}}"#.to_vec(),
            elapsed: Duration::from_millis(3),
            received_at: std::time::SystemTime::now(),
        };
        let record = ExchangeRecord::masked(&request, Some(&response));
        let text = serde_json::to_string(&record).unwrap();
        for secret in ["deadbeef", "tok3n", "alice@example.com", "8675309"] {
            assert!(!text.contains(secret), "{secret} leaked:\n{text}");
        }
        assert!(text.contains("AWS4-HMAC-SHA256 *** (masked)"), "{text}");
    }

    #[test]
    fn a_failure_is_classed_by_transport_then_contract_then_aws_common() {
        use FailureClass::*;
        assert_eq!(
            FailureRecord::classify(true, &[Rule::SuccessStatus]),
            Transport
        );
        assert_eq!(
            FailureRecord::classify(false, &[Rule::AwsCommonError, Rule::SuccessStatus]),
            Contract
        );
        assert_eq!(
            FailureRecord::classify(false, &[Rule::AwsCommonError]),
            AwsCommon
        );
        assert_eq!(FailureRecord::classify(false, &[]), Contract);
    }
}

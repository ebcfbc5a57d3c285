//! One trial as recorded: its kind, its outcome, the failure with its typed violations and
//! the masked exchange it is shown with. The run's record ([`super::record`]) holds these;
//! the matrix and the drift report read them without reaching the run's record.

use std::time::Duration;

use serde::{Serialize, Serializer};

use crate::check::{Rule, RuleClass, Violation};
use crate::contract::redact::{mask_header, redact_body};
use crate::contract::{Exception, TriggerClass};
use crate::http::{ReceivedResponse, SentRequest, TransportErrorKind};

/// What kind of trial a record is of.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrialKind {
    Property,
    /// A class of behaviour compared between two targets, or a cassette and a target.
    Comparison,
    /// A fixed probe (a malformed request).
    Probe,
    Case {
        #[serde(serialize_with = "shape_name")]
        exception: Exception,
        trigger: TriggerClass,
    },
}

fn shape_name<S: Serializer>(e: &Exception, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(e.shape_name())
}

/// What kind of failure a trial had, in order of precedence: a transport failure, a
/// contract violation, or only an AWS common error (`aws.common_error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureClass {
    /// A security finding (`security.signature_binding`): shown first everywhere.
    Security,
    /// No complete answer came back: not a contract violation.
    Transport,
    /// The target departs from the CreateUser contract.
    Contract,
    /// The target answered with an error common to AWS front doors, not CreateUser's own:
    /// not a contract violation, and no evidence about the contract either.
    AwsCommon,
}

impl FailureClass {
    /// The class's stable name, as in the reports.
    pub fn name(self) -> &'static str {
        match self {
            FailureClass::Security => "security",
            FailureClass::Transport => "transport",
            FailureClass::Contract => "contract",
            FailureClass::AwsCommon => "aws-common",
        }
    }
}

/// A transport failure, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransportRecord {
    pub kind: TransportErrorKind,
    pub message: String,
}

/// A request as recorded: secrets and sensitive members masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// A response as recorded: sensitive members masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub elapsed_ms: u128,
}

/// The exchange a failure is shown with; `response` is absent when none came back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExchangeRecord {
    pub request: RequestRecord,
    pub response: Option<ResponseRecord>,
}

impl ExchangeRecord {
    /// The exchange as it may be shown: secret headers masked, sensitive members of the
    /// bodies masked, non-JSON bodies withheld unless short and harmless.
    pub fn masked(request: &SentRequest, response: Option<&ReceivedResponse>) -> ExchangeRecord {
        let headers = |headers: &[(String, String)]| {
            headers
                .iter()
                .map(|(n, v)| (n.clone(), mask_header(n, v)))
                .collect()
        };
        ExchangeRecord {
            request: RequestRecord {
                method: request.method.clone(),
                url: request.url.clone(),
                headers: headers(&request.headers),
                body: redact_body(&request.body),
            },
            response: response.map(|r| ResponseRecord {
                status: r.status,
                headers: headers(&r.headers),
                body: redact_body(&r.body),
                elapsed_ms: r.elapsed.as_millis(),
            }),
        }
    }
}

/// Why a trial failed, structured; `message` is the same rendered as text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailureRecord {
    pub class: FailureClass,
    /// Every rule broken anywhere in the trial (the exchange shown, the other failing
    /// exchanges of a burst or batch, the input before shrinking), sorted.
    pub rules: Vec<Rule>,
    /// Whether a transport failure ended the trial (kept for readers of older reports).
    pub transport: bool,
    /// The rules the shown exchange broke, each with what was expected and seen.
    pub violations: Vec<Violation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport_error: Option<TransportRecord>,
    /// What was being tried (e.g. the broken constraint of an input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// How the input was found: e.g. "case 17 of 128, shrunk in 9 steps".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchange: Option<ExchangeRecord>,
    pub seed: u64,
    /// A curl command that sends the same request (secrets never included).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reproduce: Option<String>,
    /// The command that reruns this trial alone.
    pub rerun: String,
    /// All of the above as text, rendered by [`super::failure_text`].
    pub message: String,
}

impl FailureRecord {
    /// A failure with these rules and this message and nothing else (no exchange, seed 0):
    /// for records made by hand, as tests and tools that merge reports do.
    pub fn new(rules: Vec<Rule>, transport: bool, message: impl Into<String>) -> FailureRecord {
        FailureRecord {
            class: FailureRecord::classify(transport, &rules),
            rules,
            transport,
            violations: Vec::new(),
            transport_error: None,
            context: None,
            provenance: None,
            exchange: None,
            seed: 0,
            reproduce: None,
            rerun: String::new(),
            message: message.into(),
        }
    }

    /// The failure in a few words: its rules, comma-separated, after "transport failure"
    /// when one ended the trial.
    pub fn headline(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if self.transport {
            parts.push("transport failure");
        }
        parts.extend(self.rules.iter().map(|r| r.name()));
        if parts.is_empty() {
            "failed".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// The class of a failure from its rules and whether a transport failure ended it.
    pub fn classify(transport: bool, rules: &[Rule]) -> FailureClass {
        if rules.iter().any(|r| r.class() == RuleClass::Security) {
            FailureClass::Security
        } else if transport {
            FailureClass::Transport
        } else if rules.iter().all(|r| r.class() == RuleClass::AwsCommon) && !rules.is_empty() {
            FailureClass::AwsCommon
        } else {
            FailureClass::Contract
        }
    }
}

/// How a trial ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum TrialOutcome {
    Passed,
    Failed(FailureRecord),
    Ignored {
        reason: String,
    },
    /// Listed as an expected failure of the target, and failed.
    ExpectedFailure {
        reason: String,
        #[serde(flatten)]
        failure: FailureRecord,
    },
    /// Listed as an expected failure of the target, but passed: the list can shrink.
    UnexpectedPass {
        reason: String,
    },
}

impl TrialOutcome {
    /// The failure, for a failed trial (expectedly or not).
    pub fn failure(&self) -> Option<&FailureRecord> {
        match self {
            TrialOutcome::Failed(f) | TrialOutcome::ExpectedFailure { failure: f, .. } => Some(f),
            _ => None,
        }
    }

    /// True for a pass, including an unexpected one.
    pub fn passed(&self) -> bool {
        matches!(
            self,
            TrialOutcome::Passed | TrialOutcome::UnexpectedPass { .. }
        )
    }
}

/// What a trial leaves behind for the reporters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialRecord {
    pub name: String,
    #[serde(flatten)]
    pub kind: TrialKind,
    #[serde(flatten)]
    pub outcome: TrialOutcome,
    /// Requests the trial sent.
    pub requests: u64,
    #[serde(rename = "duration_ms", serialize_with = "millis")]
    pub duration: Duration,
    /// Which answer the target chose where the contract allows more than one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The documented exceptions the trial's answers named (a case's), for the matrix: a
    /// case may pass on another conforming answer (a front door's authentication error)
    /// without observing its exception.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "shape_names")]
    pub exceptions: Vec<Exception>,
}

fn shape_names<S: Serializer>(es: &[Exception], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(es.iter().map(|e| e.shape_name()))
}

impl TrialRecord {
    /// A record of a trial that sent no request and took no time; see the `with_` methods.
    pub fn new(name: impl Into<String>, kind: TrialKind, outcome: TrialOutcome) -> TrialRecord {
        TrialRecord {
            name: name.into(),
            kind,
            outcome,
            requests: 0,
            duration: Duration::ZERO,
            notes: Vec::new(),
            exceptions: Vec::new(),
        }
    }

    /// The record of a case of `exception`, triggered as the contract says, whose answers
    /// named it.
    pub fn case(
        name: impl Into<String>,
        exception: Exception,
        outcome: TrialOutcome,
    ) -> TrialRecord {
        let kind = TrialKind::Case {
            exception,
            trigger: exception.trigger_class(),
        };
        TrialRecord {
            exceptions: vec![exception],
            ..TrialRecord::new(name, kind, outcome)
        }
    }

    /// The record of a property.
    pub fn property(name: impl Into<String>, outcome: TrialOutcome) -> TrialRecord {
        TrialRecord::new(name, TrialKind::Property, outcome)
    }

    pub fn with_requests(mut self, requests: u64) -> TrialRecord {
        self.requests = requests;
        self
    }

    pub fn with_duration(mut self, duration: Duration) -> TrialRecord {
        self.duration = duration;
        self
    }
}

fn millis<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u128(d.as_millis())
}

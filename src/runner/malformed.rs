//! The malformed-request trials: one request per class of [`Malformed`], checked as the
//! class allows (a refusal, or parsed-or-refused), with the answer the target chose
//! recorded as an open choice (`malformed_refusal`, `media_type`, `body_size`);
//! and how a close while a large body is sent is judged (re-sent raw to see whether a
//! refusal came first), for the trials, the differential run and the replay alike.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use libtest_mimic::{Completion, Trial};

use super::conclude::TrialFailure;
use super::evaluate::{Answer, Evaluation};
use super::Run;
use crate::check::{
    check_response, Expectation, Observation, OpenChoice, Rule, SentFacts, Violation,
};
use crate::contract::sigv4::SignatureMode;
use crate::http::{
    Call, CallBody, CallPurpose, Exchange, RawProbe, TransportErrorKind, Unanswered,
};
use crate::input::cases::AccountRef;
use crate::input::malformed::{Acceptable, Malformed};
use crate::report::event::{Event, ExchangeRole};
use crate::report::record::TrialKind;

impl Run {
    /// The call of a malformed class, with the fresh email it carries.
    fn malformed_call(&self, class: Malformed) -> (Call, String) {
        let email = format!("chime-conformance+{}@example.com", self.next_tag());
        let (bytes, content_type) = class.request(&email);
        let call = Call {
            account_id: self.client.target().fixtures.account_id.clone(),
            body: CallBody::Raw {
                bytes,
                content_type: content_type.map(str::to_string),
            },
            signature: SignatureMode::AsTarget,
            fault: None,
            // A class that may be parsed may create a user: it counts against the cap.
            purpose: match class.acceptable() {
                Acceptable::Refusal => CallPurpose::Probe,
                Acceptable::ParsedOrRefused => CallPurpose::Create,
            },
            off_route: None,
        };
        (call, email)
    }

    /// Sends one malformed request and checks the answer.
    fn run_malformed(
        &self,
        class: Malformed,
        sent: &AtomicU64,
    ) -> Result<Completion, TrialFailure> {
        sent.fetch_add(1, Ordering::Relaxed);
        let answer = self.runtime.block_on(self.malformed_answer(class));
        let context = Some(format!("a malformed request: {}", class.name()));
        let evaluation = Evaluation::new(context, answer);
        if evaluation.failed() {
            return Err(self.failure(&class.trial_name(), &evaluation, None));
        }
        Ok(Completion::Completed)
    }

    /// Sends a malformed class's request, checks the answer as the class allows (a close
    /// while it is sent judged by [`Run::after_no_answer`]), and notes which answer the
    /// target chose.
    pub(super) async fn malformed_answer(&self, class: Malformed) -> Answer {
        let trial = class.trial_name();
        let (call, email) = self.malformed_call(class);
        let answer = match self.exchange(&trial, &call, false).await {
            Ok(exchange) => self.check_malformed(class, &call, &email, exchange, false),
            Err(unanswered) => match self.after_no_answer(&trial, unanswered).await {
                NoAnswer::Answered(exchange) => {
                    self.check_malformed(class, &call, &email, exchange, true)
                }
                NoAnswer::Departed(unanswered, violation) => Answer::ClosedEarly {
                    unanswered,
                    violations: vec![violation],
                },
                NoAnswer::Unverified(unanswered) => {
                    let observation =
                        Observation::new(OpenChoice::BodySize, BodySize::ClosedUnverified.note());
                    self.report(&Event::Observed {
                        trial: &trial,
                        observations: &[observation],
                        request: &unanswered.request,
                        response: None,
                    });
                    Answer::ClosedEarly {
                        unanswered,
                        violations: Vec::new(),
                    }
                }
                NoAnswer::Failed(unanswered) => Answer::Unanswered(unanswered),
            },
        };
        let role = ExchangeRole {
            account: AccountRef::Ordinary,
            step: None,
        };
        let (request, response, violations) = answer.parts();
        self.report_exchange(&trial, role, request, response, violations);
        answer
    }

    /// Checks the answer to a malformed class's request as the class allows and records the
    /// choice it made; `closed` when it was read by a raw re-probe after the connection
    /// closed.
    fn check_malformed(
        &self,
        class: Malformed,
        call: &Call,
        email: &str,
        exchange: Exchange,
        closed: bool,
    ) -> Answer {
        let facts = SentFacts {
            account_id: &call.account_id,
            email: Some(email),
            user_type: None,
        };
        let expectation = match class.acceptable() {
            Acceptable::Refusal => Expectation::Malformed,
            Acceptable::ParsedOrRefused => Expectation::ParsedOrRefused(&facts),
        };
        let response = &exchange.response;
        let mut checked = check_response(expectation, response, None, &self.schemas);
        if response.is_success() {
            self.note_user_id(&mut checked, response);
        }
        if class == Malformed::OversizedBody {
            // The size is the choice, whatever the refusal's name.
            checked.observations.retain(|o| {
                !matches!(
                    o.choice,
                    OpenChoice::MalformedRefusal | OpenChoice::MediaType
                )
            });
            if checked.violations.is_empty() {
                let error_type = checked.error_type.as_ref().map(|t| t.name.as_str());
                let status = response.status;
                let chosen = match (response.is_success(), closed) {
                    (true, _) => BodySize::Accepted { status },
                    (false, false) => BodySize::Refused { status, error_type },
                    (false, true) => BodySize::RefusedThenClosed { status, error_type },
                };
                let answer = chosen.note();
                checked.observe(OpenChoice::BodySize, answer);
            }
        }
        self.settle(&class.trial_name(), &mut checked, &exchange);
        Answer::Checked {
            exchange,
            violations: checked.violations,
        }
    }

    /// What a request of `trial` that got no answer amounts to. Only a request the target
    /// may refuse by closing the connection early (a body larger than it reads) is judged:
    /// over http it is re-sent raw, to see whether an answer came before the close (a
    /// refusal, judged like any answer) or none did (a departure); over https, where it is
    /// not re-sent, the close is taken as a refusal the harness could not see. Any other
    /// request without an answer is a transport failure.
    pub(super) async fn after_no_answer(&self, trial: &str, unanswered: Unanswered) -> NoAnswer {
        if !may_close_early(trial) || unanswered.error.kind != TransportErrorKind::Protocol {
            return NoAnswer::Failed(unanswered);
        }
        if unanswered.request.url.starts_with("https://") {
            return NoAnswer::Unverified(unanswered);
        }
        match self.client.probe_raw(&unanswered.request).await {
            RawProbe::Answered(response) => NoAnswer::Answered(Exchange {
                request: unanswered.request,
                response,
            }),
            RawProbe::NoAnswer(what) => {
                let violation = Violation::new(
                    Rule::InputMalformedRefused,
                    "an answer before the connection closes: a 201, or a 4xx refusal",
                    format!(
                        "no answer: {what} before any byte of a response (the request re-sent raw to see it)"
                    ),
                );
                NoAnswer::Departed(unanswered, violation)
            }
            RawProbe::Inconclusive(why) => {
                let mut unanswered = unanswered;
                unanswered.error.message =
                    format!("{}; re-sent raw: {why}", unanswered.error.message);
                NoAnswer::Failed(unanswered)
            }
        }
    }
}

/// What a request that got no answer amounts to (see [`Run::after_no_answer`]).
pub(super) enum NoAnswer {
    /// The raw re-probe read the answer the target sent before it closed the connection.
    Answered(Exchange),
    /// The connection closed or was reset with no answer at all: a departure.
    Departed(Unanswered, Violation),
    /// Closed while the request was sent over https: taken as a refusal, not verified.
    Unverified(Unanswered),
    /// A transport failure.
    Failed(Unanswered),
}

/// The notes of the body-size choice (README, "Malformed requests"): how a target answered
/// a body larger than some servers read. Their texts are here and nowhere else.
pub(super) enum BodySize<'a> {
    /// Read and created from (a 201).
    Accepted { status: u16 },
    /// Refused with a 4xx, read by the HTTP client.
    Refused {
        status: u16,
        error_type: Option<&'a str>,
    },
    /// Refused with a 4xx, then the connection closed before the body was read (the answer
    /// read by a raw re-probe).
    RefusedThenClosed {
        status: u16,
        error_type: Option<&'a str>,
    },
    /// The connection closed while the body was sent, over https (not re-sent raw).
    ClosedUnverified,
}

impl BodySize<'_> {
    /// The answer, as the `body_size` choice records it.
    pub(super) fn note(&self) -> String {
        let answer = |status: &u16, error_type: &Option<&str>| match error_type {
            Some(t) => format!("HTTP {status} {t}"),
            None => format!("HTTP {status}"),
        };
        match self {
            BodySize::Accepted { status } => format!("accepted (HTTP {status})"),
            BodySize::Refused { status, error_type } => {
                format!("refused ({})", answer(status, error_type))
            }
            BodySize::RefusedThenClosed { status, error_type } => format!(
                "refused ({}), then closed the connection",
                answer(status, error_type)
            ),
            BodySize::ClosedUnverified => {
                "closed the connection during the body; not verified (https)".into()
            }
        }
    }
}

/// The malformed-request trials, one per class.
pub(super) fn malformed_trials(run: &Arc<Run>) -> Vec<Trial> {
    Malformed::ALL
        .iter()
        .map(|&class| {
            let run = Arc::clone(run);
            Trial::ignorable_test(class.trial_name(), move || {
                run.trial(&class.trial_name(), TrialKind::Probe, Some(1), |sent| {
                    run.run_malformed(class, sent)
                })
            })
        })
        .collect()
}

/// Whether a trial's request may be refused by closing the connection while it is being
/// sent, as servers that refuse early do (the oversized body): then a close is judged by
/// [`Run::after_no_answer`] rather than taken as a transport failure.
pub(super) fn may_close_early(trial: &str) -> bool {
    trial == Malformed::OversizedBody.trial_name()
}

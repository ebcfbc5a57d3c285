//! The malformed-request trials: one request per class of [`Malformed`], checked as the
//! class allows (a refusal, or parsed-or-refused), with the answer the target chose noted.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use libtest_mimic::{Completion, Trial};

use super::conclude::TrialFailure;
use super::evaluate::{Answer, Evaluation};
use super::Run;
use crate::check::{Expectation, SentFacts};
use crate::contract::sigv4::SignatureMode;
use crate::http::{Call, CallBody, CallPurpose, TransportErrorKind, Unanswered};
use crate::input::cases::AccountRef;
use crate::input::malformed::{Acceptable, Malformed};
use crate::report::event::ExchangeRole;
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
        let trial = class.trial_name();
        if matches!(&answer, Answer::Unanswered(u) if closed_early(&trial, u)) {
            self.note(
                &trial,
                "closed the connection before reading the body (an early refusal)".into(),
            );
            return Ok(Completion::Completed);
        }
        let context = Some(format!("a malformed request: {}", class.name()));
        let evaluation = Evaluation::new(context, answer);
        if evaluation.failed() {
            return Err(self.failure(&trial, &evaluation, None));
        }
        Ok(Completion::Completed)
    }

    /// Sends a malformed class's request and checks the answer as the class allows (the
    /// answer the target chose is an observation of an open choice).
    pub(super) async fn malformed_answer(&self, class: Malformed) -> Answer {
        let trial = class.trial_name();
        let (call, email) = self.malformed_call(class);
        let answer = match self.exchange(&trial, &call, false).await {
            Err(unanswered) => Answer::Unanswered(unanswered),
            Ok(exchange) => {
                let facts = SentFacts {
                    account_id: &call.account_id,
                    email: Some(&email),
                    user_type: None,
                };
                let expectation = match class.acceptable() {
                    Acceptable::Refusal => Expectation::Malformed,
                    Acceptable::ParsedOrRefused => Expectation::ParsedOrRefused(&facts),
                };
                let mut checked = self.judge(&trial, expectation, &exchange, None);
                if exchange.response.is_success() {
                    self.note_user_id(&mut checked);
                }
                Answer::Checked {
                    exchange,
                    violations: checked.violations,
                }
            }
        };
        let role = ExchangeRole {
            account: AccountRef::Ordinary,
            step: None,
        };
        let (request, response, violations) = answer.parts();
        self.report_exchange(&trial, role, request, response, violations);
        answer
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
/// sent, as servers that refuse early do (the oversized body): then no answer to it is a
/// refusal, not a transport failure of the target.
pub(super) fn may_close_early(trial: &str) -> bool {
    trial == Malformed::OversizedBody.trial_name()
}

/// Whether a request of `trial` that got no answer was refused by an early close.
pub(super) fn closed_early(trial: &str, unanswered: &Unanswered) -> bool {
    may_close_early(trial) && unanswered.error.kind == TransportErrorKind::Protocol
}

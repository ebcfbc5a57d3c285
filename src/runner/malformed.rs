//! The malformed-request trials: one request per class of [`Malformed`], checked as the
//! class allows (a refusal, or parsed-or-refused), with the answer the target chose noted.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use libtest_mimic::{Completion, Trial};

use super::conclude::TrialFailure;
use super::evaluate::{Answer, Evaluation};
use super::Run;
use crate::check::{check_response, Expectation, SentFacts};
use crate::contract::sigv4::SignatureMode;
use crate::http::{Call, CallBody, CallPurpose};
use crate::input::cases::AccountRef;
use crate::input::malformed::{Acceptable, Malformed};
use crate::report::event::ExchangeRole;
use crate::report::record::TrialKind;

impl Run {
    /// Sends one malformed request and checks the answer.
    fn run_malformed(
        &self,
        class: Malformed,
        sent: &AtomicU64,
    ) -> Result<Completion, TrialFailure> {
        let trial = class.trial_name();
        let email = format!("chime-conformance+{}@example.com", self.next_tag());
        let (bytes, content_type) = class.request(&email);
        let account_id = self.client.target().fixtures.account_id.clone();
        let call = Call {
            account_id: account_id.clone(),
            body: CallBody::Raw {
                bytes,
                content_type: content_type.map(str::to_string),
            },
            signature: SignatureMode::AsTarget,
            fault: None,
            purpose: CallPurpose::Probe,
        };
        sent.fetch_add(1, Ordering::Relaxed);
        let answer = match self.runtime.block_on(self.exchange(&call, false)) {
            Err(unanswered) => Answer::Unanswered(unanswered),
            Ok(exchange) => {
                let facts = SentFacts {
                    account_id: &account_id,
                    email: Some(&email),
                    user_type: None,
                };
                let expectation = match class.acceptable() {
                    Acceptable::Refusal => Expectation::Malformed,
                    Acceptable::ParsedOrRefused => Expectation::ParsedOrRefused(&facts),
                };
                let mut checked =
                    check_response(expectation, &exchange.response, None, &self.schemas);
                if exchange.response.is_success() {
                    self.note_user_id(&mut checked);
                }
                let chosen = match &checked.error_type {
                    Some(t) => format!("answered HTTP {} {}", exchange.response.status, t.name),
                    None => format!("answered HTTP {}", exchange.response.status),
                };
                self.note(&trial, chosen);
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
        let evaluation = Evaluation::new(
            Some(format!("a malformed request: {}", class.name())),
            answer,
        );
        if evaluation.failed() {
            return Err(self.failure(&trial, &evaluation, None));
        }
        Ok(Completion::Completed)
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

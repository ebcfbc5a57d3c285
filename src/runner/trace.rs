//! The no-trace trials (`no_trace::<kind>`, see [`crate::input::trace`]): a create refused
//! for one reason, then a valid create of the same Email, which must get 201; a
//! ConflictException there is the refusal's trace (`state.refusal_left_no_trace`). Only the
//! create after the refusal is judged: the refusal is its own case's or property's to judge
//! (one that was accepted leaves nothing to judge here).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use libtest_mimic::{Completion, Trial};
use serde_json::{json, Value};

use super::conclude::TrialFailure;
use super::evaluate::{Answer, Evaluation};
use super::{Run, UsernameTag};
use crate::check::{Expectation, SentFacts, Violation};
use crate::http::{Call, CallBody, CallPurpose, Exchange, ReceivedResponse, SentRequest};
use crate::input::cases::AccountRef;
use crate::input::trace::{Refusal, THROTTLE_BURST};
use crate::report::coverage::ProbeFamily;
use crate::report::event::ExchangeRole;
use crate::report::record::TrialKind;

impl Run {
    /// Runs one no-trace trial.
    fn run_no_trace(&self, refusal: Refusal, sent: &AtomicU64) -> Result<Completion, TrialFailure> {
        if let Some(reason) = refusal.unmet_need(self.client.target(), self.options.disruption) {
            return Ok(Completion::ignored_with(reason));
        }
        let trial = refusal.trial_name();
        let answer = self.runtime.block_on(self.no_trace_answer(refusal, sent));
        let Some(answer) = answer else {
            return Ok(Completion::Completed);
        };
        let evaluation = Evaluation::new(Some(no_trace_context(refusal)), answer);
        if evaluation.failed() {
            return Err(self.failure(&trial, &evaluation, None));
        }
        Ok(Completion::Completed)
    }

    /// Sends a kind's refusal and the create after it; the answer to that create, checked
    /// (`None` when the refusal was not one, or, throttled, none came: nothing to judge).
    pub(super) async fn no_trace_answer(
        &self,
        refusal: Refusal,
        sent: &AtomicU64,
    ) -> Option<Answer> {
        let trial = refusal.trial_name();
        match refusal {
            Refusal::Throttled => self.throttled_then_retried(&trial, sent).await,
            _ => self.refused_then_created(refusal, &trial, sent).await,
        }
    }

    /// The body of a create of `email` (with the run's Username where the target is
    /// shared).
    pub(super) fn trace_body(&self, email: &str) -> Value {
        let mut body = json!({ "Email": email });
        if self.options.usernames == UsernameTag::RunId {
            body["Username"] = json!(format!("chime-conformance {}", self.options.run_id));
        }
        body
    }

    /// A refused create of a fresh Email, then a valid create of it.
    async fn refused_then_created(
        &self,
        refusal: Refusal,
        trial: &str,
        sent: &AtomicU64,
    ) -> Option<Answer> {
        let email = format!("chime-conformance+{}@example.com", self.next_tag());
        let valid = self.trace_body(&email);
        let mut refused_body = valid.clone();
        if refusal == Refusal::InvalidInput {
            refused_body["UserType"] = json!("Administrator");
        }
        let call = Call {
            account_id: self.step_account(refusal.account()),
            body: CallBody::Json(refused_body),
            signature: refusal.signature(),
            fault: refusal.fault(),
            purpose: CallPurpose::Probe,
            off_route: None,
        };
        sent.fetch_add(1, Ordering::Relaxed);
        let refused = match self.exchange(trial, &call, false).await {
            Ok(exchange) => exchange,
            Err(unanswered) => {
                self.report_trace(trial, refusal.account(), 1, &unanswered.request, None, &[]);
                return Some(Answer::Unanswered(unanswered));
            }
        };
        self.refusal_seen(trial, refusal.account(), &refused);
        if refused.response.is_success() {
            // Not refused: nothing after it to judge (its own case reports it).
            return None;
        }
        Some(self.created_after(refusal, trial, valid, sent).await)
    }

    /// Reports a refused create (its rules are its own case's or property's to judge),
    /// and notes a user it created.
    fn refusal_seen(&self, trial: &str, account: AccountRef, exchange: &Exchange) {
        let response = &exchange.response;
        if response.is_success() {
            let mut ignored = crate::check::Checked {
                user_id: created_user_id(response),
                ..Default::default()
            };
            self.note_user_id(&mut ignored, response);
        }
        self.report_trace(trial, account, 1, &exchange.request, Some(response), &[]);
    }

    /// The valid create after a refusal, in the kind's account, checked.
    async fn created_after(
        &self,
        refusal: Refusal,
        trial: &str,
        body: Value,
        sent: &AtomicU64,
    ) -> Answer {
        let account = refusal.follow_up_account();
        let call = Call::create(self.step_account(account), body);
        sent.fetch_add(1, Ordering::Relaxed);
        match self.exchange(trial, &call, false).await {
            Ok(exchange) => self.judge_created_after(refusal, trial, &call, exchange),
            Err(unanswered) => {
                self.probed(ProbeFamily::Refusal, refusal.label(), None);
                self.report_trace(trial, account, 2, &unanswered.request, None, &[]);
                Answer::Unanswered(unanswered)
            }
        }
    }

    /// Judges the create sent after a refusal of its Email.
    fn judge_created_after(
        &self,
        refusal: Refusal,
        trial: &str,
        call: &Call,
        exchange: Exchange,
    ) -> Answer {
        let facts = SentFacts::of(&call.account_id, call.body.json());
        let expectation = Expectation::CreatedAfterRefusal {
            facts: &facts,
            refusal: refusal.describe(),
        };
        self.probed(
            ProbeFamily::Refusal,
            refusal.label(),
            Some(exchange.response.status),
        );
        let mut checked = self.judge(trial, expectation, &exchange, None);
        if exchange.response.is_success() {
            self.note_user_id(&mut checked, &exchange.response);
        }
        let account = refusal.follow_up_account();
        let response = Some(&exchange.response);
        self.report_trace(
            trial,
            account,
            2,
            &exchange.request,
            response,
            &checked.violations,
        );
        Answer::Checked {
            exchange,
            violations: checked.violations,
        }
    }

    /// A burst against the low-limit account, then the first create refused with a 429
    /// sent again after its `Retry-After` (itself retried as an SDK retries a 429).
    async fn throttled_then_retried(&self, trial: &str, sent: &AtomicU64) -> Option<Answer> {
        let account = Refusal::Throttled.account();
        let calls: Vec<Call> = (0..THROTTLE_BURST)
            .map(|_| {
                let email = format!("chime-conformance+{}@example.com", self.next_tag());
                Call::create(self.step_account(account), self.trace_body(&email))
            })
            .collect();
        sent.fetch_add(calls.len() as u64, Ordering::Relaxed);
        let answers = self.exchange_together(trial, &calls, true).await;
        let mut throttled = None;
        for (call, answer) in calls.iter().zip(answers) {
            match answer {
                Ok(exchange) => {
                    self.refusal_seen(trial, account, &exchange);
                    if exchange.response.status == 429 && throttled.is_none() {
                        throttled = Some((call.clone(), exchange.response));
                    }
                }
                Err(unanswered) => {
                    self.report_trace(trial, account, 1, &unanswered.request, None, &[]);
                }
            }
        }
        // A burst that drew no 429 leaves nothing to judge (the throttle case reports it).
        let (call, response) = throttled?;
        tokio::time::sleep(crate::http::retry_after(&response, 1)).await;
        sent.fetch_add(1, Ordering::Relaxed);
        let exchange = match self.exchange(trial, &call, false).await {
            Ok(exchange) => exchange,
            Err(unanswered) => {
                self.probed(ProbeFamily::Refusal, Refusal::Throttled.label(), None);
                self.report_trace(trial, account, 2, &unanswered.request, None, &[]);
                return Some(Answer::Unanswered(unanswered));
            }
        };
        if exchange.response.status == 429 {
            // Still throttled after every retry an SDK makes: nothing to judge.
            self.probed(ProbeFamily::Refusal, Refusal::Throttled.label(), Some(429));
            self.report_trace(
                trial,
                account,
                2,
                &exchange.request,
                Some(&exchange.response),
                &[],
            );
            return None;
        }
        Some(self.judge_created_after(Refusal::Throttled, trial, &call, exchange))
    }

    fn report_trace(
        &self,
        trial: &str,
        account: AccountRef,
        step: usize,
        request: &SentRequest,
        response: Option<&ReceivedResponse>,
        violations: &[Violation],
    ) {
        let role = ExchangeRole {
            account,
            step: Some(step),
        };
        self.report_exchange(trial, role, request, response, violations);
    }
}

/// The UserId a 2xx created, if it names one.
fn created_user_id(response: &ReceivedResponse) -> Option<String> {
    let body = response.json().ok()?;
    body.pointer("/User/UserId")
        .and_then(Value::as_str)
        .filter(|id| !id.trim().is_empty())
        .map(str::to_string)
}

/// What a no-trace trial was trying, for its failure text.
pub(super) fn no_trace_context(refusal: Refusal) -> String {
    format!(
        "a refused create leaves no trace: {} (refused with {}), then the same Email created",
        refusal.label(),
        refusal.describe()
    )
}

/// The no-trace trials, one per kind of refusal.
pub(super) fn no_trace_trials(run: &Arc<Run>) -> Vec<Trial> {
    Refusal::ALL
        .iter()
        .map(|&refusal| {
            let run = Arc::clone(run);
            Trial::ignorable_test(refusal.trial_name(), move || {
                let planned = Some(refusal.planned_requests());
                run.trial(&refusal.trial_name(), TrialKind::Probe, planned, |sent| {
                    run.run_no_trace(refusal, sent)
                })
            })
        })
        .collect()
}

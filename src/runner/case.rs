//! Running one exception case: its steps in order, each a request or a burst of identical
//! requests sent at once, each answer checked against what the step expects.

use std::sync::atomic::{AtomicU64, Ordering};

use libtest_mimic::Completion;

use super::conclude::TrialFailure;
use super::evaluate::{Answer, Evaluation};
use super::{sorted_rules, Run, UsernameTag};
use crate::check::{
    check_response, is_exception, Checked, Expectation, OpenChoice, Rule, SentFacts, Violation,
};
use crate::contract::Exception;
use crate::http::{Call, CallBody, CallPurpose, Exchange, Unanswered};
use crate::input::cases::{AccountRef, Case, ExpectedAnswer, Step};
use crate::report::coverage::ProbeFamily;
use crate::report::event::ExchangeRole;

impl Run {
    /// Runs one exception case.
    pub(super) fn run_case(
        &self,
        case: &Case,
        sent: &AtomicU64,
    ) -> Result<Completion, TrialFailure> {
        if let Some(reason) = case.unmet_need(self.client.target(), self.options.disruption) {
            return Ok(Completion::ignored_with(reason));
        }
        let case_email = format!("chime-conformance+{}@example.com", self.next_tag());
        for (i, step) in case.steps.iter().enumerate() {
            let outcome =
                self.runtime
                    .block_on(self.run_step(&case.name, i + 1, step, &case_email, sent));
            if let Err(mut evaluation) = outcome {
                evaluation.context = Some(format!(
                    "{} (step {} of {}: expect {})",
                    case.description,
                    i + 1,
                    case.steps.len(),
                    step.expect
                ));
                return Err(self.failure(&case.name, &evaluation, None));
            }
        }
        Ok(Completion::Completed)
    }

    /// The account a step addresses.
    pub(super) fn step_account(&self, account: AccountRef) -> String {
        let fixtures = &self.client.target().fixtures;
        match account {
            AccountRef::Ordinary => fixtures.account_id.clone(),
            AccountRef::Forbidden => fixtures.forbidden_account_id.clone().unwrap_or_default(),
            AccountRef::Throttled => fixtures.throttled_account_id.clone().unwrap_or_default(),
            AccountRef::Unknown => format!("chime-conformance-unknown-{}", self.options.run_id),
            AccountRef::Blank => " ".to_string(),
        }
    }

    /// A step's JSON body with its placeholders filled in (and the run tag, if shared).
    fn step_json(&self, step: &Step, case_email: &str) -> serde_json::Value {
        let fill = |s: &str| {
            let mut s = s
                .replace("{case_email_upper}", &case_email.to_uppercase())
                .replace("{case_email}", case_email)
                .replace("{run_id}", &self.options.run_id);
            if s.contains("{fresh_email}") {
                let fresh = format!("chime-conformance+{}@example.com", self.next_tag());
                s = s.replace("{fresh_email}", &fresh);
            }
            s
        };
        let mut body = Case::step_body(step, &fill);
        if let (UsernameTag::RunId, Some(members)) = (self.options.usernames, body.as_object_mut())
        {
            members
                .entry("Username")
                .or_insert_with(|| format!("chime-conformance {}", self.options.run_id).into());
        }
        body
    }

    fn step_call(&self, step: &Step, case_email: &str) -> Call {
        let body = match &step.raw_body {
            Some(raw) => CallBody::Raw {
                bytes: raw.clone().into_bytes(),
                content_type: Some(
                    step.content_type
                        .clone()
                        .unwrap_or_else(|| "application/json".into()),
                ),
            },
            None => CallBody::Json(self.step_json(step, case_email)),
        };
        let creates = step.expect == ExpectedAnswer::Created || step.burst > 1;
        Call {
            account_id: self.step_account(step.account),
            body,
            signature: step.credentials,
            fault: step.fault,
            purpose: if creates {
                CallPurpose::Create
            } else {
                CallPurpose::Probe
            },
            off_route: None,
        }
    }

    /// Runs one step; `Err` carries the evaluation that failed it, with the rules every
    /// other request of the step broke.
    async fn run_step(
        &self,
        trial: &str,
        step_number: usize,
        step: &Step,
        case_email: &str,
        sent: &AtomicU64,
    ) -> Result<(), Box<Evaluation>> {
        let answers = self
            .step_answers(trial, step_number, step, case_email, sent)
            .await
            .map_err(|unanswered| {
                Box::new(Evaluation::new(None, Answer::Unanswered(unanswered)))
            })?;
        let mut gathered = StepAnswers::default();
        for (exchange, checked) in answers {
            gathered.add(step, exchange, checked);
        }
        gathered.verdict(step)
    }

    /// Sends one step (every request of a burst at once) and checks each answer; the first
    /// request that got no answer ends the step.
    pub(super) async fn step_answers(
        &self,
        trial: &str,
        step_number: usize,
        step: &Step,
        case_email: &str,
        sent: &AtomicU64,
    ) -> Result<Vec<(Exchange, Checked)>, Unanswered> {
        let throttling_tested = step.expect == ExpectedAnswer::Exception(Exception::Throttled);
        let calls: Vec<Call> = (0..step.burst)
            .map(|_| self.step_call(step, case_email))
            .collect();
        sent.fetch_add(calls.len() as u64, Ordering::Relaxed);
        let exchanges = self
            .exchange_together(trial, &calls, throttling_tested)
            .await;
        let role = ExchangeRole {
            account: step.account,
            step: Some(step_number),
        };
        let mut answers = Vec::with_capacity(calls.len());
        for (call, exchange) in calls.iter().zip(exchanges) {
            let exchange = exchange.inspect_err(|u| {
                if step.credentials.is_tampered() {
                    let label = step.credentials.label();
                    self.probed(ProbeFamily::Signature, label, None);
                }
                self.report_exchange(trial, role, &u.request, None, &[]);
            })?;
            let checked = self.check_step_response(trial, step, call, &exchange);
            if step.credentials.is_tampered() {
                let status = Some(exchange.response.status);
                let label = step.credentials.label();
                self.probed(ProbeFamily::Signature, label, status);
            }
            if let Some(e) = checked.exception() {
                self.saw_exception(trial, e);
            }
            let response = Some(&exchange.response);
            self.report_exchange(
                trial,
                role,
                &exchange.request,
                response,
                &checked.violations,
            );
            answers.push((exchange, checked));
        }
        Ok(answers)
    }

    pub(super) fn check_step_response(
        &self,
        trial: &str,
        step: &Step,
        call: &Call,
        exchange: &Exchange,
    ) -> Checked {
        let response = &exchange.response;
        let facts = SentFacts::of(&call.account_id, call.body.json());
        // An open choice under which a 201 also conforms (e.g. `email_case`).
        let choice = step.choice.as_deref().and_then(OpenChoice::from_name);
        let expectation = match step.expect {
            _ if step.credentials.is_tampered() => Expectation::AuthRefused,
            ExpectedAnswer::Created => Expectation::Created(&facts),
            // In a burst, the requests that were not refused must have created users, and
            // every refusal must be the step's exception.
            ExpectedAnswer::Exception(_) if step.burst > 1 && response.is_success() => {
                Expectation::Created(&facts)
            }
            ExpectedAnswer::Exception(_) if choice.is_some() && response.is_success() => {
                Expectation::Created(&facts)
            }
            // A body that is not JSON may be refused by the protocol layer too.
            ExpectedAnswer::Exception(Exception::BadRequest) if step.raw_body.is_some() => {
                Expectation::RejectedUnparsable {
                    rule: Rule::CaseExpectedException,
                }
            }
            ExpectedAnswer::Exception(exception) => Expectation::Rejected {
                exception,
                rule: Rule::CaseExpectedException,
            },
        };
        let mut checked = check_response(expectation, response, call.fault, &self.schemas);
        if let (Some(choice), ExpectedAnswer::Exception(e)) = (choice, step.expect) {
            if response.is_success() {
                checked.observe(choice, "201");
            } else if checked.violations.is_empty() {
                checked.observe(choice, format!("{} {e}", e.http_status()));
            }
        }
        self.settle(trial, &mut checked, exchange);
        if response.is_success() {
            self.note_user_id(&mut checked, response);
        }
        checked
    }
}

/// The checked answers of one step, gathered for its verdict.
#[derive(Default)]
struct StepAnswers {
    /// Answers that were the step's exception.
    matched: usize,
    /// Answers that were a 201.
    created: u32,
    statuses: Vec<u16>,
    /// Answers that broke rules, in the order sent.
    failing: Vec<(Exchange, Vec<Violation>)>,
    /// The last answer that broke none.
    last_conforming: Option<Exchange>,
}

impl StepAnswers {
    fn add(&mut self, step: &Step, exchange: Exchange, checked: Checked) {
        let status = exchange.response.status;
        self.statuses.push(status);
        if draws_expected(step, &exchange, &checked) {
            self.matched += 1;
        }
        if exchange.response.is_success() {
            self.created += 1;
        }
        if checked.violations.is_empty() {
            self.last_conforming = Some(exchange);
        } else {
            self.failing.push((exchange, checked.violations));
        }
    }

    /// The step's verdict: the first failing answer (with the rules the others broke), or
    /// a burst none of whose answers was its exception, or a pass.
    fn verdict(mut self, step: &Step) -> Result<(), Box<Evaluation>> {
        if !self.failing.is_empty() {
            let others = self.failing[1..]
                .iter()
                .flat_map(|(_, v)| v.iter().map(|v| v.rule));
            let also_broken = sorted_rules(others.collect::<Vec<_>>());
            let (exchange, violations) = self.failing.swap_remove(0);
            let mut evaluation = Evaluation::new(
                None,
                Answer::Checked {
                    exchange,
                    violations,
                },
            );
            evaluation.also_broken = also_broken;
            return Err(Box::new(evaluation));
        }
        if let Some(violation) = self.count_violation(step) {
            let Some(exchange) = self.last_conforming.take() else {
                return Ok(());
            };
            let answer = Answer::Checked {
                exchange,
                violations: vec![violation],
            };
            return Err(Box::new(Evaluation::new(None, answer)));
        }
        match (step.expect, self.last_conforming) {
            (ExpectedAnswer::Exception(e), Some(exchange))
                if step.burst > 1 && self.matched == 0 =>
            {
                let violation = Violation::new(
                    Rule::CaseExpectedException,
                    format!(
                        "{e} for at least one of {} simultaneous requests",
                        step.burst
                    ),
                    format!("none; statuses: {:?}", self.statuses),
                );
                let answer = Answer::Checked {
                    exchange,
                    violations: vec![violation],
                };
                Err(Box::new(Evaluation::new(None, answer)))
            }
            _ => Ok(()),
        }
    }
}

impl StepAnswers {
    /// A violation when the step states its outcome counts and the answers differ.
    fn count_violation(&self, step: &Step) -> Option<Violation> {
        let outcomes = step.outcomes.as_ref()?;
        let seen = |outcome: &ExpectedAnswer| match outcome {
            ExpectedAnswer::Created => self.created,
            ExpectedAnswer::Exception(_) => self.matched as u32,
        };
        let differs = outcomes.iter().any(|(o, n)| seen(o) != *n);
        let show = |count: &dyn Fn(&ExpectedAnswer) -> u32| {
            outcomes
                .iter()
                .map(|(o, _)| format!("{} x {o}", count(o)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        differs.then(|| {
            Violation::new(
                Rule::ConcurrencyOutcomeCounts,
                format!(
                    "of {} simultaneous requests: {}",
                    step.burst,
                    show(&|o| { outcomes.iter().find(|(x, _)| x == o).map_or(0, |(_, n)| *n) })
                ),
                show(&seen),
            )
        })
    }
}

/// Whether an answer is the exception its step expects.
fn draws_expected(step: &Step, exchange: &Exchange, checked: &Checked) -> bool {
    let status = exchange.response.status;
    match step.expect {
        ExpectedAnswer::Exception(e) => {
            !exchange.response.is_success() && is_exception(checked, status, e)
        }
        ExpectedAnswer::Created => false,
    }
}

/// The rules a burst breaks as a whole, beyond what each answer breaks: an exception burst
/// that drew its exception from none of its requests (`case.expected_exception`), and
/// outcome counts other than the case states (`concurrency.outcome_counts`).
pub(super) fn burst_rules(step: &Step, answers: &[(Exchange, Checked)]) -> Vec<Rule> {
    let mut gathered = StepAnswers::default();
    for (exchange, checked) in answers {
        if draws_expected(step, exchange, checked) {
            gathered.matched += 1;
        }
        if exchange.response.is_success() {
            gathered.created += 1;
        }
    }
    let mut rules = Vec::new();
    if step.burst > 1
        && matches!(step.expect, ExpectedAnswer::Exception(_))
        && gathered.matched == 0
    {
        rules.push(Rule::CaseExpectedException);
    }
    if gathered.count_violation(step).is_some() {
        rules.push(Rule::ConcurrencyOutcomeCounts);
    }
    rules
}

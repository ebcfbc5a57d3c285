//! The route trials (`route::methods`, `route::labels`, `route::queries`): each sends its
//! family's probes of the route (see [`crate::input::route`]) at once and checks each answer
//! as the probe allows ([`crate::check::check_route_answer`]); the first failing probe
//! fails the trial, with the rules the others broke. A probe that must go out as written
//! (a dot segment) is sent raw over http, and not at all over https.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use libtest_mimic::{Completion, Trial};

use super::conclude::TrialFailure;
use super::evaluate::{Answer, Evaluation};
use super::{sorted_rules, Run};
use crate::check::{check_route_answer, Rule};
use crate::contract::sigv4::SignatureMode;
use crate::http::{
    Call, CallBody, CallPurpose, Exchange, OffRoute, RawProbe, TransportError, TransportErrorKind,
    Unanswered,
};
use crate::input::cases::AccountRef;
use crate::input::route::{Allowed, RouteFamily, RouteProbe};
use crate::report::coverage::ProbeFamily;
use crate::report::event::ExchangeRole;
use crate::report::record::TrialKind;

impl Run {
    /// Runs one family of route probes.
    fn run_route(&self, family: RouteFamily, sent: &AtomicU64) -> Result<Completion, TrialFailure> {
        let trial = family.trial_name();
        let probes: Vec<RouteProbe> = family.probes().collect();
        let answers = self.runtime.block_on(futures::future::join_all(
            probes
                .iter()
                .map(|&probe| self.route_answer(&trial, probe, sent)),
        ));
        let mut failures: Vec<Evaluation> = probes
            .iter()
            .zip(answers)
            .filter_map(|(&probe, answer)| {
                let evaluation = Evaluation::new(Some(self.route_context(probe)), answer?);
                evaluation.failed().then_some(evaluation)
            })
            .collect();
        if failures.is_empty() {
            return Ok(Completion::Completed);
        }
        let others: Vec<Rule> = failures[1..].iter().flat_map(|e| e.rules()).collect();
        let mut first = failures.swap_remove(0);
        first.also_broken = sorted_rules(others);
        Err(self.failure(&trial, &first, None))
    }

    /// What a probe of the route was trying, for its failure text.
    pub(super) fn route_context(&self, probe: RouteProbe) -> String {
        let account = &self.client.target().fixtures.account_id;
        format!(
            "a probe of the route: {} ({} {}); allowed besides a 4xx: {}",
            probe.label(),
            probe.method(),
            probe.path_and_query(account, &self.options.run_id),
            match probe.allowed(account, &self.options.run_id) {
                Allowed::Refusal => "nothing".to_string(),
                Allowed::RefusalOrOther(why) => format!("a 2xx with no User ({why})"),
                Allowed::RefusalOrNotImplemented => "501".to_string(),
                Allowed::RefusalOrCreatedUnder(label) => format!("a 201 under {label:?}"),
            }
        )
    }

    /// The call a probe makes, and the Email its body carries.
    fn route_call(&self, probe: RouteProbe) -> (Call, Option<String>) {
        let target = self.client.target();
        let account = &target.fixtures.account_id;
        let email = format!("chime-conformance+{}@example.com", self.next_tag());
        let body = if probe.has_body() {
            CallBody::Json(self.trace_body(&email))
        } else {
            CallBody::Raw {
                bytes: Vec::new(),
                content_type: None,
            }
        };
        let may_create = matches!(
            probe.allowed(account, &self.options.run_id),
            Allowed::RefusalOrCreatedUnder(_)
        );
        let call = Call {
            account_id: account.clone(),
            body,
            signature: SignatureMode::AsTarget,
            fault: None,
            purpose: if may_create && !probe.raw() {
                CallPurpose::Create
            } else {
                CallPurpose::Probe
            },
            off_route: Some(OffRoute {
                method: probe.method().to_string(),
                path_and_query: Some(probe.path_and_query(account, &self.options.run_id)),
            }),
        };
        (call, probe.has_body().then_some(email))
    }

    /// Sends one probe and checks its answer (`None` when it is not sent: a raw probe over
    /// https).
    pub(super) async fn route_answer(
        &self,
        trial: &str,
        probe: RouteProbe,
        sent: &AtomicU64,
    ) -> Option<Answer> {
        let family = ProbeFamily::of_route(probe.route_family());
        let (call, email) = self.route_call(probe);
        let answer = if probe.raw() {
            if !self.client.target().endpoint.starts_with("http://") {
                // Only a raw request keeps the dot segment; over https none is sent.
                return None;
            }
            self.raw_route_probe(&call).await
        } else {
            self.exchange(trial, &call, false).await
        };
        sent.fetch_add(1, Ordering::Relaxed);
        let role = ExchangeRole {
            account: AccountRef::Ordinary,
            step: None,
        };
        let exchange = match answer {
            Ok(exchange) => exchange,
            Err(unanswered) => {
                self.probed(family, probe.label(), None);
                self.report_exchange(trial, role, &unanswered.request, None, &[]);
                return Some(Answer::Unanswered(unanswered));
            }
        };
        self.probed(family, probe.label(), Some(exchange.response.status));
        let target = self.client.target();
        let allowed = probe.allowed(&target.fixtures.account_id, &self.options.run_id);
        let mut checked = check_route_answer(
            &allowed,
            probe.method(),
            email.as_deref(),
            &exchange.response,
            &self.schemas,
        );
        self.settle(trial, &mut checked, &exchange);
        if exchange.response.is_success() {
            self.note_user_id(&mut checked, &exchange.response);
        }
        let response = Some(&exchange.response);
        self.report_exchange(
            trial,
            role,
            &exchange.request,
            response,
            &checked.violations,
        );
        Some(Answer::Checked {
            exchange,
            violations: checked.violations,
        })
    }

    /// Sends a probe raw (its target byte for byte), over http.
    async fn raw_route_probe(&self, call: &Call) -> Result<Exchange, Unanswered> {
        let request = self.client.prepare(call).map_err(|error| Unanswered {
            request: crate::http::SentRequest::stand_in(call, &error.url),
            error,
        })?;
        match self.client.probe_raw(&request).await {
            RawProbe::Answered(response) => Ok(Exchange { request, response }),
            RawProbe::NoAnswer(why) | RawProbe::Inconclusive(why) => {
                let error = TransportError {
                    kind: TransportErrorKind::Protocol,
                    url: request.url.clone(),
                    message: format!("sent raw: {why}"),
                };
                Err(Unanswered { request, error })
            }
        }
    }
}

/// The route trials, one per family of probes.
pub(super) fn route_trials(run: &Arc<Run>) -> Vec<Trial> {
    RouteFamily::ALL
        .iter()
        .map(|&family| {
            let run = Arc::clone(run);
            Trial::ignorable_test(family.trial_name(), move || {
                let planned = Some(family.probes().count() as u64);
                run.trial(&family.trial_name(), TrialKind::Probe, planned, |sent| {
                    run.run_route(family, sent)
                })
            })
        })
        .collect()
}

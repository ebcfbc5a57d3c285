//! Comparison runs: the same seeded traffic — every property's generated inputs and every
//! case's steps — sent to two targets (a differential run), each pair of answers compared
//! after normalisation ([`crate::check::diff`]) and the differences gathered by class into a
//! [`DriftReport`]. Each class is one trial, `diff::<class>`: a contract-level class that
//! differs fails, a wire-level one is listed as information (ignored, with the count).
//! Replaying a cassette ([`super::replay`]) fills the same report.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, OnceLock};

use libtest_mimic::{Completion, Trial};

use super::case::burst_rules;
use super::conclude::TrialFailure;
use super::evaluate::{Answer, Evaluation};
use super::gathered::{choice_both_ways, Gathered, Side};
use super::replay::Replay;
use super::trace::no_trace_context;
use super::Run;
use crate::check::diff::{compare, compare_bursts, DiffClass, DiffLevel, Observation};
use crate::check::Checked;
use crate::http::{Exchange, Unanswered};
use crate::input::cases::{Case, Step};
use crate::input::malformed::Malformed;
use crate::input::property::Property;
use crate::input::route::RouteProbe;
use crate::input::trace::Refusal;
use crate::report::drift::{render_class, DriftReport};
use crate::report::record::{FailureRecord, TrialKind};
use crate::util::lock;

/// What the left side of a comparison is compared with.
pub(super) enum Against {
    /// A second target, sent the same traffic.
    Target(Arc<Run>),
    /// The answers a cassette recorded.
    Cassette(Replay),
}

/// A comparison and, once its traffic has been sent, what it found.
pub struct Comparison {
    /// The target the traffic goes to (the left side of a differential run; the target
    /// a cassette is replayed to).
    pub(super) run: Arc<Run>,
    against: Against,
    cases: Vec<Case>,
    names: (String, String),
    drift: OnceLock<DriftReport>,
}

impl Comparison {
    /// A differential run: `left` and `right` get the same traffic.
    pub fn differential(left: Arc<Run>, right: Arc<Run>, cases: Vec<Case>) -> Arc<Comparison> {
        let names = (
            left.client.target().endpoint.clone(),
            right.client.target().endpoint.clone(),
        );
        Arc::new(Comparison {
            run: left,
            against: Against::Target(right),
            cases,
            names,
            drift: OnceLock::new(),
        })
    }

    /// A replay: a cassette's requests re-sent to `run`'s target, each answer compared
    /// with the recorded one.
    pub fn replay(run: Arc<Run>, replay: Replay, cases: Vec<Case>) -> Arc<Comparison> {
        let names = (
            format!("the cassette {}", replay.source()),
            run.client.target().endpoint.clone(),
        );
        Arc::new(Comparison {
            run,
            against: Against::Cassette(replay),
            cases,
            names,
            drift: OnceLock::new(),
        })
    }

    /// What the comparison found, sending its traffic the first time it is asked.
    pub fn drift(&self) -> &DriftReport {
        self.drift.get_or_init(|| {
            let gathered = Mutex::new(Gathered::new());
            match &self.against {
                Against::Target(right) => {
                    for property in Property::ALL {
                        self.compare_property(right, property, &gathered);
                    }
                    for case in &self.cases {
                        self.compare_case(right, case, &gathered);
                    }
                    for class in Malformed::ALL {
                        self.compare_malformed(right, class, &gathered);
                    }
                    for refusal in Refusal::ALL {
                        self.compare_no_trace(right, refusal, &gathered);
                    }
                    for probe in RouteProbe::ALL {
                        self.compare_route(right, probe, &gathered);
                    }
                }
                Against::Cassette(replay) => replay.run(&self.run, &self.cases, &gathered),
            }
            let gathered = std::mem::take(&mut *lock(&gathered));
            gathered.report(&self.names)
        })
    }

    /// A malformed request of one class sent to both.
    fn compare_malformed(&self, right: &Run, class: Malformed, gathered: &Mutex<Gathered>) {
        let (l, r) = self.run.runtime.block_on(async {
            futures::join!(
                self.run.malformed_answer(class),
                right.malformed_answer(class)
            )
        });
        let context = Some(format!("a malformed request: {}", class.name()));
        let side = |answer: Answer| Side::of(&Evaluation::new(None, answer));
        let (left, right) = (side(l), side(r));
        let mut differences = compare(&left.observation, &right.observation);
        if choice_both_ways(&class.trial_name(), &left.observation, &right.observation) {
            differences.retain(|d| d.class == DiffClass::ContractRule);
        }
        lock(gathered).add(&class.trial_name(), context, differences, &left, &right);
    }

    /// A kind of refusal and the create after it sent to both; the creates compared.
    fn compare_no_trace(&self, right: &Run, refusal: Refusal, gathered: &Mutex<Gathered>) {
        let trial = refusal.trial_name();
        for (run, side) in [(&*self.run, "left"), (right, "right")] {
            let target = run.client.target();
            if let Some(why) = refusal.unmet_need(target, run.options.disruption) {
                let why = format!("the {side} target cannot run it: {why}");
                lock(gathered).skip(&trial, why);
                return;
            }
        }
        let sent = AtomicU64::new(0);
        let (l, r) = self.run.runtime.block_on(async {
            futures::join!(
                self.run.no_trace_answer(refusal, &sent),
                right.no_trace_answer(refusal, &sent)
            )
        });
        let (Some(l), Some(r)) = (l, r) else {
            let why = "a side's refusal was not one, or its throttled burst drew no 429: nothing to compare";
            lock(gathered).skip(&trial, why.into());
            return;
        };
        let side = |answer: Answer| Side::of(&Evaluation::new(None, answer));
        let (left, right) = (side(l), side(r));
        let differences = compare(&left.observation, &right.observation);
        let context = Some(no_trace_context(refusal));
        lock(gathered).add(&trial, context, differences, &left, &right);
    }

    /// A probe of the route sent to both.
    fn compare_route(&self, right: &Run, probe: RouteProbe, gathered: &Mutex<Gathered>) {
        let trial = probe.route_family().trial_name();
        let sent = AtomicU64::new(0);
        let (l, r) = self.run.runtime.block_on(async {
            futures::join!(
                self.run.route_answer(&trial, probe, &sent),
                right.route_answer(&trial, probe, &sent)
            )
        });
        let (Some(l), Some(r)) = (l, r) else {
            let why = format!(
                "{}: not sent to both (a raw probe goes over http only)",
                probe.label()
            );
            lock(gathered).skip(&trial, why);
            return;
        };
        let side = |answer: Answer| Side::of(&Evaluation::new(None, answer));
        let (left, right) = (side(l), side(r));
        let differences = compare(&left.observation, &right.observation);
        let context = Some(self.run.route_context(probe));
        lock(gathered).add(&trial, context, differences, &left, &right);
    }

    /// A case's steps, in order, sent to both; a burst compared as a whole.
    fn compare_case(&self, right: &Run, case: &Case, gathered: &Mutex<Gathered>) {
        for (run, side) in [(&*self.run, "left"), (right, "right")] {
            if let Some(why) = case.unmet_need(run.client.target(), run.options.disruption) {
                lock(gathered).skip(
                    &case.name,
                    format!("the {side} target cannot run it: {why}"),
                );
                return;
            }
        }
        let sent = AtomicU64::new(0);
        let email = |run: &Run| format!("chime-conformance+{}@example.com", run.next_tag());
        let (left_email, right_email) = (email(&self.run), email(right));
        for (i, step) in case.steps.iter().enumerate() {
            let (l, r) = self.run.runtime.block_on(async {
                futures::join!(
                    self.run
                        .step_answers(&case.name, i + 1, step, &left_email, &sent),
                    right.step_answers(&case.name, i + 1, step, &right_email, &sent)
                )
            });
            let (left, right_side) = (burst_sides(step, &l), burst_sides(step, &r));
            let observations = |sides: &[Side]| -> Vec<Observation> {
                sides.iter().map(|s| s.observation.clone()).collect()
            };
            let differences = compare_bursts(&observations(&left), &observations(&right_side));
            let context = format!(
                "step {} of {}: expect {}",
                i + 1,
                case.steps.len(),
                step.expect
            );
            if let (Some(l), Some(r)) = (Side::merged(&left), Side::merged(&right_side)) {
                lock(gathered).add(&case.name, Some(context), differences, &l, &r);
            }
        }
    }
}

/// The sides of one step's answers (one for a request with no answer); the rules a burst
/// breaks as a whole are carried by every side.
fn burst_sides(step: &Step, answers: &Result<Vec<(Exchange, Checked)>, Unanswered>) -> Vec<Side> {
    match answers {
        Ok(all) => all
            .iter()
            .map(|(exchange, checked)| {
                let mut rules: Vec<_> = checked.violations.iter().map(|v| v.rule).collect();
                rules.extend(burst_rules(step, all));
                Side::answered(exchange, &rules)
            })
            .collect(),
        Err(unanswered) => vec![Side::unanswered(unanswered)],
    }
}

/// The trials of a comparison: one per class of behaviour.
pub fn comparison_trials(comparison: &Arc<Comparison>) -> Vec<Trial> {
    DiffClass::ALL
        .iter()
        .map(|&class| {
            let comparison = Arc::clone(comparison);
            Trial::ignorable_test(class.trial_name(), move || {
                let run = Arc::clone(&comparison.run);
                run.trial(&class.trial_name(), TrialKind::Comparison, None, |_| {
                    comparison.verdict(class)
                })
            })
        })
        .collect()
}

/// The trial names of a comparison (for `--list`).
pub fn comparison_trial_names() -> Vec<String> {
    DiffClass::ALL.iter().map(|c| c.trial_name()).collect()
}

impl Comparison {
    /// A class's verdict: no difference passes; a contract-level one fails; a wire-level
    /// one is information.
    fn verdict(&self, class: DiffClass) -> Result<Completion, TrialFailure> {
        let drift = self.drift();
        let Some(report) = drift.class(class).filter(|c| c.count > 0) else {
            return Ok(Completion::Completed);
        };
        match class.level() {
            DiffLevel::Contract => Err(TrialFailure(Box::new(FailureRecord::new(
                Vec::new(),
                false,
                render_class(drift, report),
            )))),
            DiffLevel::Wire => Ok(Completion::ignored_with(format!(
                "information: {} of {} answers differ in {class} (wire level: the contract allows both)",
                report.count, drift.compared
            ))),
        }
    }
}

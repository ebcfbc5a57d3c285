//! What a comparison gathers: each pair of sides (one request's answer on each target, or
//! on the target and in a cassette) compared and its differences counted by class, with the
//! smallest example of each. Differential runs ([`super::compare`]) and replays
//! ([`super::replay`]) both fill a [`Gathered`].

use std::collections::BTreeSet;

use super::evaluate::{Answer, Evaluation};
use crate::check::diff::{created_and_refused, DiffClass, Difference, Observation};
use crate::check::Rule;
use crate::http::{Exchange, Unanswered};
use crate::input::malformed::{Acceptable, Malformed};
use crate::report::drift::{DriftClassReport, DriftExample, DriftReport};
use crate::report::record::ExchangeRecord;

/// Gathers differences by class, keeping the smallest example of each.
#[derive(Default)]
pub(super) struct Gathered {
    compared: u64,
    not_compared: Vec<(String, String)>,
    /// Per class (in `DiffClass::ALL` order): count, and the example with its request size.
    classes: Vec<(u64, Option<(usize, DriftExample)>)>,
    left_only: BTreeSet<Rule>,
    right_only: BTreeSet<Rule>,
}

/// One side's answer to a request, as a comparison keeps it.
pub(super) struct Side {
    pub observation: Observation,
    pub exchange: Option<ExchangeRecord>,
    pub request_bytes: usize,
}

impl Side {
    /// A side from an answer and the rules it broke.
    pub(super) fn answered(exchange: &Exchange, rules: &[Rule]) -> Side {
        Side {
            observation: Observation::of(&exchange.response, rules),
            exchange: Some(ExchangeRecord::masked(
                &exchange.request,
                Some(&exchange.response),
            )),
            request_bytes: exchange.request.body.len(),
        }
    }

    /// A side from a request that got no complete answer.
    pub(super) fn unanswered(unanswered: &Unanswered) -> Side {
        Side {
            observation: Observation::unanswered(),
            exchange: Some(ExchangeRecord::masked(&unanswered.request, None)),
            request_bytes: unanswered.request.body.len(),
        }
    }

    /// The first of a burst's sides, carrying the rules every member broke.
    pub(super) fn merged(sides: &[Side]) -> Option<Side> {
        let first = sides.first()?;
        let mut observation = first.observation.clone();
        observation.rules = sides
            .iter()
            .flat_map(|s| s.observation.rules.iter().copied())
            .collect();
        Some(Side {
            observation,
            exchange: first.exchange.clone(),
            request_bytes: first.request_bytes,
        })
    }

    /// A side from an evaluated request: an early close taken as a refusal is one.
    pub(super) fn of(evaluation: &Evaluation) -> Side {
        let (request, response, violations) = evaluation.answer.parts();
        let rules: Vec<_> = violations.iter().map(|v| v.rule).collect();
        let closed = matches!(&evaluation.answer, Answer::ClosedEarly { violations, .. } if violations.is_empty());
        Side {
            observation: match response {
                Some(r) => Observation::of(r, &rules),
                None if closed => Observation::closed_early(),
                None => Observation::no_answer(&rules),
            },
            exchange: Some(ExchangeRecord::masked(request, response)),
            request_bytes: request.body.len(),
        }
    }
}

impl Gathered {
    pub(super) fn new() -> Gathered {
        Gathered {
            classes: DiffClass::ALL.iter().map(|_| (0, None)).collect(),
            ..Gathered::default()
        }
    }

    /// Adds the differences of one compared pair.
    pub(super) fn add(
        &mut self,
        trial: &str,
        context: Option<String>,
        differences: Vec<Difference>,
        left: &Side,
        right: &Side,
    ) {
        self.compared += 1;
        let (l, r) = (&left.observation.rules, &right.observation.rules);
        self.left_only.extend(l.difference(r).copied());
        self.right_only.extend(r.difference(l).copied());
        let size = left.request_bytes.max(right.request_bytes);
        for difference in differences {
            let (count, example) = self.slot(difference.class);
            *count += 1;
            if example.as_ref().is_none_or(|(best, _)| size < *best) {
                *example = Some((
                    size,
                    DriftExample {
                        trial: trial.to_string(),
                        context: context.clone(),
                        difference,
                        left: left.exchange.clone(),
                        right: right.exchange.clone(),
                    },
                ));
            }
        }
    }

    /// The count and example of a class.
    fn slot(&mut self, class: DiffClass) -> &mut (u64, Option<(usize, DriftExample)>) {
        let index = DiffClass::ALL.iter().position(|c| *c == class).unwrap_or(0);
        &mut self.classes[index]
    }

    /// Puts `example` in place of its class's example when its request is no larger.
    pub(super) fn offer_example(&mut self, size: usize, example: DriftExample) {
        let (_, current) = self.slot(example.difference.class);
        if current.as_ref().is_none_or(|(best, _)| size <= *best) {
            *current = Some((size, example));
        }
    }

    pub(super) fn skip(&mut self, trial: &str, why: String) {
        self.not_compared.push((trial.to_string(), why));
    }

    pub(super) fn report(self, names: &(String, String)) -> DriftReport {
        DriftReport {
            left: names.0.clone(),
            right: names.1.clone(),
            compared: self.compared,
            not_compared: self.not_compared,
            classes: DiffClass::ALL
                .iter()
                .zip(self.classes)
                .map(|(&class, (count, example))| DriftClassReport {
                    class,
                    level: class.level(),
                    count,
                    example: example.map(|(_, e)| e),
                })
                .collect(),
            rules_broken_by_left_only: self.left_only.into_iter().collect(),
            rules_broken_by_right_only: self.right_only.into_iter().collect(),
        }
    }
}

/// True when `trial` is a malformed class whose request may be created from or refused
/// (a large body, a missing or wrong media type) and one side did each: both conform.
pub(super) fn choice_both_ways(trial: &str, left: &Observation, right: &Observation) -> bool {
    Malformed::of_trial(trial).is_some_and(|c| c.acceptable() == Acceptable::ParsedOrRefused)
        && created_and_refused(left, right)
}

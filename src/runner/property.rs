//! Running one property: its regressions replayed first, then the deterministic coverage
//! phase (each boundary value of each member, see [`crate::input::coverage`]), then
//! generated inputs sent a batch at a time (concurrently, memory flat however many cases),
//! and the first failure shrunk to a minimal input, which is kept as a regression.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use futures::{stream, StreamExt};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::conclude::TrialFailure;
use super::evaluate::Evaluation;
use super::{sorted_rules, Run};
use crate::input::property::{Property, PropertyInput};
use crate::input::regressions::FailureReason;
use crate::report::event::Event;

/// A generated input's value tree, for shrinking.
pub(super) type Tree = Box<dyn ValueTree<Value = PropertyInput>>;

/// The first failure of a property's inputs.
struct FirstFailure {
    /// Where it was found: "coverage input 3 of 42" or "case 17 of 256".
    found: String,
    evaluation: Evaluation,
    tree: Tree,
}

/// The first failure of one batch: its index in the batch, its evaluation, its tree.
type BatchFailure = (usize, Evaluation, Tree);

impl Run {
    /// Runs one property: replays its regressions, then generates inputs, sends them
    /// concurrently, and shrinks the first failure.
    pub(super) fn run_property(
        &self,
        property: Property,
        sent: &AtomicU64,
    ) -> Result<(), TrialFailure> {
        let name = property.trial_name();
        self.replay_regressions(name, sent)?;
        let first = match self.coverage_failure(property, sent)? {
            Some(first) => first,
            None => match self.first_failure(property, sent)? {
                Some(first) => first,
                None => return Ok(()),
            },
        };
        let found = first.found;
        if first.evaluation.unanswered() {
            let provenance = format!("{found} (not shrunk: no answer)");
            return Err(self.failure(name, &first.evaluation, Some(provenance)));
        }
        let (minimal, evaluation, steps) = self.shrink(name, first.tree, first.evaluation, sent);
        if let Some(regressions) = &self.regressions {
            let reason = self.failure_reason(&evaluation);
            if let Err(e) = regressions.add(name, self.options.seed, &minimal, Some(reason)) {
                self.report(&Event::Warning(&e.to_string()));
            }
        }
        let provenance = format!("{found}, shrunk in {steps} steps");
        Err(self.failure(name, &evaluation, Some(provenance)))
    }

    /// Replays the inputs the regressions file holds for a property; the first that still
    /// fails fails the trial.
    fn replay_regressions(&self, name: &str, sent: &AtomicU64) -> Result<(), TrialFailure> {
        let Some(regressions) = &self.regressions else {
            return Ok(());
        };
        let (entries, skipped) = regressions.entries_for(name);
        for line in &skipped {
            self.report(&Event::Warning(line));
        }
        for (input, reason) in entries {
            // Judged afresh: the recorded verdict is another target's, for the record only.
            let evaluation = self.runtime.block_on(self.evaluate(name, &input, sent));
            if evaluation.failed() {
                let found = reason
                    .map(|r| {
                        format!(
                            " (found failing {} against {})",
                            r.rules.join(", "),
                            r.endpoint
                        )
                    })
                    .unwrap_or_default();
                let provenance = format!(
                    "replayed from the regressions file {}{found}, judged again here",
                    regressions.path().display()
                );
                return Err(self.failure(name, &evaluation, Some(provenance)));
            }
        }
        Ok(())
    }

    /// Sends the property's coverage inputs (one batch, in a fixed order): the first that
    /// fails, if any.
    fn coverage_failure(
        &self,
        property: Property,
        sent: &AtomicU64,
    ) -> Result<Option<FirstFailure>, TrialFailure> {
        let name = property.trial_name();
        // Coverage trees draw nothing from the generator: the random phase stays a function
        // of the seed alone.
        let mut runner = self.input_runner(name);
        let strategies = property.coverage();
        let total = strategies.len();
        let trees = strategies
            .iter()
            .map(|s| s.new_tree(&mut runner))
            .collect::<Result<Vec<Tree>, _>>()
            .map_err(|e| TrialFailure::generation(format!("failed to make an input: {e}")))?;
        let stop = AtomicBool::new(false);
        Ok(self
            .first_of_batch(name, trees, &stop, sent)
            .map(|(index, evaluation, tree)| FirstFailure {
                found: format!("coverage input {} of {total}", index + 1),
                evaluation,
                tree,
            }))
    }

    /// Generates, sends and checks a property's inputs a batch at a time; the first
    /// failure (in generation order), with the rules the batch's other failures broke.
    fn first_failure(
        &self,
        property: Property,
        sent: &AtomicU64,
    ) -> Result<Option<FirstFailure>, TrialFailure> {
        let name = property.trial_name();
        let strategy = property.strategy();
        let mut runner = self.input_runner(name);
        let total = self.options.cases_per_property as usize;
        let concurrency = self.client.target().concurrency.max(1);
        // The generator's sequence, and so each case, depends only on the seed.
        let batch = (concurrency * 8).max(64);
        let stop = AtomicBool::new(false);
        let mut done = 0;
        while done < total {
            let size = batch.min(total - done);
            let mut trees = Vec::with_capacity(size);
            for _ in 0..size {
                trees.push(strategy.new_tree(&mut runner).map_err(|e| {
                    TrialFailure::generation(format!("failed to generate an input: {e}"))
                })?);
            }
            if let Some((index, evaluation, tree)) = self.first_of_batch(name, trees, &stop, sent) {
                return Ok(Some(FirstFailure {
                    found: format!("case {} of {total}", done + index + 1),
                    evaluation,
                    tree,
                }));
            }
            done += size;
        }
        Ok(None)
    }

    /// Sends a batch of inputs; its first failure (in the batch's order), carrying the
    /// rules the batch's other failures broke.
    fn first_of_batch(
        &self,
        name: &str,
        mut trees: Vec<Tree>,
        stop: &AtomicBool,
        sent: &AtomicU64,
    ) -> Option<BatchFailure> {
        let concurrency = self.client.target().concurrency.max(1);
        let inputs: Vec<PropertyInput> = trees.iter().map(|t| t.current()).collect();
        let mut failures = self.send_batch(name, &inputs, concurrency, stop, sent);
        if failures.is_empty() {
            return None;
        }
        failures.sort_by_key(|(i, _)| *i);
        let others: Vec<_> = failures[1..].iter().flat_map(|(_, e)| e.rules()).collect();
        let (index, mut evaluation) = failures.swap_remove(0);
        evaluation.also_broken = sorted_rules(others);
        Some((index, evaluation, trees.swap_remove(index)))
    }

    /// The generator state of a property's inputs: a function of the seed and the name.
    pub(super) fn input_runner(&self, name: &str) -> TestRunner {
        TestRunner::new_with_rng(
            Config::default(),
            TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(self.options.seed, name)),
        )
    }

    /// Sends a batch concurrently; only failures are kept (a passing exchange is dropped
    /// as soon as it is checked). A request with no answer stops the rest of the batch.
    fn send_batch(
        &self,
        name: &str,
        inputs: &[PropertyInput],
        concurrency: usize,
        stop: &AtomicBool,
        sent: &AtomicU64,
    ) -> Vec<(usize, Evaluation)> {
        self.runtime.block_on(
            stream::iter(inputs.iter().enumerate())
                .map(|(i, input)| async move {
                    if stop.load(Ordering::Relaxed) {
                        return None;
                    }
                    let evaluation = self.evaluate(name, input, sent).await;
                    if evaluation.unanswered() {
                        // The target is not answering: pile no more requests on it.
                        stop.store(true, Ordering::Relaxed);
                    }
                    evaluation.failed().then_some((i, evaluation))
                })
                .buffer_unordered(concurrency)
                .filter_map(|failure| async move { failure })
                .collect(),
        )
    }
}

impl Run {
    /// Why an input failed here, kept with it in the regressions file.
    fn failure_reason(&self, evaluation: &Evaluation) -> FailureReason {
        let (_, _, violations) = evaluation.answer.parts();
        FailureReason {
            endpoint: self.client.target().endpoint.clone(),
            rules: sorted_rules(evaluation.rules())
                .iter()
                .map(|r| r.name().to_string())
                .collect(),
            verdict: violations
                .first()
                .map(|v| format!("{}: {v}", v.rule))
                .unwrap_or_else(|| "no answer".to_string()),
        }
    }
}

/// A 32-byte RNG seed from the run seed and the trial name, so each trial's inputs depend
/// only on the seed, whatever else runs.
pub(super) fn seed_bytes(seed: u64, trial: &str) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    // FNV-1a of the name, spread over the rest.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in trial.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    for chunk in bytes[8..].chunks_mut(8) {
        chunk.copy_from_slice(&hash.to_le_bytes()[..chunk.len()]);
        hash = hash.rotate_left(17).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    bytes
}

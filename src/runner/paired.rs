//! A differential run's generated traffic: each property's inputs, its coverage inputs then
//! those generated from the seed as in a normal run, sent to both targets a batch at a time (memory stays flat), each
//! pair of answers compared; and, for each class of difference a generated input showed,
//! that input shrunk to a minimal one that still shows it, as the class's example.

use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::Instant;

use futures::{stream, StreamExt};
use proptest::strategy::{Strategy, ValueTree};

use super::compare::Comparison;
use super::gathered::{Gathered, Side};
use super::property::Tree;
use super::shrink::{MAX_SHRINK_STEPS, SHRINK_BUDGET};
use super::Run;
use crate::check::diff::{compare, DiffClass, Difference, Observation};
use crate::contract::Exception;
use crate::input::property::{Property, PropertyInput};
use crate::report::drift::DriftExample;
use crate::util::lock;

/// One generated input sent to both sides, and how the answers differed.
struct Pair {
    index: usize,
    left: Side,
    right: Side,
    context: Option<String>,
    differences: Vec<Difference>,
}

impl Comparison {
    /// Sends a property's inputs to both sides (its coverage inputs first, then the
    /// generated ones) and gathers the differences; then shrinks the first input of each
    /// class that showed one.
    pub(super) fn compare_property(
        &self,
        right: &Run,
        property: Property,
        gathered: &Mutex<Gathered>,
    ) {
        let name = property.trial_name();
        let strategy = property.strategy();
        let mut generator = self.run.input_runner(name);
        let total = self.run.options.cases_per_property as usize;
        let batch = (self.run.client.target().concurrency.max(1) * 8).max(64);
        let mut firsts: Vec<(DiffClass, Tree)> = Vec::new();
        let coverage = property
            .coverage()
            .iter()
            .filter_map(|s| s.new_tree(&mut generator).ok().map(Some))
            .collect();
        self.compare_trees(right, name, coverage, &mut firsts, gathered);
        let mut done = 0;
        while done < total {
            let size = batch.min(total - done);
            let trees = (0..size)
                .filter_map(|_| strategy.new_tree(&mut generator).ok().map(Some))
                .collect();
            self.compare_trees(right, name, trees, &mut firsts, gathered);
            done += size;
        }
        for (class, tree) in firsts {
            if let Some((size, example)) = self.shrink_pair(right, name, class, tree) {
                lock(gathered).offer_example(size, example);
            }
        }
    }

    /// Sends one batch of inputs to both sides and gathers their differences, keeping the
    /// tree of the first input that showed each class.
    fn compare_trees(
        &self,
        right: &Run,
        name: &str,
        mut trees: Vec<Option<Tree>>,
        firsts: &mut Vec<(DiffClass, Tree)>,
        gathered: &Mutex<Gathered>,
    ) {
        let inputs: Vec<PropertyInput> = trees.iter().flatten().map(|t| t.current()).collect();
        let mut pairs = self.send_pairs(right, name, &inputs);
        pairs.sort_by_key(|p| p.index);
        for pair in pairs {
            for d in &pair.differences {
                if !firsts.iter().any(|(c, _)| *c == d.class) {
                    if let Some(tree) = trees[pair.index].take() {
                        firsts.push((d.class, tree));
                    }
                }
            }
            let differences = pair.differences;
            lock(gathered).add(name, pair.context, differences, &pair.left, &pair.right);
        }
    }

    /// Sends inputs to both sides, concurrently; every pair, with its differences.
    fn send_pairs(&self, right: &Run, name: &str, inputs: &[PropertyInput]) -> Vec<Pair> {
        let sent = AtomicU64::new(0);
        let concurrency = self.run.client.target().concurrency.max(1);
        self.run.runtime.block_on(
            stream::iter(inputs.iter().enumerate())
                .map(|(index, input)| {
                    let sent = &sent;
                    async move { self.pair(right, name, index, input, sent).await }
                })
                .buffer_unordered(concurrency)
                .collect(),
        )
    }

    async fn pair(
        &self,
        right: &Run,
        name: &str,
        index: usize,
        input: &PropertyInput,
        sent: &AtomicU64,
    ) -> Pair {
        let (l, r) = futures::join!(
            self.run.evaluate(name, input, sent),
            right.evaluate(name, input, sent)
        );
        let (left, right) = (Side::of(&l), Side::of(&r));
        let mut differences = compare(&left.observation, &right.observation);
        if null_read_both_ways(input, &left.observation, &right.observation) {
            // A `null` member may be taken as absent or refused (README, "Schemas"): both
            // conform, so only a rule one side broke is a difference.
            differences.retain(|d| d.class == DiffClass::ContractRule);
        }
        Pair {
            index,
            left,
            right,
            context: l.context,
            differences,
        }
    }

    /// Shrinks an input to a minimal one whose answers still differ in `class`; the
    /// example it gives, with the size of its request.
    fn shrink_pair(
        &self,
        right: &Run,
        name: &str,
        class: DiffClass,
        mut tree: Tree,
    ) -> Option<(usize, DriftExample)> {
        let sent = AtomicU64::new(0);
        let mut best: Option<Pair> = None;
        let mut steps = 0;
        let started = Instant::now();
        let mut candidate = Some(tree.current());
        while let Some(input) = candidate.take() {
            let pair = self
                .run
                .runtime
                .block_on(self.pair(right, name, 0, &input, &sent));
            let shows = pair.differences.iter().any(|d| d.class == class);
            if shows {
                best = Some(pair);
            }
            let more = steps < MAX_SHRINK_STEPS && started.elapsed() < SHRINK_BUDGET;
            let moved = match (more, shows || best.is_none()) {
                (false, _) => false,
                (true, true) => tree.simplify(),
                (true, false) => tree.complicate(),
            };
            if moved {
                steps += 1;
                candidate = Some(tree.current());
            }
        }
        let pair = best?;
        let difference = pair.differences.into_iter().find(|d| d.class == class)?;
        let size = pair.left.request_bytes.max(pair.right.request_bytes);
        let context = Some(match pair.context {
            Some(c) => format!("{c} (shrunk in {steps} steps)"),
            None => format!("a valid input (shrunk in {steps} steps)"),
        });
        Some((
            size,
            DriftExample {
                trial: name.to_string(),
                context,
                difference,
                left: pair.left.exchange,
                right: pair.right.exchange,
            },
        ))
    }
}

/// True when a valid input carries a `null` member and one side created the user while the
/// other refused it with BadRequestException: the two conforming readings of a `null`.
fn null_read_both_ways(input: &PropertyInput, left: &Observation, right: &Observation) -> bool {
    let PropertyInput::Valid(input) = input else {
        return false;
    };
    let refused = |o: &Observation| {
        o.status == Some(Exception::BadRequest.http_status())
            && o.error_type.as_deref() == Some(Exception::BadRequest.shape_name())
    };
    let created = |o: &Observation| o.status.is_some_and(|s| (200..300).contains(&s));
    !input.wire.nulls.is_empty()
        && ((created(left) && refused(right)) || (refused(left) && created(right)))
}

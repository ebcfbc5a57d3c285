//! Shrinking a failing input to a minimal one that still breaks one of the same rules,
//! bounded in steps and time.

use std::collections::HashSet;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use super::evaluate::Evaluation;
use super::property::Tree;
use super::{sorted_rules, Run};
use crate::input::property::PropertyInput;

/// The most shrink steps spent on one failure.
pub(super) const MAX_SHRINK_STEPS: u32 = 256;
/// The most time spent shrinking one failure.
pub(super) const SHRINK_BUDGET: Duration = Duration::from_secs(30);

impl Run {
    /// Shrinks a failing input; returns the minimal input, its evaluation (carrying the
    /// rules the larger inputs broke that it no longer does), and the steps taken.
    pub(super) fn shrink(
        &self,
        trial: &str,
        mut tree: Tree,
        first: Evaluation,
        sent: &AtomicU64,
    ) -> (PropertyInput, Evaluation, u32) {
        let rules: HashSet<_> = first.rules().collect();
        let mut seen_before = first.also_broken.clone();
        seen_before.extend(rules.iter().copied());
        let mut best = (tree.current(), first);
        let mut steps = 0;
        let started = Instant::now();
        let mut can_simplify = tree.simplify();
        while can_simplify && steps < MAX_SHRINK_STEPS && started.elapsed() < SHRINK_BUDGET {
            steps += 1;
            let candidate = tree.current();
            let evaluation = self
                .runtime
                .block_on(self.evaluate(trial, &candidate, sent));
            let same_failure =
                !evaluation.unanswered() && evaluation.rules().any(|r| rules.contains(&r));
            if same_failure {
                best = (candidate, evaluation);
                can_simplify = tree.simplify();
            } else {
                can_simplify = tree.complicate();
            }
        }
        let (minimal, mut evaluation) = best;
        let shown: HashSet<_> = evaluation.rules().collect();
        evaluation.also_broken =
            sorted_rules(seen_before.into_iter().filter(|r| !shown.contains(r)));
        (minimal, evaluation, steps)
    }
}

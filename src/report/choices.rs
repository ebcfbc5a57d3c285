//! The "choices and restrictions" section of every report: for each open choice of the
//! contract (see [`crate::check::choice`]) that the run met, how often, which answers the
//! target chose and how often each, the trials that met it, and its smallest example
//! (masked). Gathered while the run goes by [`ChoiceTally`]; rendered as text here for the
//! console and the JUnit `system-out`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Mutex;

use serde::Serialize;

use super::trial::ExchangeRecord;
use crate::check::choice::Source;
use crate::check::{Observation, OpenChoice, Verdict};
use crate::http::{ReceivedResponse, SentRequest};
use crate::util::lock;

/// The smallest exchange that met a choice, masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChoiceExample {
    pub trial: String,
    pub answer: String,
    pub exchange: ExchangeRecord,
}

/// One open choice as the run met it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChoiceSummary {
    /// The choice's stable name (e.g. `email_case`).
    pub choice: &'static str,
    pub verdict: Verdict,
    pub source: Source,
    /// What is being answered.
    pub question: &'static str,
    /// The answers that conform.
    pub allowed: &'static [&'static str],
    /// Why the answer is open.
    pub why: &'static str,
    /// Answers that met it.
    pub count: u64,
    /// Each answer the target chose, with how often.
    pub answers: BTreeMap<String, u64>,
    pub trials: BTreeSet<String>,
    /// The exchange with the smallest request body that met it.
    pub example: Option<ChoiceExample>,
}

impl ChoiceSummary {
    /// The answers chosen, most frequent first: "409 ConflictException (3), 201 (1)".
    pub fn chosen(&self) -> String {
        let mut answers: Vec<(&String, &u64)> = self.answers.iter().collect();
        answers.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        answers
            .iter()
            .map(|(a, n)| format!("{a} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Default)]
struct Entry {
    count: u64,
    answers: BTreeMap<String, u64>,
    trials: BTreeSet<String>,
    /// The size of the example's request body, and the example.
    example: Option<(usize, ChoiceExample)>,
}

/// The choices a run met, gathered as it goes (shared by every trial).
#[derive(Default)]
pub struct ChoiceTally {
    entries: Mutex<BTreeMap<OpenChoice, Entry>>,
    /// Per trial, each "choice: answer" once, for the trial's record.
    by_trial: Mutex<BTreeMap<String, BTreeSet<String>>>,
}

impl ChoiceTally {
    /// Notes what one answer chose.
    pub fn note(
        &self,
        trial: &str,
        observations: &[Observation],
        request: &SentRequest,
        response: Option<&ReceivedResponse>,
    ) {
        if observations.is_empty() {
            return;
        }
        {
            let mut entries = lock(&self.entries);
            for o in observations {
                let entry = entries.entry(o.choice).or_default();
                entry.count += 1;
                *entry.answers.entry(o.answer.clone()).or_default() += 1;
                if !entry.trials.contains(trial) {
                    entry.trials.insert(trial.to_string());
                }
                let size = request.body.len();
                if entry.example.as_ref().is_none_or(|(s, _)| size < *s) {
                    entry.example = Some((
                        size,
                        ChoiceExample {
                            trial: trial.to_string(),
                            answer: o.answer.clone(),
                            exchange: ExchangeRecord::masked(request, response),
                        },
                    ));
                }
            }
        }
        let mut by_trial = lock(&self.by_trial);
        let notes = by_trial.entry(trial.to_string()).or_default();
        for o in observations {
            notes.insert(o.to_string());
        }
    }

    /// The notes of one trial's answers, taken out of the tally.
    pub fn take_trial_notes(&self, trial: &str) -> BTreeSet<String> {
        lock(&self.by_trial).remove(trial).unwrap_or_default()
    }

    /// Every choice met, in the registry's order.
    pub fn summaries(&self) -> Vec<ChoiceSummary> {
        lock(&self.entries)
            .iter()
            .map(|(&choice, e)| ChoiceSummary {
                choice: choice.name(),
                verdict: choice.verdict(),
                source: choice.source(),
                question: choice.question(),
                allowed: choice.allowed(),
                why: choice.why(),
                count: e.count,
                answers: e.answers.clone(),
                trials: e.trials.clone(),
                example: e.example.as_ref().map(|(_, x)| x.clone()),
            })
            .collect()
    }
}

/// Counts of the choices met by verdict: (choices, restrictions, notes).
pub fn counts(summaries: &[ChoiceSummary]) -> (u64, u64, u64) {
    let of = |v: Verdict| {
        summaries
            .iter()
            .filter(|s| s.verdict == v)
            .map(|s| s.count)
            .sum()
    };
    (
        of(Verdict::Choice),
        of(Verdict::Restriction),
        of(Verdict::Note),
    )
}

/// The section as plain text, for the console and JUnit.
pub fn render_choices(summaries: &[ChoiceSummary]) -> String {
    let (choices, restrictions, notes) = counts(summaries);
    let mut out = format!(
        "choices and restrictions: {choices} choices, {restrictions} restrictions, {notes} notes (all conform; --strict fails restrictions and notes)\n"
    );
    for s in summaries {
        let _ = writeln!(
            out,
            "  {:<26} {:<11} {:>6}  {}",
            s.choice,
            s.verdict.name(),
            s.count,
            s.chosen()
        );
        if let Some(x) = &s.example {
            let _ = writeln!(
                out,
                "  {:<26} smallest example: {} -> {}",
                "", x.trial, x.answer
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tally_counts_answers_and_keeps_the_smallest_example() {
        let tally = ChoiceTally::default();
        let mut big = SentRequest::sample_with_secrets();
        big.body = vec![b'x'; 100];
        let mut small = SentRequest::sample_with_secrets();
        small.body = b"{}".to_vec();
        let o = |a: &str| Observation::new(OpenChoice::EmailCase, a);
        tally.note("t1", &[o("409 ConflictException")], &big, None);
        tally.note("t2", &[o("201")], &small, None);
        tally.note("t1", &[o("409 ConflictException")], &big, None);
        let s = &tally.summaries()[0];
        assert_eq!((s.choice, s.count), ("email_case", 3));
        assert_eq!(s.chosen(), "409 ConflictException (2), 201 (1)");
        assert_eq!(s.example.as_ref().unwrap().trial, "t2");
        let text = render_choices(&tally.summaries());
        assert!(
            text.contains("3 choices, 0 restrictions, 0 notes"),
            "{text}"
        );
        assert!(!text.contains("alice@example.com"), "examples are masked");
        assert_eq!(tally.take_trial_notes("t1").len(), 1);
    }
}

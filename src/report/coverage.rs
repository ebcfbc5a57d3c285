//! The input coverage table, part of the run record: for each member and constraint of the
//! model, how many valid and how many invalid probes were sent and how many were answered;
//! and for each boundary value a valid input can carry (absent, null, empty, long, astral,
//! escaped, each enum value, ...), how many were sent, answered, created (2xx) and refused
//! (4xx). The runner counts into a [`CoverageTally`] as it sends (lock-free); every writer
//! shows the [`InputCoverage`] it becomes, as a table or with [`render_coverage`].

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::input::coverage::{Boundary, Constraint, Facets};

/// Requests sent and answered (a response of any kind came back).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Probes {
    pub sent: u64,
    pub answered: u64,
}

/// One member and constraint: its valid and invalid probes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConstraintRow {
    pub member: &'static str,
    pub constraint: &'static str,
    pub valid: Probes,
    pub invalid: Probes,
}

impl ConstraintRow {
    /// True when a valid and an invalid probe were both sent and answered.
    pub fn covered(&self) -> bool {
        self.valid.answered > 0 && self.invalid.answered > 0
    }
}

/// One boundary value of a member, carried by valid inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoundaryRow {
    pub member: &'static str,
    pub value: &'static str,
    pub sent: u64,
    pub answered: u64,
    /// Answered with a 2xx.
    pub created: u64,
    /// Answered with a 4xx (for a null member, a conforming choice: see README).
    pub refused: u64,
}

/// The coverage table of a run's generated inputs (properties only; cases are listed in
/// the exception matrix).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InputCoverage {
    pub constraints: Vec<ConstraintRow>,
    pub boundaries: Vec<BoundaryRow>,
}

impl InputCoverage {
    /// True when no property input was sent (a run of cases only, or none at all).
    /// The boundary rows, grouped by member in table order.
    pub fn boundaries_by_member(&self) -> Vec<(&'static str, Vec<&BoundaryRow>)> {
        let mut groups: Vec<(&'static str, Vec<&BoundaryRow>)> = Vec::new();
        for row in &self.boundaries {
            match groups.last_mut() {
                Some((member, rows)) if *member == row.member => rows.push(row),
                _ => groups.push((row.member, vec![row])),
            }
        }
        groups
    }

    pub fn is_empty(&self) -> bool {
        self.constraints
            .iter()
            .all(|r| r.valid.sent + r.invalid.sent == 0)
    }

    /// The constraints that lack an answered valid or invalid probe.
    pub fn gaps(&self) -> impl Iterator<Item = &ConstraintRow> {
        self.constraints.iter().filter(|r| !r.covered())
    }

    /// The boundary values never sent or never answered.
    pub fn boundary_gaps(&self) -> impl Iterator<Item = &BoundaryRow> {
        self.boundaries.iter().filter(|r| r.answered == 0)
    }
}

const COUNTERS: usize = 4;
const SENT: usize = 0;
const ANSWERED: usize = 1;
const CREATED: usize = 2;
const REFUSED: usize = 3;

/// Counts of what a run's inputs covered, updated concurrently as requests are answered.
#[derive(Debug)]
pub struct CoverageTally {
    valid: Vec<[AtomicU64; COUNTERS]>,
    invalid: Vec<[AtomicU64; COUNTERS]>,
    boundaries: Vec<[AtomicU64; COUNTERS]>,
}

impl Default for CoverageTally {
    fn default() -> Self {
        let counters = |n: usize| (0..n).map(|_| Default::default()).collect();
        CoverageTally {
            valid: counters(Constraint::ALL.len()),
            invalid: counters(Constraint::ALL.len()),
            boundaries: counters(Boundary::ALL.len()),
        }
    }
}

impl CoverageTally {
    /// Counts one request: what it covered and its answer's status, if one came.
    pub fn note(&self, facets: Facets, status: Option<u16>) {
        let count = |counters: &[AtomicU64; COUNTERS]| {
            counters[SENT].fetch_add(1, Ordering::Relaxed);
            if let Some(status) = status {
                counters[ANSWERED].fetch_add(1, Ordering::Relaxed);
                match status {
                    200..=299 => counters[CREATED].fetch_add(1, Ordering::Relaxed),
                    400..=499 => counters[REFUSED].fetch_add(1, Ordering::Relaxed),
                    _ => 0,
                };
            }
        };
        for (i, c) in Constraint::ALL.iter().enumerate() {
            if facets.probes_valid(*c) {
                count(&self.valid[i]);
            }
            if facets.probes_invalid(*c) {
                count(&self.invalid[i]);
            }
        }
        for (i, b) in Boundary::ALL.iter().enumerate() {
            if facets.carries(*b) {
                count(&self.boundaries[i]);
            }
        }
    }

    /// The table so far.
    pub fn table(&self) -> InputCoverage {
        let load = |c: &[AtomicU64; COUNTERS], i: usize| c[i].load(Ordering::Relaxed);
        let probes = |c: &[AtomicU64; COUNTERS]| Probes {
            sent: load(c, SENT),
            answered: load(c, ANSWERED),
        };
        let constraints = Constraint::ALL
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (member, constraint) = c.describe();
                ConstraintRow {
                    member,
                    constraint,
                    valid: probes(&self.valid[i]),
                    invalid: probes(&self.invalid[i]),
                }
            })
            .collect();
        let boundaries = Boundary::ALL
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let (member, value) = b.describe();
                let c = &self.boundaries[i];
                BoundaryRow {
                    member,
                    value,
                    sent: load(c, SENT),
                    answered: load(c, ANSWERED),
                    created: load(c, CREATED),
                    refused: load(c, REFUSED),
                }
            })
            .collect();
        InputCoverage {
            constraints,
            boundaries,
        }
    }
}

/// The table as plain text: a line per constraint (valid and invalid probes, answered of
/// sent), then a line per member listing its boundary values with how many were sent.
pub fn render_coverage(coverage: &InputCoverage) -> String {
    let mut out = String::from("input coverage (answered/sent):\n");
    let _ = writeln!(
        out,
        "  {:<10} {:<30} {:>11} {:>11}",
        "member", "constraint", "valid", "invalid"
    );
    let ratio = |p: Probes| format!("{}/{}", p.answered, p.sent);
    for row in &coverage.constraints {
        let _ = writeln!(
            out,
            "  {:<10} {:<30} {:>11} {:>11}{}",
            row.member,
            row.constraint,
            ratio(row.valid),
            ratio(row.invalid),
            if row.covered() { "" } else { "  (gap)" }
        );
    }
    for (member, rows) in coverage.boundaries_by_member() {
        let values: Vec<String> = rows.into_iter().map(describe_boundary).collect();
        let _ = writeln!(out, "  {member:<10} {}", values.join(", "));
    }
    let gaps = coverage.gaps().count() + coverage.boundary_gaps().count();
    let _ = write!(out, "  coverage gaps: {gaps}");
    out
}

/// A boundary value with its count, and how it was answered when not all alike.
pub fn describe_boundary(b: &BoundaryRow) -> String {
    let mut text = format!("{} {}", b.value, b.answered);
    if b.answered < b.sent {
        let _ = write!(text, "/{}", b.sent);
    }
    if b.refused > 0 {
        let _ = write!(text, " ({} 2xx, {} 4xx)", b.created, b.refused);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::generate::{CreateUserInput, Member, WireForm};
    use crate::input::property::PropertyInput;

    #[test]
    fn the_tally_counts_what_each_input_covers() {
        let tally = CoverageTally::default();
        let input = CreateUserInput {
            wire: WireForm {
                nulls: vec![Member::Email],
                ..WireForm::default()
            },
            ..CreateUserInput::new(Some("😀".into()), None, Some("SharedDevice".into()))
        };
        tally.note(Facets::of(&PropertyInput::Valid(input.clone())), Some(201));
        tally.note(Facets::of(&PropertyInput::Valid(input)), None);
        let table = tally.table();
        let row = |member, value| {
            table
                .boundaries
                .iter()
                .find(|b| b.member == member && b.value == value)
                .cloned()
                .unwrap()
        };
        assert_eq!(row("Email", "null").sent, 2);
        assert_eq!(row("Email", "null").answered, 1);
        assert_eq!(row("Username", "astral-plane").created, 1);
        assert_eq!(row("UserType", "SharedDevice").sent, 2);
        assert_eq!(row("UserType", "PrivateUser").sent, 0);
        let text = render_coverage(&table);
        assert!(
            text.contains("Username") && text.contains("coverage gaps:"),
            "{text}"
        );
        assert!(
            table.gaps().any(|r| r.member == "Email"),
            "no invalid Email probe"
        );
    }
}

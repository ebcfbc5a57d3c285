//! The input coverage table, part of the run record: for each member and constraint of the
//! model, how many valid and how many invalid probes were sent and how many were answered;
//! for each boundary value a valid input can carry (absent, null, empty, long, astral,
//! escaped, each enum value, ...), how many were sent, answered, created (2xx) and refused
//! (4xx); and for each fixed probe of the other families (methods, path labels and query
//! strings on the route, tampered signatures, refusals that must leave no trace, the
//! values of created users judged for plausibility), how many were sent and answered, with
//! what. The runner counts into a [`CoverageTally`] as it sends (lock-free) and a
//! [`ProbeTally`]; every writer shows the [`InputCoverage`] they become, as a table or with
//! [`render_coverage`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Serialize;

use crate::contract::sigv4::SignatureMode;
use crate::input::coverage::{Boundary, Constraint, Facets};
use crate::input::route::{RouteFamily, RouteProbe};
use crate::input::trace::Refusal;
use crate::util::lock;

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

/// A family of fixed probes beside the properties' inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeFamily {
    /// Another method on the CreateUser route (`route::methods`).
    Method,
    /// An odd `accountId` label (`route::labels`).
    Label,
    /// An odd query string (`route::queries`).
    Query,
    /// A signature that does not bind its request (`exception::signature_binding::*`).
    Signature,
    /// A refused create, then the same Email created (`no_trace::*`): the create after it.
    Refusal,
    /// A value of a created user judged for plausibility, and what it was judged against.
    Values,
}

impl ProbeFamily {
    pub const ALL: [ProbeFamily; 6] = [
        ProbeFamily::Method,
        ProbeFamily::Label,
        ProbeFamily::Query,
        ProbeFamily::Signature,
        ProbeFamily::Refusal,
        ProbeFamily::Values,
    ];

    /// The family's name, as the table's first column shows it.
    pub fn name(self) -> &'static str {
        match self {
            ProbeFamily::Method => "method",
            ProbeFamily::Label => "label",
            ProbeFamily::Query => "query",
            ProbeFamily::Signature => "signature",
            ProbeFamily::Refusal => "refusal",
            ProbeFamily::Values => "values",
        }
    }

    /// The family of the table a trial of route probes counts in.
    pub fn of_route(family: RouteFamily) -> ProbeFamily {
        match family {
            RouteFamily::Methods => ProbeFamily::Method,
            RouteFamily::Labels => ProbeFamily::Label,
            RouteFamily::Queries => ProbeFamily::Query,
        }
    }

    /// The probes of the family, in table order.
    pub fn probes(self) -> Vec<&'static str> {
        match self {
            ProbeFamily::Method | ProbeFamily::Label | ProbeFamily::Query => RouteProbe::ALL
                .iter()
                .filter(|p| ProbeFamily::of_route(p.route_family()) == self)
                .map(|p| p.label())
                .collect(),
            ProbeFamily::Signature => SignatureMode::TAMPERED.iter().map(|m| m.label()).collect(),
            ProbeFamily::Refusal => Refusal::ALL.iter().map(|r| r.label()).collect(),
            ProbeFamily::Values => VALUES.to_vec(),
        }
    }
}

/// The rows of [`ProbeFamily::Values`]: each member judged, and what the timestamps were
/// judged against.
pub const VALUES: [&str; 5] = [
    "UserId",
    "InvitedOn",
    "RegisteredOn",
    "against the Date header",
    "against the harness's clock",
];

/// One fixed probe: how many were sent and answered, and the statuses of the answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeRow {
    pub family: ProbeFamily,
    pub probe: &'static str,
    pub sent: u64,
    pub answered: u64,
    /// Answers by HTTP status.
    pub statuses: BTreeMap<u16, u64>,
}

/// The coverage table of a run's generated inputs (properties only; cases are listed in
/// the exception matrix), and of its fixed probes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InputCoverage {
    pub constraints: Vec<ConstraintRow>,
    pub boundaries: Vec<BoundaryRow>,
    /// Every fixed probe of every family, sent or not.
    pub probes: Vec<ProbeRow>,
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

    /// The probe rows, grouped by family in table order.
    pub fn probes_by_family(&self) -> Vec<(ProbeFamily, Vec<&ProbeRow>)> {
        ProbeFamily::ALL
            .iter()
            .map(|&f| (f, self.probes.iter().filter(|r| r.family == f).collect()))
            .filter(|(_, rows): &(ProbeFamily, Vec<&ProbeRow>)| !rows.is_empty())
            .collect()
    }
}

/// Counts of the fixed probes sent so far, by family and probe.
#[derive(Debug)]
pub struct ProbeTally {
    rows: Mutex<Vec<ProbeRow>>,
}

impl Default for ProbeTally {
    fn default() -> Self {
        let rows = ProbeFamily::ALL
            .iter()
            .flat_map(|&family| {
                family.probes().into_iter().map(move |probe| ProbeRow {
                    family,
                    probe,
                    sent: 0,
                    answered: 0,
                    statuses: BTreeMap::new(),
                })
            })
            .collect();
        ProbeTally {
            rows: Mutex::new(rows),
        }
    }
}

impl ProbeTally {
    /// Counts one probe of `family` sent, and its answer's status if one came.
    pub fn note(&self, family: ProbeFamily, probe: &'static str, status: Option<u16>) {
        let mut rows = lock(&self.rows);
        let index = match rows
            .iter()
            .position(|r| r.family == family && r.probe == probe)
        {
            Some(i) => i,
            None => {
                rows.push(ProbeRow {
                    family,
                    probe,
                    sent: 0,
                    answered: 0,
                    statuses: BTreeMap::new(),
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[index];
        row.sent += 1;
        if let Some(status) = status {
            row.answered += 1;
            *row.statuses.entry(status).or_default() += 1;
        }
    }

    /// The rows so far.
    pub fn rows(&self) -> Vec<ProbeRow> {
        lock(&self.rows).clone()
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
    probes: ProbeTally,
}

impl Default for CoverageTally {
    fn default() -> Self {
        let counters = |n: usize| (0..n).map(|_| Default::default()).collect();
        CoverageTally {
            valid: counters(Constraint::ALL.len()),
            invalid: counters(Constraint::ALL.len()),
            boundaries: counters(Boundary::ALL.len()),
            probes: ProbeTally::default(),
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
            probes: self.probes.rows(),
        }
    }

    /// Counts one fixed probe of `family` sent, and its answer's status if one came.
    pub fn probe(&self, family: ProbeFamily, probe: &'static str, status: Option<u16>) {
        self.probes.note(family, probe, status);
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
    for (family, rows) in coverage.probes_by_family() {
        let probes: Vec<String> = rows.into_iter().map(describe_probe).collect();
        let _ = writeln!(out, "  {:<10} {}", family.name(), probes.join(", "));
    }
    let gaps = coverage.gaps().count() + coverage.boundary_gaps().count();
    let _ = write!(out, "  coverage gaps: {gaps}");
    out
}

/// A probe with its count (answered, and of sent when some got no answer) and, for a
/// probe of the route, a signature or a refusal, its answers' statuses: `GET 1 (404)`.
pub fn describe_probe(p: &ProbeRow) -> String {
    let mut text = format!("{} {}", p.probe, p.answered);
    if p.answered < p.sent {
        let _ = write!(text, "/{}", p.sent);
    }
    if p.family != ProbeFamily::Values && !p.statuses.is_empty() {
        let statuses: Vec<String> = p
            .statuses
            .iter()
            .map(|(status, n)| match n {
                1 => status.to_string(),
                n => format!("{status} x{n}"),
            })
            .collect();
        let _ = write!(text, " ({})", statuses.join(", "));
    }
    text
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

    #[test]
    fn every_fixed_probe_has_a_row_and_shows_its_answers() {
        let tally = CoverageTally::default();
        let table = tally.table();
        for family in ProbeFamily::ALL {
            let rows = table.probes.iter().filter(|r| r.family == family).count();
            assert_eq!(rows, family.probes().len(), "{family:?}");
            assert!(rows > 0, "{family:?}");
        }
        tally.probe(ProbeFamily::Method, "GET", Some(404));
        tally.probe(ProbeFamily::Method, "GET", Some(405));
        tally.probe(ProbeFamily::Method, "PUT", None);
        tally.probe(ProbeFamily::Values, "InvitedOn", Some(201));
        let text = render_coverage(&tally.table());
        assert!(
            text.contains("  method     GET 2 (404, 405), HEAD 0, PUT 0/1,"),
            "{text}"
        );
        assert!(
            text.contains("InvitedOn 1,"),
            "values show no statuses: {text}"
        );
        assert!(text.contains("  refusal    invalid input 0,"), "{text}");
        assert!(text.contains("query_added 0"), "{text}");
    }
}

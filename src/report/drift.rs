//! The drift report of a comparison (a differential run or a cassette replay): per class
//! of behaviour, how many answers differed, and one minimal example (masked like every
//! exchange in a record). Part of the run record, read by every writer; the text of a
//! `diff::<class>` trial is rendered here.

use std::fmt::Write as _;

use serde::Serialize;

use super::trial::ExchangeRecord;
use crate::check::diff::{DiffClass, DiffLevel, Difference};
use crate::check::Rule;

/// One example of a class of difference: the smallest request that showed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftExample {
    /// The trial whose traffic showed it (`property::...`, `exception::...`).
    pub trial: String,
    /// What was being tried (the broken constraint, the case step).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    pub difference: Difference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left: Option<ExchangeRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub right: Option<ExchangeRecord>,
}

/// How one class of behaviour compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftClassReport {
    pub class: DiffClass,
    pub level: DiffLevel,
    /// Answers (pairs) that differed in this class.
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<DriftExample>,
}

/// What a comparison found, class by class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    /// What was compared: the left side (the target, or a cassette) and the right one.
    pub left: String,
    pub right: String,
    /// Pairs of answers compared.
    pub compared: u64,
    /// Trials whose traffic could not be compared, with why (a case one side cannot run).
    pub not_compared: Vec<(String, String)>,
    /// Every class, in [`DiffClass::ALL`] order.
    pub classes: Vec<DriftClassReport>,
    /// Contract rules broken on the left side of some pair where the right kept them.
    pub rules_broken_by_left_only: Vec<Rule>,
    /// Contract rules broken on the right side of some pair where the left kept them.
    pub rules_broken_by_right_only: Vec<Rule>,
}

impl DriftReport {
    /// The report of one class.
    pub fn class(&self, class: DiffClass) -> Option<&DriftClassReport> {
        self.classes.iter().find(|c| c.class == class)
    }

    /// The classes that differed, contract-level ones first.
    pub fn differing(&self) -> impl Iterator<Item = &DriftClassReport> {
        self.classes.iter().filter(|c| c.count > 0)
    }
}

/// The text of a class's trial: the count and the example with both exchanges.
pub fn render_class(report: &DriftReport, class: &DriftClassReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} of {} compared answers differ in {} ({} level) between {} (left) and {} (right)",
        class.count,
        report.compared,
        class.class,
        match class.level {
            DiffLevel::Contract => "contract",
            DiffLevel::Wire => "wire",
        },
        report.left,
        report.right
    );
    let Some(example) = &class.example else {
        return out;
    };
    let _ = writeln!(out, "smallest example, from {}:", example.trial);
    if let Some(context) = &example.context {
        let _ = writeln!(out, "  input: {context}");
    }
    let _ = writeln!(out, "  {}", example.difference);
    let names = |rules: &[Rule]| {
        rules
            .iter()
            .map(|r| r.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if class.class == DiffClass::ContractRule {
        let _ = writeln!(
            out,
            "rules broken by the left only: {}; by the right only: {}",
            names(&report.rules_broken_by_left_only),
            names(&report.rules_broken_by_right_only)
        );
    }
    for (side, exchange) in [("left", &example.left), ("right", &example.right)] {
        match exchange {
            Some(e) => {
                let _ = writeln!(out, "  {side}: {} {}", e.request.method, e.request.url);
                let _ = writeln!(out, "    request body: {}", e.request.body);
                match &e.response {
                    Some(r) => {
                        let _ = writeln!(out, "    answer: HTTP {}: {}", r.status, r.body);
                    }
                    None => {
                        let _ = writeln!(out, "    answer: none");
                    }
                }
            }
            None => {
                let _ = writeln!(out, "  {side}: (recorded answer)");
            }
        }
    }
    out
}

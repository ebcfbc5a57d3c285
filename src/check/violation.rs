//! One broken rule, as data: the rule, what it expected and what was seen. Stays typed
//! until a writer formats it; the JSON report carries it as it is.

use std::fmt;

use serde::Serialize;

use super::{Rule, RuleClass};

/// One broken rule, with what was expected and what was seen (sensitive values masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub rule: Rule,
    pub expected: String,
    pub seen: String,
}

impl Violation {
    pub fn new(rule: Rule, expected: impl Into<String>, seen: impl Into<String>) -> Violation {
        Violation {
            rule,
            expected: expected.into(),
            seen: seen.into(),
        }
    }

    /// The class of the broken rule.
    pub fn class(&self) -> RuleClass {
        self.rule.class()
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}; saw {}", self.expected, self.seen)
    }
}

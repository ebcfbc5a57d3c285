//! One broken rule, as data: the rule, what it expected and what was seen. Stays typed
//! until a writer formats it; the JSON report carries it as it is.

use std::fmt;

use serde::Serialize;

use super::{Rule, RuleClass};
use crate::contract::redact::mask_emails_in_text;

/// One broken rule, with what was expected and what was seen (sensitive values masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub rule: Rule,
    pub expected: String,
    pub seen: String,
}

impl Violation {
    /// A violation; email-like words in what was expected and seen (text that may quote
    /// the response) are masked.
    pub fn new(rule: Rule, expected: impl Into<String>, seen: impl Into<String>) -> Violation {
        let mask = |text: String| match mask_emails_in_text(&text) {
            std::borrow::Cow::Borrowed(_) => text,
            std::borrow::Cow::Owned(masked) => masked,
        };
        Violation {
            rule,
            expected: mask(expected.into()),
            seen: mask(seen.into()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_quoted_in_what_was_seen_is_masked() {
        let v = Violation::new(
            Rule::ErrorSchema,
            "valid against schemas/error.json",
            r#"at /Code: "bob@example.com" is not one of ["BadRequest", ...]"#,
        );
        assert_eq!(
            v.seen,
            r#"at /Code: "***@***" is not one of ["BadRequest", ...]"#
        );
    }
}

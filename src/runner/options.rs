//! Settings of a run that are not about the target: seed, cases per property, the
//! regressions file, disruption, the run id and how usernames are tagged, and the trials
//! the target is known to fail.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::check::{Rule, RuleClass};
use crate::endpoint::builder::Disruption;

/// Whether created users' Usernames carry the run id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsernameTag {
    /// Usernames as generated (a private target, such as the embedded mock).
    Untagged,
    /// Every Username carries the run id, so a shared target's users can be traced.
    RunId,
}

/// Settings of a run that are not about the target.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub seed: u64,
    /// Generated inputs per property.
    pub cases_per_property: u32,
    /// Where failing inputs are kept and replayed from; `None` keeps none.
    pub regressions: Option<PathBuf>,
    pub disruption: Disruption,
    /// A short id of this run, carried by created users' emails and usernames.
    pub run_id: String,
    pub usernames: UsernameTag,
    /// Restrictions and notes fail the run too (`--strict`).
    pub strict: bool,
    /// Trials the target is known to fail, by trial name.
    pub expected_failures: BTreeMap<String, ExpectedFailure>,
}

/// A trial the target is known to fail: why, and which rules it is known to break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedFailure {
    pub reason: String,
    /// The rules the failure may break; `None`: any rule but a security one.
    pub rules: Option<Vec<Rule>>,
}

impl ExpectedFailure {
    /// The first of the `broken` rules this expected failure does not cover: one not
    /// listed (when rules are listed), or a security rule not listed explicitly. `None`
    /// when the failure is the one expected.
    pub fn uncovered(&self, broken: &[Rule]) -> Option<Rule> {
        broken.iter().copied().find(|rule| match &self.rules {
            Some(listed) => !listed.contains(rule),
            None => rule.class() == RuleClass::Security,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(rules: Option<Vec<Rule>>) -> ExpectedFailure {
        ExpectedFailure {
            reason: "known".into(),
            rules,
        }
    }

    #[test]
    fn a_listed_trial_covers_only_the_rules_it_names_and_never_an_unlisted_security_rule() {
        let any = listed(None);
        assert_eq!(any.uncovered(&[Rule::CaseExpectedException]), None);
        assert_eq!(any.uncovered(&[]), None);
        assert_eq!(
            any.uncovered(&[Rule::CaseExpectedException, Rule::SecuritySignatureBinding]),
            Some(Rule::SecuritySignatureBinding)
        );
        let one = listed(Some(vec![Rule::CaseExpectedException]));
        assert_eq!(one.uncovered(&[Rule::CaseExpectedException]), None);
        assert_eq!(
            one.uncovered(&[Rule::CaseExpectedException, Rule::ErrorStatus]),
            Some(Rule::ErrorStatus)
        );
        assert_eq!(
            one.uncovered(&[Rule::SecuritySignatureBinding]),
            Some(Rule::SecuritySignatureBinding)
        );
        let security = listed(Some(vec![Rule::SecuritySignatureBinding]));
        assert_eq!(security.uncovered(&[Rule::SecuritySignatureBinding]), None);
    }
}

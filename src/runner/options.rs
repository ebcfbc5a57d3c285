//! Settings of a run that are not about the target: seed, cases per property, the
//! regressions file, disruption, the run id and how usernames are tagged, and the trials
//! the target is known to fail.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::target::builder::Disruption;

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
    /// Trials the target is known to fail, with the reason.
    pub expected_failures: BTreeMap<String, String>,
}

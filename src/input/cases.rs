//! Declarative exception cases (`cases/<exception>/<case>.toml`): the file format, loading
//! and validation, and what a case needs from a target. The format is documented in
//! README.md ("Exception cases"); the trial name of `cases/conflict/duplicate_email.toml`
//! is `exception::conflict::duplicate_email`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::contract::sigv4::SignatureMode;
use crate::contract::{Exception, TriggerClass};
use crate::endpoint::builder::Disruption;
use crate::endpoint::{Auth, Target};

include!(concat!(env!("OUT_DIR"), "/embedded_cases.rs"));

/// The most copies a burst step may send.
pub const MAX_BURST: u32 = 200;

/// Which fixture account a step (or a generated input) addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AccountRef {
    /// The target's ordinary account.
    #[default]
    Ordinary,
    /// The target's forbidden account.
    Forbidden,
    /// The target's low-limit account.
    Throttled,
    /// An account id made up for the run, which no target knows.
    Unknown,
    /// A blank account id (a single space).
    Blank,
}

/// The answer a step must get back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedAnswer {
    Created,
    Exception(Exception),
}

impl fmt::Display for ExpectedAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedAnswer::Created => f.write_str("created (201)"),
            ExpectedAnswer::Exception(e) => write!(f, "{e} (HTTP {})", e.http_status()),
        }
    }
}

impl<'de> Deserialize<'de> for ExpectedAnswer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text == "created" {
            return Ok(ExpectedAnswer::Created);
        }
        Exception::from_shape_name(&text)
            .map(ExpectedAnswer::Exception)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "expect must be \"created\" or one of the eight exception names, not {text:?}"
                ))
            })
    }
}

fn exception_name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Exception, D::Error> {
    let text = String::deserialize(d)?;
    Exception::from_shape_name(&text).ok_or_else(|| {
        serde::de::Error::custom(format!("{text:?} is not one of the eight exception names"))
    })
}

fn optional_exception_name<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Exception>, D::Error> {
    exception_name(d).map(Some)
}

/// One request (or burst of identical requests) of a case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default)]
    pub account: AccountRef,
    /// JSON body; string values may hold `{case_email}`, `{fresh_email}`, `{run_id}`.
    #[serde(default)]
    pub body: Option<toml::Table>,
    /// A body sent byte for byte instead of `body`.
    #[serde(default)]
    pub raw_body: Option<String>,
    /// Content-Type for `raw_body` (default `application/json`).
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default = "default_credentials")]
    pub credentials: SignatureMode,
    /// Ask the target to inject this exception through its fault header.
    #[serde(default, deserialize_with = "optional_exception_name")]
    pub fault: Option<Exception>,
    /// Send this many copies at once; each must get `expect` or a 201, and an exception
    /// burst at least one `expect`.
    #[serde(default = "one")]
    pub burst: u32,
    pub expect: ExpectedAnswer,
    /// For a burst: exactly how many answers each outcome must have (`created` or an
    /// exception name), e.g. `{ created = 1, ConflictException = 7 }`.
    #[serde(default, deserialize_with = "outcome_counts")]
    pub outcomes: Option<Vec<(ExpectedAnswer, u32)>>,
    /// An open choice of the contract (its name in the registry of `check::choice`, e.g.
    /// `email_case`) under which a 201 also conforms: then a 201 is checked as a creation,
    /// and either answer is recorded as that choice's. Checked against the registry when a
    /// run starts.
    #[serde(default)]
    pub choice: Option<String>,
}

fn outcome_counts<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<(ExpectedAnswer, u32)>>, D::Error> {
    let table = std::collections::BTreeMap::<String, u32>::deserialize(d)?;
    table
        .into_iter()
        .map(|(name, count)| {
            let outcome = if name == "created" {
                ExpectedAnswer::Created
            } else {
                ExpectedAnswer::Exception(Exception::from_shape_name(&name).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "outcomes: {name:?} is neither \"created\" nor one of the eight exception names"
                    ))
                })?)
            };
            Ok((outcome, count))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn default_credentials() -> SignatureMode {
    SignatureMode::AsTarget
}

fn one() -> u32 {
    1
}

/// A case file's contents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    description: String,
    #[serde(deserialize_with = "exception_name")]
    exception: Exception,
    #[serde(default)]
    trigger: Option<TriggerClass>,
    steps: Vec<Step>,
}

/// A loaded, validated exception case.
#[derive(Debug, Clone)]
pub struct Case {
    /// Trial name, e.g. `exception::conflict::duplicate_email`.
    pub name: String,
    /// Where it was loaded from (a path, or `embedded:<path>`).
    pub source: String,
    pub description: String,
    pub exception: Exception,
    pub trigger: TriggerClass,
    pub steps: Vec<Step>,
}

/// Why case files could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("failed to read case directory {path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("failed to parse case file {source_name}: {reason}")]
    Parse { source_name: String, reason: String },
    #[error("invalid case file {source_name}: {reason}")]
    Invalid { source_name: String, reason: String },
    #[error("no case files (*.toml) found in {0}")]
    Empty(String),
}

/// Parses one case file. `relative` is its path under the cases directory
/// (`conflict/duplicate_email.toml`), from which the trial name is made.
pub fn parse_case(relative: &str, source: &str, text: &str) -> Result<Case, CaseError> {
    let file: CaseFile = toml::from_str(text).map_err(|e| CaseError::Parse {
        source_name: source.to_string(),
        reason: e.to_string(),
    })?;
    let invalid = |reason: String| CaseError::Invalid {
        source_name: source.to_string(),
        reason,
    };
    let stem = relative.trim_end_matches(".toml").replace('\\', "/");
    if stem.is_empty()
        || !stem.split('/').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    {
        return Err(invalid(format!(
            "path {relative:?} must be <group>/<name>.toml with letters, digits and _ only"
        )));
    }
    if file.steps.is_empty() {
        return Err(invalid("a case needs at least one [[steps]]".into()));
    }
    for (i, step) in file.steps.iter().enumerate() {
        let n = i + 1;
        if step.body.is_some() && step.raw_body.is_some() {
            return Err(invalid(format!(
                "step {n}: give body or raw_body, not both"
            )));
        }
        if step.burst == 0 || step.burst > MAX_BURST {
            return Err(invalid(format!("step {n}: burst must be 1..={MAX_BURST}")));
        }
        if let Some(outcomes) = &step.outcomes {
            check_outcomes(n, step, outcomes).map_err(invalid)?;
        }
    }
    let last = file.steps.last().map(|s| s.expect);
    if last != Some(ExpectedAnswer::Exception(file.exception)) {
        return Err(invalid(format!(
            "the last step must expect the case's exception {}",
            file.exception
        )));
    }
    Ok(Case {
        name: format!("exception::{}", stem.replace('/', "::")),
        source: source.to_string(),
        description: file.description,
        trigger: file.trigger.unwrap_or(file.exception.trigger_class()),
        exception: file.exception,
        steps: file.steps,
    })
}

/// A burst's outcome counts: only on a burst, summing to it, naming `created` or its
/// expected exception.
fn check_outcomes(n: usize, step: &Step, outcomes: &[(ExpectedAnswer, u32)]) -> Result<(), String> {
    if step.burst < 2 {
        return Err(format!("step {n}: outcomes need a burst of 2 or more"));
    }
    let total: u32 = outcomes.iter().map(|(_, c)| c).sum();
    if total != step.burst {
        return Err(format!(
            "step {n}: outcomes count {total} answers, the burst sends {}",
            step.burst
        ));
    }
    match outcomes
        .iter()
        .find(|(o, _)| *o != ExpectedAnswer::Created && *o != step.expect)
    {
        Some((o, _)) => Err(format!(
            "step {n}: outcomes may name only created and the step's expect, not {o}"
        )),
        None => Ok(()),
    }
}

/// The cases built into the binary from the repository's `cases/` directory.
pub fn embedded_cases() -> Result<Vec<Case>, CaseError> {
    let mut cases = EMBEDDED_CASES
        .iter()
        .map(|(relative, text)| parse_case(relative, &format!("embedded:cases/{relative}"), text))
        .collect::<Result<Vec<_>, _>>()?;
    if cases.is_empty() {
        return Err(CaseError::Empty("the embedded cases".into()));
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cases)
}

/// Loads every `*.toml` under `dir` (recursively).
pub fn load_cases(dir: &Path) -> Result<Vec<Case>, CaseError> {
    let mut files = Vec::new();
    collect_toml(dir, &mut files)?;
    let mut cases = Vec::new();
    for path in files {
        let io = |e: std::io::Error| CaseError::Io {
            path: path.clone(),
            reason: e.to_string(),
        };
        let text = std::fs::read_to_string(&path).map_err(io)?;
        let relative = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        cases.push(parse_case(&relative, &path.display().to_string(), &text)?);
    }
    if cases.is_empty() {
        return Err(CaseError::Empty(dir.display().to_string()));
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cases)
}

fn collect_toml(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CaseError> {
    let io = |e: std::io::Error| CaseError::Io {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            collect_toml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

impl Case {
    /// Why this case cannot run against `target`, or `None` when it can.
    pub fn unmet_need(&self, target: &Target, disruption: Disruption) -> Option<String> {
        let fixtures = &target.fixtures;
        let disruptive = self.steps.iter().any(|s| s.burst > 1 || s.fault.is_some());
        if disruptive && !target.is_loopback() && disruption != Disruption::Allowed {
            return Some(
                "it loads or faults the target, which runs against a non-loopback endpoint only with --allow-disruptive"
                    .into(),
            );
        }
        for step in &self.steps {
            match step.account {
                AccountRef::Forbidden if fixtures.forbidden_account_id.is_none() => {
                    return Some("needs a forbidden account (--forbidden-account-id)".into())
                }
                AccountRef::Throttled if fixtures.throttled_account_id.is_none() => {
                    return Some("needs a low-limit account (--throttled-account-id)".into())
                }
                _ => {}
            }
            if step.fault.is_some() && fixtures.fault_header.is_none() {
                return Some("needs a fault hook (--fault-header)".into());
            }
            if step.credentials != SignatureMode::AsTarget
                && !matches!(target.auth, Auth::SigV4 { .. })
            {
                return Some(
                    "needs a target that checks credentials (--auth sigv4); this one is --auth none"
                        .into(),
                );
            }
        }
        None
    }

    /// The body a step sends, with placeholders filled in.
    pub fn step_body(step: &Step, fill: &dyn Fn(&str) -> String) -> Value {
        let table = step.body.clone().unwrap_or_default();
        fill_placeholders(
            serde_json::to_value(table).unwrap_or(Value::Object(Default::default())),
            fill,
        )
    }
}

fn fill_placeholders(value: Value, fill: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(fill(&s)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| fill_placeholders(v, fill))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, fill_placeholders(v, fill)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_cases_load_and_cover_all_eight_exceptions() {
        let cases = embedded_cases().unwrap();
        for e in Exception::ALL {
            assert!(cases.iter().any(|c| c.exception == e), "no case for {e}");
        }
        assert!(cases
            .iter()
            .any(|c| c.name == "exception::conflict::duplicate_email"));
    }

    #[test]
    fn bad_files_are_rejected_with_the_key_and_line() {
        let err = parse_case(
            "x/y.toml",
            "x/y.toml",
            "description = \"d\"\nexception = \"Nope\"\nsteps = []\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("x/y.toml") && err.contains("line 2") && err.contains("Nope"),
            "{err}"
        );
        let err = parse_case(
            "x/y.toml",
            "x/y.toml",
            "description = \"d\"\nexception = \"ConflictException\"\n[[steps]]\nexpect = \"created\"\nbogus = 1\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("bogus"), "{err}");
        let err = parse_case(
            "x/y.toml",
            "x/y.toml",
            "description = \"d\"\nexception = \"ConflictException\"\n[[steps]]\nexpect = \"created\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("last step"), "{err}");
    }
}

//! The regressions file: every shrunk failing input, one JSON object per line, replayed
//! first by its property on the next run (like proptest's persistence, but as data that
//! survives a change of target). Each input keeps why it failed where it was found (the
//! target, the rules, what was seen): a replay never takes that verdict over, it judges
//! the answer afresh, so an input that failed one target does not fail another that
//! answers it in a conforming way (e.g. an Email whose validity depends on the regex
//! dialect).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::property::PropertyInput;

/// One persisted failure.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    trial: String,
    seed: u64,
    input: PropertyInput,
    /// Why it failed where it was found (absent in files of older versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<FailureReason>,
}

/// Why an input failed where it was found: for the record only; a replay judges again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureReason {
    /// The endpoint that answered.
    pub endpoint: String,
    /// The rules broken.
    pub rules: Vec<String>,
    /// What was expected and seen, for the first rule (sensitive values masked).
    pub verdict: String,
}

/// Why the regressions file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("failed to record a regression in {path}: {reason}")]
pub struct RegressionError {
    path: PathBuf,
    reason: String,
}

/// The regressions file of a run.
pub struct Regressions {
    path: PathBuf,
    write: Mutex<()>,
}

impl Regressions {
    pub fn new(path: PathBuf) -> Regressions {
        Regressions {
            path,
            write: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The inputs recorded for a trial. Lines that do not parse (an older format, a hand
    /// edit) are skipped, never fatal.
    pub fn inputs_for(&self, trial: &str) -> Vec<PropertyInput> {
        self.entries_for(trial)
            .0
            .into_iter()
            .map(|(input, _)| input)
            .collect()
    }

    /// The inputs recorded for a trial, each with why it failed where it was found, and a
    /// line saying so for each line of the file that was skipped because it does not parse.
    pub fn entries_for(
        &self,
        trial: &str,
    ) -> (Vec<(PropertyInput, Option<FailureReason>)>, Vec<String>) {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return (Vec::new(), Vec::new());
        };
        let mut skipped = Vec::new();
        let mut inputs: Vec<(PropertyInput, Option<FailureReason>)> = Vec::new();
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            match serde_json::from_str::<Entry>(line) {
                Ok(entry)
                    if entry.trial == trial && !inputs.iter().any(|(i, _)| *i == entry.input) =>
                {
                    inputs.push((entry.input, entry.reason))
                }
                Ok(_) => {}
                Err(e) => skipped.push(format!(
                    "skipping line {} of {}: {e}",
                    n + 1,
                    self.path.display()
                )),
            }
        }
        (inputs, skipped)
    }

    /// Appends a failing input (once).
    pub fn add(
        &self,
        trial: &str,
        seed: u64,
        input: &PropertyInput,
        reason: Option<FailureReason>,
    ) -> Result<(), RegressionError> {
        let _guard = crate::util::lock(&self.write);
        if self.inputs_for(trial).contains(input) {
            return Ok(());
        }
        let err = |reason: String| RegressionError {
            path: self.path.clone(),
            reason,
        };
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| err(e.to_string()))?;
        }
        let line = serde_json::to_string(&Entry {
            trial: trial.to_string(),
            seed,
            input: input.clone(),
            reason,
        })
        .map_err(|e| err(e.to_string()))?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| err(e.to_string()))?;
        writeln!(file, "{line}").map_err(|e| err(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::generate::CreateUserInput;

    #[test]
    fn inputs_round_trip_once_per_trial() {
        let dir = std::env::temp_dir().join(format!("chime-regr-{}", uuid::Uuid::new_v4()));
        let r = Regressions::new(dir.join("sub/regressions.jsonl"));
        let input = PropertyInput::Valid(CreateUserInput::new(Some("ü".into()), None, None));
        let reason = FailureReason {
            endpoint: "http://other.example".into(),
            rules: vec!["input.rejected".into()],
            verdict: "expected 400; saw 201".into(),
        };
        r.add("property::a", 1, &input, Some(reason.clone()))
            .unwrap();
        r.add("property::a", 2, &input, None).unwrap();
        assert_eq!(
            r.entries_for("property::a").0,
            vec![(input.clone(), Some(reason))]
        );
        assert_eq!(r.inputs_for("property::a"), vec![input]);
        assert!(r.inputs_for("property::b").is_empty());
        std::fs::write(r.path(), "not json\n").unwrap();
        assert!(r.inputs_for("property::a").is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }
}

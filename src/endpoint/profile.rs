//! Target profiles: a TOML file (`--target staging.toml`) holding everything about one
//! target (endpoint, region, auth, fixtures, fault hook, limits) and its known deviations,
//! trial names listed as expected failures with a reason. Flags and environment variables
//! override the file. A bad file gets an error naming the key and the line. An expected
//! failure may name the rules it is expected to break; the names are checked against the
//! rules where the run is set up (the rules live above this layer).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A trial the target is known to fail, why, and (optionally) the rules it is known to
/// break: a failure that breaks another rule is a real one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFailure {
    pub trial: String,
    pub reason: String,
    /// Stable rule names (`case.expected_exception`, ...); `None` covers every rule but a
    /// security one.
    #[serde(default)]
    pub rules: Option<Vec<String>>,
}

/// The contents of a target profile. Every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetProfile {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// `sigv4` or `none`.
    pub auth: Option<String>,
    /// AWS shared-config profile to take credentials (and region) from.
    pub profile: Option<String>,
    pub account_id: Option<String>,
    pub forbidden_account_id: Option<String>,
    pub throttled_account_id: Option<String>,
    pub fault_header: Option<String>,
    pub timeout: Option<f64>,
    pub deadline: Option<f64>,
    pub concurrency: Option<u32>,
    pub rate: Option<f64>,
    pub budget: Option<u64>,
    pub max_users: Option<u64>,
    pub allow_disruptive: Option<bool>,
    /// PEM file of a private CA; relative paths are relative to the profile's directory.
    pub ca_cert: Option<PathBuf>,
    #[serde(default)]
    pub expected_failures: Vec<ExpectedFailure>,
}

/// Why a profile could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("failed to read target profile {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("invalid target profile {path}: {reason}")]
    Invalid { path: String, reason: String },
}

impl TargetProfile {
    /// Reads and validates a profile file.
    pub fn load(path: &Path) -> Result<TargetProfile, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|e| ProfileError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut profile = TargetProfile::parse(&text).map_err(|reason| ProfileError::Invalid {
            path: path.display().to_string(),
            reason,
        })?;
        if let Some(ca) = &profile.ca_cert {
            if ca.is_relative() {
                let base = path.parent().unwrap_or(Path::new("."));
                profile.ca_cert = Some(base.join(ca));
            }
        }
        Ok(profile)
    }

    /// Parses profile text; the error names the key and line.
    pub fn parse(text: &str) -> Result<TargetProfile, String> {
        let profile: TargetProfile = toml::from_str(text).map_err(|e| e.to_string())?;
        if let Some(auth) = &profile.auth {
            if auth != "sigv4" && auth != "none" {
                return Err(format!(
                    "key `auth` must be \"sigv4\" or \"none\", not {auth:?}{}",
                    line_of(text, "auth")
                ));
            }
        }
        let mut seen = BTreeMap::new();
        for failure in &profile.expected_failures {
            if failure.reason.trim().is_empty() {
                return Err(format!(
                    "expected_failures: trial {:?} needs a reason",
                    failure.trial
                ));
            }
            if failure.rules.as_ref().is_some_and(Vec::is_empty) {
                return Err(format!(
                    "expected_failures: trial {:?} lists no rules: name the rules it is expected to break, or leave `rules` out",
                    failure.trial
                ));
            }
            if seen.insert(failure.trial.clone(), ()).is_some() {
                return Err(format!(
                    "expected_failures: trial {:?} is listed twice",
                    failure.trial
                ));
            }
        }
        Ok(profile)
    }
}

/// `" (line N)"` for the first line that sets `key`, for messages about values.
fn line_of(text: &str, key: &str) -> String {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|n| format!(" (line {})", n + 1))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_profile_parses() {
        let p = TargetProfile::parse(
            r#"
endpoint = "https://chime.staging.example"
region = "us-east-1"
auth = "sigv4"
account_id = "a"
rate = 5.0
budget = 100
max_users = 10
allow_disruptive = false
ca_cert = "ca.pem"

[[expected_failures]]
trial = "exception::throttled::burst"
reason = "staging has no throttling"
rules = ["case.expected_exception"]
"#,
        )
        .unwrap();
        assert_eq!(p.endpoint.as_deref(), Some("https://chime.staging.example"));
        assert_eq!(p.budget, Some(100));
        let listed = &p.expected_failures[0];
        assert_eq!(listed.trial, "exception::throttled::burst");
        assert_eq!(listed.reason, "staging has no throttling");
        assert_eq!(
            listed.rules.as_deref(),
            Some(&["case.expected_exception".to_string()][..])
        );
    }

    #[test]
    fn errors_name_the_key_and_the_line() {
        let err = TargetProfile::parse("endpoint = \"x\"\nrat = 5\n").unwrap_err();
        assert!(err.contains("rat") && err.contains("line 2"), "{err}");
        let err = TargetProfile::parse("budget = \"many\"\n").unwrap_err();
        assert!(err.contains("budget") && err.contains("line 1"), "{err}");
        let err = TargetProfile::parse("\nauth = \"basic\"\n").unwrap_err();
        assert!(err.contains("auth") && err.contains("line 2"), "{err}");
        let err = TargetProfile::parse("[[expected_failures]]\ntrial = \"t\"\nreason = \"\"\n")
            .unwrap_err();
        assert!(err.contains("needs a reason"), "{err}");
        let err = TargetProfile::parse(
            "[[expected_failures]]\ntrial = \"t\"\nreason = \"r\"\nrules = []\n",
        )
        .unwrap_err();
        assert!(err.contains("lists no rules"), "{err}");
    }
}

//! The one place a target is resolved: each setting is taken from the flags (or their
//! `CHIME_*` environment variables, which clap folds into the flags), else the target
//! profile, else the default for the kind of target, once, and checked. The result is a
//! complete [`Target`] and the run's [`RunBounds`]; nothing is patched afterwards.

use std::path::PathBuf;
use std::time::Duration;

use super::profile::TargetProfile;
use super::{Auth, Limits, Target, TargetFixtures, TargetOrigin};
use crate::contract::sigv4::SigningCredentials;

/// Per-request timeout when none is given, in seconds.
pub const DEFAULT_TIMEOUT_SECS: f64 = 10.0;
/// Deadline of a whole run when none is given, in seconds.
pub const DEFAULT_DEADLINE_SECS: f64 = 900.0;
/// Requests in flight at once when none is given.
pub const DEFAULT_CONCURRENCY: u32 = 16;
/// Requests per second at most against a non-loopback target, unless told otherwise.
pub const SHARED_RATE: f64 = 10.0;
/// Requests per run at most against a non-loopback target, unless told otherwise.
pub const SHARED_BUDGET: u64 = 5_000;
/// Users created per run at most against a non-loopback target, unless told otherwise.
pub const SHARED_MAX_USERS: u64 = 1_000;

/// How requests authenticate, as a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Sign with AWS SigV4 (service `chime`).
    SigV4,
    /// Send unsigned requests.
    None,
}

/// Whether cases that load or fault the target may run against a non-loopback endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Disruption {
    /// Only against loopback targets (the default).
    #[default]
    LoopbackOnly,
    /// Against any target (`--allow-disruptive`).
    Allowed,
}

/// The settings of a target as one layer states them; every one optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetSettings {
    pub endpoint: Option<String>,
    pub account_id: Option<String>,
    pub forbidden_account_id: Option<String>,
    pub throttled_account_id: Option<String>,
    pub fault_header: Option<String>,
    pub auth: Option<AuthMode>,
    /// AWS shared-config profile for credentials and region.
    pub aws_profile: Option<String>,
    pub region: Option<String>,
    pub ca_cert: Option<PathBuf>,
    pub timeout_secs: Option<f64>,
    pub deadline_secs: Option<f64>,
    pub concurrency: Option<u32>,
    pub rate: Option<f64>,
    pub budget: Option<u64>,
    pub max_users: Option<u64>,
    pub allow_disruptive: Option<bool>,
}

/// Why a target could not be resolved; the message names the flag or key and the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TargetError(String);

impl TargetError {
    pub fn new(message: impl Into<String>) -> TargetError {
        TargetError(message.into())
    }
}

/// What the run may do beyond one request: its deadline and whether it may disrupt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunBounds {
    pub deadline: Duration,
    pub disruption: Disruption,
}

/// The reference mock's side of an embedded target: where it listens and what it offers.
#[derive(Debug, Clone)]
pub struct EmbeddedMock {
    pub uri: String,
    pub fixtures: TargetFixtures,
    /// The test credentials it verifies, if it checks SigV4.
    pub credentials: Option<SigningCredentials>,
}

impl TargetSettings {
    /// These settings, each missing one taken from `lower`.
    pub fn or(self, lower: TargetSettings) -> TargetSettings {
        TargetSettings {
            endpoint: self.endpoint.or(lower.endpoint),
            account_id: self.account_id.or(lower.account_id),
            forbidden_account_id: self.forbidden_account_id.or(lower.forbidden_account_id),
            throttled_account_id: self.throttled_account_id.or(lower.throttled_account_id),
            fault_header: self.fault_header.or(lower.fault_header),
            auth: self.auth.or(lower.auth),
            aws_profile: self.aws_profile.or(lower.aws_profile),
            region: self.region.or(lower.region),
            ca_cert: self.ca_cert.or(lower.ca_cert),
            timeout_secs: self.timeout_secs.or(lower.timeout_secs),
            deadline_secs: self.deadline_secs.or(lower.deadline_secs),
            concurrency: self.concurrency.or(lower.concurrency),
            rate: self.rate.or(lower.rate),
            budget: self.budget.or(lower.budget),
            max_users: self.max_users.or(lower.max_users),
            allow_disruptive: self.allow_disruptive.or(lower.allow_disruptive),
        }
    }

    /// The bounds of the run: deadline and disruption, with their defaults.
    pub fn run_bounds(&self) -> Result<RunBounds, TargetError> {
        Ok(RunBounds {
            deadline: seconds("--deadline", self.deadline_secs, DEFAULT_DEADLINE_SECS)?,
            disruption: if self.allow_disruptive == Some(true) {
                Disruption::Allowed
            } else {
                Disruption::LoopbackOnly
            },
        })
    }

    /// The target the embedded reference mock is. Settings that describe another target
    /// (fixture accounts, fault header) are refused: the mock's own are used.
    pub fn embedded(&self, mock: EmbeddedMock) -> Result<Target, TargetError> {
        let described = [
            ("--account-id", self.account_id.is_some()),
            (
                "--forbidden-account-id",
                self.forbidden_account_id.is_some(),
            ),
            (
                "--throttled-account-id",
                self.throttled_account_id.is_some(),
            ),
            ("--fault-header", self.fault_header.is_some()),
        ];
        if let Some((flag, _)) = described.iter().find(|(_, given)| *given) {
            return Err(TargetError::new(format!(
                "{flag} describes a target and needs --endpoint; without --endpoint the embedded mock's own fixtures are used"
            )));
        }
        let auth = match (mock.credentials, self.auth) {
            (Some(credentials), None | Some(AuthMode::SigV4)) => Auth::SigV4 {
                credentials,
                region: self
                    .region
                    .clone()
                    .unwrap_or_else(|| crate::contract::DEFAULT_REGION.to_string()),
            },
            _ => Auth::None,
        };
        self.complete(mock.uri, auth, mock.fixtures, TargetOrigin::EmbeddedMock)
    }

    /// The account and the endpoint of a remote target, checked; `None` when no endpoint
    /// is given (the embedded mock is meant).
    pub fn remote_endpoint(&self) -> Result<Option<(String, String)>, TargetError> {
        let Some(endpoint) = &self.endpoint else {
            return Ok(None);
        };
        let endpoint = checked_endpoint(endpoint)?;
        let account_id = self.account_id.clone().ok_or_else(|| {
            TargetError::new("--account-id (or CHIME_ACCOUNT_ID, or account_id in the target profile) is required with an endpoint")
        })?;
        if !crate::contract::is_valid_account_id(&account_id) {
            return Err(TargetError::new(
                "--account-id must not be empty or all whitespace",
            ));
        }
        Ok(Some((endpoint, account_id)))
    }

    /// Whether requests to a remote target are signed.
    pub fn signs(&self) -> bool {
        self.auth != Some(AuthMode::None)
    }

    /// The signing region: given, else the AWS chain's, else the default.
    pub fn region_or(&self, chain_region: Option<String>) -> String {
        self.region
            .clone()
            .or(chain_region)
            .unwrap_or_else(|| crate::contract::DEFAULT_REGION.to_string())
    }

    /// A remote target, with its credentials already resolved (`None` for unsigned).
    pub fn remote(
        &self,
        endpoint: String,
        account_id: String,
        auth: Auth,
        origin: TargetOrigin,
    ) -> Result<Target, TargetError> {
        let fixtures = TargetFixtures {
            account_id,
            forbidden_account_id: self.forbidden_account_id.clone(),
            throttled_account_id: self.throttled_account_id.clone(),
            fault_header: self.fault_header.clone(),
        };
        self.complete(endpoint, auth, fixtures, origin)
    }

    /// The settings every target has: timeout, concurrency, limits, CA.
    fn complete(
        &self,
        endpoint: String,
        auth: Auth,
        fixtures: TargetFixtures,
        origin: TargetOrigin,
    ) -> Result<Target, TargetError> {
        let loopback = super::is_loopback_url(&endpoint);
        let ca_cert_pem = match &self.ca_cert {
            Some(path) => Some(std::fs::read(path).map_err(|e| {
                TargetError::new(format!(
                    "failed to read the CA certificate {}: {e}",
                    path.display()
                ))
            })?),
            None => None,
        };
        Ok(Target {
            endpoint,
            auth,
            fixtures,
            timeout: seconds("--timeout", self.timeout_secs, DEFAULT_TIMEOUT_SECS)?,
            concurrency: self.concurrency.unwrap_or(DEFAULT_CONCURRENCY) as usize,
            origin,
            limits: self.limits(loopback)?,
            ca_cert_pem,
        })
    }

    /// The limits of a run: as given (0 for none), else the default for the kind of target.
    fn limits(&self, loopback: bool) -> Result<Limits, TargetError> {
        if let Some(rate) = self.rate {
            if !rate.is_finite() || rate < 0.0 {
                return Err(TargetError::new(format!(
                    "--rate must be a number of requests per second >= 0, not {rate}"
                )));
            }
        }
        let count = |given: Option<u64>, default: u64| match given {
            Some(0) => None,
            Some(v) => Some(v),
            None => (!loopback).then_some(default),
        };
        Ok(Limits {
            rate: match self.rate {
                Some(v) => (v > 0.0).then_some(v),
                None => (!loopback).then_some(SHARED_RATE),
            },
            budget: count(self.budget, SHARED_BUDGET),
            max_users: count(self.max_users, SHARED_MAX_USERS),
        })
    }
}

impl From<&TargetProfile> for TargetSettings {
    fn from(p: &TargetProfile) -> TargetSettings {
        TargetSettings {
            endpoint: p.endpoint.clone(),
            account_id: p.account_id.clone(),
            forbidden_account_id: p.forbidden_account_id.clone(),
            throttled_account_id: p.throttled_account_id.clone(),
            fault_header: p.fault_header.clone(),
            auth: p.auth.as_deref().map(|a| match a {
                "none" => AuthMode::None,
                _ => AuthMode::SigV4,
            }),
            aws_profile: p.profile.clone(),
            region: p.region.clone(),
            ca_cert: p.ca_cert.clone(),
            timeout_secs: p.timeout,
            deadline_secs: p.deadline,
            concurrency: p.concurrency,
            rate: p.rate,
            budget: p.budget,
            max_users: p.max_users,
            allow_disruptive: p.allow_disruptive,
        }
    }
}

/// A duration in seconds in (0, 86400], or an error naming the flag.
fn seconds(flag: &str, given: Option<f64>, default: f64) -> Result<Duration, TargetError> {
    let value = given.unwrap_or(default);
    if value.is_finite() && value > 0.0 && value <= 86_400.0 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(TargetError::new(format!(
            "{flag} must be a number of seconds in (0, 86400], not {value}"
        )))
    }
}

/// The endpoint as a base URL without a trailing slash, or why it cannot be one.
fn checked_endpoint(endpoint: &str) -> Result<String, TargetError> {
    let url = url::Url::parse(endpoint)
        .map_err(|e| TargetError::new(format!("--endpoint {endpoint:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(TargetError::new(format!(
            "--endpoint {endpoint:?} must be an http:// or https:// URL with a host"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(TargetError::new(format!(
            "--endpoint {endpoint:?} must not have a query or fragment"
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(endpoint: &str) -> TargetSettings {
        TargetSettings {
            endpoint: Some(endpoint.into()),
            account_id: Some("a".into()),
            ..TargetSettings::default()
        }
    }

    #[test]
    fn a_flag_wins_over_the_profile_and_the_profile_over_the_default() {
        let flags = TargetSettings {
            rate: Some(3.0),
            ..TargetSettings::default()
        };
        let profile = TargetSettings {
            rate: Some(7.0),
            budget: Some(9),
            ..settings("https://staging.example")
        };
        let merged = flags.or(profile);
        let target = merged
            .remote(
                "https://staging.example".into(),
                "a".into(),
                Auth::None,
                TargetOrigin::Flags,
            )
            .unwrap();
        assert_eq!(target.limits.rate, Some(3.0));
        assert_eq!(target.limits.budget, Some(9));
        assert_eq!(target.limits.max_users, Some(SHARED_MAX_USERS));
    }

    #[test]
    fn loopback_targets_have_no_default_limits_and_zero_means_none() {
        let s = TargetSettings {
            budget: Some(0),
            ..settings("http://127.0.0.1:9")
        };
        let t = s
            .remote(
                "http://127.0.0.1:9".into(),
                "a".into(),
                Auth::None,
                TargetOrigin::Flags,
            )
            .unwrap();
        assert_eq!(t.limits, Limits::default());
        let s = TargetSettings {
            budget: Some(0),
            ..settings("https://staging.example")
        };
        let t = s
            .remote(
                "https://staging.example".into(),
                "a".into(),
                Auth::None,
                TargetOrigin::Flags,
            )
            .unwrap();
        assert_eq!(t.limits.budget, None);
        assert_eq!(t.limits.rate, Some(SHARED_RATE));
    }

    #[test]
    fn bad_values_are_named() {
        let err = settings("ftp://x").remote_endpoint().unwrap_err();
        assert!(err.to_string().contains("http:// or https://"), "{err}");
        let err = TargetSettings {
            account_id: None,
            ..settings("http://127.0.0.1:9")
        }
        .remote_endpoint()
        .unwrap_err();
        assert!(err.to_string().contains("--account-id"), "{err}");
        let err = TargetSettings {
            timeout_secs: Some(-1.0),
            ..settings("http://127.0.0.1:9")
        }
        .remote(
            "http://127.0.0.1:9".into(),
            "a".into(),
            Auth::None,
            TargetOrigin::Flags,
        )
        .unwrap_err();
        assert!(err.to_string().contains("--timeout"), "{err}");
        let err = TargetSettings {
            rate: Some(f64::NAN),
            ..settings("http://127.0.0.1:9")
        }
        .remote(
            "http://127.0.0.1:9".into(),
            "a".into(),
            Auth::None,
            TargetOrigin::Flags,
        )
        .unwrap_err();
        assert!(err.to_string().contains("--rate"), "{err}");
    }

    #[test]
    fn the_embedded_mock_refuses_settings_of_another_target() {
        let mock = EmbeddedMock {
            uri: "http://127.0.0.1:9".into(),
            fixtures: TargetFixtures {
                account_id: "m".into(),
                forbidden_account_id: None,
                throttled_account_id: None,
                fault_header: None,
            },
            credentials: None,
        };
        let err = TargetSettings {
            fault_header: Some("x".into()),
            ..TargetSettings::default()
        }
        .embedded(mock.clone())
        .unwrap_err();
        assert!(err.to_string().contains("--fault-header"), "{err}");
        let t = TargetSettings::default().embedded(mock).unwrap();
        assert!(t.is_embedded());
        assert_eq!(t.fixtures.account_id, "m");
    }
}

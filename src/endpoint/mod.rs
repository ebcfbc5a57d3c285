//! Where and how to reach a CreateUser endpoint: base URL, authentication, the fixture
//! accounts it offers, its fault hook and the limits of a run against it. A validated
//! configuration, built once by [`builder`] from flags, environment, a target profile
//! ([`profile`]) and defaults, in that order of precedence.

pub mod builder;
pub mod credentials;
pub mod profile;

use std::time::Duration;

use crate::contract::sigv4::SigningCredentials;

/// How requests are authenticated.
#[derive(Debug, Clone)]
pub enum Auth {
    /// Requests are signed with SigV4 for service `chime` in `region`.
    SigV4 {
        credentials: SigningCredentials,
        region: String,
    },
    /// Requests are sent unsigned; the target is assumed not to check credentials.
    None,
}

/// Fixture accounts and hooks a target offers. A case that needs one the target does not
/// offer is ignored with that reason.
#[derive(Debug, Clone)]
pub struct TargetFixtures {
    /// An ordinary account in which users can be created.
    pub account_id: String,
    /// An account the caller may not act on (ForbiddenException).
    pub forbidden_account_id: Option<String>,
    /// An account with a low request rate limit (ThrottledClientException).
    pub throttled_account_id: Option<String>,
    /// The request header that makes the target inject an exception.
    pub fault_header: Option<String>,
}

/// Limits that keep a run safe for a shared environment. `None` is unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limits {
    /// Requests per second, spaced evenly (no bursts).
    pub rate: Option<f64>,
    /// Requests in the whole run.
    pub budget: Option<u64>,
    /// Users the run may create.
    pub max_users: Option<u64>,
}

/// A validated target.
#[derive(Debug, Clone)]
pub struct Target {
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:4566`.
    pub endpoint: String,
    pub auth: Auth,
    pub fixtures: TargetFixtures,
    /// Per-request timeout (connect, headers and body).
    pub timeout: Duration,
    /// Requests in flight at once, across all trials.
    pub concurrency: usize,
    /// Where the target's description came from (for rerun commands and reports).
    pub origin: TargetOrigin,
    pub limits: Limits,
    /// PEM certificates of a private CA to trust besides the public roots.
    pub ca_cert_pem: Option<Vec<u8>>,
}

/// Where a target's description came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetOrigin {
    /// The reference mock started inside this process.
    EmbeddedMock,
    /// Flags and environment variables.
    Flags,
    /// A target profile (TOML), by its path as given; flags may override parts of it.
    Profile(String),
}

impl Target {
    /// The URL of CreateUser for an account.
    pub fn create_user_url(&self, account_id: &str) -> String {
        format!(
            "{}{}",
            self.endpoint,
            crate::contract::create_user_path(account_id)
        )
    }

    /// True when the endpoint's host is a loopback address.
    pub fn is_loopback(&self) -> bool {
        is_loopback_url(&self.endpoint)
    }

    /// The target flags that reproduce this target on a command line (never secrets).
    pub(crate) fn command_line_flags(&self) -> Vec<String> {
        match &self.origin {
            TargetOrigin::EmbeddedMock => return Vec::new(),
            TargetOrigin::Profile(path) => return vec![format!("--target {}", shell_quote(path))],
            TargetOrigin::Flags => {}
        }
        let mut flags = vec![
            format!("--endpoint {}", shell_quote(&self.endpoint)),
            format!("--account-id {}", shell_quote(&self.fixtures.account_id)),
        ];
        let optional = [
            (
                "--forbidden-account-id",
                &self.fixtures.forbidden_account_id,
            ),
            (
                "--throttled-account-id",
                &self.fixtures.throttled_account_id,
            ),
            ("--fault-header", &self.fixtures.fault_header),
        ];
        for (flag, value) in optional {
            if let Some(v) = value {
                flags.push(format!("{flag} {}", shell_quote(v)));
            }
        }
        match &self.auth {
            Auth::SigV4 { region, .. } => flags.push(format!("--region {}", shell_quote(region))),
            Auth::None => flags.push("--auth none".to_string()),
        }
        flags
    }

    /// True when the target is the reference mock started inside this process.
    pub fn is_embedded(&self) -> bool {
        self.origin == TargetOrigin::EmbeddedMock
    }

    /// The SigV4 region requests are signed for (the default region when unsigned).
    pub fn region(&self) -> &str {
        match &self.auth {
            Auth::SigV4 { region, .. } => region,
            Auth::None => crate::contract::DEFAULT_REGION,
        }
    }

    /// The command that reruns exactly one trial with one seed against this target.
    pub fn rerun_command(&self, trial: &str, seed: u64) -> String {
        let mut parts = vec![
            "chime-conformance".to_string(),
            "--exact".to_string(),
            shell_quote(trial),
            format!("--seed {seed}"),
        ];
        parts.extend(self.command_line_flags());
        parts.join(" ")
    }
}

/// True when a URL's host is a loopback address.
pub fn is_loopback_url(endpoint: &str) -> bool {
    let Ok(url) = url::Url::parse(endpoint) else {
        return false;
    };
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Quotes a value for a POSIX shell when it needs it.
pub fn shell_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@=,+%".contains(c));
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(endpoint: &str) -> Target {
        Target {
            endpoint: endpoint.into(),
            auth: Auth::None,
            fixtures: TargetFixtures {
                account_id: "a b".into(),
                forbidden_account_id: None,
                throttled_account_id: None,
                fault_header: Some("x-chime-fault".into()),
            },
            timeout: Duration::from_secs(1),
            concurrency: 1,
            origin: TargetOrigin::Flags,
            limits: Limits::default(),
            ca_cert_pem: None,
        }
    }

    #[test]
    fn loopback_is_recognised() {
        assert!(target("http://127.0.0.1:1").is_loopback());
        assert!(target("http://localhost:1").is_loopback());
        assert!(target("https://[::1]:1").is_loopback());
        assert!(!target("https://staging.example").is_loopback());
    }

    #[test]
    fn flags_are_quoted_for_the_shell() {
        let flags = target("http://127.0.0.1:1").command_line_flags().join(" ");
        assert_eq!(
            flags,
            "--endpoint http://127.0.0.1:1 --account-id 'a b' --fault-header x-chime-fault --auth none"
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        let mut from_profile = target("https://staging.example");
        from_profile.origin = TargetOrigin::Profile("ci/staging.toml".into());
        assert_eq!(
            from_profile.command_line_flags(),
            ["--target ci/staging.toml"],
            "a profile names everything about its target"
        );
    }
}

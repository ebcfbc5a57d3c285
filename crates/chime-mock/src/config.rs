//! What a reference mock serves: its accounts, the test credentials it verifies against,
//! its throttle and fault settings, and the fixtures a harness reads back from it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::state::SavedAccount;
use crate::{Defect, Variant};
use chime_contract::sigv4::SigningCredentials;

/// The ordinary account of the default fixtures.
pub const DEFAULT_ACCOUNT_ID: &str = "a1b2c3d4-0000-4000-8000-000000000001";
/// The disabled account of the default fixtures: every CreateUser on it is a
/// `ForbiddenException` (403).
pub const DEFAULT_FORBIDDEN_ACCOUNT_ID: &str = "a1b2c3d4-0000-4000-8000-000000000403";
/// The low-limit account of the default fixtures: a small burst on it gets a
/// `ThrottledClientException` (429).
pub const DEFAULT_THROTTLED_ACCOUNT_ID: &str = "a1b2c3d4-0000-4000-8000-000000000429";
/// The documented test access key id the mock verifies SigV4 signatures against.
pub const DEFAULT_ACCESS_KEY_ID: &str = "AKIDCHIMEMOCKEXAMPLE";
/// The documented test secret access key. A test value, published on purpose: it protects
/// nothing.
pub const DEFAULT_SECRET_ACCESS_KEY: &str = "chimeMockSecretKeyEXAMPLE/ForTestsOnly+0000";
/// The request header that makes the mock answer with an injected exception, e.g.
/// `x-chime-fault: ServiceUnavailableException`.
pub const DEFAULT_FAULT_HEADER: &str = "x-chime-fault";
/// The address the library binds by default: loopback, with a port the OS picks.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// Request bodies larger than this are refused by default, before the rest is read: far
/// above any real CreateUser body (under 1 KiB), far below what hurts a shared host.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Under [`Variant::AcceptLargeBodies`] bodies up to this size are read and created from.
pub const LARGE_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Request heads (request line and headers) larger than this are refused by default.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 64 * 1024;
/// A connection that sends no complete request head for this long is closed by default.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// At most this many connections are served at once by default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// The journal keeps this many recent requests by default.
pub const DEFAULT_JOURNAL_SIZE: usize = 200;

/// What the mock reads from clients, at most, and how much it remembers of them.
#[derive(Clone, Debug, PartialEq)]
pub struct MockLimits {
    /// Larger bodies get a `BadRequestException` before the rest of the body is read.
    pub max_body_bytes: usize,
    /// Larger request heads get `431 Request Header Fields Too Large` (at least 8 KiB).
    pub max_header_bytes: usize,
    /// A connection that sends no complete request head for this long (idle between
    /// requests, or slow) is closed.
    pub idle_timeout: Duration,
    /// Connections served at once; more wait in the listen backlog until one closes.
    pub max_connections: usize,
    /// Requests the journal keeps (0: none).
    pub journal_size: usize,
}

impl Default for MockLimits {
    fn default() -> Self {
        MockLimits {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            journal_size: DEFAULT_JOURNAL_SIZE,
        }
    }
}

/// The token bucket of throttled accounts: `burst` requests at once, then `rate_per_second`.
#[derive(Clone, Debug, PartialEq)]
pub struct ThrottleConfig {
    /// Tokens added per second.
    pub rate_per_second: f64,
    /// Tokens the bucket holds (and starts with): requests that may be sent at once.
    pub burst: u32,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            rate_per_second: 1.0,
            burst: 5,
        }
    }
}

/// Everything a [`ReferenceMock`](crate::ReferenceMock) is started with.
#[derive(Clone, Debug)]
pub struct MockConfig {
    /// Where to listen; port 0 lets the OS pick one.
    pub listen: SocketAddr,
    /// Ordinary accounts: users are created in them.
    pub accounts: Vec<String>,
    /// Disabled accounts: `ForbiddenException`.
    pub forbidden_accounts: Vec<String>,
    /// Low-limit accounts: a token bucket per account, `ThrottledClientException` when empty.
    pub throttled_accounts: Vec<String>,
    /// The token bucket of each throttled account.
    pub throttle: ThrottleConfig,
    /// The credentials signatures are verified against; `None` turns verification off.
    pub credentials: Option<Vec<SigningCredentials>>,
    /// The request header that injects an exception by its shape name.
    pub fault_header: String,
    /// Probability in `[0, 1]` of answering any routed request with a random 500 or 503.
    pub fault_rate: f64,
    /// Where one masked line per request goes (the binary's `--log-requests` prints each
    /// to stderr); `None` logs nothing. The library itself never prints.
    pub log_requests: Option<RequestLog>,
    /// Test-only: make the mock break exactly one rule of the contract.
    pub defect: Option<Defect>,
    /// Test-only: make the mock answer in one conforming way that differs from its usual
    /// answers, in wire form or in a choice the contract leaves open (no rule of the
    /// contract is broken).
    pub variant: Option<Variant>,
    /// Makes UserIds, PINs, request ids and random faults a function of the seed and of
    /// the order of requests; `None` draws them at random.
    pub seed: Option<u64>,
    /// Serve the control plane under `/_chime-mock/` (no SigV4 asked there).
    pub control_plane: bool,
    /// Bounds on bodies, heads, idle and concurrent connections, and the journal.
    pub limits: MockLimits,
    /// Accounts and users to start with (e.g. loaded from a state file); they replace
    /// configured accounts of the same id.
    pub initial_state: Vec<SavedAccount>,
    /// Also judge every request to the CreateUser side as a client's request against the
    /// contract, keeping a verdict for each departure (`GET /_chime-mock/verdicts`,
    /// [`ReferenceMock::client_report`](crate::ReferenceMock::client_report)). Answers do
    /// not change.
    pub judge_clients: bool,
    /// Answer in every form the contract allows, each answer's forms drawn from a
    /// generator seeded by [`seed`](MockConfig::seed) (see [`Form`](crate::Form)); the
    /// forms are journaled with each request. Not with a defect or a variant.
    pub vary_responses: bool,
    /// Forms never used under `vary_responses` (an answer that would take one is sent
    /// without it): for a client known not to parse them, so that its other forms are
    /// still tried.
    pub vary_skip: Vec<crate::Form>,
}

impl Default for MockConfig {
    /// The default fixtures: one account of each kind, the documented test credentials,
    /// the default fault header, no random faults, no logging, no defect, no variant, no
    /// seed, the control plane on, the default limits.
    fn default() -> Self {
        MockConfig {
            listen: DEFAULT_LISTEN,
            accounts: vec![DEFAULT_ACCOUNT_ID.to_string()],
            forbidden_accounts: vec![DEFAULT_FORBIDDEN_ACCOUNT_ID.to_string()],
            throttled_accounts: vec![DEFAULT_THROTTLED_ACCOUNT_ID.to_string()],
            throttle: ThrottleConfig::default(),
            credentials: Some(vec![default_credentials()]),
            fault_header: DEFAULT_FAULT_HEADER.to_string(),
            fault_rate: 0.0,
            log_requests: None,
            defect: None,
            variant: None,
            seed: None,
            control_plane: true,
            limits: MockLimits::default(),
            initial_state: Vec::new(),
            judge_clients: false,
            vary_responses: false,
            vary_skip: Vec::new(),
        }
    }
}

/// The documented test credentials.
pub fn default_credentials() -> SigningCredentials {
    SigningCredentials::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
}

/// What a harness needs to know to drive a running mock: the first account of each kind,
/// the fault header and the credentials to sign with (`None` when auth is off).
#[derive(Clone, Debug)]
pub struct Fixtures {
    /// The first ordinary account (empty when there is none).
    pub account_id: String,
    /// The first forbidden account, if any.
    pub forbidden_account_id: Option<String>,
    /// The first throttled account, if any.
    pub throttled_account_id: Option<String>,
    /// The fault-injection header, if one is configured.
    pub fault_header: Option<String>,
    /// The credentials to sign with (`None` when auth is off).
    pub credentials: Option<SigningCredentials>,
}

impl MockConfig {
    /// The largest body read: the limit, raised to [`LARGE_BODY_BYTES`] under
    /// [`Variant::AcceptLargeBodies`].
    pub fn max_body_bytes(&self) -> usize {
        match self.variant {
            Some(Variant::AcceptLargeBodies) => self.limits.max_body_bytes.max(LARGE_BODY_BYTES),
            _ => self.limits.max_body_bytes,
        }
    }

    /// The fixtures this configuration serves. With no ordinary account the `account_id`
    /// is empty (every create is then a `NotFoundException`).
    pub fn fixtures(&self) -> Fixtures {
        Fixtures {
            account_id: self.accounts.first().cloned().unwrap_or_default(),
            forbidden_account_id: self.forbidden_accounts.first().cloned(),
            throttled_account_id: self.throttled_accounts.first().cloned(),
            fault_header: (!self.fault_header.is_empty()).then(|| self.fault_header.clone()),
            credentials: self
                .credentials
                .as_ref()
                .and_then(|all| all.first().cloned()),
        }
    }

    /// Checks the settings that a server cannot run with.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let rate = self.throttle.rate_per_second;
        if !(rate.is_finite() && rate > 0.0) {
            return Err(format!(
                "throttle rate must be a positive number of requests per second, got {rate}"
            ));
        }
        if self.throttle.burst == 0 {
            return Err("throttle burst must be at least 1".to_string());
        }
        if !(0.0..=1.0).contains(&self.fault_rate) {
            return Err(format!(
                "fault rate must be a probability between 0 and 1, got {}",
                self.fault_rate
            ));
        }
        if http::HeaderName::from_bytes(self.fault_header.as_bytes()).is_err() {
            return Err(format!(
                "fault header {:?} is not a valid HTTP header name",
                self.fault_header
            ));
        }
        if self.limits.max_body_bytes == 0 || self.limits.max_connections == 0 {
            return Err("the body limit and the connection limit must be at least 1".to_string());
        }
        if self.limits.idle_timeout.is_zero() {
            return Err("the idle timeout must be longer than zero".to_string());
        }
        if self.vary_responses && (self.defect.is_some() || self.variant.is_some()) {
            return Err(
                "varied responses cannot be combined with a defect or a variant".to_string(),
            );
        }
        if let Some(credentials) = &self.credentials {
            if credentials.is_empty() {
                return Err("auth is on but no credentials are configured".to_string());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_fixtures_have_one_account_of_each_kind() {
        let config = MockConfig::default();
        assert_eq!(config.validate(), Ok(()));
        let fixtures = config.fixtures();
        assert_eq!(fixtures.account_id, DEFAULT_ACCOUNT_ID);
        assert_eq!(
            fixtures.forbidden_account_id.as_deref(),
            Some(DEFAULT_FORBIDDEN_ACCOUNT_ID)
        );
        assert_eq!(
            fixtures.throttled_account_id.as_deref(),
            Some(DEFAULT_THROTTLED_ACCOUNT_ID)
        );
        assert_eq!(
            fixtures.credentials.map(|c| c.access_key_id),
            Some(DEFAULT_ACCESS_KEY_ID.to_string())
        );
    }

    #[test]
    fn settings_a_server_cannot_run_with_are_refused() {
        let bad = [
            MockConfig {
                throttle: ThrottleConfig {
                    rate_per_second: 0.0,
                    burst: 1,
                },
                ..MockConfig::default()
            },
            MockConfig {
                throttle: ThrottleConfig {
                    rate_per_second: 1.0,
                    burst: 0,
                },
                ..MockConfig::default()
            },
            MockConfig {
                fault_rate: 1.5,
                ..MockConfig::default()
            },
            MockConfig {
                fault_header: "bad header".into(),
                ..MockConfig::default()
            },
            MockConfig {
                credentials: Some(vec![]),
                ..MockConfig::default()
            },
            MockConfig {
                vary_responses: true,
                variant: Some(Variant::MinimalUser),
                ..MockConfig::default()
            },
        ];
        for config in bad {
            assert!(config.validate().is_err(), "{config:?}");
        }
    }
}

/// A sink for the mock's request log: called with one masked line per request.
#[derive(Clone)]
pub struct RequestLog(std::sync::Arc<dyn Fn(&str) + Send + Sync>);

impl RequestLog {
    /// A log that hands each line to `sink`.
    pub fn new(sink: impl Fn(&str) + Send + Sync + 'static) -> RequestLog {
        RequestLog(std::sync::Arc::new(sink))
    }

    /// Hands one line to the sink.
    pub fn write(&self, line: &str) {
        (self.0)(line)
    }
}

impl std::fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestLog(..)")
    }
}
